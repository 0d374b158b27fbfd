//! Read-only shares: an inspector's link to a round's exports, the employees' link to the results
//! summary and the plan, an inspector account that reaches only the rounds shared with it, and
//! the log of every access. Expired and revoked shares answer 410, unknown links 404 until the
//! limiter answers 429.

use chrono::{Days, NaiveDate};
use diesel::prelude::*;
use psa::db::schema::shares as shares_table;
use psa::domain::{OrganisationId, Role};
use serde_json::{Value, json};

use crate::exports::closed_round_with_a_hidden_group;
use crate::helpers::{Api, TestApp, assert_problem, browser, csrf_of, spawn_app};
use crate::rounds::{answer, import, invite, open_round, token_of, unit_id};

fn in_days(days: u64) -> NaiveDate {
    psa::calendar::today()
        .checked_add_days(Days::new(days))
        .unwrap()
}

/// HR of "Zorg BV" and a closed round of it in which unit B is hidden.
async fn with_a_closed_round(app: &TestApp) -> (Api, OrganisationId, String) {
    let organisation = app.set_up();
    let hr = app.api(&app.token(&organisation, "owner@example.nl"));
    let round = closed_round_with_a_hidden_group(app, &hr).await;
    (hr, organisation, round)
}

/// A closed round over one unit with five answers.
async fn closed_round_over(app: &TestApp, hr: &Api, unit: &str, name: &str) -> String {
    let round = open_round(
        hr,
        json!({"name": name, "questionnaire_id": "psa-basis", "min_group_size": 5, "unit_ids": [unit]}),
    )
    .await;
    for link in invite(hr, &round, unit, 5).await {
        let body = json!({"items": {"pe1": 1, "pe2": 1, "pe3": 1, "pe4": 1, "pe5": 1}});
        assert_eq!(answer(app, &token_of(&link), body).await.status(), 201);
    }
    let id = round["id"].as_str().unwrap().to_owned();
    let closed = hr
        .post(&format!("/api/v1/rounds/{id}/close"), json!({}))
        .await;
    assert_eq!(closed.status(), 200);
    id
}

/// The id of a new export of `round`.
async fn export(hr: &Api, round: &str) -> String {
    let made = hr
        .post(&format!("/api/v1/rounds/{round}/exports"), json!({}))
        .await;
    assert_eq!(made.status(), 201);
    let export: Value = made.json().await.unwrap();
    export["id"].as_str().unwrap().to_owned()
}

/// Shares `round`; the answer's body.
async fn share(hr: &Api, body: Value) -> Value {
    let made = hr.post("/api/v1/shares", body).await;
    assert_eq!(made.status(), 201);
    made.json().await.unwrap()
}

/// The path of a link share's URL.
fn path_of(app: &TestApp, created: &Value) -> String {
    let url = created["url"].as_str().expect("a link share has a URL");
    url.strip_prefix(&app.address)
        .unwrap_or_else(|| panic!("{url} is on the public address"))
        .to_owned()
}

async fn get(app: &TestApp, path: &str) -> reqwest::Response {
    browser().get(app.url(path)).send().await.unwrap()
}

async fn bytes(response: reqwest::Response) -> Vec<u8> {
    assert_eq!(response.status(), 200, "{}", response.url());
    response.bytes().await.unwrap().to_vec()
}

async fn not_found(response: reqwest::Response) {
    assert_problem(response, 404, "not-found").await;
}

/// A page's text, as `client` sees it.
async fn text(client: &reqwest::Client, url: &str) -> String {
    let response = client.get(url).send().await.unwrap();
    response.text().await.unwrap()
}

async fn access_log(hr: &Api) -> Vec<Value> {
    let log: Value = hr.get("/api/v1/access-log?per_page=200").await;
    log["entries"].as_array().unwrap().clone()
}

fn logged(entries: &[Value], actor: &str, what: &str) -> bool {
    entries
        .iter()
        .any(|e| e["actor"] == actor && e["what"] == what && e["at"].is_string())
}

