//! The plan of action (DOMAIN.md sections 5 and 7): from a closed round's risks to suggested
//! measures. A *risk* is a category in a scope (the top or a shown unit group); every orange or
//! red risk gets the catalogue's measures that fit its sources, most urgent risk first and, per
//! risk, source measures first.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Questionnaire;
use super::measures::{Measure, MeasureCatalogue, SourceFit, StrategyLevel};
use super::questionnaire::{CategoryKind, Texts};
use super::results::{CategoryResult, RoundResults};
use super::risk::Light;

/// Which rule made a risk orange or red (DOMAIN.md section 5, "Traffic light").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RaisedBy {
    /// Behaviour: the Fine & Kinney class reached the red class.
    Class,
    /// Behaviour: `weekly_pct` reached the red share.
    WeeklyShare,
    /// Behaviour: someone was exposed (zero tolerance).
    Exposure,
    /// Strain: the mean reached the red (or orange) mean.
    Mean,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SuggestedMeasure {
    pub id: String,
    pub level: StrategyLevel,
    pub sources: SourceFit,
    #[schema(value_type = BTreeMap<String, String>)]
    pub title: Texts,
    #[schema(value_type = BTreeMap<String, String>)]
    pub owner_role: Texts,
    #[schema(value_type = BTreeMap<String, String>)]
    pub rationale: Texts,
}

/// The measures suggested for one risk, with the figures that raised it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Suggestion {
    pub category: String,
    /// `None` for the top group.
    pub unit_id: Option<String>,
    pub path: String,
    pub light: Light,
    pub fk_class: u8,
    pub raised_by: RaisedBy,
    /// The default term of an item for this class, in months from acceptance.
    pub term_months: u32,
    /// The figures behind the risk: `n` and, for behaviour, `exposed_pct` and `weekly_pct`, for
    /// strain, `mean` and `high_strain_pct`.
    pub figures: BTreeMap<String, f64>,
    /// Behaviour: the source options named by the exposed (ids); the measures fit them.
    pub sources: Vec<String>,
    pub measures: Vec<SuggestedMeasure>,
}

/// Suggests measures for every orange or red risk of `results`, ordered by Fine & Kinney class
/// (highest first), then group and category order; each risk's measures by strategy level.
pub fn suggest(
    q: &Questionnaire,
    catalogue: &MeasureCatalogue,
    results: &RoundResults,
) -> Vec<Suggestion> {
    let mut suggestions = Vec::new();
    for group in &results.groups {
        for category in &q.categories {
            let Some(figures) = group.categories.get(&category.id).and_then(|r| r.shown()) else {
                continue;
            };
            if figures.risk.light == Light::Green {
                continue;
            }
            let behaviour = category.kind == CategoryKind::Behaviour;
            let named: Vec<&super::questionnaire::SourceOption> = q
                .sources
                .options
                .iter()
                .filter(|o| behaviour && figures.source_pct.get(&o.id).is_some_and(|s| s.pct > 0.0))
                .collect();
            let internal = named.iter().any(|o| !o.external);
            let external = named.iter().any(|o| o.external);
            // Nobody named a source (or strain): every measure fits.
            let fits = |m: &Measure| match m.sources {
                SourceFit::Any => true,
                _ if named.is_empty() => true,
                SourceFit::Internal => internal,
                SourceFit::External => external,
            };
            let mut measures: Vec<&Measure> = catalogue
                .measures_for(&category.id)
                .filter(|m| fits(m))
                .collect();
            measures.sort_by_key(|m| m.level);
            let s = &category.settings;
            let class = figures.risk.fk_class;
            let term = s.terms_months[usize::from(class.clamp(1, 5)) - 1];
            suggestions.push(Suggestion {
                category: category.id.clone(),
                unit_id: group.unit_id.clone(),
                path: group.path.clone(),
                light: figures.risk.light,
                fk_class: class,
                raised_by: raised_by(behaviour, figures, s),
                term_months: term,
                figures: key_figures(behaviour, figures),
                sources: named.iter().map(|o| o.id.clone()).collect(),
                measures: measures
                    .into_iter()
                    .map(|m| SuggestedMeasure {
                        id: m.id.clone(),
                        level: m.level,
                        sources: m.sources,
                        title: m.title.clone(),
                        owner_role: m.owner_role.clone(),
                        rationale: m.rationale.clone(),
                    })
                    .collect(),
            });
        }
    }
    // Stable: equal classes keep group and category order.
    suggestions.sort_by_key(|s| std::cmp::Reverse(s.fk_class));
    suggestions
}

