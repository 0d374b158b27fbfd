//! Scoring a large closed round from storage, and serving its stored results.
//!
//! `cargo bench --bench results` builds an SQLite database in a temporary directory: one
//! organisation with 300 units (15 departments of 19 teams), one closed round of the default
//! questionnaire and 1,000,000 synthetic responses spread over the teams. Then, in a fresh child
//! process each run (so that its peak memory is the scoring's alone), it times
//! `results::compute_and_store`: stream the responses, score them, suppress, evaluate, store.
//! Last it starts the real `psa` binary on that database and times `GET
//! /api/v1/rounds/{id}/results` over HTTP. Options after `--`: `--respondents N`, `--runs N`,
//! `--requests N`. Figures and their reading: docs/performance.md.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use psa::catalog::Catalog;
use psa::config::DatabaseUrl;
use psa::db::schema::{responses, round_results};
use psa::db::{DbConnection, rounds, tokens, units};
use psa::domain::OrganisationId;
use psa::domain::round::{MinGroupSize, covered_units};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

#[path = "shared/organisation.rs"]
mod organisation;
#[path = "shared/synthetic.rs"]
mod synthetic;

use synthetic::synthetic;

const DEPARTMENTS: usize = 15;
const TEAMS: usize = 19;

type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

fn main() -> BenchResult<()> {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    if args.first().map(String::as_str) == Some("score") {
        return score(&args[1], &args[2], &args[3]);
    }
    let option = |name: &str, default: usize| -> usize {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let respondents = option("--respondents", 1_000_000);
    let runs = option("--runs", 5);
    let requests = option("--requests", 50);

    let dir = tempfile::tempdir()?;
    let db_path = dir.path().join("psa.db");
    let url = format!("sqlite://{}", db_path.display());
    let started = Instant::now();
    let (organisation, round, token) = build_round(&url, respondents)?;
    let size = std::fs::metadata(&db_path)?.len();
    println!(
        "built: {respondents} responses over {} units, database {:.0} MB, in {:.1} s",
        DEPARTMENTS * (TEAMS + 1),
        size as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );

    let mut times = Vec::new();
    for run in 1..=runs {
        let mut conn = DbConnection::open(&DatabaseUrl::parse(&url)?)?;
        diesel::delete(round_results::table.filter(round_results::round_id.eq(&round)))
            .execute(&mut conn)?;
        drop(conn);
        let output = Command::new(std::env::current_exe()?)
            .args(["score", &url, organisation.as_str(), &round])
            .output()?;
        let report = String::from_utf8_lossy(&output.stdout).into_owned();
        if !output.status.success() {
            return Err(format!(
                "scoring failed: {report}{}",
                String::from_utf8_lossy(&output.stderr)
            )
            .into());
        }
        println!("score run {run}: {}", report.trim());
        times.push(
            report
                .split_whitespace()
                .next()
                .unwrap_or("0")
                .parse::<f64>()?,
        );
    }
    times.sort_by(f64::total_cmp);
    if let (Some(best), Some(worst)) = (times.first(), times.last()) {
        println!(
            "scoring: best {best:.0} ms, median {:.0} ms, worst {worst:.0} ms",
            times[times.len() / 2]
        );
    }

    serve_results(dir.path(), &url, &round, &token, requests)?;
    time_export(&url, &organisation, &round, runs)
}

/// Fills the plan with the first suggested measure of every orange or red risk (each with an
/// owner), then times the export: gathering its document, and rendering each format.
fn time_export(
    url: &str,
    organisation: &OrganisationId,
    round: &str,
    runs: usize,
) -> BenchResult<()> {
    use psa::export::{Request, build};
    use psa::render::export::{self as render, spreadsheet, tables};
    let mut conn = DbConnection::open(&DatabaseUrl::parse(url)?)?;
    let catalog = Catalog::shipped()?;
    let closed = psa::results::closed_round(&mut conn, organisation, round)?;
    let suggestions = psa::domain::plan::suggest(&closed.1, catalog.measures(), &closed.2);
    for risk in &suggestions {
        let Some(measure) = risk.measures.first() else {
            continue;
        };
        let choice = psa::plan::Choice {
            round_id: round,
            category: &risk.category,
            unit_id: risk.unit_id.as_deref(),
            measure_id: &measure.id,
            lang: psa::i18n::Lang::Nl,
        };
        let mut item = psa::plan::accept_suggestion(&mut conn, &catalog, organisation, choice)?;
        item.owner_name = Some("Eigenaar".into());
        item.owner_email = Some("eigenaar@example.nl".into());
        psa::db::plan::create(&mut conn, &item, "hr@example.nl")?;
    }
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let best = |times: &mut Vec<f64>| {
        times.sort_by(f64::total_cmp);
        times[0]
    };
    let mut gather = Vec::new();
    let mut formats: Vec<(&str, Vec<f64>, usize)> = vec![
        ("json", vec![], 0),
        ("zip", vec![], 0),
        ("xlsx", vec![], 0),
        ("pdf", vec![], 0),
    ];
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        let closed = psa::results::closed_round(&mut conn, organisation, round)?;
        let q = closed.1.clone();
        let loaded = started.elapsed();
        let charts = psa::export::charts(&mut conn, organisation, &closed, psa::i18n::Lang::Nl)?;
        let drawn = started.elapsed();
        let request = Request {
            id: "bench",
            lang: psa::i18n::Lang::Nl,
            now: psa::db::now(),
        };
        let doc = build(&mut conn, &catalog, organisation, closed, request)?;
        let built = started.elapsed();
        let tables = tables::tables(&doc, &q);
        gather.push(ms(started.elapsed()));
        println!(
            "export gathering: results {:.0} ms, charts {:.0} ms, document {:.0} ms, tables {:.0} ms",
            ms(loaded),
            ms(drawn - loaded),
            ms(built - drawn),
            ms(started.elapsed() - built)
        );
        let at = render::stamp(&doc);
        for (format, times, size) in &mut formats {
            let started = Instant::now();
            let bytes = match *format {
                "json" => render::json(&doc)?,
                "zip" => spreadsheet::csv_zip(doc.lang, &tables, at)?,
                "xlsx" => spreadsheet::xlsx(&tables, at)?,
                _ => render::pdf::pdf(&doc, &tables, &charts)?,
            };
            times.push(ms(started.elapsed()));
            *size = bytes.len();
            // To look at what was timed: PSA_BENCH_EXPORTS=dir keeps the last run's files.
            if let Some(dir) = std::env::var_os("PSA_BENCH_EXPORTS") {
                std::fs::write(
                    std::path::Path::new(&dir).join(format!("export.{format}")),
                    &bytes,
                )?;
            }
        }
    }
    // What `POST /api/v1/rounds/{id}/exports` does: gather once, render all four formats (the
    // PDF on a thread of its own), sign and store them.
    let lines = psa::keys::Keys::generate_env_lines();
    let keys = psa::keys::Keys::load(
        |var| {
            lines
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{var}=")).map(str::to_owned))
        },
        psa::keys::KeyStore::Required,
    )?;
    let signer = psa::export::signing::ExportSigner::new(&keys);
    let mut made = Vec::new();
    for run in 0..runs.max(1) {
        let id = format!("bench-{run}");
        let request = Request {
            id: &id,
            lang: psa::i18n::Lang::Nl,
            now: psa::db::now(),
        };
        let started = Instant::now();
        psa::export::make(
            &mut conn,
            &catalog,
            &signer,
            organisation,
            round,
            request,
            "bench",
        )?;
        made.push(ms(started.elapsed()));
    }
    let made_best = best(&mut made);
    println!(
        "export made as POST makes it (all four formats, signed, stored): best {made_best:.0} ms, median {:.0} ms",
        made[made.len() / 2]
    );
    let gather = best(&mut gather);
    println!(
        "export: {} plan items; gathering the document, its tables and charts: best {gather:.0} ms",
        suggestions.len()
    );
    for (format, mut times, size) in formats {
        let render = best(&mut times);
        let median = times[times.len() / 2];
        println!(
            "export {format}: render best {render:.0} ms (median {median:.0} ms), with gathering {:.0} ms, {:.0} KB",
            gather + render,
            size as f64 / 1e3
        );
    }
    Ok(())
}

