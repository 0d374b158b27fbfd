//! The organisation's plan of action as stored: new items, edits that respect the sign-off rule
//! and the owner rule, and completeness against the closed rounds. Shared by the API and the
//! HR pages; the rules themselves live in `domain::plan`.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use crate::calendar::today;
use crate::catalog::Catalog;
use crate::db::plan::{self as store, PlanItemRow};
use crate::db::{DbConnection, now};
use crate::domain::measures::StrategyLevel;
use crate::domain::plan::{
    Coverage, ItemStatus, Standing, StatusError, default_deadline, suggest, transition, uncovered,
};
use crate::domain::risk::Light;
use crate::domain::{OrganisationId, UserId};
use crate::error::{AppError, FieldError};

/// A field-less enum's wire name (`in_progress`, `source` …), as stored.
pub fn wire<T: Serialize>(value: T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// What raises an item: a closed round, or another signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    /// An orange or red risk of a closed round.
    Round,
    /// A recommendation in the confidential counsellor's report.
    Vpo,
    /// The incident register.
    Incident,
    /// HR's own judgement.
    Manual,
}

/// A new item's substance; the rest starts empty and the deadline follows the priority.
pub struct NewItem<'a> {
    pub organisation: &'a OrganisationId,
    pub category: &'a str,
    pub unit_id: Option<String>,
    pub scope_path: String,
    pub measure: String,
    pub level: StrategyLevel,
    /// Fine & Kinney class, 1 to 5.
    pub priority: u8,
    /// The category's terms per class, in months.
    pub terms_months: &'a [u32; 5],
    pub signal: Signal,
}

impl NewItem<'_> {
    /// The item as accepted today: planned, starting today, due after its class's term.
    pub fn accept(self) -> PlanItemRow {
        let accepted = today();
        PlanItemRow {
            id: crate::secret::new_id(),
            organisation_id: self.organisation.to_string(),
            category: self.category.to_owned(),
            unit_id: self.unit_id,
            scope_path: self.scope_path,
            sources: String::new(),
            round_id: None,
            signal: wire(self.signal),
            measure: self.measure,
            measure_id: None,
            level: wire(self.level),
            priority: i32::from(self.priority),
            owner_user_id: None,
            owner_name: None,
            owner_email: None,
            owner_role: None,
            start_date: Some(accepted),
            deadline: default_deadline(accepted, self.priority, self.terms_months),
            budget: None,
            status: wire(ItemStatus::Planned),
            note: None,
            residual_risk: None,
            evaluation_date: None,
            created_at: now(),
            completed_by: None,
            completed_on: None,
            signed_off_by: None,
        }
    }
}

/// A measure chosen from a round's suggestions.
pub struct Choice<'a> {
    pub round_id: &'a str,
    pub category: &'a str,
    pub unit_id: Option<&'a str>,
    pub measure_id: &'a str,
    /// The language of the measure's text in the plan.
    pub lang: crate::i18n::Lang,
}

/// A category of a questionnaire on offer.
pub fn offered_category<'a>(
    catalog: &'a Catalog,
    id: &str,
) -> Option<&'a crate::domain::questionnaire::Category> {
    catalog
        .entries()
        .iter()
        .find_map(|e| e.questionnaire.category(id))
}

/// An item made by hand.
pub struct HandMade<'a> {
    pub category: &'a str,
    pub unit_id: Option<&'a str>,
    pub measure: &'a str,
    pub level: StrategyLevel,
    pub priority: u8,
    pub signal: Signal,
}

