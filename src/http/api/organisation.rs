//! `/api/v1/organisation`: the current organisation and its settings.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::{Valid, utc};
use crate::db::organisations;
use crate::domain::{
    Headcount, Organisation, OrganisationName, OrganisationSettings, VpoThreshold,
};
use crate::error::{AppError, FieldError, Refusals};
use crate::http::AppState;
use crate::http::auth::Member;
use crate::i18n::Lang;

#[derive(Serialize, ToSchema)]
pub struct OrganisationView {
    pub id: String,
    /// Random id used in the organisation's public links.
    pub public_id: String,
    pub name: String,
    pub headcount: Option<u32>,
    pub default_language: Lang,
    /// Headcount from which a confidential counsellor is expected.
    pub vpo_threshold: u32,
    /// Whether the headcount reaches the VPO threshold.
    pub expects_vpo: bool,
    /// Whether a plan item reported done needs sign-off by a second account.
    pub plan_sign_off: bool,
    pub created_at: String,
}

impl From<&Organisation> for OrganisationView {
    fn from(o: &Organisation) -> Self {
        OrganisationView {
            id: o.id.to_string(),
            public_id: o.public_id.clone(),
            name: o.settings.name.to_string(),
            headcount: o.settings.headcount.map(Headcount::get),
            default_language: o.settings.default_language,
            vpo_threshold: o.settings.vpo_threshold.get(),
            expects_vpo: o.settings.expects_vpo(),
            plan_sign_off: o.settings.plan_sign_off,
            created_at: utc(o.created_at),
        }
    }
}

/// Settings sent to create or change an organisation; absent fields keep their value.
#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganisationFields {
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    pub name: Option<String>,
    #[validate(range(min = 1, max = 10_000_000, message = "must be between 1 and 10000000"))]
    pub headcount: Option<i64>,
    pub default_language: Option<Lang>,
    #[validate(range(min = 1, max = 100_000, message = "must be between 1 and 100000"))]
    pub vpo_threshold: Option<i64>,
    pub plan_sign_off: Option<bool>,
}

impl OrganisationFields {
    /// Applies the fields to `settings`, checking each with the domain's rules.
    pub fn apply(
        self,
        mut settings: OrganisationSettings,
    ) -> Result<OrganisationSettings, AppError> {
        let mut errors = Vec::new();
        if let Some(name) = self.name {
            match OrganisationName::parse(&name) {
                Ok(name) => settings.name = name,
                Err(e) => errors.push(FieldError::new("name", e)),
            }
        }
        if let Some(headcount) = self.headcount {
            match Headcount::new(headcount) {
                Ok(h) => settings.headcount = Some(h),
                Err(e) => errors.push(FieldError::new("headcount", e)),
            }
        }
        if let Some(lang) = self.default_language {
            settings.default_language = lang;
        }
        if let Some(threshold) = self.vpo_threshold {
            match VpoThreshold::new(threshold) {
                Ok(t) => settings.vpo_threshold = t,
                Err(e) => errors.push(FieldError::new("vpo_threshold", e)),
            }
        }
        if let Some(sign_off) = self.plan_sign_off {
            settings.plan_sign_off = sign_off;
        }
        if errors.is_empty() {
            Ok(settings)
        } else {
            Err(AppError::Validation(errors))
        }
    }
}

/// The organisation this request acts in.
#[utoipa::path(get, path = "/api/v1/organisation", tag = "organisations",
    params(crate::http::openapi::OrganisationHeader),
    responses(
        (status = 200, description = "The current organisation", body = OrganisationView),
        Refusals,
    ))]
pub async fn get_organisation(
    state: web::Data<AppState>,
    member: Member,
) -> Result<HttpResponse, AppError> {
    let organisation = load(&state, member).await?;
    Ok(HttpResponse::Ok().json(OrganisationView::from(&organisation)))
}

async fn load(state: &AppState, member: Member) -> Result<Organisation, AppError> {
    let id = member.organisation;
    state
        .db
        .run(move |conn| organisations::get(conn, &id).map_err(AppError::from))
        .await?
        .ok_or_else(|| AppError::NotFound("the organisation no longer exists".into()))
}

/// Change the current organisation's settings (admin).
#[utoipa::path(patch, path = "/api/v1/organisation", tag = "organisations",
    params(crate::http::openapi::OrganisationHeader),
    request_body = OrganisationFields,
    responses(
        (status = 200, description = "The changed organisation", body = OrganisationView),
        (status = 400, description = "Malformed body", body = crate::error::Problem, content_type = "application/problem+json"),
        Refusals,
        (status = 422, description = "Invalid fields", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_organisation(
    state: web::Data<AppState>,
    member: Member,
    Valid(fields): Valid<OrganisationFields>,
) -> Result<HttpResponse, AppError> {
    let id = member.organisation.clone();
    let current = load(&state, member).await?;
    let settings = fields.apply(current.settings)?;
    let updated = state
        .db
        .run(move |conn| -> Result<_, AppError> {
            organisations::update_settings(conn, &id, &settings).map_err(|e| {
                if e.is_unique_violation() {
                    AppError::field("name", "another organisation has this name")
                } else {
                    e.into()
                }
            })?;
            Ok(organisations::get(conn, &id)?)
        })
        .await?
        .ok_or_else(|| AppError::NotFound("the organisation no longer exists".into()))?;
    Ok(HttpResponse::Ok().json(OrganisationView::from(&updated)))
}
