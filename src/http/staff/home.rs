//! The overview page and switching the current organisation.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::error::AppError;
use crate::http::AppState;
use crate::http::auth::{Staff, session_keys};
use crate::http::client::PageLang;
use crate::http::page::{chrome, missing_counsellor, see_other};
use crate::render::pages::{HomePage, OrganisationChoice, html};

pub async fn show_home(
    state: web::Data<AppState>,
    session: Session,
    PageLang(lang): PageLang,
    Staff(principal): Staff,
) -> Result<HttpResponse, AppError> {
    let memberships = state.memberships_of(&principal.user.id).await?;
    let current = principal.organisation.as_ref();
    let choices: Vec<OrganisationChoice> = memberships
        .iter()
        .map(|m| OrganisationChoice {
            id: m.organisation_id.to_string(),
            name: m.organisation_name.clone(),
            selected: Some(&m.organisation_id) == current,
        })
        .collect();
    let vpo_missing = missing_counsellor(&state, &principal).await?;
    let page = HomePage {
        chrome: chrome(lang, &session, Some(&principal)),
        email: principal.user.email.clone(),
        is_owner: principal.user.is_owner,
        organisation: choices.iter().find(|c| c.selected).map(|c| c.name.clone()),
        roles: principal
            .roles
            .iter()
            .map(|role| format!("roles.{role}"))
            .collect(),
        choices,
        vpo_missing,
    };
    Ok(html(StatusCode::OK, &page))
}

#[derive(Deserialize)]
pub struct SwitchForm {
    organisation: String,
}

pub async fn switch_organisation(
    state: web::Data<AppState>,
    session: Session,
    Staff(principal): Staff,
    form: web::Form<SwitchForm>,
) -> Result<HttpResponse, AppError> {
    let memberships = state.memberships_of(&principal.user.id).await?;
    let wanted = form.into_inner().organisation;
    if !memberships
        .iter()
        .any(|m| m.organisation_id.as_str() == wanted)
    {
        return Err(AppError::Forbidden(
            "you are not a member of that organisation".into(),
        ));
    }
    session
        .insert(session_keys::ORGANISATION, wanted)
        .map_err(|e| AppError::Internal(format!("session: {e}")))?;
    Ok(see_other("/"))
}