#[actix_web::test]
async fn an_inspector_link_opens_exactly_that_rounds_exports_until_revoked() {
    let app = spawn_app().await;
    let (hr, _, round) = with_a_closed_round(&app).await;
    let units: Vec<Value> = hr.get("/api/v1/units").await;
    let other_round = closed_round_over(&app, &hr, unit_id(&units, "A"), "PSA 2027").await;
    let ours = export(&hr, &round).await;
    let theirs = export(&hr, &other_round).await;

    let created = share(
        &hr,
        json!({"kind": "inspect", "round_id": round, "expires_on": in_days(30), "label": "Inspectie"}),
    )
    .await;
    let id = created["share"]["id"].as_str().unwrap().to_owned();
    assert_eq!(created["share"]["state"], "live");
    let link = path_of(&app, &created);
    let secret = link.strip_prefix("/inspect/").unwrap().to_owned();
    assert!(secret.len() >= 40, "a long random secret: {secret}");

    // Listed without the secret; stored only as its hash.
    let listed: Value = hr.get("/api/v1/shares").await;
    assert_eq!(listed[0]["id"], id.as_str());
    assert!(!listed.to_string().contains(&secret));
    let stored: Option<String> = shares_table::table
        .filter(shares_table::id.eq(&id))
        .select(shares_table::secret_hash)
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(stored, Some(psa::secret::sha256_hex(&secret)));

    let page = get(&app, &link).await;
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    assert!(
        page.headers()["x-robots-tag"]
            .to_str()
            .unwrap()
            .contains("noindex")
    );
    assert!(page.headers().get("set-cookie").is_none(), "no cookie");
    let html = page.text().await.unwrap();
    assert!(html.contains("<meta name=\"robots\" content=\"noindex, nofollow\">"));
    assert!(
        html.contains(&format!("{link}/files/{ours}.json")),
        "{html}"
    );
    assert!(html.contains(&format!("{link}/files/{ours}.json.sig")));
    assert!(html.contains("/api/v1/signing-key"));
    assert!(!html.contains(&theirs), "only the shared round's exports");
    assert!(
        !html.contains("/rounds/"),
        "nothing else of the organisation"
    );

    // The same bytes as HR downloads, signature included.
    for file in [format!("{ours}.json"), format!("{ours}.json.sig")] {
        let by_share = bytes(get(&app, &format!("{link}/files/{file}")).await).await;
        let by_hr = bytes(
            hr.send(
                reqwest::Method::GET,
                &format!("/api/v1/exports/{file}"),
                None,
            )
            .await,
        )
        .await;
        assert_eq!(by_share, by_hr, "{file}");
    }
    for missing in [
        format!("{theirs}.json"),
        format!("{ours}.docx"),
        "nothing.json".to_owned(),
    ] {
        let refused = get(&app, &format!("{link}/files/{missing}")).await;
        assert_eq!(refused.status(), 404, "{missing}");
    }

    let entries = access_log(&hr).await;
    let actor = format!("share:{id}");
    assert!(logged(&entries, &actor, "inspect page"), "{entries:?}");
    assert!(logged(&entries, &actor, &format!("export {ours}.json")));
    assert!(logged(&entries, &actor, &format!("export {ours}.json.sig")));
    assert_eq!(entries.len(), 3, "HR's own downloads are not logged");
    assert!(!serde_json::to_string(&entries).unwrap().contains(&secret));

    let revoked = hr.delete(&format!("/api/v1/shares/{id}")).await;
    assert_eq!(revoked.status(), 204);
    let again = hr.delete(&format!("/api/v1/shares/{id}")).await;
    assert_eq!(again.status(), 204, "revoking twice changes nothing");
    let gone = get(&app, &link).await;
    assert_eq!(gone.status(), 410);
    assert!(
        gone.headers()["x-robots-tag"]
            .to_str()
            .unwrap()
            .contains("noindex")
    );
    assert!(gone.text().await.unwrap().contains("ingetrokken"));
    let file = get(&app, &format!("{link}/files/{ours}.json")).await;
    assert_eq!(file.status(), 410);
    let listed: Value = hr.get("/api/v1/shares").await;
    assert_eq!(listed[0]["state"], "revoked");
    assert!(listed[0]["revoked_at"].is_string());
    not_found(hr.delete("/api/v1/shares/nosuchshare").await).await;
}

