//! `/api/v1/rounds`: survey rounds, their invitations, hand-out log and response rate.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::shares::{RoundAccess, RoundOf};
use super::{Valid, utc};
use crate::db::rounds::{self, NewInvitation, NewRound, RoundRow};
use crate::db::{DbConnection, now, units};
use crate::domain::round::{self, FrozenUnit, MinGroupSize, Progress, RoundStatus, code_from_bits};
use crate::domain::{OrganisationId, UnitId};
use crate::error::{AppError, FieldError};
use crate::http::AppState;
use crate::http::auth::Member;
use crate::http::routes::RESULT_READERS;
use crate::render::formula::neutralised;
use crate::secret::{hmac_hex, new_token, random_bytes};

type ProblemDoc = crate::error::Problem;
use crate::error::Refusals;

#[derive(Serialize, ToSchema)]
pub struct RoundView {
    pub id: String,
    pub name: String,
    pub questionnaire_id: String,
    /// SHA-256 of the questionnaire text frozen when the round opened.
    pub questionnaire_digest: Option<String>,
    pub status: RoundStatus,
    pub languages: Vec<String>,
    /// The anonymity threshold k.
    pub min_group_size: u32,
    pub opens_at: Option<String>,
    pub closes_at: Option<String>,
    pub created_at: String,
    pub opened_at: Option<String>,
    pub closed_at: Option<String>,
    /// The units chosen (each with its sub-units); empty: the whole organisation.
    pub unit_ids: Vec<String>,
}

fn view(row: &RoundRow, unit_ids: Vec<UnitId>) -> RoundView {
    RoundView {
        id: row.id.clone(),
        name: row.name.clone(),
        questionnaire_id: row.questionnaire_id.clone(),
        questionnaire_digest: row.questionnaire_digest.clone(),
        status: row.status(),
        languages: row.languages(),
        min_group_size: row.k().get(),
        opens_at: row.opens_at.map(utc),
        closes_at: row.closes_at.map(utc),
        created_at: utc(row.created_at),
        opened_at: row.opened_at.map(utc),
        closed_at: row.closed_at.map(utc),
        unit_ids: unit_ids.into_iter().map(UnitId::into_inner).collect(),
    }
}

/// The round of this organisation, or 404.
fn round_of(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    id: &str,
) -> Result<RoundRow, AppError> {
    rounds::get(conn, organisation, id)?.ok_or_else(|| AppError::NotFound("no such round".into()))
}

