//! What a case is, in the terms statistics keep: the quarter of first contact, whether it was in
//! scope, the behaviour, its source, the actions taken and the referrals made.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::wire_enum;

wire_enum! {
    /// How the reporter first reached the counsellor.
    Channel {
        InPerson = "in_person",
        Phone = "phone",
        Email = "email",
        Video = "video",
        Other = "other",
    }
}

wire_enum! {
    /// The kind of unwanted behaviour: the behaviour categories of the default questionnaire
    /// (DOMAIN.md section 2), so that reports sit beside a round's results.
    Behaviour {
        Bullying = "pesten",
        AggressionViolence = "agressie_geweld",
        Intimidation = "intimidatie",
        SexualIntimidation = "seksuele_intimidatie",
        Discrimination = "discriminatie",
        OtherImproper = "overig_ongewenst",
    }
}

wire_enum! {
    /// Where the behaviour came from, as the survey asks it (DOMAIN.md section 2).
    Source {
        Manager = "leidinggevende",
        Colleague = "collega",
        Subordinate = "ondergeschikte",
        /// Clients, patients, pupils, passengers, the public.
        External = "derden",
    }
}

wire_enum! {
    /// What was done in the case (DOMAIN.md section 8).
    Action {
        Conversations = "conversations",
        InformalSolution = "informal_solution",
        FormalComplaint = "formal_complaint",
        PoliceReport = "police_report",
    }
}

wire_enum! {
    CaseStatus {
        Open = "open",
        Closed = "closed",
    }
}

/// Where a counsellor refers people unless the organisation configures its own list.
pub const DEFAULT_REFERRALS: [&str; 7] = [
    "company_doctor",
    "legal_adviser",
    "occupational_psychologist",
    "mediator",
    "integrity_counsellor",
    "general_practitioner",
    "social_work",
];

/// Most referral targets an organisation keeps.
pub const MAX_REFERRALS: usize = 30;

/// An organisation's own list of referral targets: each trimmed, 2 to 60 characters, without a
/// comma or line break (cases keep theirs as a list), no two alike; 1 to 30 of them. An empty
/// list means psa's defaults.
pub fn referral_list(targets: &[String]) -> Result<Vec<String>, &'static str> {
    let mut list: Vec<String> = Vec::new();
    for target in targets {
        let target = target.trim();
        if !(2..=60).contains(&target.chars().count()) || target.contains([',', '\n', '\r']) {
            return Err("each referral is 2 to 60 characters, without commas or line breaks");
        }
        if list.iter().any(|t| t == target) {
            return Err("a referral is listed twice");
        }
        list.push(target.to_owned());
    }
    if list.len() > MAX_REFERRALS {
        return Err("at most 30 referrals");
    }
    Ok(list)
}

/// A quarter of a year: the finest time statistics keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Quarter {
    pub year: i32,
    /// 1 to 4.
    pub number: u8,
}

impl Quarter {
    pub fn of(date: NaiveDate) -> Quarter {
        Quarter {
            year: date.year(),
            // Months 1..=12 give 1..=4.
            number: u8::try_from(date.month0() / 3 + 1).unwrap_or(4),
        }
    }

    /// `2026-Q4`, as stored.
    pub fn parse(text: &str) -> Option<Quarter> {
        let (year, number) = text.split_once("-Q")?;
        let number: u8 = number.parse().ok()?;
        (1..=4).contains(&number).then_some(())?;
        Some(Quarter {
            year: year.parse().ok()?,
            number,
        })
    }

    pub fn first_day(self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.year, u32::from(self.number) * 3 - 2, 1)
    }

    /// Whether any day of this quarter lies in `from..=to`.
    pub fn overlaps(self, from: NaiveDate, to: NaiveDate) -> bool {
        let Some(first) = self.first_day() else {
            return false;
        };
        let last = first
            .checked_add_months(chrono::Months::new(3))
            .and_then(|d| d.pred_opt())
            .unwrap_or(first);
        first <= to && from <= last
    }
}

impl std::fmt::Display for Quarter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-Q{}", self.year, self.number)
    }
}

/// A case as statistics see it: no reference, no date, no text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFacts {
    pub quarter: Quarter,
    pub in_scope: bool,
    pub behaviours: BTreeSet<Behaviour>,
    pub sources: BTreeSet<Source>,
    pub actions: BTreeSet<Action>,
    pub referrals: BTreeSet<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_date_falls_in_its_quarter_and_a_quarter_reads_back() {
        assert_eq!(Quarter::of(date("2026-03-31")).to_string(), "2026-Q1");
        assert_eq!(Quarter::of(date("2026-04-01")).to_string(), "2026-Q2");
        assert_eq!(Quarter::of(date("2026-12-31")).to_string(), "2026-Q4");
        assert_eq!(
            Quarter::parse("2026-Q3"),
            Some(Quarter::of(date("2026-08-15")))
        );
        for bad in ["2026-Q0", "2026-Q5", "2026Q1", "x-Q1", ""] {
            assert_eq!(Quarter::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn quarters_overlap_a_period_when_they_share_a_day() {
        let q = Quarter::parse("2026-Q2").unwrap();
        assert!(q.overlaps(date("2025-07-01"), date("2026-04-01")));
        assert!(q.overlaps(date("2026-06-30"), date("2027-06-29")));
        assert!(!q.overlaps(date("2025-07-01"), date("2026-03-31")));
        assert!(!q.overlaps(date("2026-07-01"), date("2027-06-30")));
    }

    #[test]
    fn an_organisations_referrals_are_checked_and_trimmed() {
        let list = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            referral_list(&list(&[" Slachtofferhulp ", "bedrijfsarts"])),
            Ok(list(&["Slachtofferhulp", "bedrijfsarts"]))
        );
        assert_eq!(referral_list(&[]), Ok(vec![]));
        for bad in [
            list(&["x"]),
            list(&["a, b"]),
            list(&["twee\nregels"]),
            list(&["huisarts", "huisarts"]),
            vec!["ab".to_owned(); 31]
                .iter()
                .enumerate()
                .map(|(i, s)| format!("{s}{i}"))
                .collect(),
        ] {
            assert!(referral_list(&bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn wire_names_read_back_and_match_the_questionnaire() {
        for b in Behaviour::ALL {
            assert_eq!(Behaviour::parse(b.as_str()), Some(*b));
        }
        assert_eq!(Behaviour::parse("pesten"), Some(Behaviour::Bullying));
        assert_eq!(Source::parse("derden"), Some(Source::External));
        assert_eq!(Behaviour::parse("werkdruk"), None, "strain is no behaviour");
        assert_eq!(
            serde_json::to_string(&Action::PoliceReport).unwrap(),
            "\"police_report\""
        );
    }
}
