//! Charts of a round, drawn with plotters as SVG or PNG: (a) `categories`, risk per category of
//! the top group; (b) `heatmap`, units × categories; (c) `trend`, per category over the rounds;
//! (d) `response-rate`, per unit; (e) `plan-status`, plan items per category and standing; and
//! the confidential counsellor's annual report's categories against the year before.
//!
//! Each chart is drawn once, by a function generic over the plotters backend. SVG text stays
//! text (`font-family="sans-serif"`), so it can be selected and read aloud; PNG text is drawn
//! with DejaVu Sans embedded in the binary (`png`), so no system font is needed. Readable for
//! colour-blind people and in greyscale print: colours are the Okabe-Ito palette, every traffic
//! light is also written, and series differ by marker shape and dash, not only by colour.
//! Deterministic: the same values give the same bytes.
//!
//! Charts take only what may be shown: stored results (a hidden group has no figure to draw),
//! response rates after the k rule, and plan items. Imports `domain`, `i18n` and `render`
//! helpers: no `db`, no `http`.

mod categories;
mod heatmap;
mod plan_status;
mod png;
mod response_rate;
mod trend;
mod vpo_comparison;

use std::fmt;
use std::str::FromStr;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

pub use categories::Categories;
pub use heatmap::Heatmap;
pub use plan_status::PlanStatus;
pub use response_rate::ResponseRate;
pub use trend::{Trend, TrendRound};
pub use vpo_comparison::VpoComparison;

use crate::domain::Questionnaire;
use crate::domain::aggregate::{mean_one_decimal, share_one_decimal};
use crate::domain::questionnaire::CategoryKind;
use crate::domain::results::CategoryResult;
use crate::domain::risk::Light;
use crate::domain::scoring::Scorer;
use crate::i18n::Lang;

/// The charts psa draws, by the name in their file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartName {
    Categories,
    Heatmap,
    Trend,
    ResponseRate,
    PlanStatus,
}

impl ChartName {
    pub const ALL: [ChartName; 5] = [
        ChartName::Categories,
        ChartName::Heatmap,
        ChartName::Trend,
        ChartName::ResponseRate,
        ChartName::PlanStatus,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ChartName::Categories => "categories",
            ChartName::Heatmap => "heatmap",
            ChartName::Trend => "trend",
            ChartName::ResponseRate => "response-rate",
            ChartName::PlanStatus => "plan-status",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Svg,
    Png,
}

impl Format {
    pub const ALL: [Format; 2] = [Format::Svg, Format::Png];

    pub fn extension(self) -> &'static str {
        match self {
            Format::Svg => "svg",
            Format::Png => "png",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Svg => "image/svg+xml",
            Format::Png => "image/png",
        }
    }
}

/// A chart's file name, such as `heatmap.png`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChartFile {
    pub chart: ChartName,
    pub format: Format,
}

/// A file name that names no chart; says which names there are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct UnknownChart(pub String);

impl fmt::Display for UnknownChart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = ChartName::ALL.iter().map(|c| c.as_str()).collect();
        write!(
            f,
            "no chart {:?}: there are {}, each as .svg or .png",
            self.0,
            names.join(", ")
        )
    }
}

impl FromStr for ChartFile {
    type Err = UnknownChart;

    fn from_str(file: &str) -> Result<Self, Self::Err> {
        let unknown = || UnknownChart(file.to_owned());
        let (name, extension) = file.rsplit_once('.').ok_or_else(unknown)?;
        let chart = ChartName::ALL.into_iter().find(|c| c.as_str() == name);
        let format = Format::ALL.into_iter().find(|f| f.extension() == extension);
        match (chart, format) {
            (Some(chart), Some(format)) => Ok(ChartFile { chart, format }),
            _ => Err(unknown()),
        }
    }
}

/// The whole picture a chart draws on; (0, 0) is its top left corner, in pixels.
pub type Area<DB> = DrawingArea<DB, Shift>;
/// The result of drawing on backend `DB`.
pub type Drawn<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// A chart: its size, and how to draw it on any backend.
pub trait Chart {
    /// Width and height, in pixels.
    fn size(&self) -> (u32, u32);
    fn draw<DB: DrawingBackend>(&self, root: &Area<DB>) -> Drawn<DB>;
}

