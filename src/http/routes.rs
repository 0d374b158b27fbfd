//! The route table: every path, method, audience and the roles it admits, in one list.
//!
//! Access is enforced here, for every route, before its handler runs (`auth::enforce`); tests walk
//! this same table to prove that each protected route refuses the unauthenticated and every wrong
//! role.

use std::collections::BTreeMap;
use std::sync::Arc;

use actix_web::http::Method;
use actix_web::middleware::from_fn;
use actix_web::web;

use super::{api, auth, ops, staff};
use crate::domain::{Role, RoleSet};

/// Who a route is for, which decides how refusals look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// HTML for people: refusals redirect to `/login` or show an error page.
    Page,
    /// JSON for programs: refusals are problem documents.
    Api,
}

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, without logging in.
    Public,
    /// Any logged-in account, with or without an organisation.
    Staff,
    /// The instance owner only.
    Owner,
    /// Members of the current organisation holding one of these roles.
    Members(RoleSet),
}

pub const ANY_ROLE: RoleSet = RoleSet::of(&Role::ALL);
pub const ADMIN: RoleSet = RoleSet::of(&[Role::Admin]);

/// One entry of the route table.
pub struct RouteSpec {
    pub method: Method,
    pub path: &'static str,
    pub audience: Audience,
    pub access: Access,
    handler: fn() -> actix_web::Route,
}

fn route(
    method: Method,
    path: &'static str,
    audience: Audience,
    access: Access,
    handler: fn() -> actix_web::Route,
) -> RouteSpec {
    RouteSpec {
        method,
        path,
        audience,
        access,
        handler,
    }
}

/// Every route psa serves.
pub fn table() -> Vec<RouteSpec> {
    use Access::*;
    use Audience::*;
    vec![
        route(Method::GET, "/healthz", Api, Public, || {
            web::route().to(ops::healthz)
        }),
        route(Method::GET, "/readyz", Api, Public, || {
            web::route().to(ops::readyz)
        }),
        route(Method::GET, "/static/psa.css", Page, Public, || {
            web::route().to(ops::stylesheet)
        }),
        route(Method::GET, "/api/v1/openapi.json", Api, Public, || {
            web::route().to(super::openapi::openapi_json)
        }),
        // Pages.
        route(Method::GET, "/", Page, Staff, || {
            web::route().to(staff::home::show_home)
        }),
        route(Method::GET, "/login", Page, Public, || {
            web::route().to(staff::login::show_login)
        }),
        route(Method::POST, "/login", Page, Public, || {
            web::route().to(staff::login::log_in)
        }),
        route(Method::POST, "/logout", Page, Staff, || {
            web::route().to(staff::login::log_out)
        }),
        route(Method::GET, "/setup", Page, Public, || {
            web::route().to(staff::setup::show_setup)
        }),
        route(Method::POST, "/setup", Page, Public, || {
            web::route().to(staff::setup::set_up)
        }),
        route(Method::POST, "/organisation/switch", Page, Staff, || {
            web::route().to(staff::home::switch_organisation)
        }),
        // The JSON API.
        route(Method::GET, "/api/v1/me", Api, Staff, || {
            web::route().to(api::me::get_me)
        }),
        route(Method::GET, "/api/v1/organisations", Api, Owner, || {
            web::route().to(api::organisations::list_organisations)
        }),
        route(Method::POST, "/api/v1/organisations", Api, Owner, || {
            web::route().to(api::organisations::create_organisation)
        }),
        route(
            Method::POST,
            "/api/v1/organisations/{id}/admins",
            Api,
            Owner,
            || web::route().to(api::organisations::add_organisation_admin),
        ),
        route(
            Method::GET,
            "/api/v1/organisation",
            Api,
            Members(ANY_ROLE),
            || web::route().to(api::organisation::get_organisation),
        ),
        route(
            Method::PATCH,
            "/api/v1/organisation",
            Api,
            Members(ADMIN),
            || web::route().to(api::organisation::update_organisation),
        ),
        route(Method::GET, "/api/v1/members", Api, Members(ADMIN), || {
            web::route().to(api::members::list_members)
        }),
        route(Method::POST, "/api/v1/members", Api, Members(ADMIN), || {
            web::route().to(api::members::add_member)
        }),
        route(
            Method::DELETE,
            "/api/v1/members/{user_id}/roles/{role}",
            Api,
            Members(ADMIN),
            || web::route().to(api::members::remove_role),
        ),
        route(
            Method::GET,
            "/api/v1/tokens",
            Api,
            Members(ANY_ROLE),
            || web::route().to(api::tokens::list_tokens),
        ),
        route(
            Method::POST,
            "/api/v1/tokens",
            Api,
            Members(ANY_ROLE),
            || web::route().to(api::tokens::create_token),
        ),
        route(
            Method::DELETE,
            "/api/v1/tokens/{id}",
            Api,
            Members(ANY_ROLE),
            || web::route().to(api::tokens::revoke_token),
        ),
    ]
}

/// The access rule of each method of one path.
pub type Rules = Arc<Vec<(Method, Audience, Access)>>;

/// Registers every route of the table, each path behind `auth::enforce` with its rules.
pub fn configure(cfg: &mut web::ServiceConfig) {
    let mut by_path: BTreeMap<&'static str, Vec<RouteSpec>> = BTreeMap::new();
    for spec in table() {
        by_path.entry(spec.path).or_default().push(spec);
    }
    for (path, specs) in by_path {
        let rules: Rules = Arc::new(
            specs
                .iter()
                .map(|s| (s.method.clone(), s.audience, s.access))
                .collect(),
        );
        let mut resource = web::resource(path);
        for spec in specs {
            resource = resource.route((spec.handler)().method(spec.method));
        }
        cfg.service(resource.wrap(from_fn(move |req, next| {
            auth::enforce(req, next, Arc::clone(&rules))
        })));
    }
}