/// The rule behind the light, decided on the exact class where it can be, else by elimination:
/// the light was computed exactly at close, so a red behaviour risk below the red class was red
/// by its weekly share.
fn raised_by(
    behaviour: bool,
    figures: &CategoryResult,
    s: &super::questionnaire::RiskSettings,
) -> RaisedBy {
    let class = figures.risk.fk_class;
    match (behaviour, figures.risk.light) {
        (true, Light::Red) if class >= s.red_class => RaisedBy::Class,
        (true, Light::Red) => RaisedBy::WeeklyShare,
        (true, _) => RaisedBy::Exposure,
        (false, Light::Red) if class >= s.red_class => RaisedBy::Class,
        (false, Light::Orange) if class >= s.strain_orange_class => RaisedBy::Class,
        (false, _) => RaisedBy::Mean,
    }
}

fn key_figures(behaviour: bool, f: &CategoryResult) -> BTreeMap<String, f64> {
    let mut figures = BTreeMap::from([("n".to_owned(), f.n as f64)]);
    let shares: [(&str, Option<f64>); 2] = if behaviour {
        [("exposed_pct", f.exposed_pct), ("weekly_pct", f.weekly_pct)]
    } else {
        [
            ("mean", Some(f.mean)),
            ("high_strain_pct", f.high_strain_pct),
        ]
    };
    for (name, value) in shares {
        if let Some(v) = value {
            figures.insert(name.to_owned(), v);
        }
    }
    figures
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::answers::{Answers, RawAnswers};
    use crate::domain::results::compute;
    use crate::domain::round::{FrozenUnit, MinGroupSize};

    fn basis() -> Questionnaire {
        Questionnaire::parse(include_str!("../../questionnaires/psa-basis.toml")).unwrap()
    }

    fn catalogue() -> MeasureCatalogue {
        MeasureCatalogue::parse(include_str!("../../questionnaires/measures.toml")).unwrap()
    }

    fn respondent(q: &Questionnaire, pe1: i32, source: Option<&str>, wd: i32) -> Answers {
        let mut raw = RawAnswers::default();
        for item in ["pe1", "pe2", "pe3", "pe4", "pe5"] {
            raw.items
                .insert(item.into(), Some(if item == "pe1" { pe1 } else { 1 }));
        }
        for item in ["wd1", "wd2", "wd3", "wd4", "wd8"] {
            raw.items.insert(item.into(), Some(wd));
        }
        if let Some(source) = source {
            raw.sources = BTreeMap::from([("pesten".into(), vec![source.into()])]);
        }
        Answers::parse(&raw, q).unwrap()
    }

    fn unit(id: &str) -> FrozenUnit {
        FrozenUnit {
            id: id.into(),
            parent: None,
            name: id.into(),
            path: id.into(),
            headcount: None,
        }
    }

    #[test]
    fn orange_and_red_risks_get_measures_that_fit_their_sources() {
        let q = basis();
        // 10 respondents in A: one bullied monthly by clients (orange, not weekly);
        // 10 in B: two bullied weekly by colleagues (red). Work pressure high everywhere.
        let mut responses = Vec::new();
        for i in 0..10 {
            let (pe1, source) = if i == 0 {
                (3, Some("derden"))
            } else {
                (1, None)
            };
            responses.push(("a".to_owned(), respondent(&q, pe1, source, 5)));
        }
        for i in 0..10 {
            let (pe1, source) = if i < 2 {
                (4, Some("collega"))
            } else {
                (1, None)
            };
            responses.push(("b".to_owned(), respondent(&q, pe1, source, 5)));
        }
        let results = compute(
            &q,
            &[unit("a"), unit("b")],
            responses,
            MinGroupSize::new(5).unwrap(),
        );
        let suggestions = suggest(&q, &catalogue(), &results);
        assert!(
            suggestions.iter().all(|s| s.light != Light::Green),
            "green risks need nothing"
        );
        let classes: Vec<u8> = suggestions.iter().map(|s| s.fk_class).collect();
        let mut sorted = classes.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        assert_eq!(classes, sorted, "most urgent first");
        let find = |unit: &str, category: &str| {
            suggestions
                .iter()
                .find(|s| s.unit_id.as_deref() == Some(unit) && s.category == category)
                .unwrap_or_else(|| panic!("{unit} {category}"))
        };
        let a = find("a", "pesten");
        assert_eq!(a.light, Light::Orange);
        assert_eq!(a.raised_by, RaisedBy::Exposure);
        assert_eq!(a.sources, ["derden"]);
        assert!(
            a.measures.iter().all(|m| m.sources != SourceFit::Internal),
            "clients: no internal measures"
        );
        assert!(a.measures.iter().any(|m| m.id == "huisregels"));
        let b = find("b", "pesten");
        assert_eq!(b.light, Light::Red);
        assert_eq!(b.raised_by, RaisedBy::WeeklyShare, "20% weekly, class 3");
        assert_eq!(b.fk_class, 3);
        assert_eq!(b.term_months, 6, "class 3: six months");
        assert_eq!(b.figures["weekly_pct"], 20.0);
        assert!(b.measures.iter().all(|m| m.sources != SourceFit::External));
        assert!(b.measures.iter().any(|m| m.id == "gedragscode"));
        let levels: Vec<StrategyLevel> = b.measures.iter().map(|m| m.level).collect();
        let mut ordered = levels.clone();
        ordered.sort();
        assert_eq!(levels, ordered, "source measures first");
        assert_eq!(levels[0], StrategyLevel::Source);
        // Work pressure at 100 for all: red by its mean (class 3 < 4).
        let strain = find("a", "werkdruk");
        assert_eq!(strain.light, Light::Red);
        assert_eq!(strain.raised_by, RaisedBy::Mean);
        assert_eq!(strain.figures["mean"], 100.0);
        assert!(strain.measures.len() >= 5, "strain: every measure fits");
    }

    #[test]
    fn hidden_groups_raise_no_suggestion() {
        let q = basis();
        // Four respondents, all bullied weekly: below k = 5, nothing is shown or suggested.
        let responses = (0..4).map(|_| ("a".to_owned(), respondent(&q, 5, Some("collega"), 5)));
        let results = compute(&q, &[unit("a")], responses, MinGroupSize::new(5).unwrap());
        assert!(suggest(&q, &catalogue(), &results).is_empty());
    }
}

