//! The anonymous annual report over storage: the counsellors' recommendations per year, frozen
//! once the report is finalised; the report itself in a format, from the pooled figures; and a
//! recommendation sent to HR as a proposed plan item. Every read and change is written to the
//! VPO access log. Only the year, the figures as shown and the recommendations leave the
//! register; a proposal carries only its text and category.

use serde::Serialize;
use utoipa::ToSchema;

use super::register::{Counsellor, pooled_figures};
use crate::catalog::Catalog;
use crate::db::DbConnection;
use crate::db::plan::PlanItemRow;
use crate::db::vpo as log_store;
use crate::db::vpo_reports::{self as store, ReportRow};
use crate::domain::measures::StrategyLevel;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::plan::{HandMade, Signal};
use crate::render::vpo_report::{Names, Report};

/// Longest recommendations accepted, in characters.
pub const RECOMMENDATIONS_LIMIT: usize = 10_000;

/// A proposed plan item starts at this strategy level and Fine & Kinney class; HR sets both
/// when it takes the item on (the register says nothing about them).
const PROPOSAL_LEVEL: StrategyLevel = StrategyLevel::Collective;
const PROPOSAL_PRIORITY: u8 = 3;

/// The stored part of a year's report.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportState {
    pub year: i32,
    pub recommendations: String,
    /// When the report was finalised (RFC 3339, UTC); from then on the recommendations stay.
    pub finalised_at: Option<String>,
}

impl ReportState {
    fn of(year: i32, row: Option<ReportRow>) -> ReportState {
        ReportState {
            year,
            recommendations: row
                .as_ref()
                .map(|r| r.recommendations.clone())
                .unwrap_or_default(),
            finalised_at: row.and_then(|r| r.finalised_at).map(crate::db::utc),
        }
    }
}

/// The report's formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Html,
    Pdf,
    Csv,
}

impl ReportFormat {
    pub const ALL: [ReportFormat; 3] = [ReportFormat::Html, ReportFormat::Pdf, ReportFormat::Csv];

    pub fn extension(self) -> &'static str {
        match self {
            ReportFormat::Html => "html",
            ReportFormat::Pdf => "pdf",
            ReportFormat::Csv => "csv",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ReportFormat::Html => "text/html; charset=utf-8",
            ReportFormat::Pdf => "application/pdf",
            ReportFormat::Csv => "text/csv; charset=utf-8",
        }
    }

    /// `2026.pdf` → (2026, PDF).
    pub fn parse_file(file: &str) -> Option<(i32, ReportFormat)> {
        let (year, extension) = file.split_once('.')?;
        let format = ReportFormat::ALL
            .into_iter()
            .find(|f| f.extension() == extension)?;
        let number: i32 = year.parse().ok()?;
        // Only the plain form: no sign, no leading zeros.
        (number.to_string() == year).then_some((number, format))
    }
}

/// The years a report may cover.
pub fn check_year(year: i32) -> Result<(), AppError> {
    if (2000..=9999).contains(&year) {
        Ok(())
    } else {
        Err(AppError::BadRequest("year is 2000 to 9999".into()))
    }
}

fn finalised_conflict(year: i32) -> AppError {
    AppError::Conflict(format!(
        "the report of {year} is finalised: its recommendations no longer change"
    ))
}

/// The stored part of the report of `year`.
pub fn state(
    conn: &mut DbConnection,
    who: &Counsellor<'_>,
    year: i32,
) -> Result<ReportState, AppError> {
    Ok(ReportState::of(
        year,
        store::get(conn, who.organisation, year)?,
    ))
}

/// Replaces the recommendations of `year`; 409 once the report is finalised.
pub fn recommend(
    conn: &mut DbConnection,
    who: &Counsellor<'_>,
    year: i32,
    text: &str,
) -> Result<ReportState, AppError> {
    check_year(year)?;
    if text.chars().count() > RECOMMENDATIONS_LIMIT {
        return Err(AppError::field(
            "text",
            format!("at most {RECOMMENDATIONS_LIMIT} characters"),
        ));
    }
    conn.write_transaction(|conn| -> Result<(), AppError> {
        if store::get(conn, who.organisation, year)?.is_some_and(|r| r.finalised_at.is_some()) {
            return Err(finalised_conflict(year));
        }
        store::save_recommendations(conn, who.organisation, year, text)?;
        log_store::log(
            conn,
            who.organisation,
            who.email,
            None,
            &format!("recommendations of {year} changed"),
        )?;
        Ok(())
    })?;
    state(conn, who, year)
}