#[actix_web::test]
async fn employees_read_the_results_summary_and_the_plan_without_hidden_figures_or_controls() {
    let app = spawn_app().await;
    let (hr, _, round) = with_a_closed_round(&app).await;
    let item = hr
        .post(
            "/api/v1/plan/items",
            json!({"category": "werkdruk", "measure": "Extra bezetting op piekdagen",
                   "level": "source", "priority": 4, "signal": "vpo"}),
        )
        .await;
    assert_eq!(item.status(), 201);
    let created = share(
        &hr,
        json!({"kind": "read", "round_id": round, "expires_on": in_days(0)}),
    )
    .await;
    let link = path_of(&app, &created);
    assert!(link.starts_with("/read/"), "{link}");

    let page = get(&app, &link).await;
    assert_eq!(page.status(), 200);
    assert!(page.headers().get("set-cookie").is_none());
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    let html = page.text().await.unwrap();
    assert!(html.contains("PSA 2026") && html.contains("Zorg BV"));
    assert!(html.contains("Extra bezetting op piekdagen"), "the plan");
    assert!(html.contains("Plan van aanpak"));
    assert!(html.contains("noindex"));
    assert!(html.contains("28,6%"), "A's 2 of 7 exposed: {html}");
    // B (2 of 3 exposed) is hidden: no figure of it in either notation, but the notice.
    for hidden in ["66,7", "66.7", "66,6", "66.6"] {
        assert!(!html.contains(hidden), "{hidden} leaked");
    }
    assert!(html.contains("minder dan 5"), "the hidden notice: {html}");
    assert!(!html.contains("<form"), "nothing to change or sign off");
    assert!(!html.contains("/plan/items/") && !html.contains("/api/v1/"));

    let english = get(&app, &format!("{link}?lang=en")).await;
    let html = english.text().await.unwrap();
    assert!(html.contains("Plan of action") && html.contains("28.6%"));

    // A read link opens no exports, and an inspect link no results.
    let secret = link.strip_prefix("/read/").unwrap();
    assert_eq!(get(&app, &format!("/inspect/{secret}")).await.status(), 404);
    let inspect = share(
        &hr,
        json!({"kind": "inspect", "round_id": round, "expires_on": in_days(1)}),
    )
    .await;
    let inspect = path_of(&app, &inspect);
    let secret = inspect.strip_prefix("/inspect/").unwrap();
    assert_eq!(get(&app, &format!("/read/{secret}")).await.status(), 404);

    let id = created["share"]["id"].as_str().unwrap();
    assert!(logged(
        &access_log(&hr).await,
        &format!("share:{id}"),
        "read page"
    ));
}

