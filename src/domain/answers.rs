//! One respondent's answers: checked against a questionnaire, and packed compactly (one byte an
//! item, in the questionnaire's order, then one byte of sources per behaviour category) so that a
//! round of a million responses is scored by one sequential read.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::questionnaire::{CategoryKind, ItemKind, Questionnaire};

/// Answers as sent: item id to value (`null` = prefer not to say), and per behaviour category
/// the sources named.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAnswers {
    #[serde(default)]
    pub items: BTreeMap<String, Option<i32>>,
    #[serde(default)]
    pub sources: BTreeMap<String, Vec<String>>,
}

/// A problem with one answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerError {
    /// `items.pe1`, `sources.pesten`.
    pub field: String,
    pub reason: String,
}

/// Checked answers, in the questionnaire's item order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answers {
    /// One per item; `None` is unanswered or "prefer not to say".
    pub values: Vec<Option<i32>>,
    /// Per behaviour category (in the questionnaire's category order), the indexes of the
    /// source options named.
    pub sources: BTreeMap<String, BTreeSet<usize>>,
}

/// Version byte of the packed format.
const PACKED_V1: u8 = 1;

/// What scoring reads of one respondent: item values and, per behaviour category, the sources
/// named. Implemented by checked `Answers` and by a `PackedView` straight over stored bytes, so a
/// large round is scored without building an `Answers` per respondent.
pub trait AnswerView {
    /// The value of the item at `index` in the questionnaire's order; `None` when unanswered.
    fn value(&self, index: usize) -> Option<i32>;
    /// Bit i: source option i named, for the behaviour category `id`, the `behaviour`-th
    /// behaviour category of the questionnaire.
    fn source_mask(&self, id: &str, behaviour: usize) -> u8;
}

impl AnswerView for Answers {
    fn value(&self, index: usize) -> Option<i32> {
        self.values.get(index).copied().flatten()
    }

    fn source_mask(&self, id: &str, _behaviour: usize) -> u8 {
        self.sources
            .get(id)
            .map_or(0, |set| set.iter().fold(0u8, |mask, i| mask | (1 << i)))
    }
}

/// The packed layout of one questionnaire, worked out once: each item's scale minimum.
#[derive(Debug, Clone)]
pub struct Packing {
    mins: Vec<i32>,
    behaviour_categories: usize,
}

impl Packing {
    pub fn new(q: &Questionnaire) -> Packing {
        Packing {
            mins: q
                .items
                .iter()
                .map(|item| q.scales.get(&item.scale).map_or(0, |s| s.min))
                .collect(),
            behaviour_categories: q
                .categories
                .iter()
                .filter(|c| c.kind == CategoryKind::Behaviour)
                .count(),
        }
    }

    /// A view of packed bytes; `None` when they do not fit the questionnaire.
    pub fn view<'a>(&'a self, bytes: &'a [u8]) -> Option<PackedView<'a>> {
        let (&version, rest) = bytes.split_first()?;
        if version != PACKED_V1 || rest.len() != self.mins.len() + self.behaviour_categories {
            return None;
        }
        let (items, masks) = rest.split_at(self.mins.len());
        Some(PackedView {
            mins: &self.mins,
            items,
            masks,
        })
    }
}

/// Packed answers read in place.
#[derive(Debug, Clone, Copy)]
pub struct PackedView<'a> {
    mins: &'a [i32],
    items: &'a [u8],
    masks: &'a [u8],
}

impl AnswerView for PackedView<'_> {
    fn value(&self, index: usize) -> Option<i32> {
        let byte = *self.items.get(index)?;
        (byte != 0).then(|| i32::from(byte) - 1 + self.mins[index])
    }

    fn source_mask(&self, _id: &str, behaviour: usize) -> u8 {
        self.masks.get(behaviour).copied().unwrap_or(0)
    }
}