fn round_view(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    row: &RoundRow,
) -> Result<RoundView, AppError> {
    Ok(view(
        row,
        rounds::chosen_units(conn, organisation, &row.id)?,
    ))
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRoundBody {
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    pub name: String,
    pub questionnaire_id: String,
    /// Languages offered; default: all of the questionnaire's.
    pub languages: Option<Vec<String>>,
    /// Units covered, each with its sub-units; default: the whole organisation.
    #[serde(default)]
    pub unit_ids: Vec<String>,
    /// The anonymity threshold k: at least 5, default 10.
    pub min_group_size: Option<i64>,
    /// RFC 3339; the round opens by itself then.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub opens_at: Option<DateTime<Utc>>,
    /// RFC 3339; the round closes by itself then.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub closes_at: Option<DateTime<Utc>>,
}

fn naive(time: Option<DateTime<Utc>>) -> Option<NaiveDateTime> {
    time.map(|t| t.naive_utc())
}

/// Create a round (draft).
#[utoipa::path(post, path = "/api/v1/rounds", tag = "rounds",
    params(crate::http::openapi::OrganisationHeader),
    request_body = NewRoundBody,
    responses(
        (status = 201, description = "Created, as a draft", body = RoundView),
        (status = 400, description = "Malformed body", body = ProblemDoc, content_type = "application/problem+json"),
        Refusals,
        (status = 422, description = "Invalid fields", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn create_round(
    state: web::Data<AppState>,
    member: Member,
    Valid(body): Valid<NewRoundBody>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Created().json(create(&state, member.organisation, body).await?))
}

/// Checks and creates a draft round; shared by the API and the page.
pub async fn create(
    state: &AppState,
    organisation: OrganisationId,
    body: NewRoundBody,
) -> Result<RoundView, AppError> {
    let mut errors = Vec::new();
    let entry = state.catalog.get(&body.questionnaire_id);
    if entry.is_none() {
        errors.push(FieldError::new("questionnaire_id", "no such questionnaire"));
    }
    let offered = entry
        .map(|e| e.questionnaire.languages.clone())
        .unwrap_or_default();
    let languages = body.languages.clone().unwrap_or_else(|| offered.clone());
    if languages.is_empty() || languages.iter().any(|l| !offered.contains(l)) {
        errors.push(FieldError::new(
            "languages",
            format!("choose from {}", offered.join(", ")),
        ));
    }
    let k = MinGroupSize::new(
        body.min_group_size
            .unwrap_or(i64::from(MinGroupSize::DEFAULT)),
    );
    if let Err(err) = &k {
        errors.push(FieldError::new("min_group_size", err));
    }
    let (opens_at, closes_at) = (naive(body.opens_at), naive(body.closes_at));
    if let (Some(open), Some(close)) = (opens_at, closes_at)
        && close <= open
    {
        errors.push(FieldError::new("closes_at", "must be after opens_at"));
    }
    if closes_at.is_some_and(|c| c <= now()) {
        errors.push(FieldError::new("closes_at", "must be in the future"));
    }
    let k = match (errors.is_empty(), k) {
        (true, Ok(k)) => k,
        _ => return Err(AppError::Validation(errors)),
    };
    state
        .db
        .run(move |conn| -> Result<_, AppError> {
            let tree = units::tree(conn, &organisation)?;
            let unit_ids: Vec<UnitId> = body.unit_ids.iter().cloned().map(UnitId::new).collect();
            if let Some(unknown) = unit_ids.iter().find(|id| tree.get(id).is_none()) {
                return Err(AppError::field(
                    "unit_ids",
                    format!("no such unit {unknown}"),
                ));
            }
            let new = NewRound {
                name: body.name.trim(),
                questionnaire_id: &body.questionnaire_id,
                languages: &languages,
                min_group_size: k,
                opens_at,
                closes_at,
                units: &unit_ids,
            };
            let row = rounds::create(conn, &organisation, &new)?;
            round_view(conn, &organisation, &row)
        })
        .await
}

/// The organisation's rounds, newest first.
#[utoipa::path(get, path = "/api/v1/rounds", tag = "rounds",
    params(crate::http::openapi::OrganisationHeader),
    responses(
        (status = 200, description = "Rounds", body = Vec<RoundView>),
        Refusals,
    ))]
