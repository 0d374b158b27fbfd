//! The counsellor's reports beside a round's results: counts only, from every counsellor's
//! cases, for the round's reference period. Reading them reads no case, so nothing is logged.

use crate::db::DbConnection;
use crate::db::rounds::RoundRow;
use crate::db::vpo as store;
use crate::domain::OrganisationId;
use crate::domain::vpo::report::{PeriodSignals, period_signals};
use crate::error::AppError;

/// The reports for `round`'s period (up to its closing day, in Amsterdam); `None` while it has
/// not closed.
pub fn for_round(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    round: &RoundRow,
) -> Result<Option<PeriodSignals>, AppError> {
    let Some(closed_at) = round.closed_at else {
        return Ok(None);
    };
    let facts: Vec<_> = store::all(conn, organisation)?
        .iter()
        .map(|row| row.facts())
        .collect();
    Ok(Some(period_signals(
        &facts,
        crate::calendar::local_date(closed_at),
    )))
}
