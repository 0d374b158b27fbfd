//! The export as tables: one per subject, with typed cells, so that CSV writes them in the
//! language's notation, XLSX as typed cells, and the PDF as rounded text. A hidden group's
//! figures are empty cells, never numbers.

use crate::domain::vpo::suppression::Shown;
use chrono::NaiveDate;

use crate::domain::Questionnaire;
use crate::domain::aggregate::{bound_one_decimal, mean_one_decimal, share_one_decimal};
use crate::domain::results::CategoryResult;
use crate::domain::scoring::Scorer;
use crate::export::document::RieExport;
use crate::i18n::Lang;

/// One cell, typed.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Int(i64),
    /// A figure: its exact value (for checking) and its text as the dashboard shows it,
    /// rounded to one decimal with a decimal point.
    Number {
        value: f64,
        shown: String,
    },
    Date(NaiveDate),
    Bool(bool),
}

/// A column: its stable key (CSV header, documented in `docs/export.md`) and its label in the
/// export's language.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub key: &'static str,
    pub label: String,
}

/// One table of the export.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// File and sheet name: `method`, `response`, `results`, `vpo_reports`, `plan`, `plan_missing`,
    /// `plan_history`, `checklist`, `approval`.
    pub name: &'static str,
    /// Its title in the export's language.
    pub title: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
}

fn text(value: impl Into<String>) -> Cell {
    Cell::Text(value.into())
}

fn optional_text(value: Option<&str>) -> Cell {
    value.map_or(Cell::Empty, text)
}

fn int(value: impl TryInto<i64>) -> Cell {
    value.try_into().map_or(Cell::Empty, Cell::Int)
}

fn date(value: Option<NaiveDate>) -> Cell {
    value.map_or(Cell::Empty, Cell::Date)
}

/// A share or bound shown as on the dashboard.
fn number(value: Option<f64>, shown: impl FnOnce(f64) -> String) -> Cell {
    value.map_or(Cell::Empty, |value| Cell::Number {
        value,
        shown: shown(value),
    })
}

fn columns(lang: Lang, keys: &[&'static str]) -> Vec<Column> {
    keys.iter()
        .map(|key| Column {
            key,
            label: lang.t(&format!("export.column.{key}")).into_owned(),
        })
        .collect()
}

fn table(lang: Lang, name: &'static str, keys: &[&'static str], rows: Vec<Vec<Cell>>) -> Table {
    Table {
        name,
        title: lang.t(&format!("export.table.{name}")).into_owned(),
        columns: columns(lang, keys),
        rows,
    }
}

/// A wire name (`in_progress`, `red` …) in the export's language, by its text key prefix.
fn term(lang: Lang, prefix: &str, wire: &str) -> Cell {
    text(lang.t(&format!("{prefix}.{wire}")))
}

/// Every table of the export, in the order the PDF prints them.
pub fn tables(doc: &RieExport, q: &Questionnaire) -> Vec<Table> {
    vec![
        method(doc),
        response(doc),
        results(doc, q),
        vpo_reports(doc),
        plan(doc),
        plan_missing(doc),
        plan_history(doc),
        checklist(doc),
        approval(doc),
    ]
}

