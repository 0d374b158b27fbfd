//! Survey rounds end to end over the API: create, open, invite, answer, close; on both databases.

use diesel::RunQueryDsl;
use diesel::sql_types::{Binary, Text};
use psa::db::DbConnection;
use psa::domain::Questionnaire;
use psa::domain::Role;
use psa::domain::answers::Answers;
use serde_json::{Value, json};

use crate::helpers::{Api, TestApp, assert_problem, spawn_app};

const BASIS: &str = include_str!("../../questionnaires/psa-basis.toml");

pub(crate) async fn hr(app: &TestApp) -> Api {
    let organisation = app.set_up();
    app.api(&app.token(&organisation, "owner@example.nl"))
}

pub(crate) async fn import(hr: &Api, csv: &str) -> Vec<Value> {
    let response = hr
        .request(reqwest::Method::POST, "/api/v1/units/import")
        .header("content-type", "text/csv")
        .body(csv.to_owned())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    body["units"].as_array().unwrap().clone()
}

pub(crate) fn unit_id<'a>(units: &'a [Value], path: &str) -> &'a str {
    units.iter().find(|u| u["path"] == path).unwrap()["id"]
        .as_str()
        .unwrap()
}

pub(crate) async fn open_round(hr: &Api, body: Value) -> Value {
    let created = hr.post("/api/v1/rounds", body).await;
    assert_eq!(created.status(), 201);
    let round: Value = created.json().await.unwrap();
    let opened = hr
        .post(
            &format!("/api/v1/rounds/{}/open", round["id"].as_str().unwrap()),
            json!({}),
        )
        .await;
    assert_eq!(opened.status(), 200);
    opened.json().await.unwrap()
}

