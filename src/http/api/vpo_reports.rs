//! The confidential counsellor's anonymous annual report (`/api/v1/vpo/reports/…`), for `vpo`
//! accounts only: the counsellors' recommendations per year, finalising the report, the report
//! as HTML, PDF or CSV, and a recommendation sent to HR as a proposed plan item. Handlers parse
//! and call `vpo::report`.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::Valid;
use super::vpo::as_counsellor;
use crate::error::{AppError, Refusals};
use crate::http::AppState;
use crate::http::auth::Member;
use crate::i18n::Lang;
use crate::vpo::report::{self, ReportFormat, ReportState};

type ProblemDoc = crate::error::Problem;

fn year_of(path: &str) -> Result<i32, AppError> {
    path.parse::<i32>()
        .ok()
        .filter(|y| y.to_string() == path)
        .ok_or_else(|| AppError::NotFound("no such report: give a year, such as 2026".into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecommendationsBody {
    /// The counsellors' recommendations, at most 10,000 characters; blank lines separate
    /// paragraphs. No names, units, dates or quotes: the report goes to management and the works
    /// council.
    pub text: String,
}

/// Replaces the recommendations of a year's report, until the report is finalised.
#[utoipa::path(put, path = "/api/v1/vpo/reports/{year}/recommendations", tag = "vpo",
    params(crate::http::openapi::OrganisationHeader, ("year" = i32, Path, description = "The report year")),
    request_body = RecommendationsBody,
    responses(
        (status = 200, description = "The report's recommendations as stored", body = ReportState),
        (status = 404, description = "Not a year", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The report is finalised", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Too long", body = ProblemDoc, content_type = "application/problem+json"),
        Refusals,
    ))]
pub async fn put_recommendations(
    state: web::Data<AppState>,
    member: Member,
    path: web::Path<String>,
    body: web::Json<RecommendationsBody>,
) -> Result<web::Json<ReportState>, AppError> {
    let year = year_of(&path)?;
    let text = body.into_inner().text;
    as_counsellor(&state, member, move |conn, _, who| {
        report::recommend(conn, who, year, &text)
    })
    .await
    .map(web::Json)
}

/// Finalises a year's report: from then on its recommendations cannot change.
#[utoipa::path(post, path = "/api/v1/vpo/reports/{year}/finalise", tag = "vpo",
    params(crate::http::openapi::OrganisationHeader, ("year" = i32, Path, description = "The report year")),
    responses(
        (status = 200, description = "The report, finalised", body = ReportState),
        (status = 404, description = "Not a year", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Already finalised", body = ProblemDoc, content_type = "application/problem+json"),
        Refusals,
    ))]
pub async fn finalise_report(
    state: web::Data<AppState>,
    member: Member,
    path: web::Path<String>,
) -> Result<web::Json<ReportState>, AppError> {
    let year = year_of(&path)?;
    as_counsellor(&state, member, move |conn, _, who| {
        report::finalise(conn, who, year)
    })
    .await
    .map(web::Json)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// Language of the report: `nl` (default) or `en`.
    pub lang: Option<Lang>,
}

/// The anonymous annual report of a year: contacts against in-scope reports, reports per
/// category, source and quarter, actions and referrals, the categories against the year before
/// (with a chart), and the counsellors' recommendations. Counts from 1 to 4 print as "< 5",
/// counts hidden so that no small count follows from a total as "x". No names, units, cases or
/// dates. `html`: a standalone printable page; `pdf`: A4; `csv`: one file with a section per
/// table (`;` and Dutch labels, or `,` and English). Every read is logged in the VPO access log.
#[utoipa::path(get, path = "/api/v1/vpo/reports/{file}", tag = "vpo",
    params(crate::http::openapi::OrganisationHeader,
        ("file" = String, Path, description = "The year with `.html`, `.pdf` or `.csv`", example = "2026.pdf"),
        ReportQuery),
    responses(
        (status = 200, description = "The report", content(
            (String = "text/html"),
            (Vec<u8> = "application/pdf"),
            (String = "text/csv"),
        )),
        (status = 400, description = "A year out of range, or an unknown language", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "Not a year with a known format", body = ProblemDoc, content_type = "application/problem+json"),
        Refusals,
    ))]
pub async fn get_report(
    state: web::Data<AppState>,
    member: Member,
    path: web::Path<String>,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, AppError> {
    let (year, format) = ReportFormat::parse_file(&path).ok_or_else(|| {
        AppError::NotFound("no such report: `{year}.html`, `.pdf` or `.csv`".into())
    })?;
    let lang = query.lang.unwrap_or_default();
    let catalog = state.catalog.clone();
    let bytes = as_counsellor(&state, member, move |conn, _, who| {
        report::read(conn, &catalog, who, year, lang, format)
    })
    .await?;
    let name = format!(
        "psa-vpo-report-{year}-{}.{}",
        lang.code(),
        format.extension()
    );
    let mut response = HttpResponse::Ok();
    response.content_type(format.content_type());
    if format == ReportFormat::Html {
        // The page's own policy: its inline style by hash, its inline chart; nothing else.
        response.insert_header((
            "Content-Security-Policy",
            format!(
                "default-src 'none'; style-src {}; img-src data:; form-action 'none'; \
                 frame-ancestors 'none'; base-uri 'none'",
                crate::render::vpo_report::style_hash()
            ),
        ));
    } else {
        response.insert_header(super::policy::attachment(&name));
    }
    Ok(response.body(bytes))
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposalBody {
    /// A category of the questionnaire, such as `pesten`.
    #[validate(length(min = 1, max = 64))]
    pub category: String,
    /// The recommendation as a measure for the plan (at most 500 characters).
    #[validate(length(min = 1, max = 500))]
    pub text: String,
}

/// The plan item a proposal became.
#[derive(Serialize, ToSchema)]
pub struct ProposalView {
    /// The plan item's id.
    pub id: String,
    pub category: String,
    pub measure: String,
    /// Always `vpo`.
    pub signal: String,
}

/// Sends a recommendation to HR as a proposed item of the plan of action: for the whole
/// organisation, raised by the counsellor's report (`vpo`), with the text as its measure and
/// the category, and no owner yet. Nothing else of the register travels; HR sets the owner,
/// level, priority and deadline.
#[utoipa::path(post, path = "/api/v1/vpo/reports/{year}/proposals", tag = "vpo",
    params(crate::http::openapi::OrganisationHeader, ("year" = i32, Path, description = "The report year")),
    request_body = ProposalBody,
    responses(
        (status = 201, description = "The plan item", body = ProposalView),
        (status = 404, description = "Not a year", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "No such category, or an empty or too long text", body = ProblemDoc, content_type = "application/problem+json"),
        Refusals,
    ))]
pub async fn propose_item(
    state: web::Data<AppState>,
    member: Member,
    path: web::Path<String>,
    Valid(body): Valid<ProposalBody>,
) -> Result<HttpResponse, AppError> {
    let year = year_of(&path)?;
    if body.text.trim().is_empty() {
        return Err(AppError::field("text", "say what the measure is"));
    }
    let catalog = state.catalog.clone();
    let item = as_counsellor(&state, member, move |conn, _, who| {
        report::propose(conn, &catalog, who, year, &body.category, &body.text)
    })
    .await?;
    Ok(HttpResponse::Created().json(ProposalView {
        id: item.id,
        category: item.category,
        measure: item.measure,
        signal: item.signal,
    }))
}
