//! An organisation (employer) and its settings.

use std::fmt;

use chrono::NaiveDateTime;

use super::OrganisationId;
use crate::i18n::Lang;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrganisationError {
    #[error("the name must be 1 to {max} characters without control characters")]
    InvalidName { max: usize },
    #[error("the headcount must be between 1 and {max}")]
    InvalidHeadcount { max: u32 },
    #[error("the VPO threshold must be between 1 and {max}")]
    InvalidVpoThreshold { max: u32 },
}

/// An organisation's display name: trimmed, not empty, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OrganisationName(String);

impl OrganisationName {
    pub const MAX_CHARS: usize = 200;

    pub fn parse(raw: &str) -> Result<OrganisationName, OrganisationError> {
        let name = raw.trim();
        if name.is_empty()
            || name.chars().count() > Self::MAX_CHARS
            || name.chars().any(char::is_control)
        {
            return Err(OrganisationError::InvalidName {
                max: Self::MAX_CHARS,
            });
        }
        Ok(OrganisationName(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OrganisationName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Number of employees, used to judge group sizes and whether a VPO is expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Headcount(u32);

impl Headcount {
    pub const MAX: u32 = 10_000_000;

    pub fn new(value: i64) -> Result<Headcount, OrganisationError> {
        match u32::try_from(value) {
            Ok(v) if (1..=Self::MAX).contains(&v) => Ok(Headcount(v)),
            _ => Err(OrganisationError::InvalidHeadcount { max: Self::MAX }),
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

/// The headcount from which the organisation is expected to have a confidential counsellor
/// (a bill sets 10; DOMAIN.md section 1 keeps it a setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct VpoThreshold(u32);

impl VpoThreshold {
    pub const DEFAULT: VpoThreshold = VpoThreshold(10);
    pub const MAX: u32 = 100_000;

    pub fn new(value: i64) -> Result<VpoThreshold, OrganisationError> {
        match u32::try_from(value) {
            Ok(v) if (1..=Self::MAX).contains(&v) => Ok(VpoThreshold(v)),
            _ => Err(OrganisationError::InvalidVpoThreshold { max: Self::MAX }),
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

impl Default for VpoThreshold {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The settings an organisation admin may change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganisationSettings {
    pub name: OrganisationName,
    pub headcount: Option<Headcount>,
    pub default_language: Lang,
    pub vpo_threshold: VpoThreshold,
    /// Whether a plan item reported done needs sign-off by a second account.
    pub plan_sign_off: bool,
}

impl OrganisationSettings {
    pub fn new(name: OrganisationName) -> OrganisationSettings {
        OrganisationSettings {
            name,
            headcount: None,
            default_language: Lang::Nl,
            vpo_threshold: VpoThreshold::DEFAULT,
            plan_sign_off: false,
        }
    }

    /// Whether the organisation is large enough that a confidential counsellor is expected.
    pub fn expects_vpo(&self) -> bool {
        self.headcount
            .is_some_and(|headcount| headcount.get() >= self.vpo_threshold.get())
    }
}

/// An employer served by this instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisation {
    pub id: OrganisationId,
    /// Random id used in the organisation's public links (`/o/{public_id}/…`).
    pub public_id: String,
    pub settings: OrganisationSettings,
    pub created_at: NaiveDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(
            OrganisationName::parse("  Zorg BV ").unwrap().as_str(),
            "Zorg BV"
        );
        assert!(OrganisationName::parse("   ").is_err());
        assert!(OrganisationName::parse("a\u{0}b").is_err());
        assert!(OrganisationName::parse(&"x".repeat(200)).is_ok());
        assert!(OrganisationName::parse(&"x".repeat(201)).is_err());
    }

    #[test]
    fn counts_must_be_positive_and_bounded() {
        assert!(Headcount::new(0).is_err());
        assert!(Headcount::new(-3).is_err());
        assert_eq!(Headcount::new(25).unwrap().get(), 25);
        assert!(Headcount::new(i64::from(Headcount::MAX) + 1).is_err());
        assert!(VpoThreshold::new(0).is_err());
        assert_eq!(VpoThreshold::default().get(), 10);
    }

    #[test]
    fn a_vpo_is_expected_from_the_threshold_on() {
        let mut settings = OrganisationSettings::new(OrganisationName::parse("X").unwrap());
        assert!(!settings.expects_vpo(), "unknown headcount expects nothing");
        settings.headcount = Some(Headcount::new(9).unwrap());
        assert!(!settings.expects_vpo());
        settings.headcount = Some(Headcount::new(10).unwrap());
        assert!(settings.expects_vpo());
    }
}
