//! The pages employees answer on: no script, no cookie, readable on a phone, and never a
//! category name as a heading.

use askama::Template;

use crate::i18n::Lang;

/// What every respondent page shares.
pub struct Frame {
    pub lang: Lang,
    /// Languages the round offers, for the switch.
    pub languages: Vec<Lang>,
    pub title: String,
}

impl Frame {
    pub fn t(&self, key: &str) -> std::borrow::Cow<'static, str> {
        self.lang.t(key)
    }

    /// The other languages, each with its own name.
    pub fn others(&self) -> Vec<(Lang, &'static str)> {
        self.languages
            .iter()
            .filter(|l| **l != self.lang)
            .map(|l| (*l, language_name(*l)))
            .collect()
    }
}

fn language_name(lang: Lang) -> &'static str {
    match lang {
        Lang::Nl => "Nederlands",
        Lang::En => "English",
    }
}

/// The form frame of a step: where it posts and the answers it carries.
pub struct Carry {
    pub action: String,
    pub step: String,
    pub hidden: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "respond/intro.html")]
pub struct IntroPage {
    pub frame: Frame,
    pub carry: Carry,
    /// A saved draft waits for its PIN.
    pub has_draft: bool,
    pub pin_error: bool,
    pub intro: String,
    pub organisation: String,
    pub privacy: Vec<String>,
    pub min_group_size: u32,
    pub parts: usize,
    pub vpo_info: String,
}

/// One answer option of an item.
pub struct OptionView {
    pub value: String,
    pub label: String,
    pub checked: bool,
}

pub struct ItemView {
    pub field: String,
    pub text: String,
    pub options: Vec<OptionView>,
    pub required: bool,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "respond/part.html")]
pub struct PartPage {
    pub frame: Frame,
    pub carry: Carry,
    pub part: usize,
    pub parts: usize,
    pub period: String,
    pub items: Vec<ItemView>,
    pub errors: bool,
}

#[derive(Template)]
#[template(path = "respond/sources.html")]
pub struct SourcesPage {
    pub frame: Frame,
    pub carry: Carry,
    pub part: usize,
    pub parts: usize,
    pub question: String,
    pub options: Vec<OptionView>,
}

pub struct ReviewPart {
    pub number: usize,
    pub answers: Vec<(String, String)>,
    pub sources: Option<String>,
}

#[derive(Template)]
#[template(path = "respond/review.html")]
pub struct ReviewPage {
    pub frame: Frame,
    pub carry: Carry,
    pub parts: Vec<ReviewPart>,
    pub errors: Vec<String>,
}

#[derive(Template)]
#[template(path = "respond/done.html")]
pub struct DonePage {
    pub frame: Frame,
    pub closing: String,
    pub vpo_info: String,
}

/// Unknown, used and expired links, a closed round, the code form: one simple page each.
#[derive(Template)]
#[template(path = "respond/notice.html")]
pub struct NoticePage {
    pub frame: Frame,
    pub heading: String,
    pub message: String,
    pub code_form: bool,
    pub code: String,
}

/// Choosing a PIN to save the answers so far.
#[derive(Template)]
#[template(path = "respond/save.html")]
pub struct SavePage {
    pub frame: Frame,
    pub carry: Carry,
    /// The step to come back to.
    pub return_step: String,
    pub pin_error: bool,
}
