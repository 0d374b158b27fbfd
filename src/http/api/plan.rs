//! The organisation's plan of action: items that live across rounds, accepted from a round's
//! suggestions or added by hand, edited, and cancelled; every change kept in a hash chain.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::Valid;
use crate::calendar::today;
use crate::db::plan::{self as store, PlanItemRow};
use crate::domain::plan::{ItemStatus, YearProgress, progress, verify_chain};
use crate::error::{AppError, Refusals};
use crate::http::AppState;
use crate::http::auth::Member;
use crate::i18n::Lang;
use crate::plan::{Choice, Edit, HandMade, HistoryEntryView, MissingRisk, PlanItemView, Signal};

type ProblemDoc = crate::error::Problem;

#[derive(Serialize, ToSchema)]
pub struct PlanView {
    pub items: Vec<PlanItemView>,
    /// Whether every orange or red risk of the latest closed round covering each unit (per
    /// questionnaire) has an item at its scope or above that is not cancelled and has an owner
    /// and a deadline.
    pub complete: bool,
    pub missing: Vec<MissingRisk>,
    /// The hash at the head of the plan's history chain.
    pub head: String,
}

/// What raised an item added by hand.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HandSignal {
    /// A recommendation in the confidential counsellor's report.
    Vpo,
    /// The incident register.
    Incident,
    /// HR's own judgement.
    Manual,
}

impl From<HandSignal> for Signal {
    fn from(signal: HandSignal) -> Signal {
        match signal {
            HandSignal::Vpo => Signal::Vpo,
            HandSignal::Incident => Signal::Incident,
            HandSignal::Manual => Signal::Manual,
        }
    }
}

/// A new item: a suggestion of a closed round (`round_id` and `measure_id`), or one added by hand
/// (`measure`, `level`, `priority`, and what raised it).
#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewItemBody {
    #[validate(length(min = 1, max = 64))]
    pub category: String,
    /// The scope: a unit, or absent for the organisation (a round's top group).
    #[validate(length(min = 1, max = 64))]
    pub unit_id: Option<String>,
    /// Accepting a suggestion: the closed round …
    #[validate(length(min = 1, max = 64))]
    pub round_id: Option<String>,
    /// … and a measure it suggested for the risk.
    #[validate(length(min = 1, max = 64))]
    pub measure_id: Option<String>,
    /// Language of a suggested measure's text: `nl` (default) or `en`.
    pub lang: Option<Lang>,
    /// By hand: the measure.
    #[validate(length(min = 1, max = 500))]
    pub measure: Option<String>,
    pub level: Option<crate::domain::measures::StrategyLevel>,
    /// By hand: the priority as a Fine & Kinney class, 1 to 5.
    #[validate(range(min = 1, max = 5))]
    pub priority: Option<u8>,
    /// By hand: what raised it (default `manual`).
    pub signal: Option<HandSignal>,
}

/// Changes to an item; absent fields stay as they are.
#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemChanges {
    #[validate(length(min = 1, max = 500))]
    pub measure: Option<String>,
    /// The owner as an account of the organisation (its user id; empty to clear).
    #[validate(length(max = 64))]
    pub owner_user_id: Option<String>,
    #[validate(length(max = 200))]
    pub owner_name: Option<String>,
    #[validate(email)]
    pub owner_email: Option<String>,
    #[validate(length(max = 100))]
    pub owner_role: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub start_date: Option<NaiveDate>,
    #[schema(value_type = Option<String>, format = Date)]
    pub deadline: Option<NaiveDate>,
    #[validate(length(max = 100))]
    pub budget: Option<String>,
    pub status: Option<ItemStatus>,
    #[validate(length(max = 2000))]
    pub note: Option<String>,
    #[validate(length(max = 500))]
    pub residual_risk: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub evaluation_date: Option<NaiveDate>,
}

#[derive(Serialize, ToSchema)]
pub struct HistoryView {
    pub entries: Vec<HistoryEntryView>,
    /// Whether every entry follows from the one before.
    pub intact: bool,
    /// The first entry that does not (a row changed outside psa), if any.
    pub broken_at: Option<i64>,
    /// The head of the chain, when intact.
    pub head: Option<String>,
}

/// The plan: every item (overdue ones flagged), whether it is complete and what is missing, and
/// the head of its history chain.
#[utoipa::path(get, path = "/api/v1/plan", tag = "plan",
    params(crate::http::openapi::OrganisationHeader),
    responses((status = 200, description = "The plan", body = PlanView), Refusals))]
