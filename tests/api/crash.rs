//! Crash safety (docs/durability.md). `psa serve`, killed with SIGKILL at a random moment while
//! respondents submit (by JSON and through the pages) and started again on the same database,
//! has stored every response it acknowledged, spent an invitation exactly when its response is
//! stored, kept the round's counts in step, and serves again; its connections commit durably even
//! where the database's own default does not. On both databases. `PSA_CRASH_RUNS` sets the number
//! of kills (3 by default, for CI), `PSA_CRASH_SEED` the kill moments of an earlier run.
//!
//! Responses are anonymous: nothing links a stored response to its invitation. So each
//! submission answers differently (its number written in base 5 into ten items), and a stored
//! response tells by its answers which submission, and so which invitation, it is.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use psa::config::DatabaseUrl;
use psa::db::DbConnection;
use psa::db::schema::{invitations, response_inbox, responses, round_counts};
use psa::domain::Questionnaire;
use psa::domain::answers::Answers;
use psa::http::api::rounds::token_hmac;
use psa::keys::{KeyStore, Keys};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::answering::hidden_fields;
use crate::cli::{bearer_by_cli, set_up_by_cli};
use crate::helpers::{Api, TestDatabase, browser};
use crate::instances::Instance;
use crate::rounds::{import, invite, open_round, token_of, unit_id};

const BASIS: &str = include_str!("../../questionnaires/psa-basis.toml");

/// The items that carry a submission's number, one base-5 digit each on the frequency scale
/// (1 to 5): 5^10 numbers.
const DIGITS: [&str; 10] = [
    "pe1", "pe2", "pe3", "pe4", "pe5", "ag1", "ag2", "ag3", "ag4", "ag5",
];

/// Respondents submitting at once by JSON, and through the pages.
const BY_JSON: usize = 8;
const BY_PAGES: usize = 4;
/// Invitations per unit and run: more than the respondents get through before the kill.
const PER_UNIT: u32 = 100;
/// Every how-manyth submission goes through the pages.
const THROUGH_PAGES: usize = 4;
/// The kill comes at random this many milliseconds after the respondents start.
const KILL_AFTER_MS: std::ops::Range<u64> = 100..1000;

/// What became of a submission, as its respondent saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Unsent,
    /// Sent, and no answer came (the server died meanwhile): stored or not.
    Sent,
    /// Answered 201 by the API, or the thank-you page: psa promised that it is stored.
    Acknowledged,
    /// Answered 503: psa could not reach its database; stored or not.
    Unavailable,
}

/// One invitation of the test's and the submission made with it.
#[derive(Clone)]
pub(crate) struct Submission {
    /// Written into the answers.
    pub(crate) number: usize,
    pub(crate) unit: String,
    pub(crate) token: String,
    pub(crate) outcome: Outcome,
}

impl Submission {
    /// Whether it is made through the pages rather than by JSON.
    fn by_pages(&self) -> bool {
        self.number.is_multiple_of(THROUGH_PAGES)
    }

    /// The answers, as item and value.
    fn answers(&self) -> Vec<(&'static str, i32)> {
        let mut rest = self.number;
        DIGITS
            .iter()
            .map(|item| {
                let digit = rest % 5;
                rest /= 5;
                (*item, i32::try_from(digit).unwrap() + 1)
            })
            .collect()
    }

    /// The JSON body that submits the answers.
    pub(crate) fn body(&self) -> Value {
        let items: serde_json::Map<String, Value> = self
            .answers()
            .into_iter()
            .map(|(item, value)| (item.to_owned(), json!(value)))
            .collect();
        json!({ "items": items })
    }
}

/// The number a stored response carries.
fn number_of(packed: &[u8], q: &Questionnaire) -> usize {
    let answers = Answers::unpack(packed, q).expect("a response to the questionnaire");
    DIGITS.iter().rev().fold(0, |number, item| {
        let index = q.items.iter().position(|i| i.id == *item).unwrap();
        let value = answers.values[index].expect("every digit answered");
        number * 5 + usize::try_from(value - 1).unwrap()
    })
}

/// Invitations to `round` for each of `units` ("" for the organisation as a whole), numbered
/// from `first`.
pub(crate) async fn invite_all(
    hr: &Api,
    round: &Value,
    units: &[&str],
    per_unit: u32,
    first: usize,
) -> Vec<Submission> {
    let mut submissions = Vec::new();
    for unit in units {
        for link in invite(hr, round, unit, per_unit).await {
            submissions.push(Submission {
                number: first + submissions.len(),
                unit: (*unit).to_owned(),
                token: token_of(&link),
                outcome: Outcome::Unsent,
            });
        }
    }
    submissions
}

