//! The policy checklist, the works council's consent and the expert review with its report.

use psa::domain::Role;
use serde_json::{Value, json};

use crate::helpers::{assert_problem, spawn_app};
use crate::results::run_round;
use crate::rounds::{hr, import};

#[actix_web::test]
async fn hr_answers_the_policy_checklist_and_the_works_council_reads_it() {
    let app = spawn_app().await;
    let hr = hr(&app).await;
    let empty: Value = hr.get("/api/v1/policy-checklist").await;
    let topics: Vec<&str> = empty
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["topic"].as_str().unwrap())
        .collect();
    assert_eq!(
        topics,
        [
            "code_of_conduct",
            "confidential_counsellor",
            "complaints_procedure",
            "information",
            "care_for_victims",
            "perpetrators",
            "incident_registration"
        ]
    );
    assert!(
        empty
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["answer"].is_null())
    );

    let answered = hr
        .send(
            reqwest::Method::PUT,
            "/api/v1/policy-checklist/code_of_conduct",
            Some(
                json!({"answer": "partly", "date": "2026-10-01", "note": "  Concept bij de OR  "}),
            ),
        )
        .await;
    assert_eq!(answered.status(), 200);
    let answered: Value = answered.json().await.unwrap();
    assert_eq!(answered["answer"], "partly");
    assert_eq!(answered["note"], "Concept bij de OR");
    let unknown = hr
        .send(
            reqwest::Method::PUT,
            "/api/v1/policy-checklist/gedragscode",
            Some(json!({"answer": "yes", "date": "2026-10-01"})),
        )
        .await;
    assert_problem(unknown, 404, "not-found").await;
    let bad = hr
        .send(
            reqwest::Method::PUT,
            "/api/v1/policy-checklist/perpetrators",
            Some(json!({"answer": "misschien", "date": "2026-10-01"})),
        )
        .await;
    assert_problem(bad, 422, "validation").await;

    let organisation = psa::db::organisations::list(&mut app.conn())
        .unwrap()
        .remove(0);
    app.add_member(&organisation.id, "or@example.nl", Role::Council);
    let council = app.api(&app.token(&organisation.id, "or@example.nl"));
    let read: Value = council.get("/api/v1/policy-checklist").await;
    assert_eq!(read[0]["answer"], "partly");
    let refused = council
        .send(
            reqwest::Method::PUT,
            "/api/v1/policy-checklist/perpetrators",
            Some(json!({"answer": "yes", "date": "2026-10-01"})),
        )
        .await;
    assert_eq!(refused.status(), 403);
}

#[actix_web::test]
async fn a_rounds_consent_and_review_are_recorded_with_the_report_file() {
    let app = spawn_app().await;
    let hr = hr(&app).await;
    let units = import(&hr, "A\nB\n").await;
    let round = run_round(&app, &hr, &units, "2026", &[], 0).await;
    let approval: Value = hr.get(&format!("/api/v1/rounds/{round}/approval")).await;
    assert_eq!(approval, json!({"consent": null, "review": null}));

    let put =
        async |path: String, body: Value| hr.send(reqwest::Method::PUT, &path, Some(body)).await;
    let consent = put(
        format!("/api/v1/rounds/{round}/consent"),
        json!({"date": "2026-11-20", "note": "Instemming OR-vergadering 12"}),
    )
    .await;
    assert_eq!(consent.status(), 200);
    let report_path = format!("/api/v1/rounds/{round}/review/report?file_name=toetsing.pdf");
    let too_early = hr
        .request(reqwest::Method::PUT, &report_path)
        .body(b"%PDF-1.7 ...".to_vec())
        .send()
        .await
        .unwrap();
    assert_problem(too_early, 409, "conflict").await;
    let incomplete = put(
        format!("/api/v1/rounds/{round}/review"),
        json!({"date": "2026-11-25", "name": "", "certificate": "AO-123"}),
    )
    .await;
    assert_problem(incomplete, 422, "validation").await;
    let review = put(
        format!("/api/v1/rounds/{round}/review"),
        json!({"date": "2026-11-25", "name": "Drs. A. Bakker (A&O)", "certificate": "SKO-AO-4711"}),
    )
    .await;
    assert_eq!(review.status(), 200);
    let report = b"%PDF-1.7 toetsingsrapport".to_vec();
    let attached = hr
        .request(reqwest::Method::PUT, &report_path)
        .body(report.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(attached.status(), 200);
    let attached: Value = attached.json().await.unwrap();
    assert_eq!(attached["consent"]["date"], "2026-11-20");
    assert_eq!(attached["review"]["certificate"], "SKO-AO-4711");
    assert_eq!(attached["review"]["report"]["file_name"], "toetsing.pdf");
    assert_eq!(attached["review"]["report"]["size"], report.len());
    use sha2::Digest;
    let digest: String = sha2::Sha256::digest(&report)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(attached["review"]["report"]["sha256"], digest);
    let fetched = hr
        .send(
            reqwest::Method::GET,
            &format!("/api/v1/rounds/{round}/review/report"),
            None,
        )
        .await;
    assert_eq!(fetched.status(), 200);
    assert!(
        fetched.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("toetsing.pdf")
    );
    assert_eq!(fetched.bytes().await.unwrap().to_vec(), report);
    let folders = hr
        .request(
            reqwest::Method::PUT,
            &format!("/api/v1/rounds/{round}/review/report?file_name=../x.pdf"),
        )
        .body(report.clone())
        .send()
        .await
        .unwrap();
    assert_problem(folders, 422, "validation").await;

    // Another organisation's HR finds no such round.
    let other = app.add_organisation("Elders BV");
    app.add_member(&other, "elders@example.nl", Role::Hr);
    let elsewhere = app.api(&app.token(&other, "elders@example.nl"));
    let hidden = elsewhere
        .send(
            reqwest::Method::GET,
            &format!("/api/v1/rounds/{round}/approval"),
            None,
        )
        .await;
    assert_problem(hidden, 404, "not-found").await;
}
