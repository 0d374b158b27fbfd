//! `/verify`: anyone checks whether an export file is authentic, by uploading it with its
//! detached signature. Nothing is stored; the answer names the key that signed it.

use actix_multipart::Multipart;
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::web;
use futures_util::TryStreamExt;

use crate::error::AppError;
use crate::export::signing::ExportSigner;
use crate::http::AppState;
use crate::http::client::cookieless_lang;
use crate::render::pages::{VerifyPage, html};

/// Largest export file checked.
const FILE_LIMIT: usize = 64 * 1024 * 1024;

pub async fn show_verify(req: actix_web::HttpRequest) -> HttpResponse {
    html(
        StatusCode::OK,
        &VerifyPage::new(cookieless_lang(&req), None),
    )
}

/// The uploaded `file` and `signature` fields, each read up to its limit.
async fn fields(mut form: Multipart) -> Result<(Vec<u8>, Vec<u8>), AppError> {
    let (mut file, mut signature) = (None, None);
    while let Some(mut field) = form
        .try_next()
        .await
        .map_err(|e| AppError::BadRequest(e.to_string()))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        let limit = if name == "signature" {
            1024
        } else {
            FILE_LIMIT
        };
        let mut bytes = Vec::new();
        while let Some(chunk) = field
            .try_next()
            .await
            .map_err(|e| AppError::BadRequest(e.to_string()))?
        {
            if bytes.len() + chunk.len() > limit {
                return Err(AppError::PayloadTooLarge);
            }
            bytes.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "file" => file = Some(bytes),
            "signature" => signature = Some(bytes),
            _ => {}
        }
    }
    match (file, signature) {
        (Some(file), Some(signature)) if !file.is_empty() && !signature.is_empty() => {
            Ok((file, signature))
        }
        _ => Err(AppError::field("file", "send the file and its signature")),
    }
}

pub async fn check_file(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    form: Multipart,
) -> Result<HttpResponse, AppError> {
    let lang = cookieless_lang(&req);
    let (file, signature) = match fields(form).await {
        Ok(fields) => fields,
        Err(AppError::Validation(_)) => {
            let page = VerifyPage::new(lang, Some(Err(lang.t("verify.missing").into_owned())));
            return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
        Err(other) => return Err(other),
    };
    let signer = ExportSigner::new(&state.settings.keys);
    let verdict = match signer.verify(&file, &signature) {
        Some(key) => Ok(lang.t_with(
            "verify.authentic",
            &[("key", &key), ("sha256", &crate::secret::sha256_hex(&file))],
        )),
        None => Err(lang.t("verify.not_authentic").into_owned()),
    };
    Ok(html(StatusCode::OK, &VerifyPage::new(lang, Some(verdict))))
}
