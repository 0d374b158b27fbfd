//! Results end to end: a round worked out by hand (tests/fixtures/hand-worked-round.toml) is
//! answered through the API, closed, and its stored results compared figure by figure; the
//! dashboard shows them rounded, to HR and the works council only.

use psa::domain::Role;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

use crate::helpers::{TestApp, assert_problem, spawn_app};
use crate::rounds::{answer, hr, import, invite, open_round, token_of, unit_id};

pub(crate) const FIXTURE: &str = include_str!("../fixtures/hand-worked-round.toml");

#[derive(Deserialize)]
struct Profile {
    items: BTreeMap<String, i32>,
}

#[derive(Deserialize)]
struct Respondent {
    unit: String,
    #[serde(default = "one")]
    count: u32,
    pesten: String,
    werkdruk: String,
    #[serde(default)]
    sources: Vec<String>,
}

fn one() -> u32 {
    1
}

#[derive(Deserialize)]
pub(crate) struct Fixture {
    pub(crate) min_group_size: u32,
    pub(crate) units: String,
    pesten: BTreeMap<String, Profile>,
    werkdruk: BTreeMap<String, Profile>,
    respondents: Vec<Respondent>,
    expected: Vec<BTreeMap<String, toml::Value>>,
}

impl Respondent {
    fn body(&self, fixture: &Fixture) -> Value {
        let mut items = serde_json::Map::new();
        for profile in [
            &fixture.pesten[&self.pesten],
            &fixture.werkdruk[&self.werkdruk],
        ] {
            for (item, value) in &profile.items {
                items.insert(item.clone(), json!(value));
            }
        }
        if self.sources.is_empty() {
            json!({ "items": items })
        } else {
            // Respondents see neutral parts, never category names: bullying is the first part.
            json!({ "items": items, "sources": { "part-1": self.sources } })
        }
    }
}

impl Fixture {
    /// Every respondent's unit (path) and answers, one entry per respondent.
    pub(crate) fn answers(&self) -> Vec<(String, Value)> {
        self.respondents
            .iter()
            .flat_map(|r| (0..r.count).map(move |_| (r.unit.clone(), r.body(self))))
            .collect()
    }
}

/// The figure an expected key names in one category's results.
fn actual<'a>(figures: &'a Value, key: &str) -> &'a Value {
    if let Some(source) = key.strip_prefix("source_") {
        &figures["source_pct"][source]["pct"]
    } else if key.starts_with("self_label_") {
        &figures["self_label"][key]
    } else {
        &figures[key]
    }
}

