//! The confidential counsellor's case register (`/api/v1/vpo/…`), for `vpo` accounts only: a
//! counsellor sees the cases assigned to them, hands them over explicitly, and reads the pooled
//! annual figures and the VPO access log. Handlers parse and call `vpo::register`.

use actix_web::{HttpResponse, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::db::vpo as store;
use crate::domain::vpo::case::referral_list;
use crate::domain::vpo::report::AnnualFigures;
use crate::error::{AppError, Refusals};
use crate::http::AppState;
use crate::http::auth::Member;
use crate::vpo::register::{
    self, AccessRequest, CaseChange, CaseSummary, CaseView, Counsellor, NewCase, TEXT_LIMIT,
};
use crate::vpo::sealing::NotesCipher;

type ProblemDoc = crate::error::Problem;

/// Runs `work` as the calling counsellor with the notes cipher, off the async workers.
pub(super) async fn as_counsellor<T, F>(
    state: &AppState,
    member: Member,
    work: F,
) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&mut crate::db::DbConnection, &NotesCipher, &Counsellor<'_>) -> Result<T, AppError>
        + Send
        + 'static,
{
    let caller = Caller {
        organisation: member.organisation,
        user: member.user.id,
        email: member.user.email,
    };
    caller.run(state, work).await
}

/// A counsellor as the request knows them, to act as off the async workers.
pub struct Caller {
    pub organisation: crate::domain::OrganisationId,
    pub user: crate::domain::UserId,
    pub email: String,
}

impl Caller {
    /// Runs `work` as this counsellor with the notes cipher.
    pub async fn run<T, F>(self, state: &AppState, work: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(
                &mut crate::db::DbConnection,
                &NotesCipher,
                &Counsellor<'_>,
            ) -> Result<T, AppError>
            + Send
            + 'static,
    {
        let cipher = NotesCipher::from_keys(&state.settings.keys);
        state
            .db
            .run(move |conn| {
                let who = Counsellor {
                    organisation: &self.organisation,
                    user: &self.user,
                    email: &self.email,
                };
                work(conn, &cipher, &who)
            })
            .await
    }
}

/// The cases assigned to the caller, newest first (no confidential part).
#[utoipa::path(get, path = "/api/v1/vpo/cases", tag = "vpo",
    params(crate::http::openapi::OrganisationHeader),
    responses((status = 200, description = "The caller's cases", body = Vec<CaseSummary>), Refusals))]
pub async fn list_cases(
    state: web::Data<AppState>,
    member: Member,
) -> Result<web::Json<Vec<CaseSummary>>, AppError> {
    as_counsellor(&state, member, |conn, _, who| register::list(conn, who))
        .await
        .map(web::Json)
}

/// Opens a case, assigned to the caller, with a pseudonymous reference (`VPO-2026-001`).
#[utoipa::path(post, path = "/api/v1/vpo/cases", tag = "vpo",
    params(crate::http::openapi::OrganisationHeader),
    request_body = NewCase,
    responses(
        (status = 201, description = "The new case", body = CaseView),
        (status = 422, description = "Invalid facts", body = ProblemDoc, content_type = "application/problem+json"),
        Refusals,
    ))]
pub async fn create_case(
    state: web::Data<AppState>,
    member: Member,
    body: web::Json<NewCase>,
) -> Result<HttpResponse, AppError> {
    let today = crate::calendar::today();
    let case = as_counsellor(&state, member, move |conn, cipher, who| {
        register::create(conn, cipher, who, body.into_inner(), today)
    })
    .await?;
    Ok(HttpResponse::Created().json(case))
}

/// A case with its notes, agreements and case report; the read is logged.
#[utoipa::path(get, path = "/api/v1/vpo/cases/{id}", tag = "vpo",
    params(crate::http::openapi::OrganisationHeader, ("id" = String, Path, description = "The case")),
    responses(
        (status = 200, description = "The case", body = CaseView),
        (status = 404, description = "No case of the caller has this id", body = ProblemDoc, content_type = "application/problem+json"),
        Refusals,
    ))]
pub async fn get_case(
    state: web::Data<AppState>,
    member: Member,
    path: web::Path<String>,
) -> Result<web::Json<CaseView>, AppError> {
    let id = path.into_inner();
    as_counsellor(&state, member, move |conn, cipher, who| {
        register::read(conn, cipher, who, &id)
    })
    .await
    .map(web::Json)
}

