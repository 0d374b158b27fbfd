//! The pages employees answer on (`/s/{token}`, `/s` for codes): server-rendered, without script
//! or cookie; the answers so far travel in the form until the respondent submits.

pub mod flow;
pub mod vpo;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use self::flow::{FormState, Step, item_field};
use super::AppState;
use super::api::respond::{self as respond_api, answerable, find_with};
use super::client::accept_language;
use crate::db::rounds::Invitation;
use crate::db::{drafts, organisations};
use crate::domain::questionnaire::Texts;
use crate::domain::round::normalize_code;
use crate::domain::{Organisation, Questionnaire};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::render::pages::html;
use crate::render::respond::{
    Carry, DonePage, Frame, IntroPage, ItemView, NoticePage, OptionView, PartPage, ReviewPage,
    ReviewPart, SavePage, SourcesPage,
};

/// A text of the questionnaire in `lang`, or in its first language.
fn text(texts: &Texts, lang: Lang) -> String {
    texts
        .get(lang.code())
        .or_else(|| texts.values().next())
        .cloned()
        .unwrap_or_default()
}

/// The respondent's language: the switch they pressed, the page they were on, `?lang=`, the
/// browser's, or the round's first; always one the round offers.
fn language(req: &HttpRequest, fields: &[(String, String)], offered: &[Lang]) -> Lang {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.parse::<Lang>().ok())
    };
    let query = req
        .query_string()
        .split('&')
        .find_map(|pair| pair.strip_prefix("lang="))
        .and_then(|code| code.parse::<Lang>().ok());
    [
        field("lang"),
        field("current_lang"),
        query,
        accept_language(req),
    ]
    .into_iter()
    .flatten()
    .find(|lang| offered.contains(lang))
    .or_else(|| offered.first().copied())
    .unwrap_or_default()
}

fn offered(invitation: Option<&Invitation>) -> Vec<Lang> {
    invitation
        .map(|i| {
            i.round
                .languages()
                .iter()
                .filter_map(|l| l.parse().ok())
                .collect()
        })
        .filter(|l: &Vec<Lang>| !l.is_empty())
        .unwrap_or_else(|| Lang::ALL.to_vec())
}

fn frame(lang: Lang, languages: Vec<Lang>, title: String) -> Frame {
    Frame {
        lang,
        languages,
        title,
    }
}

fn notice(
    lang: Lang,
    status: StatusCode,
    heading: &str,
    message: &str,
    code_form: bool,
    code: &str,
) -> HttpResponse {
    let page = NoticePage {
        frame: frame(lang, Lang::ALL.to_vec(), lang.t(heading).into_owned()),
        heading: lang.t(heading).into_owned(),
        message: lang.t(message).into_owned(),
        code_form,
        code: code.to_owned(),
    };
    html(status, &page)
}

/// The one page for an unknown, used or expired link, a closed round, or too many tries.
fn refusal(lang: Lang, err: AppError) -> Result<HttpResponse, AppError> {
    match err {
        AppError::NotFound(_) => Ok(notice(
            lang,
            StatusCode::NOT_FOUND,
            "respond.invalid_heading",
            "respond.invalid_message",
            true,
            "",
        )),
        AppError::Validation(_) => Ok(notice(
            lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            "respond.closed_heading",
            "respond.closed_message",
            false,
            "",
        )),
        AppError::TooManyRequests { retry_after_secs } => {
            let mut page = notice(
                lang,
                StatusCode::TOO_MANY_REQUESTS,
                "respond.too_many_heading",
                "respond.too_many_message",
                false,
                "",
            );
            if let Ok(value) = retry_after_secs.to_string().parse() {
                page.headers_mut()
                    .insert(actix_web::http::header::RETRY_AFTER, value);
            }
            Ok(page)
        }
        other => Err(other),
    }
}

/// `GET /s`: the form to type a code.
pub async fn show_code_form(req: HttpRequest) -> HttpResponse {
    let lang = language(&req, &[], &Lang::ALL);
    notice(
        lang,
        StatusCode::OK,
        "respond.code_heading",
        "respond.code_intro",
        true,
        "",
    )
}