fn check(results: &Value, expected: &BTreeMap<String, toml::Value>) {
    let group = expected["group"].as_str().unwrap();
    let category = expected["category"].as_str().unwrap();
    let shown = results["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["path"] == group)
        .unwrap_or_else(|| panic!("group {group:?}"));
    let figures = &shown["categories"][category];
    let here = format!("{group:?} {category}");
    if expected.get("suppressed").and_then(toml::Value::as_bool) == Some(true) {
        assert_eq!(figures, &json!({"suppressed": true}), "{here}");
        return;
    }
    for (key, want) in expected {
        if key == "group" || key == "category" {
            continue;
        }
        let got = actual(figures, key);
        match want {
            toml::Value::Float(_) | toml::Value::Integer(_) => {
                let want = want
                    .as_float()
                    .or_else(|| want.as_integer().map(|i| i as f64))
                    .unwrap();
                let got = got
                    .as_f64()
                    .unwrap_or_else(|| panic!("{here} {key}: {got}"));
                assert!((got - want).abs() < 1e-9, "{here} {key}: {got} ≠ {want}");
            }
            toml::Value::String(s) => assert_eq!(got, s.as_str(), "{here} {key}"),
            toml::Value::Boolean(b) => assert_eq!(got, b, "{here} {key}"),
            other => panic!("unexpected fixture value {other:?}"),
        }
    }
}

pub(crate) async fn page(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    lang: &str,
) -> (u16, String) {
    let response = client
        .get(app.url(path))
        .header("Accept-Language", lang)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[actix_web::test]
async fn a_round_worked_by_hand_gives_the_same_figures_and_the_dashboard_rounds_them() {
    let fixture: Fixture = toml::from_str(FIXTURE).unwrap();
    let app = spawn_app().await;
    let hr = hr(&app).await;
    let units = import(&hr, &fixture.units).await;
    let round = open_round(
        &hr,
        json!({"name": "PSA 2026", "questionnaire_id": "psa-basis", "min_group_size": fixture.min_group_size}),
    )
    .await;
    let id = round["id"].as_str().unwrap();
    let browser = app.login("owner@example.nl").await;
    let (status, pending) = page(&app, &browser, &format!("/rounds/{id}/results"), "en").await;
    assert_eq!(status, 409);
    let early = hr
        .send(
            reqwest::Method::GET,
            &format!("/api/v1/rounds/{id}/suggestions"),
            None,
        )
        .await;
    assert_eq!(early.status(), 409);
    assert!(pending.contains("has not closed yet"), "{pending}");

    let mut answered = 0;
    for respondent in &fixture.respondents {
        let unit = unit_id(&units, &respondent.unit);
        for link in invite(&hr, &round, unit, respondent.count).await {
            let response = answer(&app, &token_of(&link), respondent.body(&fixture)).await;
            assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
            answered += 1;
        }
    }
    assert_eq!(answered, 23);
    let closed = hr
        .post(&format!("/api/v1/rounds/{id}/close"), json!({}))
        .await;
    assert_eq!(closed.status(), 200);
    let results: Value = hr.get(&format!("/api/v1/rounds/{id}/results")).await;
    assert_eq!(results["responses"], 23);
    assert_eq!(results["min_group_size"], 5);
    for expected in &fixture.expected {
        check(&results, expected);
    }

    // Suggestions: every orange or red risk of a shown group, most urgent first.
    let suggested: Value = hr.get(&format!("/api/v1/rounds/{id}/suggestions")).await;
    let list = suggested["suggestions"].as_array().unwrap();
    let risks: Vec<(String, String)> = list
        .iter()
        .map(|s| {
            (
                s["path"].as_str().unwrap().to_owned(),
                s["category"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for group in ["", "Kantoor", "Zorg", "Zorg/Nacht"] {
        assert!(
            risks.contains(&(group.into(), "pesten".into())),
            "{group} pesten"
        );
    }
    assert!(
        !risks.contains(&("Zorg/Nacht".into(), "werkdruk".into())),
        "a hidden group raises nothing"
    );
    assert_eq!(
        risks.len(),
        4 + 3,
        "bullying in four groups, work pressure in three"
    );
    let kantoor = list
        .iter()
        .find(|s| s["path"] == "Kantoor" && s["category"] == "pesten")
        .unwrap();
    assert_eq!(kantoor["raised_by"], "weekly_share");
    assert_eq!(kantoor["term_months"], 6, "class 3");
    assert_eq!(kantoor["sources"], json!(["leidinggevende", "collega"]));
    assert_eq!(kantoor["measures"][0]["level"], "source");
    assert!(
        kantoor["measures"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["sources"] != "external"),
        "colleagues and managers: no measures for clients"
    );

    // The categories chart, in either language; an unknown chart is a 404.
    let chart = hr
        .send(
            reqwest::Method::GET,
            &format!("/api/v1/rounds/{id}/charts/categories.svg?lang=en"),
            None,
        )
        .await;
    assert_eq!(chart.status(), 200);
    assert_eq!(chart.headers()["content-type"], "image/svg+xml");
    let svg = chart.text().await.unwrap();
    assert!(svg.starts_with("<svg"), "{svg}");
    assert!(
        svg.contains("22.7% · red"),
        "the organisation's bullying: 5 of 22"
    );
    assert!(svg.contains("57.7 · orange"), "work pressure's mean");
    let unknown = hr
        .send(
            reqwest::Method::GET,
            &format!("/api/v1/rounds/{id}/charts/pie.png"),
            None,
        )
        .await;
    assert_problem(unknown, 404, "not-found").await;

    // The dashboard: written lights, one decimal half away from zero, Dutch decimal comma.
    let (status, dutch) = page(&app, &browser, &format!("/rounds/{id}/results"), "nl").await;
    assert_eq!(status, 200);
    for shown in [
        "De hele organisatie",
        "Rood: met voorrang aanpakken",
        "Oranje: maatregel nodig",
        "18,8% heeft dit meegemaakt",
        "Een collega 6,3%",
        "Gemiddelde 58,9 van 100",
        "Klasse 3 (R = 140)",
        "5% (2022); hier 14,3% (95%-BI 5,0–34,6); niet significant hoger",
        "minder dan 5",
    ] {
        assert!(dutch.contains(shown), "{shown:?} on the Dutch page");
    }
    let (_, english) = page(&app, &browser, &format!("/rounds/{id}/results"), "en").await;
    assert!(english.contains("18.8% experienced this (95% CI 6.6–43.0)"));
    assert!(english.contains("Zorg/Nacht"));

    // The works council reads the same; other roles may not.
    let organisation = psa::db::organisations::list(&mut app.conn())
        .unwrap()
        .remove(0);
    app.add_member(&organisation.id, "or@example.nl", Role::Council);
    app.add_member(&organisation.id, "vpo@example.nl", Role::Vpo);
    let council = app.login("or@example.nl").await;
    let (status, index) = page(&app, &council, "/results", "en").await;
    assert_eq!(status, 200);
    assert!(index.contains(&format!("/rounds/{id}/results")), "{index}");
    let (status, theirs) = page(&app, &council, &format!("/rounds/{id}/results"), "nl").await;
    assert_eq!(status, 200);
    assert!(theirs.contains("18,8% heeft dit meegemaakt"));
    let vpo = app.login("vpo@example.nl").await;
    let (status, _) = page(&app, &vpo, &format!("/rounds/{id}/results"), "en").await;
    assert_eq!(status, 403);
    let (status, _) = page(&app, &vpo, "/results", "en").await;
    assert_eq!(status, 403);
}

/// Answers everyone in `unit` with `exposed` of them bullied weekly, then closes the round.
pub(crate) async fn run_round(
    app: &TestApp,
    hr: &crate::helpers::Api,
    units: &[Value],
    name: &str,
    scope: &[&str],
    exposed: usize,
) -> String {
    let unit_ids: Vec<&str> = scope.iter().map(|u| unit_id(units, u)).collect();
    let round = open_round(
        hr,
        json!({"name": name, "questionnaire_id": "psa-basis", "min_group_size": 5, "unit_ids": unit_ids}),
    )
    .await;
    let id = round["id"].as_str().unwrap().to_owned();
    for (i, link) in invite(hr, &round, unit_id(units, "A"), 6)
        .await
        .iter()
        .enumerate()
    {
        answer_bullying(app, link, i < exposed).await;
    }
    close(hr, &id).await;
    id
}

/// Answers the five bullying items through an invitation: bullied weekly, or never.
pub(crate) async fn answer_bullying(app: &TestApp, invitation: &Value, weekly: bool) {
    let pe1 = if weekly { 4 } else { 1 };
    let body = json!({"items": {"pe1": pe1, "pe2": 1, "pe3": 1, "pe4": 1, "pe5": 1}});
    assert_eq!(answer(app, &token_of(invitation), body).await.status(), 201);
}

pub(crate) async fn close(hr: &crate::helpers::Api, id: &str) {
    let closed = hr
        .post(&format!("/api/v1/rounds/{id}/close"), json!({}))
        .await;
    assert_eq!(closed.status(), 200);
}

#[actix_web::test]
async fn the_trend_compares_with_the_previous_round_of_the_same_scope() {
    let app = spawn_app().await;
    let hr = hr(&app).await;
    let units = import(&hr, "A\nB\n").await;
    let first = run_round(&app, &hr, &units, "2025", &[], 0).await;
    let second = run_round(&app, &hr, &units, "2026", &[], 3).await;
    let results: Value = hr.get(&format!("/api/v1/rounds/{second}/results")).await;
    let top = &results["groups"][0]["categories"]["pesten"];
    assert_eq!(top["trend"]["previous_round_id"], first.as_str());
    assert_eq!(top["trend"]["change"], 50.0, "3 of 6 now, none before");
    assert_eq!(top["trend"]["previous"]["exposed_pct"], 0.0);
    assert_eq!(
        top["trend"]["significant"], false,
        "3/6 [18.8, 81.2] and 0/6 [0, 39.0] overlap"
    );
    let a = results["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["path"] == "A")
        .unwrap();
    assert_eq!(a["categories"]["pesten"]["trend"]["change"], 50.0);
    let earlier: Value = hr.get(&format!("/api/v1/rounds/{first}/results")).await;
    assert!(!earlier.to_string().contains("trend"), "nothing before it");
    // A round of unit A only: its top ("the units covered") is not the organisation's.
    let partial = run_round(&app, &hr, &units, "2026 A", &["A"], 3).await;
    let results: Value = hr.get(&format!("/api/v1/rounds/{partial}/results")).await;
    assert!(
        results["groups"][0]["categories"]["pesten"]
            .get("trend")
            .is_none()
    );
    let a = &results["groups"][1];
    assert_eq!(a["path"], "A");
    assert_eq!(
        a["categories"]["pesten"]["trend"]["previous_round_id"],
        second.as_str()
    );
    assert_eq!(a["categories"]["pesten"]["trend"]["change"], 0.0);
    // The dashboard writes the change with its unit.
    let browser = app.login("owner@example.nl").await;
    let (_, page) = page(&app, &browser, &format!("/rounds/{second}/results"), "en").await;
    assert!(
        page.contains("+50.0 percentage points (not significant)"),
        "{page}"
    );
}