/// Changes a case: the fields given replace the stored ones; `status: closed` closes it.
#[utoipa::path(patch, path = "/api/v1/vpo/cases/{id}", tag = "vpo",
    params(crate::http::openapi::OrganisationHeader, ("id" = String, Path, description = "The case")),
    request_body = CaseChange,
    responses(
        (status = 200, description = "The case as changed", body = CaseView),
        (status = 404, description = "No case of the caller has this id", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The confidential parts were destroyed", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Invalid change", body = ProblemDoc, content_type = "application/problem+json"),
        Refusals,
    ))]
pub async fn update_case(
    state: web::Data<AppState>,
    member: Member,
    path: web::Path<String>,
    body: web::Json<CaseChange>,
) -> Result<web::Json<CaseView>, AppError> {
    let id = path.into_inner();
    let today = crate::calendar::today();
    as_counsellor(&state, member, move |conn, cipher, who| {
        register::change(conn, cipher, who, &id, body.into_inner(), today)
    })
    .await
    .map(web::Json)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    /// At most 20,000 characters.
    pub text: String,
    /// The day of the conversation; today when left out.
    #[schema(value_type = Option<String>, format = Date)]
    pub written_on: Option<NaiveDate>,
}

/// Adds a dated note to a case (sealed at rest).
#[utoipa::path(post, path = "/api/v1/vpo/cases/{id}/notes", tag = "vpo",
    params(crate::http::openapi::OrganisationHeader, ("id" = String, Path, description = "The case")),
    request_body = NoteBody,
    responses(
        (status = 201, description = "The case with the note", body = CaseView),
        (status = 404, description = "No case of the caller has this id", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The confidential parts were destroyed", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "An empty, too long or future note", body = ProblemDoc, content_type = "application/problem+json"),
        Refusals,
    ))]
pub async fn add_note(
    state: web::Data<AppState>,
    member: Member,
    path: web::Path<String>,
    body: web::Json<NoteBody>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let today = crate::calendar::today();
    let NoteBody { text, written_on } = body.into_inner();
    let written_on = written_on.unwrap_or(today);
    let case = as_counsellor(&state, member, move |conn, cipher, who| {
        register::add_note(conn, cipher, who, &id, &text, (written_on, today))
    })
    .await?;
    Ok(HttpResponse::Created().json(case))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandoverBody {
    /// The e-mail address of another counsellor (`vpo`) of the organisation.
    pub to: String,
    /// Stay assigned as well (default: no).
    #[serde(default)]
    pub keep: bool,
}

/// Hands a case to another counsellor; logged in the VPO access log.
#[utoipa::path(post, path = "/api/v1/vpo/cases/{id}/handover", tag = "vpo",
    params(crate::http::openapi::OrganisationHeader, ("id" = String, Path, description = "The case")),
    request_body = HandoverBody,
    responses(
        (status = 204, description = "Handed over"),
        (status = 404, description = "No case of the caller has this id", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Not a counsellor of this organisation", body = ProblemDoc, content_type = "application/problem+json"),
        Refusals,
    ))]
pub async fn hand_over_case(
    state: web::Data<AppState>,
    member: Member,
    path: web::Path<String>,
    body: web::Json<HandoverBody>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let HandoverBody { to, keep } = body.into_inner();
    as_counsellor(&state, member, move |conn, _, who| {
        register::hand_over(conn, who, &id, &to, keep)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearQuery {
    /// The report year.
    pub year: i32,
}

/// The annual figures of a year over all counsellors' cases, under the small-count rule.
#[utoipa::path(get, path = "/api/v1/vpo/statistics", tag = "vpo",
    params(crate::http::openapi::OrganisationHeader, YearQuery),
    responses(
        (status = 200, description = "The year's figures", body = AnnualFigures),
        (status = 400, description = "No year, or one out of range", body = ProblemDoc, content_type = "application/problem+json"),
        Refusals,
    ))]
pub async fn get_statistics(
    state: web::Data<AppState>,
    member: Member,
    query: web::Query<YearQuery>,
) -> Result<web::Json<AnnualFigures>, AppError> {
    let year = query.year;
    if !(2000..=9999).contains(&year) {
        return Err(AppError::BadRequest("year is 2000 to 9999".into()));
    }
    as_counsellor(&state, member, move |conn, _, who| {
        register::figures(conn, who, year)
    })
    .await
    .map(web::Json)
}

/// Where the organisation's counsellors refer people: the values a case's `referrals` takes
/// (psa's defaults, such as `company_doctor`, until the organisation sets its own).
#[utoipa::path(get, path = "/api/v1/vpo/referrals", tag = "vpo",
    params(crate::http::openapi::OrganisationHeader),
    responses((status = 200, description = "The referral targets", body = Vec<String>), Refusals))]
