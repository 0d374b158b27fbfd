//! Losing the database (docs/durability.md), on PostgreSQL through a TCP proxy between psa and
//! the server that the test cuts (every proxied connection reset, new ones refused) while
//! respondents submit: requests answer 503 within a bounded time, the API with a problem document
//! and `Retry-After`, the pages with a friendly page; nothing is half-written; and once the
//! database is reachable again the service recovers by itself, without a restart.

use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use psa::config::DatabaseUrl;
use psa::db::DbConnection;
use psa::db::connection::CONNECTION_TIMEOUT;
use serde_json::{Value, json};
use tokio::net::{TcpSocket, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

use crate::crash::{
    Outcome, Submission, assert_consistent, assert_durable, invite_all, submit,
    turn_off_durable_commits_by_default,
};
use crate::helpers::{TestDatabase, browser, spawn_app_on};
use crate::rounds::{hr, open_round};

/// Respondents submitting at once: more than the pool has connections (8).
const RESPONDENTS: usize = 24;
/// The longest a request may take while the database is away: the pool's connection timeout
/// (2 s) and slack for a busy machine.
const PROMPT: Duration = Duration::from_secs(4);
/// How long the database stays away.
const OUTAGE: Duration = Duration::from_secs(3);
/// How soon after the database is back requests succeed again.
const RECOVERY: Duration = Duration::from_secs(5);
/// A respondent who got 503 submits again after this long.
const RETRY: Duration = Duration::from_millis(100);

/// A TCP proxy that forwards each connection to `upstream`, until it is cut. On a runtime of its
/// own: the test's thread blocks on the database at times (setting up), through the proxy.
struct Proxy {
    address: SocketAddr,
    upstream: SocketAddr,
    runtime: Option<tokio::runtime::Runtime>,
    serving: Option<JoinHandle<()>>,
}

impl Proxy {
    fn start(upstream: SocketAddr) -> Proxy {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_io()
            .build()
            .unwrap();
        let mut proxy = Proxy {
            address: "127.0.0.1:0".parse().unwrap(),
            upstream,
            runtime: Some(runtime),
            serving: None,
        };
        proxy.restore();
        proxy
    }

    /// Listens (again, on the same port) and forwards.
    fn restore(&mut self) {
        let runtime = self.runtime.as_ref().unwrap();
        let _inside = runtime.enter();
        let socket = TcpSocket::new_v4().unwrap();
        // The cut left the port's connections in TIME_WAIT.
        socket.set_reuseaddr(true).unwrap();
        socket.bind(self.address).unwrap();
        let listener = socket.listen(128).unwrap();
        self.address = listener.local_addr().unwrap();
        let upstream = self.upstream;
        self.serving = Some(runtime.spawn(async move {
            let mut connections = JoinSet::new();
            while let Ok((mut inbound, _)) = listener.accept().await {
                // Cut off, psa's end of the connection is reset, as a firewall does.
                inbound.set_zero_linger().unwrap();
                connections.spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                while connections.try_join_next().is_some() {}
            }
        }));
    }

    /// Resets every proxied connection and closes the listener: connecting is refused.
    async fn cut(&mut self) {
        let serving = self.serving.take().expect("serving");
        serving.abort();
        let _ = serving.await;
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// One answer a respondent got.
struct Answer {
    sent: Instant,
    took: Duration,
    status: u16,
    content_type: String,
    retry_after: bool,
    /// The body, when it came whole.
    body: Option<String>,
    /// A submission tried again after a 503.
    again: bool,
}

impl Answer {
    async fn of(sent: Instant, response: reqwest::Response) -> Answer {
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap_or_default().to_owned())
        };
        let (content_type, retry_after) = (header("content-type"), header("retry-after"));
        let status = response.status().as_u16();
        let body = response.text().await.ok();
        Answer {
            sent,
            took: sent.elapsed(),
            status,
            content_type: content_type.unwrap_or_default(),
            retry_after: retry_after.is_some(),
            body,
            again: false,
        }
    }

    /// Whether this is the API's 503: a whole problem document saying the service is
    /// unavailable, with `Retry-After`.
    fn is_unavailable_problem(&self) -> bool {
        let problem: Option<Value> = self
            .body
            .as_deref()
            .and_then(|body| serde_json::from_str(body).ok());
        self.status == 503
            && self.retry_after
            && self.content_type.starts_with("application/problem+json")
            && problem.is_some_and(|p| p["type"] == "urn:psa:problem:unavailable")
    }
}

impl std::fmt::Debug for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let body: String = self
            .body
            .as_deref()
            .unwrap_or("(cut)")
            .chars()
            .take(200)
            .collect();
        write!(
            f,
            "{} in {:?} ({}): {body}",
            self.status, self.took, self.content_type
        )
    }
}

