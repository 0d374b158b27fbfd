//! The retention sweep: destroys the confidential parts (notes, agreements, case report, date of
//! first contact) of every closed case that `domain::vpo::retention::due` says is due, in every
//! organisation, and logs each destruction. Run daily by the schedule and by `psa purge`; the day
//! is passed in. The statistics-only facts stay, so the annual figures do not change.

use std::collections::hash_map::Entry;
use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;

use crate::db::vpo as store;
use crate::db::{DbConnection, DbError, now, vpo_reports};
use crate::domain::OrganisationId;
use crate::domain::vpo::Quarter;
use crate::domain::vpo::retention::{Destruction, due};

/// What one sweep destroyed: counts only.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PurgeReport {
    /// Cases whose confidential parts were destroyed.
    pub cases: usize,
    /// Of these, because the report of their year is finalised.
    pub report_finalised: usize,
    /// Of these, because the maximum after closing passed.
    pub maximum_reached: usize,
    /// Notes deleted.
    pub notes: usize,
}

/// What decides for one organisation: its maximum and its finalised years.
struct Rules {
    max_months: u32,
    finalised: BTreeSet<i32>,
}

/// Destroys what is due `today` in every organisation.
pub fn purge(conn: &mut DbConnection, today: NaiveDate) -> Result<PurgeReport, DbError> {
    let mut rules: HashMap<String, Rules> = HashMap::new();
    let mut report = PurgeReport::default();
    for case in store::closed_and_kept(conn)? {
        let rules = match rules.entry(case.organisation_id.clone()) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(new) => {
                let organisation = OrganisationId::new(case.organisation_id.clone());
                new.insert(Rules {
                    max_months: store::max_months(conn, &organisation)?,
                    finalised: vpo_reports::finalised_years(conn, &organisation)?
                        .into_iter()
                        .collect(),
                })
            }
        };
        // The year a case is counted in is the year of its quarter of first contact.
        let finalised = Quarter::parse(&case.quarter)
            .is_some_and(|quarter| rules.finalised.contains(&quarter.year));
        let Some(reason) = due(case.closed_on, finalised, rules.max_months, today) else {
            continue;
        };
        if let Some(destroyed) = store::destroy(conn, &case, reason, now())? {
            report.cases += 1;
            report.notes += destroyed.notes;
            match reason {
                Destruction::ReportFinalised => report.report_finalised += 1,
                Destruction::MaximumReached => report.maximum_reached += 1,
            }
        }
    }
    if report.cases > 0 {
        store::scrub(conn)?;
    }
    Ok(report)
}
