//! A closed round's results: per group (the top and each unit with its sub-units, as the round
//! froze them) and category, the figures and the risk evaluation, with every group below the
//! threshold replaced by `{"suppressed": true}`.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::Questionnaire;
use super::aggregate::{Figures, Share, Tally};
use super::anonymity::{Group, Released, release};
use super::answers::{AnswerView, Answers};
use super::risk::{RiskEvaluation, evaluate};
use super::round::{FrozenUnit, MinGroupSize};
use super::scoring::Scorer;

/// One category of one shown group, with DOMAIN.md section 4's field names. Shares and their
/// 95% Wilson intervals are in percent: `exposed`, `monthly` and `weekly` for behaviour,
/// `high_strain` for strain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CategoryResult {
    pub n: u64,
    pub mean: f64,
    pub sd: f64,
    pub mean_ci_low: f64,
    pub mean_ci_high: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exposed_pct: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exposed_ci_low: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exposed_ci_high: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monthly_pct: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monthly_ci_low: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monthly_ci_high: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weekly_pct: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weekly_ci_low: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weekly_ci_high: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high_strain_pct: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high_strain_ci_low: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high_strain_ci_high: Option<f64>,
    /// Behaviour: per source option id, the exposed who named it, as a share of n.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub source_pct: BTreeMap<String, Share>,
    /// The self-label figures, suppressed on their own count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = released_self_label)]
    pub self_label: Option<Released<SelfLabel>>,
    #[serde(flatten)]
    pub risk: RiskEvaluation,
    /// Against the previous closed round (DOMAIN.md section 5); attached after computing, where
    /// comparable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trend: Option<Trend>,
}

fn released_self_label() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    super::anonymity::released_schema::<SelfLabel>()
}

fn released_categories() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .additional_properties(Some(utoipa::openapi::schema::AdditionalProperties::RefOr(
            super::anonymity::released_schema::<CategoryResult>(),
        )))
        .build()
}