/// The chart as SVG or PNG bytes.
pub fn render(chart: &impl Chart, format: Format) -> Result<Vec<u8>, String> {
    match format {
        Format::Svg => {
            let mut svg = String::new();
            {
                let root = SVGBackend::with_string(&mut svg, chart.size()).into_drawing_area();
                chart.draw(&root).map_err(|e| e.to_string())?;
                root.present().map_err(|e| e.to_string())?;
            }
            Ok(svg.into_bytes())
        }
        Format::Png => png::render(chart),
    }
}

/// The one font family charts name: SVG viewers choose their own sans-serif; PNG has DejaVu Sans.
const FAMILY: &str = "sans-serif";

/// Okabe-Ito colours: distinguishable with every common colour vision deficiency.
mod palette {
    use plotters::style::RGBColor;

    pub const ORANGE: RGBColor = RGBColor(0xE6, 0x9F, 0x00);
    pub const SKY_BLUE: RGBColor = RGBColor(0x56, 0xB4, 0xE9);
    pub const GREEN: RGBColor = RGBColor(0x00, 0x9E, 0x73);
    pub const YELLOW: RGBColor = RGBColor(0xF0, 0xE4, 0x42);
    pub const BLUE: RGBColor = RGBColor(0x00, 0x72, 0xB2);
    pub const VERMILLION: RGBColor = RGBColor(0xD5, 0x5E, 0x00);
    pub const PURPLE: RGBColor = RGBColor(0xCC, 0x79, 0xA7);
    /// Written notes and hidden cells.
    pub const GREY: RGBColor = RGBColor(0x55, 0x55, 0x55);
    pub const GRID: RGBColor = RGBColor(0xDD, 0xDD, 0xDD);
    pub const HIDDEN: RGBColor = RGBColor(0xF2, 0xF2, 0xF2);
}

/// A traffic light's colour, and the light in words.
fn light(light: Light, lang: Lang) -> (RGBColor, String) {
    let (colour, key) = match light {
        Light::Green => (palette::GREEN, "charts.light.green"),
        Light::Orange => (palette::ORANGE, "charts.light.orange"),
        Light::Red => (palette::VERMILLION, "charts.light.red"),
    };
    (colour, lang.t(key).into_owned())
}

/// Black text of `size` in the charts' family.
fn font(size: u32) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(&BLACK)
}

const fn anchor(h_pos: HPos, v_pos: VPos) -> Pos {
    Pos { h_pos, v_pos }
}
const LEFT: Pos = anchor(HPos::Left, VPos::Center);
const RIGHT: Pos = anchor(HPos::Right, VPos::Center);
const CENTRE: Pos = anchor(HPos::Center, VPos::Center);
const BELOW: Pos = anchor(HPos::Center, VPos::Top);

/// Writes `text` at `at` (its anchor is the style's position).
fn write<DB: DrawingBackend>(
    root: &Area<DB>,
    text: impl Into<String>,
    at: (i32, i32),
    style: TextStyle<'_>,
) -> Drawn<DB> {
    root.draw(&Text::new(text.into(), at, style))
}

/// The chart's title, top left.
fn title<DB: DrawingBackend>(root: &Area<DB>, text: impl Into<String>) -> Drawn<DB> {
    write(root, text, (10, 12), font(20))
}

/// Where `value` (0 to 100, clamped) lies between pixel `from` (0) and `to` (100).
fn on_scale(value: f64, (from, to): (i32, i32)) -> i32 {
    from + (value.clamp(0.0, 100.0) / 100.0 * f64::from(to - from)).round() as i32
}

/// The 0–100 scale of horizontal bars along `span`: a light line from `top` to `bottom` and a
/// label below it every 25, followed by `unit`.
fn bar_scale<DB: DrawingBackend>(
    root: &Area<DB>,
    span: (i32, i32),
    (top, bottom): (i32, i32),
    unit: &str,
) -> Drawn<DB> {
    for tick in (0..=100).step_by(25) {
        let x = on_scale(f64::from(tick), span);
        root.draw(&PathElement::new(
            vec![(x, top), (x, bottom)],
            palette::GRID,
        ))?;
        write(
            root,
            format!("{tick}{unit}"),
            (x, bottom + 6),
            font(14).pos(BELOW),
        )?;
    }
    Ok(())
}

