//! What users and questionnaire files supply stays inert wherever psa shows or exports it: script
//! payloads are escaped in HTML and SVG and printed as text in PDFs; formula payloads are
//! neutralised in CSV and stay strings in XLSX. Bodies, fields and uploads have size limits; slow
//! clients are cut off.

use std::io::Read;
use std::time::{Duration, Instant};

use psa::config::ClientTimeouts;
use psa::domain::Role;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{
    Api, TestApp, assert_problem, csrf_of, pdftotext, spawn_app, spawn_app_configured,
};
use crate::rounds::{answer, invite, open_round, token_of};

const SCRIPT: &str = "<img src=x onerror=alert(1)>";
const ESCAPED: &str = "&lt;img src=x onerror=alert(1)&gt;";
const TYPST: &str = "#panic(\"typst\") ]";
/// Unit names (no `/`: that separates a unit path).
const NAMES: [&str; 5] = [SCRIPT, "=1+2", "@SUM(1+1)", "-2+3", TYPST];

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

async fn bytes(api: &Api, path: &str) -> Vec<u8> {
    let response = api.send(reqwest::Method::GET, path, None).await;
    assert_eq!(response.status(), 200, "GET {path}");
    response.bytes().await.unwrap().to_vec()
}

/// Every field of a CSV file (`;` or `,` separated, with a byte-order mark).
fn csv_fields(text: &str) -> Vec<String> {
    let text = text.trim_start_matches('\u{feff}');
    let delimiter = if text.lines().next().unwrap_or_default().contains(';') {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    reader
        .records()
        .flat_map(|r| r.unwrap().iter().map(str::to_owned).collect::<Vec<_>>())
        .collect()
}

/// No field that a spreadsheet program would run as a formula; the payloads are there as text.
fn assert_no_formula(name: &str, text: &str, expected: &[&str]) {
    let fields = csv_fields(text);
    for field in &fields {
        let number = field
            .trim_start_matches(['-', '+'])
            .replace(',', ".")
            .parse::<f64>()
            .is_ok();
        assert!(
            number || !field.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "{name}: {field:?} would run as a formula"
        );
    }
    for payload in expected {
        assert!(
            fields.iter().any(|f| f == &format!("'{payload}")),
            "{name}: {payload} kept as text: {fields:?}"
        );
    }
}

fn assert_escaped(what: &str, html: &str) {
    assert!(!html.contains("<img src=x"), "{what}: {html}");
    assert!(!html.contains("<script>alert"), "{what}: {html}");
    let shown = [
        "&lt;img src=x",
        "&#60;img src=x",
        "&lt;script&gt;",
        "&#60;script&#62;",
    ];
    assert!(
        shown.iter().any(|s| html.contains(s)),
        "{what} shows the payload as text: {html}"
    );
}

#[actix_web::test]
async fn script_and_formula_payloads_stay_inert_in_every_page_chart_and_export() {
    let app = spawn_app().await;
    let organisation = app.set_up();
    app.add_member(&organisation, "vpo@example.nl", Role::Vpo);
    let hr = app.api(&app.token(&organisation, "owner@example.nl"));
    let mut units = Vec::new();
    for name in NAMES {
        let made = hr.post("/api/v1/units", json!({"name": name})).await;
        assert_eq!(made.status(), 201, "{name}");
        units.push(
            made.json::<Value>().await.unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let round = open_round(
        &hr,
        json!({"name": "<script>alert('round')</script>", "questionnaire_id": "psa-basis", "min_group_size": 5}),
    )
    .await;
    let id = round["id"].as_str().unwrap().to_owned();
    for unit in &units {
        for (i, link) in invite(&hr, &round, unit, 5).await.iter().enumerate() {
            let pe1 = if i < 2 { 4 } else { 1 };
            let body = json!({"items": {"pe1": pe1, "pe2": 1, "pe3": 1, "pe4": 1, "pe5": 1}});
            assert_eq!(answer(&app, &token_of(link), body).await.status(), 201);
        }
    }
    // The links as a spreadsheet, through HR's page.
    let browser = app.login("owner@example.nl").await;
    let page = browser
        .get(app.url(&format!("/rounds/{id}")))
        .send()
        .await
        .unwrap();
    let html = page.text().await.unwrap();
    assert_escaped("round page", &html);
    let csrf = csrf_of(&html);
    let links = browser
        .post(app.url(&format!("/rounds/{id}/invitations")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("unit_id", units[1].as_str()),
            ("count", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(links.status(), 200);
    assert_no_formula("invitations.csv", &links.text().await.unwrap(), &["=1+2"]);
    let closed = hr
        .post(&format!("/api/v1/rounds/{id}/close"), json!({}))
        .await;
    assert_eq!(closed.status(), 200);

    let item = hr
        .post(
            "/api/v1/plan/items",
            json!({"category": "werkdruk", "measure": "<script>alert('plan')</script>",
                   "level": "source", "priority": 3, "signal": "manual"}),
        )
        .await;
    assert_eq!(item.status(), 201);

    // Pages and charts.
    for path in ["/units", &format!("/rounds/{id}/results"), "/plan"] {
        let html = browser
            .get(app.url(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_escaped(path, &html);
    }
    let svg =
        String::from_utf8(bytes(&hr, &format!("/api/v1/rounds/{id}/charts/heatmap.svg")).await)
            .unwrap();
    assert!(!svg.contains("<img") && svg.contains(ESCAPED), "{svg}");

    // The export in every format.
    let made = hr
        .post(
            &format!("/api/v1/rounds/{id}/exports"),
            json!({"lang": "nl"}),
        )
        .await;
    assert_eq!(made.status(), 201);
    let export: Value = made.json().await.unwrap();
    for file in export["files"].as_array().unwrap() {
        let body = bytes(&hr, file["url"].as_str().unwrap()).await;
        match file["format"].as_str().unwrap() {
            "zip" => {
                let tables = unzip(&body);
                for (name, text) in &tables {
                    assert_no_formula(name, text, &[]);
                }
                let all: Vec<String> = tables.iter().flat_map(|(_, t)| csv_fields(t)).collect();
                for formula in ["=1+2", "@SUM(1+1)", "-2+3"] {
                    assert!(all.iter().any(|f| f == &format!("'{formula}")), "{formula}");
                }
            }
            "xlsx" => {
                let parts = unzip(&body);
                for (name, xml) in parts
                    .iter()
                    .filter(|(n, _)| n.starts_with("xl/worksheets/"))
                {
                    assert!(
                        !xml.contains("<f>") && !xml.contains("<f "),
                        "{name} holds a formula"
                    );
                }
                let strings = &parts
                    .iter()
                    .find(|(n, _)| n == "xl/sharedStrings.xml")
                    .unwrap()
                    .1;
                assert!(
                    strings.contains("&lt;img src=x onerror=alert(1)&gt;"),
                    "{strings}"
                );
                assert!(
                    strings.contains(">=1+2<"),
                    "the formula is a string: {strings}"
                );
            }
            "pdf" => {
                // pdftotext is required on CI (the helper says so); elsewhere it may be missing.
                let Some(text) = pdftotext(&body, false) else {
                    continue;
                };
                for payload in [
                    SCRIPT,
                    "=1+2",
                    "#panic(\"typst\")",
                    "<script>alert('plan')</script>",
                ] {
                    assert!(
                        text.contains(payload),
                        "{payload} printed as text in the PDF"
                    );
                }
            }
            _ => {}
        }
    }

    // The confidential counsellor's case and annual report.
    let vpo = app.api(&app.token(&organisation, "vpo@example.nl"));
    let today = psa::calendar::today();
    let case = vpo
        .post(
            "/api/v1/vpo/cases",
            json!({"first_contact": today.to_string(), "channel": "phone", "behaviours": ["pesten"],
                   "sources": ["leidinggevende"], "in_scope": true,
                   "agreements": "<script>alert('agreements')</script>"}),
        )
        .await;
    assert_eq!(case.status(), 201);
    let case: Value = case.json().await.unwrap();
    let case_id = case["id"].as_str().unwrap();
    let noted = vpo
        .post(
            &format!("/api/v1/vpo/cases/{case_id}/notes"),
            json!({"text": SCRIPT}),
        )
        .await;
    assert_eq!(noted.status(), 201);
    let year = chrono::Datelike::year(&today);
    let saved = vpo
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/vpo/reports/{year}/recommendations"),
            Some(json!({"text": format!("=1+2\n\n{SCRIPT}")})),
        )
        .await;
    assert_eq!(saved.status(), 200);
    let counsellor = app.login("vpo@example.nl").await;
    let html = counsellor
        .get(app.url(&format!("/vpo/cases/{case_id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_escaped("case page", &html);
    let report =
        String::from_utf8(bytes(&vpo, &format!("/api/v1/vpo/reports/{year}.html")).await).unwrap();
    assert_escaped("annual report", &report);
    let csv =
        String::from_utf8(bytes(&vpo, &format!("/api/v1/vpo/reports/{year}.csv")).await).unwrap();
    assert_no_formula("annual report csv", &csv, &["=1+2"]);
    let pdf = bytes(&vpo, &format!("/api/v1/vpo/reports/{year}.pdf")).await;
    if let Some(text) = pdftotext(&pdf, false) {
        assert!(text.contains(SCRIPT) && text.contains("=1+2"), "{text}");
    }
}

#[actix_web::test]
async fn bodies_fields_and_uploads_have_size_limits() {
    let app = spawn_app().await;
    let organisation = app.set_up();
    let hr = app.api(&app.token(&organisation, "owner@example.nl"));
    let big = "x".repeat(70 * 1024);
    assert_problem(
        hr.post("/api/v1/units", json!({"name": big})).await,
        413,
        "payload-too-large",
    )
    .await;
    let long_name = "x".repeat(500);
    let refused = hr.post("/api/v1/units", json!({"name": long_name})).await;
    let problem = assert_problem(refused, 422, "validation").await;
    assert_eq!(problem["errors"][0]["field"], "name");
    let upload = hr
        .request(reqwest::Method::POST, "/api/v1/units/import")
        .header("content-type", "text/csv")
        .body("A;1\n".repeat(600_000))
        .send()
        .await
        .unwrap();
    assert_problem(upload, 413, "payload-too-large").await;
    let browser = app.login("owner@example.nl").await;
    let page = browser.get(app.url("/units")).send().await.unwrap();
    let csrf = csrf_of(&page.text().await.unwrap());
    let form = browser
        .post(app.url("/units"))
        .form(&[("csrf", csrf.as_str()), ("name", big.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 413);
    assert!(
        form.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let stored: Vec<Value> = hr.get("/api/v1/units").await;
    assert!(stored.is_empty(), "nothing was stored: {stored:?}");
}

/// Sends `head` (and `body`), then waits for the server to answer or hang up; what it sent
/// back, and how long that took.
async fn send_slowly(address: &str, head: &str, body: &str) -> (String, Duration) {
    let host = address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let started = Instant::now();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the server hung up by itself");
    (
        String::from_utf8_lossy(&answer).into_owned(),
        started.elapsed(),
    )
}

#[actix_web::test]
async fn slow_clients_are_answered_408_and_cut_off() {
    let timeouts = ClientTimeouts {
        head: Duration::from_secs(1),
        body: Duration::from_secs(1),
    };
    let app: TestApp = spawn_app_configured(None, |s| s.client_timeouts = timeouts).await;
    // A head that never ends.
    let (answer, took) =
        send_slowly(&app.address, "GET /healthz HTTP/1.1\r\nHost: psa\r\n", "").await;
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );
    assert!(took < Duration::from_secs(4), "{took:?}");
    // A body that stops half way, by JSON and by a form.
    for (path, content_type, part) in [
        (
            "/api/v1/respond/some-link",
            "application/json",
            "{\"items\": {",
        ),
        (
            "/login",
            "application/x-www-form-urlencoded",
            "csrf=abc&email=",
        ),
    ] {
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: psa\r\nContent-Type: {content_type}\r\nContent-Length: 500\r\n\r\n"
        );
        let (answer, took) = send_slowly(&app.address, &head, part).await;
        assert!(answer.starts_with("HTTP/1.1 408"), "{path}: {answer}");
        assert!(took < Duration::from_secs(4), "{path}: {took:?}");
        let wanted = if path.starts_with("/api/") {
            "urn:psa:problem:request-timeout"
        } else {
            "text/html"
        };
        assert!(answer.contains(wanted), "{path}: {answer}");
    }
    // The service answers the next client as usual.
    let healthy = reqwest::get(app.url("/healthz")).await.unwrap();
    assert_eq!(healthy.status(), 200);
}

#[actix_web::test]
async fn every_route_answers_with_the_security_headers_whatever_its_outcome() {
    let app = spawn_app_configured(Some("https://psa.example.nl"), |_| {}).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut paths: Vec<(reqwest::Method, String)> = psa::http::routes::table()
        .iter()
        .map(|spec| {
            (
                crate::access::method(spec),
                crate::access::concrete(spec.path),
            )
        })
        .collect();
    paths.push((reqwest::Method::GET, "/no/such/page".into()));
    paths.push((reqwest::Method::PUT, "/healthz".into()));
    for (method, path) in paths {
        let response = client
            .request(method.clone(), app.url(&path))
            .send()
            .await
            .unwrap();
        let headers = response.headers();
        let csp = headers["content-security-policy"].to_str().unwrap();
        for part in [
            "default-src 'none'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
        ] {
            assert!(csp.contains(part), "{method} {path}: {csp}");
        }
        assert!(
            !csp.contains("script-src") && !csp.contains("unsafe"),
            "no script at all: {csp}"
        );
        assert_eq!(
            headers["x-content-type-options"], "nosniff",
            "{method} {path}"
        );
        assert_eq!(headers["referrer-policy"], "no-referrer", "{method} {path}");
        assert!(
            headers["strict-transport-security"]
                .to_str()
                .unwrap()
                .starts_with("max-age="),
            "{method} {path}"
        );
    }
    let plain = spawn_app().await;
    let response = reqwest::get(plain.url("/healthz")).await.unwrap();
    assert!(
        !response.headers().contains_key("strict-transport-security"),
        "no HSTS without https"
    );
}
