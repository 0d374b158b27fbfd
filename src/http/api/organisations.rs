//! `/api/v1/organisations`: the instance owner manages the organisations it serves. The owner
//! sees their settings, never their data.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::Valid;
use super::members::MemberView;
use super::organisation::{OrganisationFields, OrganisationView};
use crate::accounts;
use crate::db::organisations;
use crate::domain::{
    Email, OrganisationId, OrganisationName, OrganisationSettings, Password, Role,
};
use crate::error::{AppError, FieldError, Refusals};
use crate::http::AppState;
use crate::http::auth::Staff;

type ProblemDoc = crate::error::Problem;

/// Every organisation of this instance.
#[utoipa::path(get, path = "/api/v1/organisations", tag = "organisations",
    responses(
        (status = 200, description = "All organisations, by name", body = Vec<OrganisationView>),
        Refusals,
    ))]
pub async fn list_organisations(
    state: web::Data<AppState>,
    _owner: Staff,
) -> Result<HttpResponse, AppError> {
    let all = state
        .db
        .run(|conn| organisations::list(conn).map_err(AppError::from))
        .await?;
    Ok(HttpResponse::Ok().json(all.iter().map(OrganisationView::from).collect::<Vec<_>>()))
}

/// Create an organisation (owner). `name` is required.
#[utoipa::path(post, path = "/api/v1/organisations", tag = "organisations",
    request_body = OrganisationFields,
    responses(
        (status = 201, description = "Created", body = OrganisationView),
        (status = 400, description = "Malformed body", body = ProblemDoc, content_type = "application/problem+json"),
        Refusals,
        (status = 422, description = "Invalid fields or name in use", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn create_organisation(
    state: web::Data<AppState>,
    _owner: Staff,
    Valid(fields): Valid<OrganisationFields>,
) -> Result<HttpResponse, AppError> {
    let name = fields
        .name
        .as_deref()
        .ok_or_else(|| AppError::field("name", "is required"))
        .and_then(|n| OrganisationName::parse(n).map_err(|e| AppError::field("name", e)))?;
    let settings = fields.apply(OrganisationSettings::new(name))?;
    let created = state
        .db
        .run(move |conn| accounts::create_organisation(conn, &settings).map_err(AppError::from))
        .await?;
    Ok(HttpResponse::Created().json(OrganisationView::from(&created)))
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAdmin {
    #[validate(email(message = "not a valid e-mail address"))]
    pub email: String,
    /// Needed only when there is no account for this address yet.
    pub password: Option<String>,
}

/// Make an account the admin of an organisation (owner), creating the account if needed.
#[utoipa::path(post, path = "/api/v1/organisations/{id}/admins", tag = "organisations",
    params(("id" = String, Path, description = "Organisation id")),
    request_body = NewAdmin,
    responses(
        (status = 201, description = "The admin", body = MemberView),
        (status = 400, description = "Malformed body", body = ProblemDoc, content_type = "application/problem+json"),
        Refusals,
        (status = 404, description = "No such organisation", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn add_organisation_admin(
    state: web::Data<AppState>,
    _owner: Staff,
    path: web::Path<String>,
    Valid(body): Valid<NewAdmin>,
) -> Result<HttpResponse, AppError> {
    let organisation = OrganisationId::new(path.into_inner());
    let (email, password) = parse_credentials(&body.email, body.password.as_deref())?;
    let member = state
        .db
        .run(move |conn| -> Result<_, AppError> {
            if organisations::get(conn, &organisation)?.is_none() {
                return Err(AppError::NotFound("no such organisation".into()));
            }
            let user =
                accounts::add_member(conn, &organisation, &email, password.as_ref(), Role::Admin)?;
            let roles = crate::db::accounts::roles_in(conn, &organisation, &user.id)?;
            Ok(MemberView::new(&user, roles))
        })
        .await?;
    Ok(HttpResponse::Created().json(member))
}

/// Checks an e-mail address and an optional initial password.
pub fn parse_credentials(
    email: &str,
    password: Option<&str>,
) -> Result<(Email, Option<Password>), AppError> {
    let mut errors = Vec::new();
    let email = Email::parse(email).map_err(|e| errors.push(FieldError::new("email", e)));
    let password = password
        .map(Password::parse)
        .transpose()
        .map_err(|e| errors.push(FieldError::new("password", e)));
    match (email, password) {
        (Ok(email), Ok(password)) => Ok((email, password)),
        _ => Err(AppError::Validation(errors)),
    }
}
