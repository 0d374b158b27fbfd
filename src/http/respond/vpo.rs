//! The organisation's public information page about its confidential counsellors
//! (`/o/{public_id}/vpo-info`) and their photos: for anyone, without login or cookie.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::{frame, language};
use crate::db::{counsellors, organisations};
use crate::domain::{CounsellorId, Organisation};
use crate::error::AppError;
use crate::http::AppState;
use crate::http::api::counsellors::{photo_path, photo_response};
use crate::i18n::Lang;
use crate::render::pages::html;
use crate::render::respond::{CounsellorCard, VpoInfoPage};

fn no_such_organisation() -> AppError {
    AppError::NotFound("no such organisation".into())
}

async fn organisation(state: &AppState, public_id: String) -> Result<Organisation, AppError> {
    state
        .db
        .run(move |conn| organisations::find_public(conn, &public_id).map_err(AppError::from))
        .await?
        .ok_or_else(no_such_organisation)
}

/// `GET /o/{public_id}/vpo-info`: who the counsellors are, how to reach them, what they do and
/// do not do, how far confidentiality goes, and where else to turn.
pub async fn show_info(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let organisation = organisation(&state, path.into_inner()).await?;
    let id = organisation.id.clone();
    let registered = state
        .db
        .run(move |conn| counsellors::list(conn, &id).map_err(AppError::from))
        .await?;
    let lang = language(&req, &[], &Lang::ALL);
    let name = organisation.settings.name.to_string();
    let cards = registered
        .iter()
        .map(|c| {
            let photo = c.photo.map(|_| photo_path(&organisation.public_id, &c.id));
            CounsellorCard::new(lang, c, photo)
        })
        .collect();
    let title = lang.t("vpo_info.title");
    let page = VpoInfoPage::new(
        frame(lang, Lang::ALL.to_vec(), format!("{title} · {name}")),
        &name,
        cards,
    );
    Ok(html(StatusCode::OK, &page))
}

/// `GET /o/{public_id}/counsellors/{id}/photo`: a counsellor's photo, as the information page
/// shows it.
pub async fn show_photo(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (public_id, id) = path.into_inner();
    let organisation = organisation(&state, public_id).await?;
    let id = CounsellorId::new(id);
    state
        .db
        .run(move |conn| counsellors::photo(conn, &organisation.id, &id).map_err(AppError::from))
        .await?
        .map(photo_response)
        .ok_or_else(|| AppError::NotFound("no such photo".into()))
}
