//! The confidential counsellor's anonymous annual report (DOMAIN.md section 8) as a standalone
//! printable HTML page, a CSV file and a PDF, in Dutch or English.
//!
//! Every count comes from `AnnualFigures` as shown: nothing is counted here, and a hidden count
//! prints as "< 5" or "x", explained by the legend. The report names no one, no unit, no case
//! and no date: only the year, its quarters and counts, and the counsellors' recommendations.
//! `Report::new` turns the figures into print-ready texts once; each format only lays them out.
//! Imports `domain`, `i18n` and the charts; no `db`, no `http`.

mod csv;
mod html;
pub mod pdf;

use serde::Serialize;

use crate::domain::vpo::report::{AnnualFigures, ReportTable};
use crate::domain::vpo::suppression::{SMALL, Shown};
use crate::i18n::Lang;
use crate::render::charts::{self, VpoComparison};

pub use csv::csv;
pub use html::{html, style_hash};

/// A count as printed: its text (`12`, `< 5`, `x`) and whether it is hidden.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrintCell {
    pub text: String,
    pub hidden: bool,
}

impl From<Shown> for PrintCell {
    fn from(shown: Shown) -> Self {
        PrintCell {
            text: shown.text(),
            hidden: shown.is_hidden(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrintRow {
    pub label: String,
    pub cells: Vec<PrintCell>,
    /// The row of column totals.
    pub total: bool,
}

/// One table of the report, ready to print.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrintTable {
    /// Its wire name in `AnnualFigures` (`contacts`, `categories` …): the CSV section's key.
    pub key: &'static str,
    pub title: String,
    /// What the table counts, in a sentence.
    pub note: String,
    /// The first column's heading, then the columns' (and the row totals').
    pub header: Vec<String>,
    pub rows: Vec<PrintRow>,
}

/// The report's texts in its language, and its chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub lang: &'static str,
    pub year: i32,
    pub title: String,
    pub organisation: String,
    pub intro: String,
    pub tables: Vec<PrintTable>,
    pub legend_title: String,
    /// What "< 5" and "x" mean.
    pub legend: Vec<String>,
    pub chart_title: String,
    #[serde(skip)]
    pub chart_svg: String,
    pub recommendations_title: String,
    /// The counsellors' recommendations, a paragraph per item; empty when none were written.
    pub recommendations: Vec<String>,
    pub no_recommendations: String,
    /// Draft or final.
    pub status: String,
    pub footer: String,
    /// `pagina {page} van {total}`.
    pub page_of: String,
}

/// How the report names things that the figures name by wire name.
pub struct Names<'a> {
    /// A behaviour category's name (from the questionnaire), if known.
    pub category: &'a dyn Fn(&str) -> Option<String>,
}

impl Names<'_> {
    fn of(&self, lang: Lang, table: &str, wire: &str) -> String {
        if matches!(table, "categories" | "comparison")
            && let Some(name) = (self.category)(wire)
        {
            return capitalised(&name);
        }
        let prefix = match table {
            "contacts" => "vpo_report.quarter",
            "categories" | "comparison" => "vpo_report.category",
            "sources" => "vpo_report.source",
            "actions" => "vpo_report.action",
            _ => "vpo_report.referral",
        };
        lang.term(prefix, wire)
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// The recommendations as paragraphs: split at blank lines, lines within kept together.
fn paragraphs(text: &str) -> Vec<String> {
    text.replace("\r\n", "\n")
        .split("\n\n")
        .map(|p| p.lines().map(str::trim).collect::<Vec<_>>().join(" "))
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect()
}

impl Report {
    /// The report of `figures` with the counsellors' `recommendations`, in `lang`.
    pub fn new(
        figures: &AnnualFigures,
        organisation: &str,
        recommendations: &str,
        finalised: bool,
        lang: Lang,
        names: &Names<'_>,
    ) -> Report {
        let year = figures.year.to_string();
        let previous = (figures.year - 1).to_string();
        let y = [("year", year.as_str()), ("previous", previous.as_str())];
        let t = |key: &str| lang.t_with(key, &y);
        let total = t("vpo_report.total");
        let column = |table: &str, wire: &str| -> String {
            match (table, wire) {
                (_, "count") => t("vpo_report.column.count"),
                ("comparison", "previous_year") => previous.clone(),
                ("comparison", "year") => year.clone(),
                (_, quarter) if quarter.starts_with('q') => {
                    t(&format!("vpo_report.quarter.{quarter}"))
                }
                (_, other) => t(&format!("vpo_report.column.{other}")),
            }
        };
        let print = |key: &'static str, table: &ReportTable| -> PrintTable {
            let shown = &table.shown;
            let mut header = vec![t(&format!("vpo_report.{key}.first"))];
            header.extend(table.columns.iter().map(|c| column(key, c)));
            if !shown.row_totals.is_empty() {
                header.push(total.clone());
            }
            let mut rows: Vec<PrintRow> = table
                .rows
                .iter()
                .zip(&shown.cells)
                .enumerate()
                .map(|(i, (wire, cells))| {
                    let mut cells: Vec<PrintCell> = cells.iter().map(|&c| c.into()).collect();
                    if let Some(&row_total) = shown.row_totals.get(i) {
                        cells.push(row_total.into());
                    }
                    PrintRow {
                        label: names.of(lang, key, wire),
                        cells,
                        total: false,
                    }
                })
                .collect();
            if !shown.column_totals.is_empty() {
                let mut cells: Vec<PrintCell> =
                    shown.column_totals.iter().map(|&c| c.into()).collect();
                if let Some(grand) = shown.total {
                    cells.push(grand.into());
                }
                rows.push(PrintRow {
                    label: total.clone(),
                    cells,
                    total: true,
                });
            }
            PrintTable {
                key,
                title: t(&format!("vpo_report.{key}.title")),
                note: t(&format!("vpo_report.{key}.note")),
                header,
                rows,
            }
        };
        let tables = vec![
            print("contacts", &figures.contacts),
            print("categories", &figures.categories),
            print("sources", &figures.sources),
            print("actions", &figures.actions),
            print("referrals", &figures.referrals),
            print("comparison", &figures.comparison),
        ];
        let small = SMALL.to_string();
        let bars: Vec<(String, Shown, Shown)> = figures
            .comparison
            .rows
            .iter()
            .zip(&figures.comparison.shown.cells)
            .map(|(wire, cells)| {
                let cell = |i: usize| cells.get(i).copied().unwrap_or(Shown::Count(0));
                (names.of(lang, "comparison", wire), cell(0), cell(1))
            })
            .collect();
        let chart_title = t("vpo_report.chart.title");
        let chart = VpoComparison {
            title: &chart_title,
            year: figures.year,
            bars: &bars,
            lang,
        };
        let chart_svg = charts::render(&chart, charts::Format::Svg)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .unwrap_or_default();
        Report {
            lang: lang.code(),
            year: figures.year,
            title: t("vpo_report.title"),
            organisation: organisation.to_owned(),
            intro: t("vpo_report.intro"),
            tables,
            legend_title: t("vpo_report.legend.title"),
            legend: vec![
                lang.t_with("vpo_report.legend.small", &[("small", &small)]),
                t("vpo_report.legend.withheld"),
                t("vpo_report.legend.zero"),
            ],
            chart_title,
            chart_svg,
            recommendations_title: t("vpo_report.recommendations.title"),
            recommendations: paragraphs(recommendations),
            no_recommendations: t("vpo_report.recommendations.none"),
            status: t(if finalised {
                "vpo_report.status.final"
            } else {
                "vpo_report.status.draft"
            }),
            footer: t("vpo_report.footer"),
            page_of: t("vpo_report.page_of"),
        }
    }
}

#[cfg(test)]
pub(crate) mod fixture {
    use std::collections::BTreeSet;

