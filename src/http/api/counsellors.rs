//! `/api/v1/counsellors`: the profiles of the organisation's confidential counsellors and their
//! photos, kept by an admin or a counsellor and shown to employees on `/o/{public_id}/vpo-info`.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

use super::{Valid, utc};
use crate::db::{DbConnection, counsellors as store, organisations};
use crate::domain::counsellor::{
    Availability, Counsellor, CounsellorError, CounsellorKind, CounsellorName, CounsellorProfile,
    Gender, Languages, PhoneNumber, Photo, SpokenLanguage, counsellor_missing, optional,
    parse_email,
};
use crate::domain::{CounsellorId, OrganisationId};
use crate::error::{AppError, Refusals};
use crate::http::AppState;
use crate::http::auth::Member;

type ProblemDoc = crate::error::Problem;

/// A counsellor as the API shows them.
#[derive(Serialize, ToSchema)]
pub struct CounsellorView {
    pub id: String,
    pub name: String,
    pub kind: CounsellorKind,
    pub gender: Option<Gender>,
    /// ISO 639-1 codes, in the order given.
    pub languages: Vec<SpokenLanguage>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub availability: Option<String>,
    /// The photo's public address (as shown on the information page); absent without a photo.
    pub photo_url: Option<String>,
    /// The organisation's public information page that shows this counsellor.
    pub info_url: String,
    pub created_at: String,
    pub updated_at: String,
}

/// The public path of a counsellor's photo.
pub fn photo_path(public_id: &str, id: &CounsellorId) -> String {
    format!("/o/{public_id}/counsellors/{id}/photo")
}

/// The public path of the organisation's information page.
pub fn info_path(public_id: &str) -> String {
    format!("/o/{public_id}/vpo-info")
}

impl CounsellorView {
    fn new(state: &AppState, public_id: &str, counsellor: Counsellor) -> CounsellorView {
        let profile = counsellor.profile;
        CounsellorView {
            photo_url: counsellor.photo.map(|_| {
                state
                    .settings
                    .public_link(&photo_path(public_id, &counsellor.id))
            }),
            info_url: state.settings.public_link(&info_path(public_id)),
            id: counsellor.id.into_inner(),
            name: profile.name.as_str().to_owned(),
            kind: profile.kind,
            gender: profile.gender,
            languages: profile.languages.as_slice().to_vec(),
            phone: profile.phone.map(|p| p.as_str().to_owned()),
            email: profile.email.map(|e| e.as_str().to_owned()),
            availability: profile.availability.map(|a| a.as_str().to_owned()),
            created_at: utc(counsellor.created_at),
            updated_at: utc(counsellor.updated_at),
        }
    }
}

fn no_such_counsellor() -> AppError {
    AppError::NotFound("no such counsellor".into())
}

/// Runs `work` in one transaction; with the organisation's public id, for the links of views.
async fn in_organisation<T: Send + 'static>(
    state: &AppState,
    organisation: OrganisationId,
    work: impl FnOnce(&mut DbConnection, &OrganisationId) -> Result<T, AppError> + Send + 'static,
) -> Result<(String, T), AppError> {
    state
        .db
        .run(move |conn| {
            conn.write_transaction(|conn| {
                let public_id = organisations::get(conn, &organisation)?
                    .ok_or_else(|| AppError::NotFound("no such organisation".into()))?
                    .public_id;
                Ok((public_id, work(conn, &organisation)?))
            })
        })
        .await
}

/// Runs `work` on one counsellor of the organisation and shows the result.
async fn on_counsellor(
    state: &AppState,
    organisation: OrganisationId,
    work: impl FnOnce(&mut DbConnection, &OrganisationId) -> Result<Option<Counsellor>, AppError>
    + Send
    + 'static,
) -> Result<CounsellorView, AppError> {
    let (public_id, counsellor) = in_organisation(state, organisation, work).await?;
    let counsellor = counsellor.ok_or_else(no_such_counsellor)?;
    Ok(CounsellorView::new(state, &public_id, counsellor))
}

/// The organisation's counsellors, by name.
#[utoipa::path(get, path = "/api/v1/counsellors", tag = "counsellors",
    params(crate::http::openapi::OrganisationHeader),
    responses(
        (status = 200, description = "The counsellors, by name", body = Vec<CounsellorView>),
        Refusals,
    ))]
