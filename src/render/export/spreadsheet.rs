//! The export's tables as CSV files in a zip and as an XLSX workbook. Dutch CSV uses `;` and
//! decimal commas, English `,` and decimal points; both are UTF-8 with a byte-order mark so that
//! spreadsheet programs read the accents. Every file carries the export's date, never the
//! current time, so the same export gives the same bytes.

use std::io::Write;

use chrono::{Datelike, NaiveDateTime, Timelike};

use super::tables::{Cell, Table};
use crate::i18n::Lang;
use crate::render::formula::neutralised;

/// A cell as CSV text in `lang`'s notation: exact figures, ISO dates.
fn csv_text(lang: Lang, cell: &Cell) -> String {
    match cell {
        Cell::Empty => String::new(),
        Cell::Text(text) => neutralised(text).into_owned(),
        Cell::Int(i) => i.to_string(),
        Cell::Number { value, .. } => lang.decimal(&value.to_string()),
        Cell::Date(date) => date.to_string(),
        Cell::Bool(b) => lang
            .t(if *b {
                "export.answer.yes"
            } else {
                "export.answer.no"
            })
            .into_owned(),
    }
}

/// One table as CSV: a header of column keys, then the rows.
pub fn csv(lang: Lang, table: &Table) -> Result<Vec<u8>, String> {
    let delimiter = match lang {
        Lang::Nl => b';',
        Lang::En => b',',
    };
    let mut bytes = "\u{feff}".as_bytes().to_vec();
    {
        let mut writer = csv::WriterBuilder::new()
            .delimiter(delimiter)
            .from_writer(&mut bytes);
        let header: Vec<&str> = table.columns.iter().map(|c| c.key).collect();
        writer.write_record(&header).map_err(|e| e.to_string())?;
        for row in &table.rows {
            let record: Vec<String> = row.iter().map(|cell| csv_text(lang, cell)).collect();
            writer.write_record(&record).map_err(|e| e.to_string())?;
        }
        writer.flush().map_err(|e| e.to_string())?;
    }
    Ok(bytes)
}

/// Every table as `{name}.csv` in one zip, each entry stamped with `at`.
pub fn csv_zip(lang: Lang, tables: &[Table], at: NaiveDateTime) -> Result<Vec<u8>, String> {
    let stamp = zip::DateTime::from_date_and_time(
        u16::try_from(at.year()).map_err(|e| e.to_string())?,
        at.month() as u8,
        at.day() as u8,
        at.hour() as u8,
        at.minute() as u8,
        at.second() as u8,
    )
    .map_err(|e| e.to_string())?;
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(stamp)
        .unix_permissions(0o644);
    let mut archive = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for table in tables {
        archive
            .start_file(format!("{}.csv", table.name), options)
            .map_err(|e| e.to_string())?;
        archive
            .write_all(&csv(lang, table)?)
            .map_err(|e| e.to_string())?;
    }
    Ok(archive.finish().map_err(|e| e.to_string())?.into_inner())
}

/// Every table as a sheet of typed cells, the header row bold and frozen.
pub fn xlsx(tables: &[Table], at: NaiveDateTime) -> Result<Vec<u8>, String> {
    use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};
    let error = |e: rust_xlsxwriter::XlsxError| e.to_string();
    let excel_time = |at: NaiveDateTime| {
        ExcelDateTime::from_ymd(
            u16::try_from(at.year()).unwrap_or(1970),
            at.month() as u8,
            at.day() as u8,
        )
        .and_then(|d| d.and_hms(at.hour() as u16, at.minute() as u8, at.second()))
    };
    let mut workbook = Workbook::new();
    workbook.set_properties(
        &DocProperties::new()
            .set_creation_datetime(&excel_time(at).map_err(error)?)
            .set_author("psa"),
    );
    let header = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for table in tables {
        let sheet = workbook.add_worksheet();
        sheet.set_name(table.name).map_err(error)?;
        for (col, column) in table.columns.iter().enumerate() {
            let col = u16::try_from(col).map_err(|e| e.to_string())?;
            sheet
                .write_string_with_format(0, col, &column.label, &header)
                .map_err(error)?;
        }
        sheet.set_freeze_panes(1, 0).map_err(error)?;
        for (r, row) in table.rows.iter().enumerate() {
            let r = u32::try_from(r + 1).map_err(|e| e.to_string())?;
            for (c, cell) in row.iter().enumerate() {
                let c = u16::try_from(c).map_err(|e| e.to_string())?;
                match cell {
                    Cell::Empty => {}
                    Cell::Text(text) => {
                        sheet.write_string(r, c, text).map_err(error)?;
                    }
                    Cell::Int(i) => {
                        sheet.write_number(r, c, *i as f64).map_err(error)?;
                    }
                    Cell::Number { value, .. } => {
                        sheet.write_number(r, c, *value).map_err(error)?;
                    }
                    Cell::Date(d) => {
                        let day = ExcelDateTime::from_ymd(
                            u16::try_from(d.year()).unwrap_or(1970),
                            d.month() as u8,
                            d.day() as u8,
                        )
                        .map_err(error)?;
                        sheet
                            .write_datetime_with_format(r, c, &day, &date)
                            .map_err(error)?;
                    }
                    Cell::Bool(b) => {
                        sheet.write_boolean(r, c, *b).map_err(error)?;
                    }
                }
            }
        }
    }
    workbook.save_to_buffer().map_err(error)
}
