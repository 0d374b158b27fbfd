//! Retention of the confidential counsellor's case files: a closed case's notes, agreements and
//! case report go when its year's report is finalised or its organisation's maximum passes, the
//! figures stay, the destruction log says what went without contents, a destroyed case takes no
//! new confidential text; `psa purge` and `psa notes rekey` from the command line; and the
//! redacted export for a data-subject access request.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{Datelike, Days, Months, NaiveDate};
use diesel::prelude::*;
use psa::db::schema::vpo_notes;
use psa::domain::{Email, OrganisationId, OrganisationName, OrganisationSettings, Password, Role};
use psa::vpo::register::{self, CaseChange, Counsellor, NewCase};
use psa::vpo::retention::{PurgeReport, purge};
use psa::vpo::sealing::{NotesCipher, Place};
use serde_json::{Value, json};

use crate::cli::{psa, run, text};
use crate::helpers::{Api, PASSWORD, TestApp, TestDatabase, assert_problem, spawn_app};

fn today() -> NaiveDate {
    psa::calendar::today()
}

/// An organisation with two counsellors; their API clients.
fn counsellors(app: &TestApp) -> (OrganisationId, Api, Api) {
    let organisation = app.set_up();
    app.add_member(&organisation, "vpo1@example.nl", Role::Vpo);
    app.add_member(&organisation, "vpo2@example.nl", Role::Vpo);
    let client = |email: &str| app.api(&app.token(&organisation, email));
    (
        organisation.clone(),
        client("vpo1@example.nl"),
        client("vpo2@example.nl"),
    )
}

/// Opens a case first contacted on `first_contact` with agreements and one note.
async fn case_with_note(vpo: &Api, first_contact: NaiveDate, note: &str) -> (String, String) {
    let made = vpo
        .post(
            "/api/v1/vpo/cases",
            json!({"first_contact": first_contact, "channel": "phone", "behaviours": ["pesten"],
                   "sources": ["collega"], "in_scope": true,
                   "agreements": "Afspraak-Geheim: alleen de chef, zonder namen."}),
        )
        .await;
    assert_eq!(made.status(), 201);
    let case: Value = made.json().await.unwrap();
    let id = case["id"].as_str().unwrap().to_owned();
    let noted = vpo
        .post(
            &format!("/api/v1/vpo/cases/{id}/notes"),
            json!({"text": note, "written_on": first_contact}),
        )
        .await;
    assert_eq!(noted.status(), 201);
    (id, case["reference"].as_str().unwrap().to_owned())
}

async fn close(vpo: &Api, id: &str, closed_on: NaiveDate) {
    let closed = vpo
        .patch(
            &format!("/api/v1/vpo/cases/{id}"),
            json!({"status": "closed", "closed_on": closed_on,
                   "case_report": "Verslag-Geheim: opgelost in gesprek."}),
        )
        .await;
    assert_eq!(closed.status(), 200, "{}", closed.text().await.unwrap());
}

fn purge_on(app: &TestApp, day: NaiveDate) -> PurgeReport {
    purge(&mut app.conn(), day).unwrap()
}

fn stored_notes(app: &TestApp, case: &str) -> i64 {
    vpo_notes::table
        .filter(vpo_notes::case_id.eq(case))
        .count()
        .get_result(&mut *app.conn())
        .unwrap()
}

