//! Storage: diesel only. One code path for SQLite and PostgreSQL through `DbConnection`.
//!
//! Each submodule owns one aggregate and takes the organisation where rows belong to one, so that
//! scoping is never written by hand in a handler. Nothing here knows HTTP.
//!
//! Look-ups by key use `get_result`, not `first`: `first` binds its `LIMIT 1` as a parameter,
//! and SQLite plans with the value of a bound limit, so it prepares such a statement again on
//! every execution (half the CPU time of a questionnaire page). `first` is kept, allowed by
//! name, where an order picks one row of several (clippy.toml).

pub mod accounts;
pub mod audit;
pub mod backup;
pub mod connection;
pub mod counsellors;
pub mod drafts;
pub mod exports;
pub mod locks;
pub mod migrations;
pub mod organisations;
pub mod plan;
pub mod policy;
pub mod rounds;
pub mod schema;
pub mod sessions;
pub mod shares;
mod statements;
pub mod tokens;
pub mod units;
pub mod vpo;
pub mod vpo_reports;
mod writer;

pub use connection::{Backend, Db, DbConnection, DbError, Durability};

/// A stored time as RFC 3339 in UTC, to the second: how the API and the plan's history show it.
pub fn utc(time: chrono::NaiveDateTime) -> String {
    time.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The current time as stored: naive UTC, truncated to microseconds so both backends agree.
pub fn now() -> chrono::NaiveDateTime {
    use chrono::{SubsecRound, Utc};
    Utc::now().naive_utc().trunc_subsecs(6)
}
