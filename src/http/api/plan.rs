//! The organisation's plan of action: items that live across rounds, accepted from a round's
//! suggestions or added by hand, edited, and cancelled; every change kept in a hash chain.

use actix_web::{HttpResponse, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::Valid;
use crate::calendar::today;
use crate::db::now;
use crate::db::plan::{self as store, PlanItemRow};
use crate::domain::OrganisationId;
use crate::domain::plan::{
    Coverage, ItemStatus, Standing, default_deadline, suggest, uncovered, verify_chain,
};
use crate::error::{AppError, FieldError, Refusals};

type ProblemDoc = crate::error::Problem;
use crate::http::AppState;
use crate::http::auth::Member;
use crate::i18n::Lang;

/// One item of the plan, with every field of DOMAIN.md section 7.
#[derive(Serialize, ToSchema)]
pub struct PlanItemView {
    pub id: String,
    pub category: String,
    /// The scope: a unit, or `null` for the organisation.
    pub unit_id: Option<String>,
    pub scope_path: String,
    pub sources: Vec<String>,
    /// The round that raised it, if a round did.
    pub round_id: Option<String>,
    /// `round`, `vpo`, `incident` or `manual`.
    pub signal: String,
    pub measure: String,
    pub measure_id: Option<String>,
    /// `source`, `collective`, `individual` or `personal`.
    pub level: String,
    /// Fine & Kinney class, 1 to 5.
    pub priority: i32,
    pub owner_user_id: Option<String>,
    pub owner_name: Option<String>,
    pub owner_email: Option<String>,
    pub owner_role: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub start_date: Option<NaiveDate>,
    #[schema(value_type = Option<String>, format = Date)]
    pub deadline: Option<NaiveDate>,
    pub budget: Option<String>,
    pub status: ItemStatus,
    pub note: Option<String>,
    pub residual_risk: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub evaluation_date: Option<NaiveDate>,
    pub created_at: String,
    /// The deadline has passed and the item is neither done nor cancelled.
    pub overdue: bool,
}

impl PlanItemView {
    fn of(row: PlanItemRow, today: NaiveDate) -> Self {
        PlanItemView {
            overdue: row.status().standing(row.deadline, today) == Some(Standing::Overdue),
            status: row.status(),
            sources: row
                .sources
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            created_at: super::utc(row.created_at),
            id: row.id,
            category: row.category,
            unit_id: row.unit_id,
            scope_path: row.scope_path,
            round_id: row.round_id,
            signal: row.signal,
            measure: row.measure,
            measure_id: row.measure_id,
            level: row.level,
            priority: row.priority,
            owner_user_id: row.owner_user_id,
            owner_name: row.owner_name,
            owner_email: row.owner_email,
            owner_role: row.owner_role,
            start_date: row.start_date,
            deadline: row.deadline,
            budget: row.budget,
            note: row.note,
            residual_risk: row.residual_risk,
            evaluation_date: row.evaluation_date,
        }
    }
}

/// An orange or red risk that no item covers.
#[derive(Serialize, ToSchema)]
pub struct MissingRisk {
    pub round_id: String,
    pub category: String,
    pub unit_id: Option<String>,
    pub path: String,
    pub light: crate::domain::risk::Light,
    pub fk_class: u8,
}

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

/// One change in the plan's history.
#[derive(Serialize, ToSchema)]
pub struct HistoryEntryView {
    pub seq: i64,
    pub item_id: String,
    pub at: String,
    pub who: String,
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
    pub hash: String,
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

/// The risks that count for completeness and that no counting item covers: per questionnaire,
/// each round's risks at scopes that no later closed round of that questionnaire covered.
fn missing_risks(
    conn: &mut crate::db::DbConnection,
    state: &AppState,
    organisation: &OrganisationId,
    items: &[PlanItemRow],
) -> Result<Vec<MissingRisk>, AppError> {
    use std::collections::{BTreeMap, BTreeSet};
    let mut closed: Vec<_> = crate::db::rounds::list(conn, organisation)?
        .into_iter()
        .filter(|r| r.status() == crate::domain::round::RoundStatus::Closed)
        .collect();
    closed.sort_by_key(|r| std::cmp::Reverse(r.closed_at));
    let coverage: Vec<Coverage> = items
        .iter()
        .map(|item| Coverage {
            category: &item.category,
            scope: item.unit_id.as_deref(),
            counts: item.status != "cancelled"
                && item.deadline.is_some()
                && (item.owner_user_id.is_some() || item.owner_name.is_some()),
        })
        .collect();
    // Per questionnaire: units covered by a later round, and whether a later round covered all.
    let mut later: BTreeMap<String, (BTreeSet<String>, bool)> = BTreeMap::new();
    let mut missing = Vec::new();
    for round in closed {
        let json = crate::results::compute_and_store(conn, organisation, &round.id)?;
        let results: crate::domain::results::RoundResults =
            serde_json::from_str(&json).map_err(|e| AppError::Internal(e.to_string()))?;
        let q = crate::results::frozen_questionnaire(&round)?;
        let frozen = round.frozen_units();
        let whole = crate::db::rounds::chosen_units(conn, organisation, &round.id)?.is_empty();
        let (covered_later, whole_later) = later.entry(round.questionnaire_id.clone()).or_default();
        let risks: Vec<_> = suggest(&q, state.catalog.measures(), &results)
            .into_iter()
            .filter(|risk| match &risk.unit_id {
                Some(unit) => !covered_later.contains(unit),
                None if whole => !*whole_later,
                None => !frozen.iter().all(|u| covered_later.contains(&u.id)),
            })
            .collect();
        for risk in uncovered(&risks, &frozen, &coverage) {
            missing.push(MissingRisk {
                round_id: round.id.clone(),
                category: risk.category.clone(),
                unit_id: risk.unit_id.clone(),
                path: risk.path.clone(),
                light: risk.light,
                fk_class: risk.fk_class,
            });
        }
        covered_later.extend(frozen.into_iter().map(|u| u.id));
        *whole_later |= whole;
    }
    Ok(missing)
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
            let missing = missing_risks(conn, &app, &organisation, &items)?;
            let head = store::history(conn, &organisation)?.last().map_or_else(
                || crate::domain::plan::GENESIS.to_owned(),
                |e| e.hash.clone(),
            );
            Ok(web::Json(PlanView {
                items: items
                    .into_iter()
                    .map(|row| PlanItemView::of(row, today))
                    .collect(),
                complete: missing.is_empty(),
                missing,
                head,
            }))
        })
        .await
}

