//! Figures of a group of respondents per category (DOMAIN.md section 4): counts and exact sums
//! that add up over disjoint parts, turned into floating point once, for output.

use std::collections::BTreeMap;

use serde::Serialize;

use super::scoring::{CategoryLayout, CategoryScore};

/// z for 95% intervals.
pub const Z: f64 = 1.96;

/// Exact counts and sums of one group in one category. Tallies of disjoint groups add up.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Respondents with a score.
    pub n: u64,
    pub sum: i128,
    pub sum_sq: i128,
    pub exposed: u64,
    pub monthly: u64,
    pub weekly: u64,
    pub high_strain: u64,
    /// Exposed respondents who named source option i.
    pub sources: [u64; 8],
    /// How many exposed respondents had each highest value (for Fine & Kinney B).
    pub exposed_v_max: BTreeMap<i32, u64>,
    /// Respondents who answered the self-label item, and of them who said yes.
    pub self_label_n: u64,
    pub self_label_yes: u64,
}

impl Tally {
    pub fn add(&mut self, score: &CategoryScore) {
        self.n += 1;
        let units = i128::from(score.units);
        self.sum += units;
        self.sum_sq += units * units;
        self.exposed += u64::from(score.exposed);
        self.monthly += u64::from(score.monthly);
        self.weekly += u64::from(score.weekly);
        self.high_strain += u64::from(score.high_strain);
        for (i, count) in self.sources.iter_mut().enumerate() {
            *count += u64::from(score.sources & (1 << i) != 0);
        }
        if let (true, Some(v)) = (score.exposed, score.v_max) {
            *self.exposed_v_max.entry(v).or_default() += 1;
        }
    }

    pub fn add_self_label(&mut self, yes: bool) {
        self.self_label_n += 1;
        self.self_label_yes += u64::from(yes);
    }

    pub fn merge(&mut self, other: &Tally) {
        self.n += other.n;
        self.sum += other.sum;
        self.sum_sq += other.sum_sq;
        self.exposed += other.exposed;
        self.monthly += other.monthly;
        self.weekly += other.weekly;
        self.high_strain += other.high_strain;
        for (mine, theirs) in self.sources.iter_mut().zip(other.sources) {
            *mine += theirs;
        }
        for (v, count) in &other.exposed_v_max {
            *self.exposed_v_max.entry(*v).or_default() += count;
        }
        self.self_label_n += other.self_label_n;
        self.self_label_yes += other.self_label_yes;
    }

    /// The lower median of the exposed respondents' highest values: the element at index
    /// ⌊(e − 1) / 2⌋ of e sorted ascending.
    pub fn lower_median_v_max(&self) -> Option<i32> {
        let e: u64 = self.exposed_v_max.values().sum();
        let target = e.checked_sub(1)? / 2;
        let mut seen = 0;
        for (v, count) in &self.exposed_v_max {
            seen += count;
            if seen > target {
                return Some(*v);
            }
        }
        None
    }
}

/// A share with its 95% Wilson interval, in percent.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Share {
    pub pct: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

/// `count / n` as a percentage with its Wilson score interval (z = 1.96, no continuity
/// correction), each bound one expression in a fixed order of operations.
pub fn wilson(count: u64, n: u64) -> Share {
    if n == 0 {
        return Share {
            pct: 0.0,
            ci_low: 0.0,
            ci_high: 0.0,
        };
    }
    let (k, n) = (count as f64, n as f64);
    let p = k / n;
    let z2 = Z * Z;
    let denominator = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denominator;
    let half = Z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denominator;
    Share {
        pct: p * 100.0,
        ci_low: ((centre - half) * 100.0).max(0.0),
        ci_high: ((centre + half) * 100.0).min(100.0),
    }
}

/// The figures of one group in one category, unrounded, named as in DOMAIN.md section 4.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figures {
    pub n: u64,
    pub mean: f64,
    pub sd: f64,
    pub mean_ci_low: f64,
    pub mean_ci_high: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exposed: Option<Share>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monthly: Option<Share>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weekly: Option<Share>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub high_strain: Option<Share>,
    /// By source option id.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub source: BTreeMap<String, Share>,
}

