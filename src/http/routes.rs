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

use super::{api, audit, auth, hr, ops, public, respond, share, staff, vpo};
use crate::domain::{Role, RoleSet};

/// Who a route is for, which decides how refusals look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// HTML for people: refusals redirect to `/login` or show an error page.
    Page,
    /// JSON for programs: refusals are problem documents.
    Api,
    /// Employees answering a round: the link's token is the credential; no session, no CSRF.
    Respondent,
    /// Anyone checking public material (an export's signature): HTML, no session, and no CSRF,
    /// since nothing they send changes anything.
    Visitor,
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
pub const HR: RoleSet = RoleSet::of(&[Role::Hr]);
/// Who may read a closed round's anonymised results.
pub const RESULT_READERS: RoleSet = RoleSet::of(&[Role::Hr, Role::Council]);
/// Who may read the plan of action (ARCHITECTURE.md: HR edits, the works council and the
/// prevention officer read).
pub const PLAN_READERS: RoleSet = RoleSet::of(&[Role::Hr, Role::Council, Role::Prevention]);
/// Who may sign off a plan item that another account reported done.
pub const PLAN_SIGNERS: RoleSet = RoleSet::of(&[Role::Hr, Role::Prevention]);
/// Who may read the log of link hand-outs (DOMAIN.md section 6).
pub const HANDOUT_READERS: RoleSet = RoleSet::of(&[Role::Hr, Role::Council, Role::Vpo]);
/// Who may fetch stored exports: HR, and an inspector only for the rounds shared with their
/// account (checked in the handler, `api::shares::RoundAccess`).
pub const EXPORT_READERS: RoleSet = RoleSet::of(&[Role::Hr, Role::Inspector]);
/// The confidential counsellors: the only role that reaches a case (DOMAIN.md section 8).
pub const VPO: RoleSet = RoleSet::of(&[Role::Vpo]);
/// Inspector accounts: their page of the rounds shared with them.
pub const INSPECTORS: RoleSet = RoleSet::of(&[Role::Inspector]);
/// Who may fetch charts: the result readers, and an inspector only for shared rounds (as above).
pub const CHART_READERS: RoleSet = RoleSet::of(&[Role::Hr, Role::Council, Role::Inspector]);
/// Who keeps the profiles of the confidential counsellors that employees see (DOMAIN.md
/// section 8): the organisation's admin and the counsellors themselves.
pub const COUNSELLOR_EDITORS: RoleSet = RoleSet::of(&[Role::Admin, Role::Vpo]);

/// One entry of the route table.
pub struct RouteSpec {
    pub method: Method,
    pub path: &'static str,
    pub audience: Audience,
    pub access: Access,
    /// The handler's name (`open_round`), which names the action in the audit log.
    pub action: &'static str,
    handler: fn() -> actix_web::Route,
}

impl RouteSpec {
    /// Where this route's changes are recorded in the audit log, if it makes any: every staff
    /// route that may change data, except the counsellor's own (their case work goes to the VPO
    /// access log alone) and the session's own (logging out, switching organisation).
    pub fn audit_scope(&self) -> Option<audit::Scope> {
        if !auth::is_state_changing(&self.method)
            || !matches!(self.audience, Audience::Page | Audience::Api)
        {
            return None;
        }
        match self.access {
            Access::Owner => Some(audit::Scope::Instance),
            Access::Members(roles) if roles != VPO => Some(audit::Scope::Organisation),
            Access::Members(_) | Access::Public | Access::Staff => None,
        }
    }
}

