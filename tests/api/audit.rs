//! The audit log: every staff change to an organisation's data is recorded (who, when, which
//! action on what, the names of the fields sent but never their values) in a hash chain that the
//! organisation's admins read; a row edited in the database breaks the chain; the counsellor's
//! case work stays out of it.

use diesel::prelude::*;
use psa::db::schema::audit_log;
use psa::domain::Role;
use psa::http::audit::Scope;
use psa::http::routes::{VPO, table};
use serde_json::{Value, json};

use crate::helpers::{Api, TestApp, assert_problem, csrf_of, spawn_app};
use crate::rounds::{import, invite, open_round, unit_id};

fn actions(log: &Value) -> Vec<String> {
    log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

async fn audit_log(admin: &Api) -> Value {
    admin.get("/api/v1/audit-log?per_page=200").await
}

/// "Zorg BV" with the owner as its admin and HR, and an HR account of its own.
fn organisation(app: &TestApp) -> (Api, Api) {
    let organisation = app.set_up();
    app.add_member(&organisation, "hr@example.nl", Role::Hr);
    (
        app.api(&app.token(&organisation, "owner@example.nl")),
        app.api(&app.token(&organisation, "hr@example.nl")),
    )
}

#[actix_web::test]
async fn staff_changes_are_recorded_with_who_and_what_but_never_the_values_sent() {
    let app = spawn_app().await;
    let (admin, hr) = organisation(&app);
    let units = import(
        &hr,
        "Verpleging Noord;12\nVerpleging Noord/Nacht-geheim;6\n",
    )
    .await;
    let unit = unit_id(&units, "Verpleging Noord").to_owned();
    let round = open_round(
        &hr,
        json!({"name": "Najaar", "questionnaire_id": "psa-basis", "min_group_size": 5}),
    )
    .await;
    let id = round["id"].as_str().unwrap();
    invite(&hr, &round, &unit, 5).await;
    let renamed = hr
        .patch(
            &format!("/api/v1/units/{unit}"),
            json!({"name": "Zorgteam Zuid-X"}),
        )
        .await;
    assert_eq!(renamed.status(), 200);
    // A refused change changed nothing and is not recorded.
    let refused = hr.post("/api/v1/units", json!({"name": ""})).await;
    assert_eq!(refused.status(), 422);
    let added = admin
        .post("/api/v1/members", json!({"email": "council@example.nl", "role": "council", "password": "a long enough passphrase"}))
        .await;
    assert!(added.status().is_success(), "{}", added.status());

    let log = audit_log(&admin).await;
    assert_eq!(log["intact"], true, "{log}");
    assert_eq!(
        actions(&log),
        [
            "add_member",
            "update_unit",
            "create_invitations",
            "open_round",
            "create_round",
            "import_units"
        ],
        "newest first, the refused attempt left out"
    );
    let entries = log["entries"].as_array().unwrap();
    let open = &entries[3];
    assert_eq!(
        open["target"],
        format!("POST /api/v1/rounds/{{id}}/open id={id}")
    );
    assert!(
        open["actor"]
            .as_str()
            .unwrap()
            .starts_with("hr@example.nl (token ")
    );
    assert_eq!(open["outcome"], "200");
    assert_eq!(entries[1]["detail"], "name", "the field, not its value");
    assert_eq!(entries[5]["detail"], "(a file: text/csv)");
    assert_eq!(
        entries[0]["actor"].as_str().unwrap().split(' ').next(),
        Some("owner@example.nl")
    );
    let text = log.to_string();
    for value in [
        "Zorgteam Zuid-X",
        "Nacht-geheim",
        "Najaar",
        "council@example.nl",
    ] {
        assert!(!text.contains(value), "{value} is in the audit log: {text}");
    }
    // Each entry's hash follows from the one before.
    assert_eq!(log["total"], 6);
    assert!(
        entries
            .iter()
            .all(|e| e["hash"].as_str().unwrap().len() == 64)
    );
}

#[actix_web::test]
async fn only_the_organisations_admins_read_its_audit_log() {
    let app = spawn_app().await;
    let (_, hr) = organisation(&app);
    assert_problem(
        hr.send(reqwest::Method::GET, "/api/v1/audit-log", None)
            .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        hr.send(reqwest::Method::GET, "/api/v1/instance/audit-log", None)
            .await,
        403,
        "forbidden",
    )
    .await;
    let anonymous = crate::helpers::browser()
        .get(app.url("/api/v1/audit-log"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
}

#[actix_web::test]
async fn a_row_edited_in_the_database_is_detected_where_the_chain_breaks() {
    let app = spawn_app().await;
    let (admin, hr) = organisation(&app);
    for name in ["A", "B", "C"] {
        let made = hr.post("/api/v1/units", json!({"name": name})).await;
        assert_eq!(made.status(), 201);
    }
    let log = audit_log(&admin).await;
    assert_eq!(
        (log["intact"].clone(), log["total"].clone()),
        (json!(true), json!(3))
    );

    // Someone with database access makes it look as if another account did it.
    let edited = diesel::update(audit_log::table.filter(audit_log::seq.eq(2)))
        .set(audit_log::actor.eq("someone-else@example.nl"))
        .execute(&mut *app.conn())
        .unwrap();
    assert_eq!(edited, 1);
    let log = audit_log(&admin).await;
    assert_eq!(log["intact"], false);
    assert_eq!(log["broken_at"], 2);

    // The admins' page says so too.
    let browser = app.login("owner@example.nl").await;
    let page = browser
        .get(app.url("/audit-log?lang=en"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("The chain is broken at line 2"), "{html}");

    // Removing a row instead breaks it as well: the next one no longer follows.
    diesel::delete(audit_log::table.filter(audit_log::seq.le(2)))
        .execute(&mut *app.conn())
        .unwrap();
    let log = audit_log(&admin).await;
    assert_eq!(
        (log["intact"].clone(), log["broken_at"].clone()),
        (json!(false), json!(3))
    );
}

#[actix_web::test]
async fn changes_through_the_pages_are_recorded_without_the_form_token() {
    let app = spawn_app().await;
    let (admin, _) = organisation(&app);
    let browser = app.login("hr@example.nl").await;
    let page = browser.get(app.url("/units")).send().await.unwrap();
    let csrf = csrf_of(&page.text().await.unwrap());
    let added = browser
        .post(app.url("/units"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "Keuken"),
            ("parent_id", ""),
            ("headcount", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 303);
    let log = audit_log(&admin).await;
    let entry = &log["entries"][0];
    assert_eq!(entry["action"], "add_unit");
    assert_eq!(entry["actor"], "hr@example.nl");
    assert_eq!(entry["target"], "POST /units");
    assert_eq!(entry["detail"], "headcount, name, parent_id");
    assert_eq!(entry["outcome"], "303");
}

#[actix_web::test]
async fn the_counsellors_case_work_is_not_in_the_audit_log() {
    let app = spawn_app().await;
    let organisation = app.set_up();
    app.add_member(&organisation, "vpo@example.nl", Role::Vpo);
    let admin = app.api(&app.token(&organisation, "owner@example.nl"));
    let vpo = app.api(&app.token(&organisation, "vpo@example.nl"));
    let today = psa::calendar::today().to_string();
    let case = vpo
        .post(
            "/api/v1/vpo/cases",
            json!({"first_contact": today, "channel": "phone", "behaviours": ["pesten"],
                   "sources": ["leidinggevende"], "in_scope": true, "agreements": "niets delen"}),
        )
        .await;
    assert_eq!(case.status(), 201);
    let case: Value = case.json().await.unwrap();
    let noted = vpo
        .post(
            &format!("/api/v1/vpo/cases/{}/notes", case["id"].as_str().unwrap()),
            json!({"text": "gesprek gehad"}),
        )
        .await;
    assert_eq!(noted.status(), 201);
    let log = audit_log(&admin).await;
    assert_eq!(log["total"], 0, "{log}");
    let access: Value = vpo.get("/api/v1/vpo/access-log").await;
    assert!(
        access
            .to_string()
            .contains(case["reference"].as_str().unwrap())
    );
}

#[actix_web::test]
async fn the_schedule_and_the_owner_are_recorded_in_their_chains() {
    let app = spawn_app().await;
    let (admin, hr) = organisation(&app);
    let soon = (chrono::Utc::now() + chrono::Duration::seconds(1)).to_rfc3339();
    let round = open_round(
        &hr,
        json!({"name": "R", "questionnaire_id": "psa-basis", "closes_at": soon}),
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(psa::http::schedule::run_once(&app.state).await, 1);
    let log = audit_log(&admin).await;
    let entry = &log["entries"][0];
    assert_eq!(entry["action"], "close_round");
    assert_eq!(entry["actor"], "psa (schedule)");
    assert_eq!(
        entry["target"],
        format!("round {}", round["id"].as_str().unwrap())
    );

    let made = admin
        .post("/api/v1/organisations", json!({"name": "Tweede BV"}))
        .await;
    assert_eq!(made.status(), 201);
    let instance: Value = admin.get("/api/v1/instance/audit-log").await;
    assert_eq!(actions(&instance), ["create_organisation"]);
    assert_eq!(instance["intact"], true);
    assert!(
        !actions(&audit_log(&admin).await).contains(&"create_organisation".to_owned()),
        "the owner's actions are not in an organisation's chain"
    );
}

#[test]
fn every_staff_change_is_audited_except_the_counsellors_and_the_sessions_own() {
    let changes = |s: &&psa::http::routes::RouteSpec| {
        !matches!(s.method.as_str(), "GET" | "HEAD" | "OPTIONS")
    };
    for spec in table().iter().filter(changes) {
        let respondent_or_public = spec.path == "/s"
            || spec.path.starts_with("/s/")
            || spec.path.starts_with("/api/v1/respond")
            || matches!(
                spec.path,
                "/login" | "/setup" | "/verify" | "/logout" | "/organisation/switch"
            );
        let counsellor = matches!(spec.access, psa::http::routes::Access::Members(r) if r == VPO);
        let expected = if respondent_or_public || counsellor {
            None
        } else if spec.path.starts_with("/api/v1/organisations") {
            Some(Scope::Instance)
        } else {
            Some(Scope::Organisation)
        };
        assert_eq!(
            spec.audit_scope(),
            expected,
            "{} {}",
            spec.method,
            spec.path
        );
    }
    assert!(
        table()
            .iter()
            .filter(|s| s.path.contains("vpo"))
            .filter(changes)
            .all(|s| s.audit_scope().is_none()),
        "no case event in the audit log"
    );
}

#[actix_web::test]
async fn changes_made_at_once_are_each_recorded_once_in_one_unbroken_chain() {
    let app = spawn_app().await;
    let (admin, hr) = organisation(&app);
    let made = futures_util::future::join_all((0..24).map(|i| {
        let hr = &hr;
        async move {
            hr.post("/api/v1/units", json!({"name": format!("Team {i}")}))
                .await
        }
    }))
    .await;
    assert!(made.iter().all(|r| r.status() == 201));
    let log = audit_log(&admin).await;
    assert_eq!(
        (log["intact"].clone(), log["total"].clone()),
        (json!(true), json!(24)),
        "{log}"
    );
    let mut seqs: Vec<i64> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=24).collect::<Vec<_>>());
}
