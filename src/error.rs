//! `AppError`: the one place where HTTP statuses are chosen.
//!
//! The JSON API answers `application/problem+json` (RFC 9457) with a stable `type`; pages get an
//! error page in the user's language from `http::errors`, which rewrites these answers. A 500
//! answer is opaque: its cause goes to the log with the request id.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::db::DbError;

/// The media type of problem details.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One field that failed validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The field, as named in the request (`email`, `headcount`).
    pub field: String,
    /// What is wrong with it, in English.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl ToString) -> FieldError {
        FieldError {
            field: field.into(),
            message: message.to_string(),
        }
    }
}

/// A problem details document (RFC 9457).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// Stable identifier of the kind of problem, e.g. `urn:psa:problem:validation`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// For validation problems: the offending fields.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// The refusals every protected API operation can answer, for the OpenAPI document.
#[derive(utoipa::IntoResponses)]
pub enum Refusals {
    /// No or an unknown credential.
    #[response(
        status = 401,
        description = "Not logged in",
        content_type = "application/problem+json"
    )]
    Unauthenticated(Problem),
    /// The caller's roles or organisation do not allow this, or the CSRF token is missing.
    #[response(
        status = 403,
        description = "Not allowed",
        content_type = "application/problem+json"
    )]
    Forbidden(Problem),
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("the request is malformed: {0}")]
    BadRequest(String),
    #[error("some fields are invalid")]
    Validation(Vec<FieldError>),
    #[error("authentication is required")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(String),
    #[error("the form has expired or did not come from psa; reload the page and try again")]
    Csrf,
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// Something that existed and is gone for good (an expired or revoked share).
    #[error("{0}")]
    Gone(String),
    #[error("this method is not allowed here")]
    MethodNotAllowed,
    #[error("the request body is too large")]
    PayloadTooLarge,
    #[error("the request came too slowly")]
    RequestTimeout,
    #[error("unsupported content type: {0}")]
    UnsupportedMediaType(String),
    #[error("too many attempts; try again in {retry_after_secs} seconds")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("the service is temporarily unavailable; try again shortly")]
    Unavailable(String),
    #[error("internal error")]
    Internal(String),
}

impl AppError {
    /// Stable slug of the problem type.
    pub fn slug(&self) -> &'static str {
        match self {
            AppError::BadRequest(_) => "bad-request",
            AppError::Validation(_) => "validation",
            AppError::Unauthenticated => "unauthenticated",
            AppError::Forbidden(_) => "forbidden",
            AppError::Csrf => "csrf",
            AppError::NotFound(_) => "not-found",
            AppError::Conflict(_) => "conflict",
            AppError::Gone(_) => "gone",
            AppError::MethodNotAllowed => "method-not-allowed",
            AppError::PayloadTooLarge => "payload-too-large",
            AppError::RequestTimeout => "request-timeout",
            AppError::UnsupportedMediaType(_) => "unsupported-media-type",
            AppError::TooManyRequests { .. } => "too-many-requests",
            AppError::Unavailable(_) => "unavailable",
            AppError::Internal(_) => "internal",
        }
    }

    pub fn field(field: &str, message: impl ToString) -> AppError {
        AppError::Validation(vec![FieldError::new(field, message)])
    }

    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        Problem {
            kind: format!("urn:psa:problem:{}", self.slug()),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: self.to_string(),
            errors: match self {
                AppError::Validation(errors) => errors.clone(),
                _ => Vec::new(),
            },
        }
    }

    /// The error for an answer that a route or extractor produced without a body (404, 405 …).
    pub fn from_status(status: StatusCode) -> AppError {
        match status.as_u16() {
            401 => AppError::Unauthenticated,
            403 => AppError::Forbidden("you may not do this".into()),
            404 => AppError::NotFound("there is nothing at this address".into()),
            405 => AppError::MethodNotAllowed,
            408 => AppError::RequestTimeout,
            410 => AppError::Gone("this is no longer available".into()),
            413 => AppError::PayloadTooLarge,
            415 => AppError::UnsupportedMediaType("see the API documentation".into()),
            429 => AppError::TooManyRequests {
                retry_after_secs: 60,
            },
            500..=599 => AppError::Internal(format!("status {status}")),
            _ => AppError::BadRequest(status.canonical_reason().unwrap_or("bad request").into()),
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Gone(_) => StatusCode::GONE,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            AppError::Internal(cause) => tracing::error!(cause = %cause, "internal error"),
            AppError::Unavailable(cause) => tracing::warn!(cause = %cause, "database unavailable"),
            _ => {}
        }
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        match self {
            AppError::Unauthenticated => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"psa\""));
            }
            AppError::TooManyRequests { retry_after_secs } => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            AppError::Unavailable(_) => {
                response.insert_header((header::RETRY_AFTER, "5"));
            }
            _ => {}
        }
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        response.body(body)
    }
}

impl From<DbError> for AppError {
    fn from(err: DbError) -> Self {
        if err.is_unavailable() {
            AppError::Unavailable(err.to_string())
        } else {
            AppError::Internal(err.to_string())
        }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(err: diesel::result::Error) -> Self {
        DbError::Query(err).into()
    }
}

impl From<validator::ValidationErrors> for AppError {
    fn from(errors: validator::ValidationErrors) -> Self {
        let mut fields: Vec<FieldError> = errors
            .field_errors()
            .into_iter()
            .flat_map(|(field, errors)| {
                errors.iter().map(move |error| {
                    let message = error
                        .message
                        .as_ref()
                        .map_or_else(|| error.code.to_string(), ToString::to_string);
                    FieldError::new(field.to_string(), message)
                })
            })
            .collect();
        fields.sort_by(|a, b| a.field.cmp(&b.field));
        AppError::Validation(fields)
    }
}

impl From<crate::accounts::AccountsError> for AppError {
    fn from(err: crate::accounts::AccountsError) -> Self {
        use crate::accounts::AccountsError as E;
        match err {
            E::AlreadySetUp => AppError::Conflict(err.to_string()),
            E::DuplicateOrganisation => AppError::field("name", err),
            E::PasswordRequired(_) => AppError::field("password", err),
            E::Hash(cause) => AppError::Internal(cause),
            E::Db(db) => db.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_carry_a_stable_type_and_the_fields() {
        let problem = AppError::field("email", "not a valid e-mail address").problem();
        let json = serde_json::to_value(&problem).unwrap();
        assert_eq!(json["type"], "urn:psa:problem:validation");
        assert_eq!(json["status"], 422);
        assert_eq!(json["errors"][0]["field"], "email");
    }

    #[test]
    fn internal_errors_hide_their_cause() {
        let problem = AppError::Internal("secret table xyz broke".into()).problem();
        assert!(!problem.detail.contains("xyz"));
    }
}
