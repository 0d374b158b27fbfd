//! The case register's storage: cases, who is assigned to them, sealed notes, and the VPO access
//! log. Every function takes the organisation; functions that open a case also take the
//! counsellor and find it only through an assignment, so an unassigned case reads as absent.
//! Retention (the organisation's maximum, destruction and its log) and re-sealing under a new
//! notes key work across organisations, for `psa purge`, the daily schedule and `psa notes rekey`.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{
    users, vpo_access_log, vpo_assignments, vpo_cases, vpo_destruction_log, vpo_notes, vpo_settings,
};
use super::{DbConnection, DbError, now};
use crate::domain::vpo::CaseStatus;
use crate::domain::vpo::case::DEFAULT_REFERRALS;
use crate::domain::vpo::retention::{DEFAULT_MAX_MONTHS, Destroyed, Destruction};
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
    pub created_at: NaiveDateTime,
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
    conn.write_transaction(|conn| {
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
        .get_result(conn)
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
    conn.write_transaction(|conn| {
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
        .order((
            vpo_notes::written_on.asc(),
            vpo_notes::created_at.asc(),
            vpo_notes::id.asc(),
        ))
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

/// The organisation's maximum, in months, that a closed case's confidential parts are kept.
pub fn max_months(conn: &mut DbConnection, organisation: &OrganisationId) -> Result<u32, DbError> {
    let stored: Option<i32> = vpo_settings::table
        .find(organisation.as_str())
        .select(vpo_settings::max_months)
        .get_result(conn)
        .optional()?;
    Ok(stored
        .and_then(|m| u32::try_from(m).ok())
        .unwrap_or(DEFAULT_MAX_MONTHS))
}

/// Where the organisation's counsellors refer people: its own list, or psa's defaults.
pub fn referrals(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
) -> Result<Vec<String>, DbError> {
    let stored: Option<String> = vpo_settings::table
        .find(organisation.as_str())
        .select(vpo_settings::referrals)
        .get_result(conn)
        .optional()?;
    let own: Vec<String> = stored
        .iter()
        .flat_map(|text| text.lines())
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect();
    Ok(if own.is_empty() {
        DEFAULT_REFERRALS.iter().map(|&r| r.to_owned()).collect()
    } else {
        own
    })
}

/// Stores the organisation's referral list (checked by `domain::vpo::case::referral_list`;
/// empty: the defaults).
pub fn set_referrals(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    list: &[String],
) -> Result<(), DbError> {
    let text = list.join("\n");
    conn.write_transaction(|conn| {
        ensure_settings(conn, organisation)?;
        diesel::update(vpo_settings::table.find(organisation.as_str()))
            .set(vpo_settings::referrals.eq(&text))
            .execute(conn)?;
        Ok(())
    })
}

/// The organisation's settings row, made with the defaults when it has none.
fn ensure_settings(conn: &mut DbConnection, organisation: &OrganisationId) -> Result<(), DbError> {
    let exists: i64 = vpo_settings::table
        .find(organisation.as_str())
        .count()
        .get_result(conn)?;
    if exists == 0 {
        diesel::insert_into(vpo_settings::table)
            .values(vpo_settings::organisation_id.eq(organisation.as_str()))
            .execute(conn)?;
    }
    Ok(())
}

/// Sets the organisation's maximum (the caller checks its range).
pub fn set_max_months(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    months: u32,
) -> Result<(), DbError> {
    let months = i32::try_from(months).unwrap_or(i32::MAX);
    conn.write_transaction(|conn| {
        ensure_settings(conn, organisation)?;
        diesel::update(vpo_settings::table.find(organisation.as_str()))
            .set(vpo_settings::max_months.eq(months))
            .execute(conn)?;
        Ok(())
    })
}

/// A closed case whose confidential parts are still kept: what retention decides on.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = vpo_cases)]
pub struct KeptCase {
    pub id: String,
    pub organisation_id: String,
    pub reference: String,
    pub quarter: String,
    pub closed_on: Option<NaiveDate>,
}

/// Every closed case of every organisation not destroyed yet.
pub fn closed_and_kept(conn: &mut DbConnection) -> Result<Vec<KeptCase>, DbError> {
    Ok(vpo_cases::table
        .filter(vpo_cases::status.eq(CaseStatus::Closed.as_str()))
        .filter(vpo_cases::destroyed_at.is_null())
        .order((vpo_cases::organisation_id.asc(), vpo_cases::id.asc()))
        .select(KeptCase::as_select())
        .load(conn)?)
}

/// Destroys a closed case's notes, agreements, case report and date of first contact at `at`,
/// and logs it (what and why, never contents), in one transaction. `None` when the case was
/// destroyed meanwhile (another instance) or is open again.
pub fn destroy(
    conn: &mut DbConnection,
    case: &KeptCase,
    reason: Destruction,
    at: NaiveDateTime,
) -> Result<Option<Destroyed>, DbError> {
    conn.write_transaction(|conn| {
        let this = vpo_cases::table
            .filter(vpo_cases::organisation_id.eq(&case.organisation_id))
            .filter(vpo_cases::id.eq(&case.id));
        let (agreements, case_report): (Option<Vec<u8>>, Option<Vec<u8>>) = this
            .select((vpo_cases::agreements, vpo_cases::case_report))
            .get_result(conn)?;
        // The guard makes a second destruction of the same case (by another instance) a no-op.
        let claimed = diesel::update(
            this.filter(vpo_cases::destroyed_at.is_null())
                .filter(vpo_cases::status.eq(CaseStatus::Closed.as_str())),
        )
        .set((
            vpo_cases::agreements.eq(None::<Vec<u8>>),
            vpo_cases::case_report.eq(None::<Vec<u8>>),
            vpo_cases::first_contact.eq(None::<NaiveDate>),
            vpo_cases::destroyed_at.eq(Some(at)),
        ))
        .execute(conn)?;
        if claimed == 0 {
            return Ok(None);
        }
        let notes = diesel::delete(
            vpo_notes::table
                .filter(vpo_notes::organisation_id.eq(&case.organisation_id))
                .filter(vpo_notes::case_id.eq(&case.id)),
        )
        .execute(conn)?;
        let destroyed = Destroyed {
            notes,
            agreements: agreements.is_some(),
            case_report: case_report.is_some(),
        };
        diesel::insert_into(vpo_destruction_log::table)
            .values((
                vpo_destruction_log::id.eq(new_id()),
                vpo_destruction_log::organisation_id.eq(&case.organisation_id),
                vpo_destruction_log::at.eq(at),
                vpo_destruction_log::case_reference.eq(&case.reference),
                vpo_destruction_log::what.eq(destroyed.describe()),
                vpo_destruction_log::reason.eq(reason.as_str()),
            ))
            .execute(conn)?;
        Ok(Some(destroyed))
    })
}

/// Leaves no old versions of destroyed rows behind: SQLite zeroes freed pages (`secure_delete`
/// on every connection) and here empties its write-ahead log; PostgreSQL rewrites the tables.
pub fn scrub(conn: &mut DbConnection) -> Result<(), DbError> {
    use diesel::connection::SimpleConnection;
    match conn {
        DbConnection::Sqlite(c) => c.batch_execute("PRAGMA wal_checkpoint(TRUNCATE);")?,
        DbConnection::Postgresql(c) => {
            // One statement each: several in one query form a transaction, where VACUUM cannot run.
            for table in ["vpo_notes", "vpo_cases"] {
                c.batch_execute(&format!("VACUUM FULL {table}"))?;
            }
        }
    }
    Ok(())
}

/// One line of the destruction log.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = vpo_destruction_log)]
pub struct DestructionEntry {
    pub at: NaiveDateTime,
    pub case_reference: String,
    pub what: String,
    pub reason: String,
}

/// The organisation's destruction log, newest first.
pub fn destruction_log(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    limit: i64,
) -> Result<Vec<DestructionEntry>, DbError> {
    Ok(vpo_destruction_log::table
        .filter(vpo_destruction_log::organisation_id.eq(organisation.as_str()))
        .order((
            vpo_destruction_log::at.desc(),
            vpo_destruction_log::id.desc(),
        ))
        .limit(limit)
        .select(DestructionEntry::as_select())
        .load(conn)?)
}

/// Every case of every organisation (for re-sealing under a new notes key).
pub fn every_case(conn: &mut DbConnection) -> Result<Vec<CaseRow>, DbError> {
    Ok(vpo_cases::table
        .order((vpo_cases::organisation_id.asc(), vpo_cases::id.asc()))
        .select(CaseRow::as_select())
        .load(conn)?)
}

/// Which sealed column of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealedPart {
    Agreements,
    CaseReport,
}

/// Replaces a sealed part of a case with `new` if it still holds `old`; whether it did.
pub fn reseal_part(
    conn: &mut DbConnection,
    case: &CaseRow,
    part: SealedPart,
    old: &[u8],
    new: &[u8],
) -> Result<bool, DbError> {
    let this = vpo_cases::table
        .filter(vpo_cases::organisation_id.eq(&case.organisation_id))
        .filter(vpo_cases::id.eq(&case.id));
    let changed = match part {
        SealedPart::Agreements => diesel::update(this.filter(vpo_cases::agreements.eq(old)))
            .set(vpo_cases::agreements.eq(new))
            .execute(conn)?,
        SealedPart::CaseReport => diesel::update(this.filter(vpo_cases::case_report.eq(old)))
            .set(vpo_cases::case_report.eq(new))
            .execute(conn)?,
    };
    Ok(changed > 0)
}

/// Replaces a note's sealed text with `new` if it still holds `old`; whether it did.
pub fn reseal_note(conn: &mut DbConnection, note: &NoteRow, new: &[u8]) -> Result<bool, DbError> {
    let changed = diesel::update(
        vpo_notes::table
            .filter(vpo_notes::organisation_id.eq(&note.organisation_id))
            .filter(vpo_notes::id.eq(&note.id))
            .filter(vpo_notes::sealed.eq(&note.sealed)),
    )
    .set(vpo_notes::sealed.eq(new))
    .execute(conn)?;
    Ok(changed > 0)
}
