//! A closed round's results: computed once from its stored responses (streamed, scored straight
//! from their packed bytes), with the trend against the previous round, stored, and served
//! from storage ever after; and the earlier rounds a trend chart compares it with.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use crate::db::DbConnection;
use crate::db::rounds::{self, RoundRow};
use crate::domain::answers::Packing;
use crate::domain::results::{RoundResults, RoundTally, attach_trend};
use crate::domain::round::RoundStatus;
use crate::domain::{OrganisationId, Questionnaire};
use crate::error::AppError;

/// Frozen questionnaires by digest, parsed. Every questionnaire page and every submission needs
/// its round's questionnaire, and parsing the TOML (0.65 ms) cost more than the rest of a
/// submission; a snapshot never changes, so a parsed one never goes stale.
static PARSED: LazyLock<Mutex<HashMap<String, Arc<Questionnaire>>>> = LazyLock::new(Mutex::default);

/// More distinct snapshots than this (many organisations with their own instruments) empty the
/// cache rather than let it grow.
const PARSED_MAX: usize = 256;

/// The questionnaire a round froze when it opened.
pub fn frozen_questionnaire(row: &RoundRow) -> Result<Arc<Questionnaire>, AppError> {
    frozen(row.questionnaire_digest.as_deref(), || {
        Ok(Cow::Borrowed(
            row.questionnaire_source.as_deref().unwrap_or_default(),
        ))
    })
}

/// The frozen questionnaire with this digest: parsed already, or parsed now from `source`, which
/// is asked for only then (a round's source is large, and read once per digest).
pub fn frozen<'a>(
    digest: Option<&str>,
    source: impl FnOnce() -> Result<Cow<'a, str>, AppError>,
) -> Result<Arc<Questionnaire>, AppError> {
    let parse = |source: Cow<'a, str>| {
        Questionnaire::parse(&source)
            .map(Arc::new)
            .map_err(|_| AppError::Internal("a frozen questionnaire does not parse".into()))
    };
    let Some(digest) = digest else {
        return parse(source()?);
    };
    // A poisoned lock only means another thread panicked while inserting: the map is sound.
    let cached = PARSED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(digest)
        .cloned();
    if let Some(q) = cached {
        return Ok(q);
    }
    let q = parse(source()?)?;
    let mut parsed = PARSED.lock().unwrap_or_else(|e| e.into_inner());
    if parsed.len() >= PARSED_MAX {
        parsed.clear();
    }
    parsed.insert(digest.to_owned(), Arc::clone(&q));
    Ok(q)
}

/// A closed round with its questionnaire and stored results.
pub type ClosedRound = (RoundRow, Arc<Questionnaire>, RoundResults);

/// A closed round with its questionnaire and stored results; `NotFound` for no such round and
/// `Conflict` for one not closed.
pub fn closed_round(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    id: &str,
) -> Result<ClosedRound, AppError> {
    let row = rounds::get(conn, organisation, id)?
        .ok_or_else(|| AppError::NotFound("no such round".into()))?;
    if row.status() != crate::domain::round::RoundStatus::Closed {
        return Err(AppError::Conflict(format!(
            "the round is {}; results exist only after close",
            row.status()
        )));
    }
    let json = compute_and_store(conn, organisation, id)?;
    let results = serde_json::from_str(&json).map_err(|e| AppError::Internal(e.to_string()))?;
    let q = frozen_questionnaire(&row)?;
    Ok((row, q, results))
}

