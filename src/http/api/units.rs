//! `/api/v1/units`: the organisation's units, managed by HR, with CSV import.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::Valid;
use crate::db::DbError;
use crate::db::units::{self, ImportOutcome};
use crate::domain::unit::parse_unit_csv;
use crate::domain::{Headcount, OrganisationId, Unit, UnitId, UnitName, UnitTree};
use crate::error::{AppError, FieldError, Refusals};
use crate::http::AppState;
use crate::http::auth::Member;

type ProblemDoc = crate::error::Problem;

#[derive(Serialize, ToSchema)]
pub struct UnitView {
    pub id: String,
    pub parent_id: Option<String>,
    pub name: String,
    /// Names from the top, `/`-separated.
    pub path: String,
    pub headcount: Option<u32>,
}

impl UnitView {
    pub fn new(tree: &UnitTree, unit: &Unit) -> UnitView {
        UnitView {
            id: unit.id.to_string(),
            parent_id: unit.parent.as_ref().map(ToString::to_string),
            name: unit.name.to_string(),
            path: tree.path_text(&unit.id),
            headcount: unit.headcount.map(Headcount::get),
        }
    }
}

/// Every unit of the tree, in unit path order.
pub fn views(tree: &UnitTree) -> Vec<UnitView> {
    tree.in_path_order()
        .into_iter()
        .map(|u| UnitView::new(tree, u))
        .collect()
}

fn name_taken() -> AppError {
    AppError::field("name", "a unit with this name exists under the same parent")
}

fn map_unique(err: DbError) -> AppError {
    if err.is_unique_violation() {
        name_taken()
    } else {
        err.into()
    }
}

/// Runs `work` with the organisation's current unit tree, in one transaction.
async fn with_tree<T: Send + 'static>(
    state: &AppState,
    organisation: OrganisationId,
    work: impl FnOnce(&mut crate::db::DbConnection, &OrganisationId, UnitTree) -> Result<T, AppError>
    + Send
    + 'static,
) -> Result<T, AppError> {
    state
        .db
        .run(move |conn| {
            conn.write_transaction(|conn| {
                let tree = units::tree(conn, &organisation)?;
                work(conn, &organisation, tree)
            })
        })
        .await
}

/// The organisation's units.
#[utoipa::path(get, path = "/api/v1/units", tag = "units",
    params(crate::http::openapi::OrganisationHeader),
    responses(
        (status = 200, description = "Units in path order", body = Vec<UnitView>),
        Refusals,
    ))]
pub async fn list_units(
    state: web::Data<AppState>,
    member: Member,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(list(&state, member.organisation).await?))
}