pub async fn list_rounds(
    state: web::Data<AppState>,
    member: Member,
) -> Result<HttpResponse, AppError> {
    let organisation = member.organisation;
    let all = state
        .db
        .run(move |conn| -> Result<_, AppError> {
            let rows = rounds::list(conn, &organisation)?;
            rows.iter()
                .map(|row| round_view(conn, &organisation, row))
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
    Ok(HttpResponse::Ok().json(all))
}

/// One round.
#[utoipa::path(get, path = "/api/v1/rounds/{id}", tag = "rounds",
    params(crate::http::openapi::OrganisationHeader, ("id" = String, Path, description = "Round id")),
    responses(
        (status = 200, description = "The round", body = RoundView),
        Refusals,
        (status = 404, description = "No such round", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn get_round(
    state: web::Data<AppState>,
    member: Member,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let organisation = member.organisation;
    let id = path.into_inner();
    let found = state
        .db
        .run(move |conn| {
            let row = round_of(conn, &organisation, &id)?;
            round_view(conn, &organisation, &row)
        })
        .await?;
    Ok(HttpResponse::Ok().json(found))
}

fn illegal(current: RoundStatus) -> AppError {
    AppError::Conflict(format!("the round is {current}"))
}

/// Opens a draft round: freezes the questionnaire and the covered unit tree.
pub async fn open(
    state: &AppState,
    organisation: OrganisationId,
    id: String,
) -> Result<RoundView, AppError> {
    let catalog = state.catalog.clone();
    state
        .db
        .run(move |conn| {
            conn.write_transaction(|conn| {
                let row = round_of(conn, &organisation, &id)?;
                row.status()
                    .check_transition(RoundStatus::Open)
                    .map_err(|_| illegal(row.status()))?;
                let entry = catalog.get(&row.questionnaire_id).ok_or_else(|| {
                    AppError::Conflict("the round's questionnaire is no longer offered".into())
                })?;
                let tree = units::tree(conn, &organisation)?;
                let chosen = rounds::chosen_units(conn, &organisation, &id)?;
                let frozen = round::covered_units(&tree, &chosen);
                rounds::open(
                    conn,
                    &organisation,
                    &id,
                    &entry.source,
                    &entry.digest,
                    &frozen,
                )?;
                let row = round_of(conn, &organisation, &id)?;
                round_view(conn, &organisation, &row)
            })
        })
        .await
}

/// Closes an open round (DOMAIN.md section 6) and computes its results.
pub async fn close(
    state: &AppState,
    organisation: OrganisationId,
    id: String,
) -> Result<RoundView, AppError> {
    state
        .db
        .run(move |conn| {
            let row = round_of(conn, &organisation, &id)?;
            row.status()
                .check_transition(RoundStatus::Closed)
                .map_err(|_| illegal(row.status()))?;
            if !rounds::close(conn, &organisation, &id)? {
                let row = round_of(conn, &organisation, &id)?;
                return Err(illegal(row.status()));
            }
            crate::results::compute_and_store(conn, &organisation, &id)?;
            let row = round_of(conn, &organisation, &id)?;
            round_view(conn, &organisation, &row)
        })
        .await
}

/// A closed round with its stored results as JSON; 409 while the round is not closed.
pub async fn stored_results(
    state: &AppState,
    organisation: OrganisationId,
    id: String,
) -> Result<(RoundRow, String), AppError> {
    state
        .db
        .run(move |conn| {
            let row = round_of(conn, &organisation, &id)?;
            if row.status() != RoundStatus::Closed {
                return Err(AppError::Conflict(format!(
                    "the round is {}; results exist only after close",
                    row.status()
                )));
            }
            let json = crate::results::compute_and_store(conn, &organisation, &id)?;
            Ok((row, json))
        })
        .await
}

/// The results of a closed round: per group and category, the figures and risk evaluation, with
/// groups below the threshold as `{"suppressed": true}`.
#[utoipa::path(get, path = "/api/v1/rounds/{id}/results", tag = "rounds",
    params(crate::http::openapi::OrganisationHeader, ("id" = String, Path, description = "Round id"), ResultsQuery),
    responses(
        (status = 200, description = "Results with DOMAIN.md's field names, unrounded", content(
            (crate::domain::results::RoundResults = "application/json"),
            (String = "text/csv", example = "group;unit_id;category;suppressed;n;mean;…"),
        )),
        (status = 400, description = "Unknown format", body = ProblemDoc, content_type = "application/problem+json"),
        Refusals,
        (status = 404, description = "No such round", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The round is not closed: results exist only after close", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn get_results(
    state: web::Data<AppState>,
    member: Member,
    path: web::Path<String>,
    query: web::Query<ResultsQuery>,
) -> Result<HttpResponse, AppError> {
    let (_, json) = stored_results(&state, member.organisation, path.into_inner()).await?;
    match query.format.as_deref() {
        None | Some("json") => Ok(HttpResponse::Ok()
            .content_type("application/json")
            .body(json)),
        Some("csv") => {
            let results: serde_json::Value =
                serde_json::from_str(&json).map_err(|e| AppError::Internal(e.to_string()))?;
            Ok(HttpResponse::Ok()
                .content_type("text/csv; charset=utf-8")
                .insert_header((
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"results.csv\"",
                ))
                .body(results_csv(&results)))
        }
        Some(other) => Err(AppError::BadRequest(format!(
            "unknown format {other:?}: use json or csv"
        ))),
    }
}

/// The confidential counsellor's reports beside a closed round's results: in-scope reports per
/// behaviour category in the quarters overlapping the round's reference period (the 12 months up
/// to its closing day), pooled over all counsellors, counts 1 to 4 as `"< 5"`.
#[utoipa::path(get, path = "/api/v1/rounds/{id}/vpo-reports", tag = "rounds",
    params(crate::http::openapi::OrganisationHeader, ("id" = String, Path, description = "Round id")),
    responses(
        (status = 200, description = "Counts per category", body = crate::domain::vpo::report::PeriodSignals),
        (status = 404, description = "No such round", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The round is not closed", body = ProblemDoc, content_type = "application/problem+json"),
        Refusals,
    ))]
pub async fn get_vpo_reports(
    state: web::Data<AppState>,
    member: Member,
    path: web::Path<String>,
) -> Result<web::Json<crate::domain::vpo::report::PeriodSignals>, AppError> {
    let id = path.into_inner();
    let organisation = member.organisation;
    let signals = state
        .db
        .run(move |conn| {
            let row = round_of(conn, &organisation, &id)?;
            let not_closed = || AppError::Conflict("the round is not closed".into());
            if row.status() != RoundStatus::Closed {
                return Err(not_closed());
            }
            crate::vpo::signals::for_round(conn, &organisation, &row)?.ok_or_else(not_closed)
        })
        .await?;
    Ok(web::Json(signals))
}

/// Suggested measures for a closed round's orange and red risks.
#[derive(Serialize, ToSchema)]
pub struct SuggestionsView {
    pub round_id: String,
    /// The measure catalogue drawn on: id and version.
    pub catalogue: String,
    /// Most urgent risk first (Fine & Kinney class); per risk, source measures first.
    pub suggestions: Vec<crate::domain::plan::Suggestion>,
}

/// Measures for every orange or red risk of a closed round (a category in a shown group), fitted
/// to the sources its respondents named, with the default term and the figures that raised it.
#[utoipa::path(get, path = "/api/v1/rounds/{id}/suggestions", tag = "rounds",
    params(crate::http::openapi::OrganisationHeader, ("id" = String, Path, description = "Round id")),
    responses(
        (status = 200, description = "Suggestions, most urgent first", body = SuggestionsView),
        Refusals,
        (status = 404, description = "No such round", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The round is not closed", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn get_suggestions(
    state: web::Data<AppState>,
    member: Member,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (row, json) = stored_results(&state, member.organisation, path.into_inner()).await?;
    let results: crate::domain::results::RoundResults =
        serde_json::from_str(&json).map_err(|e| AppError::Internal(e.to_string()))?;
    let q = crate::results::frozen_questionnaire(&row)?;
    let catalogue = state.catalog.measures();
    Ok(HttpResponse::Ok().json(SuggestionsView {
        round_id: row.id,
        catalogue: format!("{} {}", catalogue.id, catalogue.version),
        suggestions: crate::domain::plan::suggest(&q, catalogue, &results),
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ChartQuery {
    /// Language of the labels: `nl` (default) or `en`.
    pub lang: Option<crate::i18n::Lang>,
}

/// A chart of a closed round, as SVG (text stays text) or PNG. `categories`: per category of the
/// top group, prevalence or mean with its interval, written traffic light and benchmark;
/// `heatmap`: groups × categories, hidden cells marked without a figure; `trend`: per category
/// over the closed rounds of the same questionnaire and units; `response-rate`: per unit with at
/// least k invitations; `plan-status`: the plan's items per category, done, running, planned or
/// overdue today. Charts show nothing that the stored, suppressed results do not. An inspector
/// reaches only a round shared with their account; every chart they fetch is logged.
#[utoipa::path(get, path = "/api/v1/rounds/{id}/charts/{chart}", tag = "rounds",
    params(
        crate::http::openapi::OrganisationHeader,
        ("id" = String, Path, description = "Round id"),
        ("chart" = String, Path, description = "Chart file name: `categories`, `heatmap`, `trend`, `response-rate` or `plan-status`, with `.svg` or `.png`", example = "heatmap.svg"),
        ChartQuery,
    ),
    responses(
        (status = 200, description = "The chart; the same data gives the same bytes", content(
            (String = "image/svg+xml"),
            (String = "image/png"),
        )),
        (status = 400, description = "Unknown language", body = ProblemDoc, content_type = "application/problem+json"),
        Refusals,
        (status = 404, description = "No such round, or no such chart (the detail lists the names)", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The round is not closed", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn get_chart(
    state: web::Data<AppState>,
    member: Member,
    path: web::Path<(String, String)>,
    query: web::Query<ChartQuery>,
) -> Result<HttpResponse, AppError> {
    use crate::render::charts::{ChartFile, UnknownChart};
    let (id, file) = path.into_inner();
    let ChartFile { chart, format } = file
        .parse()
        .map_err(|e: UnknownChart| AppError::NotFound(e.to_string()))?;
    let lang = query.lang.unwrap_or_default();
    let access =
        RoundAccess::check(&state, &member, RESULT_READERS, RoundOf::Id(id.clone())).await?;
    let what = format!("chart {id}/{file}");
    let organisation = member.organisation.clone();
    let bytes = state
        .db
        .run(move |conn| {
            let round = crate::results::closed_round(conn, &organisation, &id)?;
            crate::charts::draw(conn, &organisation, &round, chart, format, lang)
        })
        .await?;
    access.record(&state, member.organisation, what).await?;
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .body(bytes))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ResultsQuery {
    /// `json` (default) or `csv`: the same table, one row per group and category.
    pub format: Option<String>,
}

/// Columns of the results table, in order; a suppressed group leaves every figure empty.
const RESULT_COLUMNS: &[&str] = &[
    "n",
    "mean",
    "sd",
    "mean_ci_low",
    "mean_ci_high",
    "exposed_pct",
    "exposed_ci_low",
    "exposed_ci_high",
    "monthly_pct",
    "monthly_ci_low",
    "monthly_ci_high",
    "weekly_pct",
    "weekly_ci_low",
    "weekly_ci_high",
    "high_strain_pct",
    "high_strain_ci_low",
    "high_strain_ci_high",
    "light",
    "fk_w",
    "fk_b",
    "fk_e",
    "fk_r",
    "fk_class",
    "benchmark_pct",
    "benchmark_year",
    "above_benchmark",
];

/// The results as CSV: group, unit id, category, suppressed, then `RESULT_COLUMNS`, unrounded.
pub fn results_csv(results: &serde_json::Value) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(Vec::new());
    let mut header = vec!["group", "unit_id", "category", "suppressed"];
    header.extend(RESULT_COLUMNS);
    let _ = writer.write_record(&header);
    let cell = |value: &serde_json::Value| match value {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => neutralised(s).into_owned(),
        other => other.to_string(),
    };
    for group in results["groups"].as_array().into_iter().flatten() {
        for (category, figures) in group["categories"].as_object().into_iter().flatten() {
            let suppressed = figures.get("suppressed").is_some();
            let mut row = vec![
                cell(&group["path"]),
                cell(&group["unit_id"]),
                category.clone(),
                suppressed.to_string(),
            ];
            row.extend(RESULT_COLUMNS.iter().map(|c| {
                if suppressed {
                    String::new()
                } else {
                    cell(&figures[*c])
                }
            }));
            let _ = writer.write_record(&row);
        }
    }
    writer.into_inner().unwrap_or_default()
}

/// Open the round: freeze the questionnaire and the unit tree, accept responses.
#[utoipa::path(post, path = "/api/v1/rounds/{id}/open", tag = "rounds",
    params(crate::http::openapi::OrganisationHeader, ("id" = String, Path, description = "Round id")),
    responses(
        (status = 200, description = "Opened", body = RoundView),
        Refusals,
        (status = 404, description = "No such round", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Not a draft; the detail names the current state", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn open_round(
    state: web::Data<AppState>,
    member: Member,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(open(&state, member.organisation, path.into_inner()).await?))
}

/// Close the round: shuffle its responses into the final store, delete its tokens and drafts.
#[utoipa::path(post, path = "/api/v1/rounds/{id}/close", tag = "rounds",
    params(crate::http::openapi::OrganisationHeader, ("id" = String, Path, description = "Round id")),
    responses(
        (status = 200, description = "Closed", body = RoundView),
        Refusals,
        (status = 404, description = "No such round", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Not open; the detail names the current state", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn close_round(
    state: web::Data<AppState>,
    member: Member,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(close(&state, member.organisation, path.into_inner()).await?))
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvitationRequest {
    /// The unit; absent for the organisation as a whole (only when the round covers no units).
    pub unit_id: Option<String>,
    #[validate(range(min = 1, max = 10_000, message = "must be between 1 and 10000"))]
    pub count: i64,
}

#[derive(Serialize, ToSchema)]
pub struct InvitationView {
    pub unit_id: String,
    pub unit: String,
    /// The personal link, built on PSA_PUBLIC_URL.
    pub url: String,
    /// The same invitation as a code to type at /s.
    pub code: String,
}

/// The HMAC under which a link token is stored.
pub fn token_hmac(key: &[u8], token: &str) -> String {
    hmac_hex(key, &format!("token:{token}"))
}

/// The HMAC under which a code (canonical form) is stored.
pub fn code_hmac(key: &[u8], code: &str) -> String {
    hmac_hex(key, &format!("code:{code}"))
}

/// The covered units of a round: frozen when open, from today's tree while a draft.
fn covered(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    row: &RoundRow,
) -> Result<Vec<FrozenUnit>, AppError> {
    if row.status() == RoundStatus::Draft {
        let tree = units::tree(conn, organisation)?;
        let chosen = rounds::chosen_units(conn, organisation, &row.id)?;
        return Ok(round::covered_units(&tree, &chosen));
    }
    Ok(row.frozen_units())
}

/// Make invitations for a unit. Answered as JSON, or as CSV (`unit;url;code`) when the request
/// accepts `text/csv`. Each hand-out is logged (who, when, unit, count).
#[utoipa::path(post, path = "/api/v1/rounds/{id}/invitations", tag = "rounds",
    params(crate::http::openapi::OrganisationHeader, ("id" = String, Path, description = "Round id")),
    request_body = InvitationRequest,
    responses(
        (status = 201, description = "The new invitations, shown once", body = Vec<InvitationView>),
        Refusals,
        (status = 404, description = "No such round", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The round is closed", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Unit not covered, or more than its headcount", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn create_invitations(
    state: web::Data<AppState>,
    member: Member,
    req: HttpRequest,
    path: web::Path<String>,
    Valid(body): Valid<InvitationRequest>,
) -> Result<HttpResponse, AppError> {
    let invitations = invite(&state, &member, path.into_inner(), body).await?;
    let wants_csv = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/csv"));
    if wants_csv {
        return Ok(invitations_download(StatusCode::CREATED, &invitations));
    }
    Ok(HttpResponse::Created().json(invitations))
}

/// The invitations as a CSV file to save.
pub fn invitations_download(status: StatusCode, invitations: &[InvitationView]) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"invitations.csv\"",
        ))
        .body(invitations_csv(invitations))
}

/// `unit;url;code` lines with a header.
pub fn invitations_csv(invitations: &[InvitationView]) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(Vec::new());
    let _ = writer.write_record(["unit", "url", "code"]);
    for invitation in invitations {
        let _ = writer.write_record([
            neutralised(&invitation.unit).as_ref(),
            neutralised(&invitation.url).as_ref(),
            neutralised(&invitation.code).as_ref(),
        ]);
    }
    writer.into_inner().unwrap_or_default()
}

/// Makes, stores (as HMACs) and logs invitations; shared by the API and the page.
pub async fn invite(
    state: &AppState,
    member: &Member,
    round_id: String,
    body: InvitationRequest,
) -> Result<Vec<InvitationView>, AppError> {
    let count =
        usize::try_from(body.count).map_err(|_| AppError::field("count", "must be positive"))?;
    let organisation = member.organisation.clone();
    let handed_out_by = member.user.email.clone();
    let settings = state.settings.clone();
    state
        .db
        .run(move |conn| {
            let row = round_of(conn, &organisation, &round_id)?;
            if row.status() == RoundStatus::Closed {
                return Err(illegal(RoundStatus::Closed));
            }
            let covered = covered(conn, &organisation, &row)?;
            let unit_id = body.unit_id.unwrap_or_default();
            let (unit_path, headcount) = if unit_id.is_empty() {
                if !covered.is_empty() {
                    return Err(AppError::field(
                        "unit_id",
                        "choose one of the round's units",
                    ));
                }
                (String::new(), None)
            } else {
                let unit = covered.iter().find(|u| u.id == unit_id).ok_or_else(|| {
                    AppError::field("unit_id", "the round does not cover this unit")
                })?;
                (unit.path.clone(), unit.headcount)
            };
            if let Some(headcount) = headcount {
                let already: u64 = rounds::counts(conn, &organisation, &row.id)?
                    .iter()
                    .filter(|c| c.unit == unit_id)
                    .map(|c| c.invited)
                    .sum();
                if already + count as u64 > u64::from(headcount) {
                    return Err(AppError::field(
                        "count",
                        format!(
                            "the unit has {headcount} employees and {already} invitations already"
                        ),
                    ));
                }
            }
            let key = settings.keys.token;
            let mut stored = Vec::with_capacity(count);
            let mut shown = Vec::with_capacity(count);
            for _ in 0..count {
                let token = new_token("");
                let code = code_from_bits(u64::from_le_bytes(random_bytes::<8>()));
                let canonical = round::normalize_code(&code).unwrap_or_default();
                stored.push(NewInvitation {
                    token_hmac: token_hmac(&key, &token),
                    code_hmac: code_hmac(&key, &canonical),
                });
                shown.push(InvitationView {
                    unit_id: unit_id.clone(),
                    unit: unit_path.clone(),
                    url: settings.public_link(&format!("/s/{token}")),
                    code,
                });
            }
            rounds::invite(
                conn,
                &organisation,
                &row.id,
                &unit_id,
                &stored,
                &handed_out_by,
            )?;
            Ok(shown)
        })
        .await
}

#[derive(Serialize, ToSchema)]
pub struct ProgressView {
    pub invited: u64,
    pub responded: u64,
    /// responded / invited × 100; absent before any invitation.
    pub response_pct: Option<f64>,
    /// Units with at least k invitations of their own; smaller units count with their parent.
    #[schema(value_type = Vec<Object>)]
    pub units: Vec<round::ProgressRow>,
}

impl From<Progress> for ProgressView {
    fn from(p: Progress) -> Self {
        ProgressView {
            invited: p.invited,
            responded: p.responded,
            response_pct: (p.invited > 0).then(|| p.responded as f64 * 100.0 / p.invited as f64),
            units: p.units,
        }
    }
}

/// Response rate, in total and per unit with at least k invitations.
pub async fn progress(
    state: &AppState,
    organisation: OrganisationId,
    id: String,
) -> Result<(RoundRow, ProgressView), AppError> {
    state
        .db
        .run(move |conn| {
            let row = round_of(conn, &organisation, &id)?;
            let progress = round_progress(conn, &organisation, &row)?;
            Ok((row, ProgressView::from(progress)))
        })
        .await
}

/// The response rate of a round that is safe to show (DOMAIN.md section 6).
fn round_progress(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    row: &RoundRow,
) -> Result<Progress, AppError> {
    let covered = covered(conn, organisation, row)?;
    let counts = rounds::counts(conn, organisation, &row.id)?;
    Ok(round::progress(&covered, &counts, row.k()))
}

/// The response rate: invited and responded, in total and per unit with at least k invitations.
#[utoipa::path(get, path = "/api/v1/rounds/{id}/progress", tag = "rounds",
    params(crate::http::openapi::OrganisationHeader, ("id" = String, Path, description = "Round id")),
    responses(
        (status = 200, description = "Response rate", body = ProgressView),
        Refusals,
        (status = 404, description = "No such round", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn get_progress(
    state: web::Data<AppState>,
    member: Member,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (_, view) = progress(&state, member.organisation, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Serialize, ToSchema)]
pub struct HandoutView {
    pub unit_id: String,
    /// Who made the links.
    pub by: String,
    pub count: i32,
    pub at: String,
}

/// The log of link hand-outs (who, when, unit, count), for HR, the works council and the VPO.
#[utoipa::path(get, path = "/api/v1/rounds/{id}/handouts", tag = "rounds",
    params(crate::http::openapi::OrganisationHeader, ("id" = String, Path, description = "Round id")),
    responses(
        (status = 200, description = "Hand-outs, oldest first", body = Vec<HandoutView>),
        Refusals,
        (status = 404, description = "No such round", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn list_handouts(
    state: web::Data<AppState>,
    member: Member,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let organisation = member.organisation;
    let id = path.into_inner();
    let all = state
        .db
        .run(move |conn| -> Result<_, AppError> {
            let row = round_of(conn, &organisation, &id)?;
            Ok(rounds::handouts(conn, &organisation, &row.id)?)
        })
        .await?;
    let views: Vec<HandoutView> = all
        .into_iter()
        .map(|h| HandoutView {
            unit_id: h.unit_id,
            by: h.user_email,
            count: h.count,
            at: utc(h.created_at),
        })
        .collect();
    Ok(HttpResponse::Ok().json(views))
}
