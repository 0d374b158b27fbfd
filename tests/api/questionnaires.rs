//! Questionnaire definitions: listed for HR, checked on the command line.

use std::process::Command;

use psa::domain::Role;
use serde_json::Value;

use crate::helpers::{assert_problem, spawn_app};

#[actix_web::test]
async fn hr_lists_the_shipped_questionnaire_with_its_digest_and_reads_its_definition() {
    let app = spawn_app().await;
    let organisation = app.set_up();
    let hr = app.api(&app.token(&organisation, "owner@example.nl"));
    let all: Vec<Value> = hr.get("/api/v1/questionnaires").await;
    let basis = all
        .iter()
        .find(|q| q["id"] == "psa-basis")
        .expect("psa-basis is offered");
    let shipped = include_str!("../../questionnaires/psa-basis.toml");
    assert_eq!(basis["digest"], psa::secret::sha256_hex(shipped));
    assert_eq!(basis["categories"].as_array().unwrap().len(), 7);
    assert_eq!(basis["reference_period_months"], 12);

    let detail: Value = hr.get("/api/v1/questionnaires/psa-basis").await;
    assert_eq!(detail["digest"], basis["digest"]);
    let items = detail["definition"]["items"].as_array().unwrap();
    assert_eq!(items[0]["id"], "pe1");
    assert_eq!(
        detail["definition"]["categories"][0]["settings"]["strain_high"],
        60.0
    );
    assert_problem(
        hr.send(reqwest::Method::GET, "/api/v1/questionnaires/nope", None)
            .await,
        404,
        "not-found",
    )
    .await;

    app.add_member(&organisation, "or@example.nl", Role::Council);
    let council = app.api(&app.token(&organisation, "or@example.nl"));
    let refused = council
        .send(reqwest::Method::GET, "/api/v1/questionnaires", None)
        .await;
    assert_problem(refused, 403, "forbidden").await;
}

#[test]
fn questionnaire_check_reports_every_problem_with_file_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let shipped = include_str!("../../questionnaires/psa-basis.toml");
    let broken = dir.path().join("broken.toml");
    std::fs::write(
        &broken,
        shipped
            .replacen("scale = \"frequency\"", "scale = \"nonsense\"", 1)
            .replacen("id = \"ag1\"", "id = \"pe1\"", 1),
    )
    .unwrap();
    let good = dir.path().join("good.toml");
    std::fs::write(&good, shipped).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_psa"))
        .args(["questionnaire", "check"])
        .arg(&good)
        .arg(&broken)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    let name = broken.display().to_string();
    assert!(
        stdout.contains(&format!(
            "{name}: items[0].scale: unknown scale \"nonsense\""
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("{name}: items[6].id: duplicate item id \"pe1\"")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("{}: ok (psa-basis 1.0.0", good.display())),
        "{stdout}"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim(), "psa: error: 1 of 2 file(s) have problems");
}

#[test]
fn measure_catalogues_are_checked_against_the_questionnaires() {
    let dir = tempfile::tempdir().unwrap();
    let shipped = include_str!("../../questionnaires/measures.toml");
    let good = dir.path().join("measures.toml");
    std::fs::write(&good, shipped).unwrap();
    // Strip work pressure from every measure: werkdruk is left with none.
    let broken = dir.path().join("few.toml");
    std::fs::write(
        &broken,
        shipped
            .replace(
                "categories = [\"werkdruk\"]",
                "categories = [\"werkdrukte\"]",
            )
            .replacen("id = \"gedragscode\"", "id = \"Gedragscode\"", 1),
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_psa"))
        .args(["questionnaire", "check"])
        .arg(&good)
        .arg(&broken)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(&format!("{}: ok (measures psa-maatregelen", good.display())),
        "{stdout}"
    );
    let name = broken.display().to_string();
    assert!(
        stdout.contains(&format!("{name}: measures[0].id: \"Gedragscode\" must be")),
        "{stdout}"
    );
    // Fixed ids, the same file is then checked against the shipped questionnaire.
    std::fs::write(
        &broken,
        shipped.replace(
            "categories = [\"werkdruk\"]",
            "categories = [\"werkdrukte\"]",
        ),
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_psa"))
        .args(["questionnaire", "check"])
        .arg(&broken)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success());
    assert!(
        stdout.contains("unknown category \"werkdrukte\" (not in psa-basis)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("category \"werkdruk\" of psa-basis has 0 measure(s)"),
        "{stdout}"
    );
}