#[actix_web::test]
async fn expired_and_unknown_links_answer_410_and_404_and_guessing_ends_in_429() {
    let app = spawn_app().await;
    let (hr, _, round) = with_a_closed_round(&app).await;
    let created = share(
        &hr,
        json!({"kind": "read", "round_id": round, "expires_on": in_days(10)}),
    )
    .await;
    let link = path_of(&app, &created);
    assert_eq!(get(&app, &link).await.status(), 200);
    let id = created["share"]["id"].as_str().unwrap();
    diesel::update(shares_table::table.filter(shares_table::id.eq(id)))
        .set(shares_table::expires_on.eq(psa::calendar::today().pred_opt().unwrap()))
        .execute(&mut *app.conn())
        .unwrap();
    let expired = get(&app, &link).await;
    assert_eq!(expired.status(), 410);
    let html = expired.text().await.unwrap();
    assert!(
        html.contains("verlopen") && html.contains("noindex"),
        "{html}"
    );
    let listed: Value = hr.get("/api/v1/shares").await;
    assert_eq!(listed[0]["state"], "expired");

    let unknown = get(&app, "/read/not-a-share").await;
    assert_eq!(unknown.status(), 404);
    let html = unknown.text().await.unwrap();
    assert!(html.contains("Link niet gevonden"), "{html}");
    let mut statuses = Vec::new();
    for i in 0..40 {
        let path = if i % 2 == 0 {
            format!("/inspect/guess{i}")
        } else {
            format!("/read/guess{i}")
        };
        statuses.push(get(&app, &path).await.status().as_u16());
    }
    let first_refusal = statuses.iter().position(|&s| s == 429);
    assert!(first_refusal.is_some(), "guessing is limited: {statuses:?}");
    assert!(statuses[..first_refusal.unwrap()].iter().all(|&s| s == 404));
    let blocked = get(&app, "/read/another-guess").await;
    assert_eq!(blocked.status(), 429);
    assert!(blocked.headers().contains_key("retry-after"));
}

#[actix_web::test]
async fn an_inspector_account_reaches_only_the_rounds_shared_with_it() {
    let app = spawn_app().await;
    let (hr, organisation, round) = with_a_closed_round(&app).await;
    let units: Vec<Value> = hr.get("/api/v1/units").await;
    let other_round = closed_round_over(&app, &hr, unit_id(&units, "C"), "PSA 2027").await;
    let ours = export(&hr, &round).await;
    let theirs = export(&hr, &other_round).await;
    app.add_member(&organisation, "inspecteur@example.nl", Role::Inspector);
    app.add_member(&organisation, "or@example.nl", Role::Council);
    let inspector = app.api(&app.token(&organisation, "inspecteur@example.nl"));
    let fetch = |path: String| {
        let inspector = &inspector;
        async move { inspector.send(reqwest::Method::GET, &path, None).await }
    };
    let chart = |round: &str| format!("/api/v1/rounds/{round}/charts/heatmap.svg");

    // Nothing is shared yet.
    for path in [
        format!("/api/v1/exports/{ours}.json"),
        format!("/api/v1/rounds/{round}/exports"),
        chart(&round),
    ] {
        not_found(fetch(path).await).await;
    }

    let refused = hr
        .post(
            "/api/v1/shares",
            json!({"kind": "inspect", "round_id": round, "expires_on": in_days(5),
                   "inspector_email": "or@example.nl"}),
        )
        .await;
    let problem = assert_problem(refused, 422, "validation").await;
    assert_eq!(problem["errors"][0]["field"], "inspector_email");
    let refused = hr
        .post(
            "/api/v1/shares",
            json!({"kind": "read", "round_id": round, "expires_on": in_days(5),
                   "inspector_email": "inspecteur@example.nl"}),
        )
        .await;
    assert_problem(refused, 422, "validation").await;

    let created = share(
        &hr,
        json!({"kind": "inspect", "round_id": round, "expires_on": in_days(5),
               "inspector_email": "Inspecteur@example.nl"}),
    )
    .await;
    assert_eq!(created["url"], Value::Null, "an account share has no link");
    assert_eq!(created["share"]["inspector_email"], "inspecteur@example.nl");

    let listed: Value = {
        let response = fetch(format!("/api/v1/rounds/{round}/exports")).await;
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    };
    assert_eq!(listed[0]["id"], ours.as_str());
    for file in [format!("{ours}.json"), format!("{ours}.zip.sig")] {
        let path = format!("/api/v1/exports/{file}");
        let by_inspector = bytes(fetch(path.clone()).await).await;
        let by_hr = bytes(hr.send(reqwest::Method::GET, &path, None).await).await;
        assert_eq!(by_inspector, by_hr, "{file}");
    }
    let svg = bytes(fetch(chart(&round)).await).await;
    assert!(String::from_utf8(svg).unwrap().starts_with("<svg"));
    for path in [
        format!("/api/v1/exports/{theirs}.json"),
        format!("/api/v1/rounds/{other_round}/exports"),
        chart(&other_round),
    ] {
        not_found(fetch(path).await).await;
    }
    // Results and the plan stay closed to the inspector.
    let results = fetch(format!("/api/v1/rounds/{round}/results")).await;
    assert_problem(results, 403, "forbidden").await;

    let entries = access_log(&hr).await;
    let who = "inspecteur@example.nl";
    assert!(logged(&entries, who, &format!("exports of round {round}")));
    assert!(logged(&entries, who, &format!("export {ours}.json")));
    assert!(logged(&entries, who, &format!("export {ours}.zip.sig")));
    assert!(logged(&entries, who, &format!("chart {round}/heatmap.svg")));
    assert_eq!(
        entries.len(),
        4,
        "refusals and HR's downloads are not logged: {entries:?}"
    );
    // Newest first, a page at a time.
    let page: Value = hr.get("/api/v1/access-log?page=2&per_page=3").await;
    assert_eq!(page["total"], 4);
    assert_eq!(page["entries"].as_array().unwrap().len(), 1);
    assert_eq!(
        page["entries"][0]["what"],
        format!("exports of round {round}")
    );
    let bad = hr
        .send(reqwest::Method::GET, "/api/v1/access-log?per_page=0", None)
        .await;
    assert_problem(bad, 400, "bad-request").await;

    let id = created["share"]["id"].as_str().unwrap();
    assert_eq!(
        hr.delete(&format!("/api/v1/shares/{id}")).await.status(),
        204
    );
    not_found(fetch(format!("/api/v1/exports/{ours}.json")).await).await;
}