/// Where a plan item stands (DOMAIN.md section 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    Planned,
    InProgress,
    /// Reported done; a second account must sign it off (where the organisation asks for it).
    AwaitingSignOff,
    Done,
    Cancelled,
}

/// Where an item stands for progress reports and the plan-status chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    Done,
    /// In progress, or awaiting sign-off.
    Running,
    Planned,
    /// Past its deadline and not done.
    Overdue,
}

impl ItemStatus {
    /// The item's standing on `today`; `None` for a cancelled item, which counts nowhere.
    pub fn standing(
        self,
        deadline: Option<chrono::NaiveDate>,
        today: chrono::NaiveDate,
    ) -> Option<Standing> {
        match self {
            ItemStatus::Cancelled => None,
            ItemStatus::Done => Some(Standing::Done),
            _ if deadline.is_some_and(|d| d < today) => Some(Standing::Overdue),
            ItemStatus::Planned => Some(Standing::Planned),
            ItemStatus::InProgress | ItemStatus::AwaitingSignOff => Some(Standing::Running),
        }
    }
}

/// Why a status change is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StatusError {
    #[error("report the item done; psa asks for sign-off where the organisation wants it")]
    AwaitingIsNotChosen,
    #[error("only an item reported done awaits sign-off")]
    NotAwaiting,
    #[error("a second account must sign off: not the one that reported the item done")]
    SameAccount,
}

/// The status an item takes when `requested` is asked of it in `current`: done becomes
/// awaiting sign-off where the organisation requires it, and stays so until signed off.
pub fn transition(
    current: ItemStatus,
    requested: ItemStatus,
    sign_off_required: bool,
) -> Result<ItemStatus, StatusError> {
    Ok(match (current, requested) {
        (_, ItemStatus::AwaitingSignOff) => return Err(StatusError::AwaitingIsNotChosen),
        (ItemStatus::Done | ItemStatus::AwaitingSignOff, ItemStatus::Done) => current,
        (_, ItemStatus::Done) if sign_off_required => ItemStatus::AwaitingSignOff,
        (_, requested) => requested,
    })
}