/// The token key of a set of keys from `Keys::generate_env_lines`.
pub(crate) fn token_key(key_lines: &str) -> [u8; 32] {
    let env = |var: &str| {
        key_lines
            .lines()
            .find_map(|line| line.strip_prefix(&format!("{var}=")).map(str::to_owned))
    };
    Keys::load(env, KeyStore::Required).unwrap().token
}

/// PostgreSQL: makes the database's default `synchronous_commit = off`, as an administrator
/// tuning for speed might; psa's connections must commit durably all the same.
pub(crate) fn turn_off_durable_commits_by_default(database: &TestDatabase) {
    let DatabaseUrl::Postgres(url) = &database.url else {
        return;
    };
    diesel::PgConnection::establish(url)
        .unwrap()
        .batch_execute(
            "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET synchronous_commit = off', \
             current_database()); END $$",
        )
        .unwrap();
}

/// Asserts that the server at `base` commits durably, as its pooled connection reports on
/// `/readyz`: `synchronous = FULL` (2) on SQLite, `synchronous_commit = on` on PostgreSQL.
pub(crate) async fn assert_durable(base: &str, postgres: bool) {
    let response = browser()
        .get(format!("{base}/readyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let ready: Value = response.json().await.unwrap();
    let durability = &ready["durability"];
    if postgres {
        assert_eq!(durability["synchronous_commit"], "on", "{ready}");
    } else {
        assert_eq!(durability["synchronous"], "full", "{ready}");
        assert_eq!(durability["journal_mode"], "wal", "{ready}");
    }
}

/// What the database holds of the round, counted.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Tally {
    pub(crate) stored: usize,
    pub(crate) acknowledged: usize,
    /// Stored although the respondent got no acknowledgement (answer lost or 503).
    pub(crate) stored_unacknowledged: usize,
    /// Sent without an acknowledgement and not stored.
    pub(crate) not_stored: usize,
}

/// Checks what the database holds of the open `round` against what the respondents were told:
/// every acknowledged response stored, none twice, none that was never sent; each invitation
/// spent exactly when its response is stored; and the round's counts per unit in step.
pub(crate) fn assert_consistent(
    conn: &mut DbConnection,
    round: &str,
    token_key: &[u8],
    submissions: &[Submission],
) -> Tally {
    let q = Questionnaire::parse(BASIS).unwrap();
    let rows: Vec<(String, Vec<u8>)> = response_inbox::table
        .filter(response_inbox::round_id.eq(round))
        .select((response_inbox::unit_id, response_inbox::answers))
        .load(conn)
        .unwrap();
    let mut stored: BTreeMap<usize, String> = BTreeMap::new();
    let mut per_unit: BTreeMap<String, [i64; 4]> = BTreeMap::new();
    for (unit, packed) in rows {
        let number = number_of(&packed, &q);
        per_unit.entry(unit.clone()).or_default()[0] += 1;
        assert!(
            stored.insert(number, unit).is_none(),
            "response {number} is stored twice"
        );
    }
    let invitations: BTreeMap<String, (String, bool)> = invitations::table
        .filter(invitations::round_id.eq(round))
        .select((
            invitations::token_hmac,
            invitations::unit_id,
            invitations::spent,
        ))
        .load::<(String, String, bool)>(conn)
        .unwrap()
        .into_iter()
        .map(|(hmac, unit, spent)| (hmac, (unit, spent)))
        .collect();
    assert_eq!(invitations.len(), submissions.len(), "one per submission");
    let mut tally = Tally::default();
    for submission in submissions {
        let number = submission.number;
        let stored_as = stored.remove(&number);
        let (unit, spent) = &invitations[&token_hmac(token_key, &submission.token)];
        assert_eq!(
            stored_as.is_some(),
            *spent,
            "submission {number} ({:?}): stored {stored_as:?}, its invitation spent: {spent}",
            submission.outcome
        );
        if let Some(stored_in) = &stored_as {
            assert_eq!(
                stored_in, &submission.unit,
                "submission {number} stored in its unit"
            );
            tally.stored += 1;
        }
        match (submission.outcome, stored_as.is_some()) {
            (Outcome::Acknowledged, true) => tally.acknowledged += 1,
            (Outcome::Acknowledged, false) => {
                panic!("submission {number} was acknowledged and is not stored")
            }
            (Outcome::Unsent, true) => panic!("submission {number} was never sent, yet stored"),
            (Outcome::Unsent, false) => {}
            (Outcome::Sent | Outcome::Unavailable, true) => tally.stored_unacknowledged += 1,
            (Outcome::Sent | Outcome::Unavailable, false) => tally.not_stored += 1,
        }
        let counts = per_unit.entry(unit.clone()).or_default();
        counts[1] += 1;
        counts[2] += i64::from(*spent);
    }
    assert!(stored.is_empty(), "responses nobody sent: {stored:?}");
    let round_counts: Vec<(String, i32, i32)> = round_counts::table
        .filter(round_counts::round_id.eq(round))
        .select((
            round_counts::unit_id,
            round_counts::invited,
            round_counts::responded,
        ))
        .load(conn)
        .unwrap();
    for (unit, invited, responded) in round_counts {
        let counts = per_unit.entry(unit).or_default();
        counts[3] = i64::from(responded);
        assert_eq!(
            i64::from(invited),
            counts[1],
            "invited in the round's counts"
        );
    }
    for (unit, [inbox, _, spent, responded]) in &per_unit {
        assert!(
            inbox == spent && spent == responded,
            "unit {unit:?}: {inbox} stored, {spent} invitations spent, {responded} counted"
        );
    }
    tally
}

/// What a respondent got for a submission.
enum Answered {
    Stored,
    /// No answer: the server died.
    Nothing,
    Unexpected(String),
}

/// Submits by JSON, as the respondent's client does.
pub(crate) async fn submit(
    client: &reqwest::Client,
    base: &str,
    submission: &Submission,
) -> reqwest::Result<reqwest::Response> {
    client
        .post(format!("{base}/api/v1/respond/{}", submission.token))
        .json(&submission.body())
        .send()
        .await
}

async fn submit_by_json(client: &reqwest::Client, base: &str, submission: &Submission) -> Answered {
    match submit(client, base, submission).await {
        Err(_) => Answered::Nothing,
        Ok(response) if response.status() == 201 => Answered::Stored,
        Ok(response) => Answered::Unexpected(format!(
            "{} {}",
            response.status(),
            response.text().await.unwrap_or_default()
        )),
    }
}

/// A page's text, if it came and with 200.
async fn page(sent: reqwest::Result<reqwest::Response>) -> Result<String, Answered> {
    let response = sent.map_err(|_| Answered::Nothing)?;
    let status = response.status();
    let text = response.text().await.map_err(|_| Answered::Nothing)?;
    if status != 200 {
        let start: String = text.chars().take(300).collect();
        return Err(Answered::Unexpected(format!("{status} {start}")));
    }
    Ok(text)
}

/// Walks the pages as a browser without script does, up to the review page: the intro, each part
/// with the submission's answers, the from-whom questions. Nothing is stored on the way.
async fn walk_to_review(
    client: &reqwest::Client,
    base: &str,
    submission: &Submission,
) -> Result<String, Answered> {
    let url = format!("{base}/s/{}", submission.token);
    let typed: Vec<(String, String)> = submission
        .answers()
        .into_iter()
        .map(|(item, value)| (format!("a:{item}"), value.to_string()))
        .collect();
    let mut text = page(
        client
            .get(&url)
            .header("Accept-Language", "en")
            .send()
            .await,
    )
    .await?;
    for _ in 0..30 {
        if text.contains("Check your answers") {
            return Ok(text);
        }
        let mut form = hidden_fields(&text);
        form.extend(typed.iter().cloned());
        form.push(("go".into(), "next".into()));
        let sent = client
            .post(&url)
            .header("Accept-Language", "en")
            .form(&form)
            .send()
            .await;
        text = page(sent).await?;
    }
    Err(Answered::Unexpected("no review page after 30 steps".into()))
}

/// Submits the review page's form: the one request of the pages that stores.
async fn submit_review(
    client: &reqwest::Client,
    base: &str,
    submission: &Submission,
    review: &str,
) -> Answered {
    let mut form = hidden_fields(review);
    form.push(("go".into(), "submit".into()));
    let sent = client
        .post(format!("{base}/s/{}", submission.token))
        .header("Accept-Language", "en")
        .form(&form)
        .send()
        .await;
    match page(sent).await {
        Ok(done) if done.contains("Thank you") => Answered::Stored,
        Ok(_) => Answered::Unexpected("no thank-you page".into()),
        Err(answered) => answered,
    }
}

/// Submits from `queue`, first the `prepared` one (its review page) if any, by JSON or `by_pages`,
/// until the queue is empty or the server stops answering; unexpected answers go to `problems`.
async fn respondent(
    base: String,
    ledger: Arc<Mutex<Vec<Submission>>>,
    queue: Arc<Mutex<VecDeque<usize>>>,
    problems: Arc<Mutex<Vec<String>>>,
    by_pages: bool,
    mut prepared: Option<(usize, String)>,
) {
    let client = browser();
    loop {
        let (index, review) = match prepared.take() {
            Some((index, review)) => (index, Some(review)),
            None => match queue.lock().unwrap().pop_front() {
                Some(index) => (index, None),
                None => return,
            },
        };
        let submission = ledger.lock().unwrap()[index].clone();
        let mark = |outcome| ledger.lock().unwrap()[index].outcome = outcome;
        let answered = if by_pages {
            let review = match review {
                Some(review) => Ok(review),
                None => walk_to_review(&client, &base, &submission).await,
            };
            match review {
                Ok(review) => {
                    mark(Outcome::Sent);
                    submit_review(&client, &base, &submission, &review).await
                }
                Err(answered) => answered,
            }
        } else {
            mark(Outcome::Sent);
            submit_by_json(&client, &base, &submission).await
        };
        match answered {
            Answered::Stored => mark(Outcome::Acknowledged),
            Answered::Nothing => return,
            Answered::Unexpected(what) => {
                let number = submission.number;
                problems
                    .lock()
                    .unwrap()
                    .push(format!("submission {number}: {what}"));
                return;
            }
        }
    }
}

/// Lets respondents submit from `submissions[first..]` on `server` and kills it `after` this
/// long; the submissions with their outcomes, the server's log, and how many were not begun.
async fn kill_while_submitting(
    server: Instance,
    submissions: Vec<Submission>,
    first: usize,
    after: Duration,
) -> (Vec<Submission>, String, usize) {
    let (pages, json): (VecDeque<usize>, VecDeque<usize>) =
        (first..submissions.len()).partition(|i| submissions[*i].by_pages());
    // The page respondents first walk to a review page each, so that their submits fall into
    // the kill window as well.
    let client = browser();
    let mut prepared = Vec::new();
    for &index in pages.iter().take(BY_PAGES) {
        match walk_to_review(&client, &server.address, &submissions[index]).await {
            Ok(review) => prepared.push((index, review)),
            Err(_) => panic!("submission {index}: no review page"),
        }
    }
    let pages = Arc::new(Mutex::new(pages.into_iter().skip(BY_PAGES).collect()));
    let json = Arc::new(Mutex::new(json));
    let ledger = Arc::new(Mutex::new(submissions));
    let problems = Arc::new(Mutex::new(Vec::new()));
    let respondent = |queue: &Arc<Mutex<VecDeque<usize>>>, prepared: Option<(usize, String)>| {
        respondent(
            server.address.clone(),
            Arc::clone(&ledger),
            Arc::clone(queue),
            Arc::clone(&problems),
            prepared.is_some(),
            prepared,
        )
    };
    let mut respondents: Vec<_> = prepared
        .into_iter()
        .map(|review| respondent(&pages, Some(review)))
        .collect();
    respondents.extend((0..BY_JSON).map(|_| respondent(&json, None)));
    let respondents = futures_util::future::join_all(respondents);
    let kill = async move {
        tokio::time::sleep(after).await;
        server.kill()
    };
    let (_, log) = tokio::join!(respondents, kill);
    let problems = problems.lock().unwrap().clone();
    assert!(problems.is_empty(), "{problems:?}");
    let left = pages.lock().unwrap().len() + json.lock().unwrap().len();
    let submissions = Arc::into_inner(ledger).unwrap().into_inner().unwrap();
    (submissions, log, left)
}

/// Asserts that a killed server's log reports durable commits on its pool (and on SQLite its
/// submission writer's own connection).
fn assert_logged_durable(log: &str, postgres: bool) {
    let setting = if postgres {
        "synchronous_commit=on"
    } else {
        "synchronous=full"
    };
    let reports: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("commits are durable"))
        .collect();
    let connections = if postgres { 1 } else { 2 };
    assert!(
        reports.len() == connections && reports.iter().all(|line| line.contains(setting)),
        "{reports:?}"
    );
}

