//! `/api/v1/members`: the current organisation's accounts and their roles (admin).

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::Valid;
use super::organisations::parse_credentials;
use crate::accounts;
use crate::db::accounts::{self as store, User};
use crate::domain::{Role, RoleSet, UserId};
use crate::error::AppError;
use crate::error::Refusals;
use crate::http::AppState;
use crate::http::auth::Member;

type ProblemDoc = crate::error::Problem;

#[derive(Serialize, ToSchema)]
pub struct MemberView {
    pub user_id: String,
    pub email: String,
    pub roles: Vec<Role>,
}

impl MemberView {
    pub fn new(user: &User, roles: RoleSet) -> MemberView {
        MemberView {
            user_id: user.id.to_string(),
            email: user.email.clone(),
            roles: roles.iter().collect(),
        }
    }
}

/// The members of the current organisation (admin).
#[utoipa::path(get, path = "/api/v1/members", tag = "members",
    params(crate::http::openapi::OrganisationHeader),
    responses(
        (status = 200, description = "Members, by e-mail address", body = Vec<MemberView>),
        Refusals,
    ))]
pub async fn list_members(
    state: web::Data<AppState>,
    member: Member,
) -> Result<HttpResponse, AppError> {
    let organisation = member.organisation;
    let members = state
        .db
        .run(move |conn| store::members(conn, &organisation).map_err(AppError::from))
        .await?;
    let views: Vec<MemberView> = members
        .iter()
        .map(|(user, roles)| MemberView::new(user, *roles))
        .collect();
    Ok(HttpResponse::Ok().json(views))
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMember {
    #[validate(email(message = "not a valid e-mail address"))]
    pub email: String,
    pub role: Role,
    /// Needed only when there is no account for this address yet.
    pub password: Option<String>,
}

/// Give an account a role in the current organisation (admin), creating the account if needed.
#[utoipa::path(post, path = "/api/v1/members", tag = "members",
    params(crate::http::openapi::OrganisationHeader),
    request_body = NewMember,
    responses(
        (status = 201, description = "The member with all their roles", body = MemberView),
        (status = 400, description = "Malformed body", body = ProblemDoc, content_type = "application/problem+json"),
        Refusals,
        (status = 422, description = "Invalid fields", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn add_member(
    state: web::Data<AppState>,
    member: Member,
    Valid(body): Valid<NewMember>,
) -> Result<HttpResponse, AppError> {
    let (email, password) = parse_credentials(&body.email, body.password.as_deref())?;
    let organisation = member.organisation;
    let role = body.role;
    let by = member.user.email;
    let view = state
        .db
        .run(move |conn| -> Result<_, AppError> {
            let before = match store::find_user(conn, &email)? {
                Some(user) => store::roles_in(conn, &organisation, &user.id)?,
                None => Default::default(),
            };
            let user = accounts::add_member(conn, &organisation, &email, password.as_ref(), role)?;
            // The counsellors see who joins them: a new one can read what is assigned to them.
            if role == Role::Vpo && !before.contains(Role::Vpo) {
                let what = format!("vpo role granted to {} by {by}", user.email);
                crate::db::vpo::log(conn, &organisation, &by, None, &what)?;
            }
            let roles = store::roles_in(conn, &organisation, &user.id)?;
            Ok(MemberView::new(&user, roles))
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// Take a role away from a member (admin). The last admin cannot be removed.
#[utoipa::path(delete, path = "/api/v1/members/{user_id}/roles/{role}", tag = "members",
    params(
        crate::http::openapi::OrganisationHeader,
        ("user_id" = String, Path, description = "The member's user id"),
        ("role" = Role, Path, description = "The role to take away"),
    ),
    responses(
        (status = 204, description = "Removed"),
        Refusals,
        (status = 404, description = "No such member or role", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "It is the last admin", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn remove_role(
    state: web::Data<AppState>,
    member: Member,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (user_id, role) = path.into_inner();
    let role: Role = role
        .parse()
        .map_err(|_| AppError::NotFound("no such role".into()))?;
    let user_id = UserId::new(user_id);
    let organisation = member.organisation;
    state
        .db
        .run(move |conn| -> Result<_, AppError> {
            conn.write_transaction(|conn| {
                if role == Role::Admin {
                    let admins = store::members(conn, &organisation)?
                        .iter()
                        .filter(|(_, roles)| roles.contains(Role::Admin))
                        .count();
                    let is_admin =
                        store::roles_in(conn, &organisation, &user_id)?.contains(Role::Admin);
                    if is_admin && admins == 1 {
                        return Err(AppError::Conflict(
                            "this is the organisation's last admin; appoint another first".into(),
                        ));
                    }
                }
                if !store::revoke(conn, &organisation, &user_id, role)? {
                    return Err(AppError::NotFound(
                        "this member does not hold this role".into(),
                    ));
                }
                Ok(())
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