pub async fn get_plan(
    state: web::Data<AppState>,
    member: Member,
) -> Result<web::Json<PlanView>, AppError> {
    let organisation = member.organisation;
    let today = today();
    let app = state.clone();
    state
        .db
        .run(move |conn| {
            let items = store::list(conn, &organisation)?;
            let missing = crate::plan::missing_risks(conn, &app.catalog, &organisation, &items)?;
            let head = store::history(conn, &organisation)?.last().map_or_else(
                || crate::domain::plan::GENESIS.to_owned(),
                |e| e.hash.clone(),
            );
            let accounts = crate::plan::accounts(conn, &organisation)?;
            Ok(web::Json(PlanView {
                items: items
                    .into_iter()
                    .map(|row| PlanItemView::of(row, today, &accounts))
                    .collect(),
                complete: missing.is_empty(),
                missing,
                head,
            }))
        })
        .await
}

/// Adds an item: a suggested measure for a risk of a closed round (taking the risk's scope,
/// sources and class, the measure's text and level), or one added by hand; the deadline defaults
/// to the class's term counted from today.
#[utoipa::path(post, path = "/api/v1/plan/items", tag = "plan",
    params(crate::http::openapi::OrganisationHeader),
    request_body = NewItemBody,
    responses(
        (status = 201, description = "The new item", body = PlanItemView),
        (status = 422, description = "Not a suggestion of that round, or an incomplete item", body = ProblemDoc, content_type = "application/problem+json"),
        Refusals,
        (status = 404, description = "No such round", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The round is not closed", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn create_item(
    state: web::Data<AppState>,
    member: Member,
    Valid(body): Valid<NewItemBody>,
) -> Result<HttpResponse, AppError> {
    let organisation = member.organisation.clone();
    let who = member.user.email.to_string();
    let app = state.clone();
    let item = state
        .db
        .run(move |conn| {
            let item = match (&body.round_id, &body.measure_id) {
                (Some(round_id), Some(measure_id)) => crate::plan::accept_suggestion(
                    conn,
                    &app.catalog,
                    &organisation,
                    Choice {
                        round_id,
                        category: &body.category,
                        unit_id: body.unit_id.as_deref(),
                        measure_id,
                        lang: body.lang.unwrap_or_default(),
                    },
                )?,
                (None, None) => by_hand(conn, &app, &organisation, &body)?,
                _ => {
                    return Err(AppError::field(
                        "measure_id",
                        "accepting a suggestion takes both round_id and measure_id",
                    ));
                }
            };
            store::create(conn, &item, &who)?;
            Ok(item)
        })
        .await?;
    Ok(HttpResponse::Created().json(PlanItemView::of(item, today(), &BTreeMap::new())))
}

/// An item added by hand: every missing field named at once.
fn by_hand(
    conn: &mut crate::db::DbConnection,
    state: &AppState,
    organisation: &crate::domain::OrganisationId,
    body: &NewItemBody,
) -> Result<PlanItemRow, AppError> {
    use crate::error::FieldError;
    let measure = body.measure.as_deref().map(str::trim).unwrap_or_default();
    let mut errors = Vec::new();
    if crate::plan::offered_category(&state.catalog, &body.category).is_none() {
        errors.push(FieldError::new(
            "category",
            "no questionnaire has this category",
        ));
    }
    if measure.is_empty() {
        errors.push(FieldError::new("measure", "say what the measure is"));
    }
    if body.level.is_none() {
        errors.push(FieldError::new("level", "source, collective or individual"));
    }
    if body.priority.is_none() {
        errors.push(FieldError::new("priority", "a Fine & Kinney class, 1 to 5"));
    }
    let (Some(level), Some(priority), true) = (body.level, body.priority, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    crate::plan::by_hand(
        conn,
        &state.catalog,
        organisation,
        HandMade {
            category: &body.category,
            unit_id: body.unit_id.as_deref(),
            measure,
            level,
            priority,
            signal: body.signal.unwrap_or(HandSignal::Manual).into(),
        },
    )
}

/// Changes an item (owner, dates, status, note …); each changed field goes into the history.
/// Reporting it done awaits sign-off by a second account where the organisation asks for it.
#[utoipa::path(patch, path = "/api/v1/plan/items/{id}", tag = "plan",
    params(crate::http::openapi::OrganisationHeader, ("id" = String, Path, description = "Item id")),
    request_body = ItemChanges,
    responses(
        (status = 200, description = "The item as changed", body = PlanItemView),
        (status = 422, description = "Invalid changes", body = ProblemDoc, content_type = "application/problem+json"),
        Refusals,
        (status = 404, description = "No such item", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Changed by someone else meanwhile: reload and retry", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn update_item(
    state: web::Data<AppState>,
    member: Member,
    path: web::Path<String>,
    Valid(changes): Valid<ItemChanges>,
) -> Result<web::Json<PlanItemView>, AppError> {
    let organisation = member.organisation.clone();
    let who = member.user.email.to_string();
    let id = path.into_inner();
    let edit = Edit::from(changes);
    state
        .db
        .run(move |conn| {
            let item = crate::plan::edit(conn, &organisation, &id, edit, &who)?;
            Ok(web::Json(PlanItemView::of(
                item,
                today(),
                &crate::plan::accounts(conn, &organisation)?,
            )))
        })
        .await
}

impl From<ItemChanges> for Edit {
    fn from(changes: ItemChanges) -> Edit {
        Edit {
            measure: changes.measure,
            owner_user_id: changes.owner_user_id,
            owner_name: changes.owner_name,
            owner_email: changes.owner_email,
            owner_role: changes.owner_role,
            start_date: changes.start_date,
            deadline: changes.deadline,
            budget: changes.budget,
            status: changes.status,
            note: changes.note,
            residual_risk: changes.residual_risk,
            evaluation_date: changes.evaluation_date,
        }
    }
}

/// A decision on an item awaiting sign-off.
#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignOffBody {
    /// `true` signs it off as done; `false` sends it back (in progress).
    pub approve: bool,
}

/// Signs off an item reported done, by a second account (not the one that reported it).
#[utoipa::path(post, path = "/api/v1/plan/items/{id}/sign-off", tag = "plan",
    params(crate::http::openapi::OrganisationHeader, ("id" = String, Path, description = "Item id")),
    request_body = SignOffBody,
    responses(
        (status = 200, description = "The item, done or back in progress", body = PlanItemView),
        Refusals,
        (status = 404, description = "No such item", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The item does not await sign-off", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn sign_off_item(
    state: web::Data<AppState>,
    member: Member,
    path: web::Path<String>,
    Valid(body): Valid<SignOffBody>,
) -> Result<web::Json<PlanItemView>, AppError> {
    let organisation = member.organisation.clone();
    let who = member.user.email.to_string();
    let id = path.into_inner();
    state
        .db
        .run(move |conn| {
            let item = crate::plan::sign_off(conn, &organisation, &id, body.approve, &who)?;
            Ok(web::Json(PlanItemView::of(
                item,
                today(),
                &crate::plan::accounts(conn, &organisation)?,
            )))
        })
        .await
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ProgressQuery {
    /// The calendar year (default: this year).
    pub year: Option<i32>,
}

/// A year's progress of the plan per category, for the report to the works council: items
/// added, done and cancelled during the year, and those running, planned or overdue at its end
/// (today, in the current year), replayed from the history.
#[utoipa::path(get, path = "/api/v1/plan/progress", tag = "plan",
    params(crate::http::openapi::OrganisationHeader, ProgressQuery),
    responses(
        (status = 200, description = "The year's progress", body = YearProgress),
        (status = 400, description = "Not a year", body = ProblemDoc, content_type = "application/problem+json"),
        Refusals,
    ))]
pub async fn get_progress(
    state: web::Data<AppState>,
    member: Member,
    query: web::Query<ProgressQuery>,
) -> Result<web::Json<YearProgress>, AppError> {
    let today = today();
    let year = query.year.unwrap_or(chrono::Datelike::year(&today));
    if !(2000..=9999).contains(&year) {
        return Err(AppError::BadRequest(
            "year must be between 2000 and 9999".into(),
        ));
    }
    let organisation = member.organisation;
    let entries = state
        .db
        .run(move |conn| store::history(conn, &organisation).map_err(AppError::from))
        .await?;
    let changes: Vec<_> = entries.into_iter().map(|e| e.change).collect();
    Ok(web::Json(progress(&changes, year, today)))
}

/// Every change to the plan, in order, and whether the chain is intact.
#[utoipa::path(get, path = "/api/v1/plan/history", tag = "plan",
    params(crate::http::openapi::OrganisationHeader),
    responses((status = 200, description = "The history", body = HistoryView), Refusals))]
pub async fn get_history(
    state: web::Data<AppState>,
    member: Member,
) -> Result<web::Json<HistoryView>, AppError> {
    let organisation = member.organisation;
    let entries = state
        .db
        .run(move |conn| store::history(conn, &organisation).map_err(AppError::from))
        .await?;
    let verdict = verify_chain(entries.iter().map(|e| (&e.change, e.hash.as_str())));
    let broken_at = verdict.as_ref().err().map(|&i| entries[i].seq);
    Ok(web::Json(HistoryView {
        intact: verdict.is_ok(),
        head: verdict.ok(),
        broken_at,
        entries: entries.into_iter().map(HistoryEntryView::from).collect(),
    }))
}
