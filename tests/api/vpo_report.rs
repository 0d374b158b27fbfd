//! The confidential counsellor's anonymous annual report: its figures are the pooled figures as
//! shown, small counts print as "< 5" in every format, no case reference or date leaves the
//! register, recommendations freeze once the report is finalised, and a recommendation reaches
//! HR's plan with only its text and category.

use chrono::Datelike;
use psa::domain::{OrganisationId, Role};
use serde_json::{Value, json};

use crate::helpers::{Api, TestApp, assert_problem, pdftotext, spawn_app};

fn year() -> i32 {
    psa::calendar::today().year()
}

/// An organisation with a counsellor and HR (the owner); their API clients.
fn people(app: &TestApp) -> (OrganisationId, Api, Api) {
    let organisation = app.set_up();
    app.add_member(&organisation, "vpo@example.nl", Role::Vpo);
    let client = |email: &str| app.api(&app.token(&organisation, email));
    (
        organisation.clone(),
        client("vpo@example.nl"),
        client("owner@example.nl"),
    )
}

async fn open_case(vpo: &Api, body: Value) -> Value {
    let made = vpo.post("/api/v1/vpo/cases", body).await;
    assert_eq!(made.status(), 201);
    made.json().await.unwrap()
}

/// This year: 7 bullying reports by colleagues, 2 of intimidation, 1 referred out of scope;
/// the year before 6 bullying reports. Returns the cases' references and first-contact dates.
async fn register(vpo: &Api) -> Vec<(String, String)> {
    let today = psa::calendar::today().to_string();
    let before = format!("{}-06-15", year() - 1);
    let mut cases = Vec::new();
    let in_scope = |date: &str, behaviour: &str| {
        json!({"first_contact": date, "channel": "phone", "behaviours": [behaviour],
               "sources": ["collega"], "in_scope": true, "actions": ["conversations"],
               "agreements": "Niemand mag het weten."})
    };
    for _ in 0..7 {
        cases.push(open_case(vpo, in_scope(&today, "pesten")).await);
    }
    for _ in 0..2 {
        cases.push(open_case(vpo, in_scope(&today, "intimidatie")).await);
    }
    cases.push(
        open_case(
            vpo,
            json!({"first_contact": today, "channel": "email", "in_scope": false,
                   "referrals": ["integrity_counsellor"]}),
        )
        .await,
    );
    for _ in 0..6 {
        cases.push(open_case(vpo, in_scope(&before, "pesten")).await);
    }
    cases
        .iter()
        .map(|c| {
            (
                c["reference"].as_str().unwrap().to_owned(),
                c["first_contact"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn fetch(api: &Api, path: &str) -> (reqwest::header::HeaderMap, Vec<u8>) {
    let response = api.send(reqwest::Method::GET, path, None).await;
    assert_eq!(response.status(), 200, "GET {path}");
    let headers = response.headers().clone();
    (headers, response.bytes().await.unwrap().to_vec())
}

/// A count of the statistics as printed: a number, or its mark.
fn printed(count: &Value) -> String {
    match count {
        Value::Number(n) => n.to_string(),
        Value::String(mark) => mark.clone(),
        other => panic!("a count: {other}"),
    }
}

/// The counts of row `row` of a statistics table, with its row total where it has one.
fn row_of(figures: &Value, table: &str, row: usize) -> Vec<String> {
    let t = &figures[table];
    let mut cells: Vec<String> = t["cells"][row]
        .as_array()
        .unwrap()
        .iter()
        .map(printed)
        .collect();
    if let Some(total) = t["row_totals"].as_array().and_then(|r| r.get(row)) {
        cells.push(printed(total));
    }
    cells
}

#[actix_web::test]
async fn the_report_shows_the_pooled_figures_with_small_counts_hidden_in_every_format() {
    let app = spawn_app().await;
    let (_, vpo, _) = people(&app);
    let cases = register(&vpo).await;
    let y = year();
    let figures: Value = vpo.get(&format!("/api/v1/vpo/statistics?year={y}")).await;
    let bullying = row_of(&figures, "categories", 0);
    let intimidation = row_of(&figures, "categories", 2);
    assert!(bullying.contains(&"7".to_owned()), "{bullying:?}");
    assert!(intimidation.contains(&"< 5".to_owned()), "{intimidation:?}");
    let comparison = row_of(&figures, "comparison", 0);
    assert_eq!(comparison, ["6", "7"]);

    // HTML: a standalone page whose rows are the statistics' rows.
    let (headers, html) = fetch(&vpo, &format!("/api/v1/vpo/reports/{y}.html")).await;
    let html = String::from_utf8(html).unwrap();
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("style-src 'sha256-"), "{csp}");
    let cells = |row: &[String]| -> String {
        row.iter()
            .map(|c| {
                if c.parse::<u32>().is_ok() {
                    format!("<td>{c}</td>")
                } else {
                    format!("<td class=\"hidden\">{}</td>", c.replace('<', "&#60;"))
                }
            })
            .collect()
    };
    for (name, row) in [("Pesten", &bullying), ("Intimidatie", &intimidation)] {
        let expected = format!("<th scope=\"row\">{name}</th>{}", cells(row));
        assert!(html.contains(&expected), "{expected} in {html}");
    }
    assert!(html.contains(&format!(
        "<th scope=\"row\">Pesten</th>{}",
        cells(&comparison)
    )));
    assert!(html.contains("&#60; 5"));
    assert!(html.contains("<svg"), "the chart");
    assert!(html.contains("Hoe de aantallen te lezen"), "the legend");

    // CSV: a section per table, the same rows.
    let (headers, csv) = fetch(&vpo, &format!("/api/v1/vpo/reports/{y}.csv")).await;
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains(".csv")
    );
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.starts_with('\u{feff}'));
    assert!(
        csv.contains(&format!("\nPesten;{}\n", bullying.join(";"))),
        "{csv}"
    );
    assert!(csv.contains(&format!("\nIntimidatie;{}\n", intimidation.join(";"))));
    assert!(csv.contains("\ncategories;Meldingen per categorie"));
    let (_, english) = fetch(&vpo, &format!("/api/v1/vpo/reports/{y}.csv?lang=en")).await;
    let english = String::from_utf8(english).unwrap();
    assert!(
        english.contains(&format!("\nBullying,{}\n", bullying.join(","))),
        "{english}"
    );
    assert!(english.contains("Reports per category"));

    // PDF: A4 text that reads back.
    let (headers, pdf) = fetch(&vpo, &format!("/api/v1/vpo/reports/{y}.pdf")).await;
    assert_eq!(headers["content-type"], "application/pdf");
    assert!(pdf.starts_with(b"%PDF-"));
    let pdf_text = pdftotext(&pdf, true);
    if let Some(text) = &pdf_text {
        assert!(
            text.contains(&format!("Jaarverslag vertrouwenspersoon {y}")),
            "{text}"
        );
        assert!(text.contains("Meldingen per categorie"));
        assert!(text.contains("< 5: 1 tot en met 4"), "the legend: {text}");
        assert!(text.contains("Zorg BV"));
        // A table's rows as the statistics give them. pdftotext joins a lone "< 5" into "<5":
        // poppler reads a line of one-character words as letter-spaced.
        for (name, row) in [("Pesten", &bullying), ("Intimidatie", &intimidation)] {
            let line = text
                .lines()
                .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
                .find(|l| l.starts_with(name))
                .unwrap_or_else(|| panic!("{name} in {text}"));
            assert_eq!(
                line.replace("<5", "< 5"),
                format!("{name} {}", row.join(" "))
            );
        }
    }
    let (_, english_pdf) = fetch(&vpo, &format!("/api/v1/vpo/reports/{y}.pdf?lang=en")).await;
    if let Some(text) = pdftotext(&english_pdf, true) {
        assert!(text.contains("Reports per category"), "{text}");
        assert!(text.contains("< 5: 1 to 4"));
    }

    // No case reference, no first-contact date, no agreement in any format.
    let dutch = |date: &str| {
        let d = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
        d.format("%-d-%-m-%Y").to_string()
    };
    let formats = [
        ("html", html.clone()),
        ("csv", csv.clone()),
        ("csv en", english.clone()),
        ("pdf", pdf_text.clone().unwrap_or_default()),
    ];
    for (format, text) in &formats {
        assert!(!text.contains("VPO-"), "no case reference in the {format}");
        assert!(
            !text.contains("Niemand mag"),
            "no agreement in the {format}"
        );
        for (reference, date) in &cases {
            assert!(
                !text.contains(reference.as_str()),
                "{reference} in the {format}"
            );
            assert!(!text.contains(date.as_str()), "{date} in the {format}");
            assert!(!text.contains(&dutch(date)), "{date} in the {format}");
        }
    }

    // Each read is in the VPO access log.
    let log: Vec<Value> = vpo.get("/api/v1/vpo/access-log").await;
    for format in ["html", "csv", "pdf"] {
        let what = format!("annual report {y}.{format} read");
        assert!(log.iter().any(|e| e["what"] == what), "{what} in {log:?}");
    }
}

#[actix_web::test]
async fn recommendations_appear_in_the_report_and_freeze_once_it_is_finalised() {
    let app = spawn_app().await;
    let (_, vpo, _) = people(&app);
    let path = "/api/v1/vpo/reports/2025/recommendations";
    let text = "Train leidinggevenden in het herkennen van pesten.\n\nMaak de vertrouwenspersoon bekender.";
    let saved = vpo
        .send(
            reqwest::Method::PUT,
            path,
            Some(json!({"text": "Eerst dit."})),
        )
        .await;
    assert_eq!(saved.status(), 200);
    let saved = vpo
        .send(reqwest::Method::PUT, path, Some(json!({"text": text})))
        .await;
    assert_eq!(saved.status(), 200);
    let saved: Value = saved.json().await.unwrap();
    assert_eq!(saved["recommendations"], text);
    assert_eq!(saved["finalised_at"], Value::Null);

    let too_long = "a".repeat(10_001);
    let refused = vpo
        .send(reqwest::Method::PUT, path, Some(json!({"text": too_long})))
        .await;
    let problem = assert_problem(refused, 422, "validation").await;
    assert_eq!(problem["errors"][0]["field"], "text");

    let (_, html) = fetch(&vpo, "/api/v1/vpo/reports/2025.html").await;
    let html = String::from_utf8(html).unwrap();
    assert!(
        html.contains("<p>Maak de vertrouwenspersoon bekender.</p>"),
        "{html}"
    );
    assert!(html.contains("concept"), "a draft until finalised");
    let (_, csv) = fetch(&vpo, "/api/v1/vpo/reports/2025.csv").await;
    assert!(
        String::from_utf8(csv)
            .unwrap()
            .contains("Train leidinggevenden")
    );

    let finalised = vpo
        .post("/api/v1/vpo/reports/2025/finalise", json!({}))
        .await;
    assert_eq!(finalised.status(), 200);
    let finalised: Value = finalised.json().await.unwrap();
    assert!(finalised["finalised_at"].is_string(), "{finalised}");
    assert_eq!(finalised["recommendations"], text);

    let frozen = vpo
        .send(reqwest::Method::PUT, path, Some(json!({"text": "Anders."})))
        .await;
    assert_problem(frozen, 409, "conflict").await;
    let again = vpo
        .post("/api/v1/vpo/reports/2025/finalise", json!({}))
        .await;
    assert_problem(again, 409, "conflict").await;
    let (_, pdf) = fetch(&vpo, "/api/v1/vpo/reports/2025.pdf").await;
    if let Some(text) = pdftotext(&pdf, true) {
        assert!(
            text.contains("Maak de vertrouwenspersoon bekender."),
            "{text}"
        );
        assert!(text.contains("definitief"));
        assert!(!text.contains("Anders."));
    }
    // Another year is still open.
    let other = vpo
        .send(
            reqwest::Method::PUT,
            "/api/v1/vpo/reports/2026/recommendations",
            Some(json!({"text": "Anders."})),
        )
        .await;
    assert_eq!(other.status(), 200);
}

#[actix_web::test]
async fn a_proposal_reaches_hrs_plan_with_only_its_text_and_category() {
    let app = spawn_app().await;
    let (_, vpo, hr) = people(&app);
    register(&vpo).await;
    let text = "Train leidinggevenden in het herkennen van pesten.";
    let made = vpo
        .post(
            &format!("/api/v1/vpo/reports/{}/proposals", year()),
            json!({"category": "pesten", "text": text}),
        )
        .await;
    assert_eq!(made.status(), 201);
    let made: Value = made.json().await.unwrap();
    assert_eq!(made["signal"], "vpo");

    let plan: Value = hr.get("/api/v1/plan").await;
    let items = plan["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    let item = &items[0];
    assert_eq!(item["id"], made["id"]);
    assert_eq!(item["measure"], text);
    assert_eq!(item["category"], "pesten");
    assert_eq!(item["signal"], "vpo");
    for empty in [
        "unit_id",
        "round_id",
        "measure_id",
        "owner_user_id",
        "owner_account",
        "owner_name",
        "owner_email",
        "owner_role",
        "budget",
        "note",
    ] {
        assert_eq!(item[empty], Value::Null, "{empty}: {item}");
    }
    assert_eq!(item["sources"], json!([]));
    assert_eq!(item["scope_path"], "");
    let all = item.to_string();
    assert!(
        !all.contains("VPO-") && !all.contains("Niemand mag"),
        "{all}"
    );

    for (body, field) in [
        (json!({"category": "geen", "text": text}), "category"),
        (json!({"category": "pesten", "text": "  "}), "text"),
        (
            json!({"category": "pesten", "text": "a".repeat(501)}),
            "text",
        ),
    ] {
        let refused = vpo
            .post(&format!("/api/v1/vpo/reports/{}/proposals", year()), body)
            .await;
        let problem = assert_problem(refused, 422, "validation").await;
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
}

#[actix_web::test]
async fn only_counsellors_reach_the_report_and_bad_names_are_not_found() {
    let app = spawn_app().await;
    let (organisation, vpo, hr) = people(&app);
    app.add_member(&organisation, "or@example.nl", Role::Council);
    let council = app.api(&app.token(&organisation, "or@example.nl"));
    for api in [&hr, &council] {
        let refusals = [
            api.send(reqwest::Method::GET, "/api/v1/vpo/reports/2026.html", None)
                .await,
            api.send(
                reqwest::Method::PUT,
                "/api/v1/vpo/reports/2026/recommendations",
                Some(json!({"text": "x"})),
            )
            .await,
            api.post("/api/v1/vpo/reports/2026/finalise", json!({}))
                .await,
            api.post(
                "/api/v1/vpo/reports/2026/proposals",
                json!({"category": "pesten", "text": "x"}),
            )
            .await,
        ];
        for refused in refusals {
            assert_problem(refused, 403, "forbidden").await;
        }
    }
    for bad in ["2026", "2026.json", "twenty.pdf", "02026.pdf"] {
        let response = vpo
            .send(
                reqwest::Method::GET,
                &format!("/api/v1/vpo/reports/{bad}"),
                None,
            )
            .await;
        assert_problem(response, 404, "not-found").await;
    }
    let out_of_range = vpo
        .send(reqwest::Method::GET, "/api/v1/vpo/reports/1999.html", None)
        .await;
    assert_problem(out_of_range, 400, "bad-request").await;
}
