//! Survey traffic against the real `psa` binary, with the ceilings to read it against.
//!
//! `cargo bench --bench load -- [--db sqlite|postgres] [--responses N] [--concurrency C]
//! [--mode json|html|both] [--close N]` (all options: `-- --help`) starts the release binary on
//! a fresh database (an SQLite file under target/tmp, or a new PostgreSQL database that is
//! dropped afterwards), opens a round of the default questionnaire over 20 teams, hands out
//! invitations through the API, and then, on that one server:
//!
//! 1. times `GET /healthz` (the HTTP stack's ceiling) and the questionnaire page `GET /s/{token}`;
//! 2. submits complete responses with distinct tokens at the chosen concurrency, by JSON and/or
//!    through the answering pages (every page of one questionnaire counts as one response);
//! 3. runs the storage's ceiling: on SQLite a bare loop of `db::rounds::submit` (a transaction
//!    per response, and batched with a savepoint per response), on PostgreSQL pgbench running
//!    the same transaction (`submit.pgbench`);
//! 4. tops the round up to `--close` responses through the library and times closing it over
//!    HTTP (shuffle, cleanup, scoring, storing the results);
//! 5. restarts psa on the now full database and times its start-up.
//!
//! It prints throughput, latency percentiles, errors, the server's memory (idle `VmRSS`, peak
//! `VmHWM`), the durability settings in force, and a summary table for docs/performance.md.

mod ceiling;
mod database;
mod drive;
mod hr;
#[path = "../shared/organisation.rs"]
mod organisation;
mod respondent;
mod server;
#[path = "../shared/synthetic.rs"]
mod synthetic;

use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use diesel::prelude::*;
use psa::catalog::Catalog;
use psa::db::rounds;
use psa::db::schema::response_inbox;
use rand::SeedableRng;
use rand::rngs::SmallRng;

use crate::database::Database;
use crate::drive::{Done, Percentiles, Run, drive, ms};
use crate::server::{Memory, Server};

pub type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Mode {
    Json,
    Html,
    Both,
}

/// Survey traffic against the real psa binary on a fresh database.
#[derive(Debug, Parser)]
#[command(name = "cargo bench --bench load --")]
struct Options {
    /// The database psa runs on.
    #[arg(long, value_enum, default_value = "sqlite")]
    db: Backend,
    /// Complete responses to submit (per way of answering).
    #[arg(long, default_value_t = 20_000)]
    responses: usize,
    /// Concurrent clients (keep-alive connections).
    #[arg(long, default_value_t = 200)]
    concurrency: usize,
    /// How respondents answer: by JSON, through the pages (about 13 requests a response), or
    /// both one after the other.
    #[arg(long, value_enum, default_value = "json")]
    mode: Mode,
    /// Requests of each read-only phase (`GET /healthz`, the questionnaire page).
    #[arg(long, default_value_t = 20_000)]
    requests: usize,
    /// Responses in the round when it is closed and timed (topped up through the library); 0
    /// skips closing.
    #[arg(long, default_value_t = 100_000)]
    close: usize,
    /// Transactions of each storage ceiling run.
    #[arg(long, default_value_t = 20_000)]
    ceiling: usize,
    /// At most this many seconds for each bare SQLite loop.
    #[arg(long, default_value_t = 10)]
    ceiling_secs: u64,
    /// A PostgreSQL role that may create databases (`--db postgres`).
    #[arg(
        long,
        env = "PSA_BENCH_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    postgres_url: String,
    /// psa's log level (`info` logs a line per request, as in production).
    #[arg(long, default_value = "info")]
    log: String,
}

/// The figures the summary table is made of.
#[derive(Default)]
struct Figures {
    started_in: Duration,
    idle: Memory,
    json: Option<Run>,
    html: Option<Run>,
    pages: Option<Run>,
    healthz: Option<Run>,
    load_memory: Memory,
    sqlite: Option<ceiling::SqliteCeiling>,
    pgbench: Vec<ceiling::Pgbench>,
    close: Option<(usize, Duration, Memory)>,
    restarted_in: Option<(Duration, Memory)>,
}

