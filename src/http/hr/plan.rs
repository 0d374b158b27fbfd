//! The plan pages: the plan (HR, the works council, the prevention officer), a round's
//! suggestions and one item's form (HR), sign-off (a second account), and the history.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use validator::Validate;

use crate::calendar::today;
use crate::db::plan as store;
use crate::domain::Role;
use crate::domain::measures::StrategyLevel;
use crate::domain::plan::{ItemStatus, progress, verify_chain};
use crate::error::AppError;
use crate::http::api::plan::ItemChanges;
use crate::http::page::{OrgPage, see_other};
use crate::http::routes::PLAN_SIGNERS;
use crate::i18n::Lang;
use crate::plan::accounts;
use crate::plan::{Choice, HandMade, Signal};
use crate::render::pages::html;
use crate::render::plan::{
    HistoryPage, HistoryRow, ItemPage, PlanFacts, PlanPage, SuggestionsPage,
};

/// What went wrong, in the page's language; errors that are no user mistake pass through.
fn messages(lang: Lang, error: AppError) -> Result<Vec<String>, AppError> {
    Ok(match error {
        AppError::Validation(fields) => fields
            .iter()
            .map(|f| lang.t(&format!("plan.errors.{}", f.field)).into_owned())
            .collect(),
        AppError::Forbidden(_) => vec![lang.t("plan.errors.same_account").into_owned()],
        AppError::Conflict(_) => vec![lang.t("plan.errors.conflict").into_owned()],
        other => return Err(other),
    })
}

#[derive(Deserialize)]
pub struct YearQuery {
    year: Option<i32>,
}

async fn render_plan(
    page: &OrgPage,
    status: StatusCode,
    year: Option<i32>,
    errors: Vec<String>,
) -> Result<HttpResponse, AppError> {
    let organisation = page.organisation.clone();
    let state = page.state.clone();
    let today = today();
    let year = year
        .filter(|y| (2000..=9999).contains(y))
        .unwrap_or(chrono::Datelike::year(&today));
    let roles = page.principal.roles;
    let viewer = page.principal.user.email.to_string();
    let chrome = page.chrome();
    let view = page
        .state
        .db
        .run(move |conn| -> Result<_, AppError> {
            let items = store::list(conn, &organisation)?;
            let missing = crate::plan::missing_risks(conn, &state.catalog, &organisation, &items)?;
            let history = store::history(conn, &organisation)?;
            let chain = verify_chain(history.iter().map(|e| (&e.change, e.hash.as_str())))
                .map_err(|i| history[i].seq);
            let changes: Vec<_> = history.into_iter().map(|e| e.change).collect();
            let tree = crate::db::units::tree(conn, &organisation)?;
            let units = tree
                .in_path_order()
                .into_iter()
                .map(|u| (u.id.to_string(), tree.path_text(&u.id)))
                .collect();
            let accounts = accounts(conn, &organisation)?;
            let facts = PlanFacts {
                catalog: &state.catalog,
                items,
                missing,
                progress: progress(&changes, year, today),
                accounts: &accounts,
                chain,
                units,
                today,
                viewer: &viewer,
                can_edit: roles.contains(Role::Hr),
                can_sign: roles.intersects(PLAN_SIGNERS),
            };
            Ok(PlanPage::new(chrome, facts, errors))
        })
        .await?;
    Ok(html(status, &view))
}

pub async fn show_plan(
    page: OrgPage,
    query: web::Query<YearQuery>,
) -> Result<HttpResponse, AppError> {
    render_plan(&page, StatusCode::OK, query.year, vec![]).await
}

