//! `/api/v1/audit-log` (an organisation's admins) and `/api/v1/instance/audit-log` (the instance
//! owner): the audit log of staff changes, a page at a time, with the check of its hash chain.

use actix_web::web;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::db::audit::{self as store, StoredEntry, Verdict};
use crate::domain::audit::INSTANCE_SCOPE;
use crate::error::{AppError, Refusals};
use crate::http::AppState;
use crate::http::auth::Member;

type ProblemDoc = crate::error::Problem;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// The page, from 1 (default; the newest entries).
    #[param(minimum = 1)]
    pub page: Option<u32>,
    /// Entries per page: 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<u32>,
}

/// One change: who made it, when, which action on what.
#[derive(Serialize, ToSchema)]
pub struct AuditEntryView {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// RFC 3339, UTC.
    pub at: String,
    /// The account's e-mail address (with the token's id when one was used), or
    /// `psa (command line)` / `psa (schedule)`.
    pub actor: String,
    /// The handler that made the change: `create_round`, `update_item`, `add_member` …
    pub action: String,
    /// The method and route, with the ids in its path: `POST /api/v1/rounds/{id}/open id=…`.
    pub target: String,
    /// The names of the fields sent (never their values), or the type of an uploaded file.
    pub detail: String,
    /// The answer's HTTP status, or `done` for the schedule's and the command line's changes.
    pub outcome: String,
    /// The chain's hash after this entry.
    pub hash: String,
}

impl From<StoredEntry> for AuditEntryView {
    fn from(stored: StoredEntry) -> Self {
        let StoredEntry { seq, entry, hash } = stored;
        AuditEntryView {
            seq,
            at: entry.at,
            actor: entry.actor,
            action: entry.action,
            target: entry.target,
            detail: entry.detail,
            outcome: entry.outcome,
            hash,
        }
    }
}

/// A page of the log and the check of the whole chain.
#[derive(Serialize, ToSchema)]
pub struct AuditLogPage {
    /// Whether every entry follows from the ones before it: false when an entry was edited,
    /// inserted or removed outside psa.
    pub intact: bool,
    /// The position of the first entry that does not follow, when the chain is broken.
    pub broken_at: Option<i64>,
    /// Entries in the whole log.
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
    /// Newest first.
    pub entries: Vec<AuditEntryView>,
}

/// The organisation's audit log, newest first, and whether its chain is intact.
#[utoipa::path(get, path = "/api/v1/audit-log", tag = "audit",
    params(crate::http::openapi::OrganisationHeader, AuditQuery),
    responses(
        (status = 200, description = "A page of the log", body = AuditLogPage),
        (status = 400, description = "A page or page size out of range", body = ProblemDoc, content_type = "application/problem+json"),
        Refusals,
    ))]
pub async fn get_audit_log(
    state: web::Data<AppState>,
    member: Member,
    query: web::Query<AuditQuery>,
) -> Result<web::Json<AuditLogPage>, AppError> {
    log_page(&state, member.organisation.to_string(), &query).await
}

/// The instance's audit log (organisations made and their first admins), newest first.
#[utoipa::path(get, path = "/api/v1/instance/audit-log", tag = "audit",
    params(AuditQuery),
    responses(
        (status = 200, description = "A page of the log", body = AuditLogPage),
        (status = 400, description = "A page or page size out of range", body = ProblemDoc, content_type = "application/problem+json"),
        Refusals,
    ))]
pub async fn get_instance_audit_log(
    state: web::Data<AppState>,
    query: web::Query<AuditQuery>,
) -> Result<web::Json<AuditLogPage>, AppError> {
    log_page(&state, INSTANCE_SCOPE.to_owned(), &query).await
}

/// A page of the log of `scope` with the chain's check; shared by the API and the page.
pub async fn page_of(
    state: &AppState,
    scope: String,
    page: u32,
    per_page: u32,
) -> Result<(Vec<StoredEntry>, i64, Verdict), AppError> {
    let offset = i64::from(page.saturating_sub(1)) * i64::from(per_page);
    state
        .db
        .run(move |conn| -> Result<_, AppError> {
            let (entries, total) = store::page(conn, &scope, offset, per_page.into())?;
            Ok((entries, total, store::verify(conn, &scope)?))
        })
        .await
}

async fn log_page(
    state: &AppState,
    scope: String,
    query: &AuditQuery,
) -> Result<web::Json<AuditLogPage>, AppError> {
    let page = query.page.unwrap_or(1);
    let per_page = query.per_page.unwrap_or(50);
    if page == 0 || !(1..=200).contains(&per_page) {
        return Err(AppError::BadRequest(
            "page counts from 1; per_page is 1 to 200".into(),
        ));
    }
    let (entries, total, verdict) = page_of(state, scope, page, per_page).await?;
    Ok(web::Json(AuditLogPage {
        intact: verdict.broken_at.is_none(),
        broken_at: verdict.broken_at,
        total,
        page,
        per_page,
        entries: entries.into_iter().map(AuditEntryView::from).collect(),
    }))
}
