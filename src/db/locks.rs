//! PostgreSQL advisory locks, by which several psa instances on one database take turns: applying
//! migrations, running the schedule's tick, and closing a round while responses arrive. SQLite
//! serves one instance and serialises its writers anyway, so there every lock is granted at once.

use diesel::sql_types::{BigInt, Bool, Text};
use diesel::{QueryableByName, RunQueryDsl, sql_query};

use super::{DbConnection, DbError};
use crate::config::DatabaseUrl;

/// The instance-wide locks. The keys are arbitrary but fixed: instances of different releases
/// (during a rolling upgrade) must agree on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lock {
    /// Applying migrations.
    Migrations,
    /// One tick of the schedule: opening and closing rounds, purging.
    Schedule,
}

impl Lock {
    fn key(self) -> i64 {
        match self {
            Lock::Migrations => 0x7073_615f_6d69_6772, // "psa_migr"
            Lock::Schedule => 0x7073_615f_7363_6864,   // "psa_schd"
        }
    }
}

/// The class of per-round locks, in the two-key space (apart from the one-key space above).
const ROUND_CLASS: i32 = 0x7073_6172; // "psar"
/// The class of per-chain locks (the plan's history, the audit log), in the two-key space.
const CHAIN_CLASS: i32 = 0x7073_6163; // "psac"

#[derive(QueryableByName)]
struct Taken {
    #[diesel(sql_type = Bool)]
    taken: bool,
}

/// Waits for `lock` and holds it for this session, until `unlock` (or the connection closes).
pub fn lock(conn: &mut DbConnection, lock: Lock) -> Result<(), DbError> {
    if let DbConnection::Postgresql(c) = conn {
        sql_query("SELECT pg_advisory_lock($1)")
            .bind::<BigInt, _>(lock.key())
            .execute(c)?;
    }
    Ok(())
}

/// Takes `lock` for this session if no other session holds it; whether it did.
pub fn try_lock(conn: &mut DbConnection, lock: Lock) -> Result<bool, DbError> {
    match conn {
        DbConnection::Postgresql(c) => Ok(sql_query("SELECT pg_try_advisory_lock($1) AS taken")
            .bind::<BigInt, _>(lock.key())
            .get_result::<Taken>(c)?
            .taken),
        DbConnection::Sqlite(_) => Ok(true),
    }
}

/// Releases `lock` taken by this session.
pub fn unlock(conn: &mut DbConnection, lock: Lock) -> Result<(), DbError> {
    if let DbConnection::Postgresql(c) = conn {
        sql_query("SELECT pg_advisory_unlock($1)")
            .bind::<BigInt, _>(lock.key())
            .execute(c)?;
    }
    Ok(())
}

/// Inside a transaction: shares the round's lock with the other submissions until the
/// transaction ends, so that a close waits for the submissions in flight, and a submission that
/// arrives during a close waits for it (and then finds the round closed). Without it, on
/// PostgreSQL a response committed while a close runs would still read the round as open and be
/// deleted with the inbox. Memory-only (no row is written), so submissions do not slow each other.
pub fn share_round(conn: &mut DbConnection, round: &str) -> Result<(), DbError> {
    pair_lock(conn, ROUND_CLASS, round, "pg_advisory_xact_lock_shared")
}

/// Inside a transaction: the round's lock alone until the transaction ends (closing).
pub fn own_round(conn: &mut DbConnection, round: &str) -> Result<(), DbError> {
    pair_lock(conn, ROUND_CLASS, round, "pg_advisory_xact_lock")
}

/// Inside a transaction: a hash chain's lock until the transaction ends, so that two appends
/// to one chain take turns instead of both reading the same head (on PostgreSQL one of them
/// would fail on the chain's key). SQLite's writers take turns anyway.
pub fn own_chain(conn: &mut DbConnection, chain: &str) -> Result<(), DbError> {
    pair_lock(conn, CHAIN_CLASS, chain, "pg_advisory_xact_lock")
}

fn pair_lock(
    conn: &mut DbConnection,
    class: i32,
    name: &str,
    function: &str,
) -> Result<(), DbError> {
    if let DbConnection::Postgresql(c) = conn {
        // Two names that hash alike only wait for each other now and then.
        sql_query(format!("SELECT {function}($1, hashtext($2))"))
            .bind::<diesel::sql_types::Integer, _>(class)
            .bind::<Text, _>(name)
            .execute(c)?;
    }
    Ok(())
}

/// A connection of its own on which an instance holds a lock between calls (a pooled connection
/// would carry a session lock off to other work). Opened when first needed, and dropped after a
/// failure: closing the connection releases whatever it held.
pub struct LockConnection {
    url: DatabaseUrl,
    conn: Option<DbConnection>,
}

impl LockConnection {
    pub fn new(url: &DatabaseUrl) -> LockConnection {
        LockConnection {
            url: url.clone(),
            conn: None,
        }
    }

    /// Takes `lock` if no other instance holds it; always on SQLite, without a connection.
    pub fn try_lock(&mut self, lock: Lock) -> Result<bool, DbError> {
        if self.url.is_sqlite() {
            return Ok(true);
        }
        let mut conn = match self.conn.take() {
            Some(conn) => conn,
            None => DbConnection::open(&self.url)?,
        };
        let taken = try_lock(&mut conn, lock)?;
        self.conn = Some(conn);
        Ok(taken)
    }

    /// Releases `lock`; on failure the connection is dropped, which releases it as well.
    pub fn unlock(&mut self, lock: Lock) -> Result<(), DbError> {
        match self.conn.take() {
            Some(mut conn) => {
                unlock(&mut conn, lock)?;
                self.conn = Some(conn);
                Ok(())
            }
            None => Ok(()),
        }
    }
}
