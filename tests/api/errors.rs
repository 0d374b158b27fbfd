//! A client's mistakes get a clear 4xx in the right shape, never a 500 or a panic.

use crate::helpers::{TestDatabase, assert_problem, browser, spawn_app, spawn_app_on};

#[actix_web::test]
async fn malformed_requests_get_problem_documents() {
    let app = spawn_app().await;
    let organisation = app.set_up();
    let token = app.token(&organisation, "owner@example.nl");
    let client = browser();
    let post = |body: &'static str, content_type: &'static str| {
        client
            .patch(app.url("/api/v1/organisation"))
            .bearer_auth(&token)
            .header("content-type", content_type)
            .body(body)
    };
    assert_problem(
        post("{not json", "application/json").send().await.unwrap(),
        400,
        "bad-request",
    )
    .await;
    assert_problem(
        post("name=x", "text/plain").send().await.unwrap(),
        415,
        "unsupported-media-type",
    )
    .await;
    let problem = assert_problem(
        post(r#"{"headcount": "many"}"#, "application/json")
            .send()
            .await
            .unwrap(),
        422,
        "validation",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "body");
    assert_problem(
        post(r#"{"colour": "red"}"#, "application/json")
            .send()
            .await
            .unwrap(),
        422,
        "validation",
    )
    .await;

    let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let response = client
        .patch(app.url("/api/v1/organisation"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(nested)
        .send()
        .await
        .unwrap();
    assert_problem(response, 413, "payload-too-large").await;
    // Deeper than the parser's recursion limit: refused as a client error, never a crash.
    let deep = format!(r#"{{"name": {}{}}}"#, "[".repeat(5_000), "]".repeat(5_000));
    let response = client
        .patch(app.url("/api/v1/organisation"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(deep)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    assert!(status == 400 || status == 422, "{status}");
    assert_problem(
        response,
        status,
        if status == 400 {
            "bad-request"
        } else {
            "validation"
        },
    )
    .await;
}

#[actix_web::test]
async fn validation_problems_name_every_offending_field() {
    let app = spawn_app().await;
    let organisation = app.set_up();
    let token = app.token(&organisation, "owner@example.nl");
    let response = browser()
        .patch(app.url("/api/v1/organisation"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"name": "", "headcount": 0, "vpo_threshold": -1}))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(response, 422, "validation").await;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["headcount", "name", "vpo_threshold"]);
}

#[actix_web::test]
async fn unknown_routes_and_methods_answer_in_the_audiences_shape() {
    let app = spawn_app().await;
    let client = browser();
    assert_problem(
        client
            .get(app.url("/api/v1/nothing-here"))
            .send()
            .await
            .unwrap(),
        404,
        "not-found",
    )
    .await;
    assert_problem(
        client.put(app.url("/api/v1/me")).send().await.unwrap(),
        405,
        "method-not-allowed",
    )
    .await;
    assert_problem(
        client.delete(app.url("/healthz")).send().await.unwrap(),
        405,
        "method-not-allowed",
    )
    .await;
    let page = client
        .get(app.url("/nothing-here"))
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 404);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Not found") && html.contains("lang=\"en\""),
        "{html}"
    );
    let dutch = client
        .get(app.url("/nothing-here"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(dutch.contains("Niet gevonden"));
}

#[actix_web::test]
async fn bad_path_parameters_and_credentials_are_client_errors() {
    let app = spawn_app().await;
    let organisation = app.set_up();
    let admin = app.api(&app.token(&organisation, "owner@example.nl"));
    assert_problem(
        admin.delete("/api/v1/members/x/roles/emperor").await,
        404,
        "not-found",
    )
    .await;
    let basic = browser()
        .get(app.url("/api/v1/me"))
        .header("authorization", "Basic b3duZXI6cHc=")
        .send()
        .await
        .unwrap();
    assert_problem(basic, 401, "unauthenticated").await;
    let forged = app
        .api("psa_forged")
        .send(reqwest::Method::GET, "/api/v1/me", None)
        .await;
    assert_problem(forged, 401, "unauthenticated").await;
}

#[actix_web::test]
async fn every_answer_carries_the_security_headers_and_pages_have_no_inline_script() {
    let app = spawn_app().await;
    for path in ["/login", "/healthz", "/api/v1/openapi.json", "/nothing"] {
        let response = browser().get(app.url(path)).send().await.unwrap();
        let headers = response.headers();
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("default-src 'none'") && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["referrer-policy"], "no-referrer");
        assert_eq!(headers["x-frame-options"], "DENY");
        assert!(headers.contains_key("x-request-id"));
    }
    let mut pending = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates")];
    let mut read = 0;
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for forbidden in ["<script", "style=", "onclick", "onload", "javascript:"] {
                assert!(
                    !text.contains(forbidden),
                    "{} contains {forbidden}",
                    path.display()
                );
            }
            read += 1;
        }
    }
    assert!(read > 10, "{read} templates");
}

#[actix_web::test]
async fn health_and_readiness_report_on_the_database() {
    let app = spawn_app().await;
    let health = browser().get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(
        browser()
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    psa::db::migrations::revert_all(&mut app.conn()).unwrap();
    let response = browser().get(app.url("/readyz")).send().await.unwrap();
    let problem = assert_problem(response, 503, "unavailable").await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("temporarily unavailable")
    );
    assert_eq!(
        browser()
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[actix_web::test]
async fn after_the_database_drops_its_connections_the_service_recovers_by_itself() {
    let Some(database) = TestDatabase::postgres_only(
        "after_the_database_drops_its_connections_the_service_recovers_by_itself",
    ) else {
        return;
    };
    let app = spawn_app_on(database, None, |_| {}).await;
    let organisation = app.set_up();
    let public_id = psa::db::organisations::get(&mut app.conn(), &organisation)
        .unwrap()
        .unwrap()
        .public_id;
    let page = app.url(&format!("/o/{public_id}/vpo-info"));
    let get = || async { browser().get(&page).send().await.unwrap().status() };
    // Several pooled connections, all in use at once.
    for status in futures_util::future::join_all((0..8).map(|_| get())).await {
        assert_eq!(status, 200);
    }
    app._database.terminate_connections();
    // Each connection that was lost fails the one request that finds it so (503), and is not
    // pooled again; then every request succeeds on a new one. The pool holds at most 8.
    let mut failed = 0;
    loop {
        match get().await.as_u16() {
            200 => break,
            status => assert_eq!(status, 503),
        }
        failed += 1;
        assert!(failed <= 8, "still failing after {failed} requests");
    }
    for _ in 0..20 {
        assert_eq!(get().await, 200);
    }
}
