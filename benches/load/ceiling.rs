//! The ceilings: how fast the storage alone takes the same spend-token-and-insert transaction
//! that psa runs per response, without HTTP, so that the server's figures can be read against
//! what the database allows.
//!
//! SQLite: a bare loop over `db::rounds::submit` itself, on a second database file beside the
//! server's (same disk, same connection set-up: WAL, `synchronous = FULL`), once with a
//! transaction per response and once with many responses per transaction, each in its own
//! savepoint (diesel nests `submit`'s transaction as one), which is what group commit can reach.
//! PostgreSQL: pgbench running `submit.pgbench` on the server's database.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use psa::config::DatabaseUrl;
use psa::db::rounds::{self, Invitation, RoundRow, Submitted};
use psa::db::schema::{invitations, response_inbox};
use psa::db::{DbConnection, DbError};
use psa::domain::Questionnaire;
use rand::SeedableRng;
use rand::rngs::SmallRng;

use crate::BenchResult;
use crate::database::{self, Seed, Ticket};

/// Some packed answers to store, varied like real ones.
pub fn packed_answers(q: &Questionnaire, n: usize) -> Vec<Vec<u8>> {
    let mut rng = SmallRng::seed_from_u64(7);
    (0..n)
        .map(|_| crate::synthetic::synthetic(q, &mut rng).pack(q))
        .collect()
}

/// Stores one response per ticket of `round` with `rounds::submit`, `batch` to a transaction
/// (1: each its own), until all are stored or `limit` has passed; returns how many and how long.
pub fn submit_all(
    conn: &mut DbConnection,
    seed: &Seed,
    round: &RoundRow,
    tickets: &[Ticket],
    answers: &[Vec<u8>],
    batch: usize,
    limit: Duration,
) -> BenchResult<(usize, Duration)> {
    // One invitation re-pointed at each ticket: the round row holds the questionnaire's text,
    // too big to copy per response.
    let mut invitation = Invitation {
        token_hmac: String::new(),
        organisation_id: seed.organisation.clone(),
        round: round.clone(),
        unit_id: String::new(),
        questionnaire: None,
    };
    let started = Instant::now();
    let mut stored = 0;
    for chunk in tickets.chunks(batch.max(1)) {
        let mut store = |conn: &mut DbConnection| -> Result<(), DbError> {
            for (i, ticket) in chunk.iter().enumerate() {
                invitation.token_hmac.clone_from(&ticket.token_hmac);
                invitation.unit_id.clone_from(&ticket.unit_id);
                let packed = &answers[(stored + i) % answers.len()];
                let outcome = rounds::submit(conn, &invitation, packed)?;
                if outcome != Submitted::Stored {
                    return Err(DbError::Unavailable(format!("not stored: {outcome:?}")));
                }
            }
            Ok(())
        };
        if chunk.len() == 1 {
            store(conn)?;
        } else {
            conn.write_transaction(store)?;
        }
        stored += chunk.len();
        if started.elapsed() > limit {
            break;
        }
    }
    Ok((stored, started.elapsed()))
}

/// Responses per second of the bare SQLite loop.
pub struct SqliteCeiling {
    pub single: f64,
    pub batched: f64,
    pub batch: usize,
    pub durability: String,
}

/// The bare loop on a fresh SQLite file in `dir`: `count` responses (or `limit` of time) each
/// way.
pub fn sqlite(
    dir: &Path,
    q: &Questionnaire,
    count: usize,
    batch: usize,
    limit: Duration,
) -> BenchResult<SqliteCeiling> {
    let mut conn = DbConnection::open(&DatabaseUrl::Sqlite(dir.join("ceiling.db")))?;
    let seed = database::seed(&mut conn)?;
    let round = database::open_round(&mut conn, &seed, "Ceiling")?;
    let made = database::invitations(&mut conn, &seed, &round, "ceiling-", 2 * count)?;
    let answers = packed_answers(q, 256);
    let (one, many) = made.split_at(count);
    let (n, took) = submit_all(&mut conn, &seed, &round, one, &answers, 1, limit)?;
    let single = n as f64 / took.as_secs_f64();
    let (n, took) = submit_all(&mut conn, &seed, &round, many, &answers, batch, limit)?;
    let batched = n as f64 / took.as_secs_f64();
    Ok(SqliteCeiling {
        single,
        batched,
        batch,
        durability: database::durability(&mut conn)?,
    })
}

