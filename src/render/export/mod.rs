//! The RI&E PSA export's formats, all rendered from one `RieExport`: its tables (for CSV and
//! XLSX, and the PDF's tables), the CSV files in a zip, the workbook, the JSON and the PDF.

pub mod pdf;
pub mod spreadsheet;
pub mod tables;

use crate::export::document::RieExport;

/// The export as JSON: the document itself, with its schema named in `schema`.
pub fn json(doc: &RieExport) -> Result<Vec<u8>, String> {
    let mut bytes = serde_json::to_vec_pretty(doc).map_err(|e| e.to_string())?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// The moment the export was made, in Europe/Amsterdam: the date stamped in its files.
pub fn stamp(doc: &RieExport) -> chrono::NaiveDateTime {
    chrono::DateTime::parse_from_rfc3339(&doc.created_at)
        .map(|at| {
            at.with_timezone(&chrono_tz::Europe::Amsterdam)
                .naive_local()
        })
        .unwrap_or_else(|_| doc.date.and_time(chrono::NaiveTime::MIN))
}