async fn get(request: reqwest::RequestBuilder) -> Answer {
    let sent = Instant::now();
    Answer::of(sent, request.send().await.expect("psa answers")).await
}

/// Submits from `queue` until `stop`; after a 503 the same submission again, and a 404 then
/// means that the attempt that got 503 was stored after all.
async fn respondent(
    base: String,
    ledger: Arc<Mutex<Vec<Submission>>>,
    queue: Arc<Mutex<std::collections::VecDeque<usize>>>,
    answers: Arc<Mutex<Vec<Answer>>>,
    stop: Arc<AtomicBool>,
) {
    let client = browser();
    while !stop.load(Ordering::Relaxed) {
        let Some(index) = queue.lock().unwrap().pop_front() else {
            return;
        };
        let submission = ledger.lock().unwrap()[index].clone();
        let mark = |outcome| ledger.lock().unwrap()[index].outcome = outcome;
        mark(Outcome::Sent);
        let mut refused = false;
        loop {
            let sent = Instant::now();
            let response = submit(&client, &base, &submission).await;
            let mut answer = Answer::of(sent, response.expect("psa answers")).await;
            answer.again = refused;
            let status = answer.status;
            answers.lock().unwrap().push(answer);
            match status {
                201 => mark(Outcome::Acknowledged),
                503 => {
                    mark(Outcome::Unavailable);
                    refused = true;
                    tokio::time::sleep(RETRY).await;
                    continue;
                }
                404 if refused => mark(Outcome::Acknowledged),
                _ => {}
            }
            break;
        }
    }
}