fn method(doc: &RieExport) -> Table {
    let lang = doc.lang;
    let m = &doc.method;
    let units = if m.whole_organisation {
        lang.t("export.whole_organisation").into_owned()
    } else {
        m.units
            .iter()
            .map(|u| u.path.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let facts: Vec<(&'static str, Cell)> = vec![
        ("organisation", text(&doc.organisation.name)),
        (
            "headcount",
            doc.organisation.headcount.map_or(Cell::Empty, int),
        ),
        ("round", text(&doc.round.name)),
        ("round_id", text(&doc.round.id)),
        (
            "questionnaire",
            text(format!(
                "{} ({})",
                m.questionnaire_title, m.questionnaire_id
            )),
        ),
        ("questionnaire_version", text(&m.questionnaire_version)),
        ("questionnaire_digest", text(&m.questionnaire_digest)),
        ("catalogue", text(&m.catalogue)),
        ("period_from", date(m.period_from)),
        ("period_to", date(m.period_to)),
        ("units", text(units)),
        ("languages", text(m.languages.join(", "))),
        ("k", int(m.k)),
        ("responses", int(doc.results.responses)),
        ("export_id", text(&doc.id)),
        ("export_date", Cell::Date(doc.date)),
        ("schema", text(&doc.schema)),
        ("plan_head", text(&doc.plan.head)),
        ("plan_intact", Cell::Bool(doc.plan.intact)),
    ];
    let rows = facts
        .into_iter()
        .map(|(key, value)| {
            vec![
                text(key),
                text(lang.t(&format!("export.column.{key}"))),
                value,
            ]
        })
        .collect();
    table(lang, "method", &["key", "label", "value"], rows)
}

fn response(doc: &RieExport) -> Table {
    let lang = doc.lang;
    let pct = |p: Option<f64>| number(p, bound_one_decimal);
    let r = &doc.response;
    let mut rows = vec![vec![
        Cell::Empty,
        text(lang.t("export.total")),
        int(r.invited),
        int(r.responded),
        pct(r.response_pct),
    ]];
    rows.extend(r.units.iter().map(|u| {
        vec![
            text(&u.unit_id),
            text(&u.path),
            int(u.invited),
            int(u.responded),
            pct(u.response_pct),
        ]
    }));
    table(
        lang,
        "response",
        &["unit_id", "path", "invited", "responded", "response_pct"],
        rows,
    )
}

/// The results' columns: the group, the category, whether it is hidden, then DOMAIN.md's names.
const RESULT_COLUMNS: [&str; 34] = [
    "group",
    "unit_id",
    "category",
    "category_name",
    "suppressed",
    "n",
    "mean",
    "mean_ci_low",
    "mean_ci_high",
    "sd",
    "exposed_pct",
    "exposed_ci_low",
    "exposed_ci_high",
    "monthly_pct",
    "monthly_ci_low",
    "monthly_ci_high",
    "weekly_pct",
    "weekly_ci_low",
    "weekly_ci_high",
    "high_strain_pct",
    "high_strain_ci_low",
    "high_strain_ci_high",
    "light",
    "fk_w",
    "fk_b",
    "fk_e",
    "fk_r",
    "fk_class",
    "benchmark_pct",
    "benchmark_year",
    "above_benchmark",
    "previous_round_id",
    "trend_change",
    "trend_significant",
];

/// The counsellor's reports per category in the round's period: a count, or `< 5` or `x`.
fn vpo_reports(doc: &RieExport) -> Table {
    let rows = doc.vpo_reports.iter().flat_map(|signals| {
        let table = &signals.reports;
        table
            .rows
            .iter()
            .zip(&table.shown.cells)
            .map(|(category, cells)| {
                let name = doc
                    .categories
                    .iter()
                    .find(|c| &c.id == category)
                    .map_or_else(|| category.clone(), |c| c.name.clone());
                let reports = match cells.first() {
                    Some(Shown::Count(n)) => int(*n),
                    Some(hidden) => text(hidden.text()),
                    None => Cell::Empty,
                };
                vec![text(category), text(name), reports]
            })
    });
    table(
        doc.lang,
        "vpo_reports",
        &["category", "category_name", "reports"],
        rows.collect(),
    )
}

fn results(doc: &RieExport, q: &Questionnaire) -> Table {
    let lang = doc.lang;
    let scorer = Scorer::new(q);
    let mut rows = Vec::new();
    for group in &doc.results.groups {
        let group_name = if group.unit_id.is_none() {
            lang.t("export.top_group").into_owned()
        } else {
            group.path.clone()
        };
        for (category, layout) in q.categories.iter().zip(&scorer.layouts) {
            let name = doc
                .categories
                .iter()
                .find(|c| c.id == category.id)
                .map_or(category.id.as_str(), |c| c.name.as_str());
            let mut row = vec![
                text(&group_name),
                optional_text(group.unit_id.as_deref()),
                text(&category.id),
                text(name),
            ];
            match group.categories.get(&category.id).and_then(|r| r.shown()) {
                Some(f) => {
                    row.push(Cell::Bool(false));
                    row.extend(figures(lang, f, layout.units_per_point()));
                }
                None => {
                    row.push(Cell::Bool(true));
                    row.resize(RESULT_COLUMNS.len(), Cell::Empty);
                }
            }
            rows.push(row);
        }
    }
    table(lang, "results", &RESULT_COLUMNS, rows)
}

/// A shown group's figures, in `RESULT_COLUMNS` order from `n`.
fn figures(lang: Lang, f: &CategoryResult, units_per_point: i64) -> Vec<Cell> {
    let n = f.n;
    let share = |p: Option<f64>| number(p, |p| share_one_decimal(p, n));
    let bound = |p: Option<f64>| number(p, bound_one_decimal);
    let decimal = |d: crate::domain::Decimal| number(Some(d.to_f64()), |v| v.to_string());
    let risk = &f.risk;
    vec![
        int(n),
        number(Some(f.mean), |m| mean_one_decimal(m, n, units_per_point)),
        bound(Some(f.mean_ci_low)),
        bound(Some(f.mean_ci_high)),
        bound(Some(f.sd)),
        share(f.exposed_pct),
        bound(f.exposed_ci_low),
        bound(f.exposed_ci_high),
        share(f.monthly_pct),
        bound(f.monthly_ci_low),
        bound(f.monthly_ci_high),
        share(f.weekly_pct),
        bound(f.weekly_ci_low),
        bound(f.weekly_ci_high),
        share(f.high_strain_pct),
        bound(f.high_strain_ci_low),
        bound(f.high_strain_ci_high),
        term(lang, "charts.light", crate::plan::wire(risk.light).as_str()),
        decimal(risk.fk_w),
        decimal(risk.fk_b),
        decimal(risk.fk_e),
        decimal(risk.fk_r),
        int(risk.fk_class),
        risk.benchmark_pct.map_or(Cell::Empty, decimal),
        risk.benchmark_year.map_or(Cell::Empty, int),
        risk.above_benchmark.map_or(Cell::Empty, Cell::Bool),
        optional_text(f.trend.as_ref().map(|t| t.previous_round_id.as_str())),
        bound(f.trend.as_ref().map(|t| t.change)),
        f.trend
            .as_ref()
            .map_or(Cell::Empty, |t| Cell::Bool(t.significant)),
    ]
}

fn plan(doc: &RieExport) -> Table {
    let lang = doc.lang;
    let category = |id: &str| {
        doc.categories
            .iter()
            .find(|c| c.id == id)
            .map_or_else(|| id.to_owned(), |c| c.name.clone())
    };
    let rows = doc
        .plan
        .items
        .iter()
        .map(|i| {
            vec![
                text(&i.id),
                text(category(&i.category)),
                text(if i.scope_path.is_empty() {
                    lang.t("export.whole_organisation").into_owned()
                } else {
                    i.scope_path.clone()
                }),
                text(i.sources.join(", ")),
                term(lang, "plan.signal", &i.signal),
                optional_text(i.round_id.as_deref()),
                text(&i.measure),
                term(lang, "plan.level", &i.level),
                int(i.priority),
                optional_text(i.owner_account.as_deref().or(i.owner_name.as_deref())),
                optional_text(i.owner_email.as_deref()),
                optional_text(i.owner_role.as_deref()),
                date(i.start_date),
                date(i.deadline),
                optional_text(i.budget.as_deref()),
                term(lang, "plan.status", &crate::plan::wire(i.status)),
                Cell::Bool(i.overdue),
                optional_text(i.completed_by.as_deref()),
                date(i.completed_on),
                optional_text(i.signed_off_by.as_deref()),
                optional_text(i.note.as_deref()),
                optional_text(i.residual_risk.as_deref()),
                date(i.evaluation_date),
            ]
        })
        .collect();
    table(
        lang,
        "plan",
        &[
            "item_id",
            "category",
            "scope",
            "sources",
            "signal",
            "round_id",
            "measure",
            "level",
            "priority",
            "owner",
            "owner_email",
            "owner_role",
            "start_date",
            "deadline",
            "budget",
            "status",
            "overdue",
            "completed_by",
            "completed_on",
            "signed_off_by",
            "note",
            "residual_risk",
            "evaluation_date",
        ],
        rows,
    )
}

fn plan_missing(doc: &RieExport) -> Table {
    let lang = doc.lang;
    let rows = doc
        .plan
        .missing
        .iter()
        .map(|m| {
            vec![
                text(&m.round_id),
                text(&m.category),
                text(if m.path.is_empty() {
                    lang.t("export.whole_organisation").into_owned()
                } else {
                    m.path.clone()
                }),
                term(lang, "charts.light", &crate::plan::wire(m.light)),
                int(m.fk_class),
            ]
        })
        .collect();
    table(
        lang,
        "plan_missing",
        &["round_id", "category", "scope", "light", "fk_class"],
        rows,
    )
}

fn plan_history(doc: &RieExport) -> Table {
    let rows = doc
        .plan
        .history
        .iter()
        .map(|e| {
            vec![
                int(e.seq),
                text(&e.at),
                text(&e.who),
                text(&e.item_id),
                text(&e.field),
                optional_text(e.old.as_deref()),
                optional_text(e.new.as_deref()),
                text(&e.hash),
            ]
        })
        .collect();
    table(
        doc.lang,
        "plan_history",
        &["seq", "at", "who", "item_id", "field", "old", "new", "hash"],
        rows,
    )
}

fn checklist(doc: &RieExport) -> Table {
    let lang = doc.lang;
    let rows = doc
        .checklist
        .iter()
        .map(|c| {
            vec![
                text(c.topic.as_str()),
                term(lang, "export.topic", c.topic.as_str()),
                c.answer.map_or_else(
                    || text(lang.t("export.unanswered")),
                    |a| term(lang, "export.answer", a.as_str()),
                ),
                date(c.date),
                optional_text(c.note.as_deref()),
            ]
        })
        .collect();
    table(
        lang,
        "checklist",
        &["topic", "topic_name", "answer", "date", "note"],
        rows,
    )
}

fn approval(doc: &RieExport) -> Table {
    let lang = doc.lang;
    let mut rows = Vec::new();
    if let Some(c) = &doc.consent {
        rows.push(vec![
            text(lang.t("export.consent")),
            Cell::Date(c.date),
            Cell::Empty,
            Cell::Empty,
            optional_text(c.note.as_deref()),
            Cell::Empty,
            Cell::Empty,
        ]);
    }
    if let Some(r) = &doc.review {
        rows.push(vec![
            text(lang.t("export.review")),
            Cell::Date(r.date),
            text(&r.name),
            text(&r.certificate),
            optional_text(r.note.as_deref()),
            optional_text(r.report.as_ref().map(|f| f.file_name.as_str())),
            optional_text(r.report.as_ref().map(|f| f.sha256.as_str())),
        ]);
    }
    table(
        lang,
        "approval",
        &[
            "kind",
            "date",
            "name",
            "certificate",
            "note",
            "report_file",
            "report_sha256",
        ],
        rows,
    )
}
