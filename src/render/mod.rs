//! Rendering: bytes from domain values. HTML pages and SVG/PNG charts now; CSV, XLSX and PDF
//! come with the export features.

pub mod charts;
pub mod export;
pub mod formula;
pub mod pages;
pub mod plan;
pub mod respond;
pub mod results;
pub mod shares;
pub mod vpo;
pub mod vpo_report;

use crate::domain::questionnaire::Texts;
use crate::i18n::Lang;

/// A questionnaire text in `lang`, or in the questionnaire's first language.
pub fn text(lang: Lang, texts: &Texts) -> String {
    texts
        .get(lang.code())
        .or_else(|| texts.values().next())
        .cloned()
        .unwrap_or_default()
}

/// The name of a round's top group: the organisation, or the units the round covered.
pub fn top_group_name(lang: Lang, whole_organisation: bool) -> String {
    lang.t(if whole_organisation {
        "results.organisation"
    } else {
        "results.units_covered"
    })
    .into_owned()
}
