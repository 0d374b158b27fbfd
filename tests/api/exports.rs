//! The RI&E PSA export: made once, served byte for byte with a signature that a changed byte
//! fails; the same rules as the screen (a hidden group's figures appear in no format).

use std::io::Read;

use base64::Engine;
use psa::domain::Role;
use serde_json::{Value, json};

use crate::helpers::{Api, TestApp, assert_problem, pdftotext, spawn_app};
use crate::rounds::{answer, hr, import, invite, open_round, token_of, unit_id};

/// A closed round over A (7 answered, 2 bullied weekly), B (3 answered, 2 bullied: hidden, its
/// share 66.7% must show nowhere) and C (6 answered, none bullied).
pub(crate) async fn closed_round_with_a_hidden_group(app: &TestApp, hr: &Api) -> String {
    let units = import(hr, "A\nB\nC\n").await;
    let round = open_round(
        hr,
        json!({"name": "PSA 2026", "questionnaire_id": "psa-basis", "min_group_size": 5}),
    )
    .await;
    for (unit, answered, exposed) in [("A", 7, 2), ("B", 3, 2), ("C", 6, 0)] {
        let links = invite(hr, &round, unit_id(&units, unit), answered).await;
        for (i, link) in links.iter().enumerate() {
            let pe1 = if i < exposed { 4 } else { 1 };
            let body = json!({"items": {"pe1": pe1, "pe2": 1, "pe3": 1, "pe4": 1, "pe5": 1}});
            assert_eq!(answer(app, &token_of(link), body).await.status(), 201);
        }
    }
    let id = round["id"].as_str().unwrap().to_owned();
    let closed = hr
        .post(&format!("/api/v1/rounds/{id}/close"), json!({}))
        .await;
    assert_eq!(closed.status(), 200);
    id
}

async fn download(api: &Api, url: &str) -> (u16, Option<String>, Vec<u8>) {
    let response = api.send(reqwest::Method::GET, url, None).await;
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    (
        status,
        content_type,
        response.bytes().await.unwrap().to_vec(),
    )
}

/// Every file inside a zip (the CSV export, or an XLSX workbook), as text.
fn unzip(bytes: &[u8]) -> Vec<(String, String)> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).unwrap();
            let mut text = String::new();
            file.read_to_string(&mut text).unwrap();
            (file.name().to_owned(), text)
        })
        .collect()
}

