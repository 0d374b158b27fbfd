//! The confidential counsellor's annual reports: per organisation and year the counsellor's
//! recommendations and when the report was finalised. Finalising a year's report is what lets
//! `vpo::retention::purge` destroy the confidential parts of the closed cases counted in it.
//! Storage only: whether a finalised report may still change is the caller's rule.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::vpo_reports;
use super::{DbConnection, DbError};
use crate::domain::OrganisationId;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
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
        .get_result(conn)
        .optional()?)
}

/// The row of `year`, made empty and not finalised when there is none yet.
fn ensure(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    year: i32,
) -> Result<(), DbError> {
    if get(conn, organisation, year)?.is_none() {
        diesel::insert_into(vpo_reports::table)
            .values(ReportRow {
                organisation_id: organisation.to_string(),
                year,
                recommendations: String::new(),
                finalised_at: None,
            })
            .execute(conn)?;
    }
    Ok(())
}

/// Stores the recommendations of `year`, replacing earlier ones.
pub fn save_recommendations(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    year: i32,
    text: &str,
) -> Result<(), DbError> {
    conn.write_transaction(|conn| {
        ensure(conn, organisation, year)?;
        diesel::update(
            vpo_reports::table
                .filter(vpo_reports::organisation_id.eq(organisation.as_str()))
                .filter(vpo_reports::year.eq(year)),
        )
        .set(vpo_reports::recommendations.eq(text))
        .execute(conn)?;
        Ok(())
    })
}

/// Finalises the report of `year` at `at`; true when this call finalised it, false when it was
/// finalised already (its first time stays).
pub fn finalise(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    year: i32,
    at: NaiveDateTime,
) -> Result<bool, DbError> {
    conn.write_transaction(|conn| {
        ensure(conn, organisation, year)?;
        let changed = diesel::update(
            vpo_reports::table
                .filter(vpo_reports::organisation_id.eq(organisation.as_str()))
                .filter(vpo_reports::year.eq(year))
                .filter(vpo_reports::finalised_at.is_null()),
        )
        .set(vpo_reports::finalised_at.eq(Some(at)))
        .execute(conn)?;
        Ok(changed > 0)
    })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{OrganisationName, OrganisationSettings};

    #[test]
    fn a_report_keeps_its_recommendations_and_its_first_finalisation() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::Db::connect(
            &crate::config::DatabaseUrl::Sqlite(dir.path().join("t.db")),
            1,
        )
        .unwrap();
        let mut conn = db.conn().unwrap();
        crate::db::migrations::run_pending(&mut conn).unwrap();
        let mut organisation = |name: &str| {
            let settings = OrganisationSettings::new(OrganisationName::parse(name).unwrap());
            crate::db::organisations::create(&mut conn, &settings)
                .unwrap()
                .id
        };
        let ours = organisation("Ons BV");
        let theirs = organisation("Hun BV");

        assert_eq!(get(&mut conn, &ours, 2026).unwrap(), None);
        save_recommendations(&mut conn, &ours, 2026, "Train leidinggevenden.").unwrap();
        save_recommendations(&mut conn, &ours, 2026, "Train alle leidinggevenden.").unwrap();
        let first = chrono::NaiveDate::from_ymd_opt(2027, 1, 15)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap();
        assert!(finalise(&mut conn, &ours, 2026, first).unwrap());
        assert!(!finalise(&mut conn, &ours, 2026, first + chrono::Duration::days(1)).unwrap());
        assert!(finalise(&mut conn, &ours, 2024, first).unwrap());
        assert_eq!(
            get(&mut conn, &ours, 2026).unwrap(),
            Some(ReportRow {
                organisation_id: ours.to_string(),
                year: 2026,
                recommendations: "Train alle leidinggevenden.".into(),
                finalised_at: Some(first),
            })
        );
        save_recommendations(&mut conn, &ours, 2025, "").unwrap();
        assert_eq!(finalised_years(&mut conn, &ours).unwrap(), [2024, 2026]);
        assert!(finalised_years(&mut conn, &theirs).unwrap().is_empty());
        assert_eq!(get(&mut conn, &theirs, 2026).unwrap(), None);
    }
}