fn main() -> BenchResult<()> {
    // `cargo bench` passes `--bench` to every bench binary.
    let options = Options::parse_from(std::env::args().filter(|a| a != "--bench"));
    let catalog = Catalog::shipped()?;
    let q = &catalog
        .get("psa-basis")
        .ok_or("no default questionnaire")?
        .questionnaire;
    let database = match options.db {
        Backend::Sqlite => Database::sqlite()?,
        Backend::Postgres => Database::postgres(&options.postgres_url)?,
    };
    let seed = database::seed(&mut database.connect()?)?;
    let (json_n, html_n) = match options.mode {
        Mode::Json => (options.responses, 0),
        Mode::Html => (0, options.responses),
        Mode::Both => (options.responses, options.responses),
    };
    println!(
        "load: {:?}, {} JSON and {} page responses, {} clients, {} CPUs, load average {}, run directory {}",
        options.db,
        json_n,
        html_n,
        options.concurrency,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load_average(),
        database.dir().display()
    );

    let mut figures = Figures::default();
    let server = Server::start(&database, &options.log)?;
    figures.started_in = server.started_in;
    figures.idle = server.memory();
    println!(
        "start-up to ready (migrated database): {}; idle memory {:.1} MB (pid {})",
        ms(server.started_in),
        figures.idle.rss_mb(),
        server.pid()
    );
    println!("durability: {}", database.durability()?);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(usize::MAX)
        .tcp_nodelay(true)
        // Below actix's keep-alive (5 s), so that no request goes out on a connection the
        // server is closing (after the ceilings the pool has been idle for a while).
        .pool_idle_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(60))
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let hr = hr::Hr::new(client.clone(), &server.base, &seed.token);
    let round = runtime.block_on(hr.open_round("Load"))?;
    let json_tokens = Arc::new(runtime.block_on(hr.invite(&round, &seed.teams, json_n))?);
    let html_tokens = Arc::new(runtime.block_on(hr.invite(&round, &seed.teams, html_n))?);
    println!(
        "round {round} open with {} invitations",
        json_tokens.len() + html_tokens.len()
    );

    let c = options.concurrency;
    let base = Arc::new(server.base.clone());
    let get = |path: Arc<dyn Fn(usize) -> String + Send + Sync>, what: &'static str| {
        let client = client.clone();
        move |i: usize| {
            let (client, url) = (client.clone(), path(i));
            async move {
                respondent::get_page(&client, &url, what).await?;
                Ok::<_, drive::Failure>(Done {
                    requests: 1,
                    page: None,
                })
            }
        }
    };

    let healthz = {
        let base = Arc::clone(&base);
        get(Arc::new(move |_| format!("{base}/healthz")), "GET /healthz")
    };
    let run = runtime.block_on(drive(c, options.requests, healthz));
    report("GET /healthz", "requests", &run);
    figures.healthz = Some(run);

    // The page is only read, so the tokens stay unspent for the responses that follow.
    let page_tokens = Arc::clone(if html_tokens.is_empty() {
        &json_tokens
    } else {
        &html_tokens
    });
    if !page_tokens.is_empty() {
        let base = Arc::clone(&base);
        let page = get(
            Arc::new(move |i| format!("{base}/s/{}", page_tokens[i % page_tokens.len()])),
            "GET /s/{token}",
        );
        let run = runtime.block_on(drive(c, options.requests, page));
        report("questionnaire page GET /s/{token}", "requests", &run);
        figures.pages = Some(run);
    }

    if json_n > 0 {
        let mut rng = SmallRng::seed_from_u64(2026);
        let bodies: Arc<Vec<String>> = Arc::new(
            (0..json_n)
                .map(|_| respondent::json_body(q, &synthetic::synthetic(q, &mut rng)))
                .collect(),
        );
        let (client, base, tokens) = (client.clone(), Arc::clone(&base), json_tokens);
        let run = runtime.block_on(drive(c, json_n, move |i| {
            let url = format!("{base}/api/v1/respond/{}", tokens[i]);
            respondent::submit_json(client.clone(), url, bodies[i].clone())
        }));
        report("responses by JSON", "responses", &run);
        println!(
            "  server memory so far: peak {:.1} MB",
            server.memory().peak_mb()
        );
        figures.json = Some(run);
    }
    if html_n > 0 {
        let (client, base, tokens) = (client.clone(), Arc::clone(&base), html_tokens);
        let run = runtime.block_on(drive(c, html_n, move |i| {
            let url = format!("{base}/s/{}", tokens[i]);
            respondent::submit_pages(client.clone(), url, i as u64)
        }));
        report("responses through the pages", "responses", &run);
        println!(
            "  {:.1} requests per response; their first page GET: {}",
            run.requests as f64 / run.latencies.len().max(1) as f64,
            Percentiles::of(&run.pages)
        );
        println!(
            "  server memory so far: peak {:.1} MB",
            server.memory().peak_mb()
        );
        figures.html = Some(run);
    }
    figures.load_memory = server.memory();

    let mut conn = database.connect()?;
    if database.is_postgres() {
        let limit = ceiling::postgres_client_limit(&mut conn)?;
        let clients = c.min(limit);
        if clients < c {
            println!("pgbench: {c} clients exceed the server's max_connections; running {clients}");
        }
        for clients in [clients, 8] {
            let pg = ceiling::pgbench(
                database.url(),
                &mut conn,
                &seed,
                q,
                clients,
                options.ceiling,
                database.dir(),
            )?;
            println!(
                "ceiling, pgbench {} clients ({} transactions of submit.pgbench): {:.0} tps; latency {}; {} failed",
                pg.clients,
                pg.transactions,
                pg.tps,
                Percentiles::of(&pg.latencies),
                pg.failed
            );
            figures.pgbench.push(pg);
        }
    } else {
        let sqlite = ceiling::sqlite(
            database.dir(),
            q,
            options.ceiling,
            c,
            Duration::from_secs(options.ceiling_secs),
        )?;
        println!(
            "ceiling, bare SQLite loop of db::rounds::submit ({}): {:.0}/s with a transaction each, {:.0}/s with {} to a transaction (a savepoint each)",
            sqlite.durability, sqlite.single, sqlite.batched, sqlite.batch
        );
        figures.sqlite = Some(sqlite);
    }

    if options.close > 0 {
        let row = rounds::get(&mut conn, &seed.organisation, &round)?.ok_or("the round is gone")?;
        let arrived: i64 = response_inbox::table
            .filter(response_inbox::round_id.eq(&round))
            .count()
            .get_result(&mut conn)?;
        let missing = options.close.saturating_sub(usize::try_from(arrived)?);
        let tickets = database::invitations(&mut conn, &seed, &row, "fill-", missing)?;
        let answers = ceiling::packed_answers(q, 1024);
        let (filled, took) = ceiling::submit_all(
            &mut conn,
            &seed,
            &row,
            &tickets,
            &answers,
            1000,
            Duration::MAX,
        )?;
        let total = usize::try_from(arrived)? + filled;
        println!(
            "close: {arrived} responses from the load, {filled} added through the library in {:.1} s",
            took.as_secs_f64()
        );
        let closed_in = runtime.block_on(hr.close(&round))?;
        let memory = server.memory();
        println!(
            "closing a round of {total} responses (POST /api/v1/rounds/{{id}}/close): {}; server peak memory {:.1} MB",
            ms(closed_in),
            memory.peak_mb()
        );
        figures.close = Some((total, closed_in, memory));
    }
    drop(conn);

    drop(server);
    let server = Server::start(&database, &options.log)?;
    let memory = server.memory();
    println!(
        "start-up to ready (database after the run): {}; idle memory {:.1} MB",
        ms(server.started_in),
        memory.rss_mb()
    );
    figures.restarted_in = Some((server.started_in, memory));
    drop(server);

    println!("load average at the end: {}", load_average());
    summary(&options, &figures);
    Ok(())
}

