//! The annual report as a PDF: A4, Dutch or English, its text extractable. Typeset by typst with
//! the RI&E export's machinery (`render::export::pdf::world`) and the template
//! `reports/vpo-report.typ`, which gets the print-ready report as `/data.json` and the chart as
//! `/chart.svg`. Its only date is when it was made, in its metadata (PDF/A asks for one); its
//! /ID follows from the organisation, year and language. The same report made at the same
//! moment gives the same bytes.

use chrono::NaiveDateTime;

use super::Report;
use crate::render::export::pdf::PdfError;

/// The report as a PDF made at `created` (UTC).
pub fn pdf(
    report: &Report,
    organisation_id: &str,
    created: NaiveDateTime,
) -> Result<Vec<u8>, PdfError> {
    #[cfg(feature = "pdf")]
    {
        use crate::render::export::pdf::world::{Job, compile};
        const TEMPLATE: &str = include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/reports/vpo-report.typ"
        ));
        let json = serde_json::to_vec(report).map_err(|e| PdfError::Typeset(e.to_string()))?;
        compile(Job {
            template: ("/vpo-report.typ", TEMPLATE),
            files: vec![
                ("/data.json".to_owned(), json),
                (
                    "/chart.svg".to_owned(),
                    report.chart_svg.clone().into_bytes(),
                ),
            ],
            today: None,
            ident: format!(
                "psa-vpo-report:{organisation_id}:{}:{}",
                report.year, report.lang
            ),
            created: Some(created),
        })
    }
    #[cfg(not(feature = "pdf"))]
    {
        let _ = (report, organisation_id, created);
        Err(PdfError::Disabled)
    }
}

#[cfg(all(test, feature = "pdf"))]
mod tests {
    use super::super::fixture::report;
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn the_pdf_typesets_and_the_same_report_gives_the_same_bytes() {
        let at = chrono::DateTime::UNIX_EPOCH.naive_utc();
        let r = report(Lang::Nl);
        let first = pdf(&r, "org", at).expect("a pdf");
        assert!(first.starts_with(b"%PDF-"));
        assert!(first == pdf(&r, "org", at).expect("a pdf"));
        let english = pdf(&report(Lang::En), "org", at).expect("an English pdf");
        assert!(english.starts_with(b"%PDF-"));
        // To look at it: `PSA_PDF_SAMPLE=file.pdf cargo test --lib vpo_report::pdf`.
        if let Ok(path) = std::env::var("PSA_PDF_SAMPLE") {
            std::fs::write(path, &first).expect("the sample written");
        }
    }
}
