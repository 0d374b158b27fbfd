//! When the confidential parts of a case (its notes, agreements and case report) are destroyed:
//! once the case is closed and counted in a finalised annual report, and never later than the
//! organisation's maximum after closing (DOMAIN.md section 8). Statistics-only facts stay.

use chrono::{Months, NaiveDate};

/// The longest the confidential parts of a closed case are kept unless the organisation sets
/// another maximum.
pub const DEFAULT_MAX_MONTHS: u32 = 12;

/// Why a case's confidential parts are due for destruction, or `None` while they may stay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Destruction {
    /// The year it is counted in has a finalised report.
    ReportFinalised,
    /// The maximum after closing has passed.
    MaximumReached,
}

impl Destruction {
    pub fn as_str(self) -> &'static str {
        match self {
            Destruction::ReportFinalised => "report_finalised",
            Destruction::MaximumReached => "maximum_reached",
        }
    }
}

/// Whether a case closed on `closed_on` (if closed), counted in a year whose report is
/// `finalised` or not, is due for destruction `today` with the maximum of `max_months`.
pub fn due(
    closed_on: Option<NaiveDate>,
    finalised: bool,
    max_months: u32,
    today: NaiveDate,
) -> Option<Destruction> {
    let closed_on = closed_on?;
    if finalised {
        return Some(Destruction::ReportFinalised);
    }
    let limit = closed_on.checked_add_months(Months::new(max_months))?;
    (today >= limit).then_some(Destruction::MaximumReached)
}

/// The longest maximum an organisation may set, in months (ten years).
pub const MAX_MONTHS_LIMIT: u32 = 120;

/// What was destroyed of one case, as the destruction log names it: counts and the names of
/// parts, never their contents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Destroyed {
    pub notes: usize,
    pub agreements: bool,
    pub case_report: bool,
}

impl Destroyed {
    /// `3 notes, agreements, case report, date of first contact`.
    pub fn describe(&self) -> String {
        let mut parts = vec![match self.notes {
            1 => "1 note".to_owned(),
            n => format!("{n} notes"),
        }];
        if self.agreements {
            parts.push("agreements".into());
        }
        if self.case_report {
            parts.push("case report".into());
        }
        parts.push("date of first contact".into());
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn an_open_case_keeps_its_notes_whatever_the_report() {
        assert_eq!(due(None, true, 12, date("2030-01-01")), None);
    }

    #[test]
    fn a_closed_case_goes_with_the_finalised_report_or_at_the_maximum() {
        let closed = Some(date("2026-03-15"));
        assert_eq!(
            due(closed, true, 12, date("2026-03-16")),
            Some(Destruction::ReportFinalised)
        );
        assert_eq!(due(closed, false, 12, date("2027-03-14")), None);
        assert_eq!(
            due(closed, false, 12, date("2027-03-15")),
            Some(Destruction::MaximumReached)
        );
        assert_eq!(
            due(closed, false, 3, date("2026-06-15")),
            Some(Destruction::MaximumReached)
        );
    }

    #[test]
    fn the_destruction_log_names_counts_and_parts_only() {
        let all = Destroyed {
            notes: 3,
            agreements: true,
            case_report: true,
        };
        assert_eq!(
            all.describe(),
            "3 notes, agreements, case report, date of first contact"
        );
        let one = Destroyed {
            notes: 1,
            ..Destroyed::default()
        };
        assert_eq!(one.describe(), "1 note, date of first contact");
        assert_eq!(
            Destroyed::default().describe(),
            "0 notes, date of first contact"
        );
    }
}
