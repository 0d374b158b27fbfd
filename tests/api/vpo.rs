//! The confidential counsellor's case register: only `vpo` accounts reach it, a case only through
//! its assignment, hand-overs are explicit and logged, the confidential parts are sealed at rest,
//! and the annual figures pool every counsellor's cases under the small-count rule.

use diesel::prelude::*;
use psa::config::DatabaseUrl;
use psa::db::schema::{vpo_cases, vpo_notes};
use psa::domain::{OrganisationId, Role};
use psa::http::routes::{Access, table};
use serde_json::{Value, json};

use crate::helpers::{Api, TestApp, assert_problem, spawn_app};

/// An organisation with two counsellors and HR; their API clients.
fn counsellors(app: &TestApp) -> (OrganisationId, Api, Api, Api) {
    let organisation = app.set_up();
    app.add_member(&organisation, "vpo1@example.nl", Role::Vpo);
    app.add_member(&organisation, "vpo2@example.nl", Role::Vpo);
    let client = |email: &str| app.api(&app.token(&organisation, email));
    (
        organisation.clone(),
        client("vpo1@example.nl"),
        client("vpo2@example.nl"),
        client("owner@example.nl"),
    )
}

fn today() -> String {
    psa::calendar::today().to_string()
}

async fn open_case(vpo: &Api, body: Value) -> Value {
    let made = vpo.post("/api/v1/vpo/cases", body).await;
    assert_eq!(made.status(), 201);
    made.json().await.unwrap()
}

fn bullying(agreements: &str) -> Value {
    json!({"first_contact": today(), "channel": "phone", "behaviours": ["pesten"],
           "sources": ["leidinggevende"], "in_scope": true, "agreements": agreements})
}

async fn status_of(vpo: &Api, method: reqwest::Method, path: &str, body: Option<Value>) -> u16 {
    vpo.send(method, path, body).await.status().as_u16()
}