/// One organisation, its units, and a closed round holding `respondents` synthetic responses.
fn build_round(url: &str, respondents: usize) -> BenchResult<(OrganisationId, String, String)> {
    let mut conn = DbConnection::open(&DatabaseUrl::parse(url)?)?;
    let (user, org) = organisation::organisation(&mut conn, "Bench BV", DEPARTMENTS, TEAMS)?;
    let catalog = Catalog::shipped()?;
    let entry = catalog.get("psa-basis").ok_or("no default questionnaire")?;
    let row = rounds::create(
        &mut conn,
        &org,
        &rounds::NewRound {
            name: "Benchmark",
            questionnaire_id: "psa-basis",
            languages: &["nl".to_owned(), "en".to_owned()],
            min_group_size: MinGroupSize::new(10)?,
            opens_at: None,
            closes_at: None,
            units: &[],
        },
    )?;
    let frozen = covered_units(&units::tree(&mut conn, &org)?, &[]);
    rounds::open(
        &mut conn,
        &org,
        &row.id,
        &entry.source,
        &entry.digest,
        &frozen,
    )?;
    rounds::close(&mut conn, &org, &row.id)?;

    // Responses as close leaves them: random ids, in no meaningful order, teams only.
    let teams: Vec<&str> = frozen
        .iter()
        .filter(|u| u.parent.is_some())
        .map(|u| u.id.as_str())
        .collect();
    let q = &entry.questionnaire;
    let mut rng = SmallRng::seed_from_u64(2026);
    let DbConnection::Sqlite(sqlite) = &mut conn else {
        return Err("the benchmark runs on SQLite".into());
    };
    sqlite.immediate_transaction(|conn| -> BenchResult<()> {
        let mut batch = Vec::with_capacity(4000);
        for i in 0..respondents {
            let unit = teams[rng.random_range(0..teams.len())];
            batch.push((
                responses::id.eq(psa::secret::new_id()),
                responses::organisation_id.eq(org.as_str()),
                responses::round_id.eq(row.id.as_str()),
                responses::unit_id.eq(unit),
                responses::answers.eq(synthetic(q, &mut rng).pack(q)),
            ));
            if batch.len() == 4000 || i + 1 == respondents {
                diesel::insert_into(responses::table)
                    .values(&batch)
                    .execute(conn)?;
                batch.clear();
            }
        }
        Ok(())
    })?;
    let (_, token) = tokens::create(&mut conn, &org, &user.id, "benchmark")?;
    Ok((org, row.id, token))
}

