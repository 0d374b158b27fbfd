//! First-time setup through the one-time link printed at start.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::login::start_session;
use crate::accounts::{self, AccountsError};
use crate::db::{accounts as account_store, audit, sessions};
use crate::domain::audit::INSTANCE_SCOPE;
use crate::domain::{Email, OrganisationName, OrganisationSettings, Password};
use crate::error::AppError;
use crate::http::AppState;
use crate::http::client::PageLang;
use crate::http::page::{chrome, see_other};
use crate::i18n::Lang;
use crate::render::pages::{ErrorPage, SetupPage, html};
use crate::secret::secrets_equal;

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

/// Whether `token` opens setup now: the instance has no owner and the token is this
/// instance's setup secret.
async fn link_is_valid(state: &AppState, token: &str) -> Result<bool, AppError> {
    let Some(expected) = state.setup_token.clone() else {
        return Ok(false);
    };
    if !secrets_equal(token, &expected) {
        return Ok(false);
    }
    let done = state
        .db
        .run(|conn| account_store::is_set_up(conn).map_err(AppError::from))
        .await?;
    Ok(!done)
}

fn link_invalid(lang: Lang) -> HttpResponse {
    let mut page = ErrorPage::for_status(lang, StatusCode::NOT_FOUND);
    page.message = lang.t("setup.link_invalid").into_owned();
    html(StatusCode::NOT_FOUND, &page)
}

pub async fn show_setup(
    state: web::Data<AppState>,
    session: Session,
    PageLang(lang): PageLang,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, AppError> {
    if !link_is_valid(&state, &query.token).await? {
        return Ok(link_invalid(lang));
    }
    Ok(html(
        StatusCode::OK,
        &SetupPage {
            chrome: chrome(lang, &session, None),
            token: query.token.clone(),
            email: String::new(),
            organisation: String::new(),
            errors: Vec::new(),
        },
    ))
}

#[derive(Deserialize)]
pub struct SetupForm {
    token: String,
    organisation: String,
    email: String,
    password: String,
}

pub async fn set_up(
    state: web::Data<AppState>,
    session: Session,
    PageLang(lang): PageLang,
    form: web::Form<SetupForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    if !link_is_valid(&state, &form.token).await? {
        return Ok(link_invalid(lang));
    }
    let email = Email::parse(&form.email);
    let password = Password::parse(&form.password);
    let name = OrganisationName::parse(&form.organisation);
    let (Ok(email), Ok(password), Ok(name)) = (email.clone(), password.clone(), name.clone())
    else {
        let problems = [
            (name.is_err(), "setup.invalid_organisation"),
            (email.is_err(), "setup.invalid_email"),
            (password.is_err(), "setup.invalid_password"),
        ];
        let errors = problems
            .into_iter()
            .filter(|(failed, _)| *failed)
            .map(|(_, key)| lang.t(key).into_owned())
            .collect();
        return Ok(html(
            StatusCode::UNPROCESSABLE_ENTITY,
            &SetupPage {
                chrome: chrome(lang, &session, None),
                token: form.token,
                email: form.email,
                organisation: form.organisation,
                errors,
            },
        ));
    };
    let mut settings = OrganisationSettings::new(name);
    settings.default_language = lang;
    let created = state
        .db
        .run(move |conn| -> Result<_, AppError> {
            match accounts::setup_instance(conn, &email, &password, &settings) {
                Ok((user, organisation)) => {
                    audit::record(
                        conn,
                        INSTANCE_SCOPE,
                        user.email.as_str(),
                        "set_up",
                        format!("owner {} organisation {}", user.id, organisation.id),
                    )?;
                    let sid = sessions::start(conn, &user.id)?;
                    Ok(Some((sid, organisation.id)))
                }
                Err(AccountsError::AlreadySetUp) => Ok(None),
                Err(err) => Err(err.into()),
            }
        })
        .await?;
    let Some((sid, organisation)) = created else {
        return Ok(link_invalid(lang));
    };
    tracing::info!("instance set up: first owner and organisation created");
    start_session(&session, &sid, Some(organisation.as_str()))?;
    Ok(see_other("/"))
}