#[derive(Deserialize)]
pub struct CodeForm {
    code: String,
    #[serde(default)]
    lang: String,
}

/// `POST /s`: a typed code leads to its questionnaire.
pub async fn enter_code(req: HttpRequest, form: web::Form<CodeForm>) -> HttpResponse {
    let fields = [("lang".to_owned(), form.lang.clone())];
    let lang = language(&req, &fields, &Lang::ALL);
    match normalize_code(&form.code) {
        Some(code) => HttpResponse::SeeOther()
            .insert_header((
                actix_web::http::header::LOCATION,
                format!("/s/{code}?lang={lang}"),
            ))
            .finish(),
        None => notice(
            lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            "respond.code_heading",
            "respond.code_malformed",
            true,
            &form.code,
        ),
    }
}

/// Everything a step needs about the invitation.
struct Context {
    invitation: Invitation,
    /// The link's token or the canonical code, as the respondent holds it: part of the draft key.
    credential: String,
    has_draft: bool,
    questionnaire: std::sync::Arc<Questionnaire>,
    organisation: Organisation,
    lang: Lang,
    languages: Vec<Lang>,
    action: String,
}

async fn context(
    state: &AppState,
    req: &HttpRequest,
    credential: &str,
    fields: &[(String, String)],
) -> Result<Result<Context, HttpResponse>, AppError> {
    let found = find_with(state, req, credential, |conn, invitation| {
        let organisation = organisations::get(conn, &invitation.organisation_id)?;
        Ok((organisation, drafts::load(conn, invitation)?.is_some()))
    })
    .await;
    let (invitation, (organisation, has_draft)) = match found {
        Ok(found) => found,
        Err(err) => return refusal(language(req, fields, &Lang::ALL), err).map(Err),
    };
    let languages = offered(Some(&invitation));
    let lang = language(req, fields, &languages);
    let questionnaire = match answerable(&invitation) {
        Ok(q) => q,
        Err(err) => return refusal(lang, err).map(Err),
    };
    let organisation =
        organisation.ok_or_else(|| AppError::Internal("invitation without organisation".into()))?;
    Ok(Ok(Context {
        invitation,
        credential: normalize_code(credential).unwrap_or_else(|| credential.trim().to_owned()),
        has_draft,
        questionnaire,
        organisation,
        lang,
        languages,
        action: format!("/s/{credential}"),
    }))
}

impl Context {
    fn frame(&self) -> Frame {
        frame(
            self.lang,
            self.languages.clone(),
            text(&self.questionnaire.title, self.lang),
        )
    }

    fn carry(&self, state: &FormState, step: Step) -> Carry {
        Carry {
            action: self.action.clone(),
            step: step.key(),
            hidden: state.hidden_fields(&self.questionnaire, step),
        }
    }

    fn vpo_info(&self) -> String {
        format!(
            "/o/{}/vpo-info?lang={}",
            self.organisation.public_id, self.lang
        )
    }

