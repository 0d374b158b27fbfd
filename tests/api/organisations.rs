//! Organisations, members and tokens through the API, scoped to the caller's organisation.

use psa::domain::Role;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, assert_problem, csrf_of, spawn_app};

#[actix_web::test]
async fn the_owner_creates_organisations_and_appoints_their_admins() {
    let app = spawn_app().await;
    let first = app.set_up();
    let owner = app.api(&app.token(&first, "owner@example.nl"));
    let created = owner
        .post(
            "/api/v1/organisations",
            json!({"name": "Ander BV", "headcount": 40, "default_language": "en"}),
        )
        .await;
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    assert_eq!(created["name"], "Ander BV");
    assert_eq!(created["vpo_threshold"], 10);
    assert_eq!(created["expects_vpo"], true);
    assert_eq!(created["public_id"].as_str().unwrap().len(), 22);
    let id = created["id"].as_str().unwrap();

    let duplicate = owner
        .post("/api/v1/organisations", json!({"name": "Ander BV"}))
        .await;
    assert_problem(duplicate, 422, "validation").await;
    let nameless = owner.post("/api/v1/organisations", json!({})).await;
    assert_eq!(
        assert_problem(nameless, 422, "validation").await["errors"][0]["field"],
        "name"
    );

    let admin = owner
        .post(
            &format!("/api/v1/organisations/{id}/admins"),
            json!({"email": "beheer@ander.nl", "password": PASSWORD}),
        )
        .await;
    assert_eq!(admin.status(), 201);
    let missing = owner
        .post(
            "/api/v1/organisations/nope/admins",
            json!({"email": "x@ander.nl", "password": PASSWORD}),
        )
        .await;
    assert_problem(missing, 404, "not-found").await;

    let listed: Vec<Value> = owner.get("/api/v1/organisations").await;
    let names: Vec<&str> = listed.iter().map(|o| o["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Ander BV", "Zorg BV"]);

    // The new admin sees Ander BV, and only it.
    let session = app.login("beheer@ander.nl").await;
    let me: Value = session
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["organisation_id"], id);
    assert_eq!(me["roles"], json!(["admin"]));
    let other = session
        .get(app.url("/api/v1/organisation"))
        .header("X-PSA-Organisation", first.as_str())
        .send()
        .await
        .unwrap();
    assert_problem(other, 403, "forbidden").await;
}

#[actix_web::test]
async fn an_admin_changes_the_settings_and_a_member_reads_them() {
    let app = spawn_app().await;
    let organisation = app.set_up();
    app.add_member(&organisation, "or@example.nl", Role::Council);
    let admin = app.api(&app.token(&organisation, "owner@example.nl"));
    let council = app.api(&app.token(&organisation, "or@example.nl"));
    let changed = admin
        .patch(
            "/api/v1/organisation",
            json!({"headcount": 9, "vpo_threshold": 9, "default_language": "en"}),
        )
        .await;
    assert_eq!(changed.status(), 200);
    let read: Value = council.get("/api/v1/organisation").await;
    assert_eq!(read["headcount"], 9);
    assert_eq!(read["expects_vpo"], true);
    assert_eq!(read["default_language"], "en");
    assert_eq!(read["name"], "Zorg BV", "absent fields keep their value");
    let refused = council
        .patch("/api/v1/organisation", json!({"headcount": 1}))
        .await;
    assert_problem(refused, 403, "forbidden").await;
}

#[actix_web::test]
async fn admins_manage_members_but_never_remove_the_last_admin() {
    let app = spawn_app().await;
    let organisation = app.set_up();
    let admin = app.api(&app.token(&organisation, "owner@example.nl"));
    let added = admin
        .post(
            "/api/v1/members",
            json!({"email": "VPO@example.nl", "role": "vpo", "password": PASSWORD}),
        )
        .await;
    assert_eq!(added.status(), 201);
    let added: Value = added.json().await.unwrap();
    assert_eq!(added["email"], "vpo@example.nl");
    let no_password = admin
        .post(
            "/api/v1/members",
            json!({"email": "new@example.nl", "role": "hr"}),
        )
        .await;
    assert_eq!(
        assert_problem(no_password, 422, "validation").await["errors"][0]["field"],
        "password"
    );
    let bad_role = admin
        .post(
            "/api/v1/members",
            json!({"email": "new@example.nl", "role": "owner", "password": PASSWORD}),
        )
        .await;
    assert_problem(bad_role, 422, "validation").await;

    let members: Vec<Value> = admin.get("/api/v1/members").await;
    assert_eq!(members.len(), 2);
    let owner = members
        .iter()
        .find(|m| m["email"] == "owner@example.nl")
        .unwrap();
    let last_admin = admin
        .delete(&format!(
            "/api/v1/members/{}/roles/admin",
            owner["user_id"].as_str().unwrap()
        ))
        .await;
    assert_problem(last_admin, 409, "conflict").await;
    let vpo_role = format!(
        "/api/v1/members/{}/roles/vpo",
        added["user_id"].as_str().unwrap()
    );
    assert_eq!(admin.delete(&vpo_role).await.status(), 204);
    assert_problem(admin.delete(&vpo_role).await, 404, "not-found").await;
}

