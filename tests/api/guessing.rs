//! Guessing secrets is limited per client address and in total, for invitation links and codes,
//! logins and share links; a legitimate user is held up while a limit holds but never locked out
//! for good. The limits are shortened here (production's are in `GuessLimits::default`); the
//! tests speak from several addresses through a trusted proxy's `X-Forwarded-For`.

use std::time::Duration;

use chrono::Days;
use psa::config::{Allowance, GuessLimits};
use psa::domain::Role;
use serde_json::json;

use crate::exports::closed_round_with_a_hidden_group;
use crate::helpers::{PASSWORD, TestApp, browser, csrf_of, spawn_app_configured};
use crate::rounds::{hr, invite, open_round, token_of};

/// How long the shortened buckets take to refill one failure.
const PERIOD: Duration = Duration::from_millis(300);
/// The same for logins, each of which takes a password hash's time.
const LOGIN_PERIOD: Duration = Duration::from_secs(5);

async fn app() -> TestApp {
    spawn_app_configured(None, |s| {
        s.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
        let a = |burst| Allowance::new(burst, PERIOD);
        s.guess_limits = GuessLimits {
            link_per_address: a(3),
            link_total: a(8),
            share_per_address: a(3),
            share_total: a(8),
            login_per_account: Allowance::new(3, LOGIN_PERIOD),
            login_per_address: Allowance::new(4, LOGIN_PERIOD),
            login_total: Allowance::new(8, LOGIN_PERIOD),
        };
    })
    .await
}

/// Until the buckets have refilled.
async fn wait() {
    tokio::time::sleep(PERIOD * 4).await;
}

/// Until the login buckets have refilled.
async fn wait_to_log_in() {
    tokio::time::sleep(LOGIN_PERIOD + Duration::from_millis(500)).await;
}

