//! `/api/v1/shares` and `/api/v1/access-log`: HR's read-only shares of closed rounds with
//! outsiders (a link for an inspector or for every employee, or an inspector account's access)
//! and the log of what outsiders read; and `RoundAccess`, which lets an inspector account reach
//! only the rounds shared with it.

use actix_web::{HttpResponse, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::{Valid, utc};
use crate::calendar::today;
use crate::db::exports as exports_store;
use crate::db::shares::{self as store, AccessEntry, ShareRow};
use crate::domain::share::{ShareKind, ShareState};
use crate::domain::{OrganisationId, Role, RoleSet};
use crate::error::{AppError, Refusals};
use crate::http::AppState;
use crate::http::auth::Member;
use crate::shares::{Created, NewShare};

type ProblemDoc = crate::error::Problem;

/// A share as HR sees it; never its secret.
#[derive(Serialize, ToSchema)]
pub struct ShareView {
    pub id: String,
    pub kind: ShareKind,
    pub round_id: String,
    pub label: String,
    /// The inspector account of an account share; absent for a link.
    pub inspector_email: Option<String>,
    /// The last day it opens anything (Europe/Amsterdam).
    #[schema(value_type = String, format = Date)]
    pub expires_on: NaiveDate,
    pub state: ShareState,
    pub created_at: String,
    pub created_by: String,
    pub revoked_at: Option<String>,
}

impl ShareView {
    pub fn new(share: ShareRow, inspector_email: Option<String>, today: NaiveDate) -> ShareView {
        ShareView {
            kind: share.kind().unwrap_or(ShareKind::Inspect),
            state: share.state(today),
            created_at: utc(share.created_at),
            revoked_at: share.revoked_at.map(utc),
            id: share.id,
            round_id: share.round_id,
            label: share.label,
            inspector_email,
            expires_on: share.expires_on,
            created_by: share.created_by,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CreatedShare {
    pub share: ShareView,
    /// The link of a link share. It is shown this once and cannot be retrieved again.
    pub url: Option<String>,
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewShareBody {
    pub kind: ShareKind,
    /// A closed round of the organisation.
    #[validate(length(min = 1, max = 64))]
    pub round_id: String,
    /// The last day the share opens anything (Europe/Amsterdam): today up to a year ahead.
    #[schema(value_type = String, format = Date)]
    pub expires_on: NaiveDate,
    /// What it is for, e.g. "Inspectie SZW, 2026".
    #[validate(length(max = 100))]
    pub label: Option<String>,
    /// For `inspect` only: an inspector account of the organisation to grant the round to,
    /// instead of making a link.
    #[validate(length(max = 254))]
    pub inspector_email: Option<String>,
}

/// Makes a share and, for a link share, its full link (the API and the HR pages).
pub async fn create(
    state: &AppState,
    member: &Member,
    body: NewShareBody,
) -> Result<CreatedShare, AppError> {
    let organisation = member.organisation.clone();
    let by = member.user.email.to_string();
    let new = NewShare {
        kind: body.kind,
        round_id: body.round_id,
        expires_on: body.expires_on,
        label: body.label.unwrap_or_default().trim().to_owned(),
        inspector_email: body.inspector_email.filter(|e| !e.trim().is_empty()),
    };
    let today = today();
    let Created {
        share,
        secret,
        inspector,
    } = state
        .db
        .run(move |conn| crate::shares::create(conn, &organisation, &by, new, today))
        .await?;
    let url = secret.map(|secret| {
        let kind = share.kind().unwrap_or(ShareKind::Inspect);
        state.settings.public_link(&format!("/{kind}/{secret}"))
    });
    Ok(CreatedShare {
        share: ShareView::new(share, inspector, today),
        url,
    })
}

/// Shares a closed round: a link (`/inspect/…` for an inspector: the round's exports; `/read/…`
/// for employees: its results summary and the plan), or with `inspector_email` access for an
/// inspector account. The link is in the answer this once.
#[utoipa::path(post, path = "/api/v1/shares", tag = "shares",
    params(crate::http::openapi::OrganisationHeader),
    request_body = NewShareBody,
    responses(
        (status = 201, description = "The share, with its link for a link share", body = CreatedShare),
        (status = 400, description = "Malformed body", body = ProblemDoc, content_type = "application/problem+json"),
        Refusals,
        (status = 422, description = "Invalid fields (`round_id`, `expires_on`, `inspector_email` …)", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn create_share(
    state: web::Data<AppState>,
    member: Member,
    Valid(body): Valid<NewShareBody>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Created().json(create(&state, &member, body).await?))
}

/// The organisation's shares (of one round when asked), newest first.
pub async fn list(
    state: &AppState,
    organisation: OrganisationId,
    round: Option<String>,
) -> Result<Vec<ShareView>, AppError> {
    let today = today();
    let shares = state
        .db
        .run(move |conn| store::list(conn, &organisation, round.as_deref()).map_err(AppError::from))
        .await?;
    Ok(shares
        .into_iter()
        .map(|(share, email)| ShareView::new(share, email, today))
        .collect())
}

/// The organisation's shares, newest first, without their secrets.
#[utoipa::path(get, path = "/api/v1/shares", tag = "shares",
    params(crate::http::openapi::OrganisationHeader),
    responses(
        (status = 200, description = "The shares", body = Vec<ShareView>),
        Refusals,
    ))]
pub async fn list_shares(
    state: web::Data<AppState>,
    member: Member,
) -> Result<web::Json<Vec<ShareView>>, AppError> {
    Ok(web::Json(list(&state, member.organisation, None).await?))
}

/// Revokes a share of the organisation; the revoked share.
pub async fn revoke(
    state: &AppState,
    organisation: OrganisationId,
    id: String,
) -> Result<ShareRow, AppError> {
    state
        .db
        .run(move |conn| store::revoke(conn, &organisation, &id).map_err(AppError::from))
        .await?
        .ok_or_else(|| AppError::NotFound("no such share".into()))
}

/// Revokes a share: its link answers 410 from now on, and an inspector account loses the round.
/// Revoking a revoked share changes nothing.
#[utoipa::path(delete, path = "/api/v1/shares/{id}", tag = "shares",
    params(crate::http::openapi::OrganisationHeader, ("id" = String, Path, description = "Share id")),
    responses(
        (status = 204, description = "Revoked"),
        Refusals,
        (status = 404, description = "No such share", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn revoke_share(
    state: web::Data<AppState>,
    member: Member,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    revoke(&state, member.organisation, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct LogQuery {
    /// The page, from 1 (default).
    pub page: Option<u32>,
    /// Lines per page: 1 to 200, default 50.
    pub per_page: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct AccessView {
    pub at: String,
    /// An inspector account's e-mail address, or `share:{id}` for a link.
    pub actor: String,
    /// What was read: `inspect page`, `read page`, `export {id}.pdf`, `chart {round}/{chart}` …
    pub what: String,
}

impl From<AccessEntry> for AccessView {
    fn from(entry: AccessEntry) -> Self {
        AccessView {
            at: utc(entry.at),
            actor: entry.actor,
            what: entry.what,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AccessLogPage {
    pub entries: Vec<AccessView>,
    pub page: u32,
    pub per_page: u32,
    /// Lines in the whole log.
    pub total: i64,
}

/// Every access through a share or by an inspector account, newest first, a page at a time.
#[utoipa::path(get, path = "/api/v1/access-log", tag = "shares",
    params(crate::http::openapi::OrganisationHeader, LogQuery),
    responses(
        (status = 200, description = "A page of the log", body = AccessLogPage),
        (status = 400, description = "A page or page size out of range", body = ProblemDoc, content_type = "application/problem+json"),
        Refusals,
    ))]
pub async fn get_access_log(
    state: web::Data<AppState>,
    member: Member,
    query: web::Query<LogQuery>,
) -> Result<web::Json<AccessLogPage>, AppError> {
    let page = query.page.unwrap_or(1);
    let per_page = query.per_page.unwrap_or(50);
    if page == 0 || !(1..=200).contains(&per_page) {
        return Err(AppError::BadRequest(
            "page counts from 1; per_page is 1 to 200".into(),
        ));
    }
    let organisation = member.organisation;
    let offset = i64::from(page - 1) * i64::from(per_page);
    let (entries, total) = state
        .db
        .run(move |conn| {
            store::access_log(conn, &organisation, offset, per_page.into()).map_err(AppError::from)
        })
        .await?;
    Ok(web::Json(AccessLogPage {
        entries: entries.into_iter().map(AccessView::from).collect(),
        page,
        per_page,
        total,
    }))
}

/// Writes a line of the access log.
pub async fn record(
    state: &AppState,
    organisation: OrganisationId,
    actor: String,
    what: String,
) -> Result<(), AppError> {
    state
        .db
        .run(move |conn| store::record(conn, &organisation, &actor, &what).map_err(AppError::from))
        .await
}

/// What an inspector asks for: a round, or a stored export (of a round).
pub enum RoundOf {
    Id(String),
    Export(String),
}

/// How a member reaches a round's exports or charts: through a role that reads every round, or
/// as an inspector with a live account share of that round, whose every access is logged.
pub enum RoundAccess {
    Full,
    Inspector(String),
}

impl RoundAccess {
    /// Admits holders of a `full` role, and an inspector to a round shared with them; for anyone
    /// else the round does not exist (404), so that an inspector learns nothing of other rounds.
    pub async fn check(
        state: &AppState,
        member: &Member,
        full: RoleSet,
        target: RoundOf,
    ) -> Result<RoundAccess, AppError> {
        if member.roles.intersects(full) {
            return Ok(RoundAccess::Full);
        }
        let not_shared =
            || AppError::NotFound("no such round, or it is not shared with you".into());
        if !member.roles.contains(Role::Inspector) {
            return Err(not_shared());
        }
        let (organisation, user) = (member.organisation.clone(), member.user.id.clone());
        let today = today();
        let shared = state
            .db
            .run(move |conn| -> Result<bool, AppError> {
                let round = match target {
                    RoundOf::Id(id) => Some(id),
                    RoundOf::Export(id) => {
                        exports_store::get(conn, &organisation, &id)?.map(|e| e.round_id)
                    }
                };
                Ok(match round {
                    Some(round) => {
                        store::inspector_may_read(conn, &organisation, &user, &round, today)?
                    }
                    None => false,
                })
            })
            .await?;
        if shared {
            Ok(RoundAccess::Inspector(member.user.email.to_string()))
        } else {
            Err(not_shared())
        }
    }

    /// Logs what an inspector read; nothing for full access.
    pub async fn record(
        self,
        state: &AppState,
        organisation: OrganisationId,
        what: String,
    ) -> Result<(), AppError> {
        match self {
            RoundAccess::Full => Ok(()),
            RoundAccess::Inspector(email) => record(state, organisation, email, what).await,
        }
    }
}