/// Finalises the report of `year`: its recommendations are frozen. 409 when it already is.
pub fn finalise(
    conn: &mut DbConnection,
    who: &Counsellor<'_>,
    year: i32,
) -> Result<ReportState, AppError> {
    check_year(year)?;
    conn.write_transaction(|conn| -> Result<(), AppError> {
        if store::get(conn, who.organisation, year)?.is_some_and(|r| r.finalised_at.is_some()) {
            return Err(AppError::Conflict(format!(
                "the report of {year} is already finalised"
            )));
        }
        store::finalise(conn, who.organisation, year, crate::db::now())?;
        log_store::log(
            conn,
            who.organisation,
            who.email,
            None,
            &format!("report of {year} finalised"),
        )?;
        Ok(())
    })?;
    state(conn, who, year)
}

/// The report of `year` as `format` in `lang`; the read is logged.
pub fn read(
    conn: &mut DbConnection,
    catalog: &Catalog,
    who: &Counsellor<'_>,
    year: i32,
    lang: Lang,
    format: ReportFormat,
) -> Result<Vec<u8>, AppError> {
    check_year(year)?;
    let figures = pooled_figures(conn, who.organisation, year)?;
    let stored = store::get(conn, who.organisation, year)?;
    let organisation = crate::db::organisations::get(conn, who.organisation)?
        .map(|o| o.settings.name.to_string())
        .unwrap_or_default();
    let category = |id: &str| {
        crate::plan::offered_category(catalog, id).map(|c| crate::render::text(lang, &c.name))
    };
    let report = Report::new(
        &figures,
        &organisation,
        stored.as_ref().map_or("", |r| r.recommendations.as_str()),
        stored.as_ref().is_some_and(|r| r.finalised_at.is_some()),
        lang,
        &Names {
            category: &category,
        },
    );
    let bytes = match format {
        ReportFormat::Html => crate::render::vpo_report::html(&report)
            .map(String::into_bytes)
            .map_err(AppError::Internal)?,
        ReportFormat::Csv => crate::render::vpo_report::csv(&report).map_err(AppError::Internal)?,
        ReportFormat::Pdf => crate::render::vpo_report::pdf::pdf(
            &report,
            who.organisation.as_str(),
            crate::db::now(),
        )
        .map_err(|e| AppError::Internal(e.to_string()))?,
    };
    log_store::log(
        conn,
        who.organisation,
        who.email,
        None,
        &format!("annual report {year}.{} read", format.extension()),
    )?;
    Ok(bytes)
}

/// Sends a recommendation to HR as a proposed plan item: `text` as its measure, `category` as
/// its category, raised by the counsellor's report, for the whole organisation, without owner.
/// Nothing else of the register travels.
pub fn propose(
    conn: &mut DbConnection,
    catalog: &Catalog,
    who: &Counsellor<'_>,
    year: i32,
    category: &str,
    text: &str,
) -> Result<PlanItemRow, AppError> {
    check_year(year)?;
    let item = crate::plan::by_hand(
        conn,
        catalog,
        who.organisation,
        HandMade {
            category,
            unit_id: None,
            measure: text,
            level: PROPOSAL_LEVEL,
            priority: PROPOSAL_PRIORITY,
            signal: Signal::Vpo,
        },
    )?;
    conn.write_transaction(|conn| -> Result<(), AppError> {
        crate::db::plan::create(conn, &item, who.email)?;
        log_store::log(
            conn,
            who.organisation,
            who.email,
            None,
            &format!("recommendation of {year} proposed to the plan ({category})"),
        )?;
        Ok(())
    })?;
    Ok(item)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_files_name_a_year_and_a_format() {
        assert_eq!(
            ReportFormat::parse_file("2026.pdf"),
            Some((2026, ReportFormat::Pdf))
        );
        assert_eq!(
            ReportFormat::parse_file("2025.csv"),
            Some((2025, ReportFormat::Csv))
        );
        for bad in [
            "2026",
            "2026.json",
            "x.html",
            "+2026.html",
            "02026.html",
            "2026.pdf.sig",
        ] {
            assert_eq!(ReportFormat::parse_file(bad), None, "{bad}");
        }
    }
}