pub async fn list_counsellors(
    state: web::Data<AppState>,
    member: Member,
) -> Result<web::Json<Vec<CounsellorView>>, AppError> {
    let (public_id, counsellors) = in_organisation(&state, member.organisation, |conn, org| {
        Ok(store::list(conn, org)?)
    })
    .await?;
    Ok(web::Json(
        counsellors
            .into_iter()
            .map(|c| CounsellorView::new(&state, &public_id, c))
            .collect(),
    ))
}

/// A domain rule's verdict, as the validator reports it.
fn verdict<T>(result: Result<T, CounsellorError>) -> Result<(), ValidationError> {
    result
        .map(drop)
        .map_err(|e| ValidationError::new("invalid").with_message(e.to_string().into()))
}

fn check_name(raw: &str) -> Result<(), ValidationError> {
    verdict(CounsellorName::parse(raw))
}

fn check_kind(raw: &str) -> Result<(), ValidationError> {
    verdict(raw.parse::<CounsellorKind>())
}

fn check_gender(raw: &str) -> Result<(), ValidationError> {
    verdict(parse_gender(Some(raw)))
}

fn check_languages(raw: &[String]) -> Result<(), ValidationError> {
    verdict(Languages::parse(raw))
}

fn check_phone(raw: &str) -> Result<(), ValidationError> {
    verdict(optional(Some(raw), PhoneNumber::parse))
}

fn check_email(raw: &str) -> Result<(), ValidationError> {
    verdict(optional(Some(raw), parse_email))
}

fn check_availability(raw: &str) -> Result<(), ValidationError> {
    verdict(optional(Some(raw), Availability::parse))
}

fn parse_gender(raw: Option<&str>) -> Result<Option<Gender>, CounsellorError> {
    optional(raw, str::parse)
}

/// A new counsellor. Optional fields may be left out (or blank).
#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCounsellor {
    /// 1 to 100 characters.
    #[validate(custom(function = "check_name"))]
    pub name: String,
    #[schema(value_type = CounsellorKind)]
    #[validate(custom(function = "check_kind"))]
    pub kind: String,
    #[schema(value_type = Option<Gender>)]
    #[validate(custom(function = "check_gender"))]
    pub gender: Option<String>,
    /// At least one.
    #[schema(value_type = Vec<SpokenLanguage>, min_items = 1)]
    #[validate(custom(function = "check_languages"))]
    pub languages: Vec<String>,
    /// 6 to 20 characters: digits, spaces, `+`, `-`, `(` and `)`.
    #[validate(custom(function = "check_phone"))]
    pub phone: Option<String>,
    #[validate(custom(function = "check_email"))]
    pub email: Option<String>,
    /// When and how to reach them, up to 500 characters ("ma–do 9–17 uur").
    #[validate(custom(function = "check_availability"))]
    pub availability: Option<String>,
}

/// Changes to a counsellor; absent fields stay as they are, `null` clears an optional one.
#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CounsellorChanges {
    #[validate(custom(function = "check_name"))]
    pub name: Option<String>,
    #[schema(value_type = Option<CounsellorKind>)]
    #[validate(custom(function = "check_kind"))]
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "super::present")]
    #[schema(value_type = Option<Gender>)]
    #[validate(custom(function = "check_gender"))]
    pub gender: Option<Option<String>>,
    #[schema(value_type = Option<Vec<SpokenLanguage>>, min_items = 1)]
    #[validate(custom(function = "check_languages"))]
    pub languages: Option<Vec<String>>,
    #[serde(default, deserialize_with = "super::present")]
    #[schema(value_type = Option<String>)]
    #[validate(custom(function = "check_phone"))]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::present")]
    #[schema(value_type = Option<String>)]
    #[validate(custom(function = "check_email"))]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::present")]
    #[schema(value_type = Option<String>)]
    #[validate(custom(function = "check_availability"))]
    pub availability: Option<Option<String>>,
}

/// A domain rule's verdict on a field, as a problem naming it. The validator has already
/// reported every bad field at once; this keeps the conversion honest.
fn named<T>(field: &str, result: Result<T, CounsellorError>) -> Result<T, AppError> {
    result.map_err(|e| AppError::field(field, e))
}