    fn render(
        &self,
        state: &FormState,
        step: Step,
        status: StatusCode,
        errors: &[String],
    ) -> HttpResponse {
        let q = &self.questionnaire;
        let lang = self.lang;
        let parts = q.categories.len();
        match step {
            Step::Intro => {
                let organisation = self.organisation.settings.name.to_string();
                let k = self.invitation.round.k().get().to_string();
                let args = [("organisation", organisation.as_str()), ("k", k.as_str())];
                let privacy = ["controller", "stored", "who", "retention", "rights"]
                    .iter()
                    .map(|key| lang.t_with(&format!("respond.privacy.{key}"), &args))
                    .collect();
                html(
                    status,
                    &IntroPage {
                        frame: self.frame(),
                        carry: self.carry(state, step),
                        has_draft: self.has_draft,
                        pin_error: !errors.is_empty(),
                        intro: text(&q.intro, lang),
                        organisation,
                        privacy,
                        min_group_size: self.invitation.round.k().get(),
                        parts,
                        vpo_info: self.vpo_info(),
                    },
                )
            }
            Step::Part(n) => {
                let months = q.reference_period_months.to_string();
                html(
                    status,
                    &PartPage {
                        frame: self.frame(),
                        carry: self.carry(state, step),
                        part: n + 1,
                        parts,
                        period: lang.t_with("respond.period", &[("months", &months)]),
                        items: self.items(state, n, errors),
                        errors: !errors.is_empty(),
                    },
                )
            }
            Step::Sources(n) => {
                let named = state.sources.get(&n).cloned().unwrap_or_default();
                html(
                    status,
                    &SourcesPage {
                        frame: self.frame(),
                        carry: self.carry(state, step),
                        part: n + 1,
                        parts,
                        question: text(&q.sources.text, lang),
                        options: q
                            .sources
                            .options
                            .iter()
                            .map(|o| OptionView {
                                value: o.id.clone(),
                                label: text(&o.text, lang),
                                checked: named.contains(&o.id),
                            })
                            .collect(),
                    },
                )
            }
            Step::Review => html(
                status,
                &ReviewPage {
                    frame: self.frame(),
                    carry: self.carry(state, step),
                    parts: self.review(state),
                    errors: errors.to_vec(),
                },
            ),
        }
    }

    /// The items of part `n` with their options, checked as answered; `errors` holds the ids of
    /// items to mark.
    fn items(&self, state: &FormState, n: usize, errors: &[String]) -> Vec<ItemView> {
        let q = &self.questionnaire;
        let lang = self.lang;
        let Some(category) = q.categories.get(n) else {
            return Vec::new();
        };
        q.items_of(&category.id)
            .filter_map(|item| {
                let scale = q.scales.get(&item.scale)?;
                let answer = state.items.get(&item.id);
                let mut options: Vec<OptionView> = scale
                    .labels
                    .iter()
                    .map(|(value, label)| OptionView {
                        value: value.to_string(),
                        label: text(label, lang),
                        checked: answer == Some(&Some(*value)),
                    })
                    .collect();
                options.push(OptionView {
                    value: String::new(),
                    label: text(&scale.prefer_not_to_say, lang),
                    checked: answer == Some(&None),
                });
                let error = errors.iter().find(|e| e.as_str() == item.id).map(|_| {
                    let key = if item.required && answer.is_none_or(Option::is_none) {
                        "respond.answer_required"
                    } else {
                        "respond.answer_invalid"
                    };
                    lang.t(key).into_owned()
                });
                Some(ItemView {
                    field: item_field(&item.id),
                    text: text(&item.text, lang),
                    options,
                    required: item.required,
                    error,
                })
            })
            .collect()
    }

    fn review(&self, state: &FormState) -> Vec<ReviewPart> {
        let q = &self.questionnaire;
        let lang = self.lang;
        q.categories
            .iter()
            .enumerate()
            .map(|(n, category)| ReviewPart {
                number: n + 1,
                answers: q
                    .items_of(&category.id)
                    .map(|item| {
                        let scale = q.scales.get(&item.scale);
                        let answer = match state.items.get(&item.id) {
                            Some(Some(v)) => scale
                                .and_then(|s| s.labels.get(v))
                                .map(|l| text(l, lang))
                                .unwrap_or_else(|| v.to_string()),
                            Some(None) => scale
                                .map(|s| text(&s.prefer_not_to_say, lang))
                                .unwrap_or_default(),
                            None => lang.t("respond.not_answered").into_owned(),
                        };
                        (text(&item.text, lang), answer)
                    })
                    .collect(),
                sources: state
                    .sources
                    .get(&n)
                    .filter(|named| !named.is_empty())
                    .map(|named| {
                        named
                            .iter()
                            .filter_map(|id| q.sources.options.iter().find(|o| &o.id == id))
                            .map(|o| text(&o.text, lang))
                            .collect::<Vec<_>>()
                            .join(", ")
                    }),
            })
            .collect()
    }

