//! The PSA policy checklist the inspectorate checks (DOMAIN.md section 1), the works council's
//! consent and the certified expert's review of an RI&E: what HR records beside the survey.

use serde::{Deserialize, Serialize};

/// A policy the inspectorate expects an employer to have.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum PolicyTopic {
    CodeOfConduct,
    ConfidentialCounsellor,
    ComplaintsProcedure,
    /// Information and instruction to managers and employees.
    Information,
    CareForVictims,
    /// Agreements on dealing with perpetrators.
    Perpetrators,
    /// Registration of incidents by third parties.
    IncidentRegistration,
}

impl PolicyTopic {
    pub const ALL: [PolicyTopic; 7] = [
        PolicyTopic::CodeOfConduct,
        PolicyTopic::ConfidentialCounsellor,
        PolicyTopic::ComplaintsProcedure,
        PolicyTopic::Information,
        PolicyTopic::CareForVictims,
        PolicyTopic::Perpetrators,
        PolicyTopic::IncidentRegistration,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PolicyTopic::CodeOfConduct => "code_of_conduct",
            PolicyTopic::ConfidentialCounsellor => "confidential_counsellor",
            PolicyTopic::ComplaintsProcedure => "complaints_procedure",
            PolicyTopic::Information => "information",
            PolicyTopic::CareForVictims => "care_for_victims",
            PolicyTopic::Perpetrators => "perpetrators",
            PolicyTopic::IncidentRegistration => "incident_registration",
        }
    }

    pub fn parse(text: &str) -> Option<PolicyTopic> {
        PolicyTopic::ALL.into_iter().find(|t| t.as_str() == text)
    }
}

/// HR's answer: the policy is in place, partly, or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PolicyAnswer {
    Yes,
    Partly,
    No,
}

impl PolicyAnswer {
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyAnswer::Yes => "yes",
            PolicyAnswer::Partly => "partly",
            PolicyAnswer::No => "no",
        }
    }

    pub fn parse(text: &str) -> Option<PolicyAnswer> {
        [PolicyAnswer::Yes, PolicyAnswer::Partly, PolicyAnswer::No]
            .into_iter()
            .find(|a| a.as_str() == text)
    }
}

/// One answered topic of the checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PolicyCheck {
    pub topic: PolicyTopic,
    pub answer: PolicyAnswer,
    /// The day the answer holds for.
    #[schema(value_type = String, format = Date)]
    pub date: chrono::NaiveDate,
    pub note: Option<String>,
}

/// The works council's consent to the method and the plan (WOR art. 27).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Consent {
    #[schema(value_type = String, format = Date)]
    pub date: chrono::NaiveDate,
    pub note: Option<String>,
}

/// The review by a certified expert (Arbowet art. 14), with the report's file if attached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Review {
    #[schema(value_type = String, format = Date)]
    pub date: chrono::NaiveDate,
    pub name: String,
    /// The expert's certificate (e.g. the A&O certificate number).
    pub certificate: String,
    pub note: Option<String>,
    pub report: Option<ReportFile>,
}

/// An attached report: its name, size and SHA-256, so that a reader can check the copy they hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReportFile {
    pub file_name: String,
    pub size: u64,
    pub sha256: String,
}

/// One topic of the checklist, answered or not yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ChecklistEntry {
    pub topic: PolicyTopic,
    pub answer: Option<PolicyAnswer>,
    #[schema(value_type = Option<String>, format = Date)]
    pub date: Option<chrono::NaiveDate>,
    pub note: Option<String>,
}

/// Every topic of the checklist, in order, with the organisation's answers.
pub fn entries(checks: &[PolicyCheck]) -> Vec<ChecklistEntry> {
    PolicyTopic::ALL
        .into_iter()
        .map(|topic| {
            let check = checks.iter().find(|c| c.topic == topic);
            ChecklistEntry {
                topic,
                answer: check.map(|c| c.answer),
                date: check.map(|c| c.date),
                note: check.and_then(|c| c.note.clone()),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_topic_reads_back_from_its_name() {
        for topic in PolicyTopic::ALL {
            assert_eq!(PolicyTopic::parse(topic.as_str()), Some(topic));
            assert_eq!(
                serde_json::to_value(topic).unwrap(),
                serde_json::Value::String(topic.as_str().into())
            );
        }
        assert_eq!(PolicyTopic::parse("gedragscode"), None);
        assert_eq!(PolicyAnswer::parse("partly"), Some(PolicyAnswer::Partly));
    }
}
