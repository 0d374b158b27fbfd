//! The counsellor's pages (`/vpo/…`, `vpo` accounts only): their cases and a form for a new one,
//! and one case with forms for a note, a change or closing, and a hand-over. Forms become the
//! same bodies the API takes and go through `vpo::register`, so the rules and the VPO access log
//! are the same as for the API.

use std::collections::BTreeSet;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::NaiveDate;

use crate::db::DbConnection;
use crate::db::vpo as store;
use crate::domain::vpo::{Action, Behaviour, CaseStatus, Channel, Source};
use crate::error::AppError;
use crate::http::api::vpo::Caller;
use crate::http::page::{OrgPage, see_other};
use crate::render::pages::html;
use crate::render::vpo::{CasePage, CasesPage, FactChoices};
use crate::vpo::register::{self, CaseChange, Counsellor, Facts, NewCase};
use crate::vpo::sealing::NotesCipher;

type Fields = Vec<(String, String)>;

fn caller(page: &OrgPage) -> Caller {
    Caller {
        organisation: page.organisation.clone(),
        user: page.principal.user.id.clone(),
        email: page.principal.user.email.clone(),
    }
}

fn one<'a>(fields: &'a Fields, name: &str) -> &'a str {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map_or("", |(_, v)| v.trim())
}

fn many<'a>(fields: &'a Fields, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    fields
        .iter()
        .filter(move |(n, v)| n == name && !v.is_empty())
        .map(|(_, v)| v.as_str())
}

fn parsed<T: Ord>(
    fields: &Fields,
    name: &'static str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<BTreeSet<T>, AppError> {
    many(fields, name)
        .map(|v| parse(v).ok_or_else(|| AppError::field(name, "unknown value")))
        .collect()
}

fn facts(fields: &Fields) -> Result<Facts, AppError> {
    Ok(Facts {
        channel: Channel::parse(one(fields, "channel"))
            .ok_or_else(|| AppError::field("channel", "choose a channel"))?,
        behaviours: parsed(fields, "behaviours", Behaviour::parse)?,
        sources: parsed(fields, "sources", Source::parse)?,
        in_scope: one(fields, "in_scope") != "no",
        actions: parsed(fields, "actions", Action::parse)?,
        referrals: many(fields, "referrals").map(str::to_owned).collect(),
    })
}

fn text(fields: &Fields, name: &str) -> Option<String> {
    Some(one(fields, name).to_owned()).filter(|t| !t.is_empty())
}

fn date(fields: &Fields, name: &'static str) -> Result<NaiveDate, AppError> {
    NaiveDate::parse_from_str(one(fields, name), "%Y-%m-%d")
        .map_err(|_| AppError::field(name, "a date as YYYY-MM-DD"))
}

/// The page's messages for a mistake; errors that are no user mistake pass through.
fn messages(page: &OrgPage, error: AppError) -> Result<Vec<String>, AppError> {
    match error {
        AppError::Validation(fields) => Ok(fields
            .iter()
            .map(|f| page.lang.t(&format!("vpo.errors.{}", f.field)).into_owned())
            .collect()),
        AppError::Conflict(_) => Ok(vec![page.lang.t("vpo.errors.destroyed").into_owned()]),
        other => Err(other),
    }
}

async fn cases_page(
    page: &OrgPage,
    status: StatusCode,
    errors: Vec<String>,
) -> Result<HttpResponse, AppError> {
    let (cases, referrals) = caller(page)
        .run(&page.state, |conn, _, who| {
            Ok((
                register::list(conn, who)?,
                store::referrals(conn, who.organisation)?,
            ))
        })
        .await?;
    let view = CasesPage {
        chrome: page.chrome(),
        cases,
        facts: FactChoices::new(page.lang, &page.state.catalog, None, &referrals),
        today: crate::calendar::today().to_string(),
        errors,
    };
    Ok(html(status, &view))
}

pub async fn show_cases(page: OrgPage) -> Result<HttpResponse, AppError> {
    cases_page(&page, StatusCode::OK, vec![]).await
}

