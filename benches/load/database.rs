//! A fresh database for one run, and what is put in it before psa starts: the schema, an
//! organisation with its first admin and HR person, a unit tree, and an API token for HR.
//!
//! On SQLite the database is a file in a temporary directory under Cargo's target directory (a
//! real disk: a tmpfs would make every fsync free and the figures meaningless). On PostgreSQL it
//! is a new database on the server at `--postgres-url`, dropped at the end.

use std::path::Path;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;
use psa::config::DatabaseUrl;
use psa::db::rounds::{self, NewInvitation, RoundRow};
use psa::db::{DbConnection, tokens, units};
use psa::domain::OrganisationId;
use psa::domain::round::{MinGroupSize, covered_units};
use psa::keys::Keys;
use tempfile::TempDir;

use crate::BenchResult;

/// Departments and their teams: responses are spread over the teams, as in a real organisation.
const DEPARTMENTS: usize = 4;
const TEAMS: usize = 5;

pub struct Database {
    url: String,
    dir: TempDir,
    /// On PostgreSQL: the administrative URL and the name of the database to drop.
    postgres: Option<(String, String)>,
    /// On PostgreSQL every key comes from the environment (several instances must agree); kept
    /// so that a restarted server still knows the invitations' token key.
    keys: String,
}

/// What the seed made.
pub struct Seed {
    pub organisation: OrganisationId,
    /// An HR API token (bearer).
    pub token: String,
    /// The ids of the teams (the leaves of the unit tree).
    pub teams: Vec<String>,
}

impl Database {
    pub fn sqlite() -> BenchResult<Database> {
        let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR"))?;
        Ok(Database {
            url: format!("sqlite://{}", dir.path().join("psa.db").display()),
            dir,
            postgres: None,
            keys: String::new(),
        })
    }

