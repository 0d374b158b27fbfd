//! Charts over the API: every chart as SVG and PNG for a closed round, with nothing of a hidden
//! group in them; unknown names; open rounds; who may read them.

use psa::domain::Role;
use serde_json::json;

use crate::helpers::{TestApp, assert_problem, spawn_app};
use crate::results::{answer_bullying, close, page, run_round};
use crate::rounds::{hr, import, invite, open_round, unit_id};

const CHARTS: [&str; 5] = [
    "categories",
    "heatmap",
    "trend",
    "response-rate",
    "plan-status",
];

/// A closed round at k = 5 over Zorg and its sub-unit Zorg/Nacht: six of eight invited in Zorg
/// answer, none bullied; all three invited in Nacht answer, all bullied weekly. Nacht is hidden
/// (3 < 5): its 100% must never show, and with 3 invitations its response counts with Zorg.
async fn closed_round(app: &TestApp, hr: &crate::helpers::Api) -> String {
    let units = import(hr, "Zorg\nZorg/Nacht\n").await;
    let round = open_round(
        hr,
        json!({"name": "PSA 2026", "questionnaire_id": "psa-basis", "min_group_size": 5}),
    )
    .await;
    let id = round["id"].as_str().unwrap().to_owned();
    for (unit, invited, answering, weekly) in [("Zorg", 8, 6, false), ("Zorg/Nacht", 3, 3, true)] {
        let links = invite(hr, &round, unit_id(&units, unit), invited).await;
        for link in links.iter().take(answering) {
            answer_bullying(app, link, weekly).await;
        }
    }
    close(hr, &id).await;
    id
}

async fn chart(client: &reqwest::Client, app: &TestApp, path: &str) -> reqwest::Response {
    client.get(app.url(path)).send().await.unwrap()
}

#[actix_web::test]
async fn every_chart_comes_as_svg_and_png_and_shows_nothing_of_a_hidden_unit() {
    let app = spawn_app().await;
    let hr = hr(&app).await;
    let id = closed_round(&app, &hr).await;
    let accepted = hr
        .post(
            "/api/v1/plan/items",
            json!({"round_id": id, "category": "pesten", "measure_id": "gedragscode"}),
        )
        .await;
    assert_eq!(accepted.status(), 201);

    let mut svgs = Vec::new();
    for name in CHARTS {
        let path = format!("/api/v1/rounds/{id}/charts/{name}.svg");
        let response = hr.send(reqwest::Method::GET, &path, None).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(
            response.headers()["content-type"],
            "image/svg+xml",
            "{path}"
        );
        let svg = response.text().await.unwrap();
        assert!(svg.starts_with("<svg"), "{path}");
        let again = hr.send(reqwest::Method::GET, &path, None).await;
        assert_eq!(again.text().await.unwrap(), svg, "{path}: the same bytes");

        let path = format!("/api/v1/rounds/{id}/charts/{name}.png?lang=en");
        let response = hr.send(reqwest::Method::GET, &path, None).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["content-type"], "image/png", "{path}");
        let png = response.bytes().await.unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{path}");
        svgs.push((name, svg));
    }
    let svg = |name: &str| &svgs.iter().find(|(n, _)| *n == name).unwrap().1;
    // Zorg (and the organisation): 3 of 9 bullied. Nacht's own 3 of 3 appears nowhere.
    assert!(svg("categories").contains("33,3% · rood"));
    assert!(svg("heatmap").contains("Zorg/Nacht"));
    assert!(svg("heatmap").contains("verborgen"));
    assert!(svg("trend").contains("pesten 33,3%"));
    assert!(
        svg("response-rate").contains("81,8% · 9 van 11"),
        "Nacht counts with Zorg"
    );
    assert!(svg("plan-status").contains("1 gepland"));
    for (name, svg) in &svgs {
        assert!(
            !svg.contains("100,0%"),
            "{name} shows the hidden unit's share"
        );
        assert!(
            !svg.contains("3 van 3"),
            "{name} shows the hidden unit's response"
        );
    }
    assert!(!svg("response-rate").contains("Zorg/Nacht"));

    // English labels on request.
    let english = hr
        .send(
            reqwest::Method::GET,
            &format!("/api/v1/rounds/{id}/charts/heatmap.svg?lang=en"),
            None,
        )
        .await;
    let english = english.text().await.unwrap();
    assert!(english.contains("The whole organisation") && english.contains("hidden"));
}