/// The machine's 1, 5 and 15 minute load averages: other work on the two cores skews every
/// figure, and this tells whether there was any.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

fn report(name: &str, unit: &str, run: &Run) {
    println!(
        "{name}: {} {unit} in {:.2} s = {:.0}/s; latency {}; {} requests; {} errors",
        run.latencies.len(),
        run.elapsed.as_secs_f64(),
        run.throughput(),
        Percentiles::of(&run.latencies),
        run.requests,
        run.error_count()
    );
    for (error, count) in &run.errors {
        println!("  {count} × {error}");
    }
}

/// The table for docs/performance.md: Measure | Target | Measured.
fn summary(options: &Options, f: &Figures) {
    let postgres = options.db == Backend::Postgres;
    let mut rows: Vec<(String, String, String)> = Vec::new();
    let mut row = |measure: String, target: &str, measured: String| {
        rows.push((measure, target.to_owned(), measured));
    };
    let c = options.concurrency;
    if let Some(run) = &f.json {
        let p = Percentiles::of(&run.latencies);
        let target = if postgres {
            "≥ ½ of pgbench"
        } else {
            "≥ 5,000/s"
        };
        row(
            format!("Responses by JSON, {c} clients"),
            target,
            format!("{:.0}/s", run.throughput()),
        );
        row(
            "JSON response latency p50 / p95 / p99".into(),
            "p99 < 100 ms",
            format!("{} / {} / {}", ms(p.p50), ms(p.p95), ms(p.p99)),
        );
        row(
            "JSON errors".into(),
            "0",
            format!("{} of {}", run.error_count(), options.responses),
        );
    }
    if let Some(run) = &f.html {
        let p = Percentiles::of(&run.latencies);
        row(
            format!("Responses through the pages, {c} clients"),
            "—",
            format!(
                "{:.0}/s ({:.1} requests each), p99 {}, {} errors",
                run.throughput(),
                run.requests as f64 / run.latencies.len().max(1) as f64,
                ms(p.p99),
                run.error_count()
            ),
        );
    }
    if let Some(run) = &f.pages {
        let p = Percentiles::of(&run.latencies);
        row(
            format!("Questionnaire page GET, {c} clients"),
            "p99 < 20 ms",
            format!(
                "p50 {} / p99 {} ({:.0}/s)",
                ms(p.p50),
                ms(p.p99),
                run.throughput()
            ),
        );
    }
    if let Some(run) = &f.healthz {
        row(
            format!("Ceiling: `GET /healthz`, {c} clients"),
            "—",
            format!(
                "{:.0}/s, p99 {}",
                run.throughput(),
                ms(Percentiles::of(&run.latencies).p99)
            ),
        );
    }
    if let Some(s) = &f.sqlite {
        row(
            "Ceiling: bare loop of `submit`, a transaction each".into(),
            "—",
            format!("{:.0}/s", s.single),
        );
        row(
            format!("Ceiling: bare loop, {} to a transaction", s.batch),
            "—",
            format!("{:.0}/s", s.batched),
        );
    }
    for pg in &f.pgbench {
        row(
            format!("Ceiling: pgbench, {} clients", pg.clients),
            "—",
            format!(
                "{:.0} tps, p99 {}",
                pg.tps,
                ms(Percentiles::of(&pg.latencies).p99)
            ),
        );
    }
    if let Some((total, took, _)) = &f.close {
        row(
            format!("Closing a round of {total} responses"),
            "< 5 s",
            format!("{:.2} s", took.as_secs_f64()),
        );
    }
    row(
        "Memory idle (VmRSS after start)".into(),
        "< 50 MB",
        format!("{:.1} MB", f.idle.rss_mb()),
    );
    row(
        "Memory peak during the load (VmHWM)".into(),
        "< 250 MB",
        format!("{:.1} MB", f.load_memory.peak_mb()),
    );
    if let Some((_, _, memory)) = &f.close {
        row(
            "Memory peak including the close".into(),
            "—",
            format!("{:.1} MB", memory.peak_mb()),
        );
    }
    row(
        "Start-up to ready, migrated database".into(),
        "< 1 s",
        ms(f.started_in),
    );
    if let Some((took, memory)) = &f.restarted_in {
        row(
            "Start-up to ready, database after the run".into(),
            "< 1 s",
            format!("{} (idle {:.1} MB)", ms(*took), memory.rss_mb()),
        );
    }
    println!("\n| Measure | Target | Measured |\n|---|---|---|");
    for (measure, target, measured) in rows {
        println!("| {measure} | {target} | {measured} |");
    }
}
