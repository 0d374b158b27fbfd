//! Confidential counsellors: an admin or a counsellor keeps their profiles and photos, employees
//! read them on the organisation's public information page, and HR is told when the organisation
//! is large enough to need one and has none.

use psa::domain::{OrganisationId, Role};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Api, TestApp, assert_problem, browser, spawn_app};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR not really the rest of an image";

/// "Zorg BV" with an account for every role; the owner is its admin (and HR).
fn organisation_with_every_role(app: &TestApp) -> OrganisationId {
    let organisation = app.set_up();
    for role in [
        Role::Hr,
        Role::Vpo,
        Role::Council,
        Role::Inspector,
        Role::Prevention,
    ] {
        app.add_member(&organisation, &format!("{role}@example.nl"), role);
    }
    organisation
}

fn as_role(app: &TestApp, organisation: &OrganisationId, role: &str) -> Api {
    let email = if role == "admin" {
        "owner@example.nl".to_owned()
    } else {
        format!("{role}@example.nl")
    };
    app.api(&app.token(organisation, &email))
}

fn anna_profile() -> Value {
    json!({
        "name": "Anna de Vries",
        "kind": "external",
        "gender": "female",
        "languages": ["nl", "tr"],
        "phone": "+31 20 123 45 67",
        "email": "anna@vertrouwelijk.nl",
        "availability": "ma–do 9–17 uur",
    })
}

