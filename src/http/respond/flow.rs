//! The answering pages' state, carried in the form itself (no cookie, nothing stored until the
//! respondent submits or saves): which step is shown, and the answers so far.

use std::collections::BTreeMap;

use crate::domain::Questionnaire;
use crate::domain::answers::RawAnswers;
use crate::domain::questionnaire::{CategoryKind, ItemKind};

/// Where the respondent is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Intro,
    /// The items of part n (from 0).
    Part(usize),
    /// The from-whom question of part n, asked only after exposure.
    Sources(usize),
    Review,
}

impl Step {
    pub fn parse(raw: &str) -> Option<Step> {
        match raw {
            "intro" => Some(Step::Intro),
            "review" => Some(Step::Review),
            other => {
                let (kind, n) = other.split_once(':')?;
                let n = n.parse().ok()?;
                match kind {
                    "part" => Some(Step::Part(n)),
                    "sources" => Some(Step::Sources(n)),
                    _ => None,
                }
            }
        }
    }

    pub fn key(self) -> String {
        match self {
            Step::Intro => "intro".into(),
            Step::Part(n) => format!("part:{n}"),
            Step::Sources(n) => format!("sources:{n}"),
            Step::Review => "review".into(),
        }
    }
}

/// The answers so far: item id to `Some(value)` or `None` (prefer not to say); sources by part.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormState {
    pub items: BTreeMap<String, Option<i32>>,
    pub sources: BTreeMap<usize, Vec<String>>,
    /// Fields that did not parse (a tampered form), by item id.
    pub malformed: Vec<String>,
}

/// Name of the field of an item's answer.
pub fn item_field(item: &str) -> String {
    format!("a:{item}")
}

/// Name of the field of a part's sources.
pub fn sources_field(part: usize) -> String {
    format!("s:{part}")
}

impl FormState {
    /// Reads the answers from submitted fields: `a:ITEM` = value or empty (prefer not to say),
    /// `s:PART` = comma-separated sources, and on a sources page `src` (repeated) for `part`.
    pub fn from_fields(fields: &[(String, String)], sources_page: Option<usize>) -> FormState {
        let mut state = FormState::default();
        for (name, value) in fields {
            if let Some(item) = name.strip_prefix("a:") {
                let value = value.trim();
                if value.is_empty() {
                    state.items.insert(item.to_owned(), None);
                } else if let Ok(v) = value.parse() {
                    state.items.insert(item.to_owned(), Some(v));
                } else {
                    state.malformed.push(item.to_owned());
                }
            } else if let Some(part) = name.strip_prefix("s:").and_then(|p| p.parse().ok())
                && Some(part) != sources_page
            {
                let named = value
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect();
                state.sources.insert(part, named);
            }
        }
        if let Some(part) = sources_page {
            let named: Vec<String> = fields
                .iter()
                .filter(|(n, _)| n == "src")
                .map(|(_, v)| v.clone())
                .collect();
            state.sources.insert(part, named);
        }
        state
    }