/// The item that accepts `measure_id`, a measure suggested for the orange or red risk of
/// `category` in `unit_id` (`None`: the top) of a closed round, with the risk's scope, sources
/// and class and the measure's text (in `lang`), level and owner role.
pub fn accept_suggestion(
    conn: &mut DbConnection,
    catalog: &Catalog,
    organisation: &OrganisationId,
    choice: Choice,
) -> Result<PlanItemRow, AppError> {
    let Choice {
        round_id,
        category,
        unit_id,
        measure_id,
        lang,
    } = choice;
    let (row, q, results) = crate::results::closed_round(conn, organisation, round_id)?;
    let suggestions = suggest(&q, catalog.measures(), &results);
    let risk = suggestions
        .iter()
        .find(|s| s.category == category && s.unit_id.as_deref() == unit_id)
        .ok_or_else(|| AppError::field("category", "this round has no orange or red risk there"))?;
    let measure = risk
        .measures
        .iter()
        .find(|m| m.id == measure_id)
        .ok_or_else(|| AppError::field("measure_id", "not a measure suggested for this risk"))?;
    let terms = q
        .category(&risk.category)
        .map(|c| c.settings.terms_months)
        .unwrap_or_default();
    let text = |texts: &crate::domain::questionnaire::Texts| texts.get(lang.code()).cloned();
    let mut item = NewItem {
        organisation,
        category: &risk.category,
        unit_id: risk.unit_id.clone(),
        scope_path: risk.path.clone(),
        measure: text(&measure.title).unwrap_or_default(),
        level: measure.level,
        priority: risk.fk_class,
        terms_months: &terms,
        signal: Signal::Round,
    }
    .accept();
    item.sources = risk.sources.join(",");
    item.round_id = Some(row.id);
    item.measure_id = Some(measure.id.clone());
    item.owner_role = text(&measure.owner_role);
    Ok(item)
}

/// An item added by hand, raised by `signal`, for a category of an offered questionnaire in a
/// unit of the organisation (`None`: the whole).
pub fn by_hand(
    conn: &mut DbConnection,
    catalog: &Catalog,
    organisation: &OrganisationId,
    made: HandMade,
) -> Result<PlanItemRow, AppError> {
    let HandMade {
        category,
        unit_id,
        measure,
        level,
        priority,
        signal,
    } = made;
    let category = offered_category(catalog, category)
        .ok_or_else(|| AppError::field("category", "no questionnaire has this category"))?;
    let scope_path = match unit_id {
        None => String::new(),
        Some(unit) => {
            let unit = crate::domain::UnitId::new(unit.to_owned());
            let tree = crate::db::units::tree(conn, organisation)?;
            if tree.get(&unit).is_none() {
                return Err(AppError::field(
                    "unit_id",
                    "no such unit in this organisation",
                ));
            }
            tree.path_text(&unit)
        }
    };
    Ok(NewItem {
        organisation,
        category: &category.id,
        unit_id: unit_id.map(str::to_owned),
        scope_path,
        measure: measure.trim().to_owned(),
        level,
        priority,
        terms_months: &category.settings.terms_months,
        signal,
    }
    .accept())
}

/// Changes to an item, as a person asks for them; `None` keeps a field, an empty text clears it.
#[derive(Default)]
pub struct Edit {
    pub measure: Option<String>,
    pub owner_user_id: Option<String>,
    pub owner_name: Option<String>,
    pub owner_email: Option<String>,
    pub owner_role: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub deadline: Option<NaiveDate>,
    pub budget: Option<String>,
    pub status: Option<ItemStatus>,
    pub note: Option<String>,
    pub residual_risk: Option<String>,
    pub evaluation_date: Option<NaiveDate>,
}

fn status_error(e: StatusError) -> AppError {
    match e {
        StatusError::AwaitingIsNotChosen => AppError::field("status", e),
        StatusError::NotAwaiting => AppError::Conflict(e.to_string()),
        StatusError::SameAccount => AppError::Forbidden(e.to_string()),
    }
}