#[actix_web::test]
async fn only_hr_shares_closed_rounds_of_its_own_organisation_for_up_to_a_year() {
    let app = spawn_app().await;
    let (hr, organisation, round) = with_a_closed_round(&app).await;
    for (email, role) in [
        ("or@example.nl", Role::Council),
        ("preventie@example.nl", Role::Prevention),
        ("inspecteur@example.nl", Role::Inspector),
    ] {
        app.add_member(&organisation, email, role);
        let caller = app.api(&app.token(&organisation, email));
        let body = json!({"kind": "read", "round_id": round, "expires_on": in_days(5)});
        assert_problem(caller.post("/api/v1/shares", body).await, 403, "forbidden").await;
        let log = caller
            .send(reqwest::Method::GET, "/api/v1/access-log", None)
            .await;
        assert_problem(log, 403, "forbidden").await;
    }

    let open = open_round(
        &hr,
        json!({"name": "Open", "questionnaire_id": "psa-basis", "min_group_size": 5}),
    )
    .await;
    let open = open["id"].as_str().unwrap();
    let elders = app.add_organisation("Elders BV");
    app.add_member(&elders, "elders@example.nl", Role::Hr);
    let elsewhere = app.api(&app.token(&elders, "elders@example.nl"));
    let cases = [
        (
            json!({"kind": "read", "round_id": open, "expires_on": in_days(5)}),
            "round_id",
        ),
        (
            json!({"kind": "read", "round_id": "nosuchround", "expires_on": in_days(5)}),
            "round_id",
        ),
        (
            json!({"kind": "read", "round_id": round, "expires_on": psa::calendar::today().pred_opt().unwrap()}),
            "expires_on",
        ),
        (
            json!({"kind": "read", "round_id": round, "expires_on": in_days(400)}),
            "expires_on",
        ),
        (
            json!({"kind": "read", "round_id": round, "expires_on": in_days(5), "label": "x".repeat(101)}),
            "label",
        ),
        (
            json!({"kind": "download", "round_id": round, "expires_on": in_days(5)}),
            "body",
        ),
    ];
    for (body, field) in cases {
        let problem = assert_problem(
            hr.post("/api/v1/shares", body.clone()).await,
            422,
            "validation",
        )
        .await;
        assert_eq!(problem["errors"][0]["field"], field, "{body}");
    }
    // Another organisation's HR can neither share this round nor see its shares or log.
    let foreign = json!({"kind": "read", "round_id": round, "expires_on": in_days(5)});
    assert_problem(
        elsewhere.post("/api/v1/shares", foreign).await,
        422,
        "validation",
    )
    .await;
    share(
        &hr,
        json!({"kind": "read", "round_id": round, "expires_on": in_days(5)}),
    )
    .await;
    let theirs: Value = elsewhere.get("/api/v1/shares").await;
    assert_eq!(theirs, json!([]));
    let id = {
        let ours: Value = hr.get("/api/v1/shares").await;
        ours[0]["id"].as_str().unwrap().to_owned()
    };
    not_found(elsewhere.delete(&format!("/api/v1/shares/{id}")).await).await;
}

