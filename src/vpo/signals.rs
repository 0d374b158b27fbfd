//! The counsellor's reports beside a round's results: counts only, from every counsellor's
//! cases, for the round's reference period. Reading them reads no case, so nothing is logged.

use chrono::NaiveDate;

use crate::db::DbConnection;
use crate::db::vpo as store;
use crate::domain::OrganisationId;
use crate::domain::vpo::report::{PeriodSignals, period_signals};
use crate::error::AppError;

pub fn for_round(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    closed_on: NaiveDate,
) -> Result<PeriodSignals, AppError> {
    let facts: Vec<_> = store::all(conn, organisation)?
        .iter()
        .map(|row| row.facts())
        .collect();
    Ok(period_signals(&facts, closed_on))
}
