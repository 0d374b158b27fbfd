//! The results dashboard: a closed round's stored results as text a person reads without a chart,
//! per group and category, every figure rounded from its exact value (DOMAIN.md section 4).

use askama::Template;
use serde_json::Value;

use super::charts::ChartName;
use super::pages::Chrome;
use super::{text, top_group_name};
use crate::domain::Questionnaire;
use crate::domain::aggregate::{
    bound_one_decimal, mean_change_one_decimal, mean_one_decimal, share_change_one_decimal,
    share_one_decimal,
};
use crate::domain::scoring::Scorer;
use crate::i18n::Lang;

/// One closed round in the list of results.
pub struct ClosedRound {
    pub id: String,
    pub name: String,
    pub closed: String,
}

#[derive(Template)]
#[template(path = "results_index.html")]
pub struct ResultsIndexPage {
    pub chrome: Chrome,
    pub rounds: Vec<ClosedRound>,
}

#[derive(Template)]
#[template(path = "results.html")]
pub struct ResultsPage {
    pub chrome: Chrome,
    pub id: String,
    pub name: String,
    pub questionnaire: String,
    pub closed: String,
    pub k: u32,
    pub responses: u64,
    /// Why there is nothing to show (the round is not closed), or none.
    pub notice: Option<String>,
    pub charts: Vec<ChartView>,
    pub groups: Vec<GroupView>,
    /// The counsellor's reports in the round's period, when the page shows them.
    pub vpo: Option<VpoReportsView>,
}

/// The confidential counsellor's reports beside the results: the period, and per category a
/// count, "< 5" or "x".
pub struct VpoReportsView {
    pub period: String,
    pub rows: Vec<(String, String)>,
}

impl VpoReportsView {
    pub fn new(
        lang: Lang,
        q: &Questionnaire,
        signals: &crate::domain::vpo::report::PeriodSignals,
    ) -> Self {
        let table = &signals.reports;
        let rows = table
            .rows
            .iter()
            .zip(&table.shown.cells)
            .map(|(id, cells)| {
                let name = q
                    .categories
                    .iter()
                    .find(|c| &c.id == id)
                    .map_or_else(|| id.clone(), |c| text(lang, &c.name));
                (name, cells.first().map(|s| s.text()).unwrap_or_default())
            })
            .collect();
        VpoReportsView {
            period: lang.t_with(
                "pdf.vpo.intro",
                &[
                    ("from", &lang.date(signals.from)),
                    ("to", &lang.date(signals.to)),
                ],
            ),
            rows,
        }
    }
}

/// A chart on the dashboard: its file name without extension, caption and text alternative.
pub struct ChartView {
    pub name: &'static str,
    pub caption: String,
    pub alt: String,
}

impl ChartView {
    fn all(lang: Lang) -> Vec<ChartView> {
        ChartName::ALL
            .into_iter()
            .map(|chart| {
                let key = format!("results.charts.{}", chart.as_str().replace('-', "_"));
                ChartView {
                    name: chart.as_str(),
                    caption: lang.t(&format!("{key}.caption")).into_owned(),
                    alt: lang.t(&format!("{key}.alt")).into_owned(),
                }
            })
            .collect()
    }
}

pub struct GroupView {
    pub name: String,
    pub rows: Vec<RowView>,
}

pub struct RowView {
    pub category: String,
    /// `None`: the group is hidden in this category.
    pub figures: Option<FiguresView>,
}

pub struct FiguresView {
    /// `green`, `orange` or `red`, for the stylesheet; the text says the same in words.
    pub light: String,
    pub light_text: String,
    pub n: u64,
    pub figure: String,
    pub sources: String,
    pub class: String,
    pub benchmark: String,
    pub trend: String,
}

/// Everything the dashboard needs to know about the round besides its results.
pub struct RoundFacts<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub closed: String,
    pub k: u32,
    /// Whether the round covered the whole organisation (its top group is then "the organisation").
    pub whole_organisation: bool,
}

fn f64_of(value: &Value, key: &str) -> f64 {
    value[key].as_f64().unwrap_or(0.0)
}