/// Diagonal hatching over a rectangle: marks what is hidden or overdue without colour.
fn hatch<DB: DrawingBackend>(
    root: &Area<DB>,
    (x0, y0): (i32, i32),
    (x1, y1): (i32, i32),
    colour: RGBColor,
) -> Drawn<DB> {
    const STEP: i32 = 8;
    let (width, height) = (x1 - x0, y1 - y0);
    // Lines x − y = c at 45°, clipped to the rectangle by hand so both backends agree.
    let mut c = -height + STEP / 2;
    while c < width {
        let start = (x0 + c.max(0), y0 + (-c).max(0));
        let length = (width - c.max(0)).min(height - (-c).max(0));
        root.draw(&PathElement::new(
            vec![start, (start.0 + length, start.1 + length)],
            colour.stroke_width(1),
        ))?;
        c += STEP;
    }
    Ok(())
}

/// A category's figure as a chart shows it: the value on the 0–100 scale (behaviour: the share
/// exposed, in percent; strain: the mean) with its 95% interval, and written to one decimal
/// from its exact count or sum, as the dashboard writes it.
struct Figure {
    value: f64,
    low: f64,
    high: f64,
    text: String,
}

impl Figure {
    fn of(kind: CategoryKind, f: &CategoryResult, units_per_point: i64, lang: Lang) -> Figure {
        match kind {
            CategoryKind::Behaviour => {
                let pct = f.exposed_pct.unwrap_or(0.0);
                Figure {
                    value: pct,
                    low: f.exposed_ci_low.unwrap_or(0.0),
                    high: f.exposed_ci_high.unwrap_or(0.0),
                    text: format!("{}%", lang.decimal(&share_one_decimal(pct, f.n))),
                }
            }
            CategoryKind::Strain => Figure {
                value: f.mean,
                low: f.mean_ci_low,
                high: f.mean_ci_high,
                text: lang.decimal(&mean_one_decimal(f.mean, f.n, units_per_point)),
            },
        }
    }
}

/// Per category of `q`, in order: how many units make one point of its score.
fn units_per_point(q: &Questionnaire) -> Vec<i64> {
    Scorer::new(q)
        .layouts
        .iter()
        .map(|l| l.units_per_point())
        .collect()
}

/// `text` cut to at most `max` characters, with an ellipsis where cut.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(max.saturating_sub(1)).collect();
    short.push('…');
    short
}

/// `text` broken at spaces into at most `lines` lines of at most `width` characters; the last
/// line is shortened if the text does not fit.
fn wrap(text: &str, width: usize, lines: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match out.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => out.push(word.to_owned()),
        }
    }
    if out.len() > lines {
        let rest = out.split_off(lines - 1).join(" ");
        out.push(rest);
    }
    out.into_iter().map(|line| shorten(&line, width)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chart_files_parse_into_a_name_and_a_format() {
        assert_eq!(
            "response-rate.png".parse(),
            Ok(ChartFile {
                chart: ChartName::ResponseRate,
                format: Format::Png
            })
        );
        for name in ChartName::ALL {
            for format in Format::ALL {
                let file = format!("{}.{}", name.as_str(), format.extension());
                assert_eq!(
                    file.parse(),
                    Ok(ChartFile {
                        chart: name,
                        format
                    })
                );
            }
        }
        for bad in [
            "pie.svg",
            "heatmap.jpg",
            "heatmap",
            "",
            ".svg",
            "Heatmap.svg",
        ] {
            let err = bad.parse::<ChartFile>().unwrap_err();
            assert!(
                err.to_string()
                    .contains("categories, heatmap, trend, response-rate, plan-status"),
                "{err}"
            );
        }
    }

    #[test]
    fn long_labels_wrap_at_spaces_and_are_cut_with_an_ellipsis() {
        assert_eq!(
            wrap("andere onjuiste bejegening", 14, 3),
            ["andere", "onjuiste", "bejegening"]
        );
        assert_eq!(
            wrap("seksuele intimidatie", 14, 3),
            ["seksuele", "intimidatie"]
        );
        assert_eq!(wrap("a b c d", 3, 2), ["a b", "c d"]);
        assert_eq!(wrap("een heel lange naam", 8, 2), ["een heel", "lange n…"]);
        assert_eq!(shorten("Zorg/Nacht", 6), "Zorg/…");
    }

    #[test]
    fn texts_from_a_questionnaire_file_are_escaped_in_every_chart() {
        let mut data = fixtures::Data::new();
        for category in &mut data.q.categories {
            for text in category.name.values_mut() {
                *text = "<img src=x onerror=alert(1)>\"&".into();
            }
        }
        for chart in ChartName::ALL {
            for lang in [Lang::Nl, Lang::En] {
                let svg = data.svg(chart, lang);
                assert!(!svg.contains("<img"), "{chart:?}: {svg}");
                assert!(!svg.contains("alert(1)>\""), "{chart:?}: {svg}");
            }
        }
        let categories = data.svg(ChartName::Categories, Lang::Nl);
        assert!(categories.contains("&lt;img"), "{categories}");
    }
}

