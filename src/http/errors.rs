//! Turns every error answer into the right shape for its audience: problem+json under `/api/`,
//! an error page in the user's language elsewhere. This catches the answers that actix makes on
//! its own (unknown route, wrong method) as well as `AppError`s.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use super::client::cookieless_lang;
use crate::error::{AppError, PROBLEM_JSON};
use crate::render::pages::ErrorPage;

pub async fn shape_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let is_api = req.path().starts_with("/api/") || matches!(req.path(), "/healthz" | "/readyz");
    let res = next.call(req).await?.map_into_boxed_body();
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return Ok(res);
    }
    let content_type = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    if is_api {
        if content_type.starts_with(PROBLEM_JSON) {
            return Ok(res);
        }
        let problem = AppError::from_status(status);
        return Ok(replace(res, problem.error_response()));
    }
    if content_type.starts_with("text/html") {
        return Ok(res);
    }
    let lang = cookieless_lang(res.request());
    let page = ErrorPage::for_status(lang, status);
    let mut html = HttpResponse::build(status);
    html.insert_header((
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    ));
    for name in [header::RETRY_AFTER] {
        if let Some(value) = res.headers().get(&name) {
            html.insert_header((name.clone(), value.clone()));
        }
    }
    let body = page.render().unwrap_or_else(|_| status.to_string());
    Ok(replace(res, html.body(body)))
}

fn replace(res: ServiceResponse<BoxBody>, new: HttpResponse) -> ServiceResponse<BoxBody> {
    let (req, old) = res.into_parts();
    let mut new = new;
    // Keep headers that middleware set earlier (request id, security headers).
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            new.headers_mut().insert(name.clone(), value.clone());
        }
    }
    ServiceResponse::new(req, new)
}
