//! The RI&E PSA export as a PDF: A4, a title block, a table of contents, eight numbered
//! sections, "page X of Y" footers, tables that break across pages with their headers repeated,
//! and the charts as vector graphics; Dutch or English by the export's language.
//!
//! Typst is used as a library (cargo feature `pdf`, on by default). `content` turns the export
//! and its tables into print-ready texts (numbers with the language's decimal sign, dates and
//! labels in the language) in one JSON value; `world` hands that value, the chart SVGs, the
//! embedded DejaVu fonts and the template `reports/rie.typ` to typst and exports the PDF. No
//! file system, network or clock is touched: the PDF's dates are the export's, its document id
//! follows from the export's id, and the same input gives the same bytes.
//!
//! Imports the export document, the tables and `i18n`; no `db`, no `http`. Rendering is CPU
//! work (a round of 300 units with a plan of 2,107 items, 73 pages: about 0.6 s in a release
//! build), so callers on an async worker run it off the worker, once per export.

use crate::export::document::RieExport;

use super::tables::Table;

#[cfg(feature = "pdf")]
mod content;
#[cfg(feature = "pdf")]
pub(crate) mod world;

/// A chart to print, with its caption.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chart {
    /// Drawn as vector graphics from its SVG document.
    Svg { title: String, svg: String },
    /// Risk per group and category, printed from the results as a table of cells coloured by
    /// their light, which runs over as many pages as the round has groups: one image of a
    /// round of hundreds of groups would be cut off at the foot of its page.
    Heatmap { title: String },
}

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("this build of psa has no PDF export: build it with the cargo feature `pdf`")]
    Disabled,
    /// The template or a chart could not be typeset; a bug, not a user's mistake.
    #[error("typesetting the PDF failed: {0}")]
    Typeset(String),
}

/// The export as a PDF. `tables` are the export's tables (the sections pick theirs by name;
/// a missing one prints "no data"), `charts` are printed in order in the charts section.
pub fn pdf(doc: &RieExport, tables: &[Table], charts: &[Chart]) -> Result<Vec<u8>, PdfError> {
    #[cfg(feature = "pdf")]
    {
        let data = content::data(doc, tables, charts);
        world::render(doc, &data, charts)
    }
    #[cfg(not(feature = "pdf"))]
    {
        let _ = (doc, tables, charts);
        Err(PdfError::Disabled)
    }
}

#[cfg(test)]
mod fixture;

#[cfg(all(test, not(feature = "pdf")))]
mod tests {
    #[test]
    fn without_the_feature_the_pdf_is_an_error_that_says_so() {
        let (doc, tables) = super::fixture::export(crate::i18n::Lang::Nl, 3, 40);
        let error = super::pdf(&doc, &tables, &[]).expect_err("no typst in this build");
        assert!(error.to_string().contains("feature `pdf`"));
    }
}

#[cfg(all(test, feature = "pdf"))]
mod tests {
    use std::process::Command;

    use super::*;
    use crate::i18n::Lang;

    const CHART: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" width="400" height="120" viewBox="0 0 400 120"><rect x="10" y="20" width="180" height="30" fill="#D55E00"/><text x="10" y="80" font-family="sans-serif" font-size="14">pesten 12,5%</text></svg>"##;

    fn chart() -> Chart {
        Chart::Svg {
            title: "Risico per categorie".to_owned(),
            svg: CHART.to_owned(),
        }
    }

