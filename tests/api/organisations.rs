//! Organisations, members and tokens through the API, scoped to the caller's organisation.

use psa::domain::Role;
use serde_json::json;

use crate::helpers::{PASSWORD, assert_problem, browser, spawn_app};

#[actix_web::test]
async fn the_owner_creates_organisations_and_appoints_their_admins() {
    let app = spawn_app().await;
    let first = app.set_up();
    let owner = app.token(&first, "owner@example.nl");
    let client = browser();
    let created = client
        .post(app.url("/api/v1/organisations"))
        .bearer_auth(&owner)
        .json(&json!({"name": "Ander BV", "headcount": 40, "default_language": "en"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let created: serde_json::Value = created.json().await.unwrap();
    assert_eq!(created["name"], "Ander BV");
    assert_eq!(created["vpo_threshold"], 10);
    assert_eq!(created["expects_vpo"], true);
    assert_eq!(created["public_id"].as_str().unwrap().len(), 22);
    let id = created["id"].as_str().unwrap();

    let duplicate = client
        .post(app.url("/api/v1/organisations"))
        .bearer_auth(&owner)
        .json(&json!({"name": "Ander BV"}))
        .send()
        .await
        .unwrap();
    assert_problem(duplicate, 422, "validation").await;
    let nameless = client
        .post(app.url("/api/v1/organisations"))
        .bearer_auth(&owner)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        assert_problem(nameless, 422, "validation").await["errors"][0]["field"],
        "name"
    );

    let admin = client
        .post(app.url(&format!("/api/v1/organisations/{id}/admins")))
        .bearer_auth(&owner)
        .json(&json!({"email": "beheer@ander.nl", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(admin.status(), 201);
    let missing = client
        .post(app.url("/api/v1/organisations/nope/admins"))
        .bearer_auth(&owner)
        .json(&json!({"email": "x@ander.nl", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_problem(missing, 404, "not-found").await;

    let listed: Vec<serde_json::Value> = client
        .get(app.url("/api/v1/organisations"))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = listed.iter().map(|o| o["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Ander BV", "Zorg BV"]);

    // The new admin sees Ander BV, and only it.
    let session = app.login("beheer@ander.nl").await;
    let me: serde_json::Value = session
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
    let admin = app.token(&organisation, "owner@example.nl");
    let council = app.token(&organisation, "or@example.nl");
    let client = browser();
    let changed = client
        .patch(app.url("/api/v1/organisation"))
        .bearer_auth(&admin)
        .json(&json!({"headcount": 9, "vpo_threshold": 9, "default_language": "en"}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200);
    let read: serde_json::Value = client
        .get(app.url("/api/v1/organisation"))
        .bearer_auth(&council)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(read["headcount"], 9);
    assert_eq!(read["expects_vpo"], true);
    assert_eq!(read["default_language"], "en");
    assert_eq!(read["name"], "Zorg BV", "absent fields keep their value");
    let refused = client
        .patch(app.url("/api/v1/organisation"))
        .bearer_auth(&council)
        .json(&json!({"headcount": 1}))
        .send()
        .await
        .unwrap();
    assert_problem(refused, 403, "forbidden").await;
}

#[actix_web::test]
async fn admins_manage_members_but_never_remove_the_last_admin() {
    let app = spawn_app().await;
    let organisation = app.set_up();
    let admin = app.token(&organisation, "owner@example.nl");
    let client = browser();
    let added = client
        .post(app.url("/api/v1/members"))
        .bearer_auth(&admin)
        .json(&json!({"email": "VPO@example.nl", "role": "vpo", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 201);
    let added: serde_json::Value = added.json().await.unwrap();
    assert_eq!(added["email"], "vpo@example.nl");
    let no_password = client
        .post(app.url("/api/v1/members"))
        .bearer_auth(&admin)
        .json(&json!({"email": "new@example.nl", "role": "hr"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        assert_problem(no_password, 422, "validation").await["errors"][0]["field"],
        "password"
    );
    let bad_role = client
        .post(app.url("/api/v1/members"))
        .bearer_auth(&admin)
        .json(&json!({"email": "new@example.nl", "role": "owner", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_problem(bad_role, 422, "validation").await;

    let members: Vec<serde_json::Value> = client
        .get(app.url("/api/v1/members"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(members.len(), 2);
    let owner_id = members
        .iter()
        .find(|m| m["email"] == "owner@example.nl")
        .unwrap()["user_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let last_admin = client
        .delete(app.url(&format!("/api/v1/members/{owner_id}/roles/admin")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_problem(last_admin, 409, "conflict").await;
    let vpo_id = added["user_id"].as_str().unwrap();
    let removed = client
        .delete(app.url(&format!("/api/v1/members/{vpo_id}/roles/vpo")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), 204);
    let again = client
        .delete(app.url(&format!("/api/v1/members/{vpo_id}/roles/vpo")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_problem(again, 404, "not-found").await;
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
    let created: serde_json::Value = created.json().await.unwrap();
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("psa_"));

    let client = browser();
    let me: serde_json::Value = client
        .get(app.url("/api/v1/me"))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["organisation_id"], organisation.as_str());
    assert!(
        me.get("csrf_token").is_none(),
        "token callers need no CSRF token"
    );
    let elsewhere = client
        .get(app.url("/api/v1/me"))
        .bearer_auth(&secret)
        .header("X-PSA-Organisation", other.as_str())
        .send()
        .await
        .unwrap();
    assert_problem(elsewhere, 403, "forbidden").await;

    let listed: Vec<serde_json::Value> = client
        .get(app.url("/api/v1/tokens"))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
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
    let revoked = client
        .delete(app.url(&format!("/api/v1/tokens/{id}")))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 204);
    let after = client
        .get(app.url("/api/v1/me"))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
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
    let default: serde_json::Value = me(None).await.unwrap().json().await.unwrap();
    assert_eq!(
        default["organisation_id"],
        other.as_str(),
        "first by name: Ander BV"
    );
    let chosen: serde_json::Value = me(Some(first.to_string()))
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
    let csrf = crate::helpers::csrf_of(&home);
    let switched = session
        .post(app.url("/organisation/switch"))
        .form(&[("csrf", csrf.as_str()), ("organisation", first.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(switched.status(), 303);
    let now: serde_json::Value = me(None).await.unwrap().json().await.unwrap();
    assert_eq!(now["organisation_id"], first.as_str());
    let foreign = session
        .post(app.url("/organisation/switch"))
        .form(&[("csrf", csrf.as_str()), ("organisation", "somebody-else")])
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 403);
}
