//! `/inspect/{share}`: a round's stored exports for an inspector, each file with its signature
//! and the way to verify it; nothing else of the organisation.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::{record, with_share};
use crate::db::shares::ShareRow;
use crate::db::{DbConnection, exports, organisations, rounds};
use crate::domain::OrganisationId;
use crate::domain::share::ShareKind;
use crate::error::AppError;
use crate::http::AppState;
use crate::http::api::exports::{export_id, serve};
use crate::i18n::Lang;
use crate::render::pages::{Chrome, html};
use crate::render::shares::{InspectPage, SharedExport, SharedFile};

pub async fn show_exports(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let secret = path.into_inner();
    with_share(
        &req,
        &state,
        secret.clone(),
        ShareKind::Inspect,
        |share, lang| exports_page(&state, share, lang, secret),
    )
    .await
}

async fn exports_page(
    state: &AppState,
    share: ShareRow,
    lang: Lang,
    secret: String,
) -> Result<HttpResponse, AppError> {
    let organisation = share.organisation();
    let round = share.round_id.clone();
    let (name, round, listed) = state
        .db
        .run(move |conn| -> Result<_, AppError> {
            let gone = || AppError::NotFound("the shared round no longer exists".into());
            let org = organisations::get(conn, &organisation)?.ok_or_else(gone)?;
            let round = rounds::get(conn, &organisation, &round)?.ok_or_else(gone)?;
            let listed = stored_exports(conn, &organisation, &round.id)?;
            Ok((org.settings.name.to_string(), round.name, listed))
        })
        .await?;
    record(state, &share, "inspect page".into()).await?;
    let page = InspectPage::new(
        Chrome::anonymous(lang),
        name,
        &round,
        share.expires_on,
        format!("/inspect/{secret}/files/"),
        listed,
    );
    Ok(html(StatusCode::OK, &page))
}

/// The round's stored exports with their files, newest first.
pub(crate) fn stored_exports(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    round: &str,
) -> Result<Vec<SharedExport>, AppError> {
    exports::list(conn, organisation, round)?
        .into_iter()
        .map(|export| {
            let files = exports::formats(conn, &export)?
                .into_iter()
                .map(|(format, size, sha256)| SharedFile {
                    name: format!("{}.{format}", export.id),
                    format,
                    size,
                    sha256,
                })
                .collect();
            Ok(SharedExport {
                created: crate::db::utc(export.created_at),
                lang: export.lang,
                files,
            })
        })
        .collect()
}

/// `/inspect/{share}/files/{file}`: a file of an export of the shared round, or its signature,
/// byte for byte as HR downloads it.
pub async fn download_file(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (secret, name) = path.into_inner();
    with_share(&req, &state, secret, ShareKind::Inspect, |share, _| {
        file(&state, share, name)
    })
    .await
}

async fn file(state: &AppState, share: ShareRow, name: String) -> Result<HttpResponse, AppError> {
    let (organisation, round) = (share.organisation(), share.round_id.clone());
    let id = export_id(&name).unwrap_or_default();
    let of_round = state
        .db
        .run(move |conn| exports::get(conn, &organisation, &id).map_err(AppError::from))
        .await?
        .is_some_and(|export| export.round_id == round);
    if !of_round {
        return Err(AppError::NotFound("no such file under this share".into()));
    }
    let response = serve(state, share.organisation(), &name).await?;
    record(state, &share, format!("export {name}")).await?;
    Ok(response)
}
