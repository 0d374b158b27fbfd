//! The survey round pages: the list with a form to start a round, and one round with its
//! invitations, response rate, hand-out log, exports and shares.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::db::rounds as store;
use crate::domain::round::RoundStatus;
use crate::error::AppError;
use crate::http::api::rounds::{
    self as round_ops, InvitationRequest, NewRoundBody, invitations_download,
};
use crate::http::api::units as unit_ops;
use crate::http::auth::Member;
use crate::http::page::{OrgPage, missing_counsellor, see_other};
use crate::render::pages::{ExportLine, RoundPage, RoundsPage, html};

async fn list_page(
    page: &OrgPage,
    status: StatusCode,
    errors: Vec<String>,
) -> Result<HttpResponse, AppError> {
    let organisation = page.organisation.clone();
    let rounds = page
        .state
        .db
        .run(move |conn| store::list(conn, &organisation).map_err(AppError::from))
        .await?;
    let units = unit_ops::list(&page.state, page.organisation.clone()).await?;
    let questionnaires = page
        .state
        .catalog
        .entries()
        .iter()
        .map(|e| {
            (
                e.questionnaire.id.clone(),
                e.questionnaire
                    .title
                    .get(page.lang.code())
                    .cloned()
                    .unwrap_or_default(),
            )
        })
        .collect();
    Ok(html(
        status,
        &RoundsPage {
            chrome: page.chrome(),
            rounds: rounds
                .iter()
                .map(|r| {
                    (
                        r.id.clone(),
                        r.name.clone(),
                        page.lang
                            .t(&format!("rounds.status.{}", r.status()))
                            .into_owned(),
                    )
                })
                .collect(),
            units: units.into_iter().map(|u| (u.id, u.path)).collect(),
            questionnaires,
            errors,
            vpo_missing: missing_counsellor(&page.state, &page.principal).await?,
        },
    ))
}

pub async fn show_rounds(page: OrgPage) -> Result<HttpResponse, AppError> {
    list_page(&page, StatusCode::OK, vec![]).await
}

/// Field names of validation problems become messages in the page's language.
fn messages(page: &OrgPage, err: AppError) -> Result<Vec<String>, AppError> {
    match err {
        AppError::Validation(fields) => Ok(fields
            .iter()
            .map(|f| {
                page.lang
                    .t(&format!("rounds.errors.{}", f.field))
                    .into_owned()
            })
            .collect()),
        AppError::Conflict(_) => Ok(vec![page.lang.t("rounds.errors.state").into_owned()]),
        other => Err(other),
    }
}

pub async fn add_round(
    page: OrgPage,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let fields = form.into_inner();
    let field = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let body = NewRoundBody {
        name: field("name"),
        questionnaire_id: field("questionnaire_id"),
        languages: None,
        unit_ids: fields
            .iter()
            .filter(|(n, v)| n == "unit_id" && !v.is_empty())
            .map(|(_, v)| v.clone())
            .collect(),
        min_group_size: Some(field("min_group_size").parse().unwrap_or(0)),
        opens_at: None,
        closes_at: None,
    };
    if body.name.is_empty() || body.name.chars().count() > 200 {
        let errors = vec![page.lang.t("rounds.errors.name").into_owned()];
        return list_page(&page, StatusCode::UNPROCESSABLE_ENTITY, errors).await;
    }
    match round_ops::create(&page.state, page.organisation.clone(), body).await {
        Ok(round) => Ok(see_other(&format!("/rounds/{}", round.id))),
        Err(err) => {
            let errors = messages(&page, err)?;
            list_page(&page, StatusCode::UNPROCESSABLE_ENTITY, errors).await
        }
    }
}

async fn round_page(
    page: &OrgPage,
    id: String,
    status: StatusCode,
    errors: Vec<String>,
) -> Result<HttpResponse, AppError> {
    round_page_with(page, id, status, errors, None).await
}