/// What pgbench measured.
pub struct Pgbench {
    pub clients: usize,
    pub transactions: usize,
    pub tps: f64,
    /// Per transaction, from pgbench's log.
    pub latencies: Vec<Duration>,
    pub failed: u64,
}

/// Runs `submit.pgbench` with `clients` connections, `transactions` in all, on a round of its
/// own in the server's database; its rows are deleted afterwards so that closing the measured
/// round does not meet them.
pub fn pgbench(
    url: &str,
    conn: &mut DbConnection,
    seed: &Seed,
    q: &Questionnaire,
    clients: usize,
    transactions: usize,
    log_dir: &Path,
) -> BenchResult<Pgbench> {
    let per_client = (transactions / clients).max(1);
    let transactions = per_client * clients;
    let round = database::open_round(conn, seed, "pgbench")?;
    database::invitations(conn, seed, &round, "pgbench-", transactions)?;
    diesel::sql_query("DROP SEQUENCE IF EXISTS pgbench_tokens").execute(conn)?;
    diesel::sql_query("CREATE SEQUENCE pgbench_tokens").execute(conn)?;
    let answers: String = packed_answers(q, 1)[0]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/load/submit.pgbench");
    let prefix = log_dir.join(format!("pgbench-{clients}"));
    let output = Command::new("pgbench")
        .args(["-n", "-M", "prepared", "-j", "1", "-l"])
        .arg(format!("--log-prefix={}", prefix.display()))
        .args(["-c", &clients.to_string(), "-t", &per_client.to_string()])
        .arg("-f")
        .arg(&script)
        .arg("-D")
        .arg(format!("answers=\\x{answers}"))
        .arg(url)
        .output()
        .map_err(|e| {
            format!("pgbench: {e} (install it with `apt-get install postgresql-client`)")
        })?;
    let report = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        return Err(format!(
            "pgbench failed: {report}{}",
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    let figure = |label: &str| {
        report
            .lines()
            .find_map(|l| l.strip_prefix(label))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|v| v.parse::<f64>().ok())
    };
    let tps = figure("tps = ").ok_or("pgbench printed no tps")?;
    let failed = figure("number of failed transactions: ").unwrap_or(0.0) as u64;
    let mut latencies = Vec::with_capacity(transactions);
    for entry in std::fs::read_dir(log_dir)? {
        let path = entry?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if !name.starts_with(&format!("pgbench-{clients}.")) {
            continue;
        }
        for line in std::fs::read_to_string(&path)?.lines() {
            // client_id transaction_no time(µs) script_no time_epoch time_us
            if let Some(us) = line.split_whitespace().nth(2).and_then(|v| v.parse().ok()) {
                latencies.push(Duration::from_micros(us));
            }
        }
        std::fs::remove_file(&path)?;
    }
    diesel::delete(response_inbox::table.filter(response_inbox::round_id.eq(&round.id)))
        .execute(conn)?;
    diesel::delete(invitations::table.filter(invitations::round_id.eq(&round.id))).execute(conn)?;
    diesel::sql_query("DROP SEQUENCE pgbench_tokens").execute(conn)?;
    Ok(Pgbench {
        clients,
        transactions,
        tps,
        latencies,
        failed,
    })
}

/// How many clients PostgreSQL admits besides psa's pool and the benchmark's own connections.
pub fn postgres_client_limit(conn: &mut DbConnection) -> BenchResult<usize> {
    #[derive(QueryableByName)]
    struct Limit {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        n: i32,
    }
    let limit = diesel::sql_query(
        "SELECT current_setting('max_connections')::int \
         - current_setting('superuser_reserved_connections')::int AS n",
    )
    .get_result::<Limit>(conn)?
    .n;
    // psa's pool (8), this connection, and a margin for anything else on the server.
    Ok(usize::try_from(limit - 8 - 1 - 5).unwrap_or(1).max(1))
}
