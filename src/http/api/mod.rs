//! The JSON API under `/api/v1`, described by `http::openapi`.

pub mod audit;
pub mod counsellors;
pub mod exports;
pub mod me;
pub mod members;
pub mod organisation;
pub mod organisations;
pub mod plan;
pub mod policy;
pub mod questionnaires;
pub mod respond;
pub mod rounds;
pub mod shares;
pub mod tokens;
pub mod units;
pub mod vpo;
pub mod vpo_reports;

use actix_web::dev::Payload;
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError, UrlencodedError};
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use validator::Validate;

use crate::error::AppError;

type LocalBoxFuture<T> = std::pin::Pin<Box<dyn std::future::Future<Output = T>>>;

/// Largest JSON body the API accepts.
pub const JSON_LIMIT: usize = 64 * 1024;
/// Largest form body a page accepts.
pub const FORM_LIMIT: usize = 64 * 1024;
/// Largest uploaded file (a unit CSV of tens of thousands of units).
pub const FILE_LIMIT: usize = 2 * 1024 * 1024;

/// Extractor settings that turn every malformed request into a problem, never a panic or a 500.
pub fn extractor_configs(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::JsonConfig::default()
            .limit(JSON_LIMIT)
            .error_handler(|err, _| json_error(err).into()),
    )
    .app_data(
        web::FormConfig::default()
            .limit(FORM_LIMIT)
            .error_handler(|err, _| form_error(err).into()),
    )
    .app_data(web::PathConfig::default().error_handler(|err, _| path_error(err).into()))
    .app_data(web::QueryConfig::default().error_handler(|err, _| query_error(err).into()))
    .app_data(web::PayloadConfig::default().limit(FILE_LIMIT));
}

fn json_error(err: JsonPayloadError) -> AppError {
    match err {
        JsonPayloadError::ContentType => {
            AppError::UnsupportedMediaType("send JSON with Content-Type: application/json".into())
        }
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            AppError::PayloadTooLarge
        }
        JsonPayloadError::Deserialize(err) if err.is_data() => {
            AppError::Validation(vec![crate::error::FieldError::new("body", err)])
        }
        JsonPayloadError::Deserialize(err) => {
            AppError::BadRequest(format!("the body is not valid JSON: {err}"))
        }
        other => AppError::BadRequest(other.to_string()),
    }
}

fn form_error(err: UrlencodedError) -> AppError {
    match err {
        UrlencodedError::Overflow { .. } => AppError::PayloadTooLarge,
        UrlencodedError::ContentType => {
            AppError::UnsupportedMediaType("send a form (application/x-www-form-urlencoded)".into())
        }
        other => AppError::BadRequest(format!("the form is incomplete or malformed: {other}")),
    }
}

fn path_error(_: PathError) -> AppError {
    AppError::NotFound("there is nothing at this address".into())
}

fn query_error(err: QueryPayloadError) -> AppError {
    AppError::BadRequest(format!("the query string is malformed: {err}"))
}

/// A JSON body that has been deserialised and validated.
pub struct Valid<T>(pub T);

impl<T: DeserializeOwned + Validate + 'static> FromRequest for Valid<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = web::Json::<T>::from_request(req, payload);
        Box::pin(async move {
            let body = json.await?.into_inner();
            body.validate().map_err(AppError::from)?;
            Ok(Valid(body))
        })
    }
}

/// For a field that may be cleared: with `#[serde(default, deserialize_with = "present")]`, an
/// absent field is `None` (keep the value) and `null` is `Some(None)` (clear it).
pub fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

pub use crate::db::utc;
