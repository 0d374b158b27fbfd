//! The export as tables: one per subject, with typed cells, so that CSV writes them in the
//! language's notation, XLSX as typed cells, and the PDF as rounded text. A hidden group's
//! figures are empty cells, never numbers.

use chrono::NaiveDate;

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
    /// File and sheet name: `method`, `response`, `results`, `plan`, `plan_missing`,
    /// `plan_history`, `checklist`, `approval`.
    pub name: &'static str,
    /// Its title in the export's language.
    pub title: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
}
