//! What the PDF says, as print-ready texts: the export and its tables become one JSON value
//! that `reports/rie.typ` only lays out. Every number, date and label is written here, in the
//! export's language, so the template does no formatting and needs no translations.

use serde::Serialize;

use super::Chart;
use crate::export::document::RieExport;
use crate::i18n::Lang;
use crate::plan::HistoryEntryView;
use crate::render::export::tables::{Cell, Table};

/// The document handed to the template as `/data.json`.
#[derive(Debug, Serialize)]
pub(super) struct Data {
    pub lang: &'static str,
    pub title: String,
    pub subtitle: String,
    pub organisation: String,
    /// The title page's facts.
    pub front: Vec<Fact>,
    pub contents: String,
    /// The footer's left part; the right part is `page_of`.
    pub footer: String,
    /// "page {page} of {total}": the template fills in the numbers.
    pub page_of: String,
    pub sections: Vec<Section>,
    pub closing: String,
}

#[derive(Debug, Serialize)]
pub(super) struct Section {
    pub title: String,
    /// Printed on landscape pages: tables too wide for portrait.
    pub landscape: bool,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(super) enum Block {
    /// A numbered subsection (listed in the contents).
    Heading {
        text: String,
        /// Starts on a new page. Typst lays out the runs of pages between page breaks in
        /// parallel: the results' categories, each a long table, typeset side by side.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        new_page: bool,
    },
    Text {
        text: String,
    },
    /// Label and value pairs.
    Facts {
        rows: Vec<Fact>,
    },
    Table(Grid),
    /// One block of label and value pairs per row: for tables with more columns than a page holds.
    Records {
        records: Vec<Record>,
    },
    Chart {
        title: String,
        file: String,
    },
    /// A table numbered and captioned as a figure (a chart printed as a table).
    TableFigure {
        caption: String,
        table: Grid,
    },
}

#[derive(Debug, Clone, Serialize)]
pub(super) struct Fact {
    pub label: String,
    pub value: String,
    /// A long unbroken value (a digest) that is set smaller so that it fits on its line.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub small: bool,
}

impl Fact {
    fn new(label: impl Into<String>, value: impl Into<String>) -> Self {
        Fact {
            label: label.into(),
            value: value.into(),
            small: false,
        }
    }

    fn small(mut self) -> Self {
        self.small = true;
        self
    }
}

#[derive(Debug, Serialize)]
pub(super) struct Grid {
    pub columns: Vec<String>,
    /// Per column: 0 for as wide as its content, else a share of the rest of the line.
    pub widths: Vec<u8>,
    /// Per column, instead of `widths`: its width in em, or 0 for a share of the rest. Long
    /// tables give their figures a fixed width, so that typst need not measure every cell.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ems: Vec<f32>,
    /// Per column: `left` or `right` (figures).
    pub align: Vec<&'static str>,
    pub rows: Vec<Vec<Out>>,
}

#[derive(Debug, Serialize)]
pub(super) struct Out {
    pub text: String,
    /// A traffic light's colour (`green`, `orange` or `red`), or `hidden` for a group too small.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fill: Option<&'static str>,
}

#[derive(Debug, Serialize)]
pub(super) struct Record {
    pub heading: String,
    pub facts: Vec<Fact>,
}

/// Where the template finds chart `index`.
pub(super) fn chart_path(index: usize) -> String {
    format!("/charts/{index}.svg")
}

/// Shown for an empty field of a record.
const NONE: &str = "—";

pub(super) fn data(doc: &RieExport, tables: &[Table], charts: &[Chart]) -> Data {
    let lang = doc.lang;
    let date = lang.date(doc.date);
    let title = lang.t("pdf.title").into_owned();
    let sections = vec![
        section(lang, "method", method(doc)),
        section(lang, "response", response(doc, tables)),
        section(lang, "results", results(doc, tables)),
        section(lang, "charts", charts_blocks(doc, tables, charts)),
        section(lang, "plan", plan(doc, tables)),
        Section {
            landscape: true,
            ..section(lang, "history", history(doc))
        },
        section(lang, "checklist", checklist(lang, tables)),
        section(lang, "approval", approval(doc, tables)),
    ];
    Data {
        lang: lang.code(),
        subtitle: lang.t("pdf.subtitle").into_owned(),
        organisation: doc.organisation.name.clone(),
        front: vec![
            Fact::new(lang.t("pdf.front.organisation"), &doc.organisation.name),
            Fact::new(lang.t("pdf.front.round"), &doc.round.name),
            Fact::new(lang.t("pdf.front.date"), &date),
            Fact::new(lang.t("pdf.front.export_id"), &doc.id),
            Fact::new(lang.t("pdf.front.schema"), &doc.schema),
        ],
        contents: lang.t("pdf.contents").into_owned(),
        footer: format!("{} · {title} · {date}", doc.organisation.name),
        title,
        page_of: lang.t_with("pdf.page_of", &[("page", "{page}"), ("total", "{total}")]),
        sections,
        closing: lang.t_with("pdf.closing", &[("id", &doc.id), ("head", &doc.plan.head)]),
    }
}

fn section(lang: Lang, name: &str, blocks: Vec<Block>) -> Section {
    Section {
        title: lang.t(&format!("pdf.section.{name}")).into_owned(),
        landscape: false,
        blocks,
    }
}

fn text(value: impl Into<String>) -> Block {
    Block::Text { text: value.into() }
}

fn no_data(lang: Lang) -> Block {
    text(lang.t("pdf.no_data"))
}

fn find<'a>(tables: &'a [Table], name: &str) -> Option<&'a Table> {
    tables.iter().find(|t| t.name == name)
}