#[actix_web::test]
async fn another_organisations_link_reaches_none_of_this_ones_exports() {
    let app = spawn_app().await;
    let (hr, _, round) = with_a_closed_round(&app).await;
    let ours = export(&hr, &round).await;
    let elders = app.add_organisation("Elders BV");
    app.add_member(&elders, "elders@example.nl", Role::Hr);
    let elsewhere = app.api(&app.token(&elders, "elders@example.nl"));
    let units = import(&elsewhere, "X\n").await;
    let their_round = closed_round_over(&app, &elsewhere, unit_id(&units, "X"), "Elders").await;
    let theirs = export(&elsewhere, &their_round).await;
    let created = share(
        &elsewhere,
        json!({"kind": "inspect", "round_id": their_round, "expires_on": in_days(3)}),
    )
    .await;
    let link = path_of(&app, &created);
    assert_eq!(
        get(&app, &format!("{link}/files/{theirs}.json"))
            .await
            .status(),
        200
    );
    for file in [format!("{ours}.json"), format!("{ours}.json.sig")] {
        assert_eq!(
            get(&app, &format!("{link}/files/{file}")).await.status(),
            404
        );
    }
    let html = get(&app, &link).await.text().await.unwrap();
    assert!(html.contains("Elders BV") && !html.contains("Zorg BV") && !html.contains(&ours));
    // Each organisation's log holds its own accesses only.
    assert!(access_log(&hr).await.is_empty());
    assert_eq!(access_log(&elsewhere).await.len(), 2);
}

#[actix_web::test]
async fn hr_shares_a_round_from_its_page_sees_the_link_once_and_revokes_it() {
    let app = spawn_app().await;
    let (hr, _, round) = with_a_closed_round(&app).await;
    let browser = app.login("owner@example.nl").await;
    let page_url = app.url(&format!("/rounds/{round}"));
    let page = text(&browser, &page_url).await;
    assert!(page.contains(&format!("action=\"/rounds/{round}/shares\"")));
    let csrf = csrf_of(&page);
    let form = |expires_on: String| {
        vec![
            ("csrf".to_owned(), csrf.clone()),
            ("kind".to_owned(), "read".to_owned()),
            ("expires_on".to_owned(), expires_on),
            ("label".to_owned(), "Intranet".to_owned()),
        ]
    };
    let post = |fields: Vec<(String, String)>| {
        let browser = &browser;
        let url = app.url(&format!("/rounds/{round}/shares"));
        async move { browser.post(url).form(&fields).send().await.unwrap() }
    };
    let refused = post(form(in_days(500).to_string())).await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("hoogstens een jaar"));

    let made = post(form(in_days(7).to_string())).await;
    assert_eq!(made.status(), 200);
    let html = made.text().await.unwrap();
    let start = html.find(&app.url("/read/")).expect("the link is shown");
    let link = html[start..].split('<').next().unwrap().to_owned();
    let path = link.strip_prefix(&app.address).unwrap().to_owned();
    assert_eq!(get(&app, &path).await.status(), 200);

    let page = text(&browser, &page_url).await;
    assert!(!page.contains(&link), "the link is shown once");
    assert!(page.contains("Intranet") && page.contains("geldig"));
    let listed: Value = hr.get("/api/v1/shares").await;
    let id = listed[0]["id"].as_str().unwrap();
    let revoked = browser
        .post(app.url(&format!("/shares/{id}/revoke")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 303);
    assert_eq!(
        revoked.headers()["location"],
        format!("/rounds/{round}#shares").as_str()
    );
    assert_eq!(get(&app, &path).await.status(), 410);
    let page = text(&browser, &page_url).await;
    assert!(page.contains("ingetrokken"));
    assert!(
        !page.contains(&format!("/shares/{id}/revoke")),
        "revoked: no button"
    );

    // HR reads who used the link on the access log's page: the share by its kind and label.
    assert!(page.contains("href=\"/access-log\""));
    let log = text(&browser, &app.url("/access-log")).await;
    assert!(
        log.contains("Medewerkers: resultaten en plan: Intranet"),
        "{log}"
    );
    assert!(log.contains("read page") && !log.contains(&format!("share:{id}")));
}

