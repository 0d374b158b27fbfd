//! `/api/v1/rounds/{id}/exports` and `/api/v1/exports/…`: the RI&E PSA export of a closed round,
//! made once and stored, served byte for byte with its detached signature; and the public keys
//! that verify it.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::Valid;
use super::shares::{RoundAccess, RoundOf};
use crate::db::exports::{self as store, ExportRow};
use crate::domain::OrganisationId;
use crate::error::{AppError, Refusals};
use crate::export::signing::{ExportSigner, PublicKey};
use crate::export::{Format, Request};
use crate::http::AppState;
use crate::http::auth::Member;
use crate::http::routes::HR;
use crate::i18n::Lang;

type ProblemDoc = crate::error::Problem;

/// One file of an export.
#[derive(Serialize, ToSchema)]
pub struct ExportFileView {
    pub format: String,
    /// Where to download it …
    pub url: String,
    /// … and its detached Ed25519 signature (64 raw bytes).
    pub signature_url: String,
    pub size: i64,
    pub sha256: String,
}

#[derive(Serialize, ToSchema)]
pub struct ExportView {
    pub id: String,
    pub round_id: String,
    pub lang: String,
    pub created_at: String,
    pub created_by: String,
    pub files: Vec<ExportFileView>,
}

fn view(row: ExportRow, files: Vec<(String, i64, String)>) -> ExportView {
    ExportView {
        files: files
            .into_iter()
            .map(|(format, size, sha256)| ExportFileView {
                url: format!("/api/v1/exports/{}.{format}", row.id),
                signature_url: format!("/api/v1/exports/{}.{format}.sig", row.id),
                format,
                size,
                sha256,
            })
            .collect(),
        created_at: crate::db::utc(row.created_at),
        id: row.id,
        round_id: row.round_id,
        lang: row.lang,
        created_by: row.created_by,
    }
}

#[derive(Deserialize, Validate, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct NewExport {
    /// The export's language: `nl` (default) or `en`.
    pub lang: Option<Lang>,
}

