//! Logging in and out: cookies, CSRF, rate limits.

use crate::helpers::{PASSWORD, browser, csrf_of, spawn_app, spawn_app_with};

#[actix_web::test]
async fn a_login_sets_a_hardened_session_cookie_and_logout_ends_the_session() {
    let app = spawn_app().await;
    app.set_up();
    let client = browser();
    let response = app.try_login(&client, "owner@example.nl", PASSWORD).await;
    assert_eq!(response.status(), 303);
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("psa_session="))
        .expect("session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http: {cookie}");
    let stolen = cookie.split(';').next().unwrap().to_owned();

    let home = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(home.status(), 200);
    let html = home.text().await.unwrap();

    // Logout needs the form's CSRF token.
    let refused = client
        .post(app.url("/logout"))
        .form(&[("csrf", "wrong")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    assert_eq!(
        client.get(app.url("/")).send().await.unwrap().status(),
        200,
        "still logged in"
    );

    let out = client
        .post(app.url("/logout"))
        .form(&[("csrf", csrf_of(&html).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    assert_eq!(client.get(app.url("/")).send().await.unwrap().status(), 303);
    // The old cookie is worthless: the session ended on the server.
    let replay = browser()
        .get(app.url("/api/v1/me"))
        .header("cookie", stolen)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 401);
}

#[actix_web::test]
async fn the_session_cookie_is_secure_when_the_public_url_is_https() {
    let app = spawn_app_with(Some("https://psa.example.nl")).await;
    let response = browser().get(app.url("/login")).send().await.unwrap();
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.contains("Secure"), "{cookie}");
    assert!(response.headers().contains_key("strict-transport-security"));
}

#[actix_web::test]
async fn a_wrong_password_is_refused_without_telling_which_part_was_wrong() {
    let app = spawn_app().await;
    app.set_up();
    let client = browser();
    let wrong = app
        .try_login(&client, "owner@example.nl", "not the password")
        .await;
    assert_eq!(wrong.status(), 401);
    let unknown = app.try_login(&client, "nobody@example.nl", PASSWORD).await;
    assert_eq!(unknown.status(), 401);
    let (a, b) = (wrong.text().await.unwrap(), unknown.text().await.unwrap());
    assert!(a.contains("horen niet bij elkaar") && b.contains("horen niet bij elkaar"));
    assert_eq!(client.get(app.url("/")).send().await.unwrap().status(), 303);
}

#[actix_web::test]
async fn login_without_the_form_token_is_refused() {
    let app = spawn_app().await;
    app.set_up();
    let response = browser()
        .post(app.url("/login"))
        .form(&[("email", "owner@example.nl"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
}

#[actix_web::test]
async fn repeated_failures_on_one_account_are_rate_limited_even_with_the_right_password() {
    let app = spawn_app().await;
    app.set_up();
    let client = browser();
    for _ in 0..5 {
        assert_eq!(
            app.try_login(&client, "owner@example.nl", "wrong password!")
                .await
                .status(),
            401
        );
    }
    let sixth = app
        .try_login(&client, "owner@example.nl", "wrong password!")
        .await;
    assert_eq!(sixth.status(), 429, "the sixth failure waits");
    let limited = app.try_login(&client, "owner@example.nl", PASSWORD).await;
    assert_eq!(limited.status(), 429);
    let wait: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    // Another account from the same address (an office) is not affected.
    app.add_member(
        &psa::db::organisations::list(&mut app.conn()).unwrap()[0].id,
        "hr@example.nl",
        psa::domain::Role::Hr,
    );
    assert_eq!(
        app.try_login(&browser(), "hr@example.nl", PASSWORD)
            .await
            .status(),
        303
    );
}

#[actix_web::test]
async fn pages_redirect_to_login_and_come_back_after() {
    let app = spawn_app().await;
    app.set_up();
    let client = browser();
    let response = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/login?next=%2F");
    let page = client
        .get(app.url("/login?next=/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let response = client
        .post(app.url("/login"))
        .form(&[
            ("csrf", csrf_of(&page).as_str()),
            ("email", "owner@example.nl"),
            ("password", PASSWORD),
            ("next", "//evil.example"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["location"],
        "/",
        "never redirects off-site"
    );
}