#[actix_web::test]
async fn a_finalised_report_destroys_its_closed_cases_files_and_leaves_the_figures() {
    let app = spawn_app().await;
    let (organisation, vpo, _) = counsellors(&app);
    let (closed, reference) =
        case_with_note(&vpo, today(), "Notitie-Geheim: melder is bang.").await;
    let (open, _) = case_with_note(&vpo, today(), "Notitie-Geheim: loopt nog.").await;
    close(&vpo, &closed, today()).await;
    let year = today().year();
    let statistics = format!("/api/v1/vpo/statistics?year={year}");
    let figures_before: Value = vpo.get(&statistics).await;

    // Nothing is due before the report is finalised or the maximum passes.
    assert_eq!(purge_on(&app, today()), PurgeReport::default());
    psa::db::vpo_reports::finalise(&mut app.conn(), &organisation, year, psa::db::now()).unwrap();
    assert_eq!(
        purge_on(&app, today()),
        PurgeReport {
            cases: 1,
            report_finalised: 1,
            maximum_reached: 0,
            notes: 1,
        }
    );
    assert_eq!(purge_on(&app, today()), PurgeReport::default(), "once only");

    let case: Value = vpo.get(&format!("/api/v1/vpo/cases/{closed}")).await;
    assert_eq!(case["notes"], json!([]));
    assert_eq!(case["agreements"], Value::Null);
    assert_eq!(case["case_report"], Value::Null);
    assert_eq!(case["first_contact"], Value::Null);
    assert!(case["destroyed_at"].is_string());
    // The statistics-only facts stay.
    assert_eq!(
        case["quarter"],
        json!(format!("{year}-Q{}", today().month0() / 3 + 1))
    );
    assert_eq!(case["behaviours"], json!(["pesten"]));
    assert_eq!(case["sources"], json!(["collega"]));
    assert_eq!(case["status"], "closed");
    assert_eq!(case["closed_on"], json!(today()));
    assert_eq!(stored_notes(&app, &closed), 0, "the rows are gone");
    let figures_after: Value = vpo.get(&statistics).await;
    assert_eq!(figures_after, figures_before);

    // The open case keeps everything, however late.
    assert_eq!(
        purge_on(&app, today() + Months::new(120)),
        PurgeReport::default()
    );
    let kept: Value = vpo.get(&format!("/api/v1/vpo/cases/{open}")).await;
    assert_eq!(kept["notes"][0]["text"], "Notitie-Geheim: loopt nog.");
    assert!(kept["agreements"].is_string() && kept["first_contact"].is_string());
    assert_eq!(kept["destroyed_at"], Value::Null);

    let log: Vec<Value> = vpo.get("/api/v1/vpo/destruction-log").await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0]["case_reference"], reference);
    assert_eq!(
        log[0]["what"],
        "1 note, agreements, case report, date of first contact"
    );
    assert_eq!(log[0]["reason"], "report_finalised");
    assert!(!serde_json::to_string(&log).unwrap().contains("Geheim"));

    // Nothing confidential can be written to it again, nor can it be reopened.
    let path = format!("/api/v1/vpo/cases/{closed}");
    let refused = vpo
        .post(&format!("{path}/notes"), json!({"text": "Nog iets."}))
        .await;
    assert_problem(refused, 409, "conflict").await;
    for body in [
        json!({"agreements": "Nieuwe afspraak."}),
        json!({"case_report": "Nieuw verslag."}),
        json!({"status": "open"}),
    ] {
        let refused = vpo.patch(&path, body.clone()).await;
        assert_problem(refused, 409, "conflict").await;
    }
    let still: Value = vpo.get(&path).await;
    assert_eq!(still["agreements"], Value::Null);
    assert_eq!(still["notes"], json!([]));
}

#[actix_web::test]
async fn without_a_finalised_report_the_files_go_at_the_organisations_maximum() {
    let app = spawn_app().await;
    let (_, vpo, _) = counsellors(&app);
    let first_contact = today() - Days::new(100);
    let closed_on = today() - Days::new(50);
    let (id, reference) = case_with_note(&vpo, first_contact, "Notitie-Geheim.").await;
    close(&vpo, &id, closed_on).await;

    let settings: Value = vpo.get("/api/v1/vpo/settings").await;
    assert_eq!(settings, json!({"max_months": 12}));
    let limit = closed_on + Months::new(12);
    assert_eq!(purge_on(&app, limit.pred_opt().unwrap()).cases, 0);
    assert_eq!(stored_notes(&app, &id), 1);

    for (body, field) in [
        (json!({"max_months": 0}), "max_months"),
        (json!({"max_months": 121}), "max_months"),
        (json!({"max_months": -1}), "max_months"),
        (json!({"max_months": "zes"}), "body"),
        (json!({"max_months": 6, "days": 3}), "body"),
    ] {
        let refused = vpo
            .send(
                reqwest::Method::PUT,
                "/api/v1/vpo/settings",
                Some(body.clone()),
            )
            .await;
        let problem = assert_problem(refused, 422, "validation").await;
        assert_eq!(problem["errors"][0]["field"], field, "{body}");
    }
    let set = vpo
        .send(
            reqwest::Method::PUT,
            "/api/v1/vpo/settings",
            Some(json!({"max_months": 1})),
        )
        .await;
    assert_eq!(set.status(), 200);
    let settings: Value = vpo.get("/api/v1/vpo/settings").await;
    assert_eq!(settings, json!({"max_months": 1}));

    assert_eq!(
        purge_on(&app, today()),
        PurgeReport {
            cases: 1,
            report_finalised: 0,
            maximum_reached: 1,
            notes: 1,
        }
    );
    assert_eq!(stored_notes(&app, &id), 0);
    let log: Vec<Value> = vpo.get("/api/v1/vpo/destruction-log").await;
    assert_eq!(log[0]["case_reference"], reference);
    assert_eq!(log[0]["reason"], "maximum_reached");
    let access: Vec<Value> = vpo.get("/api/v1/vpo/access-log").await;
    assert!(
        access
            .iter()
            .any(|e| e["what"] == "retention maximum set to 1 months")
    );
}