    use super::*;
    use crate::domain::vpo::report::annual_figures;
    use crate::domain::vpo::{Action, Behaviour, CaseFacts, Quarter, Source};

    fn case(quarter: &str, in_scope: bool, behaviour: Behaviour) -> CaseFacts {
        CaseFacts {
            quarter: Quarter::parse(quarter).unwrap(),
            in_scope,
            behaviours: if in_scope {
                [behaviour].into()
            } else {
                BTreeSet::new()
            },
            sources: if in_scope {
                [Source::Colleague].into()
            } else {
                BTreeSet::new()
            },
            actions: [Action::Conversations].into(),
            referrals: if in_scope {
                BTreeSet::new()
            } else {
                ["integrity_counsellor".to_owned()].into()
            },
        }
    }

    /// 2026: 7 bullying in Q1, 2 intimidation in Q2, 1 out of scope; 2025: 6 bullying.
    pub fn figures() -> AnnualFigures {
        let mut cases = Vec::new();
        cases.extend((0..7).map(|_| case("2026-Q1", true, Behaviour::Bullying)));
        cases.extend((0..2).map(|_| case("2026-Q2", true, Behaviour::Intimidation)));
        cases.push(case("2026-Q3", false, Behaviour::Bullying));
        cases.extend((0..6).map(|_| case("2025-Q2", true, Behaviour::Bullying)));
        annual_figures(2026, &cases, &["integrity_counsellor".to_owned()])
    }