impl NewCounsellor {
    fn profile(&self) -> Result<CounsellorProfile, AppError> {
        Ok(CounsellorProfile {
            name: named("name", CounsellorName::parse(&self.name))?,
            kind: named("kind", self.kind.parse())?,
            gender: named("gender", parse_gender(self.gender.as_deref()))?,
            languages: named("languages", Languages::parse(&self.languages))?,
            phone: named("phone", optional(self.phone.as_deref(), PhoneNumber::parse))?,
            email: named("email", optional(self.email.as_deref(), parse_email))?,
            availability: named(
                "availability",
                optional(self.availability.as_deref(), Availability::parse),
            )?,
        })
    }
}

impl CounsellorChanges {
    /// The profile with these changes applied.
    fn apply(&self, mut profile: CounsellorProfile) -> Result<CounsellorProfile, AppError> {
        if let Some(name) = &self.name {
            profile.name = named("name", CounsellorName::parse(name))?;
        }
        if let Some(kind) = &self.kind {
            profile.kind = named("kind", kind.parse())?;
        }
        if let Some(gender) = &self.gender {
            profile.gender = named("gender", parse_gender(gender.as_deref()))?;
        }
        if let Some(languages) = &self.languages {
            profile.languages = named("languages", Languages::parse(languages))?;
        }
        if let Some(phone) = &self.phone {
            profile.phone = named("phone", optional(phone.as_deref(), PhoneNumber::parse))?;
        }
        if let Some(email) = &self.email {
            profile.email = named("email", optional(email.as_deref(), parse_email))?;
        }
        if let Some(availability) = &self.availability {
            profile.availability = named(
                "availability",
                optional(availability.as_deref(), Availability::parse),
            )?;
        }
        Ok(profile)
    }
}