#[actix_web::test]
async fn each_organisation_keeps_its_own_maximum_and_reports() {
    let app = spawn_app().await;
    let (ours, vpo, _) = counsellors(&app);
    let theirs = app.add_organisation("Ander BV");
    app.add_member(&theirs, "vpo1@example.nl", Role::Vpo);
    let other = app.api(&app.token(&theirs, "vpo1@example.nl"));
    let (mine, _) = case_with_note(&vpo, today(), "Notitie-Geheim.").await;
    let (their, _) = case_with_note(&other, today(), "Notitie-Geheim.").await;
    close(&vpo, &mine, today()).await;
    close(&other, &their, today()).await;

    psa::db::vpo_reports::finalise(&mut app.conn(), &ours, today().year(), psa::db::now()).unwrap();
    let set = other
        .send(
            reqwest::Method::PUT,
            "/api/v1/vpo/settings",
            Some(json!({"max_months": 2})),
        )
        .await;
    assert_eq!(set.status(), 200);
    let ours_settings: Value = vpo.get("/api/v1/vpo/settings").await;
    assert_eq!(ours_settings["max_months"], 12);

    assert_eq!(purge_on(&app, today()).report_finalised, 1);
    assert_eq!(stored_notes(&app, &mine), 0);
    assert_eq!(
        stored_notes(&app, &their),
        1,
        "their report is not finalised"
    );
    let theirs_log: Vec<Value> = other.get("/api/v1/vpo/destruction-log").await;
    assert!(theirs_log.is_empty(), "each organisation sees its own log");
    assert_eq!(purge_on(&app, today() + Months::new(2)).maximum_reached, 1);
    assert_eq!(stored_notes(&app, &their), 0);
}