#[actix_web::test]
async fn unknown_charts_are_not_found_and_open_rounds_have_none() {
    let app = spawn_app().await;
    let hr = hr(&app).await;
    let id = closed_round(&app, &hr).await;
    for file in ["pie.svg", "heatmap.jpg", "heatmap", "trend.svg.png"] {
        let path = format!("/api/v1/rounds/{id}/charts/{file}");
        let response = hr.send(reqwest::Method::GET, &path, None).await;
        let problem = assert_problem(response, 404, "not-found").await;
        let detail = problem["detail"].as_str().unwrap();
        assert!(
            detail.contains("categories, heatmap, trend, response-rate, plan-status"),
            "{detail}"
        );
    }
    let bad_language = hr
        .send(
            reqwest::Method::GET,
            &format!("/api/v1/rounds/{id}/charts/trend.svg?lang=de"),
            None,
        )
        .await;
    assert_problem(bad_language, 400, "bad-request").await;
    let open = open_round(
        &hr,
        json!({"name": "Nog open", "questionnaire_id": "psa-basis", "min_group_size": 5}),
    )
    .await;
    let path = format!(
        "/api/v1/rounds/{}/charts/response-rate.png",
        open["id"].as_str().unwrap()
    );
    let response = hr.send(reqwest::Method::GET, &path, None).await;
    assert_problem(response, 409, "conflict").await;
}

#[actix_web::test]
async fn the_works_council_reads_the_charts_and_the_dashboard_shows_them_but_others_may_not() {
    let app = spawn_app().await;
    let hr = hr(&app).await;
    let id = closed_round(&app, &hr).await;
    let organisation = psa::db::organisations::list(&mut app.conn())
        .unwrap()
        .remove(0);
    app.add_member(&organisation.id, "or@example.nl", Role::Council);
    app.add_member(&organisation.id, "pm@example.nl", Role::Prevention);
    let council = app.login("or@example.nl").await;
    for name in CHARTS {
        for format in ["svg", "png"] {
            let path = format!("/api/v1/rounds/{id}/charts/{name}.{format}");
            assert_eq!(chart(&council, &app, &path).await.status(), 200, "{path}");
        }
    }
    let (status, page) = page(&app, &council, &format!("/rounds/{id}/results"), "nl").await;
    assert_eq!(status, 200);
    for name in CHARTS {
        let src = format!("/api/v1/rounds/{id}/charts/{name}.svg?lang=nl");
        assert!(page.contains(&src), "{src} on the dashboard");
        let png = format!("/api/v1/rounds/{id}/charts/{name}.png?lang=nl");
        assert!(page.contains(&png), "{png} linked from the dashboard");
    }
    assert_eq!(page.matches("<img class=\"chart\"").count(), CHARTS.len());
    assert!(
        !page.contains("alt=\"\""),
        "every chart has a text alternative"
    );

    let prevention = app.login("pm@example.nl").await;
    let token = app.api(&app.token(&organisation.id, "pm@example.nl"));
    for name in CHARTS {
        let path = format!("/api/v1/rounds/{id}/charts/{name}.png");
        assert_eq!(
            chart(&prevention, &app, &path).await.status(),
            403,
            "{path}"
        );
        let by_token = token.send(reqwest::Method::GET, &path, None).await;
        assert_problem(by_token, 403, "forbidden").await;
    }
    let anonymous = crate::helpers::browser();
    let path = format!("/api/v1/rounds/{id}/charts/heatmap.svg");
    assert_eq!(chart(&anonymous, &app, &path).await.status(), 401);
}

/// The trend chart names each closed round of the questionnaire and coverage, in close order.
#[actix_web::test]
async fn the_trend_chart_follows_the_closed_rounds_of_the_same_questionnaire_and_units() {
    let app = spawn_app().await;
    let hr = hr(&app).await;
    let units = import(&hr, "A\nB\n").await;
    let first = run_round(&app, &hr, &units, "Ronde een", &[], 0).await;
    let second = run_round(&app, &hr, &units, "Ronde twee", &[], 3).await;
    let partial = run_round(&app, &hr, &units, "Alleen A", &["A"], 6).await;
    let trend = |id: String| {
        let hr = &hr;
        async move {
            let path = format!("/api/v1/rounds/{id}/charts/trend.svg");
            let response = hr.send(reqwest::Method::GET, &path, None).await;
            assert_eq!(response.status(), 200);
            response.text().await.unwrap()
        }
    };
    let at_first = trend(first).await;
    assert!(at_first.contains("Ronde een") && !at_first.contains("Ronde twee"));
    let at_second = trend(second).await;
    let (one, two) = (
        at_second.find("Ronde een").unwrap(),
        at_second.find("Ronde twee").unwrap(),
    );
    assert!(one < two, "oldest first");
    assert!(at_second.contains("pesten 50,0%"), "3 of 6 now");
    assert!(
        !at_second.contains("Alleen A"),
        "another coverage, closed later"
    );
    let at_partial = trend(partial).await;
    assert!(at_partial.contains("Alleen A") && !at_partial.contains("Ronde een"));
}