async fn create(api: &Api, body: Value) -> Value {
    let response = api.post("/api/v1/counsellors", body).await;
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

fn id(counsellor: &Value) -> String {
    counsellor["id"].as_str().unwrap().to_owned()
}

async fn public_id(api: &Api) -> String {
    let organisation: Value = api.get("/api/v1/organisation").await;
    organisation["public_id"].as_str().unwrap().to_owned()
}

async fn put_photo(api: &Api, counsellor: &str, bytes: Vec<u8>) -> reqwest::Response {
    api.request(
        Method::PUT,
        &format!("/api/v1/counsellors/{counsellor}/photo"),
    )
    .header("content-type", "image/png")
    .body(bytes)
    .send()
    .await
    .unwrap()
}

/// A public page or file, fetched as an anonymous visitor; it sets no cookie.
async fn visit(app: &TestApp, path: &str) -> reqwest::Response {
    let response = browser().get(app.url(path)).send().await.unwrap();
    assert!(
        response.headers().get("set-cookie").is_none(),
        "{path} sets no cookie"
    );
    response
}

async fn page(app: &TestApp, path: &str) -> String {
    let response = visit(app, path).await;
    assert_eq!(response.status(), 200, "{path}");
    response.text().await.unwrap()
}

#[actix_web::test]
async fn an_admin_and_a_counsellor_keep_the_profiles() {
    let app = spawn_app().await;
    let organisation = organisation_with_every_role(&app);
    let admin = as_role(&app, &organisation, "admin");
    let vpo = as_role(&app, &organisation, "vpo");

    let anna = create(&admin, anna_profile()).await;
    assert_eq!(anna["name"], "Anna de Vries");
    assert_eq!(anna["kind"], "external");
    assert_eq!(anna["gender"], "female");
    assert_eq!(anna["languages"], json!(["nl", "tr"]));
    assert_eq!(anna["phone"], "+31 20 123 45 67");
    assert_eq!(anna["availability"], "ma–do 9–17 uur");
    assert_eq!(anna["photo_url"], Value::Null);
    let info = anna["info_url"].as_str().unwrap();
    assert!(info.ends_with(&format!("/o/{}/vpo-info", public_id(&admin).await)));

    // Only a name, a kind and a language are needed; gender is free to leave out.
    let bram = create(
        &vpo,
        json!({"name": " Bram ", "kind": "internal", "languages": ["en", "nl", "en"]}),
    )
    .await;
    assert_eq!(bram["name"], "Bram");
    assert_eq!(bram["gender"], Value::Null);
    assert_eq!(bram["languages"], json!(["en", "nl"]));

    let listed: Vec<Value> = vpo.get("/api/v1/counsellors").await;
    let names: Vec<&str> = listed.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Anna de Vries", "Bram"]);

    // Absent fields stay; `null` clears an optional one.
    let changed = vpo
        .patch(
            &format!("/api/v1/counsellors/{}", id(&anna)),
            json!({"gender": null, "phone": null, "languages": ["ar"], "kind": "internal"}),
        )
        .await;
    assert_eq!(changed.status(), 200);
    let changed: Value = changed.json().await.unwrap();
    assert_eq!(changed["gender"], Value::Null);
    assert_eq!(changed["phone"], Value::Null);
    assert_eq!(changed["languages"], json!(["ar"]));
    assert_eq!(changed["kind"], "internal");
    assert_eq!(changed["email"], "anna@vertrouwelijk.nl");
    assert_eq!(changed["name"], "Anna de Vries");

    let path = format!("/api/v1/counsellors/{}", id(&bram));
    assert_eq!(admin.delete(&path).await.status(), 204);
    assert_problem(admin.delete(&path).await, 404, "not-found").await;
    let listed: Vec<Value> = admin.get("/api/v1/counsellors").await;
    assert_eq!(listed.len(), 1);
}

#[actix_web::test]
async fn other_roles_are_refused_and_another_organisations_counsellors_are_not_found() {
    let app = spawn_app().await;
    let organisation = organisation_with_every_role(&app);
    let admin = as_role(&app, &organisation, "admin");
    let anna = id(&create(&admin, anna_profile()).await);
    assert_eq!(put_photo(&admin, &anna, PNG.to_vec()).await.status(), 200);
    let one = format!("/api/v1/counsellors/{anna}");
    let photo = format!("{one}/photo");

    for role in ["hr", "council", "inspector", "prevention"] {
        let api = as_role(&app, &organisation, role);
        for (method, path, body) in [
            (Method::GET, "/api/v1/counsellors", None),
            (Method::POST, "/api/v1/counsellors", Some(anna_profile())),
            (Method::PATCH, one.as_str(), Some(json!({"name": "X"}))),
            (Method::DELETE, one.as_str(), None),
            (Method::GET, photo.as_str(), None),
            (Method::DELETE, photo.as_str(), None),
        ] {
            let response = api.send(method.clone(), path, body).await;
            assert_eq!(response.status(), 403, "{method} {path} as {role}");
        }
        assert_eq!(put_photo(&api, &anna, PNG.to_vec()).await.status(), 403);
    }

    let other = app.add_organisation("Ander BV");
    app.add_member(&other, "admin@ander.nl", Role::Admin);
    let theirs = app.api(&app.token(&other, "admin@ander.nl"));
    let listed: Vec<Value> = theirs.get("/api/v1/counsellors").await;
    assert!(listed.is_empty(), "{listed:?}");
    assert_problem(
        theirs.patch(&one, json!({"name": "Overgenomen"})).await,
        404,
        "not-found",
    )
    .await;
    assert_problem(theirs.delete(&one).await, 404, "not-found").await;
    assert_problem(
        put_photo(&theirs, &anna, PNG.to_vec()).await,
        404,
        "not-found",
    )
    .await;
    assert_problem(
        theirs.send(Method::GET, &photo, None).await,
        404,
        "not-found",
    )
    .await;
    assert_problem(theirs.delete(&photo).await, 404, "not-found").await;
    // Nor through their own public page.
    let their_page = format!("/o/{}/counsellors/{anna}/photo", public_id(&theirs).await);
    assert_eq!(visit(&app, &their_page).await.status(), 404);

    let still: Value = admin
        .send(Method::GET, "/api/v1/counsellors", None)
        .await
        .json::<Vec<Value>>()
        .await
        .unwrap()
        .remove(0);
    assert_eq!(still["name"], "Anna de Vries");
    assert!(still["photo_url"].is_string());
}

#[actix_web::test]
async fn invalid_fields_are_named() {
    let app = spawn_app().await;
    let organisation = organisation_with_every_role(&app);
    let admin = as_role(&app, &organisation, "admin");

    let everything_wrong = admin
        .post(
            "/api/v1/counsellors",
            json!({
                "name": "x".repeat(101),
                "kind": "freelance",
                "gender": "unknown",
                "languages": ["nl", "xx"],
                "phone": "call me",
                "email": "not-an-address",
                "availability": "y".repeat(501),
            }),
        )
        .await;
    let problem = assert_problem(everything_wrong, 422, "validation").await;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "availability",
            "email",
            "gender",
            "kind",
            "languages",
            "name",
            "phone"
        ]
    );

    for (body, field) in [
        (
            json!({"name": "  ", "kind": "internal", "languages": ["nl"]}),
            "name",
        ),
        (
            json!({"name": "A", "kind": "internal", "languages": []}),
            "languages",
        ),
        (
            json!({"name": "A", "kind": "internal", "languages": ["nl"], "phone": "12345"}),
            "phone",
        ),
        (
            json!({"name": "A", "kind": "internal", "languages": ["nl"], "phone": "123456789012345678901"}),
            "phone",
        ),
    ] {
        let response = admin.post("/api/v1/counsellors", body.clone()).await;
        let problem = assert_problem(response, 422, "validation").await;
        assert_eq!(problem["errors"][0]["field"], field, "{body}");
    }

    let anna = id(&create(&admin, anna_profile()).await);
    let path = format!("/api/v1/counsellors/{anna}");
    let bad_change = admin
        .patch(&path, json!({"email": "nope", "languages": []}))
        .await;
    let problem = assert_problem(bad_change, 422, "validation").await;
    assert_eq!(problem["errors"][0]["field"], "email");
    assert_eq!(problem["errors"][1]["field"], "languages");
    // Blank optional text is the same as leaving it out.
    let cleared = admin
        .patch(&path, json!({"phone": "", "availability": " "}))
        .await;
    assert_eq!(cleared.status(), 200);
    let cleared: Value = cleared.json().await.unwrap();
    assert_eq!(cleared["phone"], Value::Null);
    assert_eq!(cleared["availability"], Value::Null);
    assert_problem(
        admin.patch(&path, json!({"nickname": "Ans"})).await,
        422,
        "validation",
    )
    .await;
}

