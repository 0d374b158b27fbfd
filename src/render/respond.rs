//! The pages employees answer on: no script, no cookie, readable on a phone, and never a
//! category name as a heading.

use askama::Template;

use crate::domain::counsellor::Counsellor;
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

/// One counsellor on the information page, every text in the page's language.
pub struct CounsellorCard {
    pub name: String,
    /// Internal or external, in words.
    pub kind: String,
    pub gender: Option<String>,
    /// The languages they speak, by name.
    pub languages: String,
    /// The `tel:` link and the number as written.
    pub phone: Option<(String, String)>,
    pub email: Option<String>,
    pub availability: Option<String>,
    /// The photo's address, and its alternative text.
    pub photo: Option<(String, String)>,
}

impl CounsellorCard {
    pub fn new(lang: Lang, counsellor: &Counsellor, photo: Option<String>) -> CounsellorCard {
        let profile = &counsellor.profile;
        let name = profile.name.as_str().to_owned();
        CounsellorCard {
            kind: lang
                .t(&format!("counsellor.kind.{}", profile.kind))
                .into_owned(),
            gender: profile
                .gender
                .map(|g| lang.t(&format!("counsellor.gender.{g}")).into_owned()),
            languages: profile
                .languages
                .as_slice()
                .iter()
                .map(|l| lang.t(&format!("counsellor.language.{l}")).into_owned())
                .collect::<Vec<_>>()
                .join(", "),
            phone: profile
                .phone
                .as_ref()
                .map(|p| (p.tel_uri(), p.as_str().to_owned())),
            email: profile.email.as_ref().map(|e| e.as_str().to_owned()),
            availability: profile.availability.as_ref().map(|a| a.as_str().to_owned()),
            photo: photo.map(|url| {
                let alt = lang.t_with("vpo_info.photo_alt", &[("name", &name)]);
                (url, alt)
            }),
            name,
        }
    }
}

/// What a confidential counsellor does, in the order the page lists it (DOMAIN.md section 8).
const DOES: [&str; 5] = ["listen", "support", "options", "refer", "accompany"];
/// What a confidential counsellor does not do.
const DOES_NOT: [&str; 4] = ["mediate", "advise", "act", "integrity"];
/// Where else to turn.
const ELSEWHERE: [&str; 6] = [
    "integrity",
    "doctor",
    "legal",
    "psychologist",
    "mediator",
    "police",
];

/// The organisation's information page about its confidential counsellors.
#[derive(Template)]
#[template(path = "respond/vpo_info.html")]
pub struct VpoInfoPage {
    pub frame: Frame,
    pub heading: String,
    pub intro: String,
    /// Shown when no counsellor is registered.
    pub none: String,
    pub counsellors: Vec<CounsellorCard>,
    pub does: Vec<String>,
    pub does_not: Vec<String>,
    pub elsewhere: Vec<String>,
}

impl VpoInfoPage {
    pub fn new(frame: Frame, organisation: &str, counsellors: Vec<CounsellorCard>) -> VpoInfoPage {
        let lang = frame.lang;
        let list = |group: &str, keys: &[&str]| -> Vec<String> {
            keys.iter()
                .map(|key| lang.t(&format!("vpo_info.{group}.{key}")).into_owned())
                .collect()
        };
        let args = [("organisation", organisation)];
        VpoInfoPage {
            heading: lang.t_with("vpo_info.heading", &args),
            intro: lang.t_with("vpo_info.intro", &args),
            none: lang.t_with("vpo_info.none", &args),
            does: list("does", &DOES),
            does_not: list("does_not", &DOES_NOT),
            elsewhere: list("elsewhere", &ELSEWHERE),
            counsellors,
            frame,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAYLOAD: &str = "<script>alert(1)</script><img src=x onerror=alert(2)>";

    fn frame() -> Frame {
        Frame {
            lang: Lang::Nl,
            languages: vec![Lang::Nl, Lang::En],
            title: PAYLOAD.into(),
        }
    }

    fn carry() -> Carry {
        Carry {
            action: "/s/abc".into(),
            step: "part-0".into(),
            hidden: vec![("a\"><script>".into(), PAYLOAD.into())],
        }
    }

    fn assert_inert(html: &str) {
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(
            html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"),
            "{html}"
        );
    }

    #[test]
    fn texts_of_a_questionnaire_file_are_escaped_on_every_answering_page() {
        let option = || OptionView {
            value: PAYLOAD.into(),
            label: PAYLOAD.into(),
            checked: false,
        };
        let intro = IntroPage {
            frame: frame(),
            carry: carry(),
            has_draft: false,
            pin_error: false,
            intro: PAYLOAD.into(),
            organisation: PAYLOAD.into(),
            privacy: vec![PAYLOAD.into()],
            min_group_size: 10,
            parts: 7,
            vpo_info: "/o/x/vpo-info".into(),
        };
        let part = PartPage {
            frame: frame(),
            carry: carry(),
            part: 1,
            parts: 7,
            period: PAYLOAD.into(),
            items: vec![ItemView {
                field: "pe1".into(),
                text: PAYLOAD.into(),
                options: vec![option()],
                required: true,
                error: Some(PAYLOAD.into()),
            }],
            errors: true,
        };
        let sources = SourcesPage {
            frame: frame(),
            carry: carry(),
            part: 1,
            parts: 7,
            question: PAYLOAD.into(),
            options: vec![option()],
        };
        let review = ReviewPage {
            frame: frame(),
            carry: carry(),
            parts: vec![ReviewPart {
                number: 1,
                answers: vec![(PAYLOAD.into(), PAYLOAD.into())],
                sources: Some(PAYLOAD.into()),
            }],
            errors: vec![PAYLOAD.into()],
        };
        let done = DonePage {
            frame: frame(),
            closing: PAYLOAD.into(),
            vpo_info: "/o/x/vpo-info".into(),
        };
        for html in [
            intro.render(),
            part.render(),
            sources.render(),
            review.render(),
            done.render(),
        ] {
            assert_inert(&html.expect("rendered"));
        }
    }
}
