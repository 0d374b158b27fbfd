//! Rounds open and close by themselves at their dates, and once a day the confidential parts of
//! closed VPO cases that are due are destroyed. Every instance runs this; the state guards in
//! storage make a second open or close of the same round, or destruction of the same case, a
//! no-op.

use std::time::Duration;

use chrono::NaiveDate;
use diesel::prelude::*;

use super::AppState;
use super::api::rounds;
use crate::db::schema::rounds as table;
use crate::db::{DbError, now, rounds as store};
use crate::domain::OrganisationId;
use crate::domain::round::RoundStatus;
use crate::vpo::retention::PurgeReport;

/// How often due rounds are looked for.
pub const INTERVAL: Duration = Duration::from_secs(30);

/// Opens and closes the rounds that are due, and deletes responses past their retention;
/// returns how many rounds changed.
pub async fn run_once(state: &AppState) -> usize {
    let due = state
        .db
        .run(|conn| -> Result<_, DbError> {
            let opening: Vec<(String, String)> = table::table
                .filter(table::status.eq(RoundStatus::Draft.as_str()))
                .filter(table::opens_at.le(now()))
                .select((table::organisation_id, table::id))
                .load(conn)?;
            Ok((opening, store::due_for_closing(conn)?))
        })
        .await;
    let Ok((opening, closing)) = due else {
        tracing::warn!("could not look for rounds due to open or close");
        return 0;
    };
    let mut changed = 0;
    for (organisation, id) in opening {
        if rounds::open(state, OrganisationId::new(organisation), id)
            .await
            .is_ok()
        {
            changed += 1;
        }
    }
    for (organisation, id) in closing {
        if rounds::close(state, organisation, id).await.is_ok() {
            changed += 1;
        }
    }
    if changed > 0 {
        tracing::info!(rounds = changed, "rounds opened or closed on schedule");
    }
    let days = i64::from(state.settings.response_retention_days);
    let purged = state
        .db
        .run(move |conn| store::purge_responses(conn, now() - chrono::Duration::days(days)))
        .await;
    match purged {
        Ok(0) => {}
        Ok(count) => tracing::info!(responses = count, "responses past their retention deleted"),
        Err(_) => tracing::warn!("could not delete responses past their retention"),
    }
    changed
}

/// The daily work of `today` (Europe/Amsterdam): destroys the confidential parts of closed VPO
/// cases that are due (`vpo::retention::purge`); the report, or `None` when it failed (logged).
pub async fn run_daily(state: &AppState, today: NaiveDate) -> Option<PurgeReport> {
    let purged = state
        .db
        .run(move |conn| crate::vpo::retention::purge(conn, today))
        .await;
    match purged {
        Ok(report) => {
            if report.cases > 0 {
                tracing::info!(
                    cases = report.cases,
                    report_finalised = report.report_finalised,
                    maximum_reached = report.maximum_reached,
                    notes = report.notes,
                    "confidential parts of closed VPO cases destroyed"
                );
            }
            Some(report)
        }
        Err(error) => {
            tracing::warn!(%error, "could not destroy the confidential parts of VPO cases that are due");
            None
        }
    }
}

/// Runs `run_once` every `INTERVAL`, and `run_daily` on the first tick of every day (and again
/// on the next tick after a failure), until the server stops.
pub async fn run(state: AppState) {
    let mut ticks = actix_web::rt::time::interval(INTERVAL);
    let mut done_on: Option<NaiveDate> = None;
    loop {
        ticks.tick().await;
        run_once(&state).await;
        let today = crate::calendar::today();
        if done_on != Some(today) && run_daily(&state, today).await.is_some() {
            done_on = Some(today);
        }
    }
}