#[actix_web::test]
async fn a_case_is_seen_only_by_its_counsellors_and_handed_over_explicitly() {
    let app = spawn_app().await;
    let (_, vpo1, vpo2, _) = counsellors(&app);
    let case = open_case(
        &vpo1,
        bullying("Leidinggevende mag het weten, zonder namen."),
    )
    .await;
    let id = case["id"].as_str().unwrap();
    let year = &today()[..4];
    assert_eq!(case["reference"], format!("VPO-{year}-001"));
    assert_eq!(case["counsellors"], json!(["vpo1@example.nl"]));
    assert_eq!(case["status"], "open");
    assert_eq!(
        case["agreements"],
        "Leidinggevende mag het weten, zonder namen."
    );
    let second = open_case(&vpo1, bullying("")).await;
    assert_eq!(second["reference"], format!("VPO-{year}-002"));

    let path = format!("/api/v1/vpo/cases/{id}");
    let noted = vpo1
        .post(
            &format!("{path}/notes"),
            json!({"text": "Eerste gesprek: melder wil eerst zelf praten."}),
        )
        .await;
    assert_eq!(noted.status(), 201);
    let noted: Value = noted.json().await.unwrap();
    assert_eq!(
        noted["notes"][0]["text"],
        "Eerste gesprek: melder wil eerst zelf praten."
    );
    assert_eq!(noted["notes"][0]["author"], "vpo1@example.nl");

    // The other counsellor neither reads, changes nor lists it.
    assert_eq!(
        status_of(&vpo2, reqwest::Method::GET, &path, None).await,
        404
    );
    assert_eq!(
        status_of(
            &vpo2,
            reqwest::Method::PATCH,
            &path,
            Some(json!({"status": "closed"}))
        )
        .await,
        404
    );
    let listed: Vec<Value> = vpo2.get("/api/v1/vpo/cases").await;
    assert!(listed.is_empty());
    let listed: Vec<Value> = vpo1.get("/api/v1/vpo/cases").await;
    assert_eq!(listed.len(), 2);
    assert!(
        listed[0].get("agreements").is_none(),
        "the list has no confidential part"
    );

    let refused = vpo1
        .post(
            &format!("{path}/handover"),
            json!({"to": "owner@example.nl"}),
        )
        .await;
    let problem = assert_problem(refused, 422, "validation").await;
    assert_eq!(problem["errors"][0]["field"], "to");
    let handed = vpo1
        .post(
            &format!("{path}/handover"),
            json!({"to": "vpo2@example.nl"}),
        )
        .await;
    assert_eq!(handed.status(), 204);
    assert_eq!(
        status_of(&vpo1, reqwest::Method::GET, &path, None).await,
        404
    );
    let taken: Value = vpo2.get(&path).await;
    assert_eq!(taken["counsellors"], json!(["vpo2@example.nl"]));
    assert_eq!(
        taken["notes"][0]["text"],
        "Eerste gesprek: melder wil eerst zelf praten."
    );

    let closed = vpo2
        .patch(
            &path,
            json!({"status": "closed", "case_report": "Opgelost in een gesprek."}),
        )
        .await;
    assert_eq!(closed.status(), 200);
    let closed: Value = closed.json().await.unwrap();
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["closed_on"], today());
    assert_eq!(closed["case_report"], "Opgelost in een gesprek.");

    // Every counsellor sees the log; it names the case by reference and holds no contents.
    let log: Vec<Value> = vpo1.get("/api/v1/vpo/access-log").await;
    let reference = case["reference"].as_str().unwrap();
    let has = |actor: &str, what: &str| {
        log.iter()
            .any(|e| e["actor"] == actor && e["what"] == what && e["case_reference"] == reference)
    };
    assert!(has("vpo1@example.nl", "case opened"));
    assert!(has("vpo1@example.nl", "note added"));
    assert!(has("vpo1@example.nl", "handed over to vpo2@example.nl"));
    assert!(has("vpo2@example.nl", "case read"));
    assert!(has("vpo2@example.nl", "case changed"));
    let text = serde_json::to_string(&log).unwrap();
    for secret in ["zonder namen", "zelf praten", "Opgelost"] {
        assert!(!text.contains(secret), "{secret} in the log");
    }
}

#[actix_web::test]
async fn bad_facts_get_clear_errors_and_store_nothing() {
    let app = spawn_app().await;
    let (_, vpo, _, _) = counsellors(&app);
    let tomorrow = psa::calendar::today().succ_opt().unwrap().to_string();
    for (body, field) in [
        (
            json!({"first_contact": today(), "channel": "phone", "in_scope": true}),
            "behaviours",
        ),
        (
            json!({"first_contact": today(), "channel": "phone", "in_scope": false,
                   "referrals": ["astrologer"]}),
            "referrals",
        ),
        (
            json!({"first_contact": tomorrow, "channel": "phone", "in_scope": false}),
            "first_contact",
        ),
        (
            json!({"first_contact": today(), "channel": "pigeon", "in_scope": false}),
            "body",
        ),
        (
            json!({"first_contact": today(), "channel": "phone", "in_scope": false,
                   "reporter_name": "J. Jansen"}),
            "body",
        ),
    ] {
        let refused = vpo.post("/api/v1/vpo/cases", body.clone()).await;
        let problem = assert_problem(refused, 422, "validation").await;
        assert_eq!(problem["errors"][0]["field"], field, "{body}");
    }
    let listed: Vec<Value> = vpo.get("/api/v1/vpo/cases").await;
    assert!(listed.is_empty(), "nothing half-stored");

    let case = open_case(&vpo, bullying("")).await;
    let path = format!("/api/v1/vpo/cases/{}", case["id"].as_str().unwrap());
    for (body, field) in [
        (json!({"text": "  "}), "text"),
        (json!({"text": "x".repeat(20_001)}), "text"),
        (
            json!({"text": "later", "written_on": tomorrow}),
            "written_on",
        ),
    ] {
        let refused = vpo.post(&format!("{path}/notes"), body).await;
        let problem = assert_problem(refused, 422, "validation").await;
        assert_eq!(problem["errors"][0]["field"], field);
    }
    let refused = vpo.patch(&path, json!({"closed_on": today()})).await;
    assert_problem(refused, 422, "validation").await;
    let refused = vpo
        .patch(&path, json!({"in_scope": true, "behaviours": []}))
        .await;
    assert_problem(refused, 422, "validation").await;
    let unchanged: Value = vpo.get(&path).await;
    assert_eq!(unchanged["behaviours"], json!(["pesten"]));
    assert!(unchanged["notes"].as_array().unwrap().is_empty());
}

