//! `/api/v1/respond/{token}`: answering a round by JSON, with the link's token or the typed code.
//! No account, no cookie; an unknown, used and expired link all answer the same.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::rounds::{self, Invitation, Submitted};
use crate::db::{Backend, DbConnection, now};
use crate::domain::Questionnaire;
use crate::domain::answers::{Answers, RawAnswers};
use crate::domain::questionnaire::{CategoryKind, ItemKind, Scale, Texts};
use crate::domain::round::{RoundStatus, normalize_code};
use crate::error::{AppError, FieldError};
use crate::http::AppState;
use crate::http::api::rounds::{code_hmac, token_hmac};
use crate::http::client::client_ip;
use crate::results;

type ProblemDoc = crate::error::Problem;

/// The same answer for an unknown, a used and an expired link.
pub fn invalid_link() -> AppError {
    AppError::NotFound("this link or code is not valid (any more)".into())
}

/// The open invitation behind a link token or typed code, counting failed look-ups against the
/// client's address (in memory only).
pub async fn find(
    state: &AppState,
    req: &HttpRequest,
    credential: &str,
) -> Result<Invitation, AppError> {
    find_with(state, req, credential, |_, _| Ok(()))
        .await
        .map(|(invitation, ())| invitation)
}

/// `find`, and `then` with the invitation on the same connection: a page needs a few facts more,
/// and one trip to the database is cheaper than two.
pub async fn find_with<T: Send + 'static>(
    state: &AppState,
    req: &HttpRequest,
    credential: &str,
    then: impl FnOnce(&mut DbConnection, &Invitation) -> Result<T, AppError> + Send + 'static,
) -> Result<(Invitation, T), AppError> {
    let address = client_ip(req, &state.settings);
    if let Some(wait) = state.lookup_limits.blocked(address) {
        return Err(AppError::TooManyRequests {
            retry_after_secs: wait.as_secs().max(1),
        });
    }
    let key = &state.settings.keys.token;
    let hmac = match normalize_code(credential) {
        Some(code) => code_hmac(key, &code),
        None => token_hmac(key, credential.trim()),
    };
    // Look-ups by key (on SQLite, `then` only reads: submissions are written by the writer).
    let found = state
        .db
        .read(move |conn| {
            let Some(mut invitation) = rounds::find_invitation(conn, &hmac)? else {
                return Ok(None);
            };
            if invitation.round.status() == RoundStatus::Open {
                invitation.questionnaire = Some(questionnaire(conn, &invitation)?);
            }
            let more = then(conn, &invitation)?;
            Ok::<_, AppError>(Some((invitation, more)))
        })
        .await?;
    match found {
        Some(found) => Ok(found),
        None => {
            if let Some(wait) = state.lookup_limits.failed(address) {
                return Err(AppError::TooManyRequests {
                    retry_after_secs: wait.as_secs().max(1),
                });
            }
            Err(invalid_link())
        }
    }
}

/// The invitation's frozen questionnaire: parsed once per digest, its source read only then.
fn questionnaire(
    conn: &mut DbConnection,
    invitation: &Invitation,
) -> Result<Arc<Questionnaire>, AppError> {
    let round = &invitation.round;
    results::frozen(round.questionnaire_digest.as_deref(), || {
        let source = rounds::questionnaire_source(conn, &invitation.organisation_id, &round.id)?;
        Ok(Cow::Owned(source.unwrap_or_default()))
    })
}

/// Whether the invitation's round takes answers now; its questionnaire snapshot if so.
pub fn answerable(invitation: &Invitation) -> Result<Arc<Questionnaire>, AppError> {
    let round = &invitation.round;
    let past_close = round.closes_at.is_some_and(|close| close <= now());
    if round.status() != RoundStatus::Open || past_close {
        let reason = if round.status() == RoundStatus::Draft {
            "the survey has not opened yet"
        } else {
            "the survey has closed"
        };
        return Err(AppError::Validation(vec![FieldError::new("round", reason)]));
    }
    invitation
        .questionnaire
        .clone()
        .ok_or_else(|| AppError::Internal("an open invitation without its questionnaire".into()))
}

