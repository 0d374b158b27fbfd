//! The plan pages: the plan with its completeness and the year's progress, one item's form, a
//! round's suggestions, and the history.

use std::collections::BTreeMap;

use askama::Template;
use chrono::NaiveDate;

use super::pages::Chrome;
use crate::catalog::Catalog;
use crate::db::plan::PlanItemRow;
use crate::domain::plan::{ItemStatus, ProgressCounts, Standing, Suggestion, YearProgress};
use crate::i18n::Lang;
use crate::plan::MissingRisk;

/// A category's name in `lang`, from the questionnaires on offer (its id when none has it).
pub fn category_name(catalog: &Catalog, lang: Lang, id: &str) -> String {
    crate::plan::offered_category(catalog, id)
        .and_then(|c| c.name.get(lang.code()).cloned())
        .unwrap_or_else(|| id.to_owned())
}

/// A scope as people name it: the unit's path, or the whole organisation.
fn scope_text(lang: Lang, path: &str) -> String {
    if path.is_empty() {
        lang.t("plan.whole_organisation").into_owned()
    } else {
        path.to_owned()
    }
}

fn date_text(lang: Lang, date: Option<NaiveDate>) -> String {
    date.map_or_else(|| "—".to_owned(), |d| lang.date(d))
}

fn status_key(status: ItemStatus) -> String {
    format!("plan.status.{}", crate::plan::wire(status))
}

/// One item as a row of the plan.
pub struct ItemRow {
    pub id: String,
    pub category: String,
    pub scope: String,
    pub measure: String,
    pub level: String,
    pub priority: i32,
    pub owner: String,
    pub deadline: String,
    pub status: String,
    pub overdue: bool,
    /// Awaits sign-off, and the viewer may give it (another account than the reporter).
    pub signable: bool,
}

impl ItemRow {
    /// An item as a row read on `today`, not signable.
    pub fn new(
        item: &PlanItemRow,
        catalog: &Catalog,
        lang: Lang,
        accounts: &Accounts,
        today: NaiveDate,
    ) -> ItemRow {
        ItemRow {
            id: item.id.clone(),
            category: category_name(catalog, lang, &item.category),
            scope: scope_text(lang, &item.scope_path),
            measure: item.measure.clone(),
            level: lang.t(&format!("plan.level.{}", item.level)).into_owned(),
            priority: item.priority,
            owner: owner_text(item, accounts),
            deadline: date_text(lang, item.deadline),
            status: lang.t(&status_key(item.status())).into_owned(),
            overdue: crate::plan::standing(item, today) == Some(Standing::Overdue),
            signable: false,
        }
    }
}

/// The organisation's accounts as (user id, e-mail address).
pub type Accounts = BTreeMap<String, String>;

fn owner_text(item: &PlanItemRow, accounts: &Accounts) -> String {
    match (&item.owner_user_id, &item.owner_name, &item.owner_email) {
        (Some(id), _, _) => accounts.get(id).cloned().unwrap_or_else(|| id.clone()),
        (None, Some(name), Some(email)) => format!("{name} <{email}>"),
        _ => "—".to_owned(),
    }
}

pub struct ProgressRow {
    pub category: String,
    pub counts: ProgressCounts,
}

/// A missing risk, as a line of the completeness check.
pub struct MissingRow {
    pub round_id: String,
    pub text: String,
}

#[derive(Template)]
#[template(path = "plan.html")]
pub struct PlanPage {
    pub chrome: Chrome,
    pub can_edit: bool,
    pub complete: bool,
    pub missing: Vec<MissingRow>,
    pub items: Vec<ItemRow>,
    pub year: i32,
    pub as_of: String,
    pub progress: Vec<ProgressRow>,
    pub total: ProgressCounts,
    pub intact: bool,
    pub head: String,
    pub errors: Vec<String>,
    /// For the form that adds an item by hand: (id, name) of categories and units.
    pub categories: Vec<(String, String)>,
    pub units: Vec<(String, String)>,
}