#[actix_web::test]
async fn notes_are_sealed_at_rest_and_a_changed_byte_is_refused() {
    let app = spawn_app().await;
    let (_, vpo, _, _) = counsellors(&app);
    let case = open_case(&vpo, bullying("Afspraak-Zeldzaamwoord-Alfa")).await;
    let path = format!("/api/v1/vpo/cases/{}", case["id"].as_str().unwrap());
    let noted = vpo
        .post(
            &format!("{path}/notes"),
            json!({"text": "Notitie-Zeldzaamwoord-Bravo"}),
        )
        .await;
    assert_eq!(noted.status(), 201);
    let secrets = ["Zeldzaamwoord-Alfa", "Zeldzaamwoord-Bravo"];

    let sealed: Vec<Vec<u8>> = vpo_notes::table
        .select(vpo_notes::sealed)
        .load(&mut *app.conn())
        .unwrap();
    let agreements: Vec<Option<Vec<u8>>> = vpo_cases::table
        .select(vpo_cases::agreements)
        .load(&mut *app.conn())
        .unwrap();
    let stored: Vec<Vec<u8>> = sealed
        .into_iter()
        .chain(agreements.into_iter().flatten())
        .collect();
    assert_eq!(stored.len(), 2);
    for bytes in &stored {
        for secret in secrets {
            assert!(
                !contains(bytes, secret.as_bytes()),
                "{secret} readable in a column"
            );
        }
    }
    if let DatabaseUrl::Sqlite(file) = &app._database.url {
        for file in [file.clone(), file.with_extension("db-wal")] {
            let bytes = std::fs::read(&file).unwrap_or_default();
            for secret in secrets {
                assert!(!contains(&bytes, secret.as_bytes()), "{secret} in {file:?}");
            }
        }
    }

    // One changed byte, and the case no longer opens: an opaque 500, no contents.
    let mut changed = stored[0].clone();
    let last = changed.len() - 1;
    changed[last] ^= 1;
    diesel::update(vpo_notes::table)
        .set(vpo_notes::sealed.eq(&changed))
        .execute(&mut *app.conn())
        .unwrap();
    let refused = vpo.send(reqwest::Method::GET, &path, None).await;
    assert_eq!(refused.status(), 500);
    let body = refused.text().await.unwrap();
    assert!(!body.contains("Zeldzaamwoord"), "{body}");
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[actix_web::test]
async fn every_vpo_route_refuses_admin_hr_inspector_council_and_the_owner() {
    let app = spawn_app().await;
    let (organisation, vpo, _, _) = counsellors(&app);
    let case = open_case(&vpo, bullying("")).await;
    let id = case["id"].as_str().unwrap();
    let mut callers = vec![(
        "owner",
        app.api(&app.token(&organisation, "owner@example.nl")),
    )];
    for role in [
        Role::Admin,
        Role::Hr,
        Role::Inspector,
        Role::Council,
        Role::Prevention,
    ] {
        let email = format!("{role}@example.nl");
        app.add_member(&organisation, &email, role);
        callers.push((role.as_str(), app.api(&app.token(&organisation, &email))));
    }
    let routes: Vec<_> = table()
        .into_iter()
        .filter(|s| s.path.starts_with("/api/v1/vpo") || s.path.starts_with("/vpo"))
        .collect();
    assert!(routes.len() >= 9, "{}", routes.len());
    for spec in &routes {
        assert!(
            matches!(spec.access, Access::Members(roles) if roles.iter().eq([Role::Vpo])),
            "{} admits only vpo",
            spec.path
        );
        let path = spec.path.replace("{id}", id);
        let method = reqwest::Method::from_bytes(spec.method.as_str().as_bytes()).unwrap();
        for (who, caller) in &callers {
            let answer = caller.send(method.clone(), &path, Some(json!({}))).await;
            assert_eq!(answer.status(), 403, "{} {path} as {who}", spec.method);
        }
    }
}

#[actix_web::test]
async fn the_figures_pool_every_counsellors_cases_and_hide_small_counts() {
    let app = spawn_app().await;
    let (_, vpo1, vpo2, _) = counsellors(&app);
    for _ in 0..6 {
        open_case(&vpo1, bullying("")).await;
    }
    for _ in 0..2 {
        open_case(
            &vpo2,
            json!({"first_contact": today(), "channel": "email", "in_scope": false,
                   "referrals": ["integrity_counsellor"]}),
        )
        .await;
    }
    let year = &today()[..4];
    let figures: Value = vpo1
        .get(&format!("/api/v1/vpo/statistics?year={year}"))
        .await;
    assert_eq!(
        figures["contacts"]["columns"],
        json!(["in_scope", "out_of_scope"])
    );
    assert_eq!(figures["contacts"]["column_totals"][1], "< 5");
    assert_eq!(figures["contacts"]["total"], 8);
    assert_eq!(
        figures["contacts"]["column_totals"][0], "x",
        "8 − 6 would reveal the 2"
    );
    let pesten = figures["categories"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .position(|r| r == "pesten")
        .unwrap();
    assert_eq!(figures["categories"]["row_totals"][pesten], 6);
    assert_eq!(figures["referrals"]["cells"][4][0], "< 5");
    assert_eq!(figures["comparison"]["cells"][pesten], json!([0, 6]));
    let text = figures.to_string();
    assert!(
        !text.contains("VPO-") && !text.contains(&today()),
        "no reference, no date"
    );
    let refused = vpo1
        .send(reqwest::Method::GET, "/api/v1/vpo/statistics?year=1", None)
        .await;
    assert_problem(refused, 400, "bad-request").await;
}

#[actix_web::test]
async fn a_rounds_results_and_export_show_the_reports_of_its_period_with_small_counts_hidden() {
    let app = spawn_app().await;
    let (_, vpo, _, hr) = counsellors(&app);
    for _ in 0..6 {
        open_case(&vpo, bullying("")).await;
    }
    for _ in 0..2 {
        let discrimination = json!({"first_contact": today(), "channel": "phone",
            "behaviours": ["discriminatie"], "in_scope": true});
        open_case(&vpo, discrimination).await;
    }
    open_case(
        &vpo,
        json!({"first_contact": today(), "channel": "phone", "behaviours": ["pesten"],
               "in_scope": false}),
    )
    .await;
    let round = crate::exports::closed_round_with_a_hidden_group(&app, &hr).await;

    let signals: Value = hr.get(&format!("/api/v1/rounds/{round}/vpo-reports")).await;
    let rows: Vec<&str> = signals["reports"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    let cell = |category: &str| {
        let at = rows.iter().position(|r| *r == category).unwrap();
        signals["reports"]["cells"][at][0].clone()
    };
    assert_eq!(cell("pesten"), 6, "out of scope is not counted");
    assert_eq!(cell("discriminatie"), "< 5");
    assert_eq!(cell("intimidatie"), 0);
    assert_eq!(signals["to"], today());

    let browser = app.login("owner@example.nl").await;
    let html = browser
        .get(app.url(&format!("/rounds/{round}/results")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Meldingen bij de vertrouwenspersoon"),
        "{html}"
    );
    let section = html.split("id=\"vpo-reports\"").nth(1).unwrap_or_default();
    let row = section.split("discriminatie").nth(1).unwrap_or_default();
    assert!(row.contains("&#60; 5") || row.contains("&lt; 5"), "{row}");

    let made = hr
        .post(&format!("/api/v1/rounds/{round}/exports"), json!({}))
        .await;
    assert_eq!(made.status(), 201);
    let export: Value = made.json().await.unwrap();
    let document: Value = hr
        .get(&format!(
            "/api/v1/exports/{}.json",
            export["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(document["vpo_reports"]["reports"], signals["reports"]);
    let text = document.to_string();
    assert!(!text.contains("VPO-"), "no case reference in the export");
}

#[actix_web::test]
async fn the_counsellors_see_who_is_given_the_vpo_role() {
    let app = spawn_app().await;
    let (_, vpo, _, admin) = counsellors(&app);
    let granted = admin
        .post(
            "/api/v1/members",
            json!({"email": "nieuw@example.nl", "password": "a long enough passphrase", "role": "vpo"}),
        )
        .await;
    assert_eq!(granted.status(), 201);
    let hr = admin
        .post(
            "/api/v1/members",
            json!({"email": "nieuw@example.nl", "role": "hr"}),
        )
        .await;
    assert_eq!(hr.status(), 201);
    let log: Vec<Value> = vpo.get("/api/v1/vpo/access-log").await;
    let grants: Vec<&Value> = log
        .iter()
        .filter(|e| e["what"].as_str().unwrap().starts_with("vpo role granted"))
        .collect();
    assert_eq!(grants.len(), 1, "{log:?}");
    assert_eq!(
        grants[0]["what"],
        "vpo role granted to nieuw@example.nl by owner@example.nl"
    );
}

#[actix_web::test]
async fn a_counsellor_keeps_a_case_through_the_pages() {
    let app = spawn_app().await;
    let (_, vpo1, vpo2, _) = counsellors(&app);
    let browser = app.login("vpo1@example.nl").await;
    let list = browser.get(app.url("/vpo")).send().await.unwrap();
    assert_eq!(list.status(), 200);
    let html = list.text().await.unwrap();
    assert!(html.contains("href=\"/vpo\""), "in the menu");
    let csrf = crate::helpers::csrf_of(&html);
    let post = |path: String, fields: Vec<(&'static str, String)>| {
        let browser = &browser;
        let url = app.url(&path);
        let csrf = csrf.clone();
        async move {
            let mut form = fields;
            form.push(("csrf", csrf));
            browser.post(url).form(&form).send().await.unwrap()
        }
    };
    let refused = post(
        "/vpo/cases".into(),
        vec![
            ("first_contact", today()),
            ("channel", "phone".into()),
            ("in_scope", "yes".into()),
        ],
    )
    .await;
    assert_eq!(refused.status(), 422);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("minstens één soort gedrag")
    );

    let opened = post(
        "/vpo/cases".into(),
        vec![
            ("first_contact", today()),
            ("channel", "in_person".into()),
            ("in_scope", "yes".into()),
            ("behaviours", "pesten".into()),
            ("behaviours", "intimidatie".into()),
            ("sources", "collega".into()),
            ("agreements", "Alleen HR mag het weten.".into()),
        ],
    )
    .await;
    assert_eq!(opened.status(), 303);
    let at = opened.headers()["location"].to_str().unwrap().to_owned();
    assert!(at.starts_with("/vpo/cases/"), "{at}");
    let noted = post(
        format!("{at}/notes"),
        vec![("written_on", today()), ("text", "Gesprek gehad.".into())],
    )
    .await;
    assert_eq!(noted.status(), 303);
    let closed = post(
        at.clone(),
        vec![
            ("channel", "in_person".into()),
            ("in_scope", "yes".into()),
            ("behaviours", "pesten".into()),
            ("case_report", "Afgerond na twee gesprekken.".into()),
            ("close", "yes".into()),
        ],
    )
    .await;
    assert_eq!(closed.status(), 303);
    let page = browser
        .get(app.url(&at))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for text in [
        "Alleen HR mag het weten.",
        "Gesprek gehad.",
        "Afgerond na twee gesprekken.",
        "afgesloten",
    ] {
        assert!(page.contains(text), "{text} on the case page");
    }
    let id = at.rsplit('/').next().unwrap();
    let by_api: Value = vpo1.get(&format!("/api/v1/vpo/cases/{id}")).await;
    assert_eq!(
        by_api["behaviours"],
        json!(["pesten"]),
        "intimidation taken off"
    );
    assert_eq!(
        vpo2.send(
            reqwest::Method::GET,
            &format!("/api/v1/vpo/cases/{id}"),
            None
        )
        .await
        .status(),
        404
    );

    let hr = app.login("owner@example.nl").await;
    assert_eq!(hr.get(app.url("/vpo")).send().await.unwrap().status(), 403);
    assert_eq!(hr.get(app.url(&at)).send().await.unwrap().status(), 403);

    let handed = post(
        format!("{at}/handover"),
        vec![("to", "vpo2@example.nl".into())],
    )
    .await;
    assert_eq!(handed.status(), 303);
    assert_eq!(handed.headers()["location"], "/vpo");
    assert_eq!(
        browser.get(app.url(&at)).send().await.unwrap().status(),
        404
    );
}

#[actix_web::test]
async fn an_organisation_sets_where_its_counsellors_refer_people() {
    let app = spawn_app().await;
    let (_, vpo, _, _) = counsellors(&app);
    let defaults: Vec<String> = vpo.get("/api/v1/vpo/referrals").await;
    assert!(defaults.contains(&"company_doctor".to_owned()));
    for bad in [
        json!(["x"]),
        json!(["a, b"]),
        json!(["huisarts", "huisarts"]),
    ] {
        let refused = vpo
            .send(
                reqwest::Method::PUT,
                "/api/v1/vpo/referrals",
                Some(json!({"referrals": bad})),
            )
            .await;
        let problem = assert_problem(refused, 422, "validation").await;
        assert_eq!(problem["errors"][0]["field"], "referrals");
    }
    let set = vpo
        .send(
            reqwest::Method::PUT,
            "/api/v1/vpo/referrals",
            Some(json!({"referrals": [" Slachtofferhulp ", "Bedrijfsarts"]})),
        )
        .await;
    assert_eq!(set.status(), 200);
    let list: Vec<String> = vpo.get("/api/v1/vpo/referrals").await;
    assert_eq!(list, ["Slachtofferhulp", "Bedrijfsarts"]);

    let out_of_scope = |referral: &str| {
        json!({"first_contact": today(), "channel": "phone", "in_scope": false,
               "referrals": [referral]})
    };
    let refused = vpo
        .post("/api/v1/vpo/cases", out_of_scope("company_doctor"))
        .await;
    assert_problem(refused, 422, "validation").await;
    open_case(&vpo, out_of_scope("Slachtofferhulp")).await;
    let year = &today()[..4];
    let figures: Value = vpo
        .get(&format!("/api/v1/vpo/statistics?year={year}"))
        .await;
    assert_eq!(
        figures["referrals"]["rows"],
        json!(["Slachtofferhulp", "Bedrijfsarts"])
    );
    assert_eq!(figures["referrals"]["cells"][0][0], "< 5");

    let browser = app.login("vpo1@example.nl").await;
    let page = browser
        .get(app.url("/vpo"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("value=\"Slachtofferhulp\""),
        "the form offers the organisation's list"
    );
    let log: Vec<Value> = vpo.get("/api/v1/vpo/access-log").await;
    assert!(log.iter().any(|e| e["what"] == "referral list changed"));
    let reset = vpo
        .send(
            reqwest::Method::PUT,
            "/api/v1/vpo/referrals",
            Some(json!({"referrals": []})),
        )
        .await;
    assert_eq!(reset.status(), 200);
    let list: Vec<String> = vpo.get("/api/v1/vpo/referrals").await;
    assert_eq!(list, defaults);
}