#[derive(Serialize, ToSchema)]
pub struct ItemForm {
    pub id: String,
    #[schema(value_type = String)]
    pub kind: ItemKind,
    pub scale: String,
    pub required: bool,
    #[schema(value_type = Object)]
    pub text: Texts,
}

/// The neutral key of the questionnaire's n-th part (from 0): `part-1`, `part-2`, …
pub fn part_key(index: usize) -> String {
    format!("part-{}", index + 1)
}

/// Answers as a respondent's client sends them: sources keyed by part, turned into sources keyed
/// by category for the core.
pub fn by_category(raw: &RawAnswers, q: &Questionnaire) -> Result<RawAnswers, AppError> {
    let mut sources = BTreeMap::new();
    let mut unknown = Vec::new();
    for (key, named) in &raw.sources {
        match q
            .categories
            .iter()
            .enumerate()
            .find(|(i, _)| part_key(*i) == *key)
        {
            Some((_, category)) => {
                sources.insert(category.id.clone(), named.clone());
            }
            None => unknown.push(FieldError::new(format!("sources.{key}"), "unknown part")),
        }
    }
    if !unknown.is_empty() {
        return Err(AppError::Validation(unknown));
    }
    Ok(RawAnswers {
        items: raw.items.clone(),
        sources,
    })
}

/// A neutral part of the questionnaire: never named after its category.
#[derive(Serialize, ToSchema)]
pub struct PartForm {
    /// `part-1`, `part-2`, …: the key for `sources` in the answers.
    pub key: String,
    /// Whether the from-whom question follows when any of the part's behaviour items is answered
    /// with exposure.
    pub asks_sources: bool,
    pub items: Vec<ItemForm>,
}

#[derive(Serialize, ToSchema)]
pub struct ScaleForm {
    pub min: i32,
    pub max: i32,
    #[schema(value_type = Object)]
    pub labels: BTreeMap<i32, Texts>,
    #[schema(value_type = Object)]
    pub prefer_not_to_say: Texts,
}

#[derive(Serialize, ToSchema)]
pub struct SourceForm {
    pub id: String,
    #[schema(value_type = Object)]
    pub text: Texts,
}

#[derive(Serialize, ToSchema)]
pub struct QuestionnaireForm {
    pub round: String,
    pub languages: Vec<String>,
    /// The anonymity threshold: no group smaller than this is ever shown.
    pub min_group_size: u32,
    pub reference_period_months: u32,
    #[schema(value_type = Object)]
    pub title: Texts,
    #[schema(value_type = Object)]
    pub intro: Texts,
    #[schema(value_type = Object)]
    pub closing: Texts,
    #[schema(value_type = Object)]
    pub scales: BTreeMap<String, ScaleForm>,
    #[schema(value_type = Object)]
    pub source_question: Texts,
    pub sources: Vec<SourceForm>,
    pub parts: Vec<PartForm>,
}

fn scale_form(scale: &Scale) -> ScaleForm {
    ScaleForm {
        min: scale.min,
        max: scale.max,
        labels: scale.labels.clone(),
        prefer_not_to_say: scale.prefer_not_to_say.clone(),
    }
}

