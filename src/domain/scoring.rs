//! Scoring one respondent (DOMAIN.md section 4), exactly: every score is an integer number of
//! *units* per category, where one point on the 0–100 scale is `units_per_point` units. So sums
//! and threshold comparisons are exact and independent of the order of responses.

use super::Questionnaire;
use super::aggregate::Tally;
use super::answers::AnswerView;
use super::decimal::Decimal;
use super::questionnaire::{CategoryKind, ItemKind, RiskSettings};

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 { a.abs() } else { gcd(b, a % b) }
}

fn lcm(a: i64, b: i64) -> i64 {
    a / gcd(a, b) * b
}

/// One scored item of a category: where its answer is, its scale, and whether it is reversed.
#[derive(Debug, Clone)]
struct ScoredItem {
    index: usize,
    min: i32,
    max: i32,
    reverse: bool,
    behaviour: bool,
}

/// How a category is scored, worked out once per questionnaire.
#[derive(Debug, Clone)]
pub struct CategoryLayout {
    pub id: String,
    pub kind: CategoryKind,
    pub settings: RiskSettings,
    pub effect: Decimal,
    items: Vec<ScoredItem>,
    self_label: Option<(usize, i32)>,
    /// Position among the behaviour categories (where packed sources are), for behaviour.
    behaviour_index: usize,
    /// Least common multiple of the items' scale ranges: an item score is a whole number of
    /// 1/range steps.
    range_lcm: i64,
    /// Least common multiple of 1..=items: the mean over any number of answered items is whole.
    count_lcm: i64,
}

impl CategoryLayout {
    /// Units in one point of the 0–100 score.
    pub fn units_per_point(&self) -> i64 {
        self.range_lcm * self.count_lcm
    }

    /// Whether a score of `units` is at least `threshold` points.
    pub fn at_least(&self, units: i64, threshold: Decimal) -> bool {
        let (num, den) = threshold.as_ratio();
        i128::from(units) * den >= num * i128::from(self.units_per_point())
    }
}

/// A respondent's score in one category; present only when at least half its items were answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CategoryScore {
    /// The score, in units (see `CategoryLayout::units_per_point`).
    pub units: i64,
    /// Behaviour: the highest answered value.
    pub v_max: Option<i32>,
    pub exposed: bool,
    pub monthly: bool,
    pub weekly: bool,
    pub high_strain: bool,
    /// Bit i: the respondent named source option i.
    pub sources: u8,
}

/// Everything one respondent contributes, by category (in questionnaire order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RespondentScores {
    pub categories: Vec<Option<CategoryScore>>,
    /// Self-label answers: `Some(yes)` when answered.
    pub self_labels: Vec<Option<bool>>,
}

/// Scores respondents of one questionnaire.
#[derive(Debug, Clone)]
pub struct Scorer {
    pub layouts: Vec<CategoryLayout>,
}

impl Scorer {
    pub fn new(q: &Questionnaire) -> Scorer {
        let mut behaviour_seen = 0;
        let layouts = q
            .categories
            .iter()
            .map(|category| {
                let behaviour_index = behaviour_seen;
                behaviour_seen += usize::from(category.kind == CategoryKind::Behaviour);
                let mut items = Vec::new();
                let mut self_label = None;
                for (index, item) in q
                    .items
                    .iter()
                    .enumerate()
                    .filter(|(_, i)| i.category == category.id)
                {
                    let Some(scale) = q.scales.get(&item.scale) else {
                        continue;
                    };
                    if item.kind == ItemKind::SelfLabel {
                        self_label = Some((index, scale.min));
                    } else {
                        items.push(ScoredItem {
                            index,
                            min: scale.min,
                            max: scale.max,
                            reverse: item.reverse,
                            behaviour: item.kind == ItemKind::Behaviour,
                        });
                    }
                }
                let range_lcm = items
                    .iter()
                    .fold(1, |l, i| lcm(l, i64::from(i.max - i.min)));
                let count_lcm = (1..=items.len() as i64).fold(1, lcm);
                CategoryLayout {
                    id: category.id.clone(),
                    kind: category.kind,
                    settings: category.settings.clone(),
                    effect: category.effect,
                    items,
                    self_label,
                    behaviour_index,
                    range_lcm,
                    count_lcm,
                }
            })
            .collect();
        Scorer { layouts }
    }

    pub fn score(&self, answers: &impl AnswerView) -> RespondentScores {
        RespondentScores {
            categories: self
                .layouts
                .iter()
                .map(|layout| score_category(layout, answers))
                .collect(),
            self_labels: self
                .layouts
                .iter()
                .map(|layout| self_label(layout, answers))
                .collect(),
        }
    }

    /// Adds one respondent to `tallies` (one per category, in order) without allocating: the
    /// path a round of a million responses takes.
    pub fn tally(&self, answers: &impl AnswerView, tallies: &mut [Tally]) {
        for (layout, tally) in self.layouts.iter().zip(tallies) {
            if let Some(score) = score_category(layout, answers) {
                tally.add(&score);
            }
            if let Some(yes) = self_label(layout, answers) {
                tally.add_self_label(yes);
            }
        }
    }
}

/// The self-label answer of a category: `Some(yes)` when answered.
fn self_label(layout: &CategoryLayout, answers: &impl AnswerView) -> Option<bool> {
    let (index, min) = layout.self_label?;
    answers.value(index).map(|v| v > min)
}