pub async fn show_history(page: OrgPage) -> Result<HttpResponse, AppError> {
    let organisation = page.organisation.clone();
    let entries = page
        .state
        .db
        .run(move |conn| store::history(conn, &organisation).map_err(AppError::from))
        .await?;
    let verdict = verify_chain(entries.iter().map(|e| (&e.change, e.hash.as_str())));
    let absent = || "—".to_owned();
    Ok(html(
        StatusCode::OK,
        &HistoryPage {
            chrome: page.chrome(),
            intact: verdict.is_ok(),
            broken_at: verdict.as_ref().err().map(|&i| entries[i].seq),
            head: verdict.unwrap_or_default(),
            entries: entries
                .into_iter()
                .map(|e| HistoryRow {
                    seq: e.seq,
                    at: e.change.at,
                    who: e.change.who,
                    item_id: e.change.item_id,
                    field: e.change.field,
                    old: e.change.old.unwrap_or_else(absent),
                    new: e.change.new.unwrap_or_else(absent),
                })
                .collect(),
        },
    ))
}

pub async fn show_suggestions(
    page: OrgPage,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let organisation = page.organisation.clone();
    let state = page.state.clone();
    let id = path.into_inner();
    let chrome = page.chrome();
    let view = page
        .state
        .db
        .run(move |conn| -> Result<_, AppError> {
            let (row, q, results) = crate::results::closed_round(conn, &organisation, &id)?;
            let suggestions = crate::domain::plan::suggest(&q, state.catalog.measures(), &results);
            Ok(SuggestionsPage::new(
                chrome,
                &state.catalog,
                row.id,
                row.name,
                &suggestions,
            ))
        })
        .await?;
    Ok(html(StatusCode::OK, &view))
}

/// A new item: a suggestion accepted (`round_id` and `measure_id`), or one made by hand.
#[derive(Deserialize)]
pub struct AddForm {
    category: String,
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    round_id: String,
    #[serde(default)]
    measure_id: String,
    #[serde(default)]
    measure: String,
    level: Option<StrategyLevel>,
    #[serde(default)]
    priority: String,
    signal: Option<Signal>,
}

pub async fn add_item(page: OrgPage, form: web::Form<AddForm>) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let organisation = page.organisation.clone();
    let state = page.state.clone();
    let who = page.principal.user.email.to_string();
    let lang = page.lang;
    let created = page
        .state
        .db
        .run(move |conn| -> Result<_, AppError> {
            let unit_id = Some(form.unit_id.as_str()).filter(|u| !u.is_empty());
            let item = if form.round_id.is_empty() {
                let priority = form
                    .priority
                    .trim()
                    .parse()
                    .ok()
                    .filter(|p| (1..=5).contains(p));
                let (Some(level), Some(priority)) = (form.level, priority) else {
                    return Err(AppError::field("priority", "a Fine & Kinney class, 1 to 5"));
                };
                let made = HandMade {
                    category: &form.category,
                    unit_id,
                    measure: &form.measure,
                    level,
                    priority,
                    signal: form
                        .signal
                        .filter(|s| *s != Signal::Round)
                        .unwrap_or(Signal::Manual),
                };
                if form.measure.trim().is_empty() {
                    return Err(AppError::field("measure", "say what the measure is"));
                }
                crate::plan::by_hand(conn, &state.catalog, &organisation, made)?
            } else {
                let choice = Choice {
                    round_id: &form.round_id,
                    category: &form.category,
                    unit_id,
                    measure_id: &form.measure_id,
                    lang,
                };
                crate::plan::accept_suggestion(conn, &state.catalog, &organisation, choice)?
            };
            store::create(conn, &item, &who)?;
            Ok(item.id)
        })
        .await;
    match created {
        Ok(id) => Ok(see_other(&format!("/plan/items/{id}"))),
        Err(error) => {
            let errors = messages(lang, error)?;
            render_plan(&page, StatusCode::UNPROCESSABLE_ENTITY, None, errors).await
        }
    }
}