/// What the plan page shows, from storage.
pub struct PlanFacts<'a> {
    pub catalog: &'a Catalog,
    pub items: Vec<PlanItemRow>,
    pub missing: Vec<MissingRisk>,
    pub progress: YearProgress,
    pub accounts: &'a Accounts,
    /// Whether the history chain is intact, and its head.
    pub chain: Result<String, i64>,
    pub units: Vec<(String, String)>,
    pub today: NaiveDate,
    /// The viewer's e-mail address and whether they may edit and sign off.
    pub viewer: &'a str,
    pub can_edit: bool,
    pub can_sign: bool,
}

impl PlanPage {
    pub fn new(chrome: Chrome, facts: PlanFacts, errors: Vec<String>) -> PlanPage {
        let lang = chrome.lang;
        let name = |id: &str| category_name(facts.catalog, lang, id);
        let items = facts
            .items
            .iter()
            .map(|item| {
                let signable = facts.can_sign
                    && item.status() == ItemStatus::AwaitingSignOff
                    && item.completed_by.as_deref() != Some(facts.viewer);
                let row = ItemRow::new(item, facts.catalog, lang, facts.accounts, facts.today);
                ItemRow { signable, ..row }
            })
            .collect();
        let missing = facts
            .missing
            .iter()
            .map(|m| MissingRow {
                round_id: m.round_id.clone(),
                text: lang.t_with(
                    "plan.missing_risk",
                    &[
                        ("category", &name(&m.category)),
                        ("scope", &scope_text(lang, &m.path)),
                        (
                            "light",
                            &lang.t(&format!("charts.light.{}", crate::plan::wire(m.light))),
                        ),
                        ("class", &m.fk_class.to_string()),
                    ],
                ),
            })
            .collect();
        let mut categories: Vec<(String, String)> = facts
            .catalog
            .entries()
            .iter()
            .flat_map(|e| e.questionnaire.categories.iter())
            .map(|c| (c.id.clone(), name(&c.id)))
            .collect();
        categories.sort();
        categories.dedup();
        PlanPage {
            can_edit: facts.can_edit,
            complete: facts.missing.is_empty(),
            missing,
            items,
            year: facts.progress.year,
            as_of: lang.date(facts.progress.as_of),
            progress: facts
                .progress
                .categories
                .iter()
                .map(|(id, counts)| ProgressRow {
                    category: name(id),
                    counts: *counts,
                })
                .collect(),
            total: facts.progress.total,
            intact: facts.chain.is_ok(),
            head: facts.chain.unwrap_or_default(),
            errors,
            categories,
            units: facts.units,
            chrome,
        }
    }

    fn previous_year(&self) -> i32 {
        self.year - 1
    }
}

/// The form of one item, with every field of DOMAIN.md section 7.
#[derive(Template)]
#[template(path = "plan_item.html")]
pub struct ItemPage {
    pub chrome: Chrome,
    pub id: String,
    pub category: String,
    pub scope: String,
    pub raised_by: String,
    pub level: String,
    pub priority: i32,
    pub measure: String,
    pub owner_user_id: String,
    pub owner_name: String,
    pub owner_email: String,
    pub owner_role: String,
    pub start_date: String,
    pub deadline: String,
    pub budget: String,
    /// The status the form selects (awaiting sign-off shows as done).
    pub status: String,
    pub status_text: String,
    pub completed: String,
    pub note: String,
    pub residual_risk: String,
    pub evaluation_date: String,
    pub accounts: Vec<(String, String)>,
    pub errors: Vec<String>,
}

impl ItemPage {
    pub fn new(
        chrome: Chrome,
        catalog: &Catalog,
        item: &PlanItemRow,
        accounts: &Accounts,
        errors: Vec<String>,
    ) -> ItemPage {
        let lang = chrome.lang;
        let status = item.status();
        let iso = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        let text = |t: &Option<String>| t.clone().unwrap_or_default();
        let completed = match (&item.completed_by, item.completed_on, &item.signed_off_by) {
            (Some(by), on, signed) => {
                let mut text = lang.t_with(
                    "plan.completed_by",
                    &[("who", by), ("date", &date_text(lang, on))],
                );
                if let Some(signed) = signed {
                    text.push_str(&lang.t_with("plan.signed_off_by", &[("who", signed)]));
                }
                text
            }
            _ => String::new(),
        };
        ItemPage {
            id: item.id.clone(),
            category: category_name(catalog, lang, &item.category),
            scope: scope_text(lang, &item.scope_path),
            raised_by: lang.t(&format!("plan.signal.{}", item.signal)).into_owned(),
            level: lang.t(&format!("plan.level.{}", item.level)).into_owned(),
            priority: item.priority,
            measure: item.measure.clone(),
            owner_user_id: text(&item.owner_user_id),
            owner_name: text(&item.owner_name),
            owner_email: text(&item.owner_email),
            owner_role: text(&item.owner_role),
            start_date: iso(item.start_date),
            deadline: iso(item.deadline),
            budget: text(&item.budget),
            status: crate::plan::wire(match status {
                ItemStatus::AwaitingSignOff => ItemStatus::Done,
                other => other,
            }),
            status_text: lang.t(&status_key(status)).into_owned(),
            completed,
            note: text(&item.note),
            residual_risk: text(&item.residual_risk),
            evaluation_date: iso(item.evaluation_date),
            accounts: accounts
                .iter()
                .map(|(id, email)| (id.clone(), email.clone()))
                .collect(),
            errors,
            chrome,
        }
    }

