//! The pages behind a share link: an inspector's list of a round's stored exports, and the
//! employees' read-only results summary and plan. Both show the dashboard's and the plan page's
//! own rows, without any control that changes something.

use askama::Template;
use chrono::NaiveDate;
use serde_json::Value;

use super::pages::Chrome;
use super::plan::{Accounts, ItemRow};
use super::results::{GroupView, ResultsPage, RoundFacts};
use crate::catalog::Catalog;
use crate::db::plan::PlanItemRow;
use crate::domain::Questionnaire;
use crate::i18n::Lang;

/// One downloadable file of an export.
pub struct SharedFile {
    /// The file's name under the share: `{export id}.{format}`.
    pub name: String,
    pub format: String,
    pub size: i64,
    pub sha256: String,
}

/// A stored export of the shared round.
pub struct SharedExport {
    pub created: String,
    pub lang: String,
    pub files: Vec<SharedFile>,
}

#[derive(Template)]
#[template(path = "shares/inspect.html")]
pub struct InspectPage {
    pub chrome: Chrome,
    pub organisation: String,
    pub intro: String,
    /// Where the files are: the link's own path, `/inspect/{secret}/files/`.
    pub files_at: String,
    pub exports: Vec<SharedExport>,
}

impl InspectPage {
    pub fn new(
        chrome: Chrome,
        organisation: String,
        round: &str,
        expires_on: NaiveDate,
        files_at: String,
        exports: Vec<SharedExport>,
    ) -> InspectPage {
        InspectPage {
            intro: intro(chrome.lang, "shares.inspect.intro", round, expires_on),
            chrome,
            organisation,
            files_at,
            exports,
        }
    }
}

/// A round shared with an inspector's account, with its stored exports.
pub struct SharedRound {
    pub name: String,
    pub intro: String,
    /// Where the files are: the API's export path, which checks the account's share.
    pub files_at: String,
    pub exports: Vec<SharedExport>,
}

impl SharedRound {
    pub fn new(lang: Lang, round: &str, expires_on: NaiveDate, exports: Vec<SharedExport>) -> Self {
        SharedRound {
            name: round.to_owned(),
            intro: intro(lang, "shares.account_page.round", round, expires_on),
            files_at: "/api/v1/exports/".to_owned(),
            exports,
        }
    }
}

/// `/shared`: the rounds shared with the inspector's account in the current organisation.
#[derive(Template)]
#[template(path = "shares/account.html")]
pub struct AccountSharesPage {
    pub chrome: Chrome,
    pub organisation: String,
    pub rounds: Vec<SharedRound>,
}

/// One line of the access log as HR reads it.
pub struct AccessLine {
    /// Europe/Amsterdam, to the minute.
    pub at: String,
    /// An inspector account's address, or the share's kind and label.
    pub actor: String,
    pub what: String,
}

/// `/access-log`: who used a share or an inspector account, when, for what; newest first.
#[derive(Template)]
#[template(path = "access_log.html")]
pub struct AccessLogPage {
    pub chrome: Chrome,
    pub entries: Vec<AccessLine>,
    pub page: u32,
    pub pages: u32,
    pub total: i64,
}

fn intro(lang: Lang, key: &str, round: &str, expires_on: NaiveDate) -> String {
    lang.t_with(key, &[("round", round), ("date", &lang.date(expires_on))])
}

/// What the read page shows, from storage.
pub struct ReadFacts<'a> {
    pub organisation: String,
    pub round: RoundFacts<'a>,
    pub questionnaire: &'a Questionnaire,
    /// The stored results, as the API serves them.
    pub results: &'a Value,
    pub catalog: &'a Catalog,
    pub items: &'a [PlanItemRow],
    pub accounts: &'a Accounts,
    pub today: NaiveDate,
    pub expires_on: NaiveDate,
}

#[derive(Template)]
#[template(path = "shares/read.html")]
pub struct ReadPage {
    pub chrome: Chrome,
    pub organisation: String,
    pub round: String,
    pub intro: String,
    pub questionnaire: String,
    pub closed: String,
    pub k: u32,
    pub responses: u64,
    pub groups: Vec<GroupView>,
    pub items: Vec<ItemRow>,
    /// Always false: the plan's rows link to no form here.
    pub can_edit: bool,
}

impl ReadPage {
    pub fn new(chrome: Chrome, facts: ReadFacts) -> ReadPage {
        let lang = chrome.lang;
        let results = ResultsPage::new(chrome, &facts.round, facts.questionnaire, facts.results);
        ReadPage {
            organisation: facts.organisation,
            round: results.name,
            intro: intro(
                lang,
                "shares.read.intro",
                facts.round.name,
                facts.expires_on,
            ),
            questionnaire: results.questionnaire,
            closed: results.closed,
            k: results.k,
            responses: results.responses,
            groups: results.groups,
            items: facts
                .items
                .iter()
                .map(|item| ItemRow::new(item, facts.catalog, lang, facts.accounts, facts.today))
                .collect(),
            can_edit: false,
            chrome: results.chrome,
        }
    }

    pub fn hidden_text(&self) -> String {
        super::results::hidden_text(self.chrome.lang, self.k)
    }
}