impl ResultsPage {
    /// The dashboard of stored results (`results`, as the API serves them).
    pub fn new(chrome: Chrome, round: &RoundFacts, q: &Questionnaire, results: &Value) -> Self {
        let lang = chrome.lang;
        let scorer = Scorer::new(q);
        let groups = results["groups"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|group| {
                let name = if group["unit_id"].is_null() {
                    top_group_name(lang, round.whole_organisation)
                } else {
                    group["path"].as_str().unwrap_or_default().to_owned()
                };
                let rows = q
                    .categories
                    .iter()
                    .zip(&scorer.layouts)
                    .map(|(category, layout)| {
                        let figures = &group["categories"][&category.id];
                        let shown = figures.is_object() && figures.get("suppressed").is_none();
                        RowView {
                            category: text(lang, &category.name),
                            figures: shown
                                .then(|| figures_view(lang, q, layout.units_per_point(), figures)),
                        }
                    })
                    .collect();
                GroupView { name, rows }
            })
            .collect();
        ResultsPage {
            chrome,
            id: round.id.to_owned(),
            name: round.name.to_owned(),
            questionnaire: format!("{} {}", q.id, q.version),
            closed: round.closed.clone(),
            k: round.k,
            responses: results["responses"].as_u64().unwrap_or(0),
            notice: None,
            charts: ChartView::all(lang),
            groups,
            vpo: None,
        }
    }

    /// The page of a round that has no results yet.
    pub fn pending(chrome: Chrome, round: &RoundFacts, questionnaire: &str) -> Self {
        let notice = Some(chrome.t("results.not_closed").into_owned());
        ResultsPage {
            chrome,
            id: round.id.to_owned(),
            name: round.name.to_owned(),
            questionnaire: questionnaire.to_owned(),
            closed: String::new(),
            k: round.k,
            responses: 0,
            notice,
            charts: Vec::new(),
            groups: Vec::new(),
            vpo: None,
        }
    }

    pub fn hidden_text(&self) -> String {
        hidden_text(self.chrome.lang, self.k)
    }
}

/// What a hidden group shows instead of figures.
pub fn hidden_text(lang: Lang, k: u32) -> String {
    lang.t_with("results.hidden", &[("k", &k.to_string())])
}

