//! First start: the one-time setup link creates the owner and the first organisation.

use crate::helpers::{PASSWORD, browser, csrf_of, spawn_app};

#[actix_web::test]
async fn the_setup_link_creates_the_owner_and_first_organisation_once() {
    let app = spawn_app().await;
    let link = app
        .setup_link
        .clone()
        .expect("an empty database prints a setup link");
    assert!(
        link.starts_with(&app.address),
        "{link} uses the public address"
    );
    let client = browser();
    let page = client.get(&link).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    let token = link.split("token=").nth(1).unwrap();
    let response = client
        .post(app.url("/setup"))
        .form(&[
            ("csrf", csrf_of(&html).as_str()),
            ("token", token),
            ("organisation", "Zorg BV"),
            ("email", "Eigenaar@Example.nl"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/");

    // Logged in at once: owner, admin and hr of the new organisation.
    let me: serde_json::Value = client
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], "eigenaar@example.nl");
    assert_eq!(me["is_owner"], true);
    assert_eq!(me["roles"], serde_json::json!(["admin", "hr"]));
    assert_eq!(me["memberships"][0]["organisation_name"], "Zorg BV");
    let home = client
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        home.contains("Zorg BV") && home.contains("beheerder"),
        "{home}"
    );

    // The link stops working.
    assert_eq!(browser().get(&link).send().await.unwrap().status(), 404);
    let again = client
        .post(app.url("/setup"))
        .form(&[
            ("csrf", csrf_of(&home).as_str()),
            ("token", token),
            ("organisation", "Tweede BV"),
            ("email", "indringer@example.nl"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 404);
    let users = psa::db::accounts::list_users(&mut app.conn()).unwrap();
    assert_eq!(users.len(), 1, "no second owner");
}

#[actix_web::test]
async fn a_wrong_setup_token_shows_the_same_page_as_a_used_one() {
    let app = spawn_app().await;
    let response = browser()
        .get(app.url("/setup?token=guess"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert!(response.text().await.unwrap().contains("instellingslink"));
    let response = browser().get(app.url("/setup")).send().await.unwrap();
    assert_eq!(response.status(), 404);
}

#[actix_web::test]
async fn invalid_setup_fields_are_named_and_nothing_is_created() {
    let app = spawn_app().await;
    let link = app.setup_link.clone().unwrap();
    let client = browser();
    let html = client
        .get(&link)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let response = client
        .post(app.url("/setup"))
        .header("Accept-Language", "en")
        .form(&[
            ("csrf", csrf_of(&html).as_str()),
            ("token", link.split("token=").nth(1).unwrap()),
            ("organisation", "  "),
            ("email", "not-an-address"),
            ("password", "short"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    for message in [
        "valid e-mail address",
        "12 to 1024 characters",
        "at most 200 characters",
    ] {
        assert!(page.contains(message), "{message} in {page}");
    }
    assert!(page.contains("not-an-address"), "typed values are kept");
    assert!(!psa::db::accounts::is_set_up(&mut app.conn()).unwrap());
}

#[actix_web::test]
async fn setup_without_the_form_token_is_refused() {
    let app = spawn_app().await;
    let link = app.setup_link.clone().unwrap();
    let response = browser()
        .post(app.url("/setup"))
        .form(&[
            ("token", link.split("token=").nth(1).unwrap()),
            ("organisation", "Zorg BV"),
            ("email", "a@example.nl"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(!psa::db::accounts::is_set_up(&mut app.conn()).unwrap());
}
