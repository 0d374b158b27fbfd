//! The actix adapter: routes, authentication, pages and the JSON API. Handlers are thin: they
//! parse, call `domain`, `accounts` or `db`, and render.

pub mod api;
pub mod audit;
pub mod auth;
pub mod client;
pub mod errors;
pub mod headers;
pub mod hr;
pub mod limits;
pub mod logging;
pub mod openapi;
pub mod ops;
pub mod page;
pub mod public;
pub mod respond;
pub mod routes;
pub mod schedule;
pub mod share;
pub mod staff;
pub mod timeouts;
pub mod vpo;

use std::sync::Arc;

use crate::config::Settings;
use crate::db::Db;
use crate::db::accounts::{self, Membership};
use crate::domain::UserId;
use crate::error::AppError;

/// What every handler may reach: storage, settings and in-memory limits. No globals.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub settings: Arc<Settings>,
    /// Failed logins.
    pub login_limits: Arc<limits::LoginLimits>,
    /// Failed look-ups of invitation tokens and codes.
    pub lookup_limits: Arc<limits::LookupLimits>,
    /// Failed look-ups of share links.
    pub share_limits: Arc<limits::LookupLimits>,
    /// The questionnaires this instance offers.
    pub catalog: Arc<crate::catalog::Catalog>,
    /// The secret of the one-time setup link, while the instance has no owner.
    pub setup_token: Option<Arc<str>>,
}

impl AppState {
    /// The organisations where `user` holds roles, by name.
    pub async fn memberships_of(&self, user: &UserId) -> Result<Vec<Membership>, AppError> {
        let user = user.clone();
        self.db
            .run(move |conn| accounts::memberships_of(conn, &user).map_err(AppError::from))
            .await
    }
}