    /// Ids of items on part `n` whose answers are off the scale, malformed or required but missing.
    fn invalid_items(&self, state: &FormState, n: usize) -> Vec<String> {
        let q = &self.questionnaire;
        let Some(category) = q.categories.get(n) else {
            return Vec::new();
        };
        q.items_of(&category.id)
            .filter(|item| {
                let value = state.items.get(&item.id).copied().flatten();
                let off_scale =
                    value.is_some_and(|v| q.scales.get(&item.scale).is_none_or(|s| !s.contains(v)));
                off_scale
                    || state.malformed.contains(&item.id)
                    || (item.required && value.is_none())
            })
            .map(|item| item.id.clone())
            .collect()
    }
}

/// A PIN is 4 to 8 digits.
fn valid_pin(pin: &str) -> bool {
    (4..=8).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit())
}

/// What a draft holds: the step to come back to and the answers, as form fields.
#[derive(serde::Serialize, serde::Deserialize)]
struct Draft {
    step: String,
    fields: Vec<(String, String)>,
}

impl Context {
    fn save_page(&self, state: &FormState, step: Step, pin_error: bool) -> HttpResponse {
        let status = if pin_error {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        };
        html(
            status,
            &SavePage {
                frame: self.frame(),
                // Everything travels as hidden fields; the page itself asks only the PIN.
                carry: self.carry(state, Step::Review),
                return_step: step.key(),
                pin_error,
            },
        )
    }
}

/// Seals the answers so far under the link, the PIN and the server key, and stores them.
async fn save_draft(
    state: &AppState,
    context: &Context,
    answers: &FormState,
    return_step: Option<&str>,
    pin: Option<&str>,
) -> Result<HttpResponse, AppError> {
    let step = return_step.and_then(Step::parse).unwrap_or(Step::Intro);
    let pin = pin.unwrap_or_default().trim();
    if !valid_pin(pin) {
        return Ok(context.save_page(answers, step, true));
    }
    let draft = Draft {
        step: step.key(),
        fields: answers.hidden_fields(&context.questionnaire, Step::Review),
    };
    let plain = serde_json::to_vec(&draft).map_err(|e| AppError::Internal(e.to_string()))?;
    let key = crate::secret::draft_key(&state.settings.keys.token, &context.credential, pin);
    let sealed = crate::secret::seal(&key, &plain);
    let invitation = context.invitation.clone();
    state
        .db
        .run(move |conn| drafts::save(conn, &invitation, &sealed).map_err(AppError::from))
        .await?;
    let lang = context.lang;
    Ok(html(
        StatusCode::OK,
        &NoticePage {
            frame: context.frame(),
            heading: lang.t("respond.saved_heading").into_owned(),
            message: lang.t("respond.saved_message").into_owned(),
            code_form: false,
            code: String::new(),
        },
    ))
}

/// Opens the saved draft with the PIN; a wrong PIN counts as a failed look-up.
async fn resume_draft(
    state: &AppState,
    req: &HttpRequest,
    context: &Context,
    pin: Option<&str>,
) -> Result<HttpResponse, AppError> {
    let address = super::client::client_ip(req, &state.settings);
    if let Some(wait) = state.lookup_limits.blocked(address) {
        return refusal(
            context.lang,
            AppError::TooManyRequests {
                retry_after_secs: wait.as_secs().max(1),
            },
        );
    }
    let invitation = context.invitation.clone();
    let sealed = state
        .db
        .run(move |conn| drafts::load(conn, &invitation).map_err(AppError::from))
        .await?;
    let pin = pin.unwrap_or_default().trim();
    let key = crate::secret::draft_key(&state.settings.keys.token, &context.credential, pin);
    let draft = sealed
        .and_then(|sealed| crate::secret::open(&key, &sealed))
        .and_then(|plain| serde_json::from_slice::<Draft>(&plain).ok());
    let Some(draft) = draft else {
        if let Some(wait) = state.lookup_limits.failed(address) {
            return refusal(
                context.lang,
                AppError::TooManyRequests {
                    retry_after_secs: wait.as_secs().max(1),
                },
            );
        }
        let marker = ["pin".to_owned()];
        return Ok(context.render(
            &FormState::default(),
            Step::Intro,
            StatusCode::UNPROCESSABLE_ENTITY,
            &marker,
        ));
    };
    let answers = FormState::from_fields(&draft.fields, None);
    let step = Step::parse(&draft.step).unwrap_or(Step::Review);
    Ok(context.render(&answers, step, StatusCode::OK, &[]))
}

