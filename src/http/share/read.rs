//! `/read/{share}`: a closed round's results summary and the organisation's plan, read-only,
//! for every employee holding the link.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::{record, with_share};
use crate::db::shares::ShareRow;
use crate::db::{organisations, rounds};
use crate::domain::share::ShareKind;
use crate::error::AppError;
use crate::http::AppState;
use crate::i18n::Lang;
use crate::render::pages::{Chrome, html};
use crate::render::results::RoundFacts;
use crate::render::shares::{ReadFacts, ReadPage};

pub async fn show_summary(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    with_share(
        &req,
        &state,
        path.into_inner(),
        ShareKind::Read,
        |share, lang| summary_page(&state, share, lang),
    )
    .await
}

async fn summary_page(
    state: &AppState,
    share: ShareRow,
    lang: Lang,
) -> Result<HttpResponse, AppError> {
    let organisation = share.organisation();
    let (round_id, expires_on) = (share.round_id.clone(), share.expires_on);
    let catalog = state.catalog.clone();
    let page = state
        .db
        .run(move |conn| -> Result<_, AppError> {
            let org = organisations::get(conn, &organisation)?
                .ok_or_else(|| AppError::NotFound("the organisation no longer exists".into()))?;
            let (row, q, results) = crate::results::closed_round(conn, &organisation, &round_id)?;
            let results =
                serde_json::to_value(&results).map_err(|e| AppError::Internal(e.to_string()))?;
            let whole = rounds::chosen_units(conn, &organisation, &row.id)?.is_empty();
            let items = crate::db::plan::list(conn, &organisation)?;
            let accounts = crate::plan::accounts(conn, &organisation)?;
            let facts = ReadFacts {
                organisation: org.settings.name.to_string(),
                round: RoundFacts {
                    id: &row.id,
                    name: &row.name,
                    closed: row.closed_at.map(crate::db::utc).unwrap_or_default(),
                    k: row.k().get(),
                    whole_organisation: whole,
                },
                questionnaire: &q,
                results: &results,
                catalog: &catalog,
                items: &items,
                accounts: &accounts,
                today: crate::calendar::today(),
                expires_on,
            };
            Ok(ReadPage::new(Chrome::anonymous(lang), facts))
        })
        .await?;
    record(state, &share, "read page".into()).await?;
    Ok(html(StatusCode::OK, &page))
}
