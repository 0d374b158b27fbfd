//! Synthetic answers, shared by the benchmarks (`#[path]`-included: benches have no library).

use std::collections::BTreeMap;

use psa::domain::Questionnaire;
use psa::domain::answers::Answers;
use psa::domain::questionnaire::{CategoryKind, ItemKind};
use rand::Rng;
use rand::rngs::SmallRng;

/// A plausible respondent: most never experienced a
/// behaviour, some did and name a source; work pressure spread over the scale; about one answer
/// in ten "prefer not to say".
pub fn synthetic(q: &Questionnaire, rng: &mut SmallRng) -> Answers {
    let values = q
        .items
        .iter()
        .map(|item| {
            let scale = &q.scales[&item.scale];
            if rng.random_bool(0.1) {
                return None;
            }
            Some(match item.kind {
                ItemKind::Strain => rng.random_range(scale.min..=scale.max),
                ItemKind::Behaviour | ItemKind::SelfLabel if rng.random_bool(0.85) => scale.min,
                _ => rng.random_range(scale.min..=scale.max),
            })
        })
        .collect();
    let mut answers = Answers {
        values,
        sources: BTreeMap::new(),
    };
    for category in q
        .categories
        .iter()
        .filter(|c| c.kind == CategoryKind::Behaviour)
    {
        if answers.exposed(q, &category.id) {
            let options = q.sources.options.len();
            let named = (0..options).filter(|_| rng.random_bool(0.4)).collect();
            answers.sources.insert(category.id.clone(), named);
        }
    }
    answers
}
