//! Respondents: plausible answers, and the two ways of handing them in, by JSON
//! (`POST /api/v1/respond/{token}`) and through the answering pages (`/s/{token}`) step by step
//! as a browser does, posting each page's form with the fields it carries.

use std::time::Instant;

use psa::domain::Questionnaire;
use psa::domain::answers::{Answers, RawAnswers};

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use reqwest::Client;
use reqwest::header::CONTENT_TYPE;

use crate::drive::{Done, Failure};

/// Steps after which a questionnaire that never reaches its end counts as a failure (the
/// default one takes 1 + 7 parts + up to 6 from-whom questions + the review).
const MAX_STEPS: usize = 30;

/// The JSON body a respondent's client sends: items by id, sources by neutral part key.
pub fn json_body(q: &Questionnaire, answers: &Answers) -> String {
    let raw = RawAnswers {
        items: q
            .items
            .iter()
            .zip(&answers.values)
            .map(|(item, value)| (item.id.clone(), *value))
            .collect(),
        sources: q
            .categories
            .iter()
            .enumerate()
            .filter_map(|(part, c)| {
                let named = answers.sources.get(&c.id)?;
                let ids = named
                    .iter()
                    .map(|&i| q.sources.options[i].id.clone())
                    .collect();
                Some((format!("part-{}", part + 1), ids))
            })
            .collect(),
    };
    serde_json::to_string(&raw).unwrap_or_default()
}

/// A transport failure, described without its URL (which holds the token).
fn transport(what: &str, err: reqwest::Error) -> Failure {
    let err = err.without_url();
    let kind = if err.is_timeout() {
        "timeout".to_owned()
    } else if err.is_connect() {
        "connect".to_owned()
    } else {
        err.to_string()
    };
    format!("{what}: {kind}")
}

/// One complete response by JSON: a single POST, answered 201.
pub async fn submit_json(client: Client, url: String, body: String) -> Result<Done, Failure> {
    const WHAT: &str = "POST /api/v1/respond/{token}";
    let response = client
        .post(url)
        .header(CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| transport(WHAT, e))?;
    let status = response.status();
    response.bytes().await.map_err(|e| transport(WHAT, e))?;
    if status.as_u16() != 201 {
        return Err(format!("{WHAT}: {status}"));
    }
    Ok(Done {
        requests: 1,
        page: None,
    })
}

/// `GET` of one page, answered 200.
pub async fn get_page(client: &Client, url: &str, what: &str) -> Result<String, Failure> {
    let response = client
        .get(url)
        .send()
        .await
        .map_err(|e| transport(what, e))?;
    let status = response.status();
    let body = response.text().await.map_err(|e| transport(what, e))?;
    if status.as_u16() != 200 {
        return Err(format!("{what}: {status}"));
    }
    Ok(body)
}

/// One complete response through the pages: open the link, then post each page's form (its
/// hidden fields, an answer to each question, the "next" button) until the review page, and
/// submit there. All its requests count as one response.
pub async fn submit_pages(client: Client, url: String, seed: u64) -> Result<Done, Failure> {
    let mut rng = SmallRng::seed_from_u64(seed);
    let began = Instant::now();
    let mut page = get_page(&client, &url, "GET /s/{token}").await?;
    let opened = began.elapsed();
    for step in 0..MAX_STEPS {
        let form = Form::parse(&page).ok_or_else(|| "a page without its form".to_owned())?;
        let submit = form.step == "review";
        let what = format!("POST /s/{{token}} ({})", form.step_kind());
        let mut fields = form.answer(&mut rng);
        fields.push(("go".into(), if submit { "submit" } else { "next" }.into()));
        let response = client
            .post(&url)
            .form(&fields)
            .send()
            .await
            .map_err(|e| transport(&what, e))?;
        let status = response.status();
        page = response.text().await.map_err(|e| transport(&what, e))?;
        if status.as_u16() != 200 {
            return Err(format!("{what}: {status}"));
        }
        if submit {
            // The thank-you page has no form; any page with one means nothing was stored.
            if page.contains("name=\"step\"") {
                return Err(format!("{what}: answered with a form, not stored"));
            }
            return Ok(Done {
                requests: u32::try_from(step + 2).unwrap_or(u32::MAX),
                page: Some(opened),
            });
        }
    }
    Err("the pages never reached the review".into())
}

/// The first form of a page, as a browser sees it.
#[derive(Debug, Default)]
pub struct Form {
    /// The `step` field: `intro`, `part:N`, `sources:N`, `review`.
    step: String,
    hidden: Vec<(String, String)>,
    /// Radio groups in page order: name and the values offered.
    radios: Vec<(String, Vec<String>)>,
    checkboxes: Vec<(String, String)>,
}

impl Form {
    /// Reads the `<input>` elements of the page's first form. The pages are psa's own
    /// templates: attributes in double quotes, escaped by askama; no general HTML parser needed.
    pub fn parse(html: &str) -> Option<Form> {
        let start = html.find("<form")?;
        let end = start + html[start..].find("</form>")?;
        let mut form = Form::default();
        for tag in html[start..end].split("<input").skip(1) {
            let tag = &tag[..tag.find('>')?];
            let (Some(kind), Some(name)) = (attribute(tag, "type"), attribute(tag, "name")) else {
                continue;
            };
            let value = attribute(tag, "value").unwrap_or_default();
            match kind.as_str() {
                "hidden" => {
                    if name == "step" {
                        form.step.clone_from(&value);
                    }
                    form.hidden.push((name, value));
                }
                "radio" => match form.radios.iter_mut().find(|(n, _)| *n == name) {
                    Some((_, values)) => values.push(value),
                    None => form.radios.push((name, vec![value])),
                },
                "checkbox" => form.checkboxes.push((name, value)),
                _ => {}
            }
        }
        (!form.step.is_empty()).then_some(form)
    }

    /// `part`, `sources`, `intro` or `review`, to group failures by the kind of page.
    fn step_kind(&self) -> &str {
        self.step.split(':').next().unwrap_or_default()
    }

    /// The fields a respondent sends: the hidden ones, one choice per question (mostly the
    /// scale's lowest value, as most people never experienced a behaviour; sometimes "prefer
    /// not to say"; else any), and some of the from-whom boxes.
    fn answer(self, rng: &mut SmallRng) -> Vec<(String, String)> {
        let mut fields = self.hidden;
        for (name, values) in self.radios {
            let roll: f64 = rng.random();
            let chosen = if roll < 0.7 {
                values.first()
            } else if roll < 0.8 {
                values.iter().find(|v| v.is_empty())
            } else {
                values.get(rng.random_range(0..values.len()))
            };
            if let Some(value) = chosen {
                fields.push((name, value.clone()));
            }
        }
        for (name, value) in self.checkboxes {
            if rng.random_bool(0.4) {
                fields.push((name, value));
            }
        }
        fields
    }
}

/// The unescaped value of `name="…"` in a tag's text.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let marker = format!(" {name}=\"");
    let start = tag.find(&marker)? + marker.len();
    let end = start + tag[start..].find('"')?;
    Some(unescape(&tag[start..end]))
}

fn unescape(value: &str) -> String {
    if !value.contains('&') {
        return value.to_owned();
    }
    value
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}