    /// A new database on the server that `admin_url` reaches (as a role that may create one).
    pub fn postgres(admin_url: &str) -> BenchResult<Database> {
        let name = format!("psa_load_{}", std::process::id());
        let mut admin = PgConnection::establish(admin_url)
            .map_err(|e| format!("--postgres-url {admin_url}: {e}"))?;
        admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))?;
        admin.batch_execute(&format!("CREATE DATABASE {name}"))?;
        let mut url = url::Url::parse(admin_url)?;
        url.set_path(&format!("/{name}"));
        Ok(Database {
            url: url.to_string(),
            dir: tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR"))?,
            postgres: Some((admin_url.to_owned(), name)),
            keys: Keys::generate_env_lines(),
        })
    }

    /// `PSA_DATABASE_URL`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The run's directory: the SQLite files, psa's data directory, the server's log.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn is_postgres(&self) -> bool {
        self.postgres.is_some()
    }

    /// The key variables psa needs on PostgreSQL; none on SQLite (it keeps its own).
    pub fn key_env(&self) -> impl Iterator<Item = (&str, &str)> {
        self.keys.lines().filter_map(|line| line.split_once('='))
    }

    /// A connection set up as psa's pool sets up each of its own (`DbConnection::open`).
    pub fn connect(&self) -> BenchResult<DbConnection> {
        Ok(DbConnection::open(&DatabaseUrl::parse(&self.url)?)?)
    }

    /// The durability settings in force, as the server's connections see them.
    pub fn durability(&self) -> BenchResult<String> {
        durability(&mut self.connect()?)
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = &self.postgres
            && let Ok(mut admin) = PgConnection::establish(admin_url)
        {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

#[derive(QueryableByName)]
struct Setting {
    #[diesel(sql_type = Text)]
    value: String,
}

fn setting(conn: &mut DbConnection, sql: &str) -> BenchResult<String> {
    Ok(diesel::sql_query(sql).get_result::<Setting>(conn)?.value)
}

/// SQLite: `synchronous` and `journal_mode` of a connection opened as the pool opens its own
/// (synchronous is per connection; WAL is kept in the file). PostgreSQL: the server's settings.
pub fn durability(conn: &mut DbConnection) -> BenchResult<String> {
    Ok(match conn {
        DbConnection::Sqlite(_) => {
            let synchronous = setting(
                conn,
                "SELECT CAST(synchronous AS TEXT) AS value FROM pragma_synchronous",
            )?;
            let name = match synchronous.as_str() {
                "0" => "OFF",
                "1" => "NORMAL",
                "2" => "FULL",
                "3" => "EXTRA",
                _ => "?",
            };
            let journal = setting(
                conn,
                "SELECT journal_mode AS value FROM pragma_journal_mode",
            )?;
            format!("SQLite: PRAGMA synchronous = {synchronous} ({name}), journal_mode = {journal}")
        }
        DbConnection::Postgresql(_) => {
            let show = |conn: &mut DbConnection, name: &str| {
                setting(conn, &format!("SELECT current_setting('{name}') AS value"))
            };
            format!(
                "PostgreSQL: synchronous_commit = {}, fsync = {}, wal_sync_method = {}, commit_delay = {}",
                show(conn, "synchronous_commit")?,
                show(conn, "fsync")?,
                show(conn, "wal_sync_method")?,
                show(conn, "commit_delay")?
            )
        }
    })
}

/// The schema, an organisation with its admin and HR person, departments with teams, and an HR
/// API token.
pub fn seed(conn: &mut DbConnection) -> BenchResult<Seed> {
    let (user, org) = crate::organisation::organisation(conn, "Load BV", DEPARTMENTS, TEAMS)?;
    let teams = covered_units(&units::tree(conn, &org)?, &[])
        .into_iter()
        .filter(|u| u.parent.is_some())
        .map(|u| u.id)
        .collect();
    let (_, token) = tokens::create(conn, &org, &user.id, "load benchmark")?;
    Ok(Seed {
        organisation: org,
        token,
        teams,
    })
}

/// An open round of the default questionnaire over all units, made through the library (for
/// the ceilings, which run without the server's HTTP path).
pub fn open_round(conn: &mut DbConnection, seed: &Seed, name: &str) -> BenchResult<RoundRow> {
    let catalog = psa::catalog::Catalog::shipped()?;
    let entry = catalog.get("psa-basis").ok_or("no default questionnaire")?;
    let org = &seed.organisation;
    let row = rounds::create(
        conn,
        org,
        &rounds::NewRound {
            name,
            questionnaire_id: "psa-basis",
            languages: &["nl".to_owned(), "en".to_owned()],
            min_group_size: MinGroupSize::new(10)?,
            opens_at: None,
            closes_at: None,
            units: &[],
        },
    )?;
    let frozen = covered_units(&units::tree(conn, org)?, &[]);
    rounds::open(conn, org, &row.id, &entry.source, &entry.digest, &frozen)?;
    Ok(rounds::get(conn, org, &row.id)?.ok_or("the round just made is gone")?)
}

/// An invitation stored by the library: what `rounds::submit` needs besides the round.
pub struct Ticket {
    pub token_hmac: String,
    pub unit_id: String,
}

/// Stores `count` invitations of `round`, spread over the teams, under the made-up HMACs
/// `{prefix}{i}` (i from 1): nobody holds their tokens, which only the library's callers need.
pub fn invitations(
    conn: &mut DbConnection,
    seed: &Seed,
    round: &RoundRow,
    prefix: &str,
    count: usize,
) -> BenchResult<Vec<Ticket>> {
    let mut made = Vec::with_capacity(count);
    for (t, team) in seed.teams.iter().enumerate() {
        let stored: Vec<NewInvitation> = (1..=count)
            .filter(|i| i % seed.teams.len() == t)
            .map(|i| NewInvitation {
                token_hmac: format!("{prefix}{i}"),
                code_hmac: format!("{prefix}code-{i}"),
            })
            .collect();
        if stored.is_empty() {
            continue;
        }
        rounds::invite(
            conn,
            &seed.organisation,
            &round.id,
            team,
            &stored,
            "hr@example.nl",
        )?;
        made.extend(stored.into_iter().map(|s| Ticket {
            token_hmac: s.token_hmac,
            unit_id: team.clone(),
        }));
    }
    Ok(made)
}
