//! Risk evaluation of a category in a group (DOMAIN.md section 5): Fine & Kinney R = W × B × E
//! with its class, the traffic light, and the benchmark flag. Every comparison is exact.

use serde::{Deserialize, Serialize};

use super::aggregate::{Tally, wilson};
use super::decimal::Decimal;
use super::questionnaire::{BenchmarkScope, Category, CategoryKind};
use super::scoring::CategoryLayout;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Light {
    Green,
    Orange,
    Red,
}

/// Fine & Kinney R = W × B × E with its class (1 to 5), the traffic light, and the benchmark.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RiskEvaluation {
    pub light: Light,
    #[schema(value_type = f64)]
    pub fk_w: Decimal,
    #[schema(value_type = f64)]
    pub fk_b: Decimal,
    #[schema(value_type = f64)]
    pub fk_e: Decimal,
    #[schema(value_type = f64)]
    pub fk_r: Decimal,
    pub fk_class: u8,
    /// The national reference (scope "all", latest year), in percent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>)]
    pub benchmark_pct: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub benchmark_year: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub above_benchmark: Option<bool>,
}

/// Whether `count / n × 100 < threshold`, exactly.
fn share_below(count: u64, n: u64, threshold: Decimal) -> bool {
    let (num, den) = threshold.as_ratio();
    i128::from(count) * 100 * den < num * i128::from(n)
}

/// Whether `count / n × 100 >= threshold`, exactly.
fn share_at_least(count: u64, n: u64, threshold: Decimal) -> bool {
    !share_below(count, n, threshold)
}

/// Fine & Kinney class of R: the first class whose bound R does not exceed.
pub fn class(r: Decimal, bounds: &[Decimal; 4]) -> u8 {
    bounds
        .iter()
        .position(|bound| r <= *bound)
        .map_or(5, |i| i as u8 + 1)
}