/// A category's change since the previous closed round of the same questionnaire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Trend {
    pub previous_round_id: String,
    /// The previous round's `exposed_pct` (strain: `mean`) with its interval, `n`, `light` and
    /// `fk_class`.
    #[schema(value_type = Object)]
    pub previous: serde_json::Value,
    /// Now minus then, in percentage points (strain: points).
    pub change: f64,
    /// Whether the two 95% intervals do not overlap.
    pub significant: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SelfLabel {
    pub self_label_n: u64,
    pub self_label_pct: f64,
    pub self_label_ci_low: f64,
    pub self_label_ci_high: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GroupResult {
    /// `None` for the top: the organisation, or the units covered.
    pub unit_id: Option<String>,
    pub path: String,
    /// By category id.
    #[schema(schema_with = released_categories)]
    pub categories: BTreeMap<String, Released<CategoryResult>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RoundResults {
    pub min_group_size: u32,
    /// Responses scored.
    pub responses: u64,
    pub groups: Vec<GroupResult>,
}

/// Scores every response, adds them up per group, suppresses small groups, and evaluates risk.
pub fn compute(
    q: &Questionnaire,
    frozen: &[FrozenUnit],
    responses: impl IntoIterator<Item = (String, Answers)>,
    k: MinGroupSize,
) -> RoundResults {
    let mut tally = RoundTally::new(q, frozen);
    for (unit, answers) in responses {
        tally.add(&unit, &answers);
    }
    tally.finish(k)
}

/// A round's responses added up per frozen unit, before suppression: exact counts and sums, so
/// the order of adding (and how the work is split) changes nothing.
#[derive(Debug, Clone)]
pub struct RoundTally<'q> {
    q: &'q Questionnaire,
    frozen: &'q [FrozenUnit],
    scorer: Scorer,
    /// Group 0 is the top; then the frozen units in path order.
    groups: Vec<Group>,
    index: HashMap<&'q str, usize>,
    /// Per group, its own respondents' tallies (sub-groups apart), one per category.
    own: Vec<Vec<Tally>>,
    count: u64,
}

impl<'q> RoundTally<'q> {
    pub fn new(q: &'q Questionnaire, frozen: &'q [FrozenUnit]) -> Self {
        let scorer = Scorer::new(q);
        let mut groups = vec![Group {
            parent: None,
            path: Vec::new(),
            own: 0,
        }];
        let mut index: HashMap<&str, usize> = HashMap::new();
        for unit in frozen {
            let parent = unit
                .parent
                .as_deref()
                .and_then(|p| index.get(p).copied())
                .unwrap_or(0);
            let path = unit.path.split('/').map(str::to_owned).collect();
            index.insert(unit.id.as_str(), groups.len());
            groups.push(Group {
                parent: Some(parent),
                path,
                own: 0,
            });
        }
        let own = vec![vec![Tally::default(); scorer.layouts.len()]; groups.len()];
        RoundTally {
            q,
            frozen,
            scorer,
            groups,
            index,
            own,
            count: 0,
        }
    }

    /// Adds one response of `unit` (a frozen unit's id; anything else counts at the top).
    pub fn add(&mut self, unit: &str, answers: &impl AnswerView) {
        self.count += 1;
        let g = self.index.get(unit).copied().unwrap_or(0);
        self.scorer.tally(answers, &mut self.own[g]);
    }

    /// Suppresses small groups and evaluates the shown ones.
    pub fn finish(self, k: MinGroupSize) -> RoundResults {
        let RoundTally {
            q,
            frozen,
            scorer,
            groups,
            own,
            count,
            ..
        } = self;
        let categories = scorer.layouts.len();
        // Each group's tally includes its sub-groups (children come after parents in path order).
        let mut total = own.clone();
        for g in (1..groups.len()).rev() {
            if let Some(parent) = groups[g].parent {
                let child = total[g].clone();
                for (mine, theirs) in total[parent].iter_mut().zip(&child) {
                    mine.merge(theirs);
                }
            }
        }
        let k_value = u64::from(k.get());
        let sources: Vec<String> = q.sources.options.iter().map(|o| o.id.clone()).collect();
        let mut shown_by_category = Vec::with_capacity(categories);
        for c in 0..categories {
            let with = |count: fn(&Tally) -> u64| {
                let sized: Vec<Group> = groups
                    .iter()
                    .zip(&own)
                    .map(|(group, tallies)| Group {
                        own: count(&tallies[c]),
                        ..group.clone()
                    })
                    .collect();
                release(&sized, k_value)
            };
            shown_by_category.push((with(|t| t.n), with(|t| t.self_label_n)));
        }
        let results = groups
            .iter()
            .enumerate()
            .map(|(g, group)| GroupResult {
                unit_id: (g > 0).then(|| frozen[g - 1].id.clone()),
                path: group.path.join("/"),
                categories: scorer
                    .layouts
                    .iter()
                    .enumerate()
                    .map(|(c, layout)| {
                        let tally = &total[g][c];
                        let (shown, labels_shown) = &shown_by_category[c];
                        let released = if shown[g] {
                            let figures = Figures::of(tally, layout, &sources);
                            let category = &q.categories[c];
                            let has_label = q
                                .items_of(&category.id)
                                .any(|i| i.kind == super::questionnaire::ItemKind::SelfLabel);
                            let self_label = has_label.then(|| {
                                if labels_shown[g] {
                                    let s = super::aggregate::wilson(
                                        tally.self_label_yes,
                                        tally.self_label_n,
                                    );
                                    Released::Shown(SelfLabel {
                                        self_label_n: tally.self_label_n,
                                        self_label_pct: s.pct,
                                        self_label_ci_low: s.ci_low,
                                        self_label_ci_high: s.ci_high,
                                    })
                                } else {
                                    Released::Suppressed
                                }
                            });
                            let mut risk = evaluate(category, layout, tally);
                            if !labels_shown[g] {
                                risk.above_benchmark = None;
                            }
                            Released::Shown(CategoryResult {
                                n: figures.n,
                                mean: figures.mean,
                                sd: figures.sd,
                                mean_ci_low: figures.mean_ci_low,
                                mean_ci_high: figures.mean_ci_high,
                                exposed_pct: figures.exposed.map(|s| s.pct),
                                exposed_ci_low: figures.exposed.map(|s| s.ci_low),
                                exposed_ci_high: figures.exposed.map(|s| s.ci_high),
                                monthly_pct: figures.monthly.map(|s| s.pct),
                                monthly_ci_low: figures.monthly.map(|s| s.ci_low),
                                monthly_ci_high: figures.monthly.map(|s| s.ci_high),
                                weekly_pct: figures.weekly.map(|s| s.pct),
                                weekly_ci_low: figures.weekly.map(|s| s.ci_low),
                                weekly_ci_high: figures.weekly.map(|s| s.ci_high),
                                high_strain_pct: figures.high_strain.map(|s| s.pct),
                                high_strain_ci_low: figures.high_strain.map(|s| s.ci_low),
                                high_strain_ci_high: figures.high_strain.map(|s| s.ci_high),
                                source_pct: figures.source,
                                self_label,
                                risk,
                                trend: None,
                            })
                        } else {
                            Released::Suppressed
                        };
                        (layout.id.clone(), released)
                    })
                    .collect(),
            })
            .collect();
        RoundResults {
            min_group_size: k.get(),
            responses: count,
            groups: results,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::answers::RawAnswers;

    fn basis() -> Questionnaire {
        Questionnaire::parse(include_str!("../../questionnaires/psa-basis.toml")).unwrap()
    }

    fn frozen(id: &str, parent: Option<&str>, path: &str) -> FrozenUnit {
        FrozenUnit {
            id: id.into(),
            parent: parent.map(Into::into),
            name: path.rsplit('/').next().unwrap().into(),
            path: path.into(),
            headcount: None,
        }
    }

    fn answers(q: &Questionnaire, pe1: i32, wd: i32) -> Answers {
        let mut raw = RawAnswers::default();
        for item in ["pe1", "pe2", "pe3", "pe4", "pe5"] {
            raw.items
                .insert(item.into(), Some(if item == "pe1" { pe1 } else { 1 }));
        }
        for item in ["wd1", "wd2", "wd3", "wd4"] {
            raw.items.insert(item.into(), Some(wd));
        }
        raw.items
            .insert("pe_self".into(), Some(if pe1 > 1 { 2 } else { 1 }));
        Answers::parse(&raw, q).unwrap()
    }

    #[test]
    fn a_worked_example_by_hand() {
        let q = basis();
        let units = [frozen("a", None, "A"), frozen("b", None, "B")];
        // A: 6 respondents, 2 exposed weekly (pe1 = 4); B: 4 respondents, none exposed. k = 5.
        let mut responses: Vec<(String, Answers)> = Vec::new();
        for i in 0..6 {
            responses.push(("a".into(), answers(&q, if i < 2 { 4 } else { 1 }, 3)));
        }
        for _ in 0..4 {
            responses.push(("b".into(), answers(&q, 1, 5)));
        }
        let results = compute(&q, &units, responses, MinGroupSize::new(5).unwrap());
        assert_eq!(results.responses, 10);
        let json = serde_json::to_value(&results).unwrap();
        let top = &json["groups"][0]["categories"]["pesten"];
        assert_eq!(top["n"], 10);
        assert_eq!(top["exposed_pct"], 20.0);
        assert_eq!(top["weekly_pct"], 20.0);
        // pe1 = 4 scores 75, the four others 0: mean of 5 items 15; 2 of 10 → mean 3.
        assert_eq!(top["mean"], 3.0);
        assert_eq!(top["light"], "red", "weekly 20% >= 5%");
        // W 6 (10 ≤ 20 < 25), B 3 (v_max 4), E 7: R 126, class 3.
        assert_eq!(
            (
                top["fk_w"].as_f64(),
                top["fk_b"].as_f64(),
                top["fk_r"].as_f64(),
                top["fk_class"].as_u64()
            ),
            (Some(6.0), Some(3.0), Some(126.0), Some(3))
        );
        assert_eq!(top["source_pct"]["collega"]["pct"], 0.0);
        // A has 6 ≥ 5 but B has 4 < 5: B hidden, and A too (10 − 6 = 4 would reveal B).
        assert_eq!(
            json["groups"][1]["categories"]["pesten"],
            serde_json::json!({"suppressed": true})
        );
        assert_eq!(
            json["groups"][2]["categories"]["pesten"],
            serde_json::json!({"suppressed": true})
        );
        // Work pressure: A at 50 (value 3), B at 100 (value 5): mean (6·50 + 4·100)/10 = 70 → red.
        let strain = &json["groups"][0]["categories"]["werkdruk"];
        assert_eq!(strain["mean"], 70.0);
        assert_eq!(strain["high_strain_pct"], 40.0);
        assert_eq!(strain["light"], "red");
        assert!(strain.get("exposed_pct").is_none());
        assert_eq!(top["self_label"]["self_label_n"], 10);
        assert_eq!(top["self_label"]["self_label_pct"], 20.0);
        let stored: RoundResults = serde_json::from_value(json).unwrap();
        assert_eq!(stored, results, "stored results read back as they were");
    }
}

/// Adds each category's trend against an earlier round's results (DOMAIN.md section 5): for every
/// group and category shown in both (groups matched by unit id, the top with the top), where
/// `comparable(category)` says the category has the same items in both, the earlier figures, the
/// change, and whether it is significant (the 95% intervals do not overlap; touching overlaps).
/// The tops are compared only when `same_coverage`: both rounds covered the same units.
pub fn attach_trend(
    current: &mut serde_json::Value,
    previous: &serde_json::Value,
    previous_round_id: &str,
    same_coverage: bool,
    comparable: impl Fn(&str) -> bool,
) {
    use serde_json::{Value, json};
    let earlier: Vec<&Value> = previous["groups"]
        .as_array()
        .map(|g| g.iter().collect())
        .unwrap_or_default();
    let Some(groups) = current["groups"].as_array_mut() else {
        return;
    };
    for group in groups {
        let unit = group["unit_id"].clone();
        if unit.is_null() && !same_coverage {
            continue;
        }
        let Some(before) = earlier.iter().find(|g| g["unit_id"] == unit) else {
            continue;
        };
        let Some(categories) = group["categories"].as_object_mut() else {
            continue;
        };
        for (id, figures) in categories.iter_mut() {
            let old = &before["categories"][id];
            let shown = |f: &Value| f.is_object() && f.get("suppressed").is_none();
            if !shown(figures) || !shown(old) || !comparable(id) {
                continue;
            }
            // Behaviour compares the exposed share; strain the mean.
            let (value, low, high) = if figures.get("exposed_pct").is_some() {
                ("exposed_pct", "exposed_ci_low", "exposed_ci_high")
            } else {
                ("mean", "mean_ci_low", "mean_ci_high")
            };
            let get = |f: &Value, key: &str| f[key].as_f64().unwrap_or(0.0);
            let change = get(figures, value) - get(old, value);
            let overlap =
                get(figures, low) <= get(old, high) && get(old, low) <= get(figures, high);
            let previous_figures: serde_json::Map<String, Value> =
                [value, low, high, "n", "light", "fk_class"]
                    .iter()
                    .filter_map(|k| Some(((*k).to_owned(), old.get(*k)?.clone())))
                    .collect();
            figures["trend"] = json!({
                "previous_round_id": previous_round_id,
                "previous": previous_figures,
                "change": change,
                "significant": !overlap,
            });
        }
    }
}

#[cfg(test)]
mod trend_tests {
    use serde_json::json;

    use super::attach_trend;

    #[test]
    fn trends_compare_intervals_and_skip_what_is_not_comparable() {
        let previous = json!({"groups": [{"unit_id": null, "categories": {
            "pesten": {"n": 40, "exposed_pct": 10.0, "exposed_ci_low": 4.0, "exposed_ci_high": 20.0, "light": "orange", "fk_class": 2},
            "werkdruk": {"n": 40, "mean": 50.0, "mean_ci_low": 45.0, "mean_ci_high": 55.0},
            "discriminatie": {"suppressed": true}
        }}, {"unit_id": "gone", "categories": {}}]});
        let mut current = json!({"groups": [{"unit_id": null, "categories": {
            "pesten": {"n": 50, "exposed_pct": 40.0, "exposed_ci_low": 27.0, "exposed_ci_high": 54.0},
            "werkdruk": {"n": 50, "mean": 54.0, "mean_ci_low": 55.0, "mean_ci_high": 60.0},
            "discriminatie": {"n": 50, "exposed_pct": 2.0, "exposed_ci_low": 0.4, "exposed_ci_high": 10.0},
            "intimidatie": {"n": 50, "exposed_pct": 2.0, "exposed_ci_low": 0.4, "exposed_ci_high": 10.0}
        }}]});
        let mut elsewhere = current.clone();
        attach_trend(&mut elsewhere, &previous, "r1", false, |_| true);
        assert!(
            elsewhere.to_string().find("trend").is_none(),
            "tops of different coverage are not compared"
        );
        attach_trend(&mut current, &previous, "r1", true, |c| c != "intimidatie");
        let c = &current["groups"][0]["categories"];
        assert_eq!(c["pesten"]["trend"]["change"], 30.0);
        assert_eq!(
            c["pesten"]["trend"]["significant"], true,
            "[27, 54] and [4, 20] do not overlap"
        );
        assert_eq!(c["pesten"]["trend"]["previous"]["light"], "orange");
        assert_eq!(
            c["werkdruk"]["trend"]["significant"], false,
            "touching intervals overlap"
        );
        assert!(
            c["discriminatie"].get("trend").is_none(),
            "hidden before: no trend"
        );
        assert!(
            c["intimidatie"].get("trend").is_none(),
            "different items: no trend"
        );
    }
}
