//! What HR records beside the survey for the RI&E: the organisation's policy checklist, and per
//! round the works council's consent and the certified expert's review with its report.

use actix_web::{HttpResponse, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::Valid;
use crate::db::policy as store;
use crate::domain::OrganisationId;
use crate::domain::policy::{
    ChecklistEntry, Consent, PolicyAnswer, PolicyCheck, PolicyTopic, Review, entries,
};
use crate::error::{AppError, Refusals};
use crate::http::AppState;
use crate::http::auth::Member;

type ProblemDoc = crate::error::Problem;

/// Largest review report accepted.
pub const REPORT_LIMIT: usize = 16 * 1024 * 1024;

/// The policy checklist (DOMAIN.md section 1): every topic with HR's answer, date and note.
#[utoipa::path(get, path = "/api/v1/policy-checklist", tag = "policy",
    params(crate::http::openapi::OrganisationHeader),
    responses((status = 200, description = "The checklist", body = Vec<ChecklistEntry>), Refusals))]
pub async fn get_checklist(
    state: web::Data<AppState>,
    member: Member,
) -> Result<web::Json<Vec<ChecklistEntry>>, AppError> {
    let organisation = member.organisation;
    let checks = state
        .db
        .run(move |conn| store::checklist(conn, &organisation).map_err(AppError::from))
        .await?;
    Ok(web::Json(entries(&checks)))
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckBody {
    pub answer: PolicyAnswer,
    /// The day the answer holds for.
    #[schema(value_type = String, format = Date)]
    pub date: NaiveDate,
    #[validate(length(max = 2000))]
    pub note: Option<String>,
}

/// Answers one topic of the checklist.
#[utoipa::path(put, path = "/api/v1/policy-checklist/{topic}", tag = "policy",
    params(crate::http::openapi::OrganisationHeader,
        ("topic" = PolicyTopic, Path, description = "The topic")),
    request_body = CheckBody,
    responses(
        (status = 200, description = "The topic as answered", body = ChecklistEntry),
        (status = 422, description = "Invalid answer", body = ProblemDoc, content_type = "application/problem+json"),
        Refusals,
        (status = 404, description = "No such topic", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn answer_topic(
    state: web::Data<AppState>,
    member: Member,
    path: web::Path<String>,
    Valid(body): Valid<CheckBody>,
) -> Result<web::Json<ChecklistEntry>, AppError> {
    let topic = PolicyTopic::parse(&path.into_inner()).ok_or_else(|| {
        AppError::NotFound("no such topic: see GET /api/v1/policy-checklist".into())
    })?;
    let check = PolicyCheck {
        topic,
        answer: body.answer,
        date: body.date,
        note: trimmed(body.note),
    };
    let organisation = member.organisation;
    let who = member.user.email.to_string();
    let stored = check.clone();
    state
        .db
        .run(move |conn| store::answer(conn, &organisation, &stored, &who).map_err(AppError::from))
        .await?;
    Ok(web::Json(ChecklistEntry {
        topic: check.topic,
        answer: Some(check.answer),
        date: Some(check.date),
        note: check.note,
    }))
}

fn trimmed(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

/// A round's consent and review, as recorded.
#[derive(Serialize, ToSchema)]
pub struct ApprovalView {
    pub consent: Option<Consent>,
    pub review: Option<Review>,
}

/// Runs `work` on a round of the caller's organisation; `NotFound` when there is none.
async fn on_round<T: Send + 'static>(
    state: &AppState,
    organisation: OrganisationId,
    round: String,
    work: impl FnOnce(&mut crate::db::DbConnection, &OrganisationId, &str) -> Result<T, AppError>
    + Send
    + 'static,
) -> Result<T, AppError> {
    state
        .db
        .run(move |conn| {
            crate::db::rounds::get(conn, &organisation, &round)?
                .ok_or_else(|| AppError::NotFound("no such round".into()))?;
            work(conn, &organisation, &round)
        })
        .await
}

fn approval_view(
    conn: &mut crate::db::DbConnection,
    organisation: &OrganisationId,
    round: &str,
) -> Result<ApprovalView, AppError> {
    let approval = store::approval(conn, organisation, round)?;
    Ok(ApprovalView {
        consent: approval.consent,
        review: approval.review,
    })
}

/// The works council's consent and the expert review of a round's RI&E.
#[utoipa::path(get, path = "/api/v1/rounds/{id}/approval", tag = "policy",
    params(crate::http::openapi::OrganisationHeader, ("id" = String, Path, description = "Round id")),
    responses(
        (status = 200, description = "Consent and review", body = ApprovalView),
        Refusals,
        (status = 404, description = "No such round", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn get_approval(
    state: web::Data<AppState>,
    member: Member,
    path: web::Path<String>,
) -> Result<web::Json<ApprovalView>, AppError> {
    on_round(
        &state,
        member.organisation,
        path.into_inner(),
        approval_view,
    )
    .await
    .map(web::Json)
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentBody {
    #[schema(value_type = String, format = Date)]
    pub date: NaiveDate,
    #[validate(length(max = 2000))]
    pub note: Option<String>,
}

/// Records the works council's consent to the method and the plan.
#[utoipa::path(put, path = "/api/v1/rounds/{id}/consent", tag = "policy",
    params(crate::http::openapi::OrganisationHeader, ("id" = String, Path, description = "Round id")),
    request_body = ConsentBody,
    responses(
        (status = 200, description = "Consent and review", body = ApprovalView),
        (status = 422, description = "Invalid consent", body = ProblemDoc, content_type = "application/problem+json"),
        Refusals,
        (status = 404, description = "No such round", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn record_consent(
    state: web::Data<AppState>,
    member: Member,
    path: web::Path<String>,
    Valid(body): Valid<ConsentBody>,
) -> Result<web::Json<ApprovalView>, AppError> {
    let consent = Consent {
        date: body.date,
        note: trimmed(body.note),
    };
    on_round(
        &state,
        member.organisation,
        path.into_inner(),
        move |conn, org, round| {
            store::set_consent(conn, org, round, Some(&consent))?;
            approval_view(conn, org, round)
        },
    )
    .await
    .map(web::Json)
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewBody {
    #[schema(value_type = String, format = Date)]
    pub date: NaiveDate,
    /// The certified expert or arbodienst.
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    #[validate(length(min = 1, max = 100))]
    pub certificate: String,
    #[validate(length(max = 2000))]
    pub note: Option<String>,
}

/// Records the certified expert's review (Arbowet art. 14); attach the report with
/// `PUT /api/v1/rounds/{id}/review/report`.
#[utoipa::path(put, path = "/api/v1/rounds/{id}/review", tag = "policy",
    params(crate::http::openapi::OrganisationHeader, ("id" = String, Path, description = "Round id")),
    request_body = ReviewBody,
    responses(
        (status = 200, description = "Consent and review", body = ApprovalView),
        (status = 422, description = "Invalid review", body = ProblemDoc, content_type = "application/problem+json"),
        Refusals,
        (status = 404, description = "No such round", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn record_review(
    state: web::Data<AppState>,
    member: Member,
    path: web::Path<String>,
    Valid(body): Valid<ReviewBody>,
) -> Result<web::Json<ApprovalView>, AppError> {
    let review = Review {
        date: body.date,
        name: body.name.trim().to_owned(),
        certificate: body.certificate.trim().to_owned(),
        note: trimmed(body.note),
        report: None,
    };
    on_round(
        &state,
        member.organisation,
        path.into_inner(),
        move |conn, org, round| {
            store::set_review(conn, org, round, Some(&review))?;
            approval_view(conn, org, round)
        },
    )
    .await
    .map(web::Json)
}

#[derive(Deserialize, Validate, utoipa::IntoParams)]
pub struct ReportQuery {
    /// The report's file name, as readers will see it.
    #[validate(length(min = 1, max = 200))]
    pub file_name: String,
}

/// Attaches the review report (any file type, at most 16 MiB) to a recorded review.
#[utoipa::path(put, path = "/api/v1/rounds/{id}/review/report", tag = "policy",
    params(crate::http::openapi::OrganisationHeader, ("id" = String, Path, description = "Round id"), ReportQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The report's bytes"),
    responses(
        (status = 200, description = "Consent and review", body = ApprovalView),
        (status = 409, description = "No review is recorded", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Larger than 16 MiB", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Empty file or bad name", body = ProblemDoc, content_type = "application/problem+json"),
        Refusals,
        (status = 404, description = "No such round", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn attach_report(
    state: web::Data<AppState>,
    member: Member,
    path: web::Path<String>,
    query: web::Query<ReportQuery>,
    payload: web::Payload,
) -> Result<web::Json<ApprovalView>, AppError> {
    query.validate()?;
    let file_name = query.into_inner().file_name.trim().to_owned();
    if file_name.contains(['/', '\\']) || file_name.chars().any(char::is_control) {
        return Err(AppError::field("file_name", "a file name, without folders"));
    }
    let bytes = payload
        .to_bytes_limited(REPORT_LIMIT)
        .await
        .map_err(|_| AppError::PayloadTooLarge)?
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    if bytes.is_empty() {
        return Err(AppError::field("body", "the file is empty"));
    }
    on_round(
        &state,
        member.organisation,
        path.into_inner(),
        move |conn, org, round| {
            if store::approval(conn, org, round)?.review.is_none() {
                return Err(AppError::Conflict(
                    "record the review first (PUT /api/v1/rounds/{id}/review)".into(),
                ));
            }
            store::set_report(conn, org, round, &file_name, &bytes)?;
            approval_view(conn, org, round)
        },
    )
    .await
    .map(web::Json)
}

/// The review report's file.
#[utoipa::path(get, path = "/api/v1/rounds/{id}/review/report", tag = "policy",
    params(crate::http::openapi::OrganisationHeader, ("id" = String, Path, description = "Round id")),
    responses(
        (status = 200, description = "The report", body = Vec<u8>, content_type = "application/octet-stream"),
        Refusals,
        (status = 404, description = "No such round or no report", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn get_report(
    state: web::Data<AppState>,
    member: Member,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (name, bytes) = on_round(
        &state,
        member.organisation,
        path.into_inner(),
        |conn, org, round| {
            store::report(conn, org, round)?
                .ok_or_else(|| AppError::NotFound("no report attached".into()))
        },
    )
    .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/octet-stream")
        .insert_header(attachment(&name))
        .body(bytes))
}

/// A `Content-Disposition` that offers `name` as a download, safely quoted.
pub fn attachment(name: &str) -> actix_web::http::header::ContentDisposition {
    use actix_web::http::header::{ContentDisposition, DispositionParam, DispositionType};
    ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![DispositionParam::Filename(name.to_owned())],
    }
}
