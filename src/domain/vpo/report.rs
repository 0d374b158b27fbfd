//! The anonymous annual report (DOMAIN.md section 8): for one year, contacts against in-scope
//! reports per quarter, counts per category, per source, actions and referrals, and the
//! categories against the year before; every table under the small-count rule. It names no one,
//! no unit and no date: only quarters and counts.

use std::collections::BTreeSet;

use serde::Serialize;

use super::case::{Action, Behaviour, CaseFacts, Source};
use super::suppression::{ShownTable, suppress};

/// One table of the report: what its rows and columns are (wire names), and its shown counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ReportTable {
    pub rows: Vec<String>,
    pub columns: Vec<String>,
    #[serde(flatten)]
    pub shown: ShownTable,
}

/// The report's figures for `year`; the counsellors' recommendations are text kept beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AnnualFigures {
    pub year: i32,
    /// Quarters by in scope and out of scope (referred), with totals both ways: the grand total
    /// is the year's contacts.
    pub contacts: ReportTable,
    /// In-scope reports per behaviour category and quarter; a report may name several
    /// categories, so the columns have no totals.
    pub categories: ReportTable,
    /// In-scope reports per source and quarter (several sources per report possible).
    pub sources: ReportTable,
    /// In-scope reports per action taken.
    pub actions: ReportTable,
    /// Contacts per referral made (out-of-scope contacts are referred too).
    pub referrals: ReportTable,
    /// In-scope reports per category, the year before and this year.
    pub comparison: ReportTable,
}

const QUARTERS: [&str; 4] = ["q1", "q2", "q3", "q4"];

fn table(
    rows: Vec<String>,
    columns: &[&str],
    counts: &[Vec<u32>],
    totals: (bool, bool),
) -> ReportTable {
    ReportTable {
        rows,
        columns: columns.iter().map(|&c| c.to_owned()).collect(),
        shown: suppress(counts, totals.0, totals.1),
    }
}

fn count(cases: &[&CaseFacts], pick: impl Fn(&CaseFacts) -> bool) -> u32 {
    u32::try_from(cases.iter().filter(|c| pick(c)).count()).unwrap_or(u32::MAX)
}

/// Per row of `values`, the cases per quarter it applies to.
fn by_quarter<T: Copy>(
    cases: &[&CaseFacts],
    values: &[T],
    applies: impl Fn(&CaseFacts, T) -> bool,
) -> Vec<Vec<u32>> {
    values
        .iter()
        .map(|&v| {
            (1..=4)
                .map(|q| count(cases, |c| c.quarter.number == q && applies(c, v)))
                .collect()
        })
        .collect()
}

fn names<T: Copy>(values: &[T], name: impl Fn(T) -> &'static str) -> Vec<String> {
    values.iter().map(|&v| name(v).to_owned()).collect()
}

/// The figures of `year` from all cases (any year); `referrals` lists the organisation's
/// referral targets in order, and any others found in the cases follow.
pub fn annual_figures(year: i32, cases: &[CaseFacts], referrals: &[String]) -> AnnualFigures {
    let of = |y: i32| -> Vec<&CaseFacts> { cases.iter().filter(|c| c.quarter.year == y).collect() };
    let all = of(year);
    let before = of(year - 1);
    let in_scope: Vec<&CaseFacts> = all.iter().copied().filter(|c| c.in_scope).collect();

    let contacts: Vec<Vec<u32>> = (1..=4)
        .map(|q| {
            [true, false]
                .iter()
                .map(|&scope| count(&all, |c| c.quarter.number == q && c.in_scope == scope))
                .collect()
        })
        .collect();
    let categories = by_quarter(&in_scope, Behaviour::ALL, |c, b| c.behaviours.contains(&b));
    let sources = by_quarter(&in_scope, Source::ALL, |c, s| c.sources.contains(&s));
    let actions: Vec<Vec<u32>> = Action::ALL
        .iter()
        .map(|a| vec![count(&in_scope, |c| c.actions.contains(a))])
        .collect();
    let mut targets: Vec<String> = referrals.to_vec();
    let found: BTreeSet<&String> = all.iter().flat_map(|c| &c.referrals).collect();
    targets.extend(
        found
            .into_iter()
            .filter(|r| !referrals.contains(r))
            .cloned(),
    );
    let referred: Vec<Vec<u32>> = targets
        .iter()
        .map(|r| vec![count(&all, |c| c.referrals.contains(r))])
        .collect();
    let comparison: Vec<Vec<u32>> = Behaviour::ALL
        .iter()
        .map(|b| {
            [&before, &all]
                .iter()
                .map(|cases| count(cases, |c| c.in_scope && c.behaviours.contains(b)))
                .collect()
        })
        .collect();

    AnnualFigures {
        year,
        contacts: table(
            QUARTERS.iter().map(|&q| q.to_owned()).collect(),
            &["in_scope", "out_of_scope"],
            &contacts,
            (true, true),
        ),
        categories: table(
            names(Behaviour::ALL, Behaviour::as_str),
            &QUARTERS,
            &categories,
            (true, false),
        ),
        sources: table(
            names(Source::ALL, Source::as_str),
            &QUARTERS,
            &sources,
            (true, false),
        ),
        actions: table(
            names(Action::ALL, Action::as_str),
            &["count"],
            &actions,
            (false, false),
        ),
        referrals: table(targets, &["count"], &referred, (false, false)),
        comparison: table(
            names(Behaviour::ALL, Behaviour::as_str),
            &["previous_year", "year"],
            &comparison,
            (false, false),
        ),
    }
}

