//! The pages behind a share link: `/inspect/{share}` for an inspector, `/read/{share}` for
//! employees. The link's secret is the credential: no account, no session, no cookie. And
//! `/shared`, where an inspector's account finds the rounds shared with it (`account`).
//!
//! An unknown secret answers 404 and counts against the client's address (in memory only, as
//! for invitations); an expired or revoked share answers 410; every page and file served is
//! written to the access log as `share:{id}`. Logs name the route pattern, never the secret.

pub mod account;
pub mod inspect;
pub mod read;

use std::future::Future;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse};

use super::AppState;
use crate::db::shares::ShareRow;
use crate::domain::share::ShareKind;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::render::pages::{Chrome, ErrorPage, html};

/// Answers a request made with a share link: `page` for the live share of `kind` behind `secret`
/// in the client's language, or the page that says why the link opens nothing.
async fn with_share<F, Fut>(
    req: &HttpRequest,
    state: &AppState,
    secret: String,
    kind: ShareKind,
    page: F,
) -> Result<HttpResponse, AppError>
where
    F: FnOnce(ShareRow, Lang) -> Fut,
    Fut: Future<Output = Result<HttpResponse, AppError>>,
{
    let lang = super::client::cookieless_lang(req);
    let answered = match open(state, req, secret, kind).await {
        Ok(share) => page(share, lang).await,
        Err(err) => Err(err),
    };
    answer(lang, answered)
}

/// The live share of `kind` behind `secret`, counting failed look-ups against the client.
async fn open(
    state: &AppState,
    req: &HttpRequest,
    secret: String,
    kind: ShareKind,
) -> Result<ShareRow, AppError> {
    let address = super::client::client_ip(req, &state.settings);
    let too_many = |wait: std::time::Duration| AppError::TooManyRequests {
        retry_after_secs: wait.as_secs().max(1),
    };
    if let Some(wait) = state.share_limits.blocked(address) {
        return Err(too_many(wait));
    }
    let today = crate::calendar::today();
    let found = state
        .db
        .run(move |conn| crate::shares::open(conn, &secret, kind, today))
        .await;
    if matches!(found, Err(AppError::NotFound(_)))
        && let Some(wait) = state.share_limits.failed(address)
    {
        return Err(too_many(wait));
    }
    found
}

/// Writes what the share was used for to the access log.
async fn record(state: &AppState, share: &ShareRow, what: String) -> Result<(), AppError> {
    super::api::shares::record(state, share.organisation(), share.actor(), what).await
}

/// The answer of a share route: the page or file, or the page that says why the link opens
/// nothing; never indexed by search engines.
fn answer(lang: Lang, result: Result<HttpResponse, AppError>) -> Result<HttpResponse, AppError> {
    let mut response = match result {
        Ok(response) => response,
        Err(err) => refusal(lang, err)?,
    };
    response.headers_mut().insert(
        header::HeaderName::from_static("x-robots-tag"),
        header::HeaderValue::from_static("noindex, nofollow"),
    );
    Ok(response)
}

/// A page for an unknown link or file (404), an expired or revoked share (410), or too many
/// tries (429); other errors pass through.
fn refusal(lang: Lang, err: AppError) -> Result<HttpResponse, AppError> {
    let (status, key) = match err {
        AppError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
        AppError::Gone(_) => (StatusCode::GONE, "gone"),
        AppError::TooManyRequests { .. } => (StatusCode::TOO_MANY_REQUESTS, "too_many"),
        other => return Err(other),
    };
    let page = ErrorPage {
        chrome: Chrome::anonymous(lang),
        status: status.as_u16(),
        title: lang.t(&format!("shares.refused.{key}.title")).into_owned(),
        message: lang
            .t(&format!("shares.refused.{key}.message"))
            .into_owned(),
        home: false,
    };
    let mut response = html(status, &page);
    if let AppError::TooManyRequests { retry_after_secs } = err {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, retry_after_secs.into());
    }
    Ok(response)
}