/// Signs off an item awaiting it: done when approved, back in progress when not. `by` must
/// differ from `reported_by`, the account that reported it done.
pub fn sign_off(
    current: ItemStatus,
    reported_by: Option<&str>,
    by: &str,
    approve: bool,
) -> Result<ItemStatus, StatusError> {
    if current != ItemStatus::AwaitingSignOff {
        return Err(StatusError::NotAwaiting);
    }
    if reported_by == Some(by) {
        return Err(StatusError::SameAccount);
    }
    Ok(if approve {
        ItemStatus::Done
    } else {
        ItemStatus::InProgress
    })
}

/// The default deadline of an item of Fine & Kinney `class` accepted on `accepted`: the class's
/// term in calendar months, clamped to the month's end (31 January + 1 month = 28 or 29
/// February).
pub fn default_deadline(
    accepted: chrono::NaiveDate,
    class: u8,
    terms_months: &[u32; 5],
) -> Option<chrono::NaiveDate> {
    let months = terms_months[usize::from(class.clamp(1, 5)) - 1];
    accepted.checked_add_months(chrono::Months::new(months))
}

/// One change to the plan, as kept in its history: who changed which field of which item, from
/// what to what, and when (an RFC 3339 timestamp, as stored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Change {
    pub item_id: String,
    pub at: String,
    pub who: String,
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// The hash of the chain's start, before any change.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The hash of a change given the hash before it: SHA-256 over the previous hash and every
/// field, each length-prefixed so that no two different changes hash alike.
pub fn chain_hash(previous: &str, change: &Change) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    let optional =
        |v: &Option<String>| v.as_deref().map_or("\u{0}absent".to_owned(), str::to_owned);
    for part in [
        previous.to_owned(),
        change.item_id.clone(),
        change.at.clone(),
        change.who.clone(),
        change.field.clone(),
        optional(&change.old),
        optional(&change.new),
    ] {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Checks a history in order, each entry with the hash stored beside it: the position of the
/// first entry whose stored hash does not follow from the ones before, or the chain's head.
pub fn verify_chain<'a>(
    entries: impl IntoIterator<Item = (&'a Change, &'a str)>,
) -> Result<String, usize> {
    let mut head = GENESIS.to_owned();
    for (position, (change, stored)) in entries.into_iter().enumerate() {
        let expected = chain_hash(&head, change);
        if expected != stored {
            return Err(position);
        }
        head = expected;
    }
    Ok(head)
}

/// Items per standing, as a year's progress report counts them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ProgressCounts {
    /// Added during the year.
    pub added: u32,
    /// Done (signed off, where required) during the year.
    pub done: u32,
    pub running: u32,
    pub planned: u32,
    pub overdue: u32,
    /// Cancelled during the year.
    pub cancelled: u32,
}

/// One year of the plan, per category, for the report to the works council.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct YearProgress {
    pub year: i32,
    /// The day the standings are counted on: the year's last day, or today in the current year.
    #[schema(value_type = String, format = Date)]
    pub as_of: chrono::NaiveDate,
    #[schema(value_type = BTreeMap<String, ProgressCounts>)]
    pub categories: BTreeMap<String, ProgressCounts>,
    pub total: ProgressCounts,
}

/// The day of a change in Europe/Amsterdam, where plan dates are counted.
fn change_day(change: &Change) -> Option<chrono::NaiveDate> {
    chrono::DateTime::parse_from_rfc3339(&change.at)
        .ok()
        .map(|at| at.with_timezone(&chrono_tz::Europe::Amsterdam).date_naive())
}