    /// The PDF's text as `pdftotext` reads it; `None` (with a note) where the tool is missing,
    /// which fails on CI.
    fn pdftotext(pdf: &[u8]) -> Option<String> {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("export.pdf");
        std::fs::write(&path, pdf).expect("written");
        match Command::new("pdftotext")
            .args(["-layout", "-enc", "UTF-8"])
            .arg(&path)
            .arg("-")
            .output()
        {
            Ok(out) => {
                assert!(
                    out.status.success(),
                    "pdftotext failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                Some(String::from_utf8(out.stdout).expect("UTF-8 text"))
            }
            Err(e) => {
                assert!(
                    std::env::var("CI").as_deref() != Ok("true"),
                    "pdftotext is missing on CI ({e}): apt-get install poppler-utils"
                );
                eprintln!("note: pdftotext not found ({e}); the PDF's text was not checked");
                None
            }
        }
    }

    #[test]
    fn the_pdf_is_a_pdf_and_the_same_export_gives_the_same_bytes() {
        let (doc, tables) = fixture::export(Lang::Nl, 12, 300);
        let first = pdf(&doc, &tables, &[chart()]).expect("a pdf");
        assert!(first.starts_with(b"%PDF-"));
        let second = pdf(&doc, &tables, &[chart()]).expect("a pdf");
        assert!(first == second, "two renderings of one export differ");
    }

    #[test]
    fn its_dates_and_id_come_from_the_export_not_the_clock() {
        let (doc, tables) = fixture::export(Lang::En, 3, 60);
        let bytes = pdf(&doc, &tables, &[]).expect("a pdf");
        let raw = String::from_utf8_lossy(&bytes);
        assert!(
            raw.contains("D:20261129093000"),
            "creation date is the export's"
        );
        let (mut other, _) = fixture::export(Lang::En, 3, 60);
        other.id = "exp_another".to_owned();
        let id = |pdf: &str| pdf.split("/ID[").nth(1).map(|s| s[..70].to_owned());
        let other_bytes = pdf(&other, &tables, &[]).expect("a pdf");
        assert!(id(&raw).is_some(), "a document id");
        assert_ne!(id(&raw), id(&String::from_utf8_lossy(&other_bytes)));
    }

    #[test]
    fn a_dutch_pdf_reads_as_text_with_its_organisation_categories_pages_and_decimal_commas() {
        let (doc, tables) = fixture::export(Lang::Nl, 12, 300);
        let bytes = pdf(&doc, &tables, &[chart()]).expect("a pdf");
        let Some(text) = pdftotext(&bytes) else {
            return;
        };
        assert!(text.contains(fixture::ORGANISATION), "organisation");
        assert!(text.contains("Inhoud"), "table of contents");
        assert!(text.contains("Agressie en geweld"), "a category name");
        assert!(text.contains("Plan van aanpak"), "a section");
        assert!(text.contains("pagina 1 van "), "a page-number footer");
        assert!(
            text.contains("Gedragscode opstellen en bespreken"),
            "a plan item"
        );
        assert!(text.contains("exp_7Hq2LmXw9RzT4bYc"), "the export id");
        assert!(text.contains("Meldingen bij de vertrouwenspersoon"));
        assert!(
            text.contains("< 5"),
            "two reports of discrimination are fewer than five"
        );
        let response =
            format!("{:.1}", doc.response.response_pct.expect("a response rate")).replace('.', ",");
        assert!(
            text.contains(&response),
            "the response rate with a decimal comma: {response}"
        );
        let comma = regex_like_decimal(&text, ',');
        assert!(comma, "a figure with a decimal comma");
    }

    #[test]
    fn an_english_pdf_speaks_english_with_decimal_points() {
        let (doc, tables) = fixture::export(Lang::En, 12, 300);
        let bytes = pdf(&doc, &tables, &[]).expect("a pdf");
        let Some(text) = pdftotext(&bytes) else {
            return;
        };
        assert!(text.contains("Contents"));
        assert!(text.contains("page 1 of "));
        assert!(text.contains("Aggression and violence"));
        assert!(text.contains("Plan of action"));
        assert!(regex_like_decimal(&text, '.'));
    }

    #[test]
    fn the_heatmap_is_a_table_over_pages_with_every_group_and_hidden_cells_without_figures() {
        let (doc, tables) = fixture::export(Lang::Nl, 60, 500);
        let heatmap = Chart::Heatmap {
            title: "Risico per afdeling en onderwerp".to_owned(),
        };
        let bytes = pdf(&doc, &tables, &[chart(), heatmap]).expect("a pdf");
        let Some(text) = pdftotext(&bytes) else {
            return;
        };
        let from = text
            .find("Figuur 2: Risico per afdeling en onderwerp")
            .expect("the heatmap's caption, numbered after the first chart");
        let to = from + text[from..].find("Plan van aanpak").expect("the plan");
        let heatmap = &text[from..to];
        // A single image of 60 groups would be one page, cut off at its foot.
        assert!(
            heatmap.matches("pagina ").count() >= 2,
            "the heatmap runs over several pages:\n{heatmap}"
        );
        let results = tables
            .iter()
            .find(|t| t.name == "results")
            .expect("results");
        let last = match &results.rows.last().expect("a row")[0] {
            crate::render::export::tables::Cell::Text(group) => group.clone(),
            other => panic!("a group name, not {other:?}"),
        };
        let team = last.rsplit('/').next().expect("a name");
        assert!(heatmap.contains(team), "the last group, {last}, is printed");
        assert!(heatmap.contains("Intimidatie"), "a column per category");
        assert!(
            heatmap.contains("minder dan 10"),
            "the note on hidden cells"
        );
        // About 8 respondents per team: each team is hidden, its department is shown.
        let team = heatmap
            .lines()
            .find(|l| l.starts_with("Afdeling 1/Team 1 "))
            .expect("a team's row");
        assert!(team.contains("verborgen") && !team.contains('%'), "{team}");
        let department = heatmap
            .lines()
            .find(|l| l.starts_with("Afdeling 1 "))
            .expect("a department's row");
        assert!(
            department.contains("% rood") || department.contains("% oranje"),
            "{department}"
        );
    }

    /// Whether the text holds a figure such as `12,5 (8,1–18,0)` with `sign` as decimal sign.
    fn regex_like_decimal(text: &str, sign: char) -> bool {
        let chars: Vec<char> = text.chars().collect();
        chars.windows(5).any(|w| {
            w[0].is_ascii_digit()
                && w[1] == sign
                && w[2].is_ascii_digit()
                && w[3] == ' '
                && w[4] == '('
        })
    }

    /// A rough timing: `cargo test --release --lib -- --ignored --nocapture render_time`; with
    /// `PSA_PDF_SAMPLE=file.pdf` it also writes the PDF there to look at.
    #[test]
    #[ignore = "a timing, not a check"]
    fn render_time_of_a_round_of_300_units() {
        let (doc, tables) = fixture::export(Lang::Nl, 300, 6000);
        let started = std::time::Instant::now();
        let bytes = pdf(&doc, &tables, &[chart()]).expect("a pdf");
        let first = started.elapsed();
        let started = std::time::Instant::now();
        pdf(&doc, &tables, &[chart()]).expect("a pdf");
        println!(
            "300 units, {} result rows: {} bytes, first render {first:?}, second {:?}",
            tables
                .iter()
                .find(|t| t.name == "results")
                .map_or(0, |t| t.rows.len()),
            bytes.len(),
            started.elapsed()
        );
        if let Ok(path) = std::env::var("PSA_PDF_SAMPLE") {
            std::fs::write(path, &bytes).expect("the sample written");
        }
    }
}