    /// The hidden fields that carry this state, leaving out what the current step asks itself.
    pub fn hidden_fields(&self, q: &Questionnaire, step: Step) -> Vec<(String, String)> {
        let shown: Vec<&str> = match step {
            Step::Part(n) => q
                .categories
                .get(n)
                .map(|c| q.items_of(&c.id).map(|i| i.id.as_str()).collect())
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        let mut fields: Vec<(String, String)> = self
            .items
            .iter()
            .filter(|(id, _)| !shown.contains(&id.as_str()))
            .map(|(id, v)| (item_field(id), v.map(|v| v.to_string()).unwrap_or_default()))
            .collect();
        fields.extend(
            self.sources
                .iter()
                .filter(|(part, _)| step != Step::Sources(**part))
                .map(|(part, named)| (sources_field(*part), named.join(","))),
        );
        fields
    }

    /// Whether the answers of part n report exposure (so the from-whom question follows).
    pub fn exposed_in(&self, q: &Questionnaire, part: usize) -> bool {
        let Some(category) = q
            .categories
            .get(part)
            .filter(|c| c.kind == CategoryKind::Behaviour)
        else {
            return false;
        };
        q.items_of(&category.id)
            .filter(|i| i.kind == ItemKind::Behaviour)
            .filter_map(|i| self.items.get(&i.id).copied().flatten())
            .any(|v| v >= category.settings.exposed_from)
    }

    /// Drops sources of parts that no longer report exposure.
    pub fn forget_unexposed_sources(&mut self, q: &Questionnaire) {
        let exposed: Vec<usize> = (0..q.categories.len())
            .filter(|p| self.exposed_in(q, *p))
            .collect();
        self.sources.retain(|part, _| exposed.contains(part));
    }

    /// The answers as a respondent's client sends them, sources keyed by part.
    pub fn raw_answers(&self) -> RawAnswers {
        RawAnswers {
            items: self.items.clone(),
            sources: self
                .sources
                .iter()
                .map(|(part, named)| (crate::http::api::respond::part_key(*part), named.clone()))
                .collect(),
        }
    }
}

/// The step after `step`, given the answers.
pub fn next(q: &Questionnaire, state: &FormState, step: Step) -> Step {
    let parts = q.categories.len();
    let after_part = |n: usize| {
        if n + 1 < parts {
            Step::Part(n + 1)
        } else {
            Step::Review
        }
    };
    match step {
        Step::Intro => Step::Part(0),
        Step::Part(n) if state.exposed_in(q, n) => Step::Sources(n),
        Step::Part(n) | Step::Sources(n) => after_part(n),
        Step::Review => Step::Review,
    }
}

/// The step before `step`.
pub fn back(q: &Questionnaire, state: &FormState, step: Step) -> Step {
    let before_part = |n: usize| match n.checked_sub(1) {
        None => Step::Intro,
        Some(p) if state.exposed_in(q, p) => Step::Sources(p),
        Some(p) => Step::Part(p),
    };
    match step {
        Step::Intro => Step::Intro,
        Step::Part(n) => before_part(n),
        Step::Sources(n) => Step::Part(n),
        Step::Review => before_part(q.categories.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basis() -> Questionnaire {
        Questionnaire::parse(include_str!("../../../questionnaires/psa-basis.toml")).unwrap()
    }

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn steps_round_trip_through_their_keys() {
        for step in [Step::Intro, Step::Part(3), Step::Sources(0), Step::Review] {
            assert_eq!(Step::parse(&step.key()), Some(step));
        }
        assert_eq!(Step::parse("part:x"), None);
        assert_eq!(Step::parse("elsewhere:1"), None);
    }

    #[test]
    fn the_from_whom_question_follows_exposure_only() {
        let q = basis();
        let calm = FormState::from_fields(&fields(&[("a:pe1", "1"), ("a:pe2", "")]), None);
        assert_eq!(next(&q, &calm, Step::Part(0)), Step::Part(1));
        let exposed = FormState::from_fields(&fields(&[("a:pe1", "3")]), None);
        assert_eq!(next(&q, &exposed, Step::Part(0)), Step::Sources(0));
        assert_eq!(next(&q, &exposed, Step::Sources(0)), Step::Part(1));
        assert_eq!(back(&q, &exposed, Step::Part(1)), Step::Sources(0));
        assert_eq!(back(&q, &calm, Step::Part(1)), Step::Part(0));
        assert_eq!(back(&q, &calm, Step::Part(0)), Step::Intro);
        assert_eq!(
            next(&q, &calm, Step::Part(6)),
            Step::Review,
            "work pressure asks no sources"
        );
    }

    #[test]
    fn the_state_survives_the_hidden_fields() {
        let q = basis();
        let mut state = FormState::from_fields(
            &fields(&[
                ("a:pe1", "3"),
                ("a:ag1", ""),
                ("src", "collega"),
                ("src", "derden"),
            ]),
            Some(0),
        );
        assert_eq!(state.sources[&0], ["collega", "derden"]);
        let hidden = state.hidden_fields(&q, Step::Review);
        let back = FormState::from_fields(&hidden, None);
        assert_eq!(back.items, state.items);
        assert_eq!(back.sources, state.sources);
        assert!(
            !state
                .hidden_fields(&q, Step::Part(0))
                .iter()
                .any(|(n, _)| n == "a:pe1"),
            "the shown page carries its own fields"
        );
        state.items.insert("pe1".into(), Some(1));
        state.forget_unexposed_sources(&q);
        assert!(state.sources.is_empty());
        let tampered = FormState::from_fields(&fields(&[("a:pe1", "many")]), None);
        assert_eq!(tampered.malformed, ["pe1"]);
        assert_eq!(state.raw_answers().items.get("ag1"), Some(&None));
    }
}
