//! Logging in and out, with limits on attempts per account and per address.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
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

/// Limits on login attempts, kept in memory: per account (against guessing one password) and,
/// far more generously so that an office behind one address is not locked out, per address.
pub struct LoginLimits {
    per_account: DefaultKeyedRateLimiter<String>,
    per_address: DefaultKeyedRateLimiter<IpAddr>,
}

fn nonzero(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)
}

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits {
            // 5 attempts at once, then one a minute.
            per_account: RateLimiter::keyed(Quota::per_minute(nonzero(1)).allow_burst(nonzero(5))),
            // 300 attempts at once, then two a second.
            per_address: RateLimiter::keyed(
                Quota::with_period(Duration::from_millis(500))
                    .unwrap_or(Quota::per_second(nonzero(2)))
                    .allow_burst(nonzero(300)),
            ),
        }
    }
}

impl LoginLimits {
    /// Counts an attempt; the wait before the next one is allowed when over the limit.
    pub fn attempt(&self, account: &str, address: Option<IpAddr>) -> Result<(), Duration> {
        let now = DefaultClock::default().now();
        if self.per_account.len() > 100_000 {
            self.per_account.retain_recent();
            self.per_address.retain_recent();
        }
        if let Some(address) = address {
            self.per_address
                .check_key(&address)
                .map_err(|until| until.wait_time_from(now))?;
        }
        self.per_account
            .check_key(&account.to_owned())
            .map_err(|until| until.wait_time_from(now))
    }
}

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
    if let Err(wait) = state
        .login_limits
        .attempt(&account, client_ip(&req, &state.settings))
    {
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
        return Ok(response);
    }
    let Ok(email) = Email::parse(&form.email) else {
        return Ok(refuse(
            StatusCode::UNAUTHORIZED,
            lang.t("login.failed").into_owned(),
        ));
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
        return Ok(refuse(
            StatusCode::UNAUTHORIZED,
            lang.t("login.failed").into_owned(),
        ));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_account_is_limited_long_before_one_address() {
        let limits = LoginLimits::default();
        let office: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..5 {
            assert!(limits.attempt("a@example.nl", Some(office)).is_ok());
        }
        let wait = limits.attempt("a@example.nl", Some(office)).unwrap_err();
        assert!(wait.as_secs() <= 60);
        // Colleagues behind the same address still get in: 300 attempts at once.
        for i in 0..290 {
            assert!(
                limits
                    .attempt(&format!("colleague{i}@example.nl"), Some(office))
                    .is_ok(),
                "{i}"
            );
        }
        let mut refused = 0;
        for i in 0..20 {
            if limits
                .attempt(&format!("guess{i}@example.nl"), Some(office))
                .is_err()
            {
                refused += 1;
            }
        }
        assert!(
            refused >= 10,
            "an address spraying many accounts is limited too: {refused}"
        );
        let elsewhere: IpAddr = "198.51.100.7".parse().unwrap();
        assert!(limits.attempt("b@example.nl", Some(elsewhere)).is_ok());
    }
}