/// The child: compute and store the round's results once; print milliseconds and peak memory.
fn score(url: &str, organisation: &str, round: &str) -> BenchResult<()> {
    let mut conn = DbConnection::open(&DatabaseUrl::parse(url)?)?;
    let organisation = OrganisationId::new(organisation);
    let started = Instant::now();
    let json = psa::results::compute_and_store(&mut conn, &organisation, round)?;
    let elapsed = started.elapsed();
    let peak_kb = std::fs::read_to_string("/proc/self/status")?
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap_or(0);
    println!(
        "{:.1} ms, peak memory {:.1} MB, results {:.2} MB of JSON",
        elapsed.as_secs_f64() * 1e3,
        peak_kb as f64 / 1024.0,
        json.len() as f64 / 1e6
    );
    Ok(())
}

/// Starts `psa` on the database and times GET of the stored results.
fn serve_results(
    data_dir: &Path,
    url: &str,
    round: &str,
    token: &str,
    requests: usize,
) -> BenchResult<()> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_psa"))
        .env("PSA_DATABASE_URL", url)
        .env("PSA_DATA_DIR", data_dir)
        .env("PSA_BIND", "127.0.0.1:0")
        .env("PSA_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let mut first = String::new();
    BufReader::new(child.stdout.take().ok_or("no stdout")?).read_line(&mut first)?;
    let address = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .ok_or("psa printed no address")?
        .trim_end_matches('/')
        .to_owned();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let timed = runtime.block_on(async {
        let client = reqwest::Client::new();
        let path = format!("{address}/api/v1/rounds/{round}/results");
        let mut times = Vec::with_capacity(requests);
        // The first request warms the connection and caches.
        for i in 0..=requests {
            let started = Instant::now();
            let response = client.get(&path).bearer_auth(token).send().await?;
            let status = response.status();
            let body = response.bytes().await?;
            if !status.is_success() {
                return Err(format!("GET results: {status}").into());
            }
            if i > 0 {
                times.push((started.elapsed(), body.len()));
            }
        }
        Ok::<_, Box<dyn std::error::Error>>(times)
    });
    let _ = child.kill();
    let _ = child.wait();
    let mut times = timed?;
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    if let (Some(first), Some(last)) = (times.first(), times.last()) {
        println!(
            "serving stored results ({:.2} MB): best {:.1} ms, median {:.1} ms, p95 {:.1} ms, worst {:.1} ms over {} requests",
            first.1 as f64 / 1e6,
            ms(first.0),
            ms(times[times.len() / 2].0),
            ms(times[times.len() * 95 / 100].0),
            ms(last.0),
            times.len()
        );
    }
    Ok(())
}
