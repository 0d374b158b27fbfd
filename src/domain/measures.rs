//! Measure catalogues (`questionnaires/measures.toml`): measures a plan of action can take per
//! risk category, each with its level in the arbeidshygiënische strategie, the sources of
//! behaviour it suits, a typical owner and a rationale, in Dutch and English. Checked like
//! questionnaire files: every problem with its field and reason.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::Questionnaire;
use super::questionnaire::{Check, Problem, Texts, syntax_problem};

/// Languages every catalogue text needs.
const LANGUAGES: [&str; 2] = ["nl", "en"];

/// Measures a category needs in a catalogue (so that a plan has a real choice).
pub const MIN_PER_CATEGORY: usize = 5;

/// The arbeidshygiënische strategie, in order of preference.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum StrategyLevel {
    /// Take the cause away.
    Source,
    /// Organise protection for everyone.
    Collective,
    /// Support or equip the person.
    Individual,
}

/// Which sources of behaviour a measure suits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SourceFit {
    /// People inside the organisation: managers, colleagues, subordinates.
    Internal,
    /// Clients, patients, pupils, passengers, the public.
    External,
    Any,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Measure {
    pub id: String,
    pub categories: Vec<String>,
    pub level: StrategyLevel,
    pub sources: SourceFit,
    pub owner_role: Texts,
    pub title: Texts,
    pub rationale: Texts,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MeasureCatalogue {
    pub id: String,
    pub version: String,
    pub measures: Vec<Measure>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalogue {
    id: String,
    version: String,
    #[serde(default)]
    measures: Vec<RawMeasure>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMeasure {
    id: String,
    #[serde(default)]
    categories: Vec<String>,
    level: StrategyLevel,
    sources: SourceFit,
    owner_role: Texts,
    title: Texts,
    rationale: Texts,
}

impl MeasureCatalogue {
    /// Parses and checks a catalogue on its own: ids, texts in Dutch and English, categories named.
    pub fn parse(text: &str) -> Result<MeasureCatalogue, Vec<Problem>> {
        let raw: RawCatalogue =
            toml::from_str(text).map_err(|err| vec![syntax_problem(text, &err)])?;
        let mut check = Check {
            languages: LANGUAGES.iter().map(|l| (*l).to_owned()).collect(),
            ..Check::default()
        };
        check.identifier("id", &raw.id);
        if raw.version.trim().is_empty() {
            check.problem("version", "must not be empty");
        }
        if raw.measures.is_empty() {
            check.problem("measures", "the catalogue holds no measures");
        }
        let mut seen = BTreeSet::new();
        for (i, m) in raw.measures.iter().enumerate() {
            let field = |name: &str| format!("measures[{i}].{name}");
            check.identifier(&field("id"), &m.id);
            if !seen.insert(m.id.as_str()) {
                check.problem(field("id"), format!("duplicate measure id {:?}", m.id));
            }
            if m.categories.is_empty() {
                check.problem(field("categories"), "names no category");
            }
            let mut named = BTreeSet::new();
            for category in &m.categories {
                if !named.insert(category) {
                    check.problem(field("categories"), format!("{category:?} is named twice"));
                }
            }
            check.texts(&field("owner_role"), &m.owner_role);
            check.texts(&field("title"), &m.title);
            check.texts(&field("rationale"), &m.rationale);
        }
        if !check.problems.is_empty() {
            return Err(check.problems);
        }
        Ok(MeasureCatalogue {
            id: raw.id,
            version: raw.version,
            measures: raw
                .measures
                .into_iter()
                .map(|m| Measure {
                    id: m.id,
                    categories: m.categories,
                    level: m.level,
                    sources: m.sources,
                    owner_role: m.owner_role,
                    title: m.title,
                    rationale: m.rationale,
                })
                .collect(),
        })
    }

    /// Problems of this catalogue against a questionnaire: categories it does not know, and
    /// categories with fewer than `MIN_PER_CATEGORY` measures.
    pub fn check_against(&self, q: &Questionnaire) -> Vec<Problem> {
        let mut check = Check::default();
        let mut count: BTreeMap<&str, usize> =
            q.categories.iter().map(|c| (c.id.as_str(), 0)).collect();
        for (i, m) in self.measures.iter().enumerate() {
            for category in &m.categories {
                match count.get_mut(category.as_str()) {
                    Some(n) => *n += 1,
                    None => check.problem(
                        format!("measures[{i}].categories"),
                        format!("unknown category {category:?} (not in {})", q.id),
                    ),
                }
            }
        }
        for (category, n) in count {
            if n < MIN_PER_CATEGORY {
                check.problem(
                    "measures",
                    format!(
                        "category {category:?} of {} has {n} measure(s); at least {MIN_PER_CATEGORY} are needed",
                        q.id
                    ),
                );
            }
        }
        check.problems
    }

    pub fn measures_for<'a>(&'a self, category: &'a str) -> impl Iterator<Item = &'a Measure> {
        self.measures
            .iter()
            .filter(move |m| m.categories.iter().any(|c| c == category))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIPPED: &str = include_str!("../../questionnaires/measures.toml");

    fn basis() -> Questionnaire {
        Questionnaire::parse(include_str!("../../questionnaires/psa-basis.toml")).unwrap()
    }

    #[test]
    fn the_shipped_catalogue_covers_every_category_of_the_default_questionnaire() {
        let catalogue = MeasureCatalogue::parse(SHIPPED).unwrap();
        assert_eq!(catalogue.check_against(&basis()), vec![]);
        for category in &basis().categories {
            let measures: Vec<&Measure> = catalogue.measures_for(&category.id).collect();
            assert!(measures.len() >= MIN_PER_CATEGORY, "{}", category.id);
            assert!(
                measures.iter().any(|m| m.level == StrategyLevel::Source),
                "{} has a source measure",
                category.id
            );
        }
        let external: Vec<&Measure> = catalogue
            .measures_for("agressie_geweld")
            .filter(|m| m.sources == SourceFit::External)
            .collect();
        assert!(external.len() >= 5, "aggression by third parties");
    }

    #[test]
    fn every_problem_is_named_with_its_field() {
        let text = r#"
id = "Bad Id"
version = ""
[[measures]]
id = "a"
categories = []
level = "source"
sources = "any"
owner_role = { nl = "HR", en = "HR" }
title = { nl = "Titel" }
rationale = { nl = "r", en = "r", de = "r" }
[[measures]]
id = "a"
categories = ["pesten", "pesten"]
level = "collective"
sources = "internal"
owner_role = { nl = "HR", en = "HR" }
title = { nl = "t", en = "t" }
rationale = { nl = "r", en = " " }
"#;
        let problems = MeasureCatalogue::parse(text).unwrap_err();
        let fields: Vec<String> = problems
            .iter()
            .map(|p| format!("{}: {}", p.field, p.reason))
            .collect();
        for expected in [
            "id: \"Bad Id\" must be",
            "version: must not be empty",
            "measures[0].categories: names no category",
            "measures[0].title: missing translation for \"en\"",
            "measures[0].rationale: text in \"de\"",
            "measures[1].id: duplicate measure id \"a\"",
            "measures[1].categories: \"pesten\" is named twice",
            "measures[1].rationale: missing translation for \"en\"",
        ] {
            assert!(
                fields.iter().any(|f| f.starts_with(expected)),
                "{expected:?} in {fields:#?}"
            );
        }
    }

    #[test]
    fn unknown_levels_and_fields_are_refused_with_their_line() {
        let text = "id = \"m\"\nversion = \"1\"\n[[measures]]\nid = \"a\"\ncategories = [\"pesten\"]\nlevel = \"ppe\"\nsources = \"any\"\nowner_role = { nl = \"HR\", en = \"HR\" }\ntitle = { nl = \"t\", en = \"t\" }\nrationale = { nl = \"r\", en = \"r\" }\n";
        let problems = MeasureCatalogue::parse(text).unwrap_err();
        assert_eq!(problems[0].field, "line 6");
        assert!(problems[0].reason.contains("ppe"), "{}", problems[0].reason);
    }

    #[test]
    fn a_catalogue_is_checked_against_a_questionnaire() {
        let one = |id: &str, category: &str| {
            format!(
                "[[measures]]\nid = \"{id}\"\ncategories = [\"{category}\"]\nlevel = \"source\"\nsources = \"any\"\nowner_role = {{ nl = \"HR\", en = \"HR\" }}\ntitle = {{ nl = \"t\", en = \"t\" }}\nrationale = {{ nl = \"r\", en = \"r\" }}\n"
            )
        };
        let text = format!(
            "id = \"m\"\nversion = \"1\"\n{}{}",
            one("a", "pesten"),
            one("b", "mobbing")
        );
        let catalogue = MeasureCatalogue::parse(&text).unwrap();
        let problems = catalogue.check_against(&basis());
        assert!(problems.iter().any(|p| p.field == "measures[1].categories"
            && p.reason.contains("unknown category \"mobbing\"")));
        assert!(problems.iter().any(|p| {
            p.reason.contains(
                "category \"pesten\" of psa-basis has 1 measure(s); at least 5 are needed",
            )
        }));
        assert!(problems.iter().any(|p| p.reason.contains("\"werkdruk\"")));
    }
}