/// The round's page, with the link of a share just made (shown this once).
pub(super) async fn round_page_with(
    page: &OrgPage,
    id: String,
    status: StatusCode,
    errors: Vec<String>,
    new_link: Option<String>,
) -> Result<HttpResponse, AppError> {
    let (row, progress) =
        round_ops::progress(&page.state, page.organisation.clone(), id.clone()).await?;
    let organisation = page.organisation.clone();
    let round_id = id.clone();
    let (handouts, covered, exports) = page
        .state
        .db
        .run(move |conn| -> Result<_, AppError> {
            let handouts = store::handouts(conn, &organisation, &round_id)?;
            let exports = crate::db::exports::list(conn, &organisation, &round_id)?
                .into_iter()
                .map(|export| {
                    let formats = crate::db::exports::formats(conn, &export)?
                        .into_iter()
                        .map(|(format, _, _)| format)
                        .collect();
                    Ok(ExportLine {
                        created: crate::http::api::utc(export.created_at),
                        id: export.id,
                        lang: export.lang,
                        formats,
                    })
                })
                .collect::<Result<Vec<_>, AppError>>()?;
            let covered = if row_status(conn, &organisation, &round_id)? == RoundStatus::Draft {
                let tree = crate::db::units::tree(conn, &organisation)?;
                let chosen = store::chosen_units(conn, &organisation, &round_id)?;
                crate::domain::round::covered_units(&tree, &chosen)
            } else {
                store::get(conn, &organisation, &round_id)?
                    .map(|r| r.frozen_units())
                    .unwrap_or_default()
            };
            Ok((handouts, covered, exports))
        })
        .await?;
    let lang = page.lang;
    let shares =
        crate::http::api::shares::list(&page.state, page.organisation.clone(), Some(id.clone()))
            .await?
            .into_iter()
            .map(|share| super::shares::line(lang, share))
            .collect();
    Ok(html(
        status,
        &RoundPage {
            chrome: page.chrome(),
            id,
            name: row.name.clone(),
            status: row.status(),
            status_text: lang
                .t(&format!("rounds.status.{}", row.status()))
                .into_owned(),
            digest: row.questionnaire_digest.clone().unwrap_or_default(),
            questionnaire: row.questionnaire_id.clone(),
            k: row.k().get(),
            units: covered.into_iter().map(|u| (u.id, u.path)).collect(),
            invited: progress.invited,
            responded: progress.responded,
            progress: progress
                .units
                .into_iter()
                .map(|u| (u.path, u.invited, u.responded))
                .collect(),
            handouts: handouts
                .into_iter()
                .map(|h| (crate::http::api::utc(h.created_at), h.user_email, h.count))
                .collect(),
            exports,
            errors,
            shares,
            new_link,
            expiry_range: super::shares::expiry_range(crate::calendar::today()),
        },
    ))
}

fn row_status(
    conn: &mut crate::db::DbConnection,
    organisation: &crate::domain::OrganisationId,
    id: &str,
) -> Result<RoundStatus, AppError> {
    store::get(conn, organisation, id)?
        .map(|r| r.status())
        .ok_or_else(|| AppError::NotFound("no such round".into()))
}

#[derive(serde::Deserialize)]
pub struct ExportForm {
    lang: crate::i18n::Lang,
}

/// Makes the round's export in the chosen language and shows it in the round's list.
pub async fn make_export(
    page: OrgPage,
    member: Member,
    path: web::Path<String>,
    form: web::Form<ExportForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    crate::http::api::exports::make(&page.state, member, id.clone(), form.lang).await?;
    Ok(see_other(&format!("/rounds/{id}#exports")))
}

pub async fn show_round(page: OrgPage, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    round_page(&page, path.into_inner(), StatusCode::OK, vec![]).await
}

pub async fn open_round(page: OrgPage, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    match round_ops::open(&page.state, page.organisation.clone(), id.clone()).await {
        Ok(_) => Ok(see_other(&format!("/rounds/{id}"))),
        Err(err) => {
            let errors = messages(&page, err)?;
            round_page(&page, id, StatusCode::CONFLICT, errors).await
        }
    }
}

pub async fn close_round(page: OrgPage, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    match round_ops::close(&page.state, page.organisation.clone(), id.clone()).await {
        Ok(_) => Ok(see_other(&format!("/rounds/{id}"))),
        Err(err) => {
            let errors = messages(&page, err)?;
            round_page(&page, id, StatusCode::CONFLICT, errors).await
        }
    }
}

#[derive(Deserialize)]
pub struct InvitationForm {
    #[serde(default)]
    unit_id: String,
    count: String,
}

/// Makes invitations and hands them out once, as a CSV download.
pub async fn download_invitations(
    page: OrgPage,
    member: Member,
    path: web::Path<String>,
    form: web::Form<InvitationForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let form = form.into_inner();
    let request = InvitationRequest {
        unit_id: Some(form.unit_id).filter(|u| !u.is_empty()),
        count: form.count.trim().parse().unwrap_or(0),
    };
    let result = if (1..=10_000).contains(&request.count) {
        round_ops::invite(&page.state, &member, id.clone(), request).await
    } else {
        Err(AppError::field("count", "out of range"))
    };
    match result {
        Ok(invitations) => Ok(invitations_download(StatusCode::OK, &invitations)),
        Err(err) => {
            let errors = messages(&page, err)?;
            round_page(&page, id, StatusCode::UNPROCESSABLE_ENTITY, errors).await
        }
    }
}
