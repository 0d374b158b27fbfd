//! Server-rendered HTML pages (askama templates under `templates/`). Pages carry no script and no
//! inline style, so the Content-Security-Policy can forbid both.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;

use crate::i18n::Lang;

/// What every page's frame needs: language, CSRF token for its forms, who is logged in.
pub struct Chrome {
    pub lang: Lang,
    pub csrf: String,
    pub user: Option<String>,
    /// Whether to show HR's pages in the navigation.
    pub hr: bool,
    /// Whether to show the results (HR and the works council).
    pub results: bool,
    /// Whether to show the plan (HR, the works council, the prevention officer).
    pub plan: bool,
    /// Whether to show the rounds shared with an inspector's account.
    pub inspector: bool,
    /// Whether to show the confidential counsellor's case register.
    pub vpo: bool,
    /// Whether to show the organisation's audit log (its admins).
    pub admin: bool,
}

impl Chrome {
    /// The frame of a page for someone not logged in, without a form token (and so without
    /// touching the session: such pages set no cookie).
    pub fn anonymous(lang: Lang) -> Chrome {
        Chrome {
            lang,
            csrf: String::new(),
            user: None,
            hr: false,
            results: false,
            plan: false,
            inspector: false,
            vpo: false,
            admin: false,
        }
    }

    pub fn t(&self, key: &str) -> std::borrow::Cow<'static, str> {
        self.lang.t(key)
    }
}

/// Renders a page with a status; a template error becomes a plain 500.
pub fn html(status: StatusCode, page: &impl Template) -> HttpResponse {
    match page.render() {
        Ok(body) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(body),
        Err(err) => {
            tracing::error!(cause = %err, "template failed");
            HttpResponse::InternalServerError().finish()
        }
    }
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub chrome: Chrome,
    pub email: String,
    pub next: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "setup.html")]
pub struct SetupPage {
    pub chrome: Chrome,
    pub token: String,
    pub email: String,
    pub organisation: String,
    pub errors: Vec<String>,
}

/// One organisation in the switcher.
pub struct OrganisationChoice {
    pub id: String,
    pub name: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub chrome: Chrome,
    pub email: String,
    pub is_owner: bool,
    pub organisation: Option<String>,
    pub roles: Vec<String>,
    pub choices: Vec<OrganisationChoice>,
    /// The organisation's information page, when it lacks a confidential counsellor it is
    /// expected to have.
    pub vpo_missing: Option<String>,
}

#[derive(Template)]
#[template(path = "units.html")]
pub struct UnitsPage {
    pub chrome: Chrome,
    pub units: Vec<crate::http::api::units::UnitView>,
    pub errors: Vec<String>,
    /// The pasted CSV, kept when it had bad rows.
    pub csv: String,
}

#[derive(Template)]
#[template(path = "rounds.html")]
pub struct RoundsPage {
    pub chrome: Chrome,
    /// (id, name, status text)
    pub rounds: Vec<(String, String, String)>,
    /// (id, path)
    pub units: Vec<(String, String)>,
    /// (id, title)
    pub questionnaires: Vec<(String, String)>,
    pub errors: Vec<String>,
    /// As on the home page.
    pub vpo_missing: Option<String>,
}

#[derive(Template)]
#[template(path = "round.html")]
pub struct RoundPage {
    pub chrome: Chrome,
    pub id: String,
    pub name: String,
    pub status: crate::domain::round::RoundStatus,
    pub status_text: String,
    pub digest: String,
    pub questionnaire: String,
    pub k: u32,
    /// Covered units: (id, path)
    pub units: Vec<(String, String)>,
    pub invited: u64,
    pub responded: u64,
    /// Units with at least k invitations: (path, invited, responded)
    pub progress: Vec<(String, u64, u64)>,
    /// (when, who, how many)
    pub handouts: Vec<(String, String, i32)>,
    pub exports: Vec<ExportLine>,
    pub errors: Vec<String>,
    pub shares: Vec<ShareLine>,
    /// The link of a share just made: shown this once.
    pub new_link: Option<String>,
    /// The first and last day a new share may run, for the date field (YYYY-MM-DD).
    pub expiry_range: (String, String),
}

/// A share of the round in its list.
pub struct ShareLine {
    pub id: String,
    /// Its kind and label, or the inspector account it opens the round to.
    pub what: String,
    pub expires: String,
    pub state: String,
    pub live: bool,
}

/// A stored export in the round's list.
pub struct ExportLine {
    pub id: String,
    pub created: String,
    pub lang: String,
    pub formats: Vec<String>,
}

impl RoundPage {
    pub fn is_draft(&self) -> bool {
        self.status == crate::domain::round::RoundStatus::Draft
    }

    pub fn is_open(&self) -> bool {
        self.status == crate::domain::round::RoundStatus::Open
    }

    pub fn is_closed(&self) -> bool {
        self.status == crate::domain::round::RoundStatus::Closed
    }
}

/// One line of the audit log as the page shows it.
pub struct AuditLine {
    pub seq: i64,
    /// Europe/Amsterdam, to the minute.
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: String,
}

/// `/audit-log`: the organisation's changes by staff, newest first, and whether the chain holds.
#[derive(Template)]
#[template(path = "audit_log.html")]
pub struct AuditLogPage {
    pub chrome: Chrome,
    pub entries: Vec<AuditLine>,
    /// The first entry that does not follow from the ones before, when the chain is broken.
    pub broken_at: Option<i64>,
    pub page: u32,
    pub pages: u32,
    pub total: i64,
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub chrome: Chrome,
    pub status: u16,
    pub title: String,
    pub message: String,
    /// Whether to offer a link to the home page (not to outsiders holding a share link).
    pub home: bool,
}

impl ErrorPage {
    pub fn for_status(lang: Lang, status: StatusCode) -> ErrorPage {
        let key = match status.as_u16() {
            401 => "unauthenticated",
            403 => "forbidden",
            404 => "not_found",
            410 => "gone",
            408 => "too_slow",
            413 => "too_large",
            429 => "too_many",
            503 => "unavailable",
            500..=599 => "internal",
            _ => "bad_request",
        };
        ErrorPage {
            chrome: Chrome::anonymous(lang),
            status: status.as_u16(),
            title: lang.t(&format!("errors.{key}.title")).into_owned(),
            message: lang.t(&format!("errors.{key}.message")).into_owned(),
            home: true,
        }
    }
}

/// The page that checks an export file against its signature; `verdict` after an upload:
/// what it found, or why it could not check.
#[derive(Template)]
#[template(path = "verify.html")]
pub struct VerifyPage {
    pub chrome: Chrome,
    pub verdict: Option<Result<String, String>>,
}

impl VerifyPage {
    pub fn new(lang: Lang, verdict: Option<Result<String, String>>) -> VerifyPage {
        VerifyPage {
            chrome: Chrome::anonymous(lang),
            verdict,
        }
    }
}
