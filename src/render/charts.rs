//! Charts of a round's stored results, drawn with plotters as SVG. Readable for colour-blind
//! people and in greyscale print: colours are the Okabe-Ito palette, and every traffic light is
//! also written beside its bar. Deterministic: the same results give the same bytes.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::domain::Questionnaire;
use crate::domain::aggregate::{bound_one_decimal, share_one_decimal};
use crate::domain::questionnaire::CategoryKind;
use crate::domain::results::{CategoryResult, RoundResults};
use crate::domain::risk::Light;
use crate::i18n::Lang;

/// Okabe-Ito colours, distinguishable with every common colour vision deficiency.
fn light_colour(light: Light) -> RGBColor {
    match light {
        Light::Green => RGBColor(0x00, 0x9E, 0x73),
        Light::Orange => RGBColor(0xE6, 0x9F, 0x00),
        Light::Red => RGBColor(0xD5, 0x5E, 0x00),
    }
}

const WIDTH: u32 = 900;
const ROW: i32 = 44;
const LABEL_WIDTH: i32 = 230;
const TOP: i32 = 60;
/// Where 0 and 100 lie on the horizontal axis.
const X0: i32 = LABEL_WIDTH + 10;
const X100: i32 = WIDTH as i32 - 190;

fn x_of(value: f64) -> i32 {
    X0 + (value.clamp(0.0, 100.0) / 100.0 * f64::from(X100 - X0)).round() as i32
}

/// Chart (a): per category of the organisation (the round's top group), the prevalence
/// (behaviour: `exposed_pct`) or the mean (strain) with its 95% interval as a whisker, the
/// written traffic light, and the national benchmark as a diamond.
pub fn categories_svg(
    q: &Questionnaire,
    results: &RoundResults,
    lang: Lang,
) -> Result<String, String> {
    let height = TOP as u32 + ROW as u32 * q.categories.len() as u32 + 70;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        draw_categories(&root, q, results, lang).map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

fn draw_categories<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    q: &Questionnaire,
    results: &RoundResults,
    lang: Lang,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let font = |size: u32| ("sans-serif", size).into_font().color(&BLACK);
    let grey = RGBColor(0x55, 0x55, 0x55);
    let left = Pos::new(HPos::Left, VPos::Center);
    let right = Pos::new(HPos::Right, VPos::Center);
    let centre = Pos::new(HPos::Center, VPos::Top);
    root.draw(&Text::new(
        lang.t("charts.categories.title").into_owned(),
        (10, 12),
        font(20),
    ))?;
    let bottom = TOP + ROW * q.categories.len() as i32;
    // The scale: 0 to 100, percent for behaviour, points for strain.
    for tick in (0..=100).step_by(25) {
        let x = x_of(f64::from(tick));
        root.draw(&PathElement::new(
            vec![(x, TOP - 6), (x, bottom)],
            RGBColor(0xDD, 0xDD, 0xDD),
        ))?;
        root.draw(&Text::new(
            tick.to_string(),
            (x, bottom + 6),
            font(14).pos(centre),
        ))?;
    }
    root.draw(&Text::new(
        lang.t("charts.categories.axis").into_owned(),
        ((X0 + X100) / 2, bottom + 28),
        font(14).pos(centre),
    ))?;
    let top = results.groups.first();
    for (row, category) in q.categories.iter().enumerate() {
        let y = TOP + ROW * row as i32 + ROW / 2;
        let name = category
            .name
            .get(lang.code())
            .cloned()
            .unwrap_or_else(|| category.id.clone());
        root.draw(&Text::new(name, (X0 - 12, y), font(15).pos(right)))?;
        let shown = top
            .and_then(|g| g.categories.get(&category.id))
            .and_then(|r| r.shown());
        let Some(figures) = shown else {
            root.draw(&Text::new(
                lang.t("charts.hidden").into_owned(),
                (X0 + 4, y),
                font(14).pos(left).color(&grey),
            ))?;
            continue;
        };
        draw_row(root, category.kind, figures, y, lang)?;
    }
    Ok(())
}