#[actix_web::test]
async fn a_photo_must_be_a_small_jpeg_or_png_and_is_shown_on_the_public_page() {
    let app = spawn_app().await;
    let organisation = organisation_with_every_role(&app);
    let vpo = as_role(&app, &organisation, "vpo");
    let anna = id(&create(&vpo, anna_profile()).await);
    let public_id = public_id(&vpo).await;

    // What counts is the first bytes, not what the sender claims.
    let gif = put_photo(&vpo, &anna, b"GIF89a\x01\x00\x01\x00".to_vec()).await;
    let problem = assert_problem(gif, 422, "validation").await;
    assert_eq!(problem["errors"][0]["field"], "photo");
    let html = put_photo(&vpo, &anna, b"<svg onload=alert(1)>".to_vec()).await;
    assert_problem(html, 422, "validation").await;
    assert_problem(put_photo(&vpo, &anna, Vec::new()).await, 422, "validation").await;
    let mut big = b"\xff\xd8\xff\xe0".to_vec();
    big.resize(1024 * 1024 + 1, 0);
    assert_problem(put_photo(&vpo, &anna, big).await, 413, "payload-too-large").await;
    let mut largest = b"\xff\xd8\xff\xe0".to_vec();
    largest.resize(1024 * 1024, 0);
    assert_eq!(put_photo(&vpo, &anna, largest).await.status(), 200);

    let stored = put_photo(&vpo, &anna, PNG.to_vec()).await;
    assert_eq!(stored.status(), 200);
    let stored: Value = stored.json().await.unwrap();
    let public_path = format!("/o/{public_id}/counsellors/{anna}/photo");
    assert_eq!(stored["photo_url"], app.url(&public_path));

    let own = vpo
        .send(
            Method::GET,
            &format!("/api/v1/counsellors/{anna}/photo"),
            None,
        )
        .await;
    assert_eq!(own.status(), 200);
    assert_eq!(own.headers()["content-type"], "image/png");
    assert_eq!(own.headers()["x-content-type-options"], "nosniff");
    assert_eq!(own.bytes().await.unwrap(), PNG);

    let public = visit(&app, &public_path).await;
    assert_eq!(public.status(), 200);
    assert_eq!(public.headers()["content-type"], "image/png");
    assert_eq!(public.headers()["x-content-type-options"], "nosniff");
    assert_eq!(public.bytes().await.unwrap(), PNG);
    let info = page(&app, &format!("/o/{public_id}/vpo-info?lang=en")).await;
    assert!(
        info.contains(&format!("src=\"{public_path}\"")),
        "the page shows the photo"
    );
    assert!(info.contains("alt=\"Photo of Anna de Vries\""));

    let path = format!("/api/v1/counsellors/{anna}/photo");
    assert_eq!(vpo.delete(&path).await.status(), 204);
    assert_eq!(vpo.delete(&path).await.status(), 204, "already gone");
    assert_problem(vpo.send(Method::GET, &path, None).await, 404, "not-found").await;
    assert_eq!(visit(&app, &public_path).await.status(), 404);
    let info = page(&app, &format!("/o/{public_id}/vpo-info")).await;
    assert!(!info.contains("<img"));
    assert_eq!(
        visit(&app, &format!("/o/unknown/counsellors/{anna}/photo"))
            .await
            .status(),
        404
    );
}

