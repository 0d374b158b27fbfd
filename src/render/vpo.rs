//! The counsellor's pages: the list of their cases with the form for a new one, and one case
//! with its notes and the forms to add a note, change or close it, and hand it over.

use askama::Template;

use super::pages::Chrome;
use crate::catalog::Catalog;
use crate::domain::vpo::{Action, Behaviour, Channel, Source};
use crate::i18n::Lang;
use crate::vpo::register::{CaseSummary, CaseView};

/// A checkbox or option: its wire value, its label, and whether it is chosen.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub chosen: bool,
}

/// The choices of a case's facts, with the chosen ones marked.
pub struct FactChoices {
    pub channels: Vec<Choice>,
    pub behaviours: Vec<Choice>,
    pub sources: Vec<Choice>,
    pub actions: Vec<Choice>,
    pub referrals: Vec<Choice>,
    pub in_scope: bool,
}

impl FactChoices {
    /// The choices for `case` (a new one when `None`), with the organisation's `referrals`.
    pub fn new(
        lang: Lang,
        catalog: &Catalog,
        case: Option<&CaseView>,
        referrals: &[String],
    ) -> Self {
        let has = |list: Option<&Vec<String>>, value: &str| {
            list.is_some_and(|l| l.iter().any(|v| v == value))
        };
        let choices =
            |values: Vec<&str>, chosen: Option<&Vec<String>>, label: &dyn Fn(&str) -> String| {
                values
                    .into_iter()
                    .map(|value| Choice {
                        value: value.to_owned(),
                        label: label(value),
                        chosen: has(chosen, value),
                    })
                    .collect()
            };
        let t =
            |prefix: &'static str| move |v: &str| lang.t(&format!("vpo.{prefix}.{v}")).into_owned();
        // A new case starts at the first channel, so that one is always chosen.
        let channel = Some(vec![case.map_or_else(
            || Channel::ALL[0].as_str().to_owned(),
            |c| c.channel.clone(),
        )]);
        FactChoices {
            channels: choices(
                Channel::ALL.iter().map(|c| c.as_str()).collect(),
                channel.as_ref(),
                &t("vpo.channel"),
            ),
            behaviours: choices(
                Behaviour::ALL.iter().map(|b| b.as_str()).collect(),
                case.map(|c| &c.behaviours),
                &|v| super::plan::category_name(catalog, lang, v),
            ),
            sources: choices(
                Source::ALL.iter().map(|s| s.as_str()).collect(),
                case.map(|c| &c.sources),
                &t("vpo_report.source"),
            ),
            actions: choices(
                Action::ALL.iter().map(|a| a.as_str()).collect(),
                case.map(|c| &c.actions),
                &t("vpo_report.action"),
            ),
            referrals: choices(
                // A case keeps a referral the organisation has since taken off its list.
                referrals
                    .iter()
                    .chain(case.iter().flat_map(|c| &c.referrals))
                    .map(String::as_str)
                    .fold(Vec::new(), |mut all, r| {
                        if !all.contains(&r) {
                            all.push(r);
                        }
                        all
                    }),
                case.map(|c| &c.referrals),
                &t("vpo_report.referral"),
            ),
            in_scope: case.is_none_or(|c| c.in_scope),
        }
    }

    /// The labels of the chosen values of `choices`, for reading.
    pub fn chosen(choices: &[Choice]) -> String {
        let labels: Vec<&str> = choices
            .iter()
            .filter(|c| c.chosen)
            .map(|c| c.label.as_str())
            .collect();
        if labels.is_empty() {
            "—".to_owned()
        } else {
            labels.join(", ")
        }
    }
}

#[derive(Template)]
#[template(path = "vpo/cases.html")]
pub struct CasesPage {
    pub chrome: Chrome,
    pub cases: Vec<CaseSummary>,
    pub facts: FactChoices,
    pub today: String,
    pub errors: Vec<String>,
}

#[derive(Template)]
#[template(path = "vpo/case.html")]
pub struct CasePage {
    pub chrome: Chrome,
    pub case: CaseView,
    pub facts: FactChoices,
    pub today: String,
    pub errors: Vec<String>,
}

impl CasePage {
    pub fn status(&self) -> String {
        self.chrome
            .t(&format!("vpo.status.{}", self.case.status))
            .into_owned()
    }

    pub fn is_open(&self) -> bool {
        self.case.status == "open"
    }
}