impl Answers {
    /// Checks `raw` against `q`: known items, values on their scale, required items answered,
    /// sources only for behaviour categories where the respondent was exposed.
    pub fn parse(raw: &RawAnswers, q: &Questionnaire) -> Result<Answers, Vec<AnswerError>> {
        let mut errors = Vec::new();
        let mut fail = |field: String, reason: String| errors.push(AnswerError { field, reason });
        for id in raw.items.keys() {
            if !q.items.iter().any(|item| &item.id == id) {
                fail(format!("items.{id}"), "unknown item".into());
            }
        }
        let mut values = Vec::with_capacity(q.items.len());
        for item in &q.items {
            let value = raw.items.get(&item.id).copied().flatten();
            if let (Some(v), Some(scale)) = (value, q.scales.get(&item.scale))
                && !scale.contains(v)
            {
                fail(
                    format!("items.{}", item.id),
                    format!("{v} is outside {}..{}", scale.min, scale.max),
                );
            }
            if item.required && value.is_none() {
                fail(
                    format!("items.{}", item.id),
                    "this question must be answered".into(),
                );
            }
            values.push(value);
        }
        let mut sources = BTreeMap::new();
        for (category_id, named) in &raw.sources {
            let field = format!("sources.{category_id}");
            let Some(category) = q.category(category_id) else {
                fail(field, "unknown category".into());
                continue;
            };
            if category.kind != CategoryKind::Behaviour {
                fail(
                    field,
                    "sources are asked for behaviour categories only".into(),
                );
                continue;
            }
            let mut indexes = BTreeSet::new();
            for source in named {
                match q.sources.options.iter().position(|o| &o.id == source) {
                    Some(index) => {
                        indexes.insert(index);
                    }
                    None => fail(field.clone(), format!("unknown source {source:?}")),
                }
            }
            let answers = Answers {
                values: values.clone(),
                sources: BTreeMap::new(),
            };
            if !indexes.is_empty() && !answers.exposed(q, category_id) {
                fail(
                    field,
                    "sources were given, but no exposure was reported in this category".into(),
                );
                continue;
            }
            if !indexes.is_empty() {
                sources.insert(category_id.clone(), indexes);
            }
        }
        if errors.is_empty() {
            Ok(Answers { values, sources })
        } else {
            Err(errors)
        }
    }

    /// The highest answered value of the category's behaviour items.
    pub fn v_max(&self, q: &Questionnaire, category: &str) -> Option<i32> {
        q.items
            .iter()
            .zip(&self.values)
            .filter(|(item, _)| item.category == category && item.kind == ItemKind::Behaviour)
            .filter_map(|(_, value)| *value)
            .max()
    }

    /// Whether the respondent reported any exposure in a behaviour category.
    pub fn exposed(&self, q: &Questionnaire, category: &str) -> bool {
        let Some(c) = q.category(category) else {
            return false;
        };
        self.v_max(q, category)
            .is_some_and(|v| v >= c.settings.exposed_from)
    }