    pub fn report(lang: Lang) -> Report {
        let names = Names {
            category: &|id| (id == "pesten").then(|| "pesten".to_owned()),
        };
        Report::new(
            &figures(),
            "Zorg BV",
            "Train leidinggevenden.\n\nMaak het meldpunt bekender.",
            false,
            lang,
            &names,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::fixture::report;
    use super::*;

    #[test]
    fn every_table_prints_its_shown_counts_with_totals_and_hidden_ones_as_marks() {
        let r = report(Lang::Nl);
        let keys: Vec<&str> = r.tables.iter().map(|t| t.key).collect();
        assert_eq!(
            keys,
            [
                "contacts",
                "categories",
                "sources",
                "actions",
                "referrals",
                "comparison"
            ]
        );
        let categories = &r.tables[1];
        let bullying = &categories.rows[0];
        assert_eq!(bullying.label, "Pesten", "the questionnaire's name");
        let texts: Vec<&str> = bullying.cells.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts, ["7", "0", "0", "0", "7"]);
        let intimidation = &categories.rows[2];
        assert_eq!(intimidation.cells[1].text, "< 5");
        assert!(intimidation.cells[1].hidden);
        let comparison = &r.tables[5];
        assert_eq!(comparison.header[1..], ["2025", "2026"]);
        assert_eq!(comparison.rows[0].cells[0].text, "6");
        let contacts = &r.tables[0];
        assert!(contacts.rows.last().unwrap().total);
        assert_eq!(r.recommendations.len(), 2);
        assert!(r.legend[0].contains("< 5"), "{:?}", r.legend);
        assert!(r.chart_svg.starts_with("<svg"));
    }

    #[test]
    fn english_names_its_quarters_and_sources_in_english() {
        let r = report(Lang::En);
        assert_eq!(r.tables[1].header[1], "Q1");
        assert!(r.tables[2].rows.iter().any(|row| row.label == "Colleague"));
        assert!(r.title.contains("2026"), "{}", r.title);
    }

    #[test]
    fn recommendations_split_into_paragraphs_at_blank_lines() {
        assert_eq!(
            paragraphs("Een\nregel\r\n\r\n\nTwee\n\n  "),
            ["Een regel", "Twee"]
        );
        assert!(paragraphs(" \n").is_empty());
    }
}
