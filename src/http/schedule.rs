//! Rounds open and close by themselves at their dates. Every instance runs this; the state
//! guards in storage make a second open or close of the same round a no-op.

use std::time::Duration;

use diesel::prelude::*;

use super::AppState;
use super::api::rounds;
use crate::db::schema::rounds as table;
use crate::db::{DbError, now, rounds as store};
use crate::domain::OrganisationId;
use crate::domain::round::RoundStatus;

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

/// Runs `run_once` every `INTERVAL` until the server stops.
pub async fn run(state: AppState) {
    let mut ticks = actix_web::rt::time::interval(INTERVAL);
    loop {
        ticks.tick().await;
        run_once(&state).await;
    }
}