fn not_suggested(field: &str, reason: &str) -> AppError {
    AppError::Validation(vec![FieldError::new(field, reason)])
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
    let item = match (&body.round_id, &body.measure_id) {
        (Some(round_id), Some(measure_id)) => {
            from_suggestion(&state, &member, &body, round_id, measure_id).await?
        }
        (None, None) => by_hand(&state, &member, &body).await?,
        _ => {
            return Err(not_suggested(
                "measure_id",
                "accepting a suggestion takes both round_id and measure_id",
            ));
        }
    };
    let who = member.user.email.to_string();
    let stored = item.clone();
    state
        .db
        .run(move |conn| store::create(conn, &stored, &who).map_err(AppError::from))
        .await?;
    Ok(HttpResponse::Created().json(PlanItemView::of(item, today())))
}

fn level_text(level: crate::domain::measures::StrategyLevel) -> String {
    serde_json::to_value(level)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// An item as accepted from a suggestion of a closed round.
async fn from_suggestion(
    state: &AppState,
    member: &Member,
    body: &NewItemBody,
    round_id: &str,
    measure_id: &str,
) -> Result<PlanItemRow, AppError> {
    let organisation: OrganisationId = member.organisation.clone();
    let (row, json) =
        super::rounds::stored_results(state, organisation.clone(), round_id.to_owned()).await?;
    let results: crate::domain::results::RoundResults =
        serde_json::from_str(&json).map_err(|e| AppError::Internal(e.to_string()))?;
    let q = crate::results::frozen_questionnaire(&row)?;
    let suggestions = suggest(&q, state.catalog.measures(), &results);
    let risk = suggestions
        .iter()
        .find(|s| s.category == body.category && s.unit_id == body.unit_id)
        .ok_or_else(|| not_suggested("category", "this round has no orange or red risk there"))?;
    let measure = risk
        .measures
        .iter()
        .find(|m| m.id == measure_id)
        .ok_or_else(|| not_suggested("measure_id", "not a measure suggested for this risk"))?;
    let lang = body.lang.unwrap_or_default();
    let accepted = today();
    let terms = q
        .category(&risk.category)
        .map(|c| c.settings.terms_months)
        .unwrap_or_default();
    Ok(PlanItemRow {
        id: crate::secret::new_id(),
        organisation_id: organisation.to_string(),
        category: risk.category.clone(),
        unit_id: risk.unit_id.clone(),
        scope_path: risk.path.clone(),
        sources: risk.sources.join(","),
        round_id: Some(row.id.clone()),
        signal: "round".into(),
        measure: measure.title.get(lang.code()).cloned().unwrap_or_default(),
        measure_id: Some(measure.id.clone()),
        level: level_text(measure.level),
        priority: i32::from(risk.fk_class),
        owner_user_id: None,
        owner_name: None,
        owner_email: None,
        owner_role: measure.owner_role.get(lang.code()).cloned(),
        start_date: Some(accepted),
        deadline: default_deadline(accepted, risk.fk_class, &terms),
        budget: None,
        status: "planned".into(),
        note: None,
        residual_risk: None,
        evaluation_date: None,
        created_at: now(),
    })
}

/// An item added by hand: a category of an offered questionnaire, a unit of the organisation
/// (or the whole), the measure, its level and priority; the default deadline follows the
/// priority.
async fn by_hand(
    state: &AppState,
    member: &Member,
    body: &NewItemBody,
) -> Result<PlanItemRow, AppError> {
    let mut errors = Vec::new();
    let category = state
        .catalog
        .entries()
        .iter()
        .find_map(|e| e.questionnaire.category(&body.category));
    if category.is_none() {
        errors.push(FieldError::new(
            "category",
            "no questionnaire has this category",
        ));
    }
    let measure = body.measure.as_deref().map(str::trim).unwrap_or_default();
    if measure.is_empty() {
        errors.push(FieldError::new("measure", "say what the measure is"));
    }
    if body.level.is_none() {
        errors.push(FieldError::new("level", "source, collective or individual"));
    }
    if body.priority.is_none() {
        errors.push(FieldError::new("priority", "a Fine & Kinney class, 1 to 5"));
    }
    let (Some(category), Some(level), Some(priority), true) =
        (category, body.level, body.priority, errors.is_empty())
    else {
        return Err(AppError::Validation(errors));
    };
    let organisation = member.organisation.clone();
    let scope_path = match &body.unit_id {
        None => String::new(),
        Some(unit) => {
            let unit = crate::domain::UnitId::new(unit.clone());
            let tree = state
                .db
                .run(move |conn| {
                    crate::db::units::tree(conn, &organisation).map_err(AppError::from)
                })
                .await?;
            if tree.get(&unit).is_none() {
                return Err(AppError::Validation(vec![FieldError::new(
                    "unit_id",
                    "no such unit in this organisation",
                )]));
            }
            tree.path_text(&unit)
        }
    };
    let signal = serde_json::to_value(body.signal.unwrap_or(HandSignal::Manual))
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let accepted = today();
    Ok(PlanItemRow {
        id: crate::secret::new_id(),
        organisation_id: member.organisation.to_string(),
        category: category.id.clone(),
        unit_id: body.unit_id.clone(),
        scope_path,
        sources: String::new(),
        round_id: None,
        signal,
        measure: measure.to_owned(),
        measure_id: None,
        level: level_text(level),
        priority: i32::from(priority),
        owner_user_id: None,
        owner_name: None,
        owner_email: None,
        owner_role: None,
        start_date: Some(accepted),
        deadline: default_deadline(accepted, priority, &category.settings.terms_months),
        budget: None,
        status: "planned".into(),
        note: None,
        residual_risk: None,
        evaluation_date: None,
        created_at: now(),
    })
}

/// Changes an item (owner, dates, status, note …); each changed field goes into the history.
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
    let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    state
        .db
        .run(move |conn| {
            let before = store::get(conn, &organisation, &id)?
                .ok_or_else(|| AppError::NotFound("no such plan item".into()))?;
            let mut after = before.clone();
            let set = |target: &mut Option<String>, value: Option<String>| {
                if let Some(v) = value {
                    *target = (!v.trim().is_empty()).then(|| v.trim().to_owned());
                }
            };
            if let Some(measure) = changes.measure {
                after.measure = measure.trim().to_owned();
            }
            set(&mut after.owner_name, changes.owner_name);
            set(&mut after.owner_email, changes.owner_email);
            set(&mut after.owner_role, changes.owner_role);
            set(&mut after.budget, changes.budget);
            set(&mut after.note, changes.note);
            set(&mut after.residual_risk, changes.residual_risk);
            after.start_date = changes.start_date.or(after.start_date);
            after.deadline = changes.deadline.or(after.deadline);
            after.evaluation_date = changes.evaluation_date.or(after.evaluation_date);
            if let Some(status) = changes.status {
                after.status = serde_json::to_value(status)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or(after.status);
            }
            if after.owner_name.is_some() != after.owner_email.is_some() {
                return Err(AppError::Validation(vec![FieldError::new(
                    "owner_email",
                    "an owner outside psa needs both a name and an e-mail address",
                )]));
            }
            if let (Some(start), Some(deadline)) = (after.start_date, after.deadline) {
                if deadline < start {
                    return Err(AppError::Validation(vec![FieldError::new(
                        "deadline",
                        "the deadline is before the start date",
                    )]));
                }
            }
            if !store::update(conn, &before, &after, &who, &at)? {
                return Err(AppError::Conflict(
                    "the item changed meanwhile: reload it and try again".into(),
                ));
            }
            Ok(web::Json(PlanItemView::of(after, today())))
        })
        .await
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
        entries: entries
            .into_iter()
            .map(|e| HistoryEntryView {
                seq: e.seq,
                item_id: e.change.item_id,
                at: e.change.at,
                who: e.change.who,
                field: e.change.field,
                old: e.change.old,
                new: e.change.new,
                hash: e.hash,
            })
            .collect(),
    }))
}