#[actix_web::test]
async fn a_killed_server_keeps_every_acknowledged_response_and_spends_no_invitation_without_one() {
    let runs: usize = std::env::var("PSA_CRASH_RUNS")
        .map(|runs| runs.parse().expect("PSA_CRASH_RUNS is a number"))
        .unwrap_or(3);
    let seed: u64 = std::env::var("PSA_CRASH_SEED")
        .map(|seed| seed.parse().expect("PSA_CRASH_SEED is a number"))
        .unwrap_or_else(|_| rand::random());
    let database = TestDatabase::new();
    let postgres = database.is_postgres();
    let backend = if postgres { "PostgreSQL" } else { "SQLite" };
    eprintln!("crash test on {backend}: {runs} kills, PSA_CRASH_SEED={seed}");
    let mut rng = StdRng::seed_from_u64(seed);
    turn_off_durable_commits_by_default(&database);
    let keys = Keys::generate_env_lines();
    let token_key = token_key(&keys);

    let mut server = Instance::ready(Instance::spawn(&database, &keys));
    set_up_by_cli(&database);
    let bearer = bearer_by_cli(&database, "hr@example.nl");
    let hr = Api::new(&server.address, &bearer);
    let units = import(
        &hr,
        "Zorg;1000000\nZorg/Team A;100000\nZorg/Team B;100000\n",
    )
    .await;
    let units: Vec<String> = ["Zorg", "Zorg/Team A", "Zorg/Team B"]
        .map(|path| unit_id(&units, path).to_owned())
        .into();
    let units: Vec<&str> = units.iter().map(String::as_str).collect();
    let round = open_round(
        &hr,
        json!({"name": "PSA 2026", "questionnaire_id": "psa-basis"}),
    )
    .await;
    let round_id = round["id"].as_str().unwrap().to_owned();

    let started = Instant::now();
    let mut submissions: Vec<Submission> = Vec::new();
    let mut in_flight = 0;
    let mut tally = Tally::default();
    for run in 1..=runs {
        assert_durable(&server.address, postgres).await;
        let hr = Api::new(&server.address, &bearer);
        let first = submissions.len();
        submissions.extend(invite_all(&hr, &round, &units, PER_UNIT, first).await);
        let after = Duration::from_millis(rng.random_range(KILL_AFTER_MS));
        let (log, left);
        (submissions, log, left) = kill_while_submitting(server, submissions, first, after).await;
        assert_logged_durable(&log, postgres);
        let unanswered = submissions[first..]
            .iter()
            .filter(|s| s.outcome == Outcome::Sent)
            .count();
        in_flight += unanswered;

        // Started again on the same database.
        server = Instance::ready(Instance::spawn(&database, &keys));
        let mut conn = DbConnection::open(&database.url).unwrap();
        tally = assert_consistent(&mut conn, &round_id, &token_key, &submissions);
        let progress: Value = Api::new(&server.address, &bearer)
            .get(&format!("/api/v1/rounds/{round_id}/progress"))
            .await;
        assert_eq!(progress["responded"], tally.stored, "{progress}");
        eprintln!(
            "kill {run} after {after:?}: {unanswered} submissions in flight, {left} not begun; \
             in all {} acknowledged, {} stored",
            tally.acknowledged, tally.stored
        );
    }

    assert!(in_flight > 0, "no kill met a submission in flight");
    let by_pages = submissions
        .iter()
        .filter(|s| s.by_pages() && s.outcome == Outcome::Acknowledged)
        .count();
    eprintln!(
        "crash test on {backend}: {runs} kills in {:.1?}; {} submissions sent, {} acknowledged \
         ({by_pages} through the pages), {} stored ({} of them unacknowledged), \
         {in_flight} in flight at a kill; failures: none",
        started.elapsed(),
        tally.acknowledged + tally.stored_unacknowledged + tally.not_stored,
        tally.acknowledged,
        tally.stored,
        tally.stored_unacknowledged,
    );

    // The service serves again: new responses are taken, by JSON and through the pages, and the
    // round closes with them all.
    let hr = Api::new(&server.address, &bearer);
    let mut last = invite_all(&hr, &round, &units[..1], 2, submissions.len()).await;
    let client = browser();
    let response = submit(&client, &server.address, &last[0]).await.unwrap();
    assert_eq!(response.status(), 201);
    let Ok(review) = walk_to_review(&client, &server.address, &last[1]).await else {
        panic!("no review page");
    };
    assert!(matches!(
        submit_review(&client, &server.address, &last[1], &review).await,
        Answered::Stored
    ));
    for submission in &mut last {
        submission.outcome = Outcome::Acknowledged;
    }
    submissions.extend(last);
    let mut conn = DbConnection::open(&database.url).unwrap();
    let before_close = assert_consistent(&mut conn, &round_id, &token_key, &submissions);
    let closed = hr
        .post(&format!("/api/v1/rounds/{round_id}/close"), json!({}))
        .await;
    assert_eq!(closed.status(), 200);
    let closed_responses: i64 = responses::table
        .filter(responses::round_id.eq(&round_id))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(closed_responses, before_close.stored as i64);
    let log = server.stop();
    assert!(!log.contains("panicked"), "{log}");
}