/// The progress of `year`, replayed from the plan's history (so it shows the plan as it stood at
/// the year's end, not as it was edited later): items done or cancelled during the year, and
/// the standing of the others on the year's last day (today, in the current year).
pub fn progress(history: &[Change], year: i32, today: chrono::NaiveDate) -> YearProgress {
    #[derive(Default)]
    struct Item {
        category: String,
        status: Option<ItemStatus>,
        deadline: Option<chrono::NaiveDate>,
        added: Option<chrono::NaiveDate>,
        /// When the status last changed.
        changed: Option<chrono::NaiveDate>,
    }
    let year_end = chrono::NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(chrono::NaiveDate::MAX);
    let as_of = year_end.min(today);
    let mut items: BTreeMap<&str, Item> = BTreeMap::new();
    for change in history {
        let Some(day) = change_day(change).filter(|d| *d <= as_of) else {
            continue;
        };
        let item = items.entry(&change.item_id).or_default();
        item.added.get_or_insert(day);
        let new = change.new.as_deref();
        match change.field.as_str() {
            "category" => item.category = new.unwrap_or_default().to_owned(),
            "deadline" => item.deadline = new.and_then(|d| d.parse().ok()),
            "status" => {
                item.status = new.and_then(|s| {
                    serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
                });
                item.changed = Some(day);
            }
            _ => {}
        }
    }
    let in_year =
        |day: Option<chrono::NaiveDate>| day.is_some_and(|d| chrono::Datelike::year(&d) == year);
    let mut categories: BTreeMap<String, ProgressCounts> = BTreeMap::new();
    let mut total = ProgressCounts::default();
    for item in items.into_values() {
        let Some(status) = item.status else { continue };
        let mut counts = ProgressCounts {
            added: u32::from(in_year(item.added)),
            ..ProgressCounts::default()
        };
        match status {
            ItemStatus::Cancelled => counts.cancelled = u32::from(in_year(item.changed)),
            ItemStatus::Done => counts.done = u32::from(in_year(item.changed)),
            _ => match status.standing(item.deadline, as_of) {
                Some(Standing::Overdue) => counts.overdue = 1,
                Some(Standing::Running) => counts.running = 1,
                _ => counts.planned = 1,
            },
        }
        for sum in [categories.entry(item.category).or_default(), &mut total] {
            sum.added += counts.added;
            sum.done += counts.done;
            sum.running += counts.running;
            sum.planned += counts.planned;
            sum.overdue += counts.overdue;
            sum.cancelled += counts.cancelled;
        }
    }
    YearProgress {
        year,
        as_of,
        categories,
        total,
    }
}

/// What a plan item contributes to completeness: its category and scope (`None`: the top), and
/// whether it counts (not cancelled, with an owner and a deadline).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Coverage<'a> {
    pub category: &'a str,
    pub scope: Option<&'a str>,
    pub counts: bool,
}

/// The risks (as suggested for a round) that no counting item covers. An item covers its scope
/// and every scope below it in the round's frozen unit tree; sources do not matter.
pub fn uncovered<'a>(
    risks: &'a [Suggestion],
    frozen: &[super::round::FrozenUnit],
    items: &[Coverage],
) -> Vec<&'a Suggestion> {
    let parent_of = |unit: &str| {
        frozen
            .iter()
            .find(|u| u.id == unit)
            .and_then(|u| u.parent.as_deref())
    };
    // The risk's scope and every scope above it, up to the top (`None`).
    let scopes_above = |scope: Option<&'a str>| {
        let mut scopes = vec![None];
        let mut current = scope;
        while let Some(unit) = current {
            scopes.push(Some(unit));
            current = parent_of(unit);
        }
        scopes
    };
    risks
        .iter()
        .filter(|risk| {
            let above = scopes_above(risk.unit_id.as_deref());
            !items.iter().any(|item| {
                item.counts && item.category == risk.category && above.contains(&item.scope)
            })
        })
        .collect()
}

#[cfg(test)]
mod plan_tests {
    use chrono::NaiveDate;

    use super::*;

    const TERMS: [u32; 5] = [12, 12, 6, 3, 1];

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn risk(category: &str, unit: Option<&str>) -> Suggestion {
        Suggestion {
            category: category.into(),
            unit_id: unit.map(Into::into),
            path: String::new(),
            light: Light::Red,
            fk_class: 3,
            raised_by: RaisedBy::Exposure,
            term_months: 6,
            figures: BTreeMap::new(),
            sources: vec![],
            measures: vec![],
        }
    }