/// Registers a counsellor.
#[utoipa::path(post, path = "/api/v1/counsellors", tag = "counsellors",
    params(crate::http::openapi::OrganisationHeader),
    request_body = NewCounsellor,
    responses(
        (status = 201, description = "The new counsellor", body = CounsellorView),
        (status = 400, description = "Malformed body", body = ProblemDoc, content_type = "application/problem+json"),
        Refusals,
        (status = 422, description = "Invalid fields, each named", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn create_counsellor(
    state: web::Data<AppState>,
    member: Member,
    Valid(body): Valid<NewCounsellor>,
) -> Result<HttpResponse, AppError> {
    let profile = body.profile()?;
    let view = on_counsellor(&state, member.organisation, move |conn, org| {
        Ok(Some(store::create(conn, org, &profile)?))
    })
    .await?;
    Ok(HttpResponse::Created().json(view))
}

/// Changes a counsellor's profile.
#[utoipa::path(patch, path = "/api/v1/counsellors/{id}", tag = "counsellors",
    params(crate::http::openapi::OrganisationHeader, ("id" = String, Path, description = "Counsellor id")),
    request_body = CounsellorChanges,
    responses(
        (status = 200, description = "The changed counsellor", body = CounsellorView),
        (status = 400, description = "Malformed body", body = ProblemDoc, content_type = "application/problem+json"),
        Refusals,
        (status = 404, description = "No such counsellor", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, each named", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn update_counsellor(
    state: web::Data<AppState>,
    member: Member,
    path: web::Path<String>,
    Valid(body): Valid<CounsellorChanges>,
) -> Result<web::Json<CounsellorView>, AppError> {
    let id = CounsellorId::new(path.into_inner());
    on_counsellor(&state, member.organisation, move |conn, org| {
        let Some(current) = store::get(conn, org, &id)? else {
            return Ok(None);
        };
        let profile = body.apply(current.profile)?;
        Ok(store::update(conn, org, &id, &profile)?)
    })
    .await
    .map(web::Json)
}

/// Removes a counsellor and their photo.
#[utoipa::path(delete, path = "/api/v1/counsellors/{id}", tag = "counsellors",
    params(crate::http::openapi::OrganisationHeader, ("id" = String, Path, description = "Counsellor id")),
    responses(
        (status = 204, description = "Removed"),
        Refusals,
        (status = 404, description = "No such counsellor", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn delete_counsellor(
    state: web::Data<AppState>,
    member: Member,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = CounsellorId::new(path.into_inner());
    let (_, deleted) = in_organisation(&state, member.organisation, move |conn, org| {
        Ok(store::delete(conn, org, &id)?)
    })
    .await?;
    if !deleted {
        return Err(no_such_counsellor());
    }
    Ok(HttpResponse::NoContent().finish())
}

/// Sets a counsellor's photo: the body is the image, a JPEG or PNG (known by its first bytes,
/// whatever the `Content-Type` says) of at most 1 MiB.
#[utoipa::path(put, path = "/api/v1/counsellors/{id}/photo", tag = "counsellors",
    params(crate::http::openapi::OrganisationHeader, ("id" = String, Path, description = "Counsellor id")),
    request_body(description = "The image's bytes", content(
        (Vec<u8> = "image/jpeg"),
        (Vec<u8> = "image/png"),
    )),
    responses(
        (status = 200, description = "The counsellor, with the photo's address", body = CounsellorView),
        Refusals,
        (status = 404, description = "No such counsellor", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Larger than 1 MiB", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Empty, or not a JPEG or PNG (field `photo`)", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn put_photo(
    state: web::Data<AppState>,
    member: Member,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<web::Json<CounsellorView>, AppError> {
    let bytes = payload
        .to_bytes_limited(Photo::MAX_BYTES)
        .await
        .map_err(|_| AppError::PayloadTooLarge)?
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    let photo = Photo::parse(bytes.to_vec()).map_err(|e| AppError::field("photo", e))?;
    let id = CounsellorId::new(path.into_inner());
    on_counsellor(&state, member.organisation, move |conn, org| {
        store::set_photo(conn, org, &id, Some(&photo))?;
        Ok(store::get(conn, org, &id)?)
    })
    .await
    .map(web::Json)
}

/// The image of a photo, with its type; never sniffed by the browser as anything else.
pub fn photo_response(photo: Photo) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(photo.kind.content_type())
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(photo.bytes)
}

/// A counsellor's photo.
#[utoipa::path(get, path = "/api/v1/counsellors/{id}/photo", tag = "counsellors",
    params(crate::http::openapi::OrganisationHeader, ("id" = String, Path, description = "Counsellor id")),
    responses(
        (status = 200, description = "The photo", content(
            (Vec<u8> = "image/jpeg"),
            (Vec<u8> = "image/png"),
        )),
        Refusals,
        (status = 404, description = "No such counsellor, or no photo", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn get_photo(
    state: web::Data<AppState>,
    member: Member,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = CounsellorId::new(path.into_inner());
    let organisation = member.organisation;
    state
        .db
        .run(move |conn| store::photo(conn, &organisation, &id).map_err(AppError::from))
        .await?
        .map(photo_response)
        .ok_or_else(|| AppError::NotFound("no such counsellor, or no photo".into()))
}

/// Removes a counsellor's photo (removing a photo that is not there changes nothing).
#[utoipa::path(delete, path = "/api/v1/counsellors/{id}/photo", tag = "counsellors",
    params(crate::http::openapi::OrganisationHeader, ("id" = String, Path, description = "Counsellor id")),
    responses(
        (status = 204, description = "Removed"),
        Refusals,
        (status = 404, description = "No such counsellor", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn delete_photo(
    state: web::Data<AppState>,
    member: Member,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = CounsellorId::new(path.into_inner());
    let (_, found) = in_organisation(&state, member.organisation, move |conn, org| {
        Ok(store::set_photo(conn, org, &id, None)?)
    })
    .await?;
    if !found {
        return Err(no_such_counsellor());
    }
    Ok(HttpResponse::NoContent().finish())
}

/// When the organisation is expected to have a confidential counsellor and has none registered
/// (HR's pages then say so): the path of its information page.
pub async fn missing(
    state: &AppState,
    organisation: OrganisationId,
) -> Result<Option<String>, AppError> {
    state
        .db
        .run(move |conn| -> Result<_, AppError> {
            let Some(found) = organisations::get(conn, &organisation)? else {
                return Ok(None);
            };
            let registered = store::count(conn, &organisation)?;
            Ok(
                counsellor_missing(&found.settings, registered)
                    .then(|| info_path(&found.public_id)),
            )
        })
        .await
}