/// Shared by the charts' tests: one set of values for every chart, with hidden groups.
#[cfg(test)]
pub(crate) mod fixtures {
    use chrono::NaiveDate;

    use super::*;
    use crate::domain::anonymity::Released;
    use crate::domain::answers::{Answers, RawAnswers};
    use crate::domain::plan::Standing;
    use crate::domain::results::{RoundResults, compute};
    use crate::domain::round::{FrozenUnit, MinGroupSize, Progress, UnitCount, progress};

    pub struct Data {
        pub q: Questionnaire,
        pub results: RoundResults,
        pub progress: Progress,
        pub items: Vec<(String, Standing)>,
        pub rounds: Vec<TrendRound>,
    }

    fn unit(id: &str, parent: Option<&str>, path: &str) -> FrozenUnit {
        FrozenUnit {
            id: id.into(),
            parent: parent.map(Into::into),
            name: path.rsplit('/').next().unwrap_or(path).into(),
            path: path.into(),
            headcount: None,
        }
    }

    pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    impl Data {
        /// A round at k = 5 of 16 respondents: Kantoor 8 (3 of them bullied weekly), Zorg 5 and
        /// Zorg/Nacht 3, so that Nacht is hidden; only bullying and work pressure are answered.
        /// Two earlier rounds for the trend (the middle one hid bullying), response counts where
        /// Nacht has fewer than k invitations, and plan items of every standing.
        pub fn new() -> Data {
            let q = Questionnaire::parse(include_str!("../../../questionnaires/psa-basis.toml"))
                .unwrap();
            let units = [
                unit("k", None, "Kantoor"),
                unit("z", None, "Zorg"),
                unit("n", Some("z"), "Zorg/Nacht"),
            ];
            let k = MinGroupSize::new(5).unwrap();
            // `bullied` respondents bullied weekly; work pressure items at `wd(i)`.
            let round = |bullied: usize, wd: &dyn Fn(usize) -> i32| {
                let responses = (0..16).map(|i| {
                    let mut raw = RawAnswers::default();
                    for item in ["pe1", "pe2", "pe3", "pe4", "pe5"] {
                        let value = if item == "pe1" && i < bullied { 4 } else { 1 };
                        raw.items.insert(item.into(), Some(value));
                    }
                    for item in ["wd1", "wd2", "wd3", "wd4"] {
                        raw.items.insert(item.into(), Some(wd(i)));
                    }
                    let unit = match i {
                        0..8 => "k",
                        8..13 => "z",
                        _ => "n",
                    };
                    (unit.to_owned(), Answers::parse(&raw, &q).unwrap())
                });
                compute(&q, &units, responses, k)
            };
            let results = round(3, &|i| 2 + (i % 4) as i32);
            let count = |unit: &str, invited, responded| UnitCount {
                unit: unit.into(),
                invited,
                responded,
            };
            let counts = [count("k", 12, 9), count("z", 10, 4), count("n", 4, 3)];
            let item = |category: &str, standing| (category.to_owned(), standing);
            let items = vec![
                item("pesten", Standing::Done),
                item("pesten", Standing::Done),
                item("pesten", Standing::Running),
                item("pesten", Standing::Overdue),
                item("werkdruk", Standing::Planned),
                item("werkdruk", Standing::Overdue),
                item("vpo_signaal", Standing::Running),
            ];
            let mut middle = round(1, &|i| 2 + (i % 3) as i32);
            middle.groups[0]
                .categories
                .insert("pesten".into(), Released::Suppressed);
            let trend_round = |name: &str, closed, results| TrendRound {
                name: name.into(),
                closed,
                results,
            };
            let rounds = vec![
                trend_round(
                    "PSA voorjaar 2024",
                    date(2024, 3, 15),
                    round(5, &|i| 3 + (i % 3) as i32),
                ),
                trend_round("PSA 2025", date(2025, 6, 15), middle),
                trend_round("PSA 2026", date(2026, 1, 31), results.clone()),
            ];
            Data {
                q,
                results,
                progress: progress(&units, &counts, k),
                items,
                rounds,
            }
        }

        /// Every chart, drawn in `lang` as `format`.
        pub fn render(&self, chart: ChartName, lang: Lang, format: Format) -> Vec<u8> {
            let (q, results) = (&self.q, &self.results);
            match chart {
                ChartName::Categories => render(&Categories { q, results, lang }, format),
                ChartName::Heatmap => render(
                    &Heatmap {
                        q,
                        results,
                        whole_organisation: true,
                        lang,
                    },
                    format,
                ),
                ChartName::Trend => render(
                    &Trend {
                        q,
                        rounds: &self.rounds,
                        lang,
                    },
                    format,
                ),
                ChartName::ResponseRate => render(
                    &ResponseRate {
                        progress: &self.progress,
                        whole_organisation: true,
                        k: 5,
                        lang,
                    },
                    format,
                ),
                ChartName::PlanStatus => render(
                    &PlanStatus {
                        q,
                        items: &self.items,
                        today: date(2026, 3, 1),
                        lang,
                    },
                    format,
                ),
            }
            .unwrap()
        }

        /// The chart as SVG text.
        pub fn svg(&self, chart: ChartName, lang: Lang) -> String {
            String::from_utf8(self.render(chart, lang, Format::Svg)).unwrap()
        }
    }