    #[test]
    fn an_item_covers_its_scope_and_every_scope_below() {
        let unit = |id: &str, parent: Option<&str>| crate::domain::round::FrozenUnit {
            id: id.into(),
            parent: parent.map(Into::into),
            name: id.into(),
            path: id.into(),
            headcount: None,
        };
        let frozen = [
            unit("zorg", None),
            unit("nacht", Some("zorg")),
            unit("kantoor", None),
        ];
        let risks = [
            risk("pesten", None),
            risk("pesten", Some("nacht")),
            risk("pesten", Some("kantoor")),
            risk("werkdruk", Some("nacht")),
        ];
        let item = |category, scope, counts| Coverage {
            category,
            scope,
            counts,
        };
        let missing = |items: &[Coverage]| -> Vec<(String, Option<String>)> {
            uncovered(&risks, &frozen, items)
                .iter()
                .map(|r| (r.category.clone(), r.unit_id.clone()))
                .collect()
        };
        assert_eq!(missing(&[]).len(), 4);
        // An item for Zorg covers Zorg/Nacht below it, not Kantoor beside it, nor the top.
        let zorg = [item("pesten", Some("zorg"), true)];
        assert_eq!(
            missing(&zorg),
            [
                ("pesten".to_owned(), None),
                ("pesten".to_owned(), Some("kantoor".to_owned())),
                ("werkdruk".to_owned(), Some("nacht".to_owned()))
            ]
        );
        // An organisation-wide item covers every scope of its category.
        assert_eq!(missing(&[item("pesten", None, true)]).len(), 1);
        // A cancelled item, or one without owner or deadline, covers nothing.
        assert_eq!(missing(&[item("pesten", None, false)]).len(), 4);
    }

    #[test]
    fn completion_awaits_sign_off_by_a_second_account_where_required() {
        use ItemStatus::*;
        assert_eq!(transition(InProgress, Done, false), Ok(Done));
        assert_eq!(transition(Planned, Done, true), Ok(AwaitingSignOff));
        assert_eq!(
            transition(AwaitingSignOff, Done, true),
            Ok(AwaitingSignOff),
            "asking again does not sign it off"
        );
        assert_eq!(transition(Done, Done, true), Ok(Done), "done stays done");
        assert_eq!(
            transition(AwaitingSignOff, InProgress, true),
            Ok(InProgress)
        );
        assert_eq!(
            transition(Planned, AwaitingSignOff, false),
            Err(StatusError::AwaitingIsNotChosen)
        );
        assert_eq!(
            sign_off(AwaitingSignOff, Some("a@x.nl"), "a@x.nl", true),
            Err(StatusError::SameAccount)
        );
        assert_eq!(
            sign_off(AwaitingSignOff, Some("a@x.nl"), "b@x.nl", true),
            Ok(Done)
        );
        assert_eq!(
            sign_off(AwaitingSignOff, Some("a@x.nl"), "b@x.nl", false),
            Ok(InProgress)
        );
        assert_eq!(
            sign_off(InProgress, Some("a@x.nl"), "b@x.nl", true),
            Err(StatusError::NotAwaiting)
        );
    }

    #[test]
    fn standing_counts_overdue_before_planned_or_running() {
        use ItemStatus::*;
        let today = date(2026, 11, 29);
        let past = Some(date(2026, 11, 28));
        assert_eq!(Planned.standing(past, today), Some(Standing::Overdue));
        assert_eq!(
            AwaitingSignOff.standing(past, today),
            Some(Standing::Overdue)
        );
        assert_eq!(Done.standing(past, today), Some(Standing::Done));
        assert_eq!(Cancelled.standing(past, today), None);
        assert_eq!(
            InProgress.standing(Some(today), today),
            Some(Standing::Running),
            "due today is not overdue"
        );
        assert_eq!(Planned.standing(None, today), Some(Standing::Planned));
    }

