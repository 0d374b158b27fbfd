//! The OpenAPI document of the JSON API, served at `/api/v1/openapi.json`. Every API route in
//! the route table is described here; a test keeps the two in step.

use actix_web::HttpResponse;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{api, ops};

/// Chooses among the caller's organisations (session callers); a bearer token is bound to one.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct OrganisationHeader {
    /// Id of the organisation to act in; default: the session's current one.
    #[param(rename = "X-PSA-Organisation")]
    #[allow(dead_code)]
    x_psa_organisation: Option<String>,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "psa API",
        description = "Psychosocial-risk (PSA) module of the Dutch RI&E. Errors are \
            application/problem+json (RFC 9457). Authenticate with a bearer token (`psa token \
            create`, or POST /api/v1/tokens) or a session cookie; session callers send \
            X-CSRF-Token (from GET /api/v1/me) on changes."
    ),
    paths(
        ops::healthz,
        ops::readyz,
        api::me::get_me,
        api::organisations::list_organisations,
        api::organisations::create_organisation,
        api::organisations::add_organisation_admin,
        api::organisation::get_organisation,
        api::organisation::update_organisation,
        api::members::list_members,
        api::members::add_member,
        api::members::remove_role,
        api::questionnaires::list_questionnaires,
        api::questionnaires::get_questionnaire,
        api::units::list_units,
        api::units::create_unit,
        api::units::import_units,
        api::units::update_unit,
        api::units::delete_unit,
        api::rounds::list_rounds,
        api::rounds::create_round,
        api::rounds::get_round,
        api::rounds::open_round,
        api::rounds::close_round,
        api::rounds::create_invitations,
        api::rounds::get_progress,
        api::rounds::list_handouts,
        api::rounds::get_results,
        api::rounds::get_suggestions,
        api::rounds::get_vpo_reports,
        api::rounds::get_chart,
        api::plan::get_plan,
        api::plan::create_item,
        api::plan::update_item,
        api::plan::sign_off_item,
        api::plan::get_progress,
        api::plan::get_history,
        api::exports::create_export,
        api::exports::list_exports,
        api::exports::get_export_file,
        api::exports::get_signing_keys,
        api::shares::create_share,
        api::shares::list_shares,
        api::shares::revoke_share,
        api::shares::get_access_log,
        api::policy::get_checklist,
        api::policy::answer_topic,
        api::policy::get_approval,
        api::policy::record_consent,
        api::policy::record_review,
        api::policy::attach_report,
        api::policy::get_report,
        api::vpo::list_cases,
        api::vpo::create_case,
        api::vpo::get_case,
        api::vpo::update_case,
        api::vpo::add_note,
        api::vpo::hand_over_case,
        api::vpo::get_statistics,
        api::vpo::list_referrals,
        api::vpo::put_referrals,
        api::vpo::get_access_log,
        api::vpo_reports::get_report,
        api::vpo_reports::put_recommendations,
        api::vpo_reports::finalise_report,
        api::vpo_reports::propose_item,
        // VPO retention and data-subject access requests.
        api::vpo::export_access_request,
        api::vpo::get_destruction_log,
        api::vpo::get_settings,
        api::vpo::put_settings,
        api::counsellors::list_counsellors,
        api::counsellors::create_counsellor,
        api::counsellors::update_counsellor,
        api::counsellors::delete_counsellor,
        api::counsellors::put_photo,
        api::counsellors::get_photo,
        api::counsellors::delete_photo,
        api::respond::get_questionnaire,
        api::respond::submit_response,
        api::tokens::list_tokens,
        api::tokens::create_token,
        api::tokens::revoke_token,
        api::audit::get_audit_log,
        api::audit::get_instance_audit_log,
    ),
    components(schemas(
        crate::domain::results::CategoryResult,
        crate::domain::results::SelfLabel,
        crate::export::document::RieExport,
    )),
    modifiers(&Security),
    security(("bearer" = []), ("session" = [])),
    tags(
        (name = "operations", description = "Health and readiness"),
        (name = "accounts", description = "The caller"),
        (name = "organisations", description = "Organisations and their settings"),
        (name = "members", description = "Accounts and roles in the current organisation"),
        (name = "questionnaires", description = "Questionnaire definitions"),
        (name = "units", description = "Organisation units"),
        (name = "rounds", description = "Survey rounds and invitations"),
        (name = "respond", description = "Answering a round, with the invitation's token or code"),
        (name = "tokens", description = "API bearer tokens"),
        (name = "plan", description = "The plan of action (plan van aanpak) and its history"),
        (name = "exports", description = "The RI&E PSA export, its signatures and the keys that verify them"),
        (name = "policy", description = "The policy checklist, the works council's consent and the expert review"),
        (name = "vpo", description = "The confidential counsellor's case register, its access log, the annual figures and the anonymous annual report (vpo accounts only)"),
        (name = "counsellors", description = "The confidential counsellors (vertrouwenspersonen) shown to employees on the organisation's public information page, and their photos"),
        (name = "audit", description = "The audit log of staff changes, a hash chain per organisation (its admins) and one of the instance (the owner)"),
        (name = "shares", description = "Read-only shares of closed rounds with inspectors and employees, and the log of their accesses"),
    )
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("psa_session"))),
        );
    }
}

/// The document as JSON.
pub fn document() -> String {
    ApiDoc::openapi().to_json().unwrap_or_default()
}

pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(document())
}