#[actix_web::test]
async fn an_inspector_account_finds_its_rounds_on_a_page_and_hr_reads_the_log_page_by_page() {
    let app = spawn_app().await;
    let (hr, organisation, round) = with_a_closed_round(&app).await;
    let units: Vec<Value> = hr.get("/api/v1/units").await;
    let other_round = closed_round_over(&app, &hr, unit_id(&units, "C"), "PSA 2027").await;
    let ours = export(&hr, &round).await;
    let theirs = export(&hr, &other_round).await;
    app.add_member(&organisation, "inspecteur@example.nl", Role::Inspector);
    let inspector = app.login("inspecteur@example.nl").await;
    let shared_url = app.url("/shared");

    let page = text(&inspector, &shared_url).await;
    assert!(
        page.contains("Er is op dit moment geen ronde met u gedeeld"),
        "{page}"
    );
    assert!(page.contains("href=\"/shared\""), "in the menu");
    for days in [3, 9] {
        share(
            &hr,
            json!({"kind": "inspect", "round_id": round, "expires_on": in_days(days),
                   "inspector_email": "inspecteur@example.nl"}),
        )
        .await;
    }
    let page = text(&inspector, &shared_url).await;
    assert_eq!(
        page.matches("<h2>").count(),
        2,
        "the round once, and how to verify: {page}"
    );
    assert!(page.contains(&format!(
        "Gedeeld tot en met {}",
        psa::i18n::Lang::Nl.date(in_days(9))
    )));
    let link = format!("/api/v1/exports/{ours}.pdf");
    assert!(page.contains(&format!("href=\"{link}\"")));
    assert!(page.contains(&format!("href=\"{link}.sig\"")));
    assert!(!page.contains(&theirs), "the other round is not shared");
    let pdf = inspector.get(app.url(&link)).send().await.unwrap();
    assert_eq!(bytes(pdf).await[..5], *b"%PDF-");

    // The page is the inspector's; the log is HR's.
    let hr_browser = app.login("owner@example.nl").await;
    assert_eq!(
        hr_browser.get(&shared_url).send().await.unwrap().status(),
        403
    );
    let refused = inspector.get(app.url("/access-log")).send().await.unwrap();
    assert_eq!(refused.status(), 403);

    for _ in 0..50 {
        text(&inspector, &shared_url).await;
    }
    let first = text(&hr_browser, &app.url("/access-log")).await;
    assert!(
        first.contains("Pagina 1 van 2") && first.contains("53 regels"),
        "{first}"
    );
    assert!(first.contains("inspecteur@example.nl") && first.contains("shared rounds page"));
    assert!(
        !first.contains(&format!("export {ours}.pdf")),
        "older: on page 2"
    );
    let second = text(&hr_browser, &app.url("/access-log?page=2")).await;
    assert!(second.contains(&format!("export {ours}.pdf")), "{second}");
    assert!(second.contains("rel=\"prev\"") && !second.contains("rel=\"next\""));
}