/// GET `path` as a client at `address`; the status.
async fn get_from(app: &TestApp, address: &str, path: &str) -> u16 {
    browser()
        .get(app.url(path))
        .header("x-forwarded-for", address)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[actix_web::test]
async fn guessing_links_is_limited_per_address_and_in_total_and_lifts_again() {
    let app = app().await;
    let hr = hr(&app).await;
    let round = open_round(&hr, json!({"name": "R", "questionnaire_id": "psa-basis"})).await;
    let links = invite(&hr, &round, "", 2).await;
    let real = |i: usize| format!("/api/v1/respond/{}", token_of(&links[i]));

    // One address: three wrong guesses, then it waits, even with a real link.
    for i in 0..3 {
        assert_eq!(
            get_from(&app, "10.0.0.1", &format!("/s/guess{i}")).await,
            404
        );
    }
    assert_eq!(
        get_from(&app, "10.0.0.1", "/api/v1/respond/guess").await,
        429
    );
    assert_eq!(get_from(&app, "10.0.0.1", &real(0)).await, 429);
    // Another address is not held up by it.
    assert_eq!(get_from(&app, "10.0.0.2", &real(0)).await, 200);

    // Many addresses together: the total runs out, and then every address waits.
    for address in ["10.0.0.3", "10.0.0.4"] {
        for i in 0..2 {
            assert_eq!(get_from(&app, address, &format!("/s/guess{i}")).await, 404);
        }
    }
    assert_eq!(get_from(&app, "10.0.0.5", "/s/guess").await, 429);
    assert_eq!(
        get_from(&app, "10.0.0.6", &real(1)).await,
        429,
        "a fresh address waits while the total is spent"
    );

    // Not for good: once the buckets refill, the employee answers.
    wait().await;
    assert_eq!(get_from(&app, "10.0.0.6", &real(1)).await, 200);
    assert_eq!(get_from(&app, "10.0.0.1", &real(0)).await, 200);
}

/// Tries to log in as `email` from `address`; the status.
async fn login_from(app: &TestApp, address: &str, email: &str, password: &str) -> u16 {
    let client = browser();
    let page = client.get(app.url("/login")).send().await.unwrap();
    let csrf = csrf_of(&page.text().await.unwrap());
    client
        .post(app.url("/login"))
        .header("x-forwarded-for", address)
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", email),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[actix_web::test]
async fn guessing_a_password_is_limited_per_account_and_the_owner_gets_in_afterwards() {
    let app = app().await;
    app.set_up();
    // Guessed from several addresses: the account's own limit holds.
    for address in ["10.0.1.1", "10.0.1.2", "10.0.1.3"] {
        assert_eq!(
            login_from(&app, address, "owner@example.nl", "wrong guess!").await,
            401
        );
    }
    assert_eq!(
        login_from(&app, "10.0.1.4", "owner@example.nl", "wrong guess!").await,
        429
    );
    assert_eq!(
        login_from(&app, "10.0.1.9", "owner@example.nl", PASSWORD).await,
        429,
        "held up, even with the right password"
    );
    wait_to_log_in().await;
    assert_eq!(
        login_from(&app, "10.0.1.9", "owner@example.nl", PASSWORD).await,
        303
    );
}

#[actix_web::test]
async fn guessing_many_accounts_is_limited_per_address_and_in_total_and_lifts_again() {
    let app = app().await;
    let organisation = app.set_up();
    app.add_member(&organisation, "hr@example.nl", Role::Hr);
    // One address tries four accounts once each; at its fifth failure it waits, whichever
    // account it tries.
    for i in 0..4 {
        let email = format!("guess{i}@example.nl");
        assert_eq!(
            login_from(&app, "10.0.2.1", &email, "wrong guess!").await,
            401
        );
    }
    assert_eq!(
        login_from(&app, "10.0.2.1", "guess4@example.nl", "wrong guess!").await,
        429
    );
    assert_eq!(
        login_from(&app, "10.0.2.1", "hr@example.nl", PASSWORD).await,
        429
    );
    assert_eq!(
        login_from(&app, "10.0.2.2", "hr@example.nl", PASSWORD).await,
        303,
        "another address is not held up"
    );
    // Failures from many addresses together spend the total (eight; five are spent): then
    // everybody waits.
    for (i, address) in ["10.0.2.3", "10.0.2.4", "10.0.2.5"].iter().enumerate() {
        let email = format!("other{i}@example.nl");
        assert_eq!(login_from(&app, address, &email, "wrong guess!").await, 401);
    }
    assert_eq!(
        login_from(&app, "10.0.2.6", "other9@example.nl", "wrong guess!").await,
        429
    );
    assert_eq!(
        login_from(&app, "10.0.2.7", "owner@example.nl", PASSWORD).await,
        429
    );
    wait_to_log_in().await;
    assert_eq!(
        login_from(&app, "10.0.2.7", "owner@example.nl", PASSWORD).await,
        303
    );
    assert_eq!(
        login_from(&app, "10.0.2.1", "hr@example.nl", PASSWORD).await,
        303
    );
}

#[actix_web::test]
async fn guessing_share_links_is_limited_per_address_and_in_total_and_lifts_again() {
    let app = app().await;
    let organisation = app.set_up();
    let hr = app.api(&app.token(&organisation, "owner@example.nl"));
    let round = closed_round_with_a_hidden_group(&app, &hr).await;
    let expires_on = psa::calendar::today()
        .checked_add_days(Days::new(10))
        .unwrap();
    let made = hr
        .post(
            "/api/v1/shares",
            json!({"kind": "read", "round_id": round, "expires_on": expires_on}),
        )
        .await;
    assert_eq!(made.status(), 201);
    let made: serde_json::Value = made.json().await.unwrap();
    let real = made["url"]
        .as_str()
        .unwrap()
        .strip_prefix(&app.address)
        .unwrap()
        .to_owned();

    for i in 0..3 {
        assert_eq!(
            get_from(&app, "10.0.3.1", &format!("/read/guess{i}")).await,
            404
        );
    }
    assert_eq!(get_from(&app, "10.0.3.1", "/read/guess3").await, 429);
    assert_eq!(get_from(&app, "10.0.3.1", &real).await, 429);
    assert_eq!(get_from(&app, "10.0.3.2", &real).await, 200);
    for address in ["10.0.3.3", "10.0.3.4"] {
        for i in 0..2 {
            assert_eq!(
                get_from(&app, address, &format!("/inspect/guess{i}")).await,
                404
            );
        }
    }
    assert_eq!(get_from(&app, "10.0.3.5", "/read/guess").await, 429);
    assert_eq!(get_from(&app, "10.0.3.6", &real).await, 429);
    wait().await;
    assert_eq!(get_from(&app, "10.0.3.6", &real).await, 200);
    assert_eq!(get_from(&app, "10.0.3.1", &real).await, 200);
}