fn score_category(layout: &CategoryLayout, answers: &impl AnswerView) -> Option<CategoryScore> {
    let mut sum: i64 = 0;
    let mut answered: i64 = 0;
    let mut v_max: Option<i32> = None;
    for item in &layout.items {
        let Some(v) = answers.value(item.index) else {
            continue;
        };
        let steps = i64::from(v - item.min) * (layout.range_lcm / i64::from(item.max - item.min));
        let full = layout.range_lcm;
        let item_units = 100 * if item.reverse { full - steps } else { steps };
        sum += item_units;
        answered += 1;
        if item.behaviour {
            v_max = v_max.max(Some(v));
        }
    }
    // COPSOQ rule: a score only when at least half the items are answered.
    if answered == 0 || answered * 2 < layout.items.len() as i64 {
        return None;
    }
    let units = sum * (layout.count_lcm / answered);
    let s = &layout.settings;
    let behaviour = layout.kind == CategoryKind::Behaviour;
    let at = |cut: i32| behaviour && v_max.is_some_and(|v| v >= cut);
    let sources = answers.source_mask(&layout.id, layout.behaviour_index);
    Some(CategoryScore {
        units,
        v_max: if behaviour { v_max } else { None },
        exposed: at(s.exposed_from),
        monthly: at(s.monthly_from),
        weekly: at(s.weekly_from),
        high_strain: !behaviour && layout.at_least(units, s.strain_high),
        sources: if at(s.exposed_from) { sources } else { 0 },
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::domain::answers::{Answers, RawAnswers};

    fn basis() -> Questionnaire {
        Questionnaire::parse(include_str!("../../questionnaires/psa-basis.toml")).unwrap()
    }

    fn answers(q: &Questionnaire, items: &[(&str, i32)]) -> Answers {
        let raw = RawAnswers {
            items: items
                .iter()
                .map(|(k, v)| ((*k).to_owned(), Some(*v)))
                .collect(),
            sources: BTreeMap::new(),
        };
        Answers::parse(&raw, q).unwrap()
    }

    fn points(layout: &CategoryLayout, score: &CategoryScore) -> f64 {
        score.units as f64 / layout.units_per_point() as f64
    }

    #[test]
    fn an_item_scores_its_place_on_the_scale_and_reversed_items_count_backwards() {
        let q = basis();
        let scorer = Scorer::new(&q);
        let strain = scorer
            .layouts
            .iter()
            .position(|l| l.id == "werkdruk")
            .unwrap();
        let layout = &scorer.layouts[strain];
        // wd1..wd4 and wd8 forward, wd5..wd7 reversed; all 5 ("always") → 5 × 100 + 3 × 0 over 8.
        let all_always: Vec<(&str, i32)> = ["wd1", "wd2", "wd3", "wd4", "wd5", "wd6", "wd7", "wd8"]
            .iter()
            .map(|i| (*i, 5))
            .collect();
        let s = scorer.score(&answers(&q, &all_always)).categories[strain].unwrap();
        assert_eq!(points(layout, &s), 62.5);
        assert!(s.high_strain, "62.5 >= 60");
        // wd1 = 3 (50) and wd5 = 1 (reversed: 100) … half of eight answered: a score.
        let half = scorer
            .score(&answers(
                &q,
                &[("wd1", 3), ("wd5", 1), ("wd2", 1), ("wd6", 5)],
            ))
            .categories[strain]
            .unwrap();
        assert_eq!(points(layout, &half), 37.5);
        let too_few = scorer
            .score(&answers(&q, &[("wd1", 3), ("wd5", 1), ("wd2", 1)]))
            .categories[strain];
        assert_eq!(
            too_few, None,
            "three of eight answered: no score and no flags"
        );
    }

    #[test]
    fn a_mean_of_exactly_the_threshold_reaches_it() {
        let q = basis();
        let scorer = Scorer::new(&q);
        let strain = scorer
            .layouts
            .iter()
            .position(|l| l.id == "werkdruk")
            .unwrap();
        let layout = &scorer.layouts[strain];
        // 60 exactly: four items at 75 and one at 0, five of eight answered: 300 / 5.
        let items = [("wd1", 4), ("wd2", 4), ("wd3", 4), ("wd4", 4), ("wd8", 1)];
        let s = scorer.score(&answers(&q, &items)).categories[strain].unwrap();
        assert_eq!(points(layout, &s), 60.0);
        assert!(layout.at_least(s.units, Decimal::from_int(60)));
        assert!(s.high_strain);
        assert!(
            !layout.at_least(s.units, Decimal::new(600_000_001, 7)),
            "60.0000001 is not reached"
        );
    }

    #[test]
    fn behaviour_flags_follow_the_highest_answer() {
        let q = basis();
        let scorer = Scorer::new(&q);
        let flags = |items: &[(&str, i32)]| {
            let s = scorer.score(&answers(&q, items)).categories[0].unwrap();
            (s.v_max, s.exposed, s.monthly, s.weekly)
        };
        let five = [("pe2", 1), ("pe3", 1), ("pe4", 1), ("pe5", 1)];
        let with = |v| {
            let mut items = five.to_vec();
            items.push(("pe1", v));
            flags(&items)
        };
        assert_eq!(with(1), (Some(1), false, false, false));
        assert_eq!(with(2), (Some(2), true, false, false));
        assert_eq!(with(3), (Some(3), true, true, false));
        assert_eq!(with(4), (Some(4), true, true, true));
        assert_eq!(with(5), (Some(5), true, true, true));
    }

    #[test]
    fn self_labels_are_yes_above_the_scale_minimum() {
        let q = basis();
        let scorer = Scorer::new(&q);
        let labels = scorer
            .score(&answers(&q, &[("pe_self", 1), ("ag_self", 2)]))
            .self_labels;
        assert_eq!(&labels[..3], &[Some(false), Some(true), None]);
        assert_eq!(labels[6], None, "work pressure has no self-label");
    }
}