/// The stored results of a closed round as JSON, computing and storing them first if needed.
pub fn compute_and_store(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    id: &str,
) -> Result<String, AppError> {
    if let Some(stored) = rounds::load_results(conn, organisation, id)? {
        return Ok(stored);
    }
    let row = rounds::get(conn, organisation, id)?
        .ok_or_else(|| AppError::NotFound("no such round".into()))?;
    let q = frozen_questionnaire(&row)?;
    let frozen = row.frozen_units();
    let packing = Packing::new(&q);
    let mut tally = RoundTally::new(&q, &frozen);
    let mut unreadable = 0u64;
    rounds::for_each_response(conn, organisation, id, |unit, bytes| {
        match packing.view(bytes) {
            Some(answers) => tally.add(unit, &answers),
            None => unreadable += 1,
        }
    })?;
    if unreadable > 0 {
        // Stored through `Answers::pack` of the same frozen questionnaire: this is a defect.
        return Err(AppError::Internal(format!(
            "{unreadable} stored responses do not fit the round's questionnaire"
        )));
    }
    let results = tally.finish(row.k());
    let mut value =
        serde_json::to_value(&results).map_err(|e| AppError::Internal(e.to_string()))?;
    if let Some(earlier) = rounds::previous_closed(conn, organisation, &row)? {
        let stored = rounds::load_results(conn, organisation, &earlier.id)?;
        if let (Some(stored), Ok(before)) = (stored, frozen_questionnaire(&earlier)) {
            let previous: serde_json::Value = serde_json::from_str(&stored).unwrap_or_default();
            let same_coverage = rounds::chosen_units(conn, organisation, &row.id)?
                == rounds::chosen_units(conn, organisation, &earlier.id)?;
            attach_trend(&mut value, &previous, &earlier.id, same_coverage, |c| {
                same_items(&q, &before, c)
            });
        }
    }
    let json = value.to_string();
    rounds::store_results(conn, organisation, id, &json)?;
    // Another instance may have stored them first: serve what is stored.
    Ok(rounds::load_results(conn, organisation, id)?.unwrap_or(json))
}

/// Whether a category asks the same items in two questionnaires: only then are its figures
/// comparable across rounds (DOMAIN.md section 5, trend).
fn same_items(a: &Questionnaire, b: &Questionnaire, category: &str) -> bool {
    a.items_of(category)
        .map(|i| &i.id)
        .eq(b.items_of(category).map(|i| &i.id))
}

/// The rounds on `row`'s trend chart: the closed rounds of its questionnaire that cover the same
/// units (so that their top groups are the same people's), closed no later than `row`, oldest
/// first and `row` last, each with its stored results. A category whose items differ from
/// `row`'s is left out of that round's results: a gap, not a false comparison.
pub fn trend_rounds(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    row: &RoundRow,
) -> Result<Vec<(RoundRow, RoundResults)>, AppError> {
    let q = frozen_questionnaire(row)?;
    let coverage = rounds::chosen_units(conn, organisation, &row.id)?;
    let mut closed: Vec<RoundRow> = rounds::list(conn, organisation)?
        .into_iter()
        .filter(|r| {
            r.status() == RoundStatus::Closed
                && r.questionnaire_id == row.questionnaire_id
                && r.closed_at <= row.closed_at
        })
        .collect();
    closed.sort_by_key(|r| (r.closed_at, r.id == row.id, r.id.clone()));
    let mut trend = Vec::with_capacity(closed.len());
    for earlier in closed {
        if rounds::chosen_units(conn, organisation, &earlier.id)? != coverage {
            continue;
        }
        let Some(stored) = rounds::load_results(conn, organisation, &earlier.id)? else {
            continue;
        };
        let mut results: RoundResults =
            serde_json::from_str(&stored).map_err(|e| AppError::Internal(e.to_string()))?;
        let before = frozen_questionnaire(&earlier)?;
        for group in &mut results.groups {
            group
                .categories
                .retain(|category, _| same_items(&q, &before, category));
        }
        trend.push((earlier, results));
    }
    Ok(trend)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frozen_questionnaire_is_read_and_parsed_once_per_digest() {
        let catalog = crate::catalog::Catalog::shipped().unwrap();
        let entry = catalog.get("psa-basis").unwrap();
        let digest = format!("{}-read-once", entry.digest);
        let mut reads = 0;
        for _ in 0..3 {
            let q = frozen(Some(&digest), || {
                reads += 1;
                Ok(Cow::Borrowed(entry.source.as_str()))
            })
            .unwrap();
            assert_eq!(q.id, "psa-basis");
        }
        assert_eq!(reads, 1);
        // Without a digest it is parsed from the source, and a source that does not parse fails.
        let unkept = frozen(None, || Ok(Cow::Borrowed(entry.source.as_str())));
        assert_eq!(unkept.unwrap().id, "psa-basis");
        let broken = frozen(Some("broken-read-once"), || Ok(Cow::Borrowed("not toml [")));
        assert!(matches!(broken, Err(AppError::Internal(_))));
    }
}
