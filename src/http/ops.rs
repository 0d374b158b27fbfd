//! Operations endpoints and static assets.

use std::collections::BTreeMap;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::Serialize;

use super::AppState;
use crate::db::migrations;
use crate::error::AppError;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok` when the check passed.
    pub status: &'static str,
}

/// Liveness: the process is up and answering.
#[utoipa::path(get, path = "/healthz", tag = "operations", security(()),
    responses((status = 200, description = "The process is up", body = Health)))]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Readiness {
    /// `ok`.
    pub status: &'static str,
    /// The settings that make a commit durable, as a pooled connection reports them: on SQLite
    /// `synchronous` (`full`) and `journal_mode` (`wal`), on PostgreSQL `synchronous_commit`
    /// (`on`) and `fsync` (`on`). See docs/durability.md.
    #[schema(value_type = Object)]
    pub durability: BTreeMap<&'static str, String>,
}

/// Readiness: the database answers and its schema is current; with the durability settings in
/// force.
#[utoipa::path(get, path = "/readyz", tag = "operations", security(()),
    responses(
        (status = 200, description = "Ready to serve", body = Readiness),
        (status = 503, description = "Database unreachable or migrations pending", body = crate::error::Problem,
            content_type = "application/problem+json"),
    ))]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let (pending, durability) = state
        .db
        .run(|conn| {
            let pending = migrations::has_pending(conn)?;
            Ok::<_, AppError>((pending, conn.durability()?))
        })
        .await
        .map_err(|err| match err {
            AppError::Internal(cause) => AppError::Unavailable(cause),
            other => other,
        })?;
    if pending {
        return Err(AppError::Unavailable(
            "database migrations are pending: run `psa migrate`".into(),
        ));
    }
    Ok(HttpResponse::Ok().json(Readiness {
        status: "ok",
        durability: durability.settings().iter().cloned().collect(),
    }))
}

const STYLESHEET: &str = include_str!("../../static/psa.css");

pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/css; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(STYLESHEET)
}