async fn render_item(
    page: &OrgPage,
    id: String,
    status: StatusCode,
    errors: Vec<String>,
) -> Result<HttpResponse, AppError> {
    let organisation = page.organisation.clone();
    let state = page.state.clone();
    let chrome = page.chrome();
    let view = page
        .state
        .db
        .run(move |conn| -> Result<_, AppError> {
            let item = store::get(conn, &organisation, &id)?
                .ok_or_else(|| AppError::NotFound("no such plan item".into()))?;
            let accounts = accounts(conn, &organisation)?;
            Ok(ItemPage::new(
                chrome,
                &state.catalog,
                &item,
                &accounts,
                errors,
            ))
        })
        .await?;
    Ok(html(status, &view))
}

pub async fn show_item(page: OrgPage, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    render_item(&page, path.into_inner(), StatusCode::OK, vec![]).await
}

/// The item's form: every field is sent; an empty text clears, an empty date keeps.
#[derive(Deserialize)]
pub struct ItemForm {
    measure: String,
    #[serde(default)]
    owner_user_id: String,
    #[serde(default)]
    owner_name: String,
    #[serde(default)]
    owner_email: String,
    #[serde(default)]
    owner_role: String,
    #[serde(default)]
    start_date: String,
    #[serde(default)]
    deadline: String,
    #[serde(default)]
    budget: String,
    status: ItemStatus,
    #[serde(default)]
    note: String,
    #[serde(default)]
    residual_risk: String,
    #[serde(default)]
    evaluation_date: String,
}

impl ItemForm {
    /// The form as API changes; a date that does not parse names its field.
    fn changes(self) -> Result<ItemChanges, AppError> {
        let date = |field: &str, raw: &str| match raw.trim() {
            "" => Ok(None),
            text => text
                .parse()
                .map(Some)
                .map_err(|_| AppError::field(field, "a date as YYYY-MM-DD")),
        };
        // Choosing an account replaces an owner outside psa.
        let account = !self.owner_user_id.is_empty();
        let outside = |text: String| if account { String::new() } else { text };
        Ok(ItemChanges {
            start_date: date("start_date", &self.start_date)?,
            deadline: date("deadline", &self.deadline)?,
            evaluation_date: date("evaluation_date", &self.evaluation_date)?,
            measure: Some(self.measure),
            owner_name: Some(outside(self.owner_name)),
            owner_email: Some(outside(self.owner_email)).filter(|e| !e.is_empty()),
            owner_user_id: Some(self.owner_user_id),
            owner_role: Some(self.owner_role),
            budget: Some(self.budget),
            status: Some(self.status),
            note: Some(self.note),
            residual_risk: Some(self.residual_risk),
        })
    }
}

pub async fn change_item(
    page: OrgPage,
    path: web::Path<String>,
    form: web::Form<ItemForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let organisation = page.organisation.clone();
    let who = page.principal.user.email.to_string();
    let changes = form.into_inner().changes().and_then(|changes| {
        changes.validate()?;
        Ok(changes)
    });
    let item_id = id.clone();
    let result = match changes {
        Ok(changes) => {
            page.state
                .db
                .run(move |conn| -> Result<_, AppError> {
                    crate::plan::edit(conn, &organisation, &item_id, changes.into(), &who)
                })
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/plan#item-{id}"))),
        Err(error) => {
            let errors = messages(page.lang, error)?;
            render_item(&page, id, StatusCode::UNPROCESSABLE_ENTITY, errors).await
        }
    }
}

#[derive(Deserialize)]
pub struct SignOffForm {
    approve: bool,
}

pub async fn sign_off_item(
    page: OrgPage,
    path: web::Path<String>,
    form: web::Form<SignOffForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let organisation = page.organisation.clone();
    let who = page.principal.user.email.to_string();
    let approve = form.approve;
    let item_id = id.clone();
    let result = page
        .state
        .db
        .run(move |conn| crate::plan::sign_off(conn, &organisation, &item_id, approve, &who))
        .await;
    match result {
        Ok(_) => Ok(see_other(&format!("/plan#item-{id}"))),
        Err(error) => {
            let errors = messages(page.lang, error)?;
            render_plan(&page, StatusCode::CONFLICT, None, errors).await
        }
    }
}