    #[test]
    fn a_years_progress_is_replayed_from_the_history_as_it_stood_at_the_year_end() {
        let at = |item: &str, at: &str, field: &str, new: &str| Change {
            item_id: item.into(),
            at: at.into(),
            who: "hr@x.nl".into(),
            field: field.into(),
            old: None,
            new: Some(new.into()),
        };
        let added = |item: &str, day: &str, category: &str, deadline: &str| {
            [
                at(item, day, "category", category),
                at(item, day, "deadline", deadline),
                at(item, day, "status", "planned"),
            ]
        };
        let mut history: Vec<Change> = Vec::new();
        history.extend(added("a", "2025-03-01T09:00:00Z", "pesten", "2025-09-01"));
        history.extend(added("b", "2025-03-01T09:00:00Z", "pesten", "2026-03-01"));
        history.extend(added("c", "2025-03-01T09:00:00Z", "werkdruk", "2025-06-01"));
        history.extend(added("d", "2025-04-01T09:00:00Z", "werkdruk", "2026-06-01"));
        history.push(at("a", "2025-08-01T09:00:00Z", "status", "done"));
        history.push(at("d", "2025-05-01T09:00:00Z", "status", "in_progress"));
        // 23:30 UTC on 31 December is 1 January in Amsterdam: next year's cancellation.
        history.push(at("b", "2025-12-31T23:30:00Z", "status", "cancelled"));
        // Edited later: does not change how 2025 ended.
        history.push(at("c", "2026-02-01T09:00:00Z", "status", "done"));
        history.push(at("c", "2026-02-01T09:00:00Z", "deadline", "2026-12-01"));

        let y2025 = progress(&history, 2025, date(2026, 11, 29));
        assert_eq!(y2025.as_of, date(2025, 12, 31));
        assert_eq!(
            y2025.categories["pesten"],
            ProgressCounts {
                added: 2,
                done: 1,
                planned: 1,
                ..Default::default()
            }
        );
        assert_eq!(
            y2025.categories["werkdruk"],
            ProgressCounts {
                added: 2,
                running: 1,
                overdue: 1,
                ..Default::default()
            }
        );
        assert_eq!(y2025.total.added, 4);

        let y2026 = progress(&history, 2026, date(2026, 11, 29));
        assert_eq!(
            y2026.as_of,
            date(2026, 11, 29),
            "the current year counts to today"
        );
        assert_eq!(
            y2026.categories["pesten"],
            ProgressCounts {
                cancelled: 1,
                ..Default::default()
            },
            "a, done last year, is not counted again"
        );
        assert_eq!(
            y2026.categories["werkdruk"],
            ProgressCounts {
                done: 1,
                overdue: 1,
                ..Default::default()
            },
            "d ran past its deadline"
        );
    }

    #[test]
    fn deadlines_count_calendar_months_clamped_to_the_month_end() {
        assert_eq!(
            default_deadline(date(2026, 1, 31), 5, &TERMS),
            Some(date(2026, 2, 28))
        );
        assert_eq!(
            default_deadline(date(2028, 1, 31), 5, &TERMS),
            Some(date(2028, 2, 29))
        );
        assert_eq!(
            default_deadline(date(2026, 8, 31), 3, &TERMS),
            Some(date(2027, 2, 28))
        );
        assert_eq!(
            default_deadline(date(2026, 11, 29), 4, &TERMS),
            Some(date(2027, 2, 28))
        );
        assert_eq!(
            default_deadline(date(2026, 11, 29), 1, &TERMS),
            Some(date(2027, 11, 29))
        );
        assert_eq!(
            default_deadline(date(2026, 5, 15), 2, &TERMS),
            Some(date(2027, 5, 15))
        );
    }

    fn change(field: &str, new: &str) -> Change {
        Change {
            item_id: "item1".into(),
            at: "2026-11-29T10:00:00Z".into(),
            who: "hr@example.nl".into(),
            field: field.into(),
            old: None,
            new: Some(new.into()),
        }
    }

    #[test]
    fn the_history_chain_detects_any_edited_entry() {
        let changes = [
            change("measure", "Gedragscode"),
            change("owner", "HR"),
            change("status", "done"),
        ];
        let mut hashes = Vec::new();
        let mut head = GENESIS.to_owned();
        for c in &changes {
            head = chain_hash(&head, c);
            hashes.push(head.clone());
        }
        let stored = || changes.iter().zip(hashes.iter().map(String::as_str));
        assert_eq!(verify_chain(stored()), Ok(head.clone()));
        // Edit the middle entry's value by hand: found at its position.
        let mut edited = changes.clone();
        edited[1].new = Some("iemand anders".into());
        assert_eq!(
            verify_chain(edited.iter().zip(hashes.iter().map(String::as_str))),
            Err(1)
        );
        // Remove an entry: the next one no longer follows.
        let without: Vec<(&Change, &str)> = stored().filter(|(c, _)| c.field != "owner").collect();
        assert_eq!(verify_chain(without), Err(1));
        // "absent" and an empty value differ.
        let mut empty = change("budget", "");
        let absent = Change {
            new: None,
            ..empty.clone()
        };
        assert_ne!(chain_hash(GENESIS, &empty), chain_hash(GENESIS, &absent));
        empty.field = "budge".into();
        empty.new = Some("t".into());
        assert_ne!(
            chain_hash(GENESIS, &empty),
            chain_hash(GENESIS, &change("budget", ""))
        );
    }
}