pub async fn list_referrals(
    state: web::Data<AppState>,
    member: Member,
) -> Result<web::Json<Vec<String>>, AppError> {
    let organisation = member.organisation;
    let list = state
        .db
        .run(move |conn| store::referrals(conn, &organisation).map_err(AppError::from))
        .await?;
    Ok(web::Json(list))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferralsBody {
    /// 1 to 30 targets of 2 to 60 characters without commas; an empty list restores psa's
    /// defaults. Cases keep the referrals they were given.
    pub referrals: Vec<String>,
}

/// Sets where the organisation's counsellors refer people; logged in the VPO access log.
#[utoipa::path(put, path = "/api/v1/vpo/referrals", tag = "vpo",
    params(crate::http::openapi::OrganisationHeader),
    request_body = ReferralsBody,
    responses(
        (status = 200, description = "The referral targets as stored", body = Vec<String>),
        (status = 422, description = "An invalid list", body = ProblemDoc, content_type = "application/problem+json"),
        Refusals,
    ))]
pub async fn put_referrals(
    state: web::Data<AppState>,
    member: Member,
    body: web::Json<ReferralsBody>,
) -> Result<web::Json<Vec<String>>, AppError> {
    let list = referral_list(&body.referrals).map_err(|e| AppError::field("referrals", e))?;
    as_counsellor(&state, member, move |conn, _, who| {
        conn.write_transaction(|conn| -> Result<Vec<String>, AppError> {
            store::set_referrals(conn, who.organisation, &list)?;
            store::log(
                conn,
                who.organisation,
                who.email,
                None,
                "referral list changed",
            )?;
            Ok(store::referrals(conn, who.organisation)?)
        })
    })
    .await
    .map(web::Json)
}

#[derive(Serialize, ToSchema)]
pub struct VpoAccessView {
    pub at: String,
    /// The counsellor's e-mail address.
    pub actor: String,
    /// The case's reference, when one case was concerned.
    pub case_reference: Option<String>,
    pub what: String,
}

/// The VPO access log: every read and change of a case and every hand-over, newest first (the
/// last 500). It names cases by reference and never holds their contents.
#[utoipa::path(get, path = "/api/v1/vpo/access-log", tag = "vpo",
    params(crate::http::openapi::OrganisationHeader),
    responses((status = 200, description = "The log", body = Vec<VpoAccessView>), Refusals))]
pub async fn get_access_log(
    state: web::Data<AppState>,
    member: Member,
) -> Result<web::Json<Vec<VpoAccessView>>, AppError> {
    let organisation = member.organisation;
    let entries = state
        .db
        .run(move |conn| store::access_log(conn, &organisation, 500).map_err(AppError::from))
        .await?;
    Ok(web::Json(
        entries
            .into_iter()
            .map(|e| VpoAccessView {
                at: crate::db::utc(e.at),
                actor: e.actor,
                case_reference: e.case_reference,
                what: e.what,
            })
            .collect(),
    ))
}

/// A data-subject access request: the case as JSON to hand to the person it is about, with the
/// notes named in `omit_notes` left out and every passage of `redact` replaced by `█████` in the
/// agreements, the case report and the notes (whatever its case, also inside longer words). A
/// download (`{reference}-inzage.json`); logged in the VPO access log.
#[utoipa::path(post, path = "/api/v1/vpo/cases/{id}/access-request", tag = "vpo",
    params(crate::http::openapi::OrganisationHeader, ("id" = String, Path, description = "The case")),
    request_body = AccessRequest,
    responses(
        (status = 200, description = "The redacted case, as an attachment", body = CaseView,
            headers(("Content-Disposition" = String, description = "attachment; filename=\"{reference}-inzage.json\""))),
        (status = 404, description = "No case of the caller has this id", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A passage shorter than 2 characters, or a note the case does not have", body = ProblemDoc, content_type = "application/problem+json"),
        Refusals,
    ))]