/// Makes the RI&E PSA export of a closed round in every format (PDF, XLSX, JSON, CSV in a zip),
/// signs each file and stores it; later downloads give the same bytes.
#[utoipa::path(post, path = "/api/v1/rounds/{id}/exports", tag = "exports",
    params(crate::http::openapi::OrganisationHeader, ("id" = String, Path, description = "Round id")),
    request_body = NewExport,
    responses(
        (status = 201, description = "The stored export", body = ExportView),
        Refusals,
        (status = 404, description = "No such round", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The round is not closed", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn create_export(
    state: web::Data<AppState>,
    member: Member,
    path: web::Path<String>,
    Valid(body): Valid<NewExport>,
) -> Result<HttpResponse, AppError> {
    let view = make(
        &state,
        member,
        path.into_inner(),
        body.lang.unwrap_or_default(),
    )
    .await?;
    Ok(HttpResponse::Created().json(view))
}

/// Makes and stores an export (the API and the HR pages).
pub async fn make(
    state: &AppState,
    member: Member,
    round: String,
    lang: Lang,
) -> Result<ExportView, AppError> {
    let organisation = member.organisation;
    let who = member.user.email.to_string();
    let app = state.clone();
    state
        .db
        .run(move |conn| {
            let signer = ExportSigner::new(&app.settings.keys);
            let id = crate::secret::new_id();
            let request = Request {
                id: &id,
                lang,
                now: crate::db::now(),
            };
            let row = crate::export::make(
                conn,
                &app.catalog,
                &signer,
                &organisation,
                &round,
                request,
                &who,
            )?;
            let files = store::formats(conn, &row)?;
            Ok(view(row, files))
        })
        .await
}

/// A round's stored exports, newest first. An inspector sees only a round shared with their
/// account; other rounds answer 404.
#[utoipa::path(get, path = "/api/v1/rounds/{id}/exports", tag = "exports",
    params(crate::http::openapi::OrganisationHeader, ("id" = String, Path, description = "Round id")),
    responses(
        (status = 200, description = "The exports", body = Vec<ExportView>),
        Refusals,
        (status = 404, description = "No such round", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn list_exports(
    state: web::Data<AppState>,
    member: Member,
    path: web::Path<String>,
) -> Result<web::Json<Vec<ExportView>>, AppError> {
    let round = path.into_inner();
    let access = RoundAccess::check(&state, &member, HR, RoundOf::Id(round.clone())).await?;
    let organisation = member.organisation.clone();
    let what = format!("exports of round {round}");
    let views = state
        .db
        .run(move |conn| {
            crate::db::rounds::get(conn, &organisation, &round)?
                .ok_or_else(|| AppError::NotFound("no such round".into()))?;
            store::list(conn, &organisation, &round)?
                .into_iter()
                .map(|row| {
                    let files = store::formats(conn, &row)?;
                    Ok(view(row, files))
                })
                .collect::<Result<Vec<_>, AppError>>()
        })
        .await?;
    access.record(&state, member.organisation, what).await?;
    Ok(web::Json(views))
}

/// What a download path names: an export, a format, and whether its signature is wanted.
struct FileName {
    id: String,
    format: Format,
    signature: bool,
}

impl FileName {
    fn parse(name: &str) -> Option<FileName> {
        let (name, signature) = match name.strip_suffix(".sig") {
            Some(name) => (name, true),
            None => (name, false),
        };
        let (id, extension) = name.rsplit_once('.')?;
        Some(FileName {
            id: id.to_owned(),
            format: Format::parse(extension)?,
            signature,
        })
    }
}

/// The export a download name (`{id}.pdf`, `{id}.json.sig` …) names.
pub fn export_id(name: &str) -> Option<String> {
    FileName::parse(name).map(|f| f.id)
}

/// Serves a stored file of an export, or its signature.
pub async fn serve(
    state: &AppState,
    organisation: OrganisationId,
    name: &str,
) -> Result<HttpResponse, AppError> {
    let not_found = || {
        AppError::NotFound(
            "no such export file: {id}.pdf, .xlsx, .json or .zip, with .sig for its signature"
                .into(),
        )
    };
    let wanted = FileName::parse(name).ok_or_else(not_found)?;
    let id = wanted.id.clone();
    let format = wanted.format;
    let file = state
        .db
        .run(move |conn| {
            store::file(conn, &organisation, &id, format.extension()).map_err(AppError::from)
        })
        .await?
        .ok_or_else(not_found)?;
    let download = format!("psa-rie-{}.{}", wanted.id, format.extension());
    Ok(if wanted.signature {
        HttpResponse::Ok()
            .content_type("application/octet-stream")
            .insert_header(super::policy::attachment(&format!("{download}.sig")))
            .body(file.signature)
    } else {
        HttpResponse::Ok()
            .content_type(format.content_type())
            .insert_header(super::policy::attachment(&download))
            .body(file.bytes)
    })
}

/// A stored export file (`{id}.pdf`, `.xlsx`, `.json`, `.zip`), or with `.sig` appended its
/// detached Ed25519 signature: the same bytes every time. An inspector reaches only the exports
/// of rounds shared with their account; every download of theirs is logged.
#[utoipa::path(get, path = "/api/v1/exports/{file}", tag = "exports",
    params(crate::http::openapi::OrganisationHeader,
        ("file" = String, Path, description = "`{id}.pdf`, `{id}.xlsx`, `{id}.json` or `{id}.zip`, optionally with `.sig`", example = "Ic8PjuDFcBhgYWRNN5vFlQ.pdf")),
    responses(
        (status = 200, description = "The file", content(
            (Vec<u8> = "application/pdf"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (Vec<u8> = "application/json"),
            (Vec<u8> = "application/zip"),
            (Vec<u8> = "application/octet-stream"),
        )),
        Refusals,
        (status = 404, description = "No such export or format", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn get_export_file(
    state: web::Data<AppState>,
    member: Member,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let name = path.into_inner();
    let export = export_id(&name).unwrap_or_default();
    let access = RoundAccess::check(&state, &member, HR, RoundOf::Export(export)).await?;
    let file = serve(&state, member.organisation.clone(), &name).await?;
    access
        .record(&state, member.organisation, format!("export {name}"))
        .await?;
    Ok(file)
}

#[derive(Serialize, ToSchema)]
pub struct SigningKeys {
    /// The current key first, then retired ones.
    pub keys: Vec<PublicKey>,
}

/// The public keys that verify exports, retired ones included.
#[utoipa::path(get, path = "/api/v1/signing-key", tag = "exports",
    responses((status = 200, description = "The keys", body = SigningKeys)))]
pub async fn get_signing_keys(state: web::Data<AppState>) -> web::Json<SigningKeys> {
    web::Json(SigningKeys {
        keys: ExportSigner::new(&state.settings.keys).public_keys(),
    })
}