/// The questionnaire as a respondent's client needs it.
pub fn form(invitation: &Invitation, q: &Questionnaire) -> QuestionnaireForm {
    QuestionnaireForm {
        round: invitation.round.name.clone(),
        languages: invitation.round.languages(),
        min_group_size: invitation.round.k().get(),
        reference_period_months: q.reference_period_months,
        title: q.title.clone(),
        intro: q.intro.clone(),
        closing: q.closing.clone(),
        scales: q
            .scales
            .iter()
            .map(|(id, s)| (id.clone(), scale_form(s)))
            .collect(),
        source_question: q.sources.text.clone(),
        sources: q
            .sources
            .options
            .iter()
            .map(|o| SourceForm {
                id: o.id.clone(),
                text: o.text.clone(),
            })
            .collect(),
        parts: q
            .categories
            .iter()
            .enumerate()
            .map(|(index, c)| PartForm {
                key: part_key(index),
                asks_sources: c.kind == CategoryKind::Behaviour,
                items: q
                    .items_of(&c.id)
                    .map(|i| ItemForm {
                        id: i.id.clone(),
                        kind: i.kind,
                        scale: i.scale.clone(),
                        required: i.required,
                        text: i.text.clone(),
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// The questionnaire behind a link or code.
#[utoipa::path(get, path = "/api/v1/respond/{token}", tag = "respond", security(()),
    params(("token" = String, Path, description = "The link's token or the typed code")),
    responses(
        (status = 200, description = "What to answer", body = QuestionnaireForm),
        (status = 404, description = "Unknown, used or expired", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "The round is not open", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed look-ups", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn get_questionnaire(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let invitation = find(&state, &req, &path).await?;
    let q = answerable(&invitation)?;
    Ok(HttpResponse::Ok().json(form(&invitation, &q)))
}

#[derive(Serialize, ToSchema)]
pub struct Receipt {
    /// Always true: the answers are stored and the link is spent.
    pub stored: bool,
}

/// Checks answers against the invitation's questionnaire and packs them for storage.
fn packed(invitation: &Invitation, raw: &RawAnswers) -> Result<Vec<u8>, AppError> {
    let q = answerable(invitation)?;
    let raw = by_category(raw, &q)?;
    let answers = Answers::parse(&raw, &q).map_err(|errors| {
        // Name parts, not categories, back to the respondent.
        let field = |field: String| match field.strip_prefix("sources.") {
            Some(category) => q
                .categories
                .iter()
                .position(|c| c.id == category)
                .map_or(field.clone(), |i| format!("sources.{}", part_key(i))),
            None => field,
        };
        AppError::Validation(
            errors
                .into_iter()
                .map(|e| FieldError::new(field(e.field), e.reason))
                .collect(),
        )
    })?;
    Ok(answers.pack(&q))
}

/// What a submission's outcome means to the respondent.
fn receipt(outcome: Submitted) -> Result<(), AppError> {
    match outcome {
        Submitted::Stored => Ok(()),
        Submitted::AlreadySpent => Err(invalid_link()),
        Submitted::RoundNotOpen => Err(AppError::field("round", "the survey has closed")),
    }
}

/// Checks and stores answers, spending the invitation; shared by the API and the pages.
pub async fn store(
    state: &AppState,
    invitation: Invitation,
    raw: &RawAnswers,
) -> Result<(), AppError> {
    let packed = packed(&invitation, raw)?;
    receipt(state.db.submit(invitation, packed).await?)
}

/// Submit answers: item id to value (`null`: prefer not to say) and the sources per part.
#[utoipa::path(post, path = "/api/v1/respond/{token}", tag = "respond", security(()),
    params(("token" = String, Path, description = "The link's token or the typed code")),
    request_body(content = Object, description = "`{\"items\": {\"pe1\": 2, \"pe2\": null}, \"sources\": {\"part-1\": [\"collega\"]}}`"),
    responses(
        (status = 201, description = "Stored; the link is spent", body = Receipt),
        (status = 400, description = "Malformed body", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "Unknown, used or expired", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Invalid answers, or the round is not open; nothing stored", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed look-ups", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn submit_response(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<RawAnswers>,
) -> Result<HttpResponse, AppError> {
    let raw = body.into_inner();
    match state.db.backend() {
        // One pooled connection for the look-up and the transaction: a server round trip and a
        // hand-over to the blocking pool fewer. SQLite's submissions go through its writer.
        Backend::Postgres => {
            let (_, outcome) = find_with(&state, &req, &path, move |conn, invitation| {
                let packed = packed(invitation, &raw)?;
                Ok(rounds::submit(conn, invitation, &packed)?)
            })
            .await?;
            receipt(outcome)?;
        }
        Backend::Sqlite => store(&state, find(&state, &req, &path).await?, &raw).await?,
    }
    Ok(HttpResponse::Created().json(Receipt { stored: true }))
}