pub async fn export_access_request(
    state: web::Data<AppState>,
    member: Member,
    path: web::Path<String>,
    body: web::Json<AccessRequest>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let request = body.into_inner();
    let case = as_counsellor(&state, member, move |conn, cipher, who| {
        register::access_request(conn, cipher, who, &id, &request)
    })
    .await?;
    // References are `VPO-2026-001`: nothing to quote in a file name.
    let file_name = format!("{}-inzage.json", case.reference);
    Ok(HttpResponse::Ok()
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file_name}\""),
        ))
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(case))
}

#[derive(Serialize, ToSchema)]
pub struct DestructionView {
    pub at: String,
    /// The case's reference.
    pub case_reference: String,
    /// Counts and names of the parts destroyed, never their contents.
    #[schema(example = "3 notes, agreements, case report, date of first contact")]
    pub what: String,
    /// `report_finalised` (the report of the case's year was finalised) or `maximum_reached`
    /// (the organisation's maximum after closing passed).
    pub reason: String,
}

/// The destruction log: every case whose notes, agreements and case report were destroyed,
/// newest first (the last 500).
#[utoipa::path(get, path = "/api/v1/vpo/destruction-log", tag = "vpo",
    params(crate::http::openapi::OrganisationHeader),
    responses((status = 200, description = "The log", body = Vec<DestructionView>), Refusals))]
pub async fn get_destruction_log(
    state: web::Data<AppState>,
    member: Member,
) -> Result<web::Json<Vec<DestructionView>>, AppError> {
    let organisation = member.organisation;
    let entries = state
        .db
        .run(move |conn| store::destruction_log(conn, &organisation, 500).map_err(AppError::from))
        .await?;
    Ok(web::Json(
        entries
            .into_iter()
            .map(|e| DestructionView {
                at: crate::db::utc(e.at),
                case_reference: e.case_reference,
                what: e.what,
                reason: e.reason,
            })
            .collect(),
    ))
}

/// The organisation's retention of case files.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VpoSettings {
    /// The longest, in months after closing, that a case's notes, agreements and case report
    /// are kept when the report of its year is not finalised sooner: 1 to 120, default 12.
    #[schema(minimum = 1, maximum = 120, example = 12)]
    pub max_months: i64,
}

/// The organisation's retention maximum.
#[utoipa::path(get, path = "/api/v1/vpo/settings", tag = "vpo",
    params(crate::http::openapi::OrganisationHeader),
    responses((status = 200, description = "The settings", body = VpoSettings), Refusals))]
pub async fn get_settings(
    state: web::Data<AppState>,
    member: Member,
) -> Result<web::Json<VpoSettings>, AppError> {
    let organisation = member.organisation;
    let months = state
        .db
        .run(move |conn| store::max_months(conn, &organisation).map_err(AppError::from))
        .await?;
    Ok(web::Json(VpoSettings {
        max_months: i64::from(months),
    }))
}

/// Sets the organisation's retention maximum; logged in the VPO access log. The next daily
/// sweep (or `psa purge`) applies it.
#[utoipa::path(put, path = "/api/v1/vpo/settings", tag = "vpo",
    params(crate::http::openapi::OrganisationHeader),
    request_body = VpoSettings,
    responses(
        (status = 200, description = "The settings as stored", body = VpoSettings),
        (status = 422, description = "A maximum outside 1 to 120", body = ProblemDoc, content_type = "application/problem+json"),
        Refusals,
    ))]
pub async fn put_settings(
    state: web::Data<AppState>,
    member: Member,
    body: web::Json<VpoSettings>,
) -> Result<web::Json<VpoSettings>, AppError> {
    use crate::domain::vpo::retention::MAX_MONTHS_LIMIT;
    let months = u32::try_from(body.max_months)
        .ok()
        .filter(|m| (1..=MAX_MONTHS_LIMIT).contains(m))
        .ok_or_else(|| {
            AppError::field(
                "max_months",
                format!("a number of months from 1 to {MAX_MONTHS_LIMIT}"),
            )
        })?;
    as_counsellor(&state, member, move |conn, _, who| {
        conn.write_transaction(|conn| -> Result<(), AppError> {
            store::set_max_months(conn, who.organisation, months)?;
            store::log(
                conn,
                who.organisation,
                who.email,
                None,
                &format!("retention maximum set to {months} months"),
            )?;
            Ok(())
        })
    })
    .await?;
    Ok(web::Json(VpoSettings {
        max_months: i64::from(months),
    }))
}

const _: () = assert!(
    TEXT_LIMIT * 3 < super::JSON_LIMIT,
    "a full note fits a request"
);