/// `GET /s/{token}`: the intro page.
pub async fn show_intro(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let context = match context(&state, &req, &path, &[]).await? {
        Ok(context) => context,
        Err(page) => return Ok(page),
    };
    Ok(context.render(&FormState::default(), Step::Intro, StatusCode::OK, &[]))
}

/// `POST /s/{token}`: moves between steps, switches language, submits.
pub async fn take_step(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let fields = form.into_inner();
    let context = match context(&state, &req, &path, &fields).await? {
        Ok(context) => context,
        Err(page) => return Ok(page),
    };
    let field = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let q = &context.questionnaire;
    let step = field("step").and_then(Step::parse).filter(|s| match s {
        Step::Part(n) | Step::Sources(n) => *n < q.categories.len(),
        _ => true,
    });
    let Some(step) = step else {
        return Ok(context.render(&FormState::default(), Step::Intro, StatusCode::OK, &[]));
    };
    let sources_page = match step {
        Step::Sources(n) => Some(n),
        _ => None,
    };
    let mut answers = FormState::from_fields(&fields, sources_page);
    if field("lang").is_some() {
        // A language switch shows the same step, answers kept.
        return Ok(context.render(&answers, step, StatusCode::OK, &[]));
    }
    let go = field("go").unwrap_or("next");
    match go {
        "save" => return Ok(context.save_page(&answers, step, false)),
        "cancel_save" => {
            let back_to = field("return_step").and_then(Step::parse).unwrap_or(step);
            return Ok(context.render(&answers, back_to, StatusCode::OK, &[]));
        }
        "save_confirm" => {
            return save_draft(
                &state,
                &context,
                &answers,
                field("return_step"),
                field("pin"),
            )
            .await;
        }
        "resume" => return resume_draft(&state, &req, &context, field("pin")).await,
        _ => {}
    }
    if go == "back" {
        answers.forget_unexposed_sources(q);
        return Ok(context.render(&answers, flow::back(q, &answers, step), StatusCode::OK, &[]));
    }
    if let Some(part) = go
        .strip_prefix("edit:")
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|n| *n < q.categories.len())
    {
        return Ok(context.render(&answers, Step::Part(part), StatusCode::OK, &[]));
    }
    if let Step::Part(n) = step {
        let invalid = context.invalid_items(&answers, n);
        if !invalid.is_empty() {
            return Ok(context.render(&answers, step, StatusCode::UNPROCESSABLE_ENTITY, &invalid));
        }
        answers.forget_unexposed_sources(q);
    }
    if step == Step::Review && go == "submit" {
        let raw = answers.raw_answers();
        return match respond_api::store(&state, context.invitation.clone(), &raw).await {
            Ok(()) => Ok(html(
                StatusCode::OK,
                &DonePage {
                    frame: context.frame(),
                    closing: text(&q.closing, context.lang),
                    vpo_info: context.vpo_info(),
                },
            )),
            Err(AppError::Validation(problems)) if problems.iter().all(|p| p.field != "round") => {
                let message = context.lang.t("respond.review_errors").into_owned();
                Ok(context.render(
                    &answers,
                    Step::Review,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &[message],
                ))
            }
            Err(err) => refusal(context.lang, err),
        };
    }
    Ok(context.render(&answers, flow::next(q, &answers, step), StatusCode::OK, &[]))
}