/// Evaluates the risk of `category` in a group with this tally (n ≥ 1).
pub fn evaluate(category: &Category, layout: &CategoryLayout, tally: &Tally) -> RiskEvaluation {
    let s = &category.settings;
    let behaviour = category.kind == CategoryKind::Behaviour;
    let affected = if behaviour {
        tally.exposed
    } else {
        tally.high_strain
    };
    let w = if affected == 0 {
        s.w_zero
    } else {
        s.w_bands
            .iter()
            .find(|band| share_below(affected, tally.n, band.below))
            .map_or(s.w_max, |band| band.w)
    };
    let b = if !behaviour {
        s.b_strain
    } else {
        tally
            .lower_median_v_max()
            .and_then(|v| s.b_by_value.get(&v).copied())
            .unwrap_or(s.b_nobody)
    };
    let e = category.effect;
    let r = w
        .checked_mul(b)
        .and_then(|wb| wb.checked_mul(e))
        .unwrap_or(Decimal::from_int(i64::MAX));
    let fk_class = class(r, &s.class_bounds);
    let light = if behaviour {
        if tally.exposed == 0 {
            Light::Green
        } else if share_at_least(tally.weekly, tally.n, s.red_weekly_pct) || fk_class >= s.red_class
        {
            Light::Red
        } else {
            Light::Orange
        }
    } else {
        let mean_at_least = |t: Decimal| {
            let (num, den) = t.as_ratio();
            tally.sum * den >= num * i128::from(tally.n) * i128::from(layout.units_per_point())
        };
        if mean_at_least(s.strain_red_mean) || fk_class >= s.red_class {
            Light::Red
        } else if mean_at_least(s.strain_orange_mean) || fk_class >= s.strain_orange_class {
            Light::Orange
        } else {
            Light::Green
        }
    };
    // The reference: scope "all", the latest year given.
    let benchmark = category
        .benchmarks
        .iter()
        .filter(|b| b.scope == BenchmarkScope::All)
        .max_by_key(|b| b.year);
    let above = benchmark
        .filter(|_| tally.self_label_n > 0)
        .map(|b| wilson(tally.self_label_yes, tally.self_label_n).ci_low > b.pct.to_f64());
    RiskEvaluation {
        light,
        fk_w: w,
        fk_b: b,
        fk_e: e,
        fk_r: r,
        fk_class,
        benchmark_pct: benchmark.map(|b| b.pct),
        benchmark_year: benchmark.map(|b| b.year),
        above_benchmark: above,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Questionnaire;
    use crate::domain::scoring::Scorer;

    fn setup(id: &str) -> (Category, CategoryLayout) {
        let q = Questionnaire::parse(include_str!("../../questionnaires/psa-basis.toml")).unwrap();
        let layout = Scorer::new(&q)
            .layouts
            .into_iter()
            .find(|l| l.id == id)
            .unwrap();
        (q.category(id).unwrap().clone(), layout)
    }

    fn behaviour(n: u64, v_max_of_exposed: &[i32]) -> Tally {
        let mut t = Tally {
            n,
            ..Tally::default()
        };
        for v in v_max_of_exposed {
            t.exposed += 1;
            t.monthly += u64::from(*v >= 3);
            t.weekly += u64::from(*v >= 4);
            *t.exposed_v_max.entry(*v).or_default() += 1;
        }
        t
    }

    #[test]
    fn nobody_exposed_is_green_with_the_lowest_w_and_b() {
        let (c, l) = setup("pesten");
        let risk = evaluate(&c, &l, &behaviour(40, &[]));
        assert_eq!(risk.light, Light::Green);
        assert_eq!(
            (risk.fk_w, risk.fk_b),
            (Decimal::new(5, 1), Decimal::new(5, 1))
        );
        assert_eq!(risk.fk_r, Decimal::new(175, 2), "0.5 × 0.5 × 7");
        assert_eq!(risk.fk_class, 1);
    }

    #[test]
    fn a_weekly_share_of_exactly_five_percent_is_red() {
        let (c, l) = setup("pesten");
        // 20 respondents, one weekly (5%): W = 3 (5 ≤ p < 10), B = 3 (median v_max 4), E = 7: R = 63, class 2.
        let risk = evaluate(&c, &l, &behaviour(20, &[4]));
        assert_eq!(
            (risk.fk_w, risk.fk_b, risk.fk_r, risk.fk_class),
            (
                Decimal::from_int(3),
                Decimal::from_int(3),
                Decimal::from_int(63),
                2
            )
        );
        assert_eq!(risk.light, Light::Red, "weekly_pct 5 >= 5");
        // 21 respondents: 4.76% weekly: orange.
        let risk = evaluate(&c, &l, &behaviour(21, &[4]));
        assert_eq!(risk.fk_w, Decimal::from_int(1), "p < 5");
        assert_eq!(risk.light, Light::Orange);
    }

    #[test]
    fn w_bands_and_classes_follow_the_table() {
        let (c, l) = setup("agressie_geweld");
        // 10 of 40 exposed = 25%: W = 10; lower median of [2 ×5, 5 ×5] is 2: B = 1; E = 15: R = 150, class 3.
        let v: Vec<i32> = [2; 5].into_iter().chain([5; 5]).collect();
        let risk = evaluate(&c, &l, &behaviour(40, &v));
        assert_eq!(
            (risk.fk_w, risk.fk_b, risk.fk_r, risk.fk_class),
            (
                Decimal::from_int(10),
                Decimal::from_int(1),
                Decimal::from_int(150),
                3
            )
        );
        assert_eq!(
            class(Decimal::from_int(20), &c.settings.class_bounds),
            1,
            "bounds are inclusive"
        );
        assert_eq!(class(Decimal::new(201, 0), &c.settings.class_bounds), 4);
        assert_eq!(class(Decimal::from_int(401), &c.settings.class_bounds), 5);
    }

    #[test]
    fn strain_lights_follow_the_mean_exactly() {
        let (c, l) = setup("werkdruk");
        let unit = i128::from(l.units_per_point());
        let strain = |n: u64, mean_points: i128, high: u64| Tally {
            n,
            sum: mean_points * unit * i128::from(n),
            high_strain: high,
            ..Tally::default()
        };
        // A mean of exactly 50 with nobody high: W 0.5 × B 6 × E 3 = 9, class 1; orange by the mean.
        let risk = evaluate(&c, &l, &strain(10, 50, 0));
        assert_eq!(
            (risk.fk_r, risk.fk_class, risk.light),
            (Decimal::from_int(9), 1, Light::Orange)
        );
        let risk = evaluate(
            &c,
            &l,
            &Tally {
                n: 10,
                sum: 50 * unit * 10 - 1,
                ..Tally::default()
            },
        );
        assert_eq!(risk.light, Light::Green, "a hair below 50 is green");
        assert_eq!(evaluate(&c, &l, &strain(10, 65, 0)).light, Light::Red);
        // 3 of 10 high strain: W 10 × 6 × 3 = 180, class 3: orange by class.
        let risk = evaluate(&c, &l, &strain(10, 40, 3));
        assert_eq!((risk.fk_class, risk.light), (3, Light::Orange));
    }

    #[test]
    fn above_benchmark_needs_the_lower_bound_to_exceed_the_reference() {
        let (c, l) = setup("pesten");
        let mut t = behaviour(100, &[]);
        t.self_label_n = 100;
        t.self_label_yes = 12;
        let risk = evaluate(&c, &l, &t);
        assert_eq!(
            (risk.benchmark_pct, risk.benchmark_year),
            (Some(Decimal::from_int(5)), Some(2022))
        );
        assert_eq!(
            risk.above_benchmark,
            Some(true),
            "Wilson low of 12/100 is about 7.0 > 5"
        );
        t.self_label_yes = 8;
        assert_eq!(evaluate(&c, &l, &t).above_benchmark, Some(false));
        t.self_label_n = 0;
        assert_eq!(evaluate(&c, &l, &t).above_benchmark, None);
    }
}