#[actix_web::test]
async fn cut_off_from_its_database_psa_answers_503_promptly_and_recovers_by_itself() {
    let Some(database) = TestDatabase::postgres_only(
        "cut_off_from_its_database_psa_answers_503_promptly_and_recovers_by_itself",
    ) else {
        return;
    };
    turn_off_durable_commits_by_default(&database);
    let direct = database.url.clone();
    let mut url = url::Url::parse(&database.env_url()).unwrap();
    let upstream = (url.host_str().unwrap(), url.port().unwrap_or(5432))
        .to_socket_addrs()
        .unwrap()
        .next()
        .unwrap();
    let mut proxy = Proxy::start(upstream);
    url.set_host(Some("127.0.0.1")).unwrap();
    url.set_port(Some(proxy.address.port())).unwrap();
    let app = spawn_app_on(database, None, |settings| {
        settings.database = DatabaseUrl::parse(url.as_str()).unwrap();
    })
    .await;
    let token_key = app.state.settings.keys.token;
    let hr = hr(&app).await;
    let round = open_round(&hr, json!({"name": "R", "questionnaire_id": "psa-basis"})).await;
    let round_id = round["id"].as_str().unwrap().to_owned();
    let submissions = invite_all(&hr, &round, &[""], 400, 0).await;
    // Kept for the pages and never submitted.
    let spare = submissions.last().unwrap().token.clone();
    let queue = Arc::new(Mutex::new((0..submissions.len() - 1).collect()));
    let ledger = Arc::new(Mutex::new(submissions));
    let answers = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));

    let respondents = futures_util::future::join_all((0..RESPONDENTS).map(|_| {
        respondent(
            app.address.clone(),
            Arc::clone(&ledger),
            Arc::clone(&queue),
            Arc::clone(&answers),
            Arc::clone(&stop),
        )
    }));
    let acknowledged_since = |since: Instant| {
        answers
            .lock()
            .unwrap()
            .iter()
            .filter(|a| a.status == 201 && a.sent >= since)
            .count()
    };
    let page = || {
        browser()
            .get(app.url(&format!("/s/{spare}")))
            .header("Accept-Language", "en")
    };
    let test = async {
        let start = Instant::now();
        while acknowledged_since(start) < 20 {
            assert!(start.elapsed() < Duration::from_secs(10), "no responses");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        proxy.cut().await;
        let cut_at = Instant::now();
        // While the database is away: a respondent's page, HR's program, the readiness probe.
        let (page_then, api_then, ready_then) = tokio::join!(
            get(page()),
            get(hr.request(
                reqwest::Method::GET,
                &format!("/api/v1/rounds/{round_id}/progress")
            )),
            get(browser().get(app.url("/readyz"))),
        );
        tokio::time::sleep_until((cut_at + OUTAGE).into()).await;
        proxy.restore();
        let restored_at = Instant::now();
        while acknowledged_since(restored_at) == 0 {
            assert!(
                restored_at.elapsed() < RECOVERY,
                "not recovered {RECOVERY:?} after the database came back"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let recovered_in = restored_at.elapsed();
        while acknowledged_since(restored_at) < 20 {
            assert!(restored_at.elapsed() < Duration::from_secs(10), "too slow");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        stop.store(true, Ordering::Relaxed);
        (
            page_then,
            api_then,
            ready_then,
            cut_at,
            restored_at,
            recovered_in,
        )
    };
    let (_, (page_then, api_then, ready_then, cut_at, restored_at, recovered_in)) =
        tokio::join!(respondents, test);

    // The people's page: a friendly page in their language, to come back to.
    assert_eq!(page_then.status, 503, "{page_then:?}");
    assert!(page_then.content_type.starts_with("text/html"));
    assert!(page_then.retry_after);
    let html = page_then.body.as_deref().unwrap();
    assert!(
        html.contains("Temporarily unavailable") && html.contains("nothing has been lost"),
        "{html}"
    );
    // HR's program is told the service is away, not that its token is wrong.
    assert!(api_then.is_unavailable_problem(), "{api_then:?}");
    assert!(ready_then.is_unavailable_problem(), "{ready_then:?}");
    for answer in [&page_then, &api_then, &ready_then] {
        assert!(answer.took <= PROMPT, "{answer:?}");
    }

    // Every submission answered in time and whole: stored (201), or 503 with a problem
    // document; and 404 only for a second try of one whose 503 came after all was stored.
    let answers = std::mem::take(&mut *answers.lock().unwrap());
    let during = |a: &&Answer| a.sent >= cut_at && a.sent + a.took < restored_at;
    let unavailable = answers.iter().filter(|a| a.status == 503).count();
    // Answered before any wait for a new connection ran out: their connection broke under them.
    let broken = answers
        .iter()
        .filter(|a| a.status == 503 && a.took < CONNECTION_TIMEOUT)
        .count();
    let slowest = answers
        .iter()
        .filter(during)
        .map(|a| a.took)
        .max()
        .unwrap_or_default();
    for answer in &answers {
        assert!(answer.took <= PROMPT && answer.body.is_some(), "{answer:?}");
        assert!(
            answer.status == 201
                || (answer.status == 404 && answer.again)
                || answer.is_unavailable_problem(),
            "{answer:?}"
        );
    }
    assert!(
        answers.iter().filter(during).all(|a| a.status == 503),
        "answered while the database was away"
    );
    assert!(unavailable > RESPONDENTS, "{unavailable} answers 503");

    // Nothing half-written: each invitation spent exactly when its response is stored.
    let submissions = Arc::into_inner(ledger).unwrap().into_inner().unwrap();
    let mut conn = DbConnection::open(&direct).unwrap();
    let tally = assert_consistent(&mut conn, &round_id, &token_key, &submissions);
    // Connections made after the outage commit durably too.
    assert_durable(&app.address, true).await;
    assert_eq!(get(page()).await.status, 200);
    eprintln!(
        "database away for {OUTAGE:?}: {unavailable} answers 503 ({broken} at once, on a \
         connection cut under them), the slowest in {slowest:?}; \
         recovered {recovered_in:?} after it came back; {} acknowledged, {} stored ({} of them \
         answered 503)",
        tally.acknowledged, tally.stored, tally.stored_unacknowledged
    );
}
