//! Several instances on one PostgreSQL database (docs/capacity.md): two `psa serve` processes
//! started at once migrate once, accept each other's sessions and CSRF tokens, take responses
//! through both, and close a round at its date once, with the results that one instance alone
//! gives for the same answers. And the schedule's lock: a tick that finds another instance
//! holding it does nothing. PostgreSQL only: SQLite serves one instance.

use std::collections::{BTreeMap, VecDeque};
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStdout, Command};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::RunQueryDsl;
use diesel::sql_types::{BigInt, Text};
use psa::db::locks::{self, Lock};
use psa::db::{DbConnection, migrations};
use psa::keys::Keys;
use serde_json::{Value, json};

use crate::cli::{psa, run, set_up_by_cli, text};
use crate::helpers::{PASSWORD, TestDatabase, browser, csrf_of, spawn_app, spawn_app_on};
use crate::results::{FIXTURE, Fixture};
use crate::rounds::{answer, hr, import, invite, open_round, token_of, unit_id};

/// A `psa serve` process.
pub(crate) struct Instance {
    child: Child,
    pub(crate) address: String,
    /// Kept open: a closed pipe would make the server's next line fail.
    _stdout: BufReader<ChildStdout>,
    /// Drains the log as it comes (a full pipe would stall the server); joined at `stop`.
    log: Option<std::thread::JoinHandle<String>>,
}

impl Instance {
    /// Starts `psa serve` with `keys` on a random port, looking for due rounds every second;
    /// does not wait for it (see `ready`).
    pub(crate) fn spawn(database: &TestDatabase, keys: &str) -> Child {
        let mut command = psa(database);
        for line in keys.lines() {
            let (name, value) = line.split_once('=').unwrap();
            command.env(name, value);
        }
        command
            .env("PSA_BIND", "127.0.0.1:0")
            .env("PSA_LOG", "info")
            .env("PSA_SCHEDULE_INTERVAL", "1");
        command.spawn().expect("psa starts")
    }

