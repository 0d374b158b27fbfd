//! The policy checklist, and per round the works council's consent and the expert review.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::schema::{policy_checks, round_approvals};
use super::{DbConnection, DbError};
use crate::domain::OrganisationId;
use crate::domain::policy::{Consent, PolicyAnswer, PolicyCheck, PolicyTopic, ReportFile, Review};

/// The organisation's answered topics, in checklist order.
pub fn checklist(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
) -> Result<Vec<PolicyCheck>, DbError> {
    let rows: Vec<(String, String, NaiveDate, Option<String>)> = policy_checks::table
        .filter(policy_checks::organisation_id.eq(organisation.as_str()))
        .select((
            policy_checks::topic,
            policy_checks::answer,
            policy_checks::answered_on,
            policy_checks::note,
        ))
        .load(conn)?;
    let mut checks: Vec<PolicyCheck> = rows
        .into_iter()
        .filter_map(|(topic, answer, date, note)| {
            Some(PolicyCheck {
                topic: PolicyTopic::parse(&topic)?,
                answer: PolicyAnswer::parse(&answer)?,
                date,
                note,
            })
        })
        .collect();
    checks.sort_by_key(|c| c.topic);
    Ok(checks)
}

/// Records (or replaces) the answer to one topic.
pub fn answer(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    check: &PolicyCheck,
    who: &str,
) -> Result<(), DbError> {
    conn.write_transaction(|conn| {
        diesel::delete(
            policy_checks::table
                .filter(policy_checks::organisation_id.eq(organisation.as_str()))
                .filter(policy_checks::topic.eq(check.topic.as_str())),
        )
        .execute(conn)?;
        diesel::insert_into(policy_checks::table)
            .values((
                policy_checks::organisation_id.eq(organisation.as_str()),
                policy_checks::topic.eq(check.topic.as_str()),
                policy_checks::answer.eq(check.answer.as_str()),
                policy_checks::answered_on.eq(check.date),
                policy_checks::note.eq(&check.note),
                policy_checks::answered_by.eq(who),
            ))
            .execute(conn)?;
        Ok(())
    })
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = round_approvals)]
struct ApprovalRow {
    consent_date: Option<NaiveDate>,
    consent_note: Option<String>,
    review_date: Option<NaiveDate>,
    reviewer_name: Option<String>,
    reviewer_certificate: Option<String>,
    review_note: Option<String>,
    report_name: Option<String>,
    report: Option<Vec<u8>>,
}

/// A round's consent and review, as recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Approval {
    pub consent: Option<Consent>,
    pub review: Option<Review>,
}

pub fn approval(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    round: &str,
) -> Result<Approval, DbError> {
    let row: Option<ApprovalRow> = round_approvals::table
        .filter(round_approvals::organisation_id.eq(organisation.as_str()))
        .filter(round_approvals::round_id.eq(round))
        .select(ApprovalRow::as_select())
        .get_result(conn)
        .optional()?;
    let Some(row) = row else {
        return Ok(Approval::default());
    };
    let report = match (row.report_name, row.report) {
        (Some(file_name), Some(bytes)) => Some(ReportFile {
            file_name,
            size: bytes.len() as u64,
            sha256: crate::secret::sha256_hex(&bytes),
        }),
        _ => None,
    };
    Ok(Approval {
        consent: row.consent_date.map(|date| Consent {
            date,
            note: row.consent_note,
        }),
        review: match (row.review_date, row.reviewer_name, row.reviewer_certificate) {
            (Some(date), Some(name), Some(certificate)) => Some(Review {
                date,
                name,
                certificate,
                note: row.review_note,
                report,
            }),
            _ => None,
        },
    })
}

/// Makes sure the round has its row, so that each part can be set on its own.
fn ensure_row(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    round: &str,
) -> Result<(), DbError> {
    let exists: i64 = round_approvals::table
        .filter(round_approvals::organisation_id.eq(organisation.as_str()))
        .filter(round_approvals::round_id.eq(round))
        .count()
        .get_result(conn)?;
    if exists == 0 {
        diesel::insert_into(round_approvals::table)
            .values((
                round_approvals::organisation_id.eq(organisation.as_str()),
                round_approvals::round_id.eq(round),
            ))
            .execute(conn)?;
    }
    Ok(())
}

macro_rules! approval_target {
    ($organisation:expr, $round:expr) => {
        round_approvals::table
            .filter(round_approvals::organisation_id.eq($organisation.as_str()))
            .filter(round_approvals::round_id.eq($round))
    };
}

/// Records the consent (`None` withdraws the record).
pub fn set_consent(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    round: &str,
    consent: Option<&Consent>,
) -> Result<(), DbError> {
    conn.write_transaction(|conn| {
        ensure_row(conn, organisation, round)?;
        diesel::update(approval_target!(organisation, round))
            .set((
                round_approvals::consent_date.eq(consent.map(|c| c.date)),
                round_approvals::consent_note.eq(consent.and_then(|c| c.note.clone())),
            ))
            .execute(conn)?;
        Ok(())
    })
}

/// Records the review's facts (`None` removes them and any report).
pub fn set_review(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    round: &str,
    review: Option<&Review>,
) -> Result<(), DbError> {
    conn.write_transaction(|conn| {
        ensure_row(conn, organisation, round)?;
        diesel::update(approval_target!(organisation, round))
            .set((
                round_approvals::review_date.eq(review.map(|r| r.date)),
                round_approvals::reviewer_name.eq(review.map(|r| r.name.clone())),
                round_approvals::reviewer_certificate.eq(review.map(|r| r.certificate.clone())),
                round_approvals::review_note.eq(review.and_then(|r| r.note.clone())),
            ))
            .execute(conn)?;
        if review.is_none() {
            diesel::update(approval_target!(organisation, round))
                .set((
                    round_approvals::report_name.eq(None::<String>),
                    round_approvals::report.eq(None::<Vec<u8>>),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
}

/// Attaches the review report's file.
pub fn set_report(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    round: &str,
    file_name: &str,
    bytes: &[u8],
) -> Result<(), DbError> {
    conn.write_transaction(|conn| {
        ensure_row(conn, organisation, round)?;
        diesel::update(approval_target!(organisation, round))
            .set((
                round_approvals::report_name.eq(file_name),
                round_approvals::report.eq(bytes),
            ))
            .execute(conn)?;
        Ok(())
    })
}

/// The review report's file: its name and bytes.
pub fn report(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    round: &str,
) -> Result<Option<(String, Vec<u8>)>, DbError> {
    let row: Option<(Option<String>, Option<Vec<u8>>)> = approval_target!(organisation, round)
        .select((round_approvals::report_name, round_approvals::report))
        .get_result(conn)
        .optional()?;
    Ok(match row {
        Some((Some(name), Some(bytes))) => Some((name, bytes)),
        _ => None,
    })
}
