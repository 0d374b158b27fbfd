//! Read-only shares of a closed round with people outside HR (DOMAIN.md section 7: the inspector
//! receives the export; employees may read the results summary and the plan): the two kinds,
//! when a share is live, and how far ahead one may run.

use std::fmt;
use std::str::FromStr;

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// What a share opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ShareKind {
    /// For an inspector: the round's stored exports and their signatures (`/inspect/{share}`).
    Inspect,
    /// For every employee: the round's results summary and the plan (`/read/{share}`).
    Read,
}

impl ShareKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ShareKind::Inspect => "inspect",
            ShareKind::Read => "read",
        }
    }
}

impl fmt::Display for ShareKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ShareKind {
    type Err = ShareError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "inspect" => Ok(ShareKind::Inspect),
            "read" => Ok(ShareKind::Read),
            other => Err(ShareError::UnknownKind(other.to_owned())),
        }
    }
}

/// Whether a share still opens anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ShareState {
    Live,
    /// Its last day has passed.
    Expired,
    /// HR withdrew it.
    Revoked,
}

impl ShareState {
    /// The state on `today` (Europe/Amsterdam) of a share that runs through `expires_on`.
    pub fn of(expires_on: NaiveDate, revoked: bool, today: NaiveDate) -> ShareState {
        if revoked {
            ShareState::Revoked
        } else if expires_on < today {
            ShareState::Expired
        } else {
            ShareState::Live
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ShareState::Live => "live",
            ShareState::Expired => "expired",
            ShareState::Revoked => "revoked",
        }
    }
}

/// How long a share may run: a link handed out once should not open the RI&E for ever.
pub const LONGEST: Months = Months::new(12);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShareError {
    #[error("unknown share kind {0:?}: inspect or read")]
    UnknownKind(String),
    #[error("must be today or later")]
    ExpiryPast,
    #[error("may be at most a year ahead")]
    ExpiryTooFar,
}

/// Checks the last day of a new share: from today up to a year ahead.
pub fn check_expiry(expires_on: NaiveDate, today: NaiveDate) -> Result<(), ShareError> {
    if expires_on < today {
        return Err(ShareError::ExpiryPast);
    }
    match today.checked_add_months(LONGEST) {
        Some(last) if expires_on <= last => Ok(()),
        _ => Err(ShareError::ExpiryTooFar),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_share_is_live_through_its_last_day_until_revoked() {
        let last = date("2026-12-31");
        assert_eq!(
            ShareState::of(last, false, date("2026-12-31")),
            ShareState::Live
        );
        assert_eq!(
            ShareState::of(last, false, date("2027-01-01")),
            ShareState::Expired
        );
        assert_eq!(
            ShareState::of(last, true, date("2026-06-01")),
            ShareState::Revoked
        );
        assert_eq!(
            ShareState::of(last, true, date("2027-06-01")),
            ShareState::Revoked,
            "revoked says more than expired"
        );
    }

    #[test]
    fn expiry_runs_from_today_up_to_a_year() {
        let today = date("2026-02-28");
        assert_eq!(check_expiry(today, today), Ok(()));
        assert_eq!(check_expiry(date("2027-02-28"), today), Ok(()));
        assert_eq!(
            check_expiry(date("2027-03-01"), today),
            Err(ShareError::ExpiryTooFar)
        );
        assert_eq!(
            check_expiry(date("2026-02-27"), today),
            Err(ShareError::ExpiryPast)
        );
    }

    #[test]
    fn kinds_read_back_as_written() {
        for kind in [ShareKind::Inspect, ShareKind::Read] {
            assert_eq!(kind.as_str().parse::<ShareKind>(), Ok(kind));
        }
        assert!("download".parse::<ShareKind>().is_err());
    }
}
