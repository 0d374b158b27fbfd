//! The annual report as one CSV file: a section per table, separated by an empty line. A
//! section opens with a line of its key (`contacts`, `categories` …) and title, then its header
//! and rows as printed (hidden counts as "< 5" or "x"); the legend and the recommendations
//! follow as sections of their own. Dutch uses `;`, English `,`; UTF-8 with a byte-order mark,
//! as the RI&E export's CSV files (`render::export::spreadsheet`).

use super::Report;
use crate::render::formula::neutralised;

pub fn csv(report: &Report) -> Result<Vec<u8>, String> {
    // An empty record is the empty line between sections.
    let mut records: Vec<Vec<&str>> = Vec::new();
    let year = report.year.to_string();
    records.push(vec![
        "report",
        &report.title,
        &report.organisation,
        &year,
        &report.status,
    ]);
    for table in &report.tables {
        records.push(vec![]);
        records.push(vec![table.key, &table.title]);
        records.push(table.header.iter().map(String::as_str).collect());
        for row in &table.rows {
            let mut fields = vec![row.label.as_str()];
            fields.extend(row.cells.iter().map(|c| c.text.as_str()));
            records.push(fields);
        }
    }
    records.push(vec![]);
    records.push(vec!["legend", &report.legend_title]);
    records.extend(report.legend.iter().map(|line| vec![line.as_str()]));
    records.push(vec![]);
    records.push(vec!["recommendations", &report.recommendations_title]);
    if report.recommendations.is_empty() {
        records.push(vec![&report.no_recommendations]);
    }
    records.extend(report.recommendations.iter().map(|p| vec![p.as_str()]));

    let delimiter = if report.lang == "nl" { b';' } else { b',' };
    let mut bytes = "\u{feff}".as_bytes().to_vec();
    for record in records {
        if record.is_empty() {
            bytes.push(b'\n');
            continue;
        }
        let mut writer = csv::WriterBuilder::new()
            .delimiter(delimiter)
            .from_writer(Vec::new());
        writer
            .write_record(record.iter().map(|cell| neutralised(cell).into_owned()))
            .map_err(|e| e.to_string())?;
        bytes.extend(writer.into_inner().map_err(|e| e.to_string())?);
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::super::fixture::report;
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn dutch_csv_has_a_section_per_table_with_semicolons_and_marks_for_hidden_counts() {
        let bytes = csv(&report(Lang::Nl)).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with('\u{feff}'));
        for section in [
            "\n\ncontacts;",
            "\n\ncategories;",
            "\n\nsources;",
            "\n\nactions;",
            "\n\nreferrals;",
            "\n\ncomparison;",
            "\n\nlegend;",
            "\n\nrecommendations;",
        ] {
            assert!(text.contains(section), "{section} in {text}");
        }
        assert!(text.contains("Pesten;7;0;0;0;7"), "{text}");
        assert!(text.contains(";< 5;"), "{text}");
        assert!(text.contains("Maak het meldpunt bekender."));
    }

    #[test]
    fn english_csv_uses_commas() {
        let text = String::from_utf8(csv(&report(Lang::En)).unwrap()).unwrap();
        assert!(text.contains("\ncategories,"), "{text}");
        assert!(text.contains(",< 5,"), "{text}");
    }
}