/// Applies `edit` to the item `id` by `who` (an e-mail address, as the history names people):
/// an owner is an account of the organisation or a name with an e-mail address; done awaits
/// sign-off where the organisation asks for it. `Conflict` when the item changed meanwhile.
pub fn edit(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    id: &str,
    edit: Edit,
    who: &str,
) -> Result<PlanItemRow, AppError> {
    let before = store::get(conn, organisation, id)?
        .ok_or_else(|| AppError::NotFound("no such plan item".into()))?;
    let mut after = before.clone();
    let set = |target: &mut Option<String>, value: Option<String>| {
        if let Some(v) = value {
            *target = (!v.trim().is_empty()).then(|| v.trim().to_owned());
        }
    };
    if let Some(measure) = edit.measure.filter(|m| !m.trim().is_empty()) {
        after.measure = measure.trim().to_owned();
    }
    set(&mut after.owner_user_id, edit.owner_user_id);
    set(&mut after.owner_name, edit.owner_name);
    set(&mut after.owner_email, edit.owner_email);
    set(&mut after.owner_role, edit.owner_role);
    set(&mut after.budget, edit.budget);
    set(&mut after.note, edit.note);
    set(&mut after.residual_risk, edit.residual_risk);
    after.start_date = edit.start_date.or(after.start_date);
    after.deadline = edit.deadline.or(after.deadline);
    after.evaluation_date = edit.evaluation_date.or(after.evaluation_date);
    let mut errors = Vec::new();
    if after.owner_name.is_some() != after.owner_email.is_some() {
        errors.push(FieldError::new(
            "owner_email",
            "an owner outside psa needs both a name and an e-mail address",
        ));
    }
    if after.owner_user_id.is_some() && after.owner_name.is_some() {
        errors.push(FieldError::new(
            "owner_user_id",
            "the owner is either an account or a name with an e-mail address, not both",
        ));
    }
    if let Some(owner) = after
        .owner_user_id
        .as_deref()
        .filter(|o| Some(*o) != before.owner_user_id.as_deref())
    {
        let roles =
            crate::db::accounts::roles_in(conn, organisation, &UserId::new(owner.to_owned()))?;
        if roles.is_empty() {
            errors.push(FieldError::new(
                "owner_user_id",
                "not an account of this organisation",
            ));
        }
    }
    if let (Some(start), Some(deadline)) = (after.start_date, after.deadline)
        && deadline < start
    {
        errors.push(FieldError::new(
            "deadline",
            "the deadline is before the start date",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    if let Some(requested) = edit.status {
        let sign_off = crate::db::organisations::get(conn, organisation)?
            .is_some_and(|o| o.settings.plan_sign_off);
        let status = transition(before.status(), requested, sign_off).map_err(status_error)?;
        set_status(&mut after, status, who);
    }
    save(conn, &before, &after, who)?;
    Ok(after)
}

/// Whether a status counts as reported done.
fn reported_done(status: ItemStatus) -> bool {
    matches!(status, ItemStatus::Done | ItemStatus::AwaitingSignOff)
}

/// Sets the status and keeps who reported it done, and when, in step with it.
fn set_status(item: &mut PlanItemRow, status: ItemStatus, who: &str) {
    if !reported_done(status) {
        item.completed_by = None;
        item.completed_on = None;
        item.signed_off_by = None;
    } else if !reported_done(item.status()) {
        item.completed_by = Some(who.to_owned());
        item.completed_on = Some(today());
    }
    item.status = wire(status);
}

/// Signs off (or sends back) an item awaiting sign-off, by `who`: a second account.
pub fn sign_off(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    id: &str,
    approve: bool,
    who: &str,
) -> Result<PlanItemRow, AppError> {
    let before = store::get(conn, organisation, id)?
        .ok_or_else(|| AppError::NotFound("no such plan item".into()))?;
    let status = crate::domain::plan::sign_off(
        before.status(),
        before.completed_by.as_deref(),
        who,
        approve,
    )
    .map_err(status_error)?;
    let mut after = before.clone();
    set_status(&mut after, status, who);
    if approve {
        after.signed_off_by = Some(who.to_owned());
    }
    save(conn, &before, &after, who)?;
    Ok(after)
}

fn save(
    conn: &mut DbConnection,
    before: &PlanItemRow,
    after: &PlanItemRow,
    who: &str,
) -> Result<(), AppError> {
    let at = crate::db::utc(now());
    if store::update(conn, before, after, who, &at)? {
        Ok(())
    } else {
        Err(AppError::Conflict(
            "the item changed meanwhile: reload it and try again".into(),
        ))
    }
}

/// An orange or red risk that no item covers.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MissingRisk {
    pub round_id: String,
    pub category: String,
    pub unit_id: Option<String>,
    pub path: String,
    pub light: Light,
    pub fk_class: u8,
}

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
    /// `source`, `collective` or `individual`.
    pub level: String,
    /// Fine & Kinney class, 1 to 5.
    pub priority: i32,
    /// The owner, when an account of the organisation …
    pub owner_user_id: Option<String>,
    /// … with its e-mail address.
    pub owner_account: Option<String>,
    /// The owner outside psa: a name with an e-mail address.
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
    /// Who reported it done, and on which day.
    pub completed_by: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub completed_on: Option<NaiveDate>,
    /// The second account that signed it off, where the organisation asks for sign-off.
    pub signed_off_by: Option<String>,
    /// The deadline has passed and the item is neither done nor cancelled.
    pub overdue: bool,
}

impl PlanItemView {
    /// The item as shown on `today`, with its owner's address from `accounts` (id → e-mail).
    pub fn of(row: PlanItemRow, today: NaiveDate, accounts: &BTreeMap<String, String>) -> Self {
        PlanItemView {
            overdue: standing(&row, today) == Some(Standing::Overdue),
            status: row.status(),
            sources: row
                .sources
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            created_at: crate::db::utc(row.created_at),
            owner_account: row
                .owner_user_id
                .as_ref()
                .and_then(|id| accounts.get(id).cloned()),
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
            completed_by: row.completed_by,
            completed_on: row.completed_on,
            signed_off_by: row.signed_off_by,
        }
    }
}

/// One change in the plan's history.
#[derive(Debug, Clone, Serialize, ToSchema)]
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

impl From<crate::db::plan::HistoryEntry> for HistoryEntryView {
    fn from(e: crate::db::plan::HistoryEntry) -> Self {
        HistoryEntryView {
            seq: e.seq,
            item_id: e.change.item_id,
            at: e.change.at,
            who: e.change.who,
            field: e.change.field,
            old: e.change.old,
            new: e.change.new,
            hash: e.hash,
        }
    }
}

/// The organisation's accounts: user id → e-mail address.
pub fn accounts(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
) -> Result<BTreeMap<String, String>, AppError> {
    Ok(crate::db::accounts::members(conn, organisation)?
        .into_iter()
        .map(|(user, _)| (user.id.to_string(), user.email.to_string()))
        .collect())
}

/// Whether an item counts for completeness: not cancelled, with an owner and a deadline.
fn counts(item: &PlanItemRow) -> bool {
    item.status() != ItemStatus::Cancelled
        && item.deadline.is_some()
        && (item.owner_user_id.is_some() || item.owner_name.is_some())
}

/// The risks that count for completeness and that no counting item covers: per questionnaire,
/// each round's risks at scopes that no later closed round of that questionnaire covered.
pub fn missing_risks(
    conn: &mut DbConnection,
    catalog: &Catalog,
    organisation: &OrganisationId,
    items: &[PlanItemRow],
) -> Result<Vec<MissingRisk>, AppError> {
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
            counts: counts(item),
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
        let risks: Vec<_> = suggest(&q, catalog.measures(), &results)
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

/// The item's standing today (`None`: cancelled).
pub fn standing(item: &PlanItemRow, today: NaiveDate) -> Option<Standing> {
    item.status().standing(item.deadline, today)
}