pub(crate) async fn invite(hr: &Api, round: &Value, unit: &str, count: u32) -> Vec<Value> {
    let path = format!(
        "/api/v1/rounds/{}/invitations",
        round["id"].as_str().unwrap()
    );
    let response = hr
        .post(&path, json!({"unit_id": unit, "count": count}))
        .await;
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

fn stored_responses(
    app: &TestApp,
    organisation: &psa::domain::OrganisationId,
    round: &str,
) -> usize {
    let mut count = 0;
    psa::db::rounds::for_each_response(&mut app.conn(), organisation, round, |_, _| count += 1)
        .unwrap();
    count
}

pub(crate) fn token_of(invitation: &Value) -> String {
    invitation["url"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned()
}

pub(crate) async fn answer(app: &TestApp, credential: &str, body: Value) -> reqwest::Response {
    crate::helpers::browser()
        .post(app.url(&format!("/api/v1/respond/{credential}")))
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn a_round_moves_from_draft_to_open_to_closed_and_refuses_other_steps() {
    let app = spawn_app().await;
    let hr = hr(&app).await;
    let low = hr
        .post(
            "/api/v1/rounds",
            json!({"name": "2026", "questionnaire_id": "psa-basis", "min_group_size": 4}),
        )
        .await;
    assert_eq!(
        assert_problem(low, 422, "validation").await["errors"][0]["field"],
        "min_group_size"
    );
    let unknown = hr
        .post(
            "/api/v1/rounds",
            json!({"name": "2026", "questionnaire_id": "nope", "languages": ["de"]}),
        )
        .await;
    let fields: Vec<Value> = assert_problem(unknown, 422, "validation").await["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].clone())
        .collect();
    assert_eq!(fields, [json!("questionnaire_id"), json!("languages")]);

    let created: Value = hr
        .post(
            "/api/v1/rounds",
            json!({"name": "PSA 2026", "questionnaire_id": "psa-basis"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(created["status"], "draft");
    assert_eq!(created["min_group_size"], 10);
    assert_eq!(created["languages"], json!(["nl", "en"]));
    let id = created["id"].as_str().unwrap();
    let hr = &hr;
    let step = |what: &'static str| {
        let path = format!("/api/v1/rounds/{id}/{what}");
        async move { hr.post(&path, json!({})).await }
    };
    let early_close = assert_problem(step("close").await, 409, "conflict").await;
    assert!(early_close["detail"].as_str().unwrap().contains("draft"));
    let opened: Value = step("open").await.json().await.unwrap();
    assert_eq!(opened["status"], "open");
    assert_eq!(
        opened["questionnaire_digest"],
        psa::secret::sha256_hex(BASIS)
    );
    assert!(
        assert_problem(step("open").await, 409, "conflict").await["detail"]
            .as_str()
            .unwrap()
            .contains("open")
    );
    assert_eq!(step("close").await.status(), 200);
    assert!(
        assert_problem(step("close").await, 409, "conflict").await["detail"]
            .as_str()
            .unwrap()
            .contains("closed")
    );
    let late = hr
        .post(
            &format!("/api/v1/rounds/{id}/invitations"),
            json!({"count": 1}),
        )
        .await;
    assert_problem(late, 409, "conflict").await;
    let listed: Vec<Value> = hr.get("/api/v1/rounds").await;
    assert_eq!(listed.len(), 1);
}

#[actix_web::test]
async fn invitations_are_capped_by_headcount_handed_out_once_and_logged() {
    let app = spawn_app().await;
    let hr = hr(&app).await;
    let units = import(&hr, "Zorg;6\nZorg/Nacht\nBeheer;3\n").await;
    let zorg = unit_id(&units, "Zorg");
    let round = open_round(&hr, json!({"name": "R", "questionnaire_id": "psa-basis", "unit_ids": [zorg], "min_group_size": 5})).await;
    let path = format!(
        "/api/v1/rounds/{}/invitations",
        round["id"].as_str().unwrap()
    );

    let too_many = hr.post(&path, json!({"unit_id": zorg, "count": 7})).await;
    assert_eq!(
        assert_problem(too_many, 422, "validation").await["errors"][0]["field"],
        "count"
    );
    let outside = hr
        .post(
            &path,
            json!({"unit_id": unit_id(&units, "Beheer"), "count": 1}),
        )
        .await;
    assert_eq!(
        assert_problem(outside, 422, "validation").await["errors"][0]["field"],
        "unit_id"
    );

    let links = invite(&hr, &round, zorg, 4).await;
    assert_eq!(links.len(), 4);
    assert!(
        links[0]["url"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{}/s/", app.address))
    );
    assert_eq!(links[0]["unit"], "Zorg");
    let code = links[0]["code"].as_str().unwrap();
    assert_eq!((code.len(), &code[5..6]), (11, "-"));
    let csv = hr
        .request(reqwest::Method::POST, &path)
        .header("accept", "text/csv")
        .json(&json!({"unit_id": zorg, "count": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 201);
    let text = csv.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "unit;url;code");
    assert_eq!(lines.len(), 3);
    assert!(lines[1].starts_with("Zorg;http"));
    let capped = hr.post(&path, json!({"unit_id": zorg, "count": 1})).await;
    assert_problem(capped, 422, "validation").await;

    // Only HMACs are stored: no token or code appears in the database.
    #[derive(diesel::QueryableByName)]
    struct Stored {
        #[diesel(sql_type = Text)]
        token_hmac: String,
        #[diesel(sql_type = Text)]
        code_hmac: String,
    }
    let stored: Vec<Stored> = diesel::sql_query("SELECT token_hmac, code_hmac FROM invitations")
        .load(&mut *app.conn())
        .unwrap();
    assert_eq!(stored.len(), 6);
    for link in &links {
        let token = token_of(link);
        let code = link["code"].as_str().unwrap().replace('-', "");
        assert!(
            stored
                .iter()
                .all(|s| !s.token_hmac.contains(&token) && !s.code_hmac.contains(&code))
        );
    }

    // The works council reads who handed out how many links for which unit.
    let organisation = psa::db::organisations::list(&mut app.conn()).unwrap()[0]
        .id
        .clone();
    app.add_member(&organisation, "or@example.nl", Role::Council);
    let council = app.api(&app.token(&organisation, "or@example.nl"));
    let handouts: Vec<Value> = council
        .get(&format!(
            "/api/v1/rounds/{}/handouts",
            round["id"].as_str().unwrap()
        ))
        .await;
    let counts: Vec<(i64, &str)> = handouts
        .iter()
        .map(|h| (h["count"].as_i64().unwrap(), h["by"].as_str().unwrap()))
        .collect();
    assert_eq!(counts, [(4, "owner@example.nl"), (2, "owner@example.nl")]);
    assert!(
        handouts
            .iter()
            .all(|h| h["unit_id"] == zorg && h["at"].is_string())
    );
}

#[actix_web::test]
async fn an_employee_answers_once_by_link_or_code_and_bad_answers_store_nothing() {
    let app = spawn_app().await;
    let hr = hr(&app).await;
    let round = open_round(&hr, json!({"name": "R", "questionnaire_id": "psa-basis"})).await;
    let links = invite(&hr, &round, "", 3).await;
    let token = token_of(&links[0]);

    let form: Value = crate::helpers::browser()
        .get(app.url(&format!("/api/v1/respond/{token}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(form["parts"].as_array().unwrap().len(), 7);
    assert_eq!(form["parts"][0]["key"], "part-1");
    assert_eq!(form["min_group_size"], 10);
    let text = form.to_string();
    for name in ["\"pesten\"", "bullying", "\"werkdruk\"", "work pressure"] {
        assert!(
            !text.contains(name),
            "the respondent's form names no category: {name}"
        );
    }

    let unexposed_sources = answer(
        &app,
        &token,
        json!({"items": {"pe1": 1}, "sources": {"part-1": ["collega"]}}),
    )
    .await;
    assert_eq!(
        assert_problem(unexposed_sources, 422, "validation").await["errors"][0]["field"],
        "sources.part-1"
    );
    let off_scale = answer(&app, &token, json!({"items": {"pe1": 9, "zz": 1}})).await;
    assert_eq!(
        assert_problem(off_scale, 422, "validation").await["errors"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let good = json!({"items": {"pe1": 4, "pe2": null, "wd1": 3}, "sources": {"part-1": ["collega", "derden"]}});
    assert_eq!(answer(&app, &token, good.clone()).await.status(), 201);
    assert_problem(answer(&app, &token, good.clone()).await, 404, "not-found").await;
    assert_problem(
        answer(&app, "never-handed-out", good.clone()).await,
        404,
        "not-found",
    )
    .await;

    let code = links[1]["code"]
        .as_str()
        .unwrap()
        .to_lowercase()
        .replace('-', " ");
    assert_eq!(
        answer(&app, &code.replace(' ', "%20"), good.clone())
            .await
            .status(),
        201
    );

    let progress: Value = hr
        .get(&format!(
            "/api/v1/rounds/{}/progress",
            round["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(
        (progress["invited"].as_u64(), progress["responded"].as_u64()),
        (Some(3), Some(2))
    );
    let close = hr
        .post(
            &format!("/api/v1/rounds/{}/close", round["id"].as_str().unwrap()),
            json!({}),
        )
        .await;
    assert_eq!(close.status(), 200);
    let after = answer(&app, &token_of(&links[2]), good).await;
    assert_problem(after, 404, "not-found").await;
}

#[actix_web::test]
async fn two_simultaneous_submissions_with_one_link_store_one_response() {
    let app = spawn_app().await;
    let hr = hr(&app).await;
    let round = open_round(&hr, json!({"name": "R", "questionnaire_id": "psa-basis"})).await;
    let links = invite(&hr, &round, "", 1).await;
    let token = token_of(&links[0]);
    let body = json!({"items": {"wd1": 2}});
    let (a, b) = futures_join(
        answer(&app, &token, body.clone()),
        answer(&app, &token, body),
    )
    .await;
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 404]);
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let stored: Vec<Count> = diesel::sql_query("SELECT COUNT(*) AS n FROM response_inbox")
        .load(&mut *app.conn())
        .unwrap();
    assert_eq!(stored[0].n, 1);
}

/// On SQLite submissions arriving together are committed in one group, each under a savepoint:
/// a refused one (a link used twice) must neither store anything nor undo the others.
#[actix_web::test]
async fn many_respondents_at_once_are_each_stored_once_and_a_second_use_of_a_link_is_refused() {
    let app = spawn_app().await;
    let hr = hr(&app).await;
    let round = open_round(&hr, json!({"name": "R", "questionnaire_id": "psa-basis"})).await;
    let tokens: Vec<String> = invite(&hr, &round, "", 120)
        .await
        .iter()
        .map(token_of)
        .collect();
    let body = json!({"items": {"wd1": 2}});
    let twice = tokens.iter().take(20);
    let submissions = tokens
        .iter()
        .chain(twice)
        .map(|token| answer(&app, token, body.clone()));
    let mut statuses: Vec<u16> = futures_util::future::join_all(submissions)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    statuses.sort_unstable();
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 120);
    assert_eq!(statuses.iter().filter(|s| **s == 404).count(), 20);
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let count = |sql: &str| -> i64 {
        diesel::sql_query(sql)
            .load::<Count>(&mut *app.conn())
            .unwrap()[0]
            .n
    };
    assert_eq!(count("SELECT COUNT(*) AS n FROM response_inbox"), 120);
    assert_eq!(
        count("SELECT COUNT(*) AS n FROM invitations WHERE spent"),
        120
    );
    let id = round["id"].as_str().unwrap();
    let progress: Value = hr.get(&format!("/api/v1/rounds/{id}/progress")).await;
    assert_eq!(progress["responded"], 120);
}

#[actix_web::test]
async fn closing_while_responses_arrive_keeps_every_acknowledged_response() {
    let app = spawn_app().await;
    let hr = hr(&app).await;
    let round = open_round(&hr, json!({"name": "R", "questionnaire_id": "psa-basis"})).await;
    let id = round["id"].as_str().unwrap();
    let mut tokens: std::collections::VecDeque<String> = invite(&hr, &round, "", 700)
        .await
        .iter()
        .map(token_of)
        .collect();
    let body = json!({"items": {"wd1": 2}});
    // Enough responses in that the close takes a while moving them.
    let early = 150;
    for token in tokens.drain(..early) {
        assert_eq!(answer(&app, &token, body.clone()).await.status(), 201);
    }
    // Then four respondents at once, and HR closes the round once they are under way.
    let tokens = std::sync::Mutex::new(tokens);
    let under_way = std::sync::atomic::AtomicUsize::new(0);
    let respondent = || async {
        let mut stored = 0;
        loop {
            let Some(token) = tokens.lock().unwrap().pop_front() else {
                return (stored, false);
            };
            let response = answer(&app, &token, body.clone()).await;
            match response.status().as_u16() {
                201 => {
                    stored += 1;
                    under_way.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                // The round closed: refused, or the invitation deleted with it.
                422 | 404 => return (stored, true),
                other => panic!("{other}: {}", response.text().await.unwrap()),
            }
        }
    };
    let close = async {
        // Not a fixed delay: four respondents can use up hundreds of links in 200 ms.
        while under_way.load(std::sync::atomic::Ordering::Relaxed) < 40 {
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
        hr.post(&format!("/api/v1/rounds/{id}/close"), json!({}))
            .await
            .status()
    };
    let (respondents, closed) = futures_join(
        futures_util::future::join_all([respondent(), respondent(), respondent(), respondent()]),
        close,
    )
    .await;
    assert_eq!(closed, 200);
    assert!(
        respondents.iter().all(|(_, refused)| *refused),
        "the close came while all four were answering"
    );
    let acknowledged = early + respondents.iter().map(|(n, _)| n).sum::<usize>();
    let results: Value = hr.get(&format!("/api/v1/rounds/{id}/results")).await;
    assert_eq!(
        results["responses"], acknowledged,
        "every acknowledged response is in the results"
    );
    let progress: Value = hr.get(&format!("/api/v1/rounds/{id}/progress")).await;
    assert_eq!(progress["responded"], acknowledged);
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let left: Vec<Count> = diesel::sql_query("SELECT COUNT(*) AS n FROM response_inbox")
        .load(&mut *app.conn())
        .unwrap();
    assert_eq!(left[0].n, 0, "nothing left behind in the inbox");
}

async fn futures_join<A: std::future::Future, B: std::future::Future>(
    a: A,
    b: B,
) -> (A::Output, B::Output) {
    tokio::join!(a, b)
}

#[derive(diesel::QueryableByName)]
struct StoredResponse {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Binary)]
    answers: Vec<u8>,
}

fn stored_in_physical_order(conn: &mut DbConnection, table: &str) -> Vec<StoredResponse> {
    let order = match conn {
        DbConnection::Sqlite(_) => "rowid",
        DbConnection::Postgresql(_) => "ctid",
    };
    diesel::sql_query(format!("SELECT id, answers FROM {table} ORDER BY {order}"))
        .load(conn)
        .unwrap()
}

#[actix_web::test]
async fn closing_shuffles_the_responses_and_forgets_every_token() {
    let app = spawn_app().await;
    let hr = hr(&app).await;
    let units = import(&hr, "Zorg\nZorg/Team A\nZorg/Team B\n").await;
    let round = open_round(
        &hr,
        json!({"name": "R", "questionnaire_id": "psa-basis", "min_group_size": 5}),
    )
    .await;
    let team_a = unit_id(&units, "Zorg/Team A");
    let links = invite(&hr, &round, team_a, 12).await;
    let small = invite(&hr, &round, unit_id(&units, "Zorg/Team B"), 2).await;
    // Each respondent's answers encode their place in the order of submission.
    for (i, link) in links.iter().enumerate() {
        let i = i as i32;
        let body = json!({"items": {"wd1": 1 + i % 5, "wd2": 1 + (i / 5) % 5}});
        assert_eq!(answer(&app, &token_of(link), body).await.status(), 201);
    }
    let q = Questionnaire::parse(BASIS).unwrap();
    let place = |bytes: &[u8]| {
        let answers = Answers::unpack(bytes, &q).unwrap();
        let (a, b) = (
            answers.values[q.items.iter().position(|i| i.id == "wd1").unwrap()],
            answers.values[q.items.iter().position(|i| i.id == "wd2").unwrap()],
        );
        (a.unwrap() - 1) + 5 * (b.unwrap() - 1)
    };
    let arrived: Vec<i32> = stored_in_physical_order(&mut app.conn(), "response_inbox")
        .iter()
        .map(|r| place(&r.answers))
        .collect();
    assert_eq!(
        arrived,
        (0..12).collect::<Vec<_>>(),
        "while open, the inbox holds arrival order"
    );

    let progress: Value = hr
        .get(&format!(
            "/api/v1/rounds/{}/progress",
            round["id"].as_str().unwrap()
        ))
        .await;
    let shown: Vec<&str> = progress["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        shown,
        ["Zorg/Team A"],
        "Team B has fewer than k invitations"
    );
    assert_eq!(progress["invited"], 14);

    // Two answers from Team B, too small to be shown: they join Zorg at close.
    for (i, link) in small.iter().enumerate() {
        let body = json!({"items": {"wd1": 3 + i as i32, "wd2": 3}});
        assert_eq!(answer(&app, &token_of(link), body).await.status(), 201);
    }
    let closed = hr
        .post(
            &format!("/api/v1/rounds/{}/close", round["id"].as_str().unwrap()),
            json!({}),
        )
        .await;
    assert_eq!(closed.status(), 200);
    let mut conn = app.conn();
    assert!(stored_in_physical_order(&mut conn, "response_inbox").is_empty());
    let stored = stored_in_physical_order(&mut conn, "responses");
    let order: Vec<i32> = stored.iter().map(|r| place(&r.answers)).collect();
    let mut sorted = order.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, (0..14).collect::<Vec<_>>(), "every response kept");
    assert_ne!(
        order, sorted,
        "the stored order does not follow submission (chance 1 in 12!)"
    );
    let mut ids: Vec<&str> = stored.iter().map(|r| r.id.as_str()).collect();
    let physical = ids.clone();
    ids.sort_unstable();
    assert_ne!(physical, ids, "nor does the order of ids");
    #[derive(diesel::QueryableByName)]
    struct Unit {
        #[diesel(sql_type = Text)]
        unit_id: String,
    }
    let stored_units: Vec<Unit> = diesel::sql_query("SELECT unit_id FROM responses")
        .load(&mut *conn)
        .unwrap();
    let in_unit = |id: &str| stored_units.iter().filter(|u| u.unit_id == id).count();
    assert_eq!(in_unit(team_a), 12);
    assert_eq!(
        in_unit(unit_id(&units, "Zorg/Team B")),
        0,
        "a group below k joins its parent"
    );
    assert_eq!(in_unit(unit_id(&units, "Zorg")), 2);

    #[derive(diesel::QueryableByName)]
    struct Name {
        #[diesel(sql_type = Text)]
        name: String,
    }
    let left: Vec<Name> = diesel::sql_query("SELECT token_hmac AS name FROM invitations UNION ALL SELECT token_hmac AS name FROM drafts").load(&mut *conn).unwrap();
    assert!(left.is_empty(), "token HMACs and drafts are deleted");
    let columns_query = match &mut *conn {
        DbConnection::Sqlite(_) => "SELECT name FROM pragma_table_info('responses') ORDER BY name",
        DbConnection::Postgresql(_) => {
            "SELECT column_name::text AS name FROM information_schema.columns WHERE table_name = 'responses' ORDER BY column_name"
        }
    };
    let columns: Vec<String> = diesel::sql_query(columns_query)
        .load::<Name>(&mut *conn)
        .unwrap()
        .into_iter()
        .map(|n| n.name)
        .collect();
    assert_eq!(
        columns,
        ["answers", "id", "organisation_id", "round_id", "unit_id"],
        "no time, token or address"
    );
    if let DbConnection::Postgresql(_) = &mut *conn {
        let shared: Vec<Name> = diesel::sql_query(
            "SELECT r.xmin::text AS name FROM responses r JOIN invitations i ON i.xmin::text = r.xmin::text",
        )
        .load(&mut *conn)
        .unwrap();
        assert!(
            shared.is_empty(),
            "no transaction id shared by a response and an invitation"
        );
    }
    drop(conn);
    let after: Value = hr
        .get(&format!(
            "/api/v1/rounds/{}/progress",
            round["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(
        (after["invited"].as_u64(), after["responded"].as_u64()),
        (Some(14), Some(14)),
        "counts stay after close"
    );
}

#[actix_web::test]
async fn a_round_opens_and_closes_by_itself_at_its_dates() {
    let app = spawn_app().await;
    let hr = hr(&app).await;
    let soon =
        |seconds: i64| (chrono::Utc::now() + chrono::Duration::seconds(seconds)).to_rfc3339();
    let round: Value = hr
        .post("/api/v1/rounds", json!({"name": "R", "questionnaire_id": "psa-basis", "opens_at": soon(1), "closes_at": soon(2)}))
        .await
        .json()
        .await
        .unwrap();
    let path = format!("/api/v1/rounds/{}", round["id"].as_str().unwrap());
    assert_eq!(
        psa::http::schedule::run_once(&app.state).await,
        0,
        "nothing is due yet"
    );
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(psa::http::schedule::run_once(&app.state).await, 1);
    let opened: Value = hr.get(&path).await;
    assert_eq!(opened["status"], "open");
    assert!(
        opened["questionnaire_digest"].is_string(),
        "opening on schedule freezes the questionnaire too"
    );
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(psa::http::schedule::run_once(&app.state).await, 1);
    let closed: Value = hr.get(&path).await;
    assert_eq!(closed["status"], "closed");
    let past = hr
        .post(
            "/api/v1/rounds",
            json!({"name": "R", "questionnaire_id": "psa-basis", "closes_at": soon(-60)}),
        )
        .await;
    assert_eq!(
        assert_problem(past, 422, "validation").await["errors"][0]["field"],
        "closes_at"
    );
}

#[actix_web::test]
async fn hr_runs_a_round_through_the_pages() {
    let app = spawn_app().await;
    let hr = hr(&app).await;
    import(&hr, "Zorg;30\nZorg/Team A;12\n").await;
    let browser = app.login("owner@example.nl").await;
    let list = browser
        .get(app.url("/rounds"))
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains("There are no rounds yet"));
    let csrf = crate::helpers::csrf_of(&list);
    let post = |path: String, form: Vec<(&'static str, String)>| {
        let mut form = form;
        form.push(("csrf", csrf.clone()));
        browser
            .post(app.url(&path))
            .header("Accept-Language", "en")
            .form(&form)
            .send()
    };
    let low = post(
        "/rounds".into(),
        vec![
            ("name", "PSA".into()),
            ("questionnaire_id", "psa-basis".into()),
            ("min_group_size", "3".into()),
        ],
    )
    .await
    .unwrap();
    assert_eq!(low.status(), 422);
    assert!(low.text().await.unwrap().contains("at least 5"));
    let created = post(
        "/rounds".into(),
        vec![
            ("name", "PSA 2026".into()),
            ("questionnaire_id", "psa-basis".into()),
            ("min_group_size", "5".into()),
        ],
    )
    .await
    .unwrap();
    assert_eq!(created.status(), 303);
    let round_path = created.headers()["location"].to_str().unwrap().to_owned();
    let page = browser
        .get(app.url(&round_path))
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("draft") && page.contains("Open round"));
    assert!(
        page.contains("nobody knows who got which"),
        "the page says how to hand out links"
    );

    assert_eq!(
        post(format!("{round_path}/open"), vec![])
            .await
            .unwrap()
            .status(),
        303
    );
    assert_eq!(
        post(format!("{round_path}/open"), vec![])
            .await
            .unwrap()
            .status(),
        409
    );
    let units: Vec<Value> = hr.get("/api/v1/units").await;
    let team = unit_id(&units, "Zorg/Team A").to_owned();
    let too_many = post(
        format!("{round_path}/invitations"),
        vec![("unit_id", team.clone()), ("count", "13".into())],
    )
    .await
    .unwrap();
    assert_eq!(too_many.status(), 422);
    let download = post(
        format!("{round_path}/invitations"),
        vec![("unit_id", team), ("count", "6".into())],
    )
    .await
    .unwrap();
    assert_eq!(download.status(), 200);
    assert!(
        download.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("invitations.csv")
    );
    let csv = download.text().await.unwrap();
    assert_eq!(csv.lines().count(), 7);
    let page = browser
        .get(app.url(&round_path))
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Zorg/Team A") && page.contains("0 / 6"),
        "{page}"
    );
    assert!(page.contains("owner@example.nl"), "the hand-out is logged");
    assert_eq!(
        post(format!("{round_path}/close"), vec![])
            .await
            .unwrap()
            .status(),
        303
    );
    let page = browser
        .get(app.url(&round_path))
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("closed") && !page.contains("Make and download links"));
}

#[actix_web::test]
async fn failed_lookups_of_links_and_codes_are_limited_per_address() {
    let app = spawn_app().await;
    let hr = hr(&app).await;
    let round = open_round(&hr, json!({"name": "R", "questionnaire_id": "psa-basis"})).await;
    let links = invite(&hr, &round, "", 1).await;
    let client = crate::helpers::browser();
    let look = |credential: String| {
        client
            .get(app.url(&format!("/api/v1/respond/{credential}")))
            .send()
    };
    for i in 0..60 {
        assert_eq!(
            look(format!("guess-{i}")).await.unwrap().status(),
            404,
            "guess {i}"
        );
    }
    let limited = look("guess-60".into()).await.unwrap();
    let problem = assert_problem(limited, 429, "too-many-requests").await;
    assert!(problem["detail"].as_str().unwrap().contains("try again"));
    let blocked = look(token_of(&links[0])).await.unwrap();
    assert_eq!(
        blocked.status(),
        429,
        "a blocked address cannot test a real link either"
    );
}

#[actix_web::test]
async fn responses_are_deleted_after_their_retention_and_the_counts_stay() {
    let app = crate::helpers::spawn_app_configured(None, |s| s.response_retention_days = 0).await;
    let hr = hr(&app).await;
    let round = open_round(&hr, json!({"name": "R", "questionnaire_id": "psa-basis"})).await;
    let links = invite(&hr, &round, "", 1).await;
    assert_eq!(
        answer(&app, &token_of(&links[0]), json!({"items": {"wd1": 2}}))
            .await
            .status(),
        201
    );
    let id = round["id"].as_str().unwrap();
    assert_eq!(
        hr.post(&format!("/api/v1/rounds/{id}/close"), json!({}))
            .await
            .status(),
        200
    );
    let organisation = psa::db::organisations::list(&mut app.conn())
        .unwrap()
        .remove(0);
    assert_eq!(stored_responses(&app, &organisation.id, id), 1);
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    psa::http::schedule::run_once(&app.state).await;
    assert_eq!(stored_responses(&app, &organisation.id, id), 0);
    let progress: Value = hr.get(&format!("/api/v1/rounds/{id}/progress")).await;
    assert_eq!(progress["responded"], 1, "counts stay");
}

#[actix_web::test]
async fn results_exist_only_after_close_and_hide_small_groups() {
    let app = spawn_app().await;
    let hr = hr(&app).await;
    let units = import(&hr, "A\nB\n").await;
    let round = open_round(
        &hr,
        json!({"name": "R", "questionnaire_id": "psa-basis", "min_group_size": 5}),
    )
    .await;
    let id = round["id"].as_str().unwrap();
    let a = invite(&hr, &round, unit_id(&units, "A"), 6).await;
    let b = invite(&hr, &round, unit_id(&units, "B"), 6).await;
    let early = hr
        .send(
            reqwest::Method::GET,
            &format!("/api/v1/rounds/{id}/results"),
            None,
        )
        .await;
    assert!(
        assert_problem(early, 409, "conflict").await["detail"]
            .as_str()
            .unwrap()
            .contains("open")
    );
    // Six in A, two of them bullied weekly; two in B. Work pressure at 3 ("sometimes") for all.
    let all = |pe1: i32| {
        let mut items = serde_json::Map::new();
        for item in ["pe1", "pe2", "pe3", "pe4", "pe5"] {
            items.insert(item.into(), json!(if item == "pe1" { pe1 } else { 1 }));
        }
        for item in ["wd1", "wd2", "wd3", "wd4"] {
            items.insert(item.into(), json!(3));
        }
        json!({"items": items})
    };
    for (i, link) in a.iter().enumerate() {
        assert_eq!(
            answer(&app, &token_of(link), all(if i < 2 { 4 } else { 1 }))
                .await
                .status(),
            201
        );
    }
    for link in b.iter().take(2) {
        assert_eq!(answer(&app, &token_of(link), all(1)).await.status(), 201);
    }
    assert_eq!(
        hr.post(&format!("/api/v1/rounds/{id}/close"), json!({}))
            .await
            .status(),
        200
    );
    let results: Value = hr.get(&format!("/api/v1/rounds/{id}/results")).await;
    assert_eq!(results["responses"], 8);
    let top = &results["groups"][0]["categories"]["pesten"];
    assert_eq!(top["n"], 8);
    assert_eq!(top["exposed_pct"], 25.0);
    assert_eq!(top["light"], "red");
    assert_eq!(results["groups"][0]["categories"]["werkdruk"]["mean"], 50.0);
    // B's two responses joined the top at close; A (6) alone would reveal them by subtraction.
    for group in &results["groups"].as_array().unwrap()[1..] {
        assert_eq!(
            group["categories"]["pesten"],
            json!({"suppressed": true}),
            "{group}"
        );
    }
    let text = results.to_string();
    assert!(
        !text.contains("\"n\":6") && !text.contains("\"n\":2"),
        "no number of a hidden group: {text}"
    );
    let organisation = psa::db::organisations::list(&mut app.conn())
        .unwrap()
        .remove(0);
    app.add_member(&organisation.id, "or@example.nl", Role::Council);
    let council = app.api(&app.token(&organisation.id, "or@example.nl"));
    let same: Value = council.get(&format!("/api/v1/rounds/{id}/results")).await;
    assert_eq!(same, results, "the council reads the same stored results");
    let csv = hr
        .send(
            reqwest::Method::GET,
            &format!("/api/v1/rounds/{id}/results?format=csv"),
            None,
        )
        .await;
    assert_eq!(csv.status(), 200);
    let csv = csv.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(
        lines[0].starts_with("group;unit_id;category;suppressed;n;mean;"),
        "{}",
        lines[0]
    );
    assert_eq!(lines.len(), 1 + 3 * 7, "a row per group and category");
    let pesten = lines
        .iter()
        .find(|l| l.starts_with(";;pesten;false;8;"))
        .expect("the top's bullying row");
    assert!(pesten.contains(";red;"), "{pesten}");
    assert!(
        lines
            .iter()
            .filter(|l| l.contains(";true;"))
            .all(|l| l.ends_with(";;;;;;;;;;;;;;;;;;;;;;;;;")),
        "suppressed rows hold no figure"
    );
    let bad = hr
        .send(
            reqwest::Method::GET,
            &format!("/api/v1/rounds/{id}/results?format=xml"),
            None,
        )
        .await;
    assert_problem(bad, 400, "bad-request").await;
}