pub async fn open_case(page: OrgPage, form: web::Form<Fields>) -> Result<HttpResponse, AppError> {
    let fields = form.into_inner();
    let today = crate::calendar::today();
    let new = date(&fields, "first_contact").and_then(|first_contact| {
        Ok(NewCase {
            first_contact,
            facts: facts(&fields)?,
            agreements: text(&fields, "agreements"),
        })
    });
    let opened = match new {
        Ok(new) => {
            caller(&page)
                .run(&page.state, move |conn, cipher, who| {
                    register::create(conn, cipher, who, new, today)
                })
                .await
        }
        Err(error) => Err(error),
    };
    match opened {
        Ok(case) => Ok(see_other(&format!("/vpo/cases/{}", case.id))),
        Err(error) => {
            let errors = messages(&page, error)?;
            cases_page(&page, StatusCode::UNPROCESSABLE_ENTITY, errors).await
        }
    }
}

async fn case_page(
    page: &OrgPage,
    id: String,
    status: StatusCode,
    errors: Vec<String>,
) -> Result<HttpResponse, AppError> {
    let (case, referrals) = caller(page)
        .run(&page.state, move |conn, cipher, who| {
            let case = register::read(conn, cipher, who, &id)?;
            Ok((case, store::referrals(conn, who.organisation)?))
        })
        .await?;
    let view = CasePage {
        chrome: page.chrome(),
        facts: FactChoices::new(page.lang, &page.state.catalog, Some(&case), &referrals),
        case,
        today: crate::calendar::today().to_string(),
        errors,
    };
    Ok(html(status, &view))
}

pub async fn show_case(page: OrgPage, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    case_page(&page, path.into_inner(), StatusCode::OK, vec![]).await
}

/// Runs `work` on the case `id` with `input` parsed from the form, then goes back to the case,
/// or shows it with what was wrong.
async fn on_case<I, W>(
    page: &OrgPage,
    id: String,
    input: Result<I, AppError>,
    work: W,
) -> Result<HttpResponse, AppError>
where
    I: Send + 'static,
    W: FnOnce(&mut DbConnection, &NotesCipher, &Counsellor<'_>, &str, I) -> Result<(), AppError>
        + Send
        + 'static,
{
    let target = id.clone();
    let done = match input {
        Ok(input) => {
            caller(page)
                .run(&page.state, move |conn, cipher, who| {
                    work(conn, cipher, who, &target, input)
                })
                .await
        }
        Err(error) => Err(error),
    };
    match done {
        Ok(()) => Ok(see_other(&format!("/vpo/cases/{id}"))),
        Err(error) => {
            let errors = messages(page, error)?;
            case_page(page, id, StatusCode::UNPROCESSABLE_ENTITY, errors).await
        }
    }
}

pub async fn change_case(
    page: OrgPage,
    path: web::Path<String>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let fields = form.into_inner();
    let today = crate::calendar::today();
    let change = facts(&fields).map(|facts| CaseChange {
        channel: Some(facts.channel),
        behaviours: Some(facts.behaviours),
        sources: Some(facts.sources),
        in_scope: Some(facts.in_scope),
        actions: Some(facts.actions),
        referrals: Some(facts.referrals),
        agreements: text(&fields, "agreements"),
        case_report: text(&fields, "case_report"),
        status: Some(if one(&fields, "close") == "yes" {
            CaseStatus::Closed
        } else {
            CaseStatus::Open
        }),
        closed_on: None,
    });
    on_case(&page, id, change, move |conn, cipher, who, id, change| {
        register::change(conn, cipher, who, id, change, today).map(drop)
    })
    .await
}

pub async fn add_note(
    page: OrgPage,
    path: web::Path<String>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let fields = form.into_inner();
    let today = crate::calendar::today();
    let note = date(&fields, "written_on").map(|on| (on, one(&fields, "text").to_owned()));
    on_case(&page, id, note, move |conn, cipher, who, id, (on, text)| {
        register::add_note(conn, cipher, who, id, &text, (on, today)).map(drop)
    })
    .await
}

pub async fn hand_over(
    page: OrgPage,
    path: web::Path<String>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let fields = form.into_inner();
    let to = one(&fields, "to").to_owned();
    let keep = one(&fields, "keep") == "yes";
    let answer = on_case(&page, id, Ok((to, keep)), |conn, _, who, id, (to, keep)| {
        register::hand_over(conn, who, id, &to, keep)
    })
    .await?;
    // Without `keep`, the case is no longer the caller's to see.
    Ok(if answer.status() == StatusCode::SEE_OTHER && !keep {
        see_other("/vpo")
    } else {
        answer
    })
}
