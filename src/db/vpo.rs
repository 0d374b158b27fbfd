//! The case register's storage: cases, who is assigned to them, sealed notes, and the VPO access
//! log. Every function takes the organisation; functions that open a case also take the
//! counsellor and find it only through an assignment, so an unassigned case reads as absent.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{users, vpo_access_log, vpo_assignments, vpo_cases, vpo_notes};
use super::{DbConnection, DbError, now};
use crate::domain::{OrganisationId, UserId};
use crate::secret::new_id;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = vpo_cases, treat_none_as_null = true)]
pub struct CaseRow {
    pub id: String,
    pub organisation_id: String,
    pub reference: String,
    pub first_contact: Option<NaiveDate>,
    /// `2026-Q4`.
    pub quarter: String,
    pub channel: String,
    /// Wire names, comma-separated (as the other lists below).
    pub behaviours: String,
    pub sources: String,
    pub in_scope: bool,
    pub actions: String,
    pub referrals: String,
    pub status: String,
    pub closed_on: Option<NaiveDate>,
    pub agreements: Option<Vec<u8>>,
    pub case_report: Option<Vec<u8>>,
    pub destroyed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = vpo_notes)]
pub struct NoteRow {
    pub id: String,
    pub organisation_id: String,
    pub case_id: String,
    pub written_on: NaiveDate,
    /// The writer's e-mail address.
    pub author: String,
    pub sealed: Vec<u8>,
}

/// One line of the VPO access log.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = vpo_access_log)]
pub struct AccessEntry {
    pub at: NaiveDateTime,
    pub actor: String,
    pub case_reference: Option<String>,
    pub what: String,
}

/// The next free reference of `year`: `VPO-2026-001`, `VPO-2026-002`, …
pub fn next_reference(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    year: i32,
) -> Result<String, DbError> {
    let prefix = format!("VPO-{year}-");
    let taken: Vec<String> = vpo_cases::table
        .filter(vpo_cases::organisation_id.eq(organisation.as_str()))
        .filter(vpo_cases::reference.like(format!("{prefix}%")))
        .select(vpo_cases::reference)
        .load(conn)?;
    let last = taken
        .iter()
        .filter_map(|r| r.strip_prefix(&prefix)?.parse::<u32>().ok())
        .max()
        .unwrap_or(0);
    Ok(format!("{prefix}{:03}", last + 1))
}

/// Stores a new case assigned to `counsellor`.
pub fn create(conn: &mut DbConnection, case: &CaseRow, counsellor: &UserId) -> Result<(), DbError> {
    conn.transaction(|conn| {
        diesel::insert_into(vpo_cases::table)
            .values(case)
            .execute(conn)?;
        assign(conn, &case.organisation_id, &case.id, counsellor)
    })
}

