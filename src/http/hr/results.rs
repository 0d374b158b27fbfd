//! The results pages, for HR and the works council: the closed rounds, and one round's dashboard.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use crate::db::rounds as store;
use crate::domain::round::RoundStatus;
use crate::error::AppError;
use crate::http::api::rounds::stored_results;
use crate::http::api::utc;
use crate::http::page::OrgPage;
use crate::render::pages::html;
use crate::render::results::{
    ClosedRound, ResultsIndexPage, ResultsPage, RoundFacts, VpoReportsView,
};

pub async fn show_results_index(page: OrgPage) -> Result<HttpResponse, AppError> {
    let organisation = page.organisation.clone();
    let rounds = page
        .state
        .db
        .run(move |conn| store::list(conn, &organisation).map_err(AppError::from))
        .await?;
    let rounds = rounds
        .into_iter()
        .filter(|r| r.status() == RoundStatus::Closed)
        .map(|r| ClosedRound {
            closed: r.closed_at.map(utc).unwrap_or_default(),
            id: r.id,
            name: r.name,
        })
        .collect();
    Ok(html(
        StatusCode::OK,
        &ResultsIndexPage {
            chrome: page.chrome(),
            rounds,
        },
    ))
}

pub async fn show_results(
    page: OrgPage,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let organisation = page.organisation.clone();
    let round_id = id.clone();
    let (row, chosen) = page
        .state
        .db
        .run(move |conn| -> Result<_, AppError> {
            let row = store::get(conn, &organisation, &round_id)?
                .ok_or_else(|| AppError::NotFound("no such round".into()))?;
            let chosen = store::chosen_units(conn, &organisation, &round_id)?;
            Ok((row, chosen))
        })
        .await?;
    let facts = RoundFacts {
        id: &row.id,
        name: &row.name,
        closed: row.closed_at.map(utc).unwrap_or_default(),
        k: row.k().get(),
        whole_organisation: chosen.is_empty(),
    };
    if row.status() != RoundStatus::Closed {
        let pending = ResultsPage::pending(page.chrome(), &facts, &row.questionnaire_id);
        return Ok(html(StatusCode::CONFLICT, &pending));
    }
    let (row, json) = stored_results(&page.state, page.organisation.clone(), id).await?;
    let q = crate::results::frozen_questionnaire(&row)?;
    let results: serde_json::Value =
        serde_json::from_str(&json).map_err(|e| AppError::Internal(e.to_string()))?;
    let mut view = ResultsPage::new(page.chrome(), &facts, &q, &results);
    let organisation = page.organisation.clone();
    let signals = page
        .state
        .db
        .run(move |conn| crate::vpo::signals::for_round(conn, &organisation, &row))
        .await?;
    view.vpo = signals.map(|s| VpoReportsView::new(page.lang, &q, &s));
    Ok(html(StatusCode::OK, &view))
}