#[actix_web::test]
async fn tokens_are_bound_to_one_organisation_shown_once_and_revocable() {
    let app = spawn_app().await;
    let organisation = app.set_up();
    let other = app.add_organisation("Ander BV");
    app.add_member(&other, "owner@example.nl", Role::Hr);
    let session = app.login("owner@example.nl").await;
    let csrf = app.csrf_header(&session).await;

    let without_csrf = session
        .post(app.url("/api/v1/tokens"))
        .json(&json!({"label": "script"}))
        .send()
        .await
        .unwrap();
    assert_problem(without_csrf, 403, "csrf").await;
    let created = session
        .post(app.url("/api/v1/tokens"))
        .header("X-CSRF-Token", &csrf)
        .header("X-PSA-Organisation", organisation.as_str())
        .json(&json!({"label": "script"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("psa_"));

    let program = app.api(&secret);
    let me: Value = program.get("/api/v1/me").await;
    assert_eq!(me["organisation_id"], organisation.as_str());
    assert!(
        me.get("csrf_token").is_none(),
        "token callers need no CSRF token"
    );
    let elsewhere = program
        .request(reqwest::Method::GET, "/api/v1/me")
        .header("X-PSA-Organisation", other.as_str())
        .send()
        .await
        .unwrap();
    assert_problem(elsewhere, 403, "forbidden").await;

    let listed: Vec<Value> = program.get("/api/v1/tokens").await;
    assert_eq!(listed.len(), 1);
    assert!(
        listed[0].get("secret").is_none(),
        "the secret is never shown again"
    );
    assert!(
        !serde_json::to_string(&listed)
            .unwrap()
            .contains(&secret[4..])
    );

    let id = created["token"]["id"].as_str().unwrap();
    assert_eq!(
        program
            .delete(&format!("/api/v1/tokens/{id}"))
            .await
            .status(),
        204
    );
    let after = program.send(reqwest::Method::GET, "/api/v1/me", None).await;
    assert_problem(after, 401, "unauthenticated").await;
}

#[actix_web::test]
async fn a_session_switches_organisation_by_header_or_by_the_page() {
    let app = spawn_app().await;
    let first = app.set_up();
    let other = app.add_organisation("Ander BV");
    app.add_member(&other, "owner@example.nl", Role::Council);
    let session = app.login("owner@example.nl").await;
    let me = |header: Option<String>| {
        let mut request = session.get(app.url("/api/v1/me"));
        if let Some(id) = header {
            request = request.header("X-PSA-Organisation", id);
        }
        request.send()
    };
    let default: Value = me(None).await.unwrap().json().await.unwrap();
    assert_eq!(
        default["organisation_id"],
        other.as_str(),
        "first by name: Ander BV"
    );
    let chosen: Value = me(Some(first.to_string()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(chosen["roles"], json!(["admin", "hr"]));
    assert_problem(me(Some("unknown".into())).await.unwrap(), 403, "forbidden").await;

    let home = session
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("Zorg BV") && home.contains("Ander BV"));
    let switch = |organisation: String| {
        session
            .post(app.url("/organisation/switch"))
            .form(&[("csrf", csrf_of(&home)), ("organisation", organisation)])
            .send()
    };
    assert_eq!(switch(first.to_string()).await.unwrap().status(), 303);
    let now: Value = me(None).await.unwrap().json().await.unwrap();
    assert_eq!(now["organisation_id"], first.as_str());
    assert_eq!(switch("somebody-else".into()).await.unwrap().status(), 403);
}