#[actix_web::test]
async fn the_access_request_export_redacts_passages_and_leaves_out_notes() {
    let app = spawn_app().await;
    let (_, vpo, vpo2) = counsellors(&app);
    let made = vpo
        .post(
            "/api/v1/vpo/cases",
            json!({"first_contact": today(), "channel": "in_person", "behaviours": ["intimidatie"],
                   "in_scope": true,
                   "agreements": "Melder wil dat Piet de Vries het niet hoort; de chef mag het weten."}),
        )
        .await;
    let case: Value = made.json().await.unwrap();
    let id = case["id"].as_str().unwrap();
    let reference = case["reference"].as_str().unwrap();
    let path = format!("/api/v1/vpo/cases/{id}");
    for text in [
        "Gesprek: PIET DE VRIES schreeuwde tegen de melder in de kantine.",
        "Privé-inschatting: melder overweegt ontslag.",
    ] {
        let noted = vpo
            .post(&format!("{path}/notes"), json!({"text": text}))
            .await;
        assert_eq!(noted.status(), 201);
    }
    let changed = vpo
        .patch(
            &path,
            json!({"case_report": "Gesprek met piet de vries en de chef; afgesloten in de kantine."}),
        )
        .await;
    let full: Value = changed.json().await.unwrap();
    // Notes of one day come in no set order: find the one to leave out by its text.
    let omitted = full["notes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["text"].as_str().unwrap().contains("ontslag"))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let request = json!({"redact": ["Piet de Vries", " kantine "], "omit_notes": [omitted]});
    let export = vpo
        .post(&format!("{path}/access-request"), request.clone())
        .await;
    assert_eq!(export.status(), 200);
    assert_eq!(
        export.headers()["content-disposition"],
        format!("attachment; filename=\"{reference}-inzage.json\"").as_str()
    );
    let body = export.text().await.unwrap();
    let lower = body.to_lowercase();
    for gone in [
        "piet",
        "vries",
        "kantine",
        "ontslag",
        "privé",
        omitted.to_lowercase().as_str(),
    ] {
        assert!(!lower.contains(gone), "{gone} in {body}");
    }
    let exported: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(exported["reference"], reference);
    assert_eq!(
        exported["agreements"],
        "Melder wil dat █████ het niet hoort; de chef mag het weten."
    );
    assert_eq!(
        exported["case_report"],
        "Gesprek met █████ en de chef; afgesloten in de █████."
    );
    assert_eq!(exported["notes"].as_array().unwrap().len(), 1);
    assert_eq!(
        exported["notes"][0]["text"],
        "Gesprek: █████ schreeuwde tegen de melder in de █████."
    );
    assert_eq!(exported["behaviours"], json!(["intimidatie"]));
    assert_eq!(exported["first_contact"], json!(today()));

    // The stored case is unchanged, and the export is logged.
    let stored: Value = vpo.get(&path).await;
    assert_eq!(stored["notes"].as_array().unwrap().len(), 2);
    assert!(
        stored["case_report"]
            .as_str()
            .unwrap()
            .contains("piet de vries")
    );
    let log: Vec<Value> = vpo.get("/api/v1/vpo/access-log").await;
    assert!(log.iter().any(|e| e["what"] == "access request export"
        && e["case_reference"] == reference
        && e["actor"] == "vpo1@example.nl"));

    for (body, field) in [
        (json!({"redact": ["x"]}), "redact"),
        (json!({"redact": ["Piet", " x "]}), "redact"),
        (json!({"redact": [""]}), "redact"),
        (json!({"omit_notes": ["no-such-note"]}), "omit_notes"),
        (json!({"redact": "Piet"}), "body"),
        (json!({"redact": [], "names": ["Piet"]}), "body"),
    ] {
        let refused = vpo
            .post(&format!("{path}/access-request"), body.clone())
            .await;
        let problem = assert_problem(refused, 422, "validation").await;
        assert_eq!(problem["errors"][0]["field"], field, "{body}");
    }
    let unassigned = vpo2.post(&format!("{path}/access-request"), request).await;
    assert_problem(unassigned, 404, "not-found").await;
    let everything = vpo.post(&format!("{path}/access-request"), json!({})).await;
    assert_eq!(everything.status(), 200);
    let everything: Value = everything.json().await.unwrap();
    assert_eq!(everything["notes"], stored["notes"]);
}

/// A database with one closed case past the maximum and one open case, both sealed with `key`.
fn database_with_cases(key: [u8; 32]) -> (TestDatabase, Vec<(String, String)>) {
    let database = TestDatabase::new();
    let db = database.connect();
    let mut conn = db.conn().unwrap();
    psa::db::migrations::run_pending(&mut conn).unwrap();
    let settings = OrganisationSettings::new(OrganisationName::parse("Zorg BV").unwrap());
    let organisation = psa::accounts::create_organisation(&mut conn, &settings)
        .unwrap()
        .id;
    let email = Email::parse("vpo@example.nl").unwrap();
    let password = Password::parse(PASSWORD).unwrap();
    let user =
        psa::accounts::add_member(&mut conn, &organisation, &email, Some(&password), Role::Vpo)
            .unwrap();
    let who = Counsellor {
        organisation: &organisation,
        user: &user.id,
        email: "vpo@example.nl",
    };
    let cipher = NotesCipher::new(key, vec![]);
    let mut cases = Vec::new();
    for first_contact in [today() - Days::new(500), today()] {
        let new: NewCase = serde_json::from_value(json!({
            "first_contact": first_contact, "channel": "email", "in_scope": true,
            "behaviours": ["discriminatie"], "agreements": "Afspraak-Geheim."
        }))
        .unwrap();
        let case = register::create(&mut conn, &cipher, &who, new, today()).unwrap();
        register::add_note(
            &mut conn,
            &cipher,
            &who,
            &case.id,
            "Notitie-Geheim.",
            (first_contact, today()),
        )
        .unwrap();
        cases.push((case.id, first_contact.to_string()));
    }
    register::change(
        &mut conn,
        &cipher,
        &who,
        &cases[0].0,
        CaseChange {
            status: Some(psa::domain::vpo::CaseStatus::Closed),
            closed_on: Some(today() - Days::new(400)),
            ..CaseChange::default()
        },
        today(),
    )
    .unwrap();
    drop(conn);
    (database, cases)
}

#[test]
fn purge_and_notes_rekey_run_from_the_command_line() {
    let old = [5; 32];
    let new = [6; 32];
    let (database, cases) = database_with_cases(old);
    let encoded = |key: [u8; 32]| STANDARD.encode(key);

    let mut rekey = psa(&database);
    rekey
        .args(["notes", "rekey"])
        .env("PSA_NOTES_KEY", encoded(new))
        .env("PSA_RETIRED_NOTES_KEYS", encoded(old));
    let output = run(rekey, "");
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(
        text(&output.stdout).trim(),
        "re-sealed 4 value(s) with the current notes key; 0 already current"
    );
    // Everything opens with the new key alone now.
    let only_new = NotesCipher::new(new, vec![]);
    let db = database.connect();
    for (case, _) in &cases {
        let organisation: String = psa::db::schema::vpo_cases::table
            .find(case)
            .select(psa::db::schema::vpo_cases::organisation_id)
            .get_result(&mut *db.conn().unwrap())
            .unwrap();
        let notes = psa::db::vpo::notes(
            &mut db.conn().unwrap(),
            &OrganisationId::new(organisation.clone()),
            case,
        )
        .unwrap();
        let part = format!("note:{}", notes[0].id);
        let place = Place {
            organisation: &organisation,
            case,
            part: &part,
        };
        assert_eq!(
            only_new.open(place, &notes[0].sealed).unwrap(),
            "Notitie-Geheim."
        );
        assert!(!only_new.is_stale(&notes[0].sealed));
    }
    // A key that opens none of them: reported, one line, non-zero, nothing changed.
    let mut stranger = psa(&database);
    stranger
        .args(["notes", "rekey"])
        .env("PSA_NOTES_KEY", encoded([7; 32]));
    let output = run(stranger, "");
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(
        stderr.starts_with("psa: error: 4 value(s) sealed with a key")
            && stderr.lines().count() == 1,
        "{stderr}"
    );

    let mut purge = psa(&database);
    purge.arg("purge");
    let output = run(purge, "");
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert_eq!(
        stdout.trim(),
        "destroyed the notes, agreements and case reports of 1 case(s) (0 counted in a finalised report, 1 past the maximum); 1 note(s) deleted"
    );
    assert!(!stdout.contains("Geheim") && !stdout.contains(&cases[0].1));
    let remaining: Vec<String> = vpo_notes::table
        .select(vpo_notes::case_id)
        .load(&mut *db.conn().unwrap())
        .unwrap();
    assert_eq!(
        remaining,
        [cases[1].0.clone()],
        "the open case keeps its note"
    );

    let mut again = psa(&database);
    again.arg("purge");
    let output = run(again, "");
    assert!(text(&output.stdout).contains("of 0 case(s)"));
}

#[actix_web::test]
async fn the_daily_tick_purges_with_the_day_it_is_given() {
    let app = spawn_app().await;
    let (_, vpo, _) = counsellors(&app);
    let (id, _) = case_with_note(&vpo, today(), "Notitie-Geheim.").await;
    close(&vpo, &id, today()).await;
    let report = psa::http::schedule::run_daily(&app.state, today()).await;
    assert_eq!(report, Some(PurgeReport::default()));
    let report = psa::http::schedule::run_daily(&app.state, today() + Months::new(12)).await;
    assert_eq!(report.map(|r| r.maximum_reached), Some(1));
    assert_eq!(stored_notes(&app, &id), 0);
}
