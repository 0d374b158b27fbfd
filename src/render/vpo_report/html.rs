//! The annual report as a standalone printable HTML page: its style inline (so that a saved copy
//! prints the same), its chart as inline SVG, no script and no link. The inline style is allowed
//! by its hash in the page's own Content-Security-Policy (`style_hash`).

use askama::Template;
use base64::Engine;
use sha2::{Digest, Sha256};

use super::Report;

const CSS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/reports/vpo-report.css"
));

#[derive(Template)]
#[template(path = "vpo_report.html")]
struct Page<'a> {
    r: &'a Report,
    css: &'static str,
}

pub fn html(report: &Report) -> Result<String, String> {
    Page {
        r: report,
        css: CSS,
    }
    .render()
    .map_err(|e| e.to_string())
}

/// The CSP source that admits the page's inline style: `'sha256-…'`.
pub fn style_hash() -> String {
    let digest = Sha256::digest(CSS.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

#[cfg(test)]
mod tests {
    use super::super::fixture::report;
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn the_page_prints_every_table_the_legend_the_chart_and_the_recommendations() {
        let page = html(&report(Lang::Nl)).unwrap();
        assert!(page.starts_with("<!doctype html>"));
        assert!(page.contains("<html lang=\"nl\">"));
        // Askama writes `<` as `&#60;`.
        assert!(page.contains("<td class=\"hidden\">&#60; 5</td>"), "{page}");
        assert!(page.contains("<svg"));
        assert!(page.contains("Maak het meldpunt bekender."));
        assert!(!page.contains("<script"));
        assert!(
            page.contains(&format!("<style>{CSS}</style>")),
            "the hashed style, exactly"
        );
    }

    #[test]
    fn the_style_hash_is_a_csp_source() {
        let hash = style_hash();
        assert!(
            hash.starts_with("'sha256-") && hash.ends_with("='"),
            "{hash}"
        );
    }
}