impl Figures {
    /// The figures of a tally with n ≥ 1; `sources` are the questionnaire's source ids.
    pub fn of(tally: &Tally, layout: &CategoryLayout, sources: &[String]) -> Figures {
        let n = tally.n.max(1) as f64;
        let unit = layout.units_per_point() as f64;
        let mean = tally.sum as f64 / n / unit;
        // Sample variance from exact sums: (n Σx² − (Σx)²) / (n (n − 1)), in units².
        let spread = i128::from(tally.n) * tally.sum_sq - tally.sum * tally.sum;
        let sd = if tally.n > 1 {
            (spread as f64 / (n * (n - 1.0))).sqrt() / unit
        } else {
            0.0
        };
        let half = Z * sd / n.sqrt();
        let behaviour = layout.kind == super::questionnaire::CategoryKind::Behaviour;
        let share = |count: u64, shown: bool| shown.then(|| wilson(count, tally.n));
        Figures {
            n: tally.n,
            mean,
            sd,
            mean_ci_low: (mean - half).max(0.0),
            mean_ci_high: (mean + half).min(100.0),
            exposed: share(tally.exposed, behaviour),
            monthly: share(tally.monthly, behaviour),
            weekly: share(tally.weekly, behaviour),
            high_strain: share(tally.high_strain, !behaviour),
            source: if behaviour {
                sources
                    .iter()
                    .zip(tally.sources)
                    .map(|(id, count)| (id.clone(), wilson(count, tally.n)))
                    .collect()
            } else {
                BTreeMap::new()
            },
        }
    }
}

/// `num / den` rounded to one decimal, half away from zero, with integer arithmetic
/// (6.25 → "6.3", 18.75 → "18.8"; Rust's `{:.1}` would round ties to even).
pub fn one_decimal(num: i128, den: i128) -> String {
    if den == 0 {
        return "0.0".into();
    }
    let negative = (num < 0) != (den < 0);
    let (num, den) = (num.abs(), den.abs());
    let tenths = (20 * num + den) / (2 * den);
    format!(
        "{}{}.{}",
        if negative && tenths > 0 { "-" } else { "" },
        tenths / 10,
        tenths % 10
    )
}

/// A stored share's exact count: `pct = count · 100 / n` in floating point is within far less
/// than half a respondent of `count` for any n below 2⁴⁰, so rounding recovers it.
fn count_of(pct: f64, n: u64) -> i128 {
    (pct * n as f64 / 100.0).round() as i128
}

/// A stored mean's exact sum in units, where the float can hold it exactly enough: `None` when
/// `100 · n · units_per_point` reaches 2⁵², beyond which recovery is not exact.
fn sum_of(mean: f64, n: u64, units_per_point: i64) -> Option<(i128, i128)> {
    let den = i128::from(n) * i128::from(units_per_point);
    (den.checked_mul(100)? < 1 << 52).then(|| ((mean * den as f64).round() as i128, den))
}

/// A stored share shown to one decimal, rounded from its exact count with `one_decimal`.
pub fn share_one_decimal(pct: f64, n: u64) -> String {
    one_decimal(count_of(pct, n) * 100, i128::from(n))
}

/// A stored mean shown to one decimal, rounded from its exact sum; a float rounding where the
/// sum cannot be recovered exactly.
pub fn mean_one_decimal(mean: f64, n: u64, units_per_point: i64) -> String {
    match sum_of(mean, n, units_per_point) {
        Some((sum, den)) => one_decimal(sum, den),
        None => bound_one_decimal(mean),
    }
}

/// The change of a share between two groups (now minus before), in percentage points, to one
/// decimal from the exact counts: `(c₁·n₀ − c₀·n₁) · 100 / (n₀·n₁)`.
pub fn share_change_one_decimal(now: (f64, u64), before: (f64, u64)) -> String {
    let ((p1, n1), (p0, n0)) = (now, before);
    let (c1, c0, n1, n0) = (
        count_of(p1, n1),
        count_of(p0, n0),
        i128::from(n1),
        i128::from(n0),
    );
    one_decimal((c1 * n0 - c0 * n1) * 100, n0 * n1)
}

/// The change of a mean between two groups, in points, to one decimal from the exact sums (both
/// in the same units: the category kept its items).
pub fn mean_change_one_decimal(
    now: (f64, u64),
    before: (f64, u64),
    units_per_point: i64,
) -> String {
    match (
        sum_of(now.0, now.1, units_per_point),
        sum_of(before.0, before.1, units_per_point),
    ) {
        (Some((s1, d1)), Some((s0, d0))) => one_decimal(s1 * d0 - s0 * d1, d0 * d1),
        _ => bound_one_decimal(now.0 - before.0),
    }
}