/// The organisation's units in path order; shared by the API and the page.
pub async fn list(
    state: &AppState,
    organisation: OrganisationId,
) -> Result<Vec<UnitView>, AppError> {
    // One read: no transaction, so no write lock taken on SQLite.
    state
        .db
        .run(move |conn| Ok(views(&units::tree(conn, &organisation)?)))
        .await
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUnit {
    #[validate(length(min = 1, max = 100, message = "must be 1 to 100 characters"))]
    pub name: String,
    /// The parent unit; absent for a top-level unit.
    pub parent_id: Option<String>,
    #[validate(range(min = 1, max = 10_000_000, message = "must be between 1 and 10000000"))]
    pub headcount: Option<i64>,
}

fn parse_name(raw: &str) -> Result<UnitName, AppError> {
    UnitName::parse(raw).map_err(|e| AppError::field("name", e))
}

fn parse_headcount(raw: Option<i64>) -> Result<Option<Headcount>, AppError> {
    raw.map(Headcount::new)
        .transpose()
        .map_err(|e| AppError::field("headcount", e))
}

fn existing_parent(tree: &UnitTree, parent: Option<String>) -> Result<Option<UnitId>, AppError> {
    match parent.map(UnitId::new) {
        Some(id) if tree.get(&id).is_none() => Err(AppError::field("parent_id", "no such unit")),
        other => Ok(other),
    }
}

/// Add a unit.
#[utoipa::path(post, path = "/api/v1/units", tag = "units",
    params(crate::http::openapi::OrganisationHeader),
    request_body = NewUnit,
    responses(
        (status = 201, description = "Created", body = UnitView),
        (status = 400, description = "Malformed body", body = ProblemDoc, content_type = "application/problem+json"),
        Refusals,
        (status = 422, description = "Invalid fields, or a sibling has this name", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn create_unit(
    state: web::Data<AppState>,
    member: Member,
    Valid(body): Valid<NewUnit>,
) -> Result<HttpResponse, AppError> {
    let view = create(&state, member.organisation, body).await?;
    Ok(HttpResponse::Created().json(view))
}

/// Adds a unit; shared by the API and the page.
pub async fn create(
    state: &AppState,
    organisation: OrganisationId,
    body: NewUnit,
) -> Result<UnitView, AppError> {
    let name = parse_name(&body.name)?;
    let headcount = parse_headcount(body.headcount)?;
    with_tree(state, organisation, move |conn, organisation, mut tree| {
        let parent = existing_parent(&tree, body.parent_id)?;
        if tree.child(parent.as_ref(), &name).is_some() {
            return Err(name_taken());
        }
        let unit = units::create(conn, organisation, parent.as_ref(), &name, headcount)
            .map_err(map_unique)?;
        tree.insert(unit.clone());
        Ok(UnitView::new(&tree, &unit))
    })
    .await
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitChanges {
    #[validate(length(min = 1, max = 100, message = "must be 1 to 100 characters"))]
    pub name: Option<String>,
    /// Move under this unit; `null` moves to the top; absent keeps the parent.
    #[serde(default, deserialize_with = "super::present")]
    #[schema(value_type = Option<String>)]
    pub parent_id: Option<Option<String>>,
    #[validate(range(min = 1, max = 10_000_000, message = "must be between 1 and 10000000"))]
    pub headcount: Option<i64>,
}

/// Rename, move or change the headcount of a unit.
#[utoipa::path(patch, path = "/api/v1/units/{id}", tag = "units",
    params(crate::http::openapi::OrganisationHeader, ("id" = String, Path, description = "Unit id")),
    request_body = UnitChanges,
    responses(
        (status = 200, description = "The changed unit", body = UnitView),
        (status = 400, description = "Malformed body", body = ProblemDoc, content_type = "application/problem+json"),
        Refusals,
        (status = 404, description = "No such unit", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, a name in use, or a move into its own sub-unit", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn update_unit(
    state: web::Data<AppState>,
    member: Member,
    path: web::Path<String>,
    Valid(body): Valid<UnitChanges>,
) -> Result<HttpResponse, AppError> {
    let view = update(
        &state,
        member.organisation,
        UnitId::new(path.into_inner()),
        body,
    )
    .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Changes a unit; shared by the API and the page.
pub async fn update(
    state: &AppState,
    organisation: OrganisationId,
    id: UnitId,
    body: UnitChanges,
) -> Result<UnitView, AppError> {
    let name = body.name.as_deref().map(parse_name).transpose()?;
    let headcount = parse_headcount(body.headcount)?;
    with_tree(state, organisation, move |conn, organisation, mut tree| {
        let mut unit = tree
            .get(&id)
            .cloned()
            .ok_or_else(|| AppError::NotFound("no such unit".into()))?;
        if let Some(parent) = body.parent_id {
            let parent = existing_parent(&tree, parent)?;
            if parent.as_ref().is_some_and(|p| tree.is_within(p, &unit.id)) {
                return Err(AppError::field(
                    "parent_id",
                    "a unit cannot move into itself or its sub-units",
                ));
            }
            unit.parent = parent;
        }
        if let Some(name) = name {
            unit.name = name;
        }
        if headcount.is_some() {
            unit.headcount = headcount;
        }
        if tree
            .child(unit.parent.as_ref(), &unit.name)
            .is_some_and(|other| other.id != unit.id)
        {
            return Err(name_taken());
        }
        units::update(conn, organisation, &unit).map_err(map_unique)?;
        tree.insert(unit.clone());
        Ok(UnitView::new(&tree, &unit))
    })
    .await
}

/// Delete a unit that has no sub-units.
#[utoipa::path(delete, path = "/api/v1/units/{id}", tag = "units",
    params(crate::http::openapi::OrganisationHeader, ("id" = String, Path, description = "Unit id")),
    responses(
        (status = 204, description = "Deleted"),
        Refusals,
        (status = 404, description = "No such unit", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The unit has sub-units", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn delete_unit(
    state: web::Data<AppState>,
    member: Member,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    delete(&state, member.organisation, UnitId::new(path.into_inner())).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Deletes a unit without sub-units; shared by the API and the page.
pub async fn delete(
    state: &AppState,
    organisation: OrganisationId,
    id: UnitId,
) -> Result<(), AppError> {
    with_tree(state, organisation, move |conn, organisation, tree| {
        if tree.get(&id).is_none() {
            return Err(AppError::NotFound("no such unit".into()));
        }
        if tree.children(Some(&id)).next().is_some() {
            return Err(AppError::Conflict(
                "the unit has sub-units; delete or move them first".into(),
            ));
        }
        units::delete(conn, organisation, &id)?;
        Ok(())
    })
    .await
}

#[derive(Serialize, ToSchema)]
pub struct ImportResult {
    /// Units created (including missing units on the way to a row's unit).
    pub created: usize,
    /// Existing units whose headcount changed.
    pub updated: usize,
    pub units: Vec<UnitView>,
}

/// Import units from CSV: `path;headcount` a line (or with commas), the path `/`-separated from the
/// top, UTF-8 with or without BOM. Every bad row is reported with its line; nothing is stored unless
/// every row is valid.
#[utoipa::path(post, path = "/api/v1/units/import", tag = "units",
    params(crate::http::openapi::OrganisationHeader),
    request_body(content = String, content_type = "text/csv", description = "path;headcount lines"),
    responses(
        (status = 200, description = "Imported", body = ImportResult),
        Refusals,
        (status = 413, description = "File too large", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not CSV", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Bad rows, each as field `line N`", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn import_units(
    state: web::Data<AppState>,
    member: Member,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !(content_type.starts_with("text/csv") || content_type.starts_with("text/plain")) {
        return Err(AppError::UnsupportedMediaType(
            "send the file as text/csv".into(),
        ));
    }
    let (outcome, units) = import(&state, member.organisation, &body).await?;
    Ok(HttpResponse::Ok().json(ImportResult {
        created: outcome.created,
        updated: outcome.updated,
        units,
    }))
}

/// Checks and imports a unit CSV; shared by the API and the page.
pub async fn import(
    state: &AppState,
    organisation: OrganisationId,
    csv: &[u8],
) -> Result<(ImportOutcome, Vec<UnitView>), AppError> {
    let rows = parse_unit_csv(csv).map_err(|errors| {
        AppError::Validation(
            errors
                .into_iter()
                .map(|e| FieldError::new(format!("line {}", e.line), e.problem))
                .collect(),
        )
    })?;
    with_tree(state, organisation, move |conn, organisation, _| {
        let outcome = units::import(conn, organisation, &rows)?;
        let tree = units::tree(conn, organisation)?;
        Ok((outcome, views(&tree)))
    })
    .await
}