/// A cell as printed: figures with the language's decimal sign, dates as people write them.
fn shown(lang: Lang, cell: &Cell) -> String {
    match cell {
        Cell::Empty => String::new(),
        Cell::Text(text) => text.clone(),
        Cell::Int(value) => value.to_string(),
        Cell::Number { shown, .. } => lang.decimal(shown),
        Cell::Date(date) => lang.date(*date),
        Cell::Bool(yes) => lang.t(if *yes { "pdf.yes" } else { "pdf.no" }).into_owned(),
    }
}

/// A table read by column key, so that the PDF does not depend on the columns' order.
struct View<'a> {
    table: &'a Table,
    lang: Lang,
}

impl<'a> View<'a> {
    fn new(lang: Lang, table: &'a Table) -> Self {
        View { table, lang }
    }

    fn index(&self, key: &str) -> Option<usize> {
        self.table.columns.iter().position(|c| c.key == key)
    }

    fn cell(&self, row: &'a [Cell], key: &str) -> &'a Cell {
        self.index(key)
            .and_then(|i| row.get(i))
            .unwrap_or(&Cell::Empty)
    }

    fn text(&self, row: &[Cell], key: &str) -> String {
        let cell = self.cell(row, key);
        // Times of changes are stored in UTC; readers want Amsterdam's clock.
        match (key, cell) {
            ("at", Cell::Text(at)) => local_time(self.lang, at).unwrap_or_else(|| at.clone()),
            _ => shown(self.lang, cell),
        }
    }

    fn label(&self, key: &str) -> String {
        self.index(key)
            .map_or_else(|| key.to_owned(), |i| self.table.columns[i].label.clone())
    }

    /// The keys of `wanted` that the table has, or all its columns when it has none of them.
    fn keys(&self, wanted: &[&'static str]) -> Vec<&'static str> {
        let present: Vec<_> = wanted
            .iter()
            .copied()
            .filter(|k| self.index(k).is_some())
            .collect();
        if present.is_empty() {
            self.table.columns.iter().map(|c| c.key).collect()
        } else {
            present
        }
    }

    /// The table as a grid of the columns `wanted` (see `keys`).
    fn grid(&self, wanted: &[&'static str]) -> Block {
        let keys = self.keys(wanted);
        let rows: Vec<Vec<Out>> = self
            .table
            .rows
            .iter()
            .map(|row| {
                keys.iter()
                    .map(|k| Out {
                        text: self.text(row, k),
                        fill: None,
                    })
                    .collect()
            })
            .collect();
        let figures = |k: &str| {
            self.table.rows.iter().all(|row| {
                matches!(
                    self.cell(row, k),
                    Cell::Empty | Cell::Int(_) | Cell::Number { .. }
                )
            })
        };
        let long = |column: usize| rows.iter().any(|r| r[column].text.chars().count() > 24);
        Block::Table(Grid {
            columns: keys.iter().map(|k| self.label(k)).collect(),
            widths: (0..keys.len()).map(|c| u8::from(long(c))).collect(),
            ems: vec![],
            align: keys
                .iter()
                .map(|k| if figures(k) { "right" } else { "left" })
                .collect(),
            rows,
        })
    }

    /// Each row as a record headed by its `heading` column, with every other column that is set.
    fn records(&self, heading: &str) -> Vec<Record> {
        self.table
            .rows
            .iter()
            .map(|row| {
                // Empty fields are left out: the record reads as a sentence of what is set.
                let facts = self
                    .table
                    .columns
                    .iter()
                    .filter(|c| c.key != heading)
                    .filter_map(|c| {
                        let value = self.text(row, c.key);
                        (!value.is_empty()).then(|| Fact::new(&c.label, value))
                    })
                    .collect();
                Record {
                    heading: self.text(row, heading),
                    facts,
                }
            })
            .collect()
    }
}

/// `2026-11-29T09:30:00Z` as `29-11-2026 10:30` (Europe/Amsterdam).
fn local_time(lang: Lang, at: &str) -> Option<String> {
    let utc = chrono::DateTime::parse_from_rfc3339(at).ok()?.naive_utc();
    Some(lang.date_time(crate::calendar::local_time(utc)))
}

fn method(doc: &RieExport) -> Vec<Block> {
    let lang = doc.lang;
    let m = &doc.method;
    let period = match (m.period_from, m.period_to) {
        (Some(from), Some(to)) => format!("{} – {}", lang.date(from), lang.date(to)),
        (Some(from), None) => format!("{} –", lang.date(from)),
        (None, Some(to)) => format!("– {}", lang.date(to)),
        (None, None) => NONE.to_owned(),
    };
    let units = if m.whole_organisation {
        lang.t_with(
            "pdf.method.whole_organisation",
            &[("count", &m.units.len().to_string())],
        )
    } else {
        m.units
            .iter()
            .map(|u| u.path.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let label = |key: &str| lang.t(&format!("pdf.method.{key}"));
    vec![Block::Facts {
        rows: vec![
            Fact::new(
                label("questionnaire"),
                format!("{} ({})", m.questionnaire_title, m.questionnaire_id),
            ),
            Fact::new(label("version"), &m.questionnaire_version),
            Fact::new(label("digest"), &m.questionnaire_digest).small(),
            Fact::new(label("catalogue"), &m.catalogue),
            Fact::new(label("period"), period),
            Fact::new(label("units"), units),
            Fact::new(label("languages"), m.languages.join(", ")),
            Fact::new(
                label("k"),
                lang.t_with("pdf.method.k_value", &[("k", &m.k.to_string())]),
            ),
            Fact::new(label("responses"), doc.results.responses.to_string()),
        ],
    }]
}

fn response(doc: &RieExport, tables: &[Table]) -> Vec<Block> {
    let lang = doc.lang;
    let note = text(lang.t_with("pdf.response.note", &[("k", &doc.method.k.to_string())]));
    match find(tables, "response") {
        Some(t) => vec![
            View::new(lang, t).grid(&["path", "invited", "responded", "response_pct"]),
            note,
        ],
        None => vec![no_data(lang), note],
    }
}

/// Per category, one table of its groups with the key figures; every column is in the CSV.
fn results(doc: &RieExport, tables: &[Table]) -> Vec<Block> {
    let lang = doc.lang;
    let Some(table) = find(tables, "results") else {
        return vec![no_data(lang)];
    };
    let view = View::new(lang, table);
    let k = doc.method.k.to_string();
    let hidden = lang.t_with("pdf.results.hidden", &[("k", &k)]);
    let label = |key: &str| lang.t(&format!("pdf.results.{key}")).into_owned();
    let lights = light_names(lang);
    let mut blocks = vec![text(label("intro"))];
    for category in &doc.categories {
        let behaviour = category.kind == "behaviour";
        let kind = label(&format!("kind.{}", category.kind));
        blocks.push(Block::Heading {
            text: format!("{} ({kind})", capitalised(&category.name)),
            // The first shares its page with the section's introduction.
            new_page: blocks.len() > 1,
        });
        let (figure, second) = if behaviour {
            (
                ["exposed_pct", "exposed_ci_low", "exposed_ci_high"],
                "weekly_pct",
            )
        } else {
            (["mean", "mean_ci_low", "mean_ci_high"], "high_strain_pct")
        };
        let mut columns = vec![
            label("group"),
            label("n"),
            label(if behaviour { "exposed" } else { "mean" }),
            label(if behaviour { "weekly" } else { "high_strain" }),
            // One cell for both: a column fewer to lay out in every row.
            format!("{} · {}", label("light"), label("class")),
            label("benchmark"),
            label("trend"),
        ];
        if !behaviour {
            // The benchmark is of self-labelled behaviour; strain has none.
            columns.remove(5);
        }
        let rows: Vec<Vec<Out>> = table
            .rows
            .iter()
            .filter(|row| view.text(row, "category") == category.id)
            .map(|row| {
                let plain = |text: String| Out { text, fill: None };
                let group = plain(view.text(row, "group"));
                if matches!(view.cell(row, "suppressed"), Cell::Bool(true)) {
                    let mut out = vec![group, plain(String::new()), plain(hidden.clone())];
                    out.resize_with(columns.len(), || plain(String::new()));
                    return out;
                }
                let light = view.text(row, "light");
                let colour = fill(&lights, &light);
                let class = view.text(row, "fk_class");
                let mut out = vec![
                    group,
                    plain(view.text(row, "n")),
                    plain(with_interval(&view, row, figure)),
                    plain(view.text(row, second)),
                    Out {
                        fill: colour,
                        text: if class.is_empty() {
                            light
                        } else {
                            format!("{light} · {class}")
                        },
                    },
                ];
                if behaviour {
                    let mut benchmark = view.text(row, "benchmark_pct");
                    if matches!(view.cell(row, "above_benchmark"), Cell::Bool(true)) {
                        benchmark.push_str(" ↑");
                    }
                    out.push(plain(benchmark));
                }
                out.push(plain(trend(&view, row)));
                out
            })
            .collect();
        if rows.is_empty() {
            blocks.push(no_data(lang));
            continue;
        }
        let count = columns.len();
        // The group's path takes the rest of the line and wraps; every other column is as wide
        // as its longest text or the longest word of its heading (a hidden group's note wraps
        // instead). Fixed widths spare typst measuring thousands of cells.
        let ems = (0..count)
            .map(|c| {
                if c == 0 {
                    return 0.0;
                }
                let longest = rows
                    .iter()
                    .map(|r| r[c].text.chars().count())
                    .filter(|&n| n < hidden.chars().count())
                    .max()
                    .unwrap_or(0);
                let word = columns[c]
                    .split_whitespace()
                    .map(|w| w.chars().count())
                    .max()
                    .unwrap_or(0);
                // DejaVu Sans: figures 0.64 em, bold letters up to 0.75 em; 0.8 em of inset.
                (longest as f32 * 0.64).max(word as f32 * 0.75) + 0.8
            })
            .collect();
        blocks.push(Block::Table(Grid {
            widths: vec![0; count],
            ems,
            align: (0..count)
                .map(|c| if c == 0 || c == 4 { "left" } else { "right" })
                .collect(),
            columns,
            rows,
        }));
    }
    blocks.push(text(label("legend")));
    blocks.extend(vpo_reports(doc, tables));
    blocks
}

/// The counsellor's reports in the round's period, beside the survey's results.
fn vpo_reports(doc: &RieExport, tables: &[Table]) -> Vec<Block> {
    let lang = doc.lang;
    let (Some(signals), Some(table)) = (&doc.vpo_reports, find(tables, "vpo_reports")) else {
        return vec![];
    };
    let period = lang.t_with(
        "pdf.vpo.intro",
        &[
            ("from", &lang.date(signals.from)),
            ("to", &lang.date(signals.to)),
        ],
    );
    vec![
        Block::Heading {
            text: lang.t("pdf.vpo.title").into_owned(),
            new_page: false,
        },
        text(period),
        View::new(lang, table).grid(&["category_name", "reports"]),
    ]
}

/// A name as a heading: the questionnaire writes categories in lower case.
fn capitalised(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// `12,5 (8,1–18,0)`: a figure with its interval.
fn with_interval(view: &View, row: &[Cell], [value, low, high]: [&str; 3]) -> String {
    let value = view.text(row, value);
    let (low, high) = (view.text(row, low), view.text(row, high));
    if value.is_empty() || low.is_empty() || high.is_empty() {
        value
    } else {
        format!("{value} ({low}–{high})")
    }
}

/// The change since the previous round, signed, with `*` when significant.
fn trend(view: &View, row: &[Cell]) -> String {
    let change = match view.cell(row, "trend_change") {
        Cell::Number { value, .. } if *value > 0.0 => {
            format!("+{}", view.text(row, "trend_change"))
        }
        _ => view.text(row, "trend_change"),
    };
    if matches!(view.cell(row, "trend_significant"), Cell::Bool(true)) {
        format!("{change} *")
    } else {
        change
    }
}

/// Each light's names in `lang` (as charts and as results write them) with its wire name.
fn light_names(lang: Lang) -> Vec<(String, &'static str)> {
    ["green", "orange", "red"]
        .into_iter()
        .flat_map(|wire| {
            ["charts.light", "results.light"]
                .map(|prefix| (lang.t(&format!("{prefix}.{wire}")).into_owned(), wire))
        })
        .collect()
}

/// The fill of a cell that shows the light named `light` (as `light_names` gives them).
fn fill(lights: &[(String, &'static str)], light: &str) -> Option<&'static str> {
    lights
        .iter()
        .find_map(|(name, wire)| (name == light).then_some(*wire))
}

fn charts_blocks(doc: &RieExport, tables: &[Table], charts: &[Chart]) -> Vec<Block> {
    let lang = doc.lang;
    if charts.is_empty() {
        return vec![text(lang.t("pdf.charts.none"))];
    }
    let mut blocks = Vec::new();
    for (i, chart) in charts.iter().enumerate() {
        match chart {
            Chart::Svg { title, .. } => blocks.push(Block::Chart {
                title: title.clone(),
                file: chart_path(i),
            }),
            Chart::Heatmap { title } => blocks.extend(heatmap(doc, tables, title)),
        }
    }
    blocks
}

/// The heatmap (risk per group and category) as a table: a row per group, a column per
/// category; a shown cell has the figure and light of the results' tables, coloured by the
/// light; a hidden one says so, with no figure.
fn heatmap(doc: &RieExport, tables: &[Table], title: &str) -> Vec<Block> {
    let lang = doc.lang;
    let Some(table) = find(tables, "results") else {
        return vec![no_data(lang)];
    };
    let view = View::new(lang, table);
    let lights = light_names(lang);
    let hidden = lang.t("charts.heatmap.hidden").into_owned();
    let empty = || Out {
        text: String::new(),
        fill: None,
    };
    let mut rows: Vec<Vec<Out>> = Vec::new();
    let mut current: Option<(String, String)> = None;
    // The results' rows come group by group, a row per category.
    for row in &table.rows {
        let Some(column) = doc
            .categories
            .iter()
            .position(|c| c.id == view.text(row, "category"))
        else {
            continue;
        };
        let group = (view.text(row, "group"), view.text(row, "unit_id"));
        if current.as_ref() != Some(&group) {
            let mut cells = vec![Out {
                text: group.0.clone(),
                fill: None,
            }];
            cells.resize_with(doc.categories.len() + 1, empty);
            rows.push(cells);
            current = Some(group);
        }
        let Some(cells) = rows.last_mut() else {
            continue;
        };
        cells[column + 1] = if matches!(view.cell(row, "suppressed"), Cell::Bool(true)) {
            Out {
                text: hidden.clone(),
                fill: Some("hidden"),
            }
        } else {
            let behaviour = doc.categories[column].kind == "behaviour";
            let figure = if behaviour {
                format!("{}%", view.text(row, "exposed_pct"))
            } else {
                view.text(row, "mean")
            };
            let light = view.text(row, "light");
            Out {
                fill: fill(&lights, &light),
                text: format!("{figure} {light}"),
            }
        };
    }
    if rows.is_empty() {
        return vec![no_data(lang)];
    }
    let mut columns = vec![lang.t("pdf.results.group").into_owned()];
    columns.extend(doc.categories.iter().map(|c| capitalised(&c.name)));
    let count = columns.len();
    let k = doc.method.k.to_string();
    vec![
        Block::TableFigure {
            caption: title.to_owned(),
            table: Grid {
                // The group's path a little wider than each category; no cell is measured.
                widths: std::iter::once(3)
                    .chain(std::iter::repeat_n(2, count - 1))
                    .collect(),
                ems: Vec::new(),
                align: std::iter::once("left")
                    .chain(std::iter::repeat_n("right", count - 1))
                    .collect(),
                columns,
                rows,
            },
        },
        text(format!(
            "{} · {}",
            lang.t("charts.values"),
            lang.t_with("charts.heatmap.hidden_note", &[("k", &k)])
        )),
    ]
}

fn plan(doc: &RieExport, tables: &[Table]) -> Vec<Block> {
    let lang = doc.lang;
    let mut blocks = vec![Block::Heading {
        text: lang.t("pdf.plan.items").into_owned(),
        new_page: false,
    }];
    match find(tables, "plan") {
        Some(t) if !t.rows.is_empty() => blocks.push(Block::Records {
            records: merged(
                lang,
                View::new(lang, t).records("measure"),
                &["scope", "item_id"],
            ),
        }),
        _ if doc.plan.items.is_empty() => blocks.push(text(lang.t("pdf.plan.no_items"))),
        _ => blocks.push(no_data(lang)),
    }
    blocks.push(Block::Heading {
        text: lang.t("pdf.plan.completeness").into_owned(),
        new_page: false,
    });
    blocks.push(text(if doc.plan.complete {
        lang.t("pdf.plan.complete").into_owned()
    } else {
        lang.t_with(
            "pdf.plan.incomplete",
            &[("count", &doc.plan.missing.len().to_string())],
        )
    }));
    if let Some(t) = find(tables, "plan_missing").filter(|t| !t.rows.is_empty()) {
        blocks.push(View::new(lang, t).grid(&["category", "scope", "light", "fk_class"]));
    }
    blocks
}

/// Records that agree in all but the `lists` columns print once, with those columns listing
/// every record's value: the same measure taken for 300 teams is one record naming the teams,
/// not 300 pages of repetition. Nothing is lost; the order is that of first appearance.
fn merged(lang: Lang, records: Vec<Record>, lists: &[&str]) -> Vec<Record> {
    let labels: Vec<String> = lists
        .iter()
        .map(|key| lang.t(&format!("export.column.{key}")).into_owned())
        .collect();
    let is_listed = |f: &Fact| labels.contains(&f.label);
    let mut out: Vec<Record> = Vec::new();
    let mut index: std::collections::HashMap<(String, Vec<(String, String)>), usize> =
        std::collections::HashMap::new();
    let mut values: Vec<Vec<Vec<String>>> = Vec::new();
    for record in records {
        let key = (
            record.heading.clone(),
            record
                .facts
                .iter()
                .filter(|f| !is_listed(f))
                .map(|f| (f.label.clone(), f.value.clone()))
                .collect(),
        );
        let listed = |label: &str| {
            record
                .facts
                .iter()
                .find(|f| f.label == label)
                .map(|f| f.value.clone())
        };
        let row: Vec<Option<String>> = labels.iter().map(|l| listed(l)).collect();
        let at = *index.entry(key).or_insert_with(|| {
            out.push(Record {
                heading: record.heading.clone(),
                facts: record
                    .facts
                    .iter()
                    .filter(|f| !is_listed(f))
                    .cloned()
                    .collect(),
            });
            values.push(vec![Vec::new(); labels.len()]);
            out.len() - 1
        });
        for (column, value) in row.into_iter().enumerate() {
            values[at][column].extend(value);
        }
    }
    for (record, columns) in out.iter_mut().zip(values) {
        for (label, column) in labels.iter().zip(columns).rev() {
            if column.is_empty() {
                continue;
            }
            let label = match column.len() {
                1 => label.clone(),
                n => format!("{label} ({n})"),
            };
            record.facts.insert(0, Fact::new(label, column.join(", ")));
        }
    }
    out
}

fn history(doc: &RieExport) -> Vec<Block> {
    let lang = doc.lang;
    let mut blocks = vec![
        Block::Facts {
            rows: vec![Fact::new(lang.t("pdf.history.head"), &doc.plan.head).small()],
        },
        text(lang.t(if doc.plan.intact {
            "pdf.history.intact"
        } else {
            "pdf.history.broken"
        })),
    ];
    if doc.plan.history.is_empty() {
        blocks.push(text(lang.t("pdf.history.none")));
    } else {
        blocks.push(text(lang.t("pdf.history.intro")));
        blocks.push(edits(lang, &doc.plan.history));
    }
    blocks
}

/// One printed line of the history.
struct Edit<'a> {
    first: &'a HistoryEntryView,
    last: &'a HistoryEntryView,
    items: Vec<&'a str>,
    /// The measure of a single new item; `None` for changes.
    created: Option<Option<&'a str>>,
    changes: String,
}

/// The history as the edits people made: the entries one person stored for one item at one
/// moment (one save) on one line; new items as "created", consecutive ones by one person on
/// one day on one line, since the plan section shows their fields. A plan of 2,000 items has
/// some 45,000 field entries: printed one per line they made 1,000 pages that took seconds to
/// typeset. The entries themselves, with their hashes, are in the CSV, XLSX and JSON.
fn edits(lang: Lang, history: &[HistoryEntryView]) -> Block {
    let mut seen = std::collections::HashSet::new();
    let day = |e: &HistoryEntryView| e.at.get(..10).map(str::to_owned);
    let mut lines: Vec<Edit<'_>> = Vec::new();
    for save in history.chunk_by(|a, b| a.item_id == b.item_id && a.at == b.at && a.who == b.who) {
        let (first, last) = (&save[0], &save[save.len() - 1]);
        if seen.insert(first.item_id.as_str()) {
            let measure = save
                .iter()
                .find(|e| e.field == "measure")
                .and_then(|e| e.new.as_deref());
            match lines.last_mut() {
                Some(line)
                    if line.created.is_some()
                        && line.first.who == first.who
                        && day(line.first) == day(first) =>
                {
                    line.last = last;
                    line.items.push(&first.item_id);
                    line.created = Some(None);
                }
                _ => lines.push(Edit {
                    first,
                    last,
                    items: vec![&first.item_id],
                    created: Some(measure),
                    changes: String::new(),
                }),
            }
            continue;
        }
        let value = |v: &Option<String>| v.as_deref().unwrap_or(NONE).to_owned();
        lines.push(Edit {
            first,
            last,
            items: vec![&first.item_id],
            created: None,
            changes: save
                .iter()
                .map(|e| format!("{}: {} → {}", e.field, value(&e.old), value(&e.new)))
                .collect::<Vec<_>>()
                .join("; "),
        });
    }
    let created = lang.t("pdf.history.created");
    let rows = lines
        .into_iter()
        .map(|line| {
            let change = match line.created {
                None => line.changes,
                Some(Some(measure)) => format!("{created}: {measure}"),
                Some(None) => lang.t_with(
                    "pdf.history.created_many",
                    &[("count", &line.items.len().to_string())],
                ),
            };
            let seq = if line.first.seq == line.last.seq {
                line.first.seq.to_string()
            } else {
                format!("{}–{}", line.first.seq, line.last.seq)
            };
            // Many new items at once are listed in the plan section, not again here.
            let items = match line.created {
                Some(None) => String::new(),
                _ => line.items.join(", "),
            };
            [
                seq,
                local_time(lang, &line.first.at).unwrap_or_else(|| line.first.at.clone()),
                line.first.who.clone(),
                items,
                change,
            ]
            .into_iter()
            .map(|text| Out { text, fill: None })
            .collect()
        })
        .collect();
    let label = |key: &str| lang.t(&format!("pdf.history.{key}")).into_owned();
    Block::Table(Grid {
        columns: vec![
            label("seq"),
            label("at"),
            label("who"),
            label("item"),
            label("change"),
        ],
        widths: vec![0, 0, 0, 0, 1],
        ems: vec![],
        align: vec!["right", "left", "left", "left", "left"],
        rows,
    })
}

fn checklist(lang: Lang, tables: &[Table]) -> Vec<Block> {
    match find(tables, "checklist") {
        Some(t) => vec![View::new(lang, t).grid(&["topic_name", "answer", "date", "note"])],
        None => vec![no_data(lang)],
    }
}

fn approval(doc: &RieExport, tables: &[Table]) -> Vec<Block> {
    let lang = doc.lang;
    let mut blocks = Vec::new();
    if let Some(t) = find(tables, "approval").filter(|t| !t.rows.is_empty()) {
        // Only what was recorded: a consent has no expert's name or report.
        let records = View::new(lang, t).records("kind");
        blocks.push(Block::Records { records });
    }
    if doc.consent.is_none() {
        blocks.push(text(lang.t("pdf.approval.no_consent")));
    }
    if doc.review.is_none() {
        blocks.push(text(lang.t("pdf.approval.no_review")));
    }
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::export::pdf::fixture;

    #[test]
    fn the_history_prints_one_line_per_save_and_a_creation_as_created() {
        let (doc, _) = fixture::export(Lang::En, 2, 40);
        let Block::Table(grid) = edits(Lang::En, &doc.plan.history) else {
            panic!("a table");
        };
        let texts: Vec<Vec<&str>> = grid
            .rows
            .iter()
            .map(|r| r.iter().map(|c| c.text.as_str()).collect())
            .collect();
        assert_eq!(
            texts,
            vec![
                vec![
                    "1–2",
                    "1 Nov 2026 11:00",
                    "hr@example.nl",
                    "itm_A1b2C3d4E5f6G7h8I9j0Kl",
                    "created: Gedragscode opstellen en bespreken",
                ],
                vec![
                    "3–4",
                    "3 Nov 2026 11:00",
                    "hr@example.nl",
                    "itm_A1b2C3d4E5f6G7h8I9j0Kl",
                    "status: planned → in_progress; note: — → Concept besproken met de OR",
                ],
            ]
        );
    }

    #[test]
    fn new_items_of_one_person_and_day_share_a_line() {
        let (doc, _) = fixture::export(Lang::En, 2, 40);
        let mut history = doc.plan.history.clone();
        let mut second = history[0].clone();
        second.item_id = "itm_other".to_owned();
        second.seq = 99;
        history.insert(2, second);
        let Block::Table(grid) = edits(Lang::En, &history) else {
            panic!("a table");
        };
        assert_eq!(grid.rows.len(), 2, "two creations, then the change");
        assert_eq!(grid.rows[0][3].text, "", "the plan section lists them");
        assert_eq!(grid.rows[0][4].text, "2 measures created (see the plan)");
        assert_eq!(grid.rows[0][0].text, "1–99");
    }

    #[test]
    fn records_alike_but_for_their_scope_print_once_naming_every_scope() {
        let record = |scope: &str, id: &str, owner: &str| Record {
            heading: "Gedragscode".to_owned(),
            facts: vec![
                Fact::new("Where", scope),
                Fact::new("Owner", owner),
                Fact::new("Measure id", id),
            ],
        };
        let lang = Lang::En;
        let where_ = lang.t("export.column.scope").into_owned();
        let id = lang.t("export.column.item_id").into_owned();
        let records = vec![
            Record {
                facts: vec![
                    Fact::new(&where_, "Team A"),
                    Fact::new("Owner", "Jan"),
                    Fact::new(&id, "i1"),
                ],
                ..record("", "", "")
            },
            Record {
                facts: vec![
                    Fact::new(&where_, "Team B"),
                    Fact::new("Owner", "Jan"),
                    Fact::new(&id, "i2"),
                ],
                ..record("", "", "")
            },
            Record {
                facts: vec![
                    Fact::new(&where_, "Team C"),
                    Fact::new("Owner", "Piet"),
                    Fact::new(&id, "i3"),
                ],
                ..record("", "", "")
            },
        ];
        let out = merged(lang, records, &["scope", "item_id"]);
        assert_eq!(out.len(), 2, "Piet's is another measure");
        let facts: Vec<(&str, &str)> = out[0]
            .facts
            .iter()
            .map(|f| (f.label.as_str(), f.value.as_str()))
            .collect();
        assert_eq!(
            facts,
            vec![
                (format!("{where_} (2)").as_str(), "Team A, Team B"),
                (format!("{id} (2)").as_str(), "i1, i2"),
                ("Owner", "Jan"),
            ]
        );
        assert_eq!(out[1].facts[0].value, "Team C");
        assert_eq!(out[1].facts[0].label, where_);
    }
}