/// A value that is floating point by definition (an interval bound) to one decimal, half away
/// from zero, decided on the float's exact decimal expansion: up when its second decimal is 5
/// or more. Never "-0.0"; "—" for what is not a number.
pub fn bound_one_decimal(x: f64) -> String {
    if !x.is_finite() {
        return "—".into();
    }
    if x.abs() >= 1e30 {
        return format!("{x:.1}");
    }
    // Up to 60 decimals is the exact expansion of any f64 of this size's fraction, to the digit
    // that matters.
    let exact = format!("{:.60}", x.abs());
    let (whole, fraction) = exact.split_once('.').unwrap_or((&exact, "0"));
    let digit = |i: usize| i128::from(fraction.as_bytes().get(i).map_or(0, |d| d - b'0'));
    let mut tenths = whole.parse::<i128>().unwrap_or(0) * 10 + digit(0);
    if digit(1) >= 5 {
        tenths += 1;
    }
    let sign = if x < 0.0 && tenths > 0 { "-" } else { "" };
    format!("{sign}{}.{}", tenths / 10, tenths % 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_rounding_is_half_away_from_zero() {
        assert_eq!(one_decimal(625, 100), "6.3");
        assert_eq!(one_decimal(1875, 100), "18.8");
        assert_eq!(one_decimal(-625, 100), "-6.3");
        assert_eq!(one_decimal(1, 3), "0.3");
        assert_eq!(one_decimal(2, 3), "0.7");
        assert_eq!(one_decimal(50, 1), "50.0");
        assert_eq!(one_decimal(1, 1000), "0.0");
    }

    #[test]
    fn stored_figures_round_from_their_exact_counts() {
        // 1 of 16 is 6.25%, 3 of 16 is 18.75%: ties, rounded away from zero.
        assert_eq!(share_one_decimal(wilson(1, 16).pct, 16), "6.3");
        assert_eq!(share_one_decimal(wilson(3, 16).pct, 16), "18.8");
        assert_eq!(share_one_decimal(wilson(1, 20).pct, 20), "5.0");
        assert_eq!(share_one_decimal(wilson(1, 3).pct, 3), "33.3");
        // Large groups: the count is still recovered exactly.
        let n = 1_000_003;
        assert_eq!(share_one_decimal(wilson(62_500, n).pct, n), "6.2");
        // A mean of 6.25 points with 4 units per point and 8 respondents: sum 200 units.
        assert_eq!(mean_one_decimal(200.0 / 8.0 / 4.0, 8, 4), "6.3");
        assert_eq!(mean_one_decimal(50.0, 7, 12), "50.0");
        // (1/3 + 0) / 2 points with 3 units per point: 1 unit over 2 respondents = 1/6 point.
        assert_eq!(mean_one_decimal(1.0 / 2.0 / 3.0, 2, 3), "0.2");
        assert_eq!(bound_one_decimal(18.75), "18.8");
        assert_eq!(bound_one_decimal(0.04), "0.0");
        assert_eq!(bound_one_decimal(-0.04), "0.0", "never -0.0");
        assert_eq!(bound_one_decimal(-12.25), "-12.3");
        // 0.15 is 0.1499999… in binary: down, though 0.15 × 10 rounds to 1.5 in floating point.
        assert_eq!(bound_one_decimal(0.15), "0.1");
        assert_eq!(bound_one_decimal(f64::NAN), "—");
        assert_eq!(bound_one_decimal(99.95), "100.0");
        // Changes from exact counts: 9/16 − 11/20 = +1.25 points, shown as 1.3; 11/16 − 86/125
        // = −0.05, shown as −0.1 (the float difference reads 1.2 and −0.0).
        let share = |c: u64, n: u64| (wilson(c, n).pct, n);
        assert_eq!(share_change_one_decimal(share(9, 16), share(11, 20)), "1.3");
        assert_eq!(
            share_change_one_decimal(share(11, 16), share(86, 125)),
            "-0.1"
        );
        assert_eq!(share_change_one_decimal(share(1, 2), share(1, 2)), "0.0");
        // Means of 6.25 and 5.0 points over 8 and 4 respondents, 4 units a point: +1.25.
        assert_eq!(mean_change_one_decimal((6.25, 8), (5.0, 4), 4), "1.3");
        // Beyond exact recovery, the float is rounded instead.
        assert_eq!(mean_one_decimal(50.0, 1 << 40, 1 << 20), "50.0");
    }

    #[test]
    fn wilson_intervals_match_a_worked_example() {
        // 5 of 100: p = 0.05; centre = (0.05 + 0.019208) / 1.038416; half = 1.96·√(0.000475 + 0.0000960…)/1.038416.
        let s = wilson(5, 100);
        assert!((s.pct - 5.0).abs() < 1e-12);
        assert!((s.ci_low - 2.1543).abs() < 1e-3, "{s:?}");
        assert!((s.ci_high - 11.1752).abs() < 1e-3, "{s:?}");
        let none = wilson(0, 10);
        assert_eq!(none.ci_low, 0.0);
        assert!(none.ci_high > 27.0 && none.ci_high < 28.0, "{none:?}");
        assert_eq!(wilson(10, 10).ci_high, 100.0);
    }

    #[test]
    fn the_lower_median_takes_the_lower_middle() {
        let mut t = Tally::default();
        assert_eq!(t.lower_median_v_max(), None);
        t.exposed_v_max = BTreeMap::from([(2, 1), (4, 1)]);
        assert_eq!(t.lower_median_v_max(), Some(2), "of [2, 4] index 0");
        t.exposed_v_max = BTreeMap::from([(2, 1), (3, 1), (5, 1)]);
        assert_eq!(t.lower_median_v_max(), Some(3));
        t.exposed_v_max = BTreeMap::from([(2, 2), (5, 2)]);
        assert_eq!(t.lower_median_v_max(), Some(2), "of [2, 2, 5, 5] index 1");
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;
    use crate::domain::Questionnaire;
    use crate::domain::answers::Answers;
    use crate::domain::scoring::Scorer;

    fn basis() -> Questionnaire {
        Questionnaire::parse(include_str!("../../questionnaires/psa-basis.toml")).unwrap()
    }

    /// Random answers: each item unanswered or a value on its scale.
    fn respondents(q: &Questionnaire) -> impl Strategy<Value = Vec<Answers>> {
        let scales: Vec<(i32, i32)> = q
            .items
            .iter()
            .map(|i| (q.scales[&i.scale].min, q.scales[&i.scale].max))
            .collect();
        let one = scales
            .into_iter()
            .map(|(min, max)| prop::option::weighted(0.8, min..=max).boxed())
            .collect::<Vec<_>>();
        prop::collection::vec(
            one.prop_map(|values| Answers {
                values,
                sources: Default::default(),
            }),
            1..40,
        )
    }

    fn tallies(scorer: &Scorer, answers: &[Answers]) -> Vec<Tally> {
        let mut tallies = vec![Tally::default(); scorer.layouts.len()];
        for a in answers {
            let scores = scorer.score(a);
            for (tally, score) in tallies.iter_mut().zip(&scores.categories) {
                if let Some(score) = score {
                    tally.add(score);
                }
            }
        }
        tallies
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

        #[test]
        fn figures_are_bounded_order_free_and_add_up(answers in respondents(&basis()), split in 0usize..40) {
            let q = basis();
            let scorer = Scorer::new(&q);
            let sources: Vec<String> = q.sources.options.iter().map(|o| o.id.clone()).collect();
            let forward = tallies(&scorer, &answers);
            let mut reversed_answers = answers.clone();
            reversed_answers.reverse();
            let reversed = tallies(&scorer, &reversed_answers);
            let split = split.min(answers.len());
            let (a, b) = (tallies(&scorer, &answers[..split]), tallies(&scorer, &answers[split..]));
            for (i, layout) in scorer.layouts.iter().enumerate() {
                let scored = answers.iter().filter(|x| scorer.score(*x).categories[i].is_some()).count() as u64;
                prop_assert_eq!(forward[i].n, scored);
                let mut merged = a[i].clone();
                merged.merge(&b[i]);
                prop_assert_eq!(&merged, &forward[i], "a group's counts are the sum of its parts");
                if forward[i].n == 0 {
                    continue;
                }
                let f = Figures::of(&forward[i], layout, &sources);
                let r = Figures::of(&reversed[i], layout, &sources);
                prop_assert_eq!(serde_json::to_string(&f).unwrap(), serde_json::to_string(&r).unwrap(), "bit for bit");
                prop_assert!((0.0..=100.0).contains(&f.mean));
                prop_assert!(f.mean_ci_low <= f.mean && f.mean <= f.mean_ci_high);
                for a in &answers {
                    if let Some(s) = scorer.score(a).categories[i] {
                        prop_assert!(s.units >= 0 && s.units <= 100 * layout.units_per_point());
                    }
                }
            }
        }

        #[test]
        fn stored_bytes_tally_like_checked_answers(answers in respondents(&basis())) {
            let q = basis();
            let scorer = Scorer::new(&q);
            let packing = crate::domain::answers::Packing::new(&q);
            let mut packed = vec![Tally::default(); scorer.layouts.len()];
            let mut checked = vec![Tally::default(); scorer.layouts.len()];
            for a in &answers {
                let bytes = a.pack(&q);
                scorer.tally(&packing.view(&bytes).unwrap(), &mut packed);
                scorer.tally(a, &mut checked);
            }
            prop_assert_eq!(&packed, &checked);
            let scored: Vec<u64> = tallies(&scorer, &answers).iter().map(|t| t.n).collect();
            prop_assert_eq!(checked.iter().map(|t| t.n).collect::<Vec<_>>(), scored);
        }
    }
}