/// What the page explains whether or not counsellors are registered.
const EXPLAINED_NL: [&str; 9] = [
    "Luistert naar uw verhaal",
    "Verwijst u zo nodig door",
    "Gaat als u dat wilt mee naar een gesprek",
    "Bemiddelt niet",
    "Vertelt u niet wat u moet doen",
    "Treedt niet namens u op",
    "fraude of diefstal",
    "wettelijke meldplicht",
    "geen verschoningsrecht",
];
const EXPLAINED_EN: [&str; 9] = [
    "Listens to your story",
    "Refers you to other help",
    "Accompanies you to a conversation",
    "Does not mediate",
    "Does not tell you what you must do",
    "Does not act on your behalf",
    "fraud or theft",
    "legal duty to report",
    "no legal privilege",
];
const ELSEWHERE_NL: [&str; 6] = [
    "De vertrouwenspersoon integriteit",
    "De bedrijfsarts",
    "Een juridisch adviseur",
    "Een psycholoog",
    "Een mediator",
    "De politie",
];
const ELSEWHERE_EN: [&str; 6] = [
    "The integrity counsellor",
    "The company doctor",
    "A legal adviser",
    "A psychologist",
    "A mediator",
    "The police",
];

fn assert_shows(page: &str, texts: &[&str]) {
    for text in texts {
        assert!(page.contains(text), "the page shows {text:?}:\n{page}");
    }
}

#[actix_web::test]
async fn the_information_page_shows_the_counsellors_in_dutch_and_english() {
    let app = spawn_app().await;
    let organisation = organisation_with_every_role(&app);
    let admin = as_role(&app, &organisation, "admin");
    create(&admin, anna_profile()).await;
    create(
        &admin,
        json!({"name": "Bram Jansen", "kind": "internal", "gender": "male", "languages": ["nl", "en"]}),
    )
    .await;
    let path = format!("/o/{}/vpo-info", public_id(&admin).await);

    let dutch = page(&app, &format!("{path}?lang=nl")).await;
    assert!(dutch.contains("<html lang=\"nl\">"));
    assert_shows(
        &dutch,
        &[
            "Vertrouwenspersoon bij Zorg BV",
            "Anna de Vries",
            "Externe vertrouwenspersoon",
            "vrouw",
            "Nederlands, Turks",
            "href=\"tel:+31201234567\">+31 20 123 45 67</a>",
            "href=\"mailto:anna@vertrouwelijk.nl\"",
            "ma–do 9–17 uur",
            "Bram Jansen",
            "Interne vertrouwenspersoon",
            "Nederlands, Engels",
            "U kiest zelf bij wie u terechtgaat",
            "href=\"?lang=en\"",
        ],
    );
    assert_shows(&dutch, &EXPLAINED_NL);
    assert_shows(&dutch, &ELSEWHERE_NL);
    assert!(!dutch.contains("nog) geen vertrouwenspersoon geregistreerd"));

    let english = page(&app, &format!("{path}?lang=en")).await;
    assert!(english.contains("<html lang=\"en\">"));
    assert_shows(
        &english,
        &[
            "Confidential counsellor at Zorg BV",
            "At Zorg BV you can turn to the confidential counsellor",
            "External counsellor",
            "female",
            "Dutch, Turkish",
            "Internal counsellor",
            "male",
            "href=\"?lang=nl\"",
        ],
    );
    assert_shows(&english, &EXPLAINED_EN);
    assert_shows(&english, &ELSEWHERE_EN);

    // Without `?lang=` the browser's language decides.
    let by_browser = browser()
        .get(app.url(&path))
        .header("accept-language", "en-GB,en;q=0.9")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(by_browser.contains("Dutch, Turkish"));
}