#[actix_web::test]
async fn an_export_is_made_once_signed_and_shows_no_hidden_group() {
    let app = spawn_app().await;
    let hr = hr(&app).await;
    let round = closed_round_with_a_hidden_group(&app, &hr).await;
    hr.send(
        reqwest::Method::PUT,
        "/api/v1/policy-checklist/code_of_conduct",
        Some(json!({"answer": "yes", "date": "2026-09-01"})),
    )
    .await;

    let made = hr
        .post(
            &format!("/api/v1/rounds/{round}/exports"),
            json!({"lang": "nl"}),
        )
        .await;
    assert_eq!(made.status(), 201);
    let export: Value = made.json().await.unwrap();
    let files = export["files"].as_array().unwrap();
    let formats: Vec<&str> = files
        .iter()
        .map(|f| f["format"].as_str().unwrap())
        .collect();
    for format in ["pdf", "json", "xlsx", "zip"] {
        assert!(formats.contains(&format), "{format} in {formats:?}");
    }
    let listed: Value = hr.get(&format!("/api/v1/rounds/{round}/exports")).await;
    assert_eq!(listed[0]["id"], export["id"]);

    let keys: Value = hr.get("/api/v1/signing-key").await;
    let public = base64::engine::general_purpose::STANDARD
        .decode(keys["keys"][0]["public_key"].as_str().unwrap())
        .unwrap();
    let key = ed25519_dalek::VerifyingKey::from_bytes(&public.try_into().unwrap()).unwrap();
    let mut contents = Vec::new();
    for file in files {
        let url = file["url"].as_str().unwrap();
        let (status, content_type, bytes) = download(&hr, url).await;
        assert_eq!(status, 200, "{url}");
        let (_, _, again) = download(&hr, url).await;
        assert_eq!(bytes, again, "{url}: the same bytes every time");
        assert_eq!(
            file["sha256"].as_str().unwrap(),
            psa::secret::sha256_hex(&bytes)
        );
        let (status, _, signature) = download(&hr, file["signature_url"].as_str().unwrap()).await;
        assert_eq!(status, 200);
        let signature = ed25519_dalek::Signature::from_slice(&signature).unwrap();
        key.verify_strict(&bytes, &signature)
            .unwrap_or_else(|_| panic!("{url} is authentic"));
        let mut changed = bytes.clone();
        let middle = changed.len() / 2;
        changed[middle] ^= 1;
        assert!(
            key.verify_strict(&changed, &signature).is_err(),
            "{url}: one changed byte fails"
        );
        contents.push((
            file["format"].as_str().unwrap().to_owned(),
            content_type,
            bytes,
        ));
    }

    let json_file = &contents.iter().find(|(f, _, _)| f == "json").unwrap();
    assert_eq!(json_file.1.as_deref(), Some("application/json"));
    let doc: Value = serde_json::from_slice(&json_file.2).unwrap();
    assert_eq!(doc["schema"], "psa-rie-export/1");
    assert_eq!(doc["method"]["k"], 5);
    assert_eq!(doc["checklist"][0]["answer"], "yes");
    assert_eq!(doc["plan"]["head"].as_str().unwrap().len(), 64);
    let b = doc["results"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["path"] == "B")
        .expect("B is listed");
    assert_eq!(b["categories"]["pesten"], json!({"suppressed": true}));

    let zip = &contents.iter().find(|(f, _, _)| f == "zip").unwrap().2;
    let csvs = unzip(zip);
    let names: Vec<&str> = csvs.iter().map(|(n, _)| n.as_str()).collect();
    assert!(
        names.contains(&"results.csv") && names.contains(&"plan.csv"),
        "{names:?}"
    );
    let results_csv = &csvs.iter().find(|(n, _)| n == "results.csv").unwrap().1;
    assert!(
        results_csv.starts_with('\u{feff}'),
        "UTF-8 with a byte-order mark"
    );
    assert!(
        results_csv
            .lines()
            .next()
            .unwrap()
            .contains("group;unit_id;category")
    );
    assert!(
        results_csv.contains("28,57"),
        "A's 2 of 7 with a decimal comma: {results_csv}"
    );

    let xlsx = &contents.iter().find(|(f, _, _)| f == "xlsx").unwrap().2;
    let sheets = unzip(xlsx);
    let workbook = &sheets
        .iter()
        .find(|(n, _)| n == "xl/workbook.xml")
        .unwrap()
        .1;
    assert!(workbook.contains("name=\"results\"") && workbook.contains("name=\"plan_history\""));
    assert!(
        sheets
            .iter()
            .filter(|(n, _)| n.starts_with("xl/worksheets/"))
            .all(|(_, xml)| xml.contains("ySplit=\"1\"")),
        "every header row is frozen"
    );

    let pdf = &contents.iter().find(|(f, _, _)| f == "pdf").unwrap();
    assert_eq!(pdf.1.as_deref(), Some("application/pdf"));
    assert!(pdf.2.starts_with(b"%PDF"));
    let pdf_text = pdftotext(&pdf.2, false);
    if let Some(text) = &pdf_text {
        assert!(text.contains("PSA 2026"), "the round's name in the PDF");
        assert!(
            text.contains("28,6"),
            "A's 2 of 7, rounded, with a decimal comma"
        );
    }

    // B's 2 of 3 (66.7%) appears in no format, in either notation.
    let mut texts = vec![String::from_utf8_lossy(&json_file.2).into_owned()];
    texts.extend(pdf_text);
    texts.extend(csvs.into_iter().map(|(_, t)| t));
    texts.extend(sheets.into_iter().map(|(_, t)| t));
    for text in &texts {
        for hidden in ["66.6", "66,6", "66.7", "66,7"] {
            assert!(!text.contains(hidden), "{hidden} leaked");
        }
    }

    // English: commas between fields, decimal points.
    let english: Value = hr
        .post(
            &format!("/api/v1/rounds/{round}/exports"),
            json!({"lang": "en"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let url = english["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["format"] == "zip")
        .unwrap()["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, _, zip) = download(&hr, &url).await;
    let results_csv = unzip(&zip)
        .into_iter()
        .find(|(n, _)| n == "results.csv")
        .unwrap()
        .1;
    assert!(results_csv.contains("group,unit_id,category"));
    assert!(results_csv.contains("28.57"));
}

#[actix_web::test]
async fn exports_belong_to_hr_of_their_organisation() {
    let app = spawn_app().await;
    let hr = hr(&app).await;
    let round = closed_round_with_a_hidden_group(&app, &hr).await;
    let export: Value = hr
        .post(&format!("/api/v1/rounds/{round}/exports"), json!({}))
        .await
        .json()
        .await
        .unwrap();
    let url = format!("/api/v1/exports/{}.json", export["id"].as_str().unwrap());
    let other = app.add_organisation("Elders BV");
    app.add_member(&other, "elders@example.nl", Role::Hr);
    let elsewhere = app.api(&app.token(&other, "elders@example.nl"));
    assert_problem(
        elsewhere.send(reqwest::Method::GET, &url, None).await,
        404,
        "not-found",
    )
    .await;
    let made = elsewhere
        .post(&format!("/api/v1/rounds/{round}/exports"), json!({}))
        .await;
    assert_problem(made, 404, "not-found").await;
    let unknown = hr
        .send(
            reqwest::Method::GET,
            &format!("/api/v1/exports/{}.docx", export["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_problem(unknown, 404, "not-found").await;

    // An open round has no export yet.
    let units: Value = hr.get("/api/v1/units").await;
    let open = open_round(
        &hr,
        json!({"name": "Open", "questionnaire_id": "psa-basis", "min_group_size": 5}),
    )
    .await;
    let _ = units;
    let refused = hr
        .post(
            &format!("/api/v1/rounds/{}/exports", open["id"].as_str().unwrap()),
            json!({}),
        )
        .await;
    assert_problem(refused, 409, "conflict").await;

    // Anyone may fetch the public keys.
    let anonymous = reqwest::Client::new()
        .get(app.url("/api/v1/signing-key"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 200);
}

#[actix_web::test]
async fn hr_makes_an_export_from_the_round_page() {
    let app = spawn_app().await;
    let hr = hr(&app).await;
    let round = closed_round_with_a_hidden_group(&app, &hr).await;
    let browser = app.login("owner@example.nl").await;
    let page = browser
        .get(app.url(&format!("/rounds/{round}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("action=\"/rounds/{round}/exports\"")));
    let made = browser
        .post(app.url(&format!("/rounds/{round}/exports")))
        .form(&[
            ("csrf", crate::helpers::csrf_of(&page).as_str()),
            ("lang", "en"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), 303);
    let page = browser
        .get(app.url(&format!("/rounds/{round}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let export: Value = hr.get(&format!("/api/v1/rounds/{round}/exports")).await;
    let id = export[0]["id"].as_str().unwrap();
    assert_eq!(export[0]["lang"], "en");
    assert!(
        page.contains(&format!("/api/v1/exports/{id}.json.sig")),
        "{page}"
    );
    // The browser's session downloads the file as HR.
    let file = browser
        .get(app.url(&format!("/api/v1/exports/{id}.json")))
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), 200);
}

#[actix_web::test]
async fn psa_verify_tells_an_authentic_file_from_a_changed_one() {
    let app = spawn_app().await;
    let hr = hr(&app).await;
    let round = closed_round_with_a_hidden_group(&app, &hr).await;
    let export: Value = hr
        .post(&format!("/api/v1/rounds/{round}/exports"), json!({}))
        .await
        .json()
        .await
        .unwrap();
    let file = &export["files"][0];
    let (_, _, bytes) = download(&hr, file["url"].as_str().unwrap()).await;
    let (_, _, signature) = download(&hr, file["signature_url"].as_str().unwrap()).await;
    let keys: Value = hr.get("/api/v1/signing-key").await;
    let pem = keys["keys"][0]["pem"].as_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (path, sig) = (dir.path().join("export"), dir.path().join("export.sig"));
    std::fs::write(&path, &bytes).unwrap();
    std::fs::write(&sig, &signature).unwrap();
    let verify = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_psa"))
            .env_clear()
            .arg("verify")
            .arg(&path)
            .arg(&sig)
            .args(["--public-key", pem])
            .output()
            .unwrap()
    };
    let authentic = verify();
    assert!(authentic.status.success(), "{authentic:?}");
    assert!(String::from_utf8_lossy(&authentic.stdout).contains("authentic"));
    let mut changed = bytes.clone();
    changed[0] ^= 1;
    std::fs::write(&path, &changed).unwrap();
    let refused = verify();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("NOT authentic"));
}

#[actix_web::test]
async fn anyone_checks_an_export_on_the_verification_page() {
    let app = spawn_app().await;
    let hr = hr(&app).await;
    let round = closed_round_with_a_hidden_group(&app, &hr).await;
    let export: Value = hr
        .post(
            &format!("/api/v1/rounds/{round}/exports"),
            json!({"lang": "en"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let file = &export["files"][0];
    let (_, _, bytes) = download(&hr, file["url"].as_str().unwrap()).await;
    let (_, _, signature) = download(&hr, file["signature_url"].as_str().unwrap()).await;
    let anyone = reqwest::Client::new();
    let page = anyone.get(app.url("/verify")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("multipart/form-data"));
    let check = |file: Vec<u8>, signature: Vec<u8>| {
        let form = reqwest::multipart::Form::new()
            .part(
                "file",
                reqwest::multipart::Part::bytes(file).file_name("export"),
            )
            .part(
                "signature",
                reqwest::multipart::Part::bytes(signature).file_name("export.sig"),
            );
        anyone
            .post(app.url("/verify"))
            .header("Accept-Language", "en")
            .multipart(form)
            .send()
    };
    let authentic = check(bytes.clone(), signature.clone()).await.unwrap();
    assert_eq!(authentic.status(), 200);
    let text = authentic.text().await.unwrap();
    assert!(text.contains("Authentic"), "{text}");
    assert!(text.contains(file["sha256"].as_str().unwrap()));
    let mut changed = bytes;
    changed[10] ^= 1;
    let refused = check(changed, signature)
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(refused.contains("Not authentic"), "{refused}");
    let form = reqwest::multipart::Form::new().text("file", "only a file");
    let incomplete = anyone
        .post(app.url("/verify"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(incomplete.status(), 422);
}