    /// Compares `bytes` with `tests/snapshots/{name}`, or writes it there with
    /// `PSA_UPDATE_SNAPSHOTS=1`.
    pub fn assert_snapshot(name: &str, bytes: &[u8]) {
        let path = format!("{}/tests/snapshots/{name}", env!("CARGO_MANIFEST_DIR"));
        if std::env::var_os("PSA_UPDATE_SNAPSHOTS").is_some() {
            std::fs::write(&path, bytes).unwrap();
        }
        let expected = std::fs::read(&path).unwrap_or_else(|_| {
            panic!("no {path}; make it with PSA_UPDATE_SNAPSHOTS=1 cargo test")
        });
        assert!(
            bytes == expected.as_slice(),
            "{name} changed: review it, then update the snapshot"
        );
    }
}

#[cfg(test)]
mod png_tests {
    use sha2::{Digest, Sha256};

    use super::fixtures::{Data, assert_snapshot};
    use super::*;

    #[test]
    fn every_chart_renders_the_same_png_bytes_at_its_size_and_matches_the_recorded_hashes() {
        let data = Data::new();
        let mut hashes = String::new();
        for chart in ChartName::ALL {
            let png = data.render(chart, Lang::Nl, Format::Png);
            assert_eq!(png, data.render(chart, Lang::Nl, Format::Png), "same bytes");
            assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{chart:?} is a PNG");
            // IHDR follows the signature: length, type, then width and height, big-endian.
            assert_eq!(&png[12..16], b"IHDR");
            let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
            let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
            let svg = data.svg(chart, Lang::Nl);
            let size = format!("<svg width=\"{width}\" height=\"{height}\"");
            assert!(
                svg.starts_with(&size),
                "{chart:?}: PNG and SVG are one size"
            );
            hashes.push_str(&format!(
                "{:x}  {}-nl.png\n",
                Sha256::digest(&png),
                chart.as_str()
            ));
            if let Some(dir) = std::env::var_os("PSA_CHART_PNG_DIR") {
                let path = std::path::Path::new(&dir).join(format!("{}-nl.png", chart.as_str()));
                std::fs::write(path, &png).unwrap();
            }
        }
        assert_snapshot("charts-png.sha256", hashes.as_bytes());
    }
}
