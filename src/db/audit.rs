//! The audit log's storage: one hash chain per organisation and one for the instance (`scope`:
//! an organisation's id, or `INSTANCE_SCOPE`), each entry appended in a transaction of its own
//! under the chain's lock, read a page at a time, and checked from its start.

use diesel::prelude::*;

use super::schema::audit_log;
use super::{DbConnection, DbError, locks};
use crate::domain::audit::AuditEntry;
use crate::domain::chain::{self, GENESIS};

/// An entry as stored: its position in the chain and the hash that follows from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEntry {
    pub seq: i64,
    pub entry: AuditEntry,
    pub hash: String,
}

/// What checking a chain from its start found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Entries in the chain.
    pub entries: i64,
    /// The position (`seq`) of the first entry that does not follow from the ones before it:
    /// an entry edited, inserted or removed outside psa. `None` when the chain is intact.
    pub broken_at: Option<i64>,
}

type Row = (i64, String, String, String, String, String, String, String);

fn stored((seq, at, actor, action, target, detail, outcome, hash): Row) -> StoredEntry {
    StoredEntry {
        seq,
        entry: AuditEntry {
            at,
            actor,
            action,
            target,
            detail,
            outcome,
        },
        hash,
    }
}

macro_rules! columns {
    () => {
        (
            audit_log::seq,
            audit_log::at,
            audit_log::actor,
            audit_log::action,
            audit_log::target,
            audit_log::detail,
            audit_log::outcome,
            audit_log::hash,
        )
    };
}

/// Appends `entry` to the chain of `scope`.
#[allow(clippy::disallowed_methods)] // ordered: the head of the chain
pub fn append(conn: &mut DbConnection, scope: &str, entry: &AuditEntry) -> Result<(), DbError> {
    conn.write_transaction(|conn| {
        locks::own_chain(conn, &format!("audit:{scope}"))?;
        let last: Option<(i64, String)> = audit_log::table
            .filter(audit_log::organisation_id.eq(scope))
            .order(audit_log::seq.desc())
            .select((audit_log::seq, audit_log::hash))
            .first(conn)
            .optional()?;
        let (seq, head) = last.unwrap_or((0, GENESIS.to_owned()));
        diesel::insert_into(audit_log::table)
            .values((
                audit_log::organisation_id.eq(scope),
                audit_log::seq.eq(seq + 1),
                audit_log::at.eq(&entry.at),
                audit_log::actor.eq(&entry.actor),
                audit_log::action.eq(&entry.action),
                audit_log::target.eq(&entry.target),
                audit_log::detail.eq(&entry.detail),
                audit_log::outcome.eq(&entry.outcome),
                audit_log::hash.eq(chain::link(&head, entry)),
            ))
            .execute(conn)?;
        Ok(())
    })
}

/// Appends a change made now without an HTTP request (the command line, the schedule, the setup
/// link): `actor` did `action` on `target`.
pub fn record(
    conn: &mut DbConnection,
    scope: &str,
    actor: &str,
    action: &str,
    target: String,
) -> Result<(), DbError> {
    let entry = AuditEntry {
        at: super::utc(super::now()),
        actor: actor.to_owned(),
        action: action.to_owned(),
        target,
        detail: String::new(),
        outcome: "done".to_owned(),
    };
    append(conn, scope, &entry)
}

/// A page of the chain of `scope`, newest first, and how many entries it holds in all.
pub fn page(
    conn: &mut DbConnection,
    scope: &str,
    offset: i64,
    limit: i64,
) -> Result<(Vec<StoredEntry>, i64), DbError> {
    let total = audit_log::table
        .filter(audit_log::organisation_id.eq(scope))
        .count()
        .get_result(conn)?;
    let rows: Vec<Row> = audit_log::table
        .filter(audit_log::organisation_id.eq(scope))
        .order(audit_log::seq.desc())
        .offset(offset)
        .limit(limit)
        .select(columns!())
        .load(conn)?;
    Ok((rows.into_iter().map(stored).collect(), total))
}

/// Checks the chain of `scope` from its start.
pub fn verify(conn: &mut DbConnection, scope: &str) -> Result<Verdict, DbError> {
    let rows: Vec<Row> = audit_log::table
        .filter(audit_log::organisation_id.eq(scope))
        .order(audit_log::seq.asc())
        .select(columns!())
        .load(conn)?;
    let entries: Vec<StoredEntry> = rows.into_iter().map(stored).collect();
    let broken_at = chain::verify(entries.iter().map(|e| (&e.entry, e.hash.as_str())))
        .err()
        .map(|position| entries[position].seq);
    Ok(Verdict {
        entries: entries.len() as i64,
        broken_at,
    })
}
