//! Organisation units: a tree per organisation, managed by HR, imported from CSV.

use psa::domain::Role;
use serde_json::{Value, json};

use crate::helpers::{Api, TestApp, assert_problem, spawn_app};

async fn hr(app: &TestApp) -> Api {
    let organisation = app.set_up();
    app.api(&app.token(&organisation, "owner@example.nl"))
}

async fn created(api: &Api, body: Value) -> Value {
    let response = api.post("/api/v1/units", body).await;
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

fn paths(units: &[Value]) -> Vec<&str> {
    units.iter().map(|u| u["path"].as_str().unwrap()).collect()
}

#[actix_web::test]
async fn hr_builds_a_tree_where_only_siblings_need_distinct_names() {
    let app = spawn_app().await;
    let hr = hr(&app).await;
    let zorg = created(&hr, json!({"name": "Zorg", "headcount": 120})).await;
    let admin = created(&hr, json!({"name": "Administratie"})).await;
    let nacht_zorg = created(&hr, json!({"name": "Nacht", "parent_id": zorg["id"]})).await;
    created(&hr, json!({"name": "Nacht", "parent_id": admin["id"]})).await;
    assert_eq!(nacht_zorg["path"], "Zorg/Nacht");

    let twin = hr
        .post(
            "/api/v1/units",
            json!({"name": " Nacht ", "parent_id": zorg["id"]}),
        )
        .await;
    assert_eq!(
        assert_problem(twin, 422, "validation").await["errors"][0]["field"],
        "name"
    );
    let orphan = hr
        .post("/api/v1/units", json!({"name": "X", "parent_id": "nope"}))
        .await;
    assert_eq!(
        assert_problem(orphan, 422, "validation").await["errors"][0]["field"],
        "parent_id"
    );
    let slash = hr.post("/api/v1/units", json!({"name": "A/B"})).await;
    assert_problem(slash, 422, "validation").await;

    let units: Vec<Value> = hr.get("/api/v1/units").await;
    assert_eq!(
        paths(&units),
        ["Administratie", "Administratie/Nacht", "Zorg", "Zorg/Nacht"]
    );
}

#[actix_web::test]
async fn units_are_renamed_moved_and_deleted_without_breaking_the_tree() {
    let app = spawn_app().await;
    let hr = hr(&app).await;
    let zorg = created(&hr, json!({"name": "Zorg"})).await;
    let team = created(&hr, json!({"name": "Team", "parent_id": zorg["id"]})).await;
    let other = created(&hr, json!({"name": "Team"})).await;
    let team_path = format!("/api/v1/units/{}", team["id"].as_str().unwrap());
    let zorg_path = format!("/api/v1/units/{}", zorg["id"].as_str().unwrap());

    let into_itself = hr.patch(&zorg_path, json!({"parent_id": team["id"]})).await;
    assert_eq!(
        assert_problem(into_itself, 422, "validation").await["errors"][0]["field"],
        "parent_id"
    );
    let clash = hr.patch(&team_path, json!({"parent_id": null})).await;
    assert_problem(clash, 422, "validation").await;
    let renamed = hr
        .patch(&team_path, json!({"name": "Team Oost", "headcount": 14}))
        .await;
    assert_eq!(renamed.status(), 200);
    let moved: Value = hr
        .patch(&team_path, json!({"parent_id": null}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(moved["path"], "Team Oost");
    assert_eq!(moved["headcount"], 14);
    let back: Value = hr
        .patch(&team_path, json!({"parent_id": other["id"]}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(back["path"], "Team/Team Oost");

    let other_path = format!("/api/v1/units/{}", other["id"].as_str().unwrap());
    assert_problem(hr.delete(&other_path).await, 409, "conflict").await;
    assert_eq!(hr.delete(&team_path).await.status(), 204);
    assert_eq!(hr.delete(&other_path).await.status(), 204);
    assert_problem(hr.delete(&other_path).await, 404, "not-found").await;
    let units: Vec<Value> = hr.get("/api/v1/units").await;
    assert_eq!(paths(&units), ["Zorg"]);
}

#[actix_web::test]
async fn a_csv_import_stores_everything_or_nothing() {
    let app = spawn_app().await;
    let hr = hr(&app).await;
    let send = |body: &'static [u8], content_type: &'static str| {
        hr.request(reqwest::Method::POST, "/api/v1/units/import")
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let bad = send(
        b"path;headcount\nZorg;120\nZorg//Team;3\nZorg/Team A;-4\n",
        "text/csv",
    )
    .await
    .unwrap();
    let problem = assert_problem(bad, 422, "validation").await;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["line 3", "line 4"]);
    let units: Vec<Value> = hr.get("/api/v1/units").await;
    assert!(units.is_empty(), "nothing stored: {units:?}");

    let good = send(
        b"\xEF\xBB\xBFZorg;120\nZorg/Team A;12\nZorg/Team B/Nacht;4\nAdministratie\n",
        "text/csv; charset=utf-8",
    )
    .await
    .unwrap();
    assert_eq!(good.status(), 200);
    let result: Value = good.json().await.unwrap();
    assert_eq!(
        result["created"], 5,
        "Team B is created on the way to Nacht"
    );
    assert_eq!(
        paths(result["units"].as_array().unwrap()),
        [
            "Administratie",
            "Zorg",
            "Zorg/Team A",
            "Zorg/Team B",
            "Zorg/Team B/Nacht"
        ]
    );

    let again: Value = send(b"Zorg,130\nZorg/Team A,12\n", "text/csv")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (again["created"].as_u64(), again["updated"].as_u64()),
        (Some(0), Some(1))
    );
    assert_problem(
        send(b"{}", "application/json").await.unwrap(),
        415,
        "unsupported-media-type",
    )
    .await;
}

#[actix_web::test]
async fn one_organisation_never_sees_or_changes_anothers_units() {
    let app = spawn_app().await;
    let hr = hr(&app).await;
    let zorg = created(&hr, json!({"name": "Zorg"})).await;
    let other = app.add_organisation("Ander BV");
    app.add_member(&other, "hr@ander.nl", Role::Hr);
    let stranger = app.api(&app.token(&other, "hr@ander.nl"));
    let theirs: Vec<Value> = stranger.get("/api/v1/units").await;
    assert!(theirs.is_empty());
    let path = format!("/api/v1/units/{}", zorg["id"].as_str().unwrap());
    assert_problem(
        stranger.patch(&path, json!({"name": "Gekaapt"})).await,
        404,
        "not-found",
    )
    .await;
    assert_problem(stranger.delete(&path).await, 404, "not-found").await;
    let under = stranger
        .post(
            "/api/v1/units",
            json!({"name": "Sub", "parent_id": zorg["id"]}),
        )
        .await;
    assert_problem(under, 422, "validation").await;
    let same_name = stranger
        .post("/api/v1/units", json!({"name": "Zorg"}))
        .await;
    assert_eq!(same_name.status(), 201, "names are per organisation");
    let ours: Vec<Value> = hr.get("/api/v1/units").await;
    assert_eq!(paths(&ours), ["Zorg"]);
}

#[actix_web::test]
async fn hr_manages_units_through_the_pages() {
    let app = spawn_app().await;
    app.set_up();
    let browser = app.login("owner@example.nl").await;
    let page = |path: &'static str| {
        browser
            .get(app.url(path))
            .header("Accept-Language", "en")
            .send()
    };
    let html = page("/units").await.unwrap().text().await.unwrap();
    assert!(html.contains("There are no units yet"), "{html}");
    let csrf = crate::helpers::csrf_of(&html);
    let post = |path: String, fields: Vec<(&'static str, String)>| {
        let mut form = fields;
        form.push(("csrf", csrf.clone()));
        browser
            .post(app.url(&path))
            .header("Accept-Language", "en")
            .form(&form)
            .send()
    };

    let bad = post(
        "/units/import".into(),
        vec![("csv", "Zorg;120\nZorg//Team;3\n".into())],
    )
    .await
    .unwrap();
    assert_eq!(bad.status(), 422);
    let html = bad.text().await.unwrap();
    assert!(html.contains("Line 2: the path"), "{html}");
    assert!(html.contains("Zorg//Team;3"), "the pasted list is kept");

    let good = post(
        "/units/import".into(),
        vec![("csv", "Zorg;120\nZorg/Team A;12\n".into())],
    )
    .await
    .unwrap();
    assert_eq!(good.status(), 303);
    let added = post(
        "/units".into(),
        vec![
            ("name", "Administratie".into()),
            ("parent_id", String::new()),
            ("headcount", String::new()),
        ],
    )
    .await
    .unwrap();
    assert_eq!(added.status(), 303);
    let twin = post(
        "/units".into(),
        vec![
            ("name", "Administratie".into()),
            ("parent_id", String::new()),
            ("headcount", "3".into()),
        ],
    )
    .await
    .unwrap();
    assert_eq!(twin.status(), 422);
    assert!(
        twin.text()
            .await
            .unwrap()
            .contains("not yet used under the same parent")
    );

    let units: Vec<Value> = app
        .api(&app.token(
            &psa::db::organisations::list(&mut app.conn()).unwrap()[0].id,
            "owner@example.nl",
        ))
        .get("/api/v1/units")
        .await;
    assert_eq!(paths(&units), ["Administratie", "Zorg", "Zorg/Team A"]);
    let zorg = units[1]["id"].as_str().unwrap().to_owned();
    let has_children = post(format!("/units/{zorg}/delete"), vec![]).await.unwrap();
    assert_eq!(has_children.status(), 422);
    let renamed = post(
        format!("/units/{zorg}"),
        vec![
            ("name", "Zorg en Welzijn".into()),
            ("headcount", "130".into()),
        ],
    )
    .await
    .unwrap();
    assert_eq!(renamed.status(), 303);
    let html = page("/units").await.unwrap().text().await.unwrap();
    assert!(html.contains("Zorg en Welzijn/Team A"), "{html}");
    let dutch = browser
        .get(app.url("/units"))
        .header("Accept-Language", "nl")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(dutch.contains("Eenheid toevoegen"));
}