#[actix_web::test]
async fn without_counsellors_the_page_says_so_and_still_explains() {
    let app = spawn_app().await;
    let organisation = organisation_with_every_role(&app);
    let path = format!(
        "/o/{}/vpo-info",
        public_id(&as_role(&app, &organisation, "admin")).await
    );

    let dutch = page(&app, &path).await;
    assert_shows(
        &dutch,
        &["Zorg BV heeft (nog) geen vertrouwenspersoon geregistreerd"],
    );
    assert_shows(&dutch, &EXPLAINED_NL);
    assert_shows(&dutch, &ELSEWHERE_NL);
    let english = page(&app, &format!("{path}?lang=en")).await;
    assert_shows(
        &english,
        &["Zorg BV has not registered a confidential counsellor (yet)"],
    );
    assert_shows(&english, &EXPLAINED_EN);
    assert_shows(&english, &ELSEWHERE_EN);
}

/// Whether HR's overview and rounds pages warn that a counsellor is missing.
async fn hr_is_warned(app: &TestApp, hr: &reqwest::Client) -> bool {
    let mut warned = Vec::new();
    for path in ["/", "/rounds"] {
        let response = hr.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        warned.push(response.text().await.unwrap().contains("vpo-missing"));
    }
    assert_eq!(warned[0], warned[1], "both pages agree");
    warned[0]
}

#[actix_web::test]
async fn hr_is_warned_exactly_while_a_counsellor_is_expected_and_none_is_registered() {
    let app = spawn_app().await;
    let organisation = organisation_with_every_role(&app);
    let admin = as_role(&app, &organisation, "admin");
    let hr = app.login("hr@example.nl").await;
    let settings = |body: Value| {
        let admin = &admin;
        async move {
            let response = admin.patch("/api/v1/organisation", body).await;
            assert_eq!(response.status(), 200);
        }
    };

    assert!(!hr_is_warned(&app, &hr).await, "the headcount is unknown");
    settings(json!({"headcount": 9})).await;
    assert!(!hr_is_warned(&app, &hr).await, "below the threshold of 10");
    settings(json!({"headcount": 10})).await;
    assert!(
        hr_is_warned(&app, &hr).await,
        "at the threshold, none registered"
    );
    let home = hr.get(app.url("/?lang=en")).send().await.unwrap();
    let home = home.text().await.unwrap();
    assert!(home.contains("No confidential counsellor registered."));
    assert!(home.contains("href=\"/api/v1/openapi.json\""));

    let anna = id(&create(&admin, anna_profile()).await);
    assert!(!hr_is_warned(&app, &hr).await, "a counsellor is registered");
    let removed = admin.delete(&format!("/api/v1/counsellors/{anna}")).await;
    assert_eq!(removed.status(), 204);
    assert!(hr_is_warned(&app, &hr).await, "none registered again");
    settings(json!({"vpo_threshold": 50})).await;
    assert!(!hr_is_warned(&app, &hr).await, "a higher threshold");

    // A role with no say in it is not told on its overview.
    settings(json!({"vpo_threshold": 10})).await;
    let council = app.login("council@example.nl").await;
    let overview = council.get(app.url("/")).send().await.unwrap();
    assert!(!overview.text().await.unwrap().contains("vpo-missing"));
}
