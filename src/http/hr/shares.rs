//! The shares section of a round's page: HR makes a link share (shown once) or gives an
//! inspector account the round, and revokes shares; and the access log's page.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use validator::Validate;

use super::rounds::round_page_with;
use crate::db::shares as store;
use crate::domain::share::{LONGEST, ShareKind, ShareState};
use crate::error::AppError;
use crate::http::api::shares::{self as share_ops, NewShareBody, ShareView};
use crate::http::auth::Member;
use crate::http::page::{OrgPage, see_other};
use crate::i18n::Lang;
use crate::render::pages::{ShareLine, html};
use crate::render::shares::{AccessLine, AccessLogPage};

/// A share as a line of the round's list.
pub fn line(lang: Lang, share: ShareView) -> ShareLine {
    let what = match &share.inspector_email {
        Some(email) => lang.t_with("shares.account", &[("email", email)]),
        None => lang.t(&format!("shares.kind_{}", share.kind)).into_owned(),
    };
    ShareLine {
        what: match share.label.as_str() {
            "" => what,
            label => format!("{what}: {label}"),
        },
        expires: lang.date(share.expires_on),
        state: lang
            .t(&format!("shares.state.{}", share.state.as_str()))
            .into_owned(),
        live: share.state == ShareState::Live,
        id: share.id,
    }
}

/// The first and last day a share made `today` may run, as the date field wants them.
pub fn expiry_range(today: chrono::NaiveDate) -> (String, String) {
    let last = today.checked_add_months(LONGEST).unwrap_or(today);
    (today.to_string(), last.to_string())
}

#[derive(Deserialize)]
pub struct ShareForm {
    kind: String,
    expires_on: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    inspector_email: String,
}

impl ShareForm {
    fn body(self, round_id: String) -> Result<NewShareBody, AppError> {
        let kind = self
            .kind
            .parse::<ShareKind>()
            .map_err(|e| AppError::field("kind", e))?;
        let expires_on = chrono::NaiveDate::parse_from_str(self.expires_on.trim(), "%Y-%m-%d")
            .map_err(|_| AppError::field("expires_on", "a date as YYYY-MM-DD"))?;
        let body = NewShareBody {
            kind,
            round_id,
            expires_on,
            label: Some(self.label),
            inspector_email: Some(self.inspector_email),
        };
        body.validate()?;
        Ok(body)
    }
}

/// Makes a share of the round; a link share's link is on the page this once.
pub async fn add_share(
    page: OrgPage,
    member: Member,
    path: web::Path<String>,
    form: web::Form<ShareForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let made = match form.into_inner().body(id.clone()) {
        Ok(body) => share_ops::create(&page.state, &member, body).await,
        Err(err) => Err(err),
    };
    match made {
        Ok(created) if created.url.is_some() => {
            round_page_with(&page, id, StatusCode::OK, vec![], created.url).await
        }
        Ok(_) => Ok(see_other(&format!("/rounds/{id}#shares"))),
        Err(AppError::Validation(fields)) => {
            let errors = fields
                .iter()
                .map(|f| {
                    page.lang
                        .t(&format!("shares.errors.{}", f.field))
                        .into_owned()
                })
                .collect();
            round_page_with(&page, id, StatusCode::UNPROCESSABLE_ENTITY, errors, None).await
        }
        Err(other) => Err(other),
    }
}

#[derive(Deserialize)]
pub struct LogPageQuery {
    page: Option<u32>,
}

/// Lines per page of the access log.
const LOG_PAGE: u32 = 50;

/// The access log: who used a share or an inspector account, when, and for what.
pub async fn show_access_log(
    page: OrgPage,
    query: web::Query<LogPageQuery>,
) -> Result<HttpResponse, AppError> {
    let number = query.page.unwrap_or(1).max(1);
    let organisation = page.organisation.clone();
    let offset = i64::from(number - 1) * i64::from(LOG_PAGE);
    let (entries, total, shares) = page
        .state
        .db
        .run(move |conn| -> Result<_, AppError> {
            let (entries, total) = store::access_log(conn, &organisation, offset, LOG_PAGE.into())?;
            Ok((entries, total, store::list(conn, &organisation, None)?))
        })
        .await?;
    let lang = page.lang;
    // A link share is logged by its id; HR knows it by its kind and label.
    let names: HashMap<String, String> = shares
        .into_iter()
        .map(|(share, _)| {
            let kind = lang.t(&format!("shares.kind_{}", share.kind));
            let name = match share.label.as_str() {
                "" => kind.into_owned(),
                label => format!("{kind}: {label}"),
            };
            (share.actor(), name)
        })
        .collect();
    let entries = entries
        .into_iter()
        .map(|e| AccessLine {
            at: lang.date_time(crate::calendar::local_time(e.at)),
            actor: names.get(&e.actor).cloned().unwrap_or(e.actor),
            what: e.what,
        })
        .collect();
    let pages =
        u32::try_from(total.max(0).unsigned_abs().div_ceil(LOG_PAGE.into())).unwrap_or(u32::MAX);
    Ok(html(
        StatusCode::OK,
        &AccessLogPage {
            chrome: page.chrome(),
            entries,
            page: number,
            pages,
            total,
        },
    ))
}

/// Revokes a share and goes back to its round.
pub async fn revoke_share(
    page: OrgPage,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let share =
        share_ops::revoke(&page.state, page.organisation.clone(), path.into_inner()).await?;
    Ok(see_other(&format!("/rounds/{}#shares", share.round_id)))
}
