//! Rounds open and close by themselves at their dates, and once a day the confidential parts of
//! closed VPO cases that are due are destroyed.
//!
//! Every instance runs a schedule, but with several instances on one PostgreSQL database only one
//! works at a time: each tick first tries the schedule's advisory lock, and an instance that does
//! not get it skips the tick (the holder is doing the work). The state guards in storage stay as
//! the second line: a second open or close of the same round, or destruction of the same case, is
//! a no-op, so whichever instance ticks next finds nothing left to do.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::api::rounds;
use super::{AppState, audit};
use crate::db::locks::{Lock, LockConnection};
use crate::db::schema::rounds as table;
use crate::db::{DbError, now, rounds as store};
use crate::domain::OrganisationId;
use crate::domain::round::RoundStatus;
use crate::vpo::retention::PurgeReport;

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
    let (mut opened, mut closed) = (0, 0);
    for (organisation, id) in opening {
        let target = format!("round {id}");
        match rounds::open(state, OrganisationId::new(organisation.clone()), id).await {
            Ok(_) => {
                opened += 1;
                audit::append_scheduled(state, organisation, "open_round", target).await;
            }
            Err(error) => tracing::warn!(%error, "could not open a round on schedule"),
        }
    }
    for (organisation, id) in closing {
        let (scope, target) = (organisation.to_string(), format!("round {id}"));
        match rounds::close(state, organisation, id).await {
            Ok(_) => {
                closed += 1;
                audit::append_scheduled(state, scope, "close_round", target).await;
            }
            Err(error) => tracing::warn!(%error, "could not close a round on schedule"),
        }
    }
    let changed = opened + closed;
    if changed > 0 {
        tracing::info!(opened, closed, "rounds opened or closed on schedule");
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

/// One instance's schedule: the connection on which it holds the schedule lock during a tick,
/// and the day its daily work was last done.
pub struct Schedule {
    state: AppState,
    lock: LockConnection,
    done_on: Option<NaiveDate>,
}

impl Schedule {
    pub fn new(state: AppState) -> Schedule {
        let lock = LockConnection::new(&state.settings.database);
        Schedule {
            state,
            lock,
            done_on: None,
        }
    }

    /// One tick: `run_once`, and `run_daily` on the first tick of every day (and again on the
    /// next tick after a failure), while holding the schedule lock. The rounds changed, or
    /// `None` when the lock was not taken (another instance holds it and does the work).
    pub async fn tick(&mut self) -> Option<usize> {
        match self.on_lock(|lock| lock.try_lock(Lock::Schedule)).await {
            Ok(true) => {}
            Ok(false) => return None,
            Err(error) => {
                tracing::warn!(%error, "could not take the schedule's lock; this tick is skipped");
                return None;
            }
        }
        let changed = run_once(&self.state).await;
        let today = crate::calendar::today();
        if self.done_on != Some(today) && run_daily(&self.state, today).await.is_some() {
            self.done_on = Some(today);
        }
        if let Err(error) = self.on_lock(|lock| lock.unlock(Lock::Schedule)).await {
            // The lock's connection is closed by now, which released it.
            tracing::warn!(%error, "could not release the schedule's lock");
        }
        Some(changed)
    }

    /// Runs `work` on the lock's connection on the blocking thread pool.
    async fn on_lock<T: Send + 'static>(
        &mut self,
        work: impl FnOnce(&mut LockConnection) -> Result<T, DbError> + Send + 'static,
    ) -> Result<T, DbError> {
        let fresh = LockConnection::new(&self.state.settings.database);
        let mut lock = std::mem::replace(&mut self.lock, fresh);
        let (lock, outcome) = actix_web::web::block(move || {
            let outcome = work(&mut lock);
            (lock, outcome)
        })
        .await
        .map_err(|_| DbError::Unavailable("the blocking pool is gone".into()))?;
        self.lock = lock;
        outcome
    }
}

/// Ticks every `schedule_interval` (setting) until the server stops.
pub async fn run(state: AppState) {
    let mut ticks = actix_web::rt::time::interval(state.settings.schedule_interval);
    let mut schedule = Schedule::new(state);
    loop {
        ticks.tick().await;
        schedule.tick().await;
    }
}
