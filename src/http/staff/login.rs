//! Logging in and out; failed logins are limited per account, per address and in total
//! (`http::limits::LoginLimits`).

use std::time::Duration;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::accounts;
use crate::db::{accounts as account_store, sessions};
use crate::domain::Email;
use crate::error::AppError;
use crate::http::AppState;
use crate::http::auth::session_keys;
use crate::http::client::{PageLang, client_ip};
use crate::http::page::{chrome, local_path, see_other};
use crate::render::pages::{LoginPage, html};

#[derive(Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

pub async fn show_login(
    session: Session,
    PageLang(lang): PageLang,
    query: web::Query<NextQuery>,
) -> HttpResponse {
    html(
        StatusCode::OK,
        &LoginPage {
            chrome: chrome(lang, &session, None),
            email: String::new(),
            next: local_path(&query.next).to_owned(),
            error: None,
        },
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    #[serde(default)]
    next: String,
}

pub async fn log_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    PageLang(lang): PageLang,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let refuse = |status: StatusCode, message: String| {
        html(
            status,
            &LoginPage {
                chrome: chrome(lang, &session, None),
                email: form.email.clone(),
                next: local_path(&form.next).to_owned(),
                error: Some(message),
            },
        )
    };
    let account = form.email.trim().to_lowercase();
    let address = client_ip(&req, &state.settings);
    let too_many = |wait: Duration| {
        let seconds = wait.as_secs().max(1).to_string();
        let mut response = refuse(
            StatusCode::TOO_MANY_REQUESTS,
            lang.t_with("login.too_many", &[("seconds", &seconds)]),
        );
        if let Ok(value) = seconds.parse() {
            response
                .headers_mut()
                .insert(actix_web::http::header::RETRY_AFTER, value);
        }
        response
    };
    if let Some(wait) = state.login_limits.blocked(&account, address) {
        return Ok(too_many(wait));
    }
    let failed = || match state.login_limits.failed(&account, address) {
        Some(wait) => too_many(wait),
        None => refuse(
            StatusCode::UNAUTHORIZED,
            lang.t("login.failed").into_owned(),
        ),
    };
    let Ok(email) = Email::parse(&form.email) else {
        return Ok(failed());
    };
    let password = form.password.clone();
    let started = state
        .db
        .run(move |conn| -> Result<_, AppError> {
            let Some(user) = accounts::authenticate(conn, &email, &password)? else {
                return Ok(None);
            };
            sessions::purge_expired(conn)?;
            let sid = sessions::start(conn, &user.id)?;
            let first = account_store::memberships_of(conn, &user.id)?
                .into_iter()
                .next();
            Ok(Some((sid, first.map(|m| m.organisation_id))))
        })
        .await?;
    let Some((sid, organisation)) = started else {
        return Ok(failed());
    };
    start_session(&session, &sid, organisation.as_ref().map(|o| o.as_str()))?;
    Ok(see_other(local_path(&form.next)))
}

/// Puts a fresh session in the cookie: a new cookie value (no fixation) and a new CSRF token.
pub(super) fn start_session(
    session: &Session,
    sid: &str,
    organisation: Option<&str>,
) -> Result<(), AppError> {
    // A language the user chose survives the new session.
    let chosen_lang = session.get::<String>(session_keys::LANG).ok().flatten();
    // Clear, not purge: a purged session drops everything inserted after it.
    session.clear();
    let store = |key: &str, value: &str| {
        session
            .insert(key, value)
            .map_err(|e| AppError::Internal(format!("session: {e}")))
    };
    store(session_keys::SESSION_ID, sid)?;
    if let Some(lang) = chosen_lang {
        store(session_keys::LANG, &lang)?;
    }
    if let Some(organisation) = organisation {
        store(session_keys::ORGANISATION, organisation)?;
    }
    session.renew();
    Ok(())
}

pub async fn log_out(
    state: web::Data<AppState>,
    session: Session,
) -> Result<HttpResponse, AppError> {
    if let Ok(Some(sid)) = session.get::<String>(session_keys::SESSION_ID) {
        state
            .db
            .run(move |conn| sessions::end(conn, &sid).map_err(AppError::from))
            .await?;
    }
    session.purge();
    Ok(see_other("/login"))
}
