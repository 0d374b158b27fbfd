//! `/shared`: an inspector's account sees the rounds shared with it in the current organisation,
//! each with its stored exports; the files come from the API, which checks the share again.

use std::collections::HashMap;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;

use super::inspect::stored_exports;
use crate::db::{organisations, rounds, shares};
use crate::error::AppError;
use crate::http::page::OrgPage;
use crate::render::pages::html;
use crate::render::shares::{AccountSharesPage, SharedRound};

pub async fn show_shared_rounds(page: OrgPage) -> Result<HttpResponse, AppError> {
    let organisation = page.organisation.clone();
    let user = page.principal.user.id.clone();
    let today = crate::calendar::today();
    let lang = page.lang;
    let (name, shared) = page
        .state
        .db
        .run(move |conn| -> Result<_, AppError> {
            let org = organisations::get(conn, &organisation)?
                .ok_or_else(|| AppError::NotFound("no such organisation".into()))?;
            // Two live shares of one round show it once, open until the later end.
            let mut until = HashMap::new();
            let mut order = Vec::new();
            for share in shares::live_for_inspector(conn, &organisation, &user, today)? {
                let end = until.entry(share.round_id.clone()).or_insert_with(|| {
                    order.push(share.round_id.clone());
                    share.expires_on
                });
                *end = (*end).max(share.expires_on);
            }
            let mut shared = Vec::new();
            for round_id in order {
                let Some(round) = rounds::get(conn, &organisation, &round_id)? else {
                    continue;
                };
                let exports = stored_exports(conn, &organisation, &round.id)?;
                shared.push(SharedRound::new(
                    lang,
                    &round.name,
                    until[&round_id],
                    exports,
                ));
            }
            Ok((org.settings.name.to_string(), shared))
        })
        .await?;
    crate::http::api::shares::record(
        &page.state,
        page.organisation.clone(),
        page.principal.user.email.clone(),
        "shared rounds page".into(),
    )
    .await?;
    let view = AccountSharesPage {
        chrome: page.chrome(),
        organisation: name,
        rounds: shared,
    };
    Ok(html(StatusCode::OK, &view))
}