/// The confidential counsellor's reports beside a round's results (DOMAIN.md section 8): the
/// in-scope reports per behaviour category whose quarter overlaps the round's reference period,
/// the 12 months up to its closing day, under the small-count rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PeriodSignals {
    #[schema(value_type = String, format = Date)]
    pub from: chrono::NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub to: chrono::NaiveDate,
    /// The quarters counted, as `2026-Q1`.
    pub quarters: Vec<String>,
    /// Rows: behaviour categories; one column, `reports`.
    pub reports: ReportTable,
}

pub fn period_signals(cases: &[CaseFacts], closed_on: chrono::NaiveDate) -> PeriodSignals {
    let from = closed_on
        .checked_sub_months(chrono::Months::new(12))
        .and_then(|d| d.succ_opt())
        .unwrap_or(closed_on);
    let counted: Vec<&CaseFacts> = cases
        .iter()
        .filter(|c| c.in_scope && c.quarter.overlaps(from, closed_on))
        .collect();
    let quarters: BTreeSet<String> = counted.iter().map(|c| c.quarter.to_string()).collect();
    let counts: Vec<Vec<u32>> = Behaviour::ALL
        .iter()
        .map(|b| vec![count(&counted, |c| c.behaviours.contains(b))])
        .collect();
    PeriodSignals {
        from,
        to: closed_on,
        quarters: quarters.into_iter().collect(),
        reports: table(
            names(Behaviour::ALL, Behaviour::as_str),
            &["reports"],
            &counts,
            (false, false),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::super::case::Quarter;
    use super::super::suppression::Shown::{Count, Small, Withheld};
    use super::*;

    fn case(
        quarter: &str,
        in_scope: bool,
        behaviours: &[Behaviour],
        sources: &[Source],
    ) -> CaseFacts {
        CaseFacts {
            quarter: Quarter::parse(quarter).unwrap(),
            in_scope,
            behaviours: behaviours.iter().copied().collect(),
            sources: sources.iter().copied().collect(),
            actions: if in_scope {
                [Action::Conversations].into()
            } else {
                BTreeSet::new()
            },
            referrals: if in_scope {
                BTreeSet::new()
            } else {
                ["integrity_counsellor".to_owned()].into()
            },
        }
    }

    fn cases() -> Vec<CaseFacts> {
        let mut cases = Vec::new();
        for _ in 0..6 {
            cases.push(case(
                "2026-Q1",
                true,
                &[Behaviour::Bullying],
                &[Source::Colleague],
            ));
        }
        for _ in 0..7 {
            cases.push(case(
                "2026-Q2",
                true,
                &[Behaviour::Bullying, Behaviour::Intimidation],
                &[Source::Manager],
            ));
        }
        for _ in 0..2 {
            cases.push(case("2026-Q2", false, &[], &[]));
        }
        cases.push(case(
            "2026-Q3",
            true,
            &[Behaviour::SexualIntimidation],
            &[Source::External],
        ));
        for _ in 0..9 {
            cases.push(case(
                "2025-Q4",
                true,
                &[Behaviour::Bullying],
                &[Source::Colleague],
            ));
        }
        cases.push(case(
            "2027-Q1",
            true,
            &[Behaviour::Bullying],
            &[Source::Colleague],
        ));
        cases
    }

    #[test]
    fn the_year_counts_its_quarters_scope_categories_and_sources() {
        let f = annual_figures(2026, &cases(), &["integrity_counsellor".to_owned()]);
        assert_eq!(
            f.contacts.shown.total,
            Some(Count(16)),
            "2025 and 2027 are other years"
        );
        // Two out of scope would follow from 16 − 14: the 14 goes, then what reveals it.
        assert_eq!(f.contacts.shown.column_totals, vec![Withheld, Small]);
        assert_eq!(f.contacts.shown.cells[1], vec![Withheld, Small]);
        assert_eq!(
            f.contacts.shown.row_totals,
            vec![Withheld, Count(9), Small, Count(0)]
        );
        let bullying = &f.categories.shown.cells[0];
        assert_eq!(bullying, &vec![Count(6), Count(7), Count(0), Count(0)]);
        assert_eq!(f.categories.shown.row_totals[0], Count(13));
        let sexual = f
            .categories
            .rows
            .iter()
            .position(|r| r == "seksuele_intimidatie")
            .unwrap();
        assert_eq!(f.categories.shown.cells[sexual][2], Small);
        assert_eq!(f.comparison.shown.cells[0], vec![Count(9), Count(13)]);
        assert_eq!(f.actions.shown.cells[0], vec![Count(14)]);
        assert_eq!(f.referrals.rows, vec!["integrity_counsellor"]);
        assert_eq!(f.referrals.shown.cells[0], vec![Small]);
    }

    #[test]
    fn the_json_names_no_case_and_no_date() {
        let f = annual_figures(2026, &cases(), &[]);
        let json = serde_json::to_string(&f).unwrap();
        assert!(!json.contains("2026-"), "quarters only, as q1…q4: {json}");
        assert!(json.contains("\"< 5\""));
    }

    #[test]
    fn a_round_counts_the_reports_of_the_quarters_overlapping_its_year() {
        let closed = chrono::NaiveDate::from_ymd_opt(2026, 11, 15).unwrap();
        let signals = period_signals(&cases(), closed);
        assert_eq!(
            signals.from,
            chrono::NaiveDate::from_ymd_opt(2025, 11, 16).unwrap()
        );
        // 2025-Q4 overlaps (from mid-November); 2027-Q1 lies after the closing day.
        assert_eq!(
            signals.quarters,
            vec!["2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"]
        );
        assert_eq!(signals.reports.shown.cells[0], vec![Count(9 + 6 + 7)]);
        let sexual = signals
            .reports
            .rows
            .iter()
            .position(|r| r == "seksuele_intimidatie")
            .unwrap();
        assert_eq!(signals.reports.shown.cells[sexual], vec![Small]);
    }
}
