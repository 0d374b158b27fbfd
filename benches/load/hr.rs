//! What HR does before and after the survey, through the JSON API with a bearer token: create
//! and open a round, hand out invitations, close the round.

use std::time::{Duration, Instant};

use reqwest::Client;
use serde_json::{Value, json};

use crate::BenchResult;

/// The API accepts at most this many invitations per request.
const PER_REQUEST: usize = 10_000;

pub struct Hr {
    client: Client,
    base: String,
    token: String,
}

impl Hr {
    pub fn new(client: Client, base: &str, token: &str) -> Hr {
        Hr {
            client,
            base: base.to_owned(),
            token: token.to_owned(),
        }
    }

    async fn post(&self, path: &str, body: Value, expect: u16) -> BenchResult<Value> {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await?;
        let status = response.status();
        let text = response.text().await?;
        if status.as_u16() != expect {
            return Err(format!("POST {path}: {status}: {text}").into());
        }
        Ok(serde_json::from_str(&text)?)
    }

    /// A round of the default questionnaire over the whole organisation, opened; its id.
    pub async fn open_round(&self, name: &str) -> BenchResult<String> {
        let round = self
            .post(
                "/api/v1/rounds",
                json!({"name": name, "questionnaire_id": "psa-basis"}),
                201,
            )
            .await?;
        let id = round["id"].as_str().ok_or("a round without id")?.to_owned();
        self.post(&format!("/api/v1/rounds/{id}/open"), json!({}), 200)
            .await?;
        Ok(id)
    }

    /// `count` invitations spread over `teams`; their link tokens, the teams taking turns (as
    /// after a mailing to everyone, and as the pgbench ceiling's invitations).
    pub async fn invite(
        &self,
        round: &str,
        teams: &[String],
        count: usize,
    ) -> BenchResult<Vec<String>> {
        let mut by_team = Vec::with_capacity(teams.len());
        for (t, team) in teams.iter().enumerate() {
            let mut tokens = Vec::new();
            let mut left = count / teams.len() + usize::from(t < count % teams.len());
            while left > 0 {
                let n = left.min(PER_REQUEST);
                let made = self
                    .post(
                        &format!("/api/v1/rounds/{round}/invitations"),
                        json!({"unit_id": team, "count": n}),
                        201,
                    )
                    .await?;
                for invitation in made.as_array().ok_or("invitations: not a list")? {
                    let url = invitation["url"]
                        .as_str()
                        .ok_or("an invitation without url")?;
                    let token = url.rsplit("/s/").next().ok_or("a url without /s/")?;
                    tokens.push(token.to_owned());
                }
                left -= n;
            }
            by_team.push(tokens.into_iter());
        }
        let mut tokens = Vec::with_capacity(count);
        while tokens.len() < count {
            tokens.extend(by_team.iter_mut().filter_map(Iterator::next));
        }
        Ok(tokens)
    }

    /// Closes the round: shuffle into the final table, delete tokens and drafts, score, store
    /// the results; returns how long the request took.
    pub async fn close(&self, round: &str) -> BenchResult<Duration> {
        let started = Instant::now();
        self.post(&format!("/api/v1/rounds/{round}/close"), json!({}), 200)
            .await?;
        Ok(started.elapsed())
    }
}