fn draw_row<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    kind: CategoryKind,
    f: &CategoryResult,
    y: i32,
    lang: Lang,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let font = |size: u32| ("sans-serif", size).into_font().color(&BLACK);
    let left = Pos::new(HPos::Left, VPos::Center);
    let (value, low, high, shown) = match kind {
        CategoryKind::Behaviour => {
            let pct = f.exposed_pct.unwrap_or(0.0);
            (
                pct,
                f.exposed_ci_low.unwrap_or(0.0),
                f.exposed_ci_high.unwrap_or(0.0),
                format!("{}%", lang.decimal(&share_one_decimal(pct, f.n))),
            )
        }
        CategoryKind::Strain => (
            f.mean,
            f.mean_ci_low,
            f.mean_ci_high,
            lang.decimal(&bound_one_decimal(f.mean)),
        ),
    };
    let colour = light_colour(f.risk.light);
    root.draw(&Rectangle::new(
        [(X0, y - 11), (x_of(value).max(X0 + 1), y + 11)],
        colour.filled(),
    ))?;
    // The interval: a whisker with end caps, black so it reads on every bar colour.
    let (xl, xh) = (x_of(low), x_of(high));
    root.draw(&PathElement::new(
        vec![(xl, y), (xh, y)],
        BLACK.stroke_width(2),
    ))?;
    for x in [xl, xh] {
        root.draw(&PathElement::new(
            vec![(x, y - 7), (x, y + 7)],
            BLACK.stroke_width(2),
        ))?;
    }
    if let Some(benchmark) = f.risk.benchmark_pct {
        let x = x_of(benchmark.to_f64());
        root.draw(&Polygon::new(
            vec![(x, y - 8), (x + 6, y), (x, y + 8), (x - 6, y)],
            WHITE.filled(),
        ))?;
        root.draw(&PathElement::new(
            vec![(x, y - 8), (x + 6, y), (x, y + 8), (x - 6, y), (x, y - 8)],
            BLACK.stroke_width(2),
        ))?;
    }
    let light = lang.t(&format!("charts.light.{}", light_key(f.risk.light)));
    root.draw(&Text::new(
        format!("{shown} · {light}"),
        (X100 + 14, y),
        font(15).pos(left),
    ))?;
    Ok(())
}

fn light_key(light: Light) -> &'static str {
    match light {
        Light::Green => "green",
        Light::Orange => "orange",
        Light::Red => "red",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::answers::{Answers, RawAnswers};
    use crate::domain::results::compute;
    use crate::domain::round::MinGroupSize;

    fn basis() -> Questionnaire {
        Questionnaire::parse(include_str!("../../questionnaires/psa-basis.toml")).unwrap()
    }

    fn results(q: &Questionnaire) -> RoundResults {
        let respondent = |pe1: i32, wd: i32| {
            let mut raw = RawAnswers::default();
            for item in ["pe1", "pe2", "pe3", "pe4", "pe5"] {
                raw.items
                    .insert(item.into(), Some(if item == "pe1" { pe1 } else { 1 }));
            }
            for item in ["wd1", "wd2", "wd3", "wd4"] {
                raw.items.insert(item.into(), Some(wd));
            }
            Answers::parse(&raw, q).unwrap()
        };
        let responses = (0..16).map(|i| {
            (
                String::new(),
                respondent(if i < 3 { 4 } else { 1 }, 2 + i % 4),
            )
        });
        compute(q, &[], responses, MinGroupSize::new(5).unwrap())
    }

    #[test]
    fn the_categories_chart_is_deterministic_and_held_by_its_snapshot() {
        let q = basis();
        let results = results(&q);
        let svg = categories_svg(&q, &results, Lang::Nl).unwrap();
        assert_eq!(
            svg,
            categories_svg(&q, &results, Lang::Nl).unwrap(),
            "same bytes"
        );
        // Written lights, hidden categories named as such, Dutch decimal comma.
        assert!(svg.contains("18,8% · rood"), "3 of 16 exposed");
        assert!(svg.contains("verborgen"));
        let english = categories_svg(&q, &results, Lang::En).unwrap();
        assert!(english.contains("18.8% · red"));
        let snapshot = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/snapshots/categories-nl.svg"
        );
        if std::env::var_os("PSA_UPDATE_SNAPSHOTS").is_some() {
            std::fs::write(snapshot, &svg).unwrap();
        }
        let expected = std::fs::read_to_string(snapshot)
            .expect("a snapshot; make it with PSA_UPDATE_SNAPSHOTS=1 cargo test");
        assert_eq!(
            svg, expected,
            "the chart changed: review it, then update the snapshot"
        );
    }
}
