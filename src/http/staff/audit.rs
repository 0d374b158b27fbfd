//! `/audit-log`: the organisation's audit log for its admins, with the check of its chain.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::calendar::local_time;
use crate::error::AppError;
use crate::http::api::audit::page_of;
use crate::http::page::OrgPage;
use crate::render::pages::{AuditLine, AuditLogPage, html};

#[derive(Deserialize)]
pub struct AuditPageQuery {
    page: Option<u32>,
}

/// Entries per page.
const PER_PAGE: u32 = 50;

pub async fn show_audit_log(
    page: OrgPage,
    query: web::Query<AuditPageQuery>,
) -> Result<HttpResponse, AppError> {
    let number = query.page.unwrap_or(1).max(1);
    let (entries, total, verdict) =
        page_of(&page.state, page.organisation.to_string(), number, PER_PAGE).await?;
    let lang = page.lang;
    let entries = entries
        .into_iter()
        .map(|stored| {
            let at = chrono::DateTime::parse_from_rfc3339(&stored.entry.at)
                .map(|t| lang.date_time(local_time(t.naive_utc())))
                .unwrap_or(stored.entry.at);
            AuditLine {
                seq: stored.seq,
                at,
                actor: stored.entry.actor,
                action: stored.entry.action,
                target: stored.entry.target,
                detail: stored.entry.detail,
            }
        })
        .collect();
    let pages =
        u32::try_from(total.max(0).unsigned_abs().div_ceil(PER_PAGE.into())).unwrap_or(u32::MAX);
    Ok(html(
        StatusCode::OK,
        &AuditLogPage {
            chrome: page.chrome(),
            entries,
            broken_at: verdict.broken_at,
            page: number,
            pages,
            total,
        },
    ))
}