    /// The packed form: a version byte, one byte an item (0 unanswered, else value − min + 1),
    /// one bitmask byte of sources per behaviour category.
    pub fn pack(&self, q: &Questionnaire) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(1 + self.values.len() + q.categories.len());
        bytes.push(PACKED_V1);
        for (item, value) in q.items.iter().zip(&self.values) {
            let min = q.scales.get(&item.scale).map_or(0, |s| s.min);
            bytes.push(value.map_or(0, |v| u8::try_from(v - min + 1).unwrap_or(0)));
        }
        for category in q
            .categories
            .iter()
            .filter(|c| c.kind == CategoryKind::Behaviour)
        {
            let mask = self
                .sources
                .get(&category.id)
                .map_or(0u8, |set| set.iter().fold(0u8, |mask, i| mask | (1 << i)));
            bytes.push(mask);
        }
        bytes
    }

    /// Reads a packed response of `q`; `None` when the bytes do not fit the questionnaire.
    pub fn unpack(bytes: &[u8], q: &Questionnaire) -> Option<Answers> {
        let (&version, rest) = bytes.split_first()?;
        let behaviour: Vec<&str> = q
            .categories
            .iter()
            .filter(|c| c.kind == CategoryKind::Behaviour)
            .map(|c| c.id.as_str())
            .collect();
        if version != PACKED_V1 || rest.len() != q.items.len() + behaviour.len() {
            return None;
        }
        let (items, masks) = rest.split_at(q.items.len());
        let values = q
            .items
            .iter()
            .zip(items)
            .map(|(item, &byte)| {
                let min = q.scales.get(&item.scale).map_or(0, |s| s.min);
                (byte != 0).then(|| i32::from(byte) - 1 + min)
            })
            .collect();
        let sources = behaviour
            .iter()
            .zip(masks)
            .filter(|(_, mask)| **mask != 0)
            .map(|(id, &mask)| {
                (
                    (*id).to_owned(),
                    (0..8).filter(|i| mask & (1 << i) != 0).collect(),
                )
            })
            .collect();
        Some(Answers { values, sources })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basis() -> Questionnaire {
        Questionnaire::parse(include_str!("../../questionnaires/psa-basis.toml")).unwrap()
    }

    fn raw(items: &[(&str, Option<i32>)], sources: &[(&str, &[&str])]) -> RawAnswers {
        RawAnswers {
            items: items.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect(),
            sources: sources
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.iter().map(|s| (*s).to_owned()).collect()))
                .collect(),
        }
    }

    #[test]
    fn answers_round_trip_through_the_packed_form() {
        let q = basis();
        let answers = Answers::parse(
            &raw(
                &[
                    ("pe1", Some(4)),
                    ("pe2", None),
                    ("wd5", Some(1)),
                    ("pe_self", Some(2)),
                ],
                &[("pesten", &["collega", "derden"])],
            ),
            &q,
        )
        .unwrap();
        let packed = answers.pack(&q);
        assert_eq!(
            packed.len(),
            1 + q.items.len() + 6,
            "a byte an item and a byte per behaviour category"
        );
        assert_eq!(Answers::unpack(&packed, &q), Some(answers.clone()));
        let packing = Packing::new(&q);
        let view = packing.view(&packed).unwrap();
        for index in 0..q.items.len() {
            assert_eq!(view.value(index), answers.value(index), "item {index}");
        }
        for (behaviour, id) in ["pesten", "agressie_geweld"].iter().enumerate() {
            assert_eq!(
                view.source_mask(id, behaviour),
                answers.source_mask(id, behaviour)
            );
        }
        assert_eq!(view.source_mask("pesten", 0), 0b1010);
        assert!(packing.view(&packed[1..]).is_none());
        assert_eq!(answers.v_max(&q, "pesten"), Some(4));
        assert!(answers.exposed(&q, "pesten"));
        assert!(!answers.exposed(&q, "discriminatie"));
        assert_eq!(Answers::unpack(&packed[1..], &q), None);
    }

    #[test]
    fn bad_answers_are_each_named() {
        let q = basis();
        let errors = Answers::parse(
            &raw(
                &[("pe1", Some(6)), ("nope", Some(1)), ("ag1", Some(1))],
                &[
                    ("agressie_geweld", &["collega"]),
                    ("werkdruk", &["collega"]),
                    ("pesten", &["buurman"]),
                ],
            ),
            &q,
        )
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "items.nope",
                "items.pe1",
                "sources.agressie_geweld",
                "sources.pesten",
                "sources.werkdruk"
            ]
        );
        assert!(errors[2].reason.contains("no exposure"));
    }

    #[test]
    fn required_items_must_be_answered() {
        let text = include_str!("../../questionnaires/psa-basis.toml").replacen(
            "id = \"wd1\"",
            "id = \"wd1\"\nrequired = true",
            1,
        );
        let q = Questionnaire::parse(&text).unwrap();
        let errors = Answers::parse(&raw(&[("wd1", None)], &[]), &q).unwrap_err();
        assert_eq!(errors[0].field, "items.wd1");
        assert!(Answers::parse(&raw(&[("wd1", Some(3))], &[]), &q).is_ok());
    }
}