    /// The statuses a person chooses from.
    fn statuses(&self) -> Vec<(String, String)> {
        [
            ItemStatus::Planned,
            ItemStatus::InProgress,
            ItemStatus::Done,
            ItemStatus::Cancelled,
        ]
        .into_iter()
        .map(|s| {
            (
                crate::plan::wire(s),
                self.chrome.t(&status_key(s)).into_owned(),
            )
        })
        .collect()
    }
}

/// A round's suggestions, each measure with a button that accepts it into the plan.
#[derive(Template)]
#[template(path = "suggestions.html")]
pub struct SuggestionsPage {
    pub chrome: Chrome,
    pub round_id: String,
    pub round_name: String,
    pub risks: Vec<RiskView>,
}

pub struct RiskView {
    pub category_id: String,
    pub unit_id: String,
    pub heading: String,
    pub why: String,
    pub measures: Vec<MeasureView>,
}

pub struct MeasureView {
    pub id: String,
    pub title: String,
    pub level: String,
    pub owner_role: String,
    pub rationale: String,
}

impl SuggestionsPage {
    pub fn new(
        chrome: Chrome,
        catalog: &Catalog,
        round_id: String,
        round_name: String,
        suggestions: &[Suggestion],
    ) -> SuggestionsPage {
        let lang = chrome.lang;
        let text = |t: &crate::domain::questionnaire::Texts| {
            t.get(lang.code()).cloned().unwrap_or_default()
        };
        let risks = suggestions
            .iter()
            .map(|s| RiskView {
                category_id: s.category.clone(),
                unit_id: s.unit_id.clone().unwrap_or_default(),
                heading: format!(
                    "{} · {}",
                    category_name(catalog, lang, &s.category),
                    scope_text(lang, &s.path)
                ),
                why: lang.t_with(
                    "plan.suggestion_why",
                    &[
                        (
                            "light",
                            &lang.t(&format!("charts.light.{}", crate::plan::wire(s.light))),
                        ),
                        ("class", &s.fk_class.to_string()),
                        (
                            "rule",
                            &lang.t(&format!(
                                "plan.raised_by.{}",
                                crate::plan::wire(s.raised_by)
                            )),
                        ),
                        ("months", &s.term_months.to_string()),
                    ],
                ),
                measures: s
                    .measures
                    .iter()
                    .map(|m| MeasureView {
                        id: m.id.clone(),
                        title: text(&m.title),
                        level: lang
                            .t(&format!("plan.level.{}", crate::plan::wire(m.level)))
                            .into_owned(),
                        owner_role: text(&m.owner_role),
                        rationale: text(&m.rationale),
                    })
                    .collect(),
            })
            .collect();
        SuggestionsPage {
            chrome,
            round_id,
            round_name,
            risks,
        }
    }
}

/// The plan's history: every change, and whether the chain holds.
#[derive(Template)]
#[template(path = "plan_history.html")]
pub struct HistoryPage {
    pub chrome: Chrome,
    pub intact: bool,
    pub broken_at: Option<i64>,
    pub head: String,
    pub entries: Vec<HistoryRow>,
}

pub struct HistoryRow {
    pub seq: i64,
    pub at: String,
    pub who: String,
    pub item_id: String,
    pub field: String,
    pub old: String,
    pub new: String,
}
