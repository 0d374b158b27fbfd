//! `/api/v1/questionnaires`: the questionnaires HR can start a survey round with.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::catalog::CatalogEntry;
use crate::domain::questionnaire::CategoryKind;
use crate::error::AppError;
use crate::error::Refusals;
use crate::http::AppState;
use crate::http::auth::Member;

type ProblemDoc = crate::error::Problem;

#[derive(Serialize, ToSchema)]
pub struct CategorySummary {
    pub id: String,
    pub name: BTreeMap<String, String>,
    #[schema(value_type = String, example = "behaviour")]
    pub kind: CategoryKind,
    /// Scored and self-label items in this category.
    pub items: usize,
}

#[derive(Serialize, ToSchema)]
pub struct QuestionnaireSummary {
    pub id: String,
    pub version: String,
    /// SHA-256 of the file's text.
    pub digest: String,
    pub languages: Vec<String>,
    pub title: BTreeMap<String, String>,
    pub reference_period_months: u32,
    pub categories: Vec<CategorySummary>,
}

impl From<&CatalogEntry> for QuestionnaireSummary {
    fn from(entry: &CatalogEntry) -> Self {
        let q = &entry.questionnaire;
        QuestionnaireSummary {
            id: q.id.clone(),
            version: q.version.clone(),
            digest: entry.digest.clone(),
            languages: q.languages.clone(),
            title: q.title.clone(),
            reference_period_months: q.reference_period_months,
            categories: q
                .categories
                .iter()
                .map(|c| CategorySummary {
                    id: c.id.clone(),
                    name: c.name.clone(),
                    kind: c.kind,
                    items: q.items_of(&c.id).count(),
                })
                .collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct QuestionnaireDetail {
    #[serde(flatten)]
    pub summary: QuestionnaireSummary,
    /// The checked definition: scales, sources, categories with their settings, items.
    #[schema(value_type = Object)]
    pub definition: serde_json::Value,
}

/// The questionnaires available to this organisation.
#[utoipa::path(get, path = "/api/v1/questionnaires", tag = "questionnaires",
    params(crate::http::openapi::OrganisationHeader),
    responses(
        (status = 200, description = "Available questionnaires", body = Vec<QuestionnaireSummary>),
        Refusals,
    ))]
pub async fn list_questionnaires(state: web::Data<AppState>, _member: Member) -> HttpResponse {
    let all: Vec<QuestionnaireSummary> = state
        .catalog
        .entries()
        .iter()
        .map(QuestionnaireSummary::from)
        .collect();
    HttpResponse::Ok().json(all)
}

/// One questionnaire's full definition.
#[utoipa::path(get, path = "/api/v1/questionnaires/{id}", tag = "questionnaires",
    params(crate::http::openapi::OrganisationHeader, ("id" = String, Path, description = "Questionnaire id")),
    responses(
        (status = 200, description = "The definition", body = QuestionnaireDetail),
        Refusals,
        (status = 404, description = "No such questionnaire", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn get_questionnaire(
    state: web::Data<AppState>,
    _member: Member,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let entry = state
        .catalog
        .get(&path)
        .ok_or_else(|| AppError::NotFound("no such questionnaire".into()))?;
    let definition = serde_json::to_value(&entry.questionnaire)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(HttpResponse::Ok().json(QuestionnaireDetail {
        summary: QuestionnaireSummary::from(entry),
        definition,
    }))
}
