//! `GET /api/v1/me`: who the caller is, where they are a member, and with which roles.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::Role;
use crate::error::AppError;
use crate::http::AppState;
use crate::http::auth::{Credential, Staff, csrf_token};

#[derive(Serialize, ToSchema)]
pub struct MembershipView {
    pub organisation_id: String,
    pub organisation_name: String,
    pub roles: Vec<Role>,
}

#[derive(Serialize, ToSchema)]
pub struct MeView {
    pub id: String,
    pub email: String,
    /// Owner of this psa instance: manages organisations, reads none of their data.
    pub is_owner: bool,
    /// The organisation this request acts in.
    pub organisation_id: Option<String>,
    /// The caller's roles in that organisation.
    pub roles: Vec<Role>,
    pub memberships: Vec<MembershipView>,
    /// For callers with a session cookie: the value to send as `X-CSRF-Token` on changes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csrf_token: Option<String>,
}

/// Who am I?
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts",
    responses(
        (status = 200, description = "The caller", body = MeView),
        (status = 401, description = "Not logged in", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_me(
    state: web::Data<AppState>,
    session: Session,
    Staff(principal): Staff,
) -> Result<HttpResponse, AppError> {
    let memberships = state.memberships_of(&principal.user.id).await?;
    Ok(HttpResponse::Ok().json(MeView {
        id: principal.user.id.to_string(),
        email: principal.user.email.clone(),
        is_owner: principal.user.is_owner,
        organisation_id: principal.organisation.as_ref().map(ToString::to_string),
        roles: principal.roles.iter().collect(),
        memberships: memberships
            .into_iter()
            .map(|m| MembershipView {
                organisation_id: m.organisation_id.to_string(),
                organisation_name: m.organisation_name,
                roles: m.roles.iter().collect(),
            })
            .collect(),
        csrf_token: (principal.credential == Credential::Session).then(|| csrf_token(&session)),
    }))
}