/// The last segment of a handler's path: `api::rounds::open_round` → `open_round`.
const fn last_segment(path: &'static str) -> &'static str {
    let bytes = path.as_bytes();
    let mut start = bytes.len();
    while start > 0 && bytes[start - 1] != b':' && bytes[start - 1] != b' ' {
        start -= 1;
    }
    let (_, name) = path.split_at(start);
    name
}

/// Builds the table from lines of `METHOD "path" Audience access => handler;`.
macro_rules! routes {
    ($($method:ident $path:literal $audience:ident $access:expr => $handler:path;)*) => {
        vec![$(RouteSpec {
            method: Method::$method,
            path: $path,
            audience: Audience::$audience,
            access: $access,
            action: last_segment(stringify!($handler)),
            handler: || web::route().to($handler),
        },)*]
    };
}

/// Every route psa serves.
pub fn table() -> Vec<RouteSpec> {
    use Access::*;
    routes! {
        GET "/healthz" Api Public => ops::healthz;
        GET "/readyz" Api Public => ops::readyz;
        GET "/static/psa.css" Page Public => ops::stylesheet;
        GET "/api/v1/openapi.json" Api Public => super::openapi::openapi_json;
        GET "/api/v1/signing-key" Api Public => api::exports::get_signing_keys;
        // Pages.
        GET "/" Page Staff => staff::home::show_home;
        GET "/login" Page Public => staff::login::show_login;
        POST "/login" Page Public => staff::login::log_in;
        POST "/logout" Page Staff => staff::login::log_out;
        GET "/setup" Page Public => staff::setup::show_setup;
        POST "/setup" Page Public => staff::setup::set_up;
        POST "/organisation/switch" Page Staff => staff::home::switch_organisation;
        GET "/units" Page Members(HR) => hr::units::show_units;
        POST "/units" Page Members(HR) => hr::units::add_unit;
        POST "/units/import" Page Members(HR) => hr::units::import_units;
        POST "/units/{id}" Page Members(HR) => hr::units::change_unit;
        POST "/units/{id}/delete" Page Members(HR) => hr::units::remove_unit;
        GET "/rounds" Page Members(HR) => hr::rounds::show_rounds;
        POST "/rounds" Page Members(HR) => hr::rounds::add_round;
        GET "/rounds/{id}" Page Members(HR) => hr::rounds::show_round;
        POST "/rounds/{id}/open" Page Members(HR) => hr::rounds::open_round;
        POST "/rounds/{id}/close" Page Members(HR) => hr::rounds::close_round;
        POST "/rounds/{id}/invitations" Page Members(HR) => hr::rounds::download_invitations;
        POST "/rounds/{id}/exports" Page Members(HR) => hr::rounds::make_export;
        GET "/plan" Page Members(PLAN_READERS) => hr::plan::show_plan;
        GET "/plan/history" Page Members(PLAN_READERS) => hr::plan::show_history;
        POST "/plan/items" Page Members(HR) => hr::plan::add_item;
        GET "/plan/items/{id}" Page Members(HR) => hr::plan::show_item;
        POST "/plan/items/{id}" Page Members(HR) => hr::plan::change_item;
        POST "/plan/items/{id}/sign-off" Page Members(PLAN_SIGNERS) => hr::plan::sign_off_item;
        GET "/rounds/{id}/suggestions" Page Members(HR) => hr::plan::show_suggestions;
        GET "/results" Page Members(RESULT_READERS) => hr::results::show_results_index;
        GET "/rounds/{id}/results" Page Members(RESULT_READERS) => hr::results::show_results;
        POST "/rounds/{id}/shares" Page Members(HR) => hr::shares::add_share;
        POST "/shares/{id}/revoke" Page Members(HR) => hr::shares::revoke_share;
        GET "/access-log" Page Members(HR) => hr::shares::show_access_log;
        GET "/audit-log" Page Members(ADMIN) => staff::audit::show_audit_log;
        GET "/vpo" Page Members(VPO) => vpo::show_cases;
        POST "/vpo/cases" Page Members(VPO) => vpo::open_case;
        GET "/vpo/cases/{id}" Page Members(VPO) => vpo::show_case;
        POST "/vpo/cases/{id}" Page Members(VPO) => vpo::change_case;
        POST "/vpo/cases/{id}/notes" Page Members(VPO) => vpo::add_note;
        POST "/vpo/cases/{id}/handover" Page Members(VPO) => vpo::hand_over;
        GET "/shared" Page Members(INSPECTORS) => share::account::show_shared_rounds;
        // Employees answering, and the organisation's public pages.
        GET "/verify" Page Public => public::verify::show_verify;
        POST "/verify" Visitor Public => public::verify::check_file;
        GET "/s" Respondent Public => respond::show_code_form;
        POST "/s" Respondent Public => respond::enter_code;
        GET "/s/{token}" Respondent Public => respond::show_intro;
        POST "/s/{token}" Respondent Public => respond::take_step;
        GET "/o/{public_id}/vpo-info" Respondent Public => respond::vpo::show_info;
        GET "/o/{public_id}/counsellors/{id}/photo" Respondent Public => respond::vpo::show_photo;
        // Outsiders with a share link: the link's secret is the credential.
        GET "/inspect/{share}" Page Public => share::inspect::show_exports;
        GET "/inspect/{share}/files/{file}" Page Public => share::inspect::download_file;
        GET "/read/{share}" Page Public => share::read::show_summary;
        // The JSON API.
        GET "/api/v1/me" Api Staff => api::me::get_me;
        GET "/api/v1/organisations" Api Owner => api::organisations::list_organisations;
        POST "/api/v1/organisations" Api Owner => api::organisations::create_organisation;
        POST "/api/v1/organisations/{id}/admins" Api Owner => api::organisations::add_organisation_admin;
        GET "/api/v1/organisation" Api Members(ANY_ROLE) => api::organisation::get_organisation;
        PATCH "/api/v1/organisation" Api Members(ADMIN) => api::organisation::update_organisation;
        GET "/api/v1/members" Api Members(ADMIN) => api::members::list_members;
        POST "/api/v1/members" Api Members(ADMIN) => api::members::add_member;
        DELETE "/api/v1/members/{user_id}/roles/{role}" Api Members(ADMIN) => api::members::remove_role;
        GET "/api/v1/questionnaires" Api Members(HR) => api::questionnaires::list_questionnaires;
        GET "/api/v1/questionnaires/{id}" Api Members(HR) => api::questionnaires::get_questionnaire;
        GET "/api/v1/units" Api Members(HR) => api::units::list_units;
        POST "/api/v1/units" Api Members(HR) => api::units::create_unit;
        POST "/api/v1/units/import" Api Members(HR) => api::units::import_units;
        PATCH "/api/v1/units/{id}" Api Members(HR) => api::units::update_unit;
        DELETE "/api/v1/units/{id}" Api Members(HR) => api::units::delete_unit;
        GET "/api/v1/rounds" Api Members(HR) => api::rounds::list_rounds;
        POST "/api/v1/rounds" Api Members(HR) => api::rounds::create_round;
        GET "/api/v1/rounds/{id}" Api Members(HR) => api::rounds::get_round;
        POST "/api/v1/rounds/{id}/open" Api Members(HR) => api::rounds::open_round;
        POST "/api/v1/rounds/{id}/close" Api Members(HR) => api::rounds::close_round;
        POST "/api/v1/rounds/{id}/invitations" Api Members(HR) => api::rounds::create_invitations;
        GET "/api/v1/rounds/{id}/progress" Api Members(HR) => api::rounds::get_progress;
        GET "/api/v1/rounds/{id}/handouts" Api Members(HANDOUT_READERS) => api::rounds::list_handouts;
        GET "/api/v1/rounds/{id}/results" Api Members(RESULT_READERS) => api::rounds::get_results;
        GET "/api/v1/rounds/{id}/vpo-reports" Api Members(RESULT_READERS) => api::rounds::get_vpo_reports;
        GET "/api/v1/rounds/{id}/suggestions" Api Members(HR) => api::rounds::get_suggestions;
        GET "/api/v1/rounds/{id}/charts/{chart}" Api Members(CHART_READERS) => api::rounds::get_chart;
        GET "/api/v1/plan" Api Members(PLAN_READERS) => api::plan::get_plan;
        POST "/api/v1/plan/items" Api Members(HR) => api::plan::create_item;
        PATCH "/api/v1/plan/items/{id}" Api Members(HR) => api::plan::update_item;
        POST "/api/v1/plan/items/{id}/sign-off" Api Members(PLAN_SIGNERS) => api::plan::sign_off_item;
        GET "/api/v1/plan/progress" Api Members(PLAN_READERS) => api::plan::get_progress;
        GET "/api/v1/plan/history" Api Members(PLAN_READERS) => api::plan::get_history;
        POST "/api/v1/rounds/{id}/exports" Api Members(HR) => api::exports::create_export;
        GET "/api/v1/rounds/{id}/exports" Api Members(EXPORT_READERS) => api::exports::list_exports;
        GET "/api/v1/exports/{file}" Api Members(EXPORT_READERS) => api::exports::get_export_file;
        GET "/api/v1/shares" Api Members(HR) => api::shares::list_shares;
        POST "/api/v1/shares" Api Members(HR) => api::shares::create_share;
        DELETE "/api/v1/shares/{id}" Api Members(HR) => api::shares::revoke_share;
        GET "/api/v1/access-log" Api Members(HR) => api::shares::get_access_log;
        GET "/api/v1/audit-log" Api Members(ADMIN) => api::audit::get_audit_log;
        GET "/api/v1/instance/audit-log" Api Owner => api::audit::get_instance_audit_log;
        GET "/api/v1/policy-checklist" Api Members(PLAN_READERS) => api::policy::get_checklist;
        PUT "/api/v1/policy-checklist/{topic}" Api Members(HR) => api::policy::answer_topic;
        GET "/api/v1/rounds/{id}/approval" Api Members(PLAN_READERS) => api::policy::get_approval;
        PUT "/api/v1/rounds/{id}/consent" Api Members(HR) => api::policy::record_consent;
        PUT "/api/v1/rounds/{id}/review" Api Members(HR) => api::policy::record_review;
        PUT "/api/v1/rounds/{id}/review/report" Api Members(HR) => api::policy::attach_report;
        GET "/api/v1/rounds/{id}/review/report" Api Members(PLAN_READERS) => api::policy::get_report;
        GET "/api/v1/vpo/cases" Api Members(VPO) => api::vpo::list_cases;
        POST "/api/v1/vpo/cases" Api Members(VPO) => api::vpo::create_case;
        GET "/api/v1/vpo/cases/{id}" Api Members(VPO) => api::vpo::get_case;
        PATCH "/api/v1/vpo/cases/{id}" Api Members(VPO) => api::vpo::update_case;
        POST "/api/v1/vpo/cases/{id}/notes" Api Members(VPO) => api::vpo::add_note;
        POST "/api/v1/vpo/cases/{id}/handover" Api Members(VPO) => api::vpo::hand_over_case;
        GET "/api/v1/vpo/statistics" Api Members(VPO) => api::vpo::get_statistics;
        GET "/api/v1/vpo/referrals" Api Members(VPO) => api::vpo::list_referrals;
        PUT "/api/v1/vpo/referrals" Api Members(VPO) => api::vpo::put_referrals;
        GET "/api/v1/vpo/access-log" Api Members(VPO) => api::vpo::get_access_log;
        GET "/api/v1/vpo/reports/{file}" Api Members(VPO) => api::vpo_reports::get_report;
        PUT "/api/v1/vpo/reports/{year}/recommendations" Api Members(VPO) => api::vpo_reports::put_recommendations;
        POST "/api/v1/vpo/reports/{year}/finalise" Api Members(VPO) => api::vpo_reports::finalise_report;
        POST "/api/v1/vpo/reports/{year}/proposals" Api Members(VPO) => api::vpo_reports::propose_item;
        // VPO retention and data-subject access requests.
        POST "/api/v1/vpo/cases/{id}/access-request" Api Members(VPO) => api::vpo::export_access_request;
        GET "/api/v1/vpo/destruction-log" Api Members(VPO) => api::vpo::get_destruction_log;
        GET "/api/v1/vpo/settings" Api Members(VPO) => api::vpo::get_settings;
        PUT "/api/v1/vpo/settings" Api Members(VPO) => api::vpo::put_settings;
        GET "/api/v1/counsellors" Api Members(COUNSELLOR_EDITORS) => api::counsellors::list_counsellors;
        POST "/api/v1/counsellors" Api Members(COUNSELLOR_EDITORS) => api::counsellors::create_counsellor;
        PATCH "/api/v1/counsellors/{id}" Api Members(COUNSELLOR_EDITORS) => api::counsellors::update_counsellor;
        DELETE "/api/v1/counsellors/{id}" Api Members(COUNSELLOR_EDITORS) => api::counsellors::delete_counsellor;
        PUT "/api/v1/counsellors/{id}/photo" Api Members(COUNSELLOR_EDITORS) => api::counsellors::put_photo;
        GET "/api/v1/counsellors/{id}/photo" Api Members(COUNSELLOR_EDITORS) => api::counsellors::get_photo;
        DELETE "/api/v1/counsellors/{id}/photo" Api Members(COUNSELLOR_EDITORS) => api::counsellors::delete_photo;
        GET "/api/v1/respond/{token}" Respondent Public => api::respond::get_questionnaire;
        POST "/api/v1/respond/{token}" Respondent Public => api::respond::submit_response;
        GET "/api/v1/tokens" Api Members(ANY_ROLE) => api::tokens::list_tokens;
        POST "/api/v1/tokens" Api Members(ANY_ROLE) => api::tokens::create_token;
        DELETE "/api/v1/tokens/{id}" Api Members(ANY_ROLE) => api::tokens::revoke_token;
    }
}

/// The access rule of each method of one path.
pub type Rules = Arc<Vec<(Method, Audience, Access)>>;

/// Registers every route of the table, each path behind `auth::enforce` with its rules.
pub fn configure(cfg: &mut web::ServiceConfig) {
    let mut by_path: BTreeMap<&'static str, Vec<RouteSpec>> = BTreeMap::new();
    for spec in table() {
        by_path.entry(spec.path).or_default().push(spec);
    }
    // The router tries resources in order, each against its pattern: the respondents' pages and
    // API, the bulk of all traffic, go first. No other pattern overlaps theirs.
    let (respondent, other): (Vec<_>, Vec<_>) = by_path
        .into_iter()
        .partition(|(_, specs)| specs.iter().all(|s| s.audience == Audience::Respondent));
    for (path, specs) in respondent.into_iter().chain(other) {
        let rules: Rules = Arc::new(
            specs
                .iter()
                .map(|s| (s.method.clone(), s.audience, s.access))
                .collect(),
        );
        let audited: Arc<Vec<audit::Audited>> = Arc::new(
            specs
                .iter()
                .filter_map(|s| {
                    s.audit_scope().map(|scope| audit::Audited {
                        method: s.method.clone(),
                        action: s.action,
                        scope,
                    })
                })
                .collect(),
        );
        let mut resource = web::resource(path);
        for spec in specs {
            resource = resource.route((spec.handler)().method(spec.method));
        }
        // `enforce` is the outer layer: the audit sees only callers it let through.
        if audited.is_empty() {
            cfg.service(resource.wrap(from_fn(move |req, next| {
                auth::enforce(req, next, Arc::clone(&rules))
            })));
        } else {
            cfg.service(
                resource
                    .wrap(from_fn(move |req, next| {
                        audit::record(req, next, Arc::clone(&audited))
                    }))
                    .wrap(from_fn(move |req, next| {
                        auth::enforce(req, next, Arc::clone(&rules))
                    })),
            );
        }
    }
}
