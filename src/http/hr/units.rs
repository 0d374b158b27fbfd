//! The units page: the tree, adding, renaming, deleting and importing units.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::domain::UnitId;
use crate::domain::unit::parse_unit_csv;
use crate::error::AppError;
use crate::http::api::units::{self as unit_ops, NewUnit, UnitChanges};
use crate::http::page::{OrgPage, see_other};
use crate::render::pages::{UnitsPage, html};

async fn render(
    page: &OrgPage,
    status: StatusCode,
    errors: Vec<String>,
    csv: String,
) -> Result<HttpResponse, AppError> {
    let units = unit_ops::list(&page.state, page.organisation.clone()).await?;
    Ok(html(
        status,
        &UnitsPage {
            chrome: page.chrome(),
            units,
            errors,
            csv,
        },
    ))
}

/// Back to the list when it worked; the page again with the problems when it did not.
async fn outcome(page: &OrgPage, result: Result<(), AppError>) -> Result<HttpResponse, AppError> {
    let lang = page.lang;
    let errors = match result {
        Ok(()) => return Ok(see_other("/units")),
        Err(AppError::Validation(fields)) => fields
            .iter()
            .map(|f| lang.t(&format!("units.errors.{}", f.field)).into_owned())
            .collect(),
        Err(AppError::Conflict(_)) => vec![lang.t("units.errors.has_children").into_owned()],
        Err(other) => return Err(other),
    };
    render(
        page,
        StatusCode::UNPROCESSABLE_ENTITY,
        errors,
        String::new(),
    )
    .await
}

pub async fn show_units(page: OrgPage) -> Result<HttpResponse, AppError> {
    render(&page, StatusCode::OK, vec![], String::new()).await
}

#[derive(Deserialize)]
pub struct UnitForm {
    name: String,
    #[serde(default)]
    parent_id: String,
    #[serde(default)]
    headcount: String,
}

/// An empty field means "none"; text that is no number becomes an impossible count, so that
/// validation names the field.
fn headcount_field(raw: &str) -> Option<i64> {
    let raw = raw.trim();
    (!raw.is_empty()).then(|| raw.parse().unwrap_or(-1))
}

pub async fn add_unit(page: OrgPage, form: web::Form<UnitForm>) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let body = NewUnit {
        name: form.name,
        parent_id: Some(form.parent_id).filter(|p| !p.is_empty()),
        headcount: headcount_field(&form.headcount),
    };
    let result = unit_ops::create(&page.state, page.organisation.clone(), body).await;
    outcome(&page, result.map(drop)).await
}

pub async fn change_unit(
    page: OrgPage,
    path: web::Path<String>,
    form: web::Form<UnitForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let body = UnitChanges {
        name: Some(form.name),
        parent_id: None,
        headcount: headcount_field(&form.headcount),
    };
    let id = UnitId::new(path.into_inner());
    let result = unit_ops::update(&page.state, page.organisation.clone(), id, body).await;
    outcome(&page, result.map(drop)).await
}

pub async fn remove_unit(page: OrgPage, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let id = UnitId::new(path.into_inner());
    let result = unit_ops::delete(&page.state, page.organisation.clone(), id).await;
    outcome(&page, result).await
}

#[derive(Deserialize)]
pub struct ImportForm {
    csv: String,
}

pub async fn import_units(
    page: OrgPage,
    form: web::Form<ImportForm>,
) -> Result<HttpResponse, AppError> {
    let csv = form.into_inner().csv;
    let lang = page.lang;
    // Checked here too, so that each bad row is shown in the page's language.
    if let Err(rows) = parse_unit_csv(csv.as_bytes()) {
        let errors = rows
            .iter()
            .map(|row| {
                let (key, args) = row.problem.text_key();
                let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
                let line = row.line.to_string();
                let problem = lang.t_with(key, &args);
                lang.t_with(
                    "units.import.line",
                    &[("line", &line), ("problem", &problem)],
                )
            })
            .collect();
        return render(&page, StatusCode::UNPROCESSABLE_ENTITY, errors, csv).await;
    }
    unit_ops::import(&page.state, page.organisation.clone(), csv.as_bytes()).await?;
    Ok(see_other("/units"))
}