fn assign(
    conn: &mut DbConnection,
    organisation: &str,
    case: &str,
    user: &UserId,
) -> Result<(), DbError> {
    let already: i64 = vpo_assignments::table
        .filter(vpo_assignments::case_id.eq(case))
        .filter(vpo_assignments::user_id.eq(user.as_str()))
        .count()
        .get_result(conn)?;
    if already == 0 {
        diesel::insert_into(vpo_assignments::table)
            .values((
                vpo_assignments::organisation_id.eq(organisation),
                vpo_assignments::case_id.eq(case),
                vpo_assignments::user_id.eq(user.as_str()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The case `id` when `counsellor` is assigned to it.
pub fn assigned(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    counsellor: &UserId,
    id: &str,
) -> Result<Option<CaseRow>, DbError> {
    Ok(vpo_cases::table
        .inner_join(vpo_assignments::table)
        .filter(vpo_cases::organisation_id.eq(organisation.as_str()))
        .filter(vpo_cases::id.eq(id))
        .filter(vpo_assignments::user_id.eq(counsellor.as_str()))
        .select(CaseRow::as_select())
        .first(conn)
        .optional()?)
}

/// The cases `counsellor` is assigned to, newest first.
pub fn list_assigned(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    counsellor: &UserId,
) -> Result<Vec<CaseRow>, DbError> {
    Ok(vpo_cases::table
        .inner_join(vpo_assignments::table)
        .filter(vpo_cases::organisation_id.eq(organisation.as_str()))
        .filter(vpo_assignments::user_id.eq(counsellor.as_str()))
        .order((vpo_cases::created_at.desc(), vpo_cases::id.asc()))
        .select(CaseRow::as_select())
        .load(conn)?)
}

/// Every case of the organisation, for statistics (the caller keeps only the facts).
pub fn all(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
) -> Result<Vec<CaseRow>, DbError> {
    Ok(vpo_cases::table
        .filter(vpo_cases::organisation_id.eq(organisation.as_str()))
        .select(CaseRow::as_select())
        .load(conn)?)
}

/// Replaces a case's fields with `case` (same organisation and id).
pub fn update(conn: &mut DbConnection, case: &CaseRow) -> Result<(), DbError> {
    diesel::update(
        vpo_cases::table
            .filter(vpo_cases::organisation_id.eq(&case.organisation_id))
            .filter(vpo_cases::id.eq(&case.id)),
    )
    .set(case)
    .execute(conn)?;
    Ok(())
}

/// The e-mail addresses of the counsellors assigned to a case.
pub fn counsellors(conn: &mut DbConnection, case: &str) -> Result<Vec<String>, DbError> {
    Ok(vpo_assignments::table
        .inner_join(users::table)
        .filter(vpo_assignments::case_id.eq(case))
        .order(users::email.asc())
        .select(users::email)
        .load(conn)?)
}

/// Assigns `to`, and unassigns `from` unless `keep`.
pub fn hand_over(
    conn: &mut DbConnection,
    case: &CaseRow,
    from: &UserId,
    to: &UserId,
    keep: bool,
) -> Result<(), DbError> {
    conn.transaction(|conn| {
        assign(conn, &case.organisation_id, &case.id, to)?;
        if !keep && from != to {
            diesel::delete(
                vpo_assignments::table
                    .filter(vpo_assignments::case_id.eq(&case.id))
                    .filter(vpo_assignments::user_id.eq(from.as_str())),
            )
            .execute(conn)?;
        }
        Ok(())
    })
}

pub fn add_note(conn: &mut DbConnection, note: &NoteRow) -> Result<(), DbError> {
    diesel::insert_into(vpo_notes::table)
        .values(note)
        .execute(conn)?;
    Ok(())
}

/// A case's notes, in the order written.
pub fn notes(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    case: &str,
) -> Result<Vec<NoteRow>, DbError> {
    Ok(vpo_notes::table
        .filter(vpo_notes::organisation_id.eq(organisation.as_str()))
        .filter(vpo_notes::case_id.eq(case))
        .order((vpo_notes::written_on.asc(), vpo_notes::id.asc()))
        .select(NoteRow::as_select())
        .load(conn)?)
}

/// Writes a line of the VPO access log, now.
pub fn log(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    actor: &str,
    case_reference: Option<&str>,
    what: &str,
) -> Result<(), DbError> {
    diesel::insert_into(vpo_access_log::table)
        .values((
            vpo_access_log::id.eq(new_id()),
            vpo_access_log::organisation_id.eq(organisation.as_str()),
            vpo_access_log::at.eq(now()),
            vpo_access_log::actor.eq(actor),
            vpo_access_log::case_reference.eq(case_reference),
            vpo_access_log::what.eq(what),
        ))
        .execute(conn)?;
    Ok(())
}

/// The organisation's VPO access log, newest first.
pub fn access_log(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    limit: i64,
) -> Result<Vec<AccessEntry>, DbError> {
    Ok(vpo_access_log::table
        .filter(vpo_access_log::organisation_id.eq(organisation.as_str()))
        .order((vpo_access_log::at.desc(), vpo_access_log::id.desc()))
        .limit(limit)
        .select(AccessEntry::as_select())
        .load(conn)?)
}