    /// Waits until `child` listens (it prints its address once migrated and bound).
    pub(crate) fn ready(mut child: Child) -> Instance {
        let mut stderr = child.stderr.take().unwrap();
        let log = std::thread::spawn(move || {
            let mut log = String::new();
            let _ = stderr.read_to_string(&mut log);
            log
        });
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        stdout.read_line(&mut first).unwrap();
        let Some(address) = first.split_whitespace().find(|w| w.starts_with("http://")) else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("psa did not start: {first}{}", log.join().unwrap());
        };
        Instance {
            address: address.trim_end_matches('/').to_owned(),
            child,
            _stdout: stdout,
            log: Some(log),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Stops the instance as an orchestrator does (SIGTERM) and returns its log.
    pub(crate) fn stop(mut self) -> String {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(self.child.wait().unwrap().success(), "graceful stop");
        self.log.take().unwrap().join().unwrap()
    }

    /// Kills the instance with SIGKILL, as a crash or the OOM killer does, and returns its log.
    pub(crate) fn kill(mut self) -> String {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        self.log.take().unwrap().join().unwrap()
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        // A failed test must not leave servers behind; after `stop` this finds nothing to do.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A logged-in browser session (cookie and CSRF token), sent to whichever instance is asked.
struct Session {
    client: reqwest::Client,
    csrf: String,
}

impl Session {
    async fn log_in(on: &Instance, email: &str) -> Session {
        let client = browser();
        let page = client.get(on.url("/login")).send().await.unwrap();
        let csrf = csrf_of(&page.text().await.unwrap());
        let login = client
            .post(on.url("/login"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("email", email),
                ("password", PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), 303, "login on {}", on.address);
        let me: Value = client
            .get(on.url("/api/v1/me"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let csrf = me["csrf_token"].as_str().unwrap().to_owned();
        Session { client, csrf }
    }

    fn request(
        &self,
        on: &Instance,
        method: reqwest::Method,
        path: &str,
    ) -> reqwest::RequestBuilder {
        self.client
            .request(method, on.url(path))
            .header("X-CSRF-Token", &self.csrf)
    }

    async fn get(&self, on: &Instance, path: &str) -> Value {
        let response = self
            .request(on, reqwest::Method::GET, path)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "GET {path} on {}", on.address);
        response.json().await.unwrap()
    }

    async fn post(&self, on: &Instance, path: &str, body: Value) -> Value {
        let response = self
            .request(on, reqwest::Method::POST, path)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        assert!(
            status.is_success(),
            "POST {path} on {}: {status} {text}",
            on.address
        );
        serde_json::from_str(&text).unwrap()
    }
}

/// A response to submit: the unit's path, the answers and the invitation's token.
type Submission = (String, Value, String);

/// Submits from `queue` on `on` until the queue is empty or the round refuses (it closed);
/// the submissions stored, and whether it was refused.
async fn submit_until_closed(
    on: &Instance,
    queue: Arc<Mutex<VecDeque<Submission>>>,
) -> (Vec<(String, Value)>, bool) {
    let client = browser();
    let mut stored = Vec::new();
    loop {
        let Some((unit, body, token)) = queue.lock().unwrap().pop_front() else {
            return (stored, false);
        };
        let response = client
            .post(on.url(&format!("/api/v1/respond/{token}")))
            .json(&body)
            .send()
            .await
            .unwrap();
        match response.status().as_u16() {
            201 => stored.push((unit, body)),
            // Past the close date (422, field "round"), or closed and the invitation deleted.
            422 | 404 => {
                let problem: Value = response.json().await.unwrap();
                assert!(
                    problem["status"] == 404 || problem["errors"][0]["field"] == "round",
                    "{problem}"
                );
                return (stored, true);
            }
            status => panic!("{status}: {}", response.text().await.unwrap()),
        }
    }
}

/// Results as compared between databases: unit ids differ, paths identify the groups.
fn without_unit_ids(mut value: Value) -> Value {
    fn strip(value: &mut Value) {
        match value {
            Value::Object(map) => {
                map.remove("unit_id");
                map.values_mut().for_each(strip);
            }
            Value::Array(list) => list.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut value);
    value
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

fn count(conn: &mut DbConnection, query: &str, round: &str) -> i64 {
    diesel::sql_query(query)
        .bind::<Text, _>(round)
        .get_result::<Count>(conn)
        .unwrap()
        .count
}

/// Repeats of the hand-worked round's 23 respondents offered to the submitters: more than
/// can be stored before the close date.
const REPEATS: usize = 20;
/// How long before its close date the round is created; the set-up takes a few seconds at most.
const CLOSES_IN: Duration = Duration::from_secs(10);

#[actix_web::test]
async fn two_instances_share_sessions_and_close_a_round_once_with_the_results_of_one() {
    let Some(database) = TestDatabase::postgres_only(
        "two_instances_share_sessions_and_close_a_round_once_with_the_results_of_one",
    ) else {
        return;
    };
    // Both started at once on an empty database: one applies the migrations, the other waits.
    let keys = Keys::generate_env_lines();
    let (a, b) = (
        Instance::spawn(&database, &keys),
        Instance::spawn(&database, &keys),
    );
    let (a, b) = (Instance::ready(a), Instance::ready(b));
    {
        let db = database.connect();
        let mut conn = db.conn().unwrap();
        assert!(!migrations::has_pending(&mut conn).unwrap());
    }
    let mut migrate = psa(&database);
    migrate.arg("migrate");
    let migrated = run(migrate, "");
    assert_eq!(text(&migrated.stdout).trim(), "applied 0 migration(s)");

    set_up_by_cli(&database);

    // Logged in on A; the cookie and the CSRF token work on B (the balancer may send any
    // request anywhere), and B still checks the token.
    let session = Session::log_in(&a, "hr@example.nl").await;
    let me = session.get(&b, "/api/v1/me").await;
    assert_eq!(me["csrf_token"], session.csrf.as_str(), "{me}");
    let fixture: Fixture = toml::from_str(FIXTURE).unwrap();
    let without_token = session
        .client
        .post(b.url("/api/v1/units/import"))
        .header("content-type", "text/csv")
        .body(fixture.units.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(without_token.status(), 403, "B checks the CSRF token");
    let imported = session
        .request(&b, reqwest::Method::POST, "/api/v1/units/import")
        .header("content-type", "text/csv")
        .body(fixture.units.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(imported.status(), 200);
    let units: Vec<Value> = imported.json::<Value>().await.unwrap()["units"]
        .as_array()
        .unwrap()
        .clone();

    let closes_at = chrono::Utc::now() + chrono::Duration::from_std(CLOSES_IN).unwrap();
    let round = session
        .post(
            &b,
            "/api/v1/rounds",
            json!({"name": "PSA 2026", "questionnaire_id": "psa-basis",
                "min_group_size": fixture.min_group_size, "closes_at": closes_at.to_rfc3339()}),
        )
        .await;
    let id = round["id"].as_str().unwrap().to_owned();
    session
        .post(&a, &format!("/api/v1/rounds/{id}/open"), json!({}))
        .await;

    // Invitations made on both instances and answered on both: the token key is shared.
    let answers = fixture.answers();
    let mut wanted: BTreeMap<&str, usize> = BTreeMap::new();
    for (unit, _) in &answers {
        *wanted.entry(unit.as_str()).or_default() += REPEATS;
    }
    let mut tokens: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (n, (unit, count)) in wanted.into_iter().enumerate() {
        let on = [&a, &b][n % 2];
        let links = session
            .post(
                on,
                &format!("/api/v1/rounds/{id}/invitations"),
                json!({"unit_id": unit_id(&units, unit), "count": count}),
            )
            .await;
        let links = links.as_array().unwrap().iter().map(token_of).collect();
        tokens.insert(unit.to_owned(), links);
    }
    let mut queue: VecDeque<Submission> = VecDeque::new();
    for _ in 0..REPEATS {
        for (unit, body) in &answers {
            let token = tokens.get_mut(unit).unwrap().pop().unwrap();
            queue.push_back((unit.clone(), body.clone(), token));
        }
    }

    // The hand-worked round once through both instances by turns, well before the close date.
    let mut stored: Vec<(String, Value)> = Vec::new();
    for n in 0..answers.len() {
        let (unit, body, token) = queue.pop_front().unwrap();
        let on = [&a, &b][n % 2];
        let response = browser()
            .post(on.url(&format!("/api/v1/respond/{token}")))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201, "stored before the close date");
        stored.push((unit, body));
    }
    // Then two respondents on each instance at once from just before the close date until
    // the round refuses them (started late enough that the links last until then).
    let queue = Arc::new(Mutex::new(queue));
    let start = closes_at - chrono::Duration::milliseconds(250);
    if let Ok(wait) = (start - chrono::Utc::now()).to_std() {
        tokio::time::sleep(wait).await;
    }
    let submitters = [&a, &b, &a, &b].map(|on| submit_until_closed(on, Arc::clone(&queue)));
    let mut refused = 0;
    for (more, was_refused) in futures_util::future::join_all(submitters).await {
        stored.extend(more);
        refused += usize::from(was_refused);
    }
    assert!(
        !queue.lock().unwrap().is_empty() && refused == 4,
        "every submitter ran into the close date ({refused} of 4)"
    );

    // The schedule closes the round on one of the instances.
    let started = Instant::now();
    let mut polls = 0;
    let closed = loop {
        let on = [&a, &b][polls % 2];
        polls += 1;
        let now = session.get(on, &format!("/api/v1/rounds/{id}")).await;
        if now["status"] == "closed" {
            break now;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "closed on schedule: {now}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(closed["status"], "closed");

    // Nothing lost or duplicated, results stored once, and both instances serve the same.
    let results_path = format!("/api/v1/rounds/{id}/results");
    let results = session.get(&a, &results_path).await;
    assert_eq!(session.get(&b, &results_path).await, results);
    let accepted = stored.len();
    assert_eq!(
        results["responses"], accepted,
        "every stored response counts"
    );
    let progress = session
        .get(&b, &format!("/api/v1/rounds/{id}/progress"))
        .await;
    assert_eq!(progress["responded"], accepted);
    {
        let db = database.connect();
        let mut conn = db.conn().unwrap();
        let rows = |conn: &mut DbConnection, table: &str| {
            count(
                conn,
                &format!("SELECT COUNT(*) AS count FROM {table} WHERE round_id = $1"),
                &id,
            )
        };
        assert_eq!(rows(&mut conn, "responses"), accepted as i64);
        assert_eq!(rows(&mut conn, "round_results"), 1);
        assert_eq!(rows(&mut conn, "response_inbox"), 0);
        assert_eq!(rows(&mut conn, "invitations"), 0);
        assert_eq!(rows(&mut conn, "drafts"), 0);
    }

    // Logging out on B ends the session on A too: sessions live in the database.
    let logout = session
        .client
        .post(b.url("/logout"))
        .form(&[("csrf", session.csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), 303);
    let after = session
        .client
        .get(a.url("/api/v1/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 401, "logged out everywhere");

    // The close ran once, on one instance, and neither tried a second time.
    let logs = [a.stop(), b.stop()];
    let closes = logs
        .iter()
        .flat_map(|log| log.lines())
        .filter(|line| line.contains("closed on schedule") && line.contains("closed=1"))
        .count();
    assert_eq!(closes, 1, "{logs:?}");
    for log in &logs {
        assert!(!log.contains("could not close"), "{log}");
    }

    // One instance alone, the same answers, closed by hand: the same results.
    let single = spawn_app().await;
    let hr = hr(&single).await;
    let units = import(&hr, &fixture.units).await;
    let round = open_round(
        &hr,
        json!({"name": "PSA 2026", "questionnaire_id": "psa-basis", "min_group_size": fixture.min_group_size}),
    )
    .await;
    let single_id = round["id"].as_str().unwrap();
    let mut wanted: BTreeMap<&str, u32> = BTreeMap::new();
    for (unit, _) in &stored {
        *wanted.entry(unit.as_str()).or_default() += 1;
    }
    let mut links = BTreeMap::new();
    for (unit, count) in wanted {
        links.insert(
            unit,
            invite(&hr, &round, unit_id(&units, unit), count).await,
        );
    }
    for (unit, body) in &stored {
        let link = links.get_mut(unit.as_str()).unwrap().pop().unwrap();
        let response = answer(&single, &token_of(&link), body.clone()).await;
        assert_eq!(response.status(), 201);
    }
    let closed = hr
        .post(&format!("/api/v1/rounds/{single_id}/close"), json!({}))
        .await;
    assert_eq!(closed.status(), 200);
    let alone: Value = hr.get(&format!("/api/v1/rounds/{single_id}/results")).await;
    assert_eq!(without_unit_ids(results), without_unit_ids(alone));
}

#[actix_web::test]
async fn a_tick_does_nothing_while_another_instance_holds_the_schedule() {
    let Some(database) = TestDatabase::postgres_only(
        "a_tick_does_nothing_while_another_instance_holds_the_schedule",
    ) else {
        return;
    };
    let mut other = DbConnection::open(&database.url).unwrap();
    let app = spawn_app_on(database, None, |_| {}).await;
    let hr = hr(&app).await;
    let soon = (chrono::Utc::now() + chrono::Duration::seconds(1)).to_rfc3339();
    let round = open_round(
        &hr,
        json!({"name": "R", "questionnaire_id": "psa-basis", "closes_at": soon}),
    )
    .await;
    let path = format!("/api/v1/rounds/{}", round["id"].as_str().unwrap());
    tokio::time::sleep(Duration::from_millis(1100)).await;

    assert!(locks::try_lock(&mut other, Lock::Schedule).unwrap());
    let mut schedule = psa::http::schedule::Schedule::new(app.state.clone());
    assert_eq!(schedule.tick().await, None, "the holder does the work");
    let still: Value = hr.get(&path).await;
    assert_eq!(still["status"], "open");

    locks::unlock(&mut other, Lock::Schedule).unwrap();
    assert_eq!(schedule.tick().await, Some(1), "its turn once released");
    let closed: Value = hr.get(&path).await;
    assert_eq!(closed["status"], "closed");
    assert!(
        locks::try_lock(&mut other, Lock::Schedule).unwrap(),
        "the tick released the lock"
    );
}