fn figures_view(lang: Lang, q: &Questionnaire, units_per_point: i64, f: &Value) -> FiguresView {
    let n = f["n"].as_u64().unwrap_or(0);
    let dec = |s: String| lang.decimal(&s);
    let interval_of = |figures: &Value, low: &str, high: &str| {
        lang.t_with(
            "results.interval",
            &[
                ("low", &dec(bound_one_decimal(f64_of(figures, low)))),
                ("high", &dec(bound_one_decimal(f64_of(figures, high)))),
            ],
        )
    };
    let interval = |low: &str, high: &str| interval_of(f, low, high);
    let share = |key: &str| dec(share_one_decimal(f64_of(f, &format!("{key}_pct")), n));
    let behaviour = f.get("exposed_pct").is_some();
    let figure = if behaviour {
        lang.t_with(
            "results.behaviour_figure",
            &[
                ("exposed", &share("exposed")),
                ("interval", &interval("exposed_ci_low", "exposed_ci_high")),
                ("monthly", &share("monthly")),
                ("weekly", &share("weekly")),
            ],
        )
    } else {
        lang.t_with(
            "results.strain_figure",
            &[
                (
                    "mean",
                    &dec(mean_one_decimal(f64_of(f, "mean"), n, units_per_point)),
                ),
                ("interval", &interval("mean_ci_low", "mean_ci_high")),
                ("high_strain", &share("high_strain")),
            ],
        )
    };
    let sources = q
        .sources
        .options
        .iter()
        .filter_map(|option| {
            let pct = f["source_pct"][&option.id]["pct"].as_f64()?;
            Some(format!(
                "{} {}%",
                text(lang, &option.text),
                dec(share_one_decimal(pct, n))
            ))
        })
        .collect::<Vec<_>>()
        .join(" · ");
    let light = f["light"].as_str().unwrap_or("orange").to_owned();
    let benchmark = match (f["benchmark_pct"].as_f64(), f["benchmark_year"].as_i64()) {
        (Some(pct), Some(year)) => {
            let comparison = match f["above_benchmark"].as_bool() {
                Some(true) => lang.t("results.above_benchmark"),
                Some(false) => lang.t("results.not_above_benchmark"),
                None => lang.t("results.benchmark_unknown"),
            };
            // The comparison is on the self-label share, so it is shown with it where shown.
            let label = &f["self_label"];
            let here = match (
                label["self_label_pct"].as_f64(),
                label["self_label_n"].as_u64(),
            ) {
                (Some(pct), Some(label_n)) => lang.t_with(
                    "results.self_label",
                    &[
                        ("pct", &dec(share_one_decimal(pct, label_n))),
                        (
                            "interval",
                            &interval_of(label, "self_label_ci_low", "self_label_ci_high"),
                        ),
                    ],
                ),
                _ => String::new(),
            };
            lang.t_with(
                "results.benchmark",
                &[
                    // A configured reference value: shown as written in the questionnaire.
                    ("pct", &dec(pct.to_string())),
                    ("year", &year.to_string()),
                    ("here", &here),
                    ("comparison", &comparison),
                ],
            )
        }
        _ => "—".to_owned(),
    };
    let trend = match f.get("trend") {
        Some(trend) => {
            let before = &trend["previous"];
            let n_before = before["n"].as_u64().unwrap_or(0);
            let (change, unit) = if behaviour {
                let now = (f64_of(f, "exposed_pct"), n);
                let then = (f64_of(before, "exposed_pct"), n_before);
                (share_change_one_decimal(now, then), "results.points_pct")
            } else {
                let now = (f64_of(f, "mean"), n);
                let then = (f64_of(before, "mean"), n_before);
                let change = mean_change_one_decimal(now, then, units_per_point);
                (change, "results.points")
            };
            let sign = if change.starts_with('-') || change == "0.0" {
                ""
            } else {
                "+"
            };
            lang.t_with(
                if trend["significant"].as_bool() == Some(true) {
                    "results.trend_significant"
                } else {
                    "results.trend_not_significant"
                },
                &[
                    ("change", &format!("{sign}{}", dec(change))),
                    ("unit", &lang.t(unit)),
                ],
            )
        }
        None => "—".to_owned(),
    };
    FiguresView {
        light_text: lang.t(&format!("results.light.{light}")).into_owned(),
        light,
        n,
        figure,
        sources,
        class: lang.t_with(
            "results.class",
            &[
                ("class", &f["fk_class"].to_string()),
                // R is an exact product of configured decimals: shown as it is.
                ("r", &dec(f64_of(f, "fk_r").to_string())),
            ],
        ),
        benchmark,
        trend,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn chrome(lang: Lang) -> Chrome {
        Chrome {
            lang,
            csrf: String::new(),
            user: None,
            hr: true,
            results: true,
            plan: true,
            inspector: false,
            vpo: false,
            admin: false,
        }
    }

    #[test]
    fn rows_read_as_text_with_trend_benchmark_and_hidden_groups() {
        let q = Questionnaire::parse(include_str!("../../questionnaires/psa-basis.toml")).unwrap();
        let results = json!({"min_group_size": 5, "responses": 16, "groups": [
            {"unit_id": null, "path": "", "categories": {
                "pesten": {"n": 16, "mean": 2.5, "sd": 1.0, "mean_ci_low": 1.0, "mean_ci_high": 4.0,
                    "exposed_pct": 6.25, "exposed_ci_low": 1.11, "exposed_ci_high": 28.33,
                    "monthly_pct": 6.25, "weekly_pct": 0.0,
                    "source_pct": {"collega": {"pct": 6.25, "ci_low": 1.1, "ci_high": 28.3}},
                    "light": "orange", "fk_w": 3, "fk_b": 1, "fk_e": 7, "fk_r": 21, "fk_class": 2,
                    "benchmark_pct": 5, "benchmark_year": 2022, "above_benchmark": true,
                    "trend": {"previous_round_id": "r0", "previous": {"n": 16, "exposed_pct": 18.75}, "change": -12.5, "significant": true}},
                "werkdruk": {"suppressed": true}
            }}
        ]});
        let round = RoundFacts {
            id: "r1",
            name: "PSA",
            closed: String::new(),
            k: 5,
            whole_organisation: false,
        };
        let page = ResultsPage::new(chrome(Lang::Nl), &round, &q, &results);
        assert_eq!(page.groups[0].name, "De deelnemende afdelingen samen");
        let row = |id: &str| {
            let name = text(Lang::Nl, &q.category(id).unwrap().name);
            page.groups[0]
                .rows
                .iter()
                .find(|r| r.category == name)
                .unwrap()
        };
        let bullying = row("pesten").figures.as_ref().unwrap();
        assert_eq!(bullying.light_text, "Oranje: maatregel nodig");
        assert!(
            bullying
                .figure
                .starts_with("6,3% heeft dit meegemaakt (95%-BI 1,1–28,3)")
        );
        assert_eq!(bullying.sources, "Een collega 6,3%");
        assert_eq!(bullying.class, "Klasse 2 (R = 21)");
        assert_eq!(bullying.benchmark, "5% (2022); significant hoger");
        assert_eq!(bullying.trend, "-12,5 procentpunt (significant)");
        assert!(row("werkdruk").figures.is_none(), "hidden: no figure");
        assert!(row("discriminatie").figures.is_none(), "absent: hidden");
        let english = ResultsPage::new(chrome(Lang::En), &round, &q, &results);
        let figures = english.groups[0].rows[0].figures.as_ref().unwrap();
        assert_eq!(figures.trend, "-12.5 percentage points (significant)");
        assert!(english.render().unwrap().contains("Orange: measure needed"));
    }
}
