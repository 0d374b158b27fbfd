//! `/api/v1/tokens`: bearer tokens for programs, bound to the caller and the current
//! organisation. The secret is shown once, at creation.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::{Valid, utc};
use crate::db::tokens::{self, ApiToken};
use crate::domain::{Role, TokenId};
use crate::error::AppError;
use crate::error::Refusals;
use crate::http::AppState;
use crate::http::auth::Member;

type ProblemDoc = crate::error::Problem;

#[derive(Serialize, ToSchema)]
pub struct TokenView {
    pub id: String,
    pub label: String,
    pub user_id: String,
    pub organisation_id: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

impl From<&ApiToken> for TokenView {
    fn from(t: &ApiToken) -> Self {
        TokenView {
            id: t.id.to_string(),
            label: t.label.clone(),
            user_id: t.user_id.to_string(),
            organisation_id: t.organisation_id.to_string(),
            created_at: utc(t.created_at),
            revoked_at: t.revoked_at.map(utc),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    pub token: TokenView,
    /// The bearer token. It is shown this once and cannot be retrieved again.
    pub secret: String,
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// What the token is for, e.g. "HR reporting script".
    #[validate(length(min = 1, max = 100, message = "must be 1 to 100 characters"))]
    pub label: String,
}

/// The caller's tokens in the current organisation (an admin sees every member's).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens",
    params(crate::http::openapi::OrganisationHeader),
    responses(
        (status = 200, description = "Tokens, newest first", body = Vec<TokenView>),
        Refusals,
    ))]
pub async fn list_tokens(
    state: web::Data<AppState>,
    member: Member,
) -> Result<HttpResponse, AppError> {
    let user = (!member.roles.contains(Role::Admin)).then(|| member.user.id.clone());
    let organisation = member.organisation;
    let all = state
        .db
        .run(move |conn| tokens::list(conn, &organisation, user.as_ref()).map_err(AppError::from))
        .await?;
    Ok(HttpResponse::Ok().json(all.iter().map(TokenView::from).collect::<Vec<_>>()))
}

/// Create a token for the caller in the current organisation.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens",
    params(crate::http::openapi::OrganisationHeader),
    request_body = NewToken,
    responses(
        (status = 201, description = "The token and its secret", body = CreatedToken),
        (status = 400, description = "Malformed body", body = ProblemDoc, content_type = "application/problem+json"),
        Refusals,
        (status = 422, description = "Invalid fields", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn create_token(
    state: web::Data<AppState>,
    member: Member,
    Valid(body): Valid<NewToken>,
) -> Result<HttpResponse, AppError> {
    let (organisation, user) = (member.organisation, member.user.id);
    let label = body.label.trim().to_owned();
    let (token, secret) = state
        .db
        .run(move |conn| tokens::create(conn, &organisation, &user, &label).map_err(AppError::from))
        .await?;
    Ok(HttpResponse::Created().json(CreatedToken {
        token: TokenView::from(&token),
        secret,
    }))
}

/// Revoke a token: the caller's own, or any of the organisation's for an admin.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens",
    params(crate::http::openapi::OrganisationHeader, ("id" = String, Path, description = "Token id")),
    responses(
        (status = 204, description = "Revoked"),
        Refusals,
        (status = 404, description = "No such live token", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn revoke_token(
    state: web::Data<AppState>,
    member: Member,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = TokenId::new(path.into_inner());
    let user = (!member.roles.contains(Role::Admin)).then(|| member.user.id.clone());
    let organisation = member.organisation;
    let revoked = state
        .db
        .run(move |conn| {
            tokens::revoke(conn, &organisation, &id, user.as_ref()).map_err(AppError::from)
        })
        .await?;
    if !revoked {
        return Err(AppError::NotFound("no such live token".into()));
    }
    Ok(HttpResponse::NoContent().finish())
}
