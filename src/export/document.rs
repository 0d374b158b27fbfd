//! The RI&E PSA export as one document (DOMAIN.md section 7, "What the inspector receives"): the
//! data every format renders. Its JSON form is the export's `json` file; `SCHEMA` names the
//! version, raised whenever a field changes meaning or goes away.

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::policy::{ChecklistEntry, Consent, Review};
use crate::domain::results::RoundResults;
use crate::i18n::Lang;
use crate::plan::{HistoryEntryView, MissingRisk, PlanItemView};

/// The schema of the JSON export; see `docs/export.md`.
pub const SCHEMA: &str = "psa-rie-export/1";

#[derive(Serialize, ToSchema)]
pub struct RieExport {
    /// `psa-rie-export/1`.
    pub schema: String,
    pub id: String,
    /// When the export was made (RFC 3339, UTC).
    pub created_at: String,
    /// The export's date in Europe/Amsterdam.
    #[schema(value_type = String, format = Date)]
    pub date: NaiveDate,
    /// The language of texts (names of categories, measures as accepted) and of formatting.
    pub lang: Lang,
    pub organisation: OrganisationPart,
    pub round: RoundPart,
    pub method: Method,
    /// The questionnaire's categories, in order.
    pub categories: Vec<CategoryPart>,
    pub response: ResponsePart,
    /// The stored results: per group and category, figures and risk evaluation; a hidden group
    /// is exactly `{"suppressed": true}`.
    pub results: RoundResults,
    pub plan: PlanPart,
    /// The policy checklist, every topic, answered or not.
    pub checklist: Vec<ChecklistEntry>,
    pub consent: Option<Consent>,
    pub review: Option<Review>,
    /// The confidential counsellor's in-scope reports per category in the round's reference
    /// period, counts only, under the small-count rule ("< 5", "x").
    pub vpo_reports: Option<crate::domain::vpo::report::PeriodSignals>,
}

#[derive(Serialize, ToSchema)]
pub struct OrganisationPart {
    pub name: String,
    pub headcount: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct RoundPart {
    pub id: String,
    pub name: String,
    /// RFC 3339, UTC.
    pub opened_at: Option<String>,
    pub closed_at: Option<String>,
}

/// How the survey was done.
#[derive(Serialize, ToSchema)]
pub struct Method {
    pub questionnaire_id: String,
    pub questionnaire_version: String,
    pub questionnaire_title: String,
    /// SHA-256 of the questionnaire file as the round froze it.
    pub questionnaire_digest: String,
    /// The measure catalogue that suggested items: id and version.
    pub catalogue: String,
    /// The period the round was open, in Europe/Amsterdam dates.
    #[schema(value_type = Option<String>, format = Date)]
    pub period_from: Option<NaiveDate>,
    #[schema(value_type = Option<String>, format = Date)]
    pub period_to: Option<NaiveDate>,
    /// Whether the round covered the whole organisation (else the units listed).
    pub whole_organisation: bool,
    pub units: Vec<UnitPart>,
    pub languages: Vec<String>,
    /// The anonymity threshold: no group smaller is shown.
    pub k: u32,
}

#[derive(Serialize, ToSchema)]
pub struct UnitPart {
    pub id: String,
    pub path: String,
    pub headcount: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct CategoryPart {
    pub id: String,
    pub name: String,
    /// `behaviour` or `strain`.
    pub kind: String,
}

/// Response rates: in total, and per unit with at least k invitations (smaller units count with
/// their parent).
#[derive(Serialize, ToSchema)]
pub struct ResponsePart {
    pub invited: u64,
    pub responded: u64,
    pub response_pct: Option<f64>,
    pub units: Vec<UnitResponse>,
}

#[derive(Serialize, ToSchema)]
pub struct UnitResponse {
    pub unit_id: String,
    pub path: String,
    pub invited: u64,
    pub responded: u64,
    pub response_pct: Option<f64>,
}

/// The organisation's plan as it stood when the export was made.
#[derive(Serialize, ToSchema)]
pub struct PlanPart {
    pub items: Vec<PlanItemView>,
    pub complete: bool,
    pub missing: Vec<MissingRisk>,
    /// Every change, in order.
    pub history: Vec<HistoryEntryView>,
    /// Whether every history entry follows from the one before.
    pub intact: bool,
    /// The hash at the head of the history chain.
    pub head: String,
}

/// `responded / invited × 100`, absent before any invitation.
pub fn response_pct(invited: u64, responded: u64) -> Option<f64> {
    (invited > 0).then(|| responded as f64 * 100.0 / invited as f64)
}
