//! The counsellors' annual report per year: its recommendations and when it was finalised. The
//! figures are never stored; they follow from the cases' facts (`db::vpo`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::vpo_reports;
use super::{DbConnection, DbError};
use crate::domain::OrganisationId;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = vpo_reports)]
pub struct ReportRow {
    pub organisation_id: String,
    pub year: i32,
    pub recommendations: String,
    pub finalised_at: Option<NaiveDateTime>,
}

/// The report of `year`, if anything was stored for it.
pub fn get(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    year: i32,
) -> Result<Option<ReportRow>, DbError> {
    Ok(vpo_reports::table
        .filter(vpo_reports::organisation_id.eq(organisation.as_str()))
        .filter(vpo_reports::year.eq(year))
        .select(ReportRow::as_select())
        .first(conn)
        .optional()?)
}

/// Stores the recommendations of `year`, replacing any before (the caller refuses a finalised
/// report). The one upsert, matched on the backend.
pub fn save_recommendations(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    year: i32,
    text: &str,
) -> Result<(), DbError> {
    let insert = diesel::insert_into(vpo_reports::table).values((
        vpo_reports::organisation_id.eq(organisation.as_str()),
        vpo_reports::year.eq(year),
        vpo_reports::recommendations.eq(text),
    ));
    let conflict = (vpo_reports::organisation_id, vpo_reports::year);
    let set = vpo_reports::recommendations.eq(text);
    match conn {
        DbConnection::Sqlite(c) => insert.on_conflict(conflict).do_update().set(set).execute(c),
        DbConnection::Postgresql(c) => insert.on_conflict(conflict).do_update().set(set).execute(c),
    }?;
    Ok(())
}

/// Finalises the report of `year` at `at`: from then on its recommendations stay as they are.
pub fn finalise(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    year: i32,
    at: NaiveDateTime,
) -> Result<(), DbError> {
    let insert = diesel::insert_into(vpo_reports::table).values((
        vpo_reports::organisation_id.eq(organisation.as_str()),
        vpo_reports::year.eq(year),
        vpo_reports::finalised_at.eq(at),
    ));
    let conflict = (vpo_reports::organisation_id, vpo_reports::year);
    let set = vpo_reports::finalised_at.eq(at);
    match conn {
        DbConnection::Sqlite(c) => insert.on_conflict(conflict).do_update().set(set).execute(c),
        DbConnection::Postgresql(c) => insert.on_conflict(conflict).do_update().set(set).execute(c),
    }?;
    Ok(())
}

/// The years whose report is finalised, oldest first.
pub fn finalised_years(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
) -> Result<Vec<i32>, DbError> {
    Ok(vpo_reports::table
        .filter(vpo_reports::organisation_id.eq(organisation.as_str()))
        .filter(vpo_reports::finalised_at.is_not_null())
        .order(vpo_reports::year.asc())
        .select(vpo_reports::year)
        .load(conn)?)
}
