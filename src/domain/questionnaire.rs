//! Questionnaire definitions: scales, risk categories, items, the from-whom question, and every
//! scoring and risk setting of DOMAIN.md sections 4 and 5, with their normative defaults.
//!
//! `Questionnaire::parse` reads the TOML format documented in `questionnaires/README.md` and
//! checks every invariant once, reporting *all* problems with the field that has them, so that
//! a questionnaire that parses can be trusted by scoring and by the answering pages.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use super::decimal::Decimal;

/// Texts by language code (`nl`, `en`, …).
pub type Texts = BTreeMap<String, String>;

/// One problem in a questionnaire file: where, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Dotted path of the field, e.g. `items[3].category` or `scales.frequency.labels`.
    pub field: String,
    pub reason: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CategoryKind {
    /// Unwanted behaviour (bullying, aggression …): frequency of concrete acts.
    Behaviour,
    /// Strain (work pressure): agreement or frequency, items may be reversed.
    Strain,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    Behaviour,
    Strain,
    /// "Have you been bullied?": feeds the benchmark comparison only, never the score.
    SelfLabel,
}

/// Which sources a benchmark value covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BenchmarkScope {
    Internal,
    External,
    All,
}

/// A reference prevalence (e.g. from the national NEA survey) for a category's self-label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Benchmark {
    pub year: i32,
    pub source: String,
    pub scope: BenchmarkScope,
    /// Percentage of employees, 0 to 100.
    pub pct: Decimal,
}

/// An answer scale: integer values `min..=max`, each labelled, plus "prefer not to say".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scale {
    pub min: i32,
    pub max: i32,
    /// Label of each value, in order.
    pub labels: BTreeMap<i32, Texts>,
    pub prefer_not_to_say: Texts,
}

impl Scale {
    pub fn contains(&self, value: i32) -> bool {
        (self.min..=self.max).contains(&value)
    }
}

/// One answer option of the from-whom question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceOption {
    pub id: String,
    pub text: Texts,
    /// Clients, patients, pupils, passengers, the public (as opposed to colleagues, managers).
    pub external: bool,
}

/// "From whom did this come?", asked per behaviour category after any exposure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceQuestion {
    pub text: Texts,
    pub options: Vec<SourceOption>,
}

/// One band of the Fine & Kinney probability W: applies while `p < below`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WBand {
    pub below: Decimal,
    pub w: Decimal,
}

/// Scoring and risk settings of one category (DOMAIN.md sections 4 and 5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RiskSettings {
    /// Flag cut-offs on the behaviour scale: exposed from this value of `v_max` on.
    pub exposed_from: i32,
    pub monthly_from: i32,
    pub weekly_from: i32,
    /// A strain score at or above this is high strain.
    pub strain_high: Decimal,
    /// W when nobody is exposed (p = 0).
    pub w_zero: Decimal,
    /// W bands for p > 0, ascending by `below`.
    pub w_bands: Vec<WBand>,
    /// W when p is at or above the last band.
    pub w_max: Decimal,
    /// B from the lower median of `v_max` among the exposed, by scale value.
    pub b_by_value: BTreeMap<i32, Decimal>,
    /// B when nobody is exposed.
    pub b_nobody: Decimal,
    /// B for strain categories.
    pub b_strain: Decimal,
    /// Upper bounds (inclusive) of classes 1 to 4; above the last is class 5.
    pub class_bounds: [Decimal; 4],
    /// Default term of a plan item in months, for classes 1 to 5.
    pub terms_months: [u32; 5],
    /// Behaviour is red from this `weekly_pct` on.
    pub red_weekly_pct: Decimal,
    /// Red from this Fine & Kinney class on (both kinds).
    pub red_class: u8,
    /// Strain is red from this mean on.
    pub strain_red_mean: Decimal,
    /// Strain is orange from this mean on.
    pub strain_orange_mean: Decimal,
    /// Strain is orange from this class on.
    pub strain_orange_class: u8,
}

impl Default for RiskSettings {
    /// DOMAIN.md's normative values.
    fn default() -> Self {
        let d = Decimal::from_int;
        RiskSettings {
            exposed_from: 2,
            monthly_from: 3,
            weekly_from: 4,
            strain_high: d(60),
            w_zero: Decimal::new(5, 1),
            w_bands: vec![
                WBand {
                    below: d(5),
                    w: d(1),
                },
                WBand {
                    below: d(10),
                    w: d(3),
                },
                WBand {
                    below: d(25),
                    w: d(6),
                },
            ],
            w_max: d(10),
            b_by_value: BTreeMap::from([(2, d(1)), (3, d(2)), (4, d(3)), (5, d(6))]),
            b_nobody: Decimal::new(5, 1),
            b_strain: d(6),
            class_bounds: [d(20), d(70), d(200), d(400)],
            terms_months: [12, 12, 6, 3, 1],
            red_weekly_pct: d(5),
            red_class: 4,
            strain_red_mean: d(65),
            strain_orange_mean: d(50),
            strain_orange_class: 2,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Category {
    pub id: String,
    pub name: Texts,
    pub kind: CategoryKind,
    /// Fine & Kinney effect E.
    pub effect: Decimal,
    pub benchmarks: Vec<Benchmark>,
    pub settings: RiskSettings,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    pub id: String,
    pub category: String,
    pub kind: ItemKind,
    pub text: Texts,
    pub scale: String,
    pub reverse: bool,
    pub required: bool,
}

/// A checked questionnaire definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Questionnaire {
    pub id: String,
    pub version: String,
    /// Languages every text is given in; the first is the default.
    pub languages: Vec<String>,
    pub title: Texts,
    pub intro: Texts,
    pub closing: Texts,
    pub reference_period_months: u32,
    pub scales: BTreeMap<String, Scale>,
    pub sources: SourceQuestion,
    pub categories: Vec<Category>,
    /// In the order they are asked and stored.
    pub items: Vec<Item>,
}

impl Questionnaire {
    /// Parses and checks a questionnaire file; on failure, every problem found.
    pub fn parse(text: &str) -> Result<Questionnaire, Vec<Problem>> {
        let raw: raw::File =
            toml::from_str(text).map_err(|err| vec![syntax_problem(text, &err)])?;
        let mut check = Check::default();
        let questionnaire = raw.into_questionnaire(&mut check);
        if check.problems.is_empty() {
            Ok(questionnaire)
        } else {
            Err(check.problems)
        }
    }

    pub fn category(&self, id: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.id == id)
    }

    pub fn items_of<'a>(&'a self, category: &'a str) -> impl Iterator<Item = &'a Item> + 'a {
        self.items.iter().filter(move |i| i.category == category)
    }
}

pub(super) fn syntax_problem(text: &str, err: &toml::de::Error) -> Problem {
    let line = err
        .span()
        .map(|span| text[..span.start.min(text.len())].lines().count().max(1));
    Problem {
        field: line.map_or_else(|| "(file)".to_owned(), |l| format!("line {l}")),
        reason: err.message().trim().to_owned(),
    }
}

/// Collects problems while a raw file is turned into domain values (questionnaires and measure
/// catalogues alike).
#[derive(Default)]
pub(super) struct Check {
    pub(super) problems: Vec<Problem>,
    pub(super) languages: Vec<String>,
}

impl Check {
    pub(super) fn problem(&mut self, field: impl Into<String>, reason: impl Into<String>) {
        self.problems.push(Problem {
            field: field.into(),
            reason: reason.into(),
        });
    }

    /// Every language of the file has a non-empty text.
    pub(super) fn texts(&mut self, field: &str, texts: &Texts) {
        for lang in self.languages.clone() {
            if texts.get(&lang).is_none_or(|t| t.trim().is_empty()) {
                self.problem(field, format!("missing translation for {lang:?}"));
            }
        }
        for lang in texts.keys() {
            if !self.languages.contains(lang) {
                self.problem(
                    field,
                    format!("text in {lang:?}, which is not in `languages`"),
                );
            }
        }
    }

    pub(super) fn identifier(&mut self, field: &str, id: &str) {
        let ok = !id.is_empty()
            && id.len() <= 64
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if !ok {
            self.problem(
                field,
                format!("{id:?} must be 1 to 64 of a-z, 0-9, _ and -"),
            );
        }
    }
}

/// The file as written; turned into domain values by `into_questionnaire`.
mod raw {
    use super::*;

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct File {
        pub id: String,
        pub version: String,
        pub languages: Vec<String>,
        #[serde(default = "twelve")]
        pub reference_period_months: u32,
        pub title: Texts,
        pub intro: Texts,
        pub closing: Texts,
        #[serde(default)]
        pub scales: BTreeMap<String, Scale>,
        pub sources: Sources,
        #[serde(default)]
        pub settings: Settings,
        #[serde(default)]
        pub categories: Vec<Category>,
        #[serde(default)]
        pub items: Vec<Item>,
    }

    fn twelve() -> u32 {
        12
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Scale {
        pub min: i32,
        pub max: i32,
        #[serde(default)]
        pub labels: Vec<Label>,
        pub prefer_not_to_say: Texts,
    }

    /// `value` and one text per language, side by side (`{ value = 1, nl = "Nooit", en = "Never" }`);
    /// other keys count as texts in unknown languages and are reported as such.
    #[derive(Deserialize)]
    pub struct Label {
        pub value: i32,
        #[serde(flatten)]
        pub text: Texts,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Sources {
        pub question: Texts,
        #[serde(default)]
        pub options: Vec<SourceOption>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct SourceOption {
        pub id: String,
        #[serde(default)]
        pub external: bool,
        pub text: Texts,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Category {
        pub id: String,
        pub kind: CategoryKind,
        pub effect: Decimal,
        pub name: Texts,
        #[serde(default)]
        pub benchmarks: Vec<Benchmark>,
        #[serde(default)]
        pub settings: Settings,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Item {
        pub id: String,
        pub category: String,
        pub kind: ItemKind,
        pub scale: String,
        #[serde(default)]
        pub reverse: bool,
        #[serde(default)]
        pub required: bool,
        pub text: Texts,
    }

    /// Every setting optional: a category's settings override the file's, which override the
    /// defaults.
    #[derive(Deserialize, Default, Clone)]
    #[serde(deny_unknown_fields)]
    pub struct Settings {
        pub exposed_from: Option<i32>,
        pub monthly_from: Option<i32>,
        pub weekly_from: Option<i32>,
        pub strain_high: Option<Decimal>,
        pub w_zero: Option<Decimal>,
        pub w_bands: Option<Vec<WBand>>,
        pub w_max: Option<Decimal>,
        pub b_by_value: Option<BTreeMap<String, Decimal>>,
        pub b_nobody: Option<Decimal>,
        pub b_strain: Option<Decimal>,
        pub class_bounds: Option<Vec<Decimal>>,
        pub terms_months: Option<Vec<u32>>,
        pub red_weekly_pct: Option<Decimal>,
        pub red_class: Option<u8>,
        pub strain_red_mean: Option<Decimal>,
        pub strain_orange_mean: Option<Decimal>,
        pub strain_orange_class: Option<u8>,
    }
}

impl raw::Settings {
    /// `self` over `base`, checked; problems are reported under `field`.
    fn resolve(&self, base: &RiskSettings, field: &str, check: &mut Check) -> RiskSettings {
        let mut s = base.clone();
        macro_rules! take {
            ($($name:ident),*) => { $( if let Some(v) = self.$name.clone() { s.$name = v; } )* };
        }
        take!(
            exposed_from,
            monthly_from,
            weekly_from,
            strain_high,
            w_zero,
            w_bands,
            w_max,
            b_nobody,
            b_strain,
            red_weekly_pct,
            red_class,
            strain_red_mean,
            strain_orange_mean,
            strain_orange_class
        );
        if let Some(map) = &self.b_by_value {
            s.b_by_value.clear();
            for (key, value) in map {
                match key.parse::<i32>() {
                    Ok(k) => {
                        s.b_by_value.insert(k, *value);
                    }
                    Err(_) => check.problem(
                        format!("{field}.b_by_value"),
                        format!("key {key:?} is not a scale value"),
                    ),
                }
            }
        }
        match self.class_bounds.as_deref().map(<[Decimal; 4]>::try_from) {
            Some(Ok(bounds)) => s.class_bounds = bounds,
            Some(Err(_)) => {
                check.problem(format!("{field}.class_bounds"), "needs exactly 4 bounds")
            }
            None => {}
        }
        match self.terms_months.as_deref().map(<[u32; 5]>::try_from) {
            Some(Ok(terms)) => s.terms_months = terms,
            Some(Err(_)) => check.problem(format!("{field}.terms_months"), "needs exactly 5 terms"),
            None => {}
        }
        if !(s.exposed_from <= s.monthly_from && s.monthly_from <= s.weekly_from) {
            check.problem(
                format!("{field}.exposed_from"),
                "cut-offs must satisfy exposed_from <= monthly_from <= weekly_from",
            );
        }
        if s.strain_high < Decimal::ZERO || s.strain_high > Decimal::from_int(100) {
            check.problem(format!("{field}.strain_high"), "must be between 0 and 100");
        }
        if s.w_bands.windows(2).any(|w| w[0].below >= w[1].below) {
            check.problem(format!("{field}.w_bands"), "bands must ascend by `below`");
        }
        if s.class_bounds.windows(2).any(|w| w[0] >= w[1]) {
            check.problem(format!("{field}.class_bounds"), "bounds must ascend");
        }
        if s.terms_months.contains(&0) {
            check.problem(
                format!("{field}.terms_months"),
                "terms must be at least one month",
            );
        }
        for (name, class) in [
            ("red_class", s.red_class),
            ("strain_orange_class", s.strain_orange_class),
        ] {
            if !(1..=5).contains(&class) {
                check.problem(format!("{field}.{name}"), "a class is 1 to 5");
            }
        }
        let weights = [s.w_zero, s.w_max, s.b_nobody, s.b_strain]
            .into_iter()
            .chain(s.w_bands.iter().map(|b| b.w))
            .chain(s.b_by_value.values().copied());
        if weights.into_iter().any(Decimal::is_negative) {
            check.problem(field, "W and B values must not be negative");
        }
        s
    }
}

impl raw::File {
    fn into_questionnaire(self, check: &mut Check) -> Questionnaire {
        check.identifier("id", &self.id);
        if self.version.trim().is_empty() {
            check.problem("version", "must not be empty");
        }
        let mut languages = Vec::new();
        for (i, lang) in self.languages.iter().enumerate() {
            let ok = (2..=8).contains(&lang.len())
                && lang.bytes().all(|b| b.is_ascii_lowercase() || b == b'-');
            if !ok {
                check.problem(
                    format!("languages[{i}]"),
                    format!("{lang:?} is not a language code"),
                );
            } else if languages.contains(lang) {
                check.problem(
                    format!("languages[{i}]"),
                    format!("{lang:?} is listed twice"),
                );
            } else {
                languages.push(lang.clone());
            }
        }
        for required in ["nl", "en"] {
            if !languages.iter().any(|l| l == required) {
                check.problem("languages", format!("must include {required:?}"));
            }
        }
        check.languages = languages.clone();
        if !(1..=60).contains(&self.reference_period_months) {
            check.problem("reference_period_months", "must be 1 to 60");
        }
        check.texts("title", &self.title);
        check.texts("intro", &self.intro);
        check.texts("closing", &self.closing);

        let scales = self.check_scales(check);
        let sources = self.check_sources(check);
        let base = self
            .settings
            .resolve(&RiskSettings::default(), "settings", check);
        let categories = self.check_categories(&base, check);
        let items = self.check_items(&scales, &categories, check);
        Questionnaire {
            id: self.id,
            version: self.version,
            languages,
            title: self.title,
            intro: self.intro,
            closing: self.closing,
            reference_period_months: self.reference_period_months,
            scales,
            sources,
            categories,
            items,
        }
    }

    fn check_scales(&self, check: &mut Check) -> BTreeMap<String, Scale> {
        if self.scales.is_empty() {
            check.problem("scales", "at least one scale is needed");
        }
        let mut scales = BTreeMap::new();
        for (id, raw) in &self.scales {
            let field = format!("scales.{id}");
            check.identifier(&field, id);
            if raw.min >= raw.max || i64::from(raw.max) - i64::from(raw.min) > 100 {
                check.problem(
                    format!("{field}.min"),
                    "min must be below max, at most 100 apart",
                );
            }
            let mut labels = BTreeMap::new();
            for (i, label) in raw.labels.iter().enumerate() {
                let label_field = format!("{field}.labels[{i}]");
                if !(raw.min..=raw.max).contains(&label.value) {
                    check.problem(
                        &label_field,
                        format!("value {} is outside {}..{}", label.value, raw.min, raw.max),
                    );
                } else if labels.insert(label.value, label.text.clone()).is_some() {
                    check.problem(
                        &label_field,
                        format!("value {} is labelled twice", label.value),
                    );
                }
                check.texts(&label_field, &label.text);
            }
            if raw.min < raw.max {
                let missing: Vec<String> = (raw.min..=raw.max)
                    .filter(|v| !labels.contains_key(v))
                    .map(|v| v.to_string())
                    .collect();
                if !missing.is_empty() {
                    check.problem(
                        format!("{field}.labels"),
                        format!("no label for value {}", missing.join(", ")),
                    );
                }
            }
            check.texts(
                &format!("{field}.prefer_not_to_say"),
                &raw.prefer_not_to_say,
            );
            scales.insert(
                id.clone(),
                Scale {
                    min: raw.min,
                    max: raw.max,
                    labels,
                    prefer_not_to_say: raw.prefer_not_to_say.clone(),
                },
            );
        }
        scales
    }

    fn check_sources(&self, check: &mut Check) -> SourceQuestion {
        check.texts("sources.question", &self.sources.question);
        if !(2..=8).contains(&self.sources.options.len()) {
            check.problem("sources.options", "there must be 2 to 8 sources");
        }
        let mut seen = BTreeSet::new();
        let mut options = Vec::new();
        for (i, option) in self.sources.options.iter().enumerate() {
            let field = format!("sources.options[{i}]");
            check.identifier(&format!("{field}.id"), &option.id);
            if !seen.insert(option.id.clone()) {
                check.problem(
                    format!("{field}.id"),
                    format!("duplicate source id {:?}", option.id),
                );
            }
            check.texts(&format!("{field}.text"), &option.text);
            options.push(SourceOption {
                id: option.id.clone(),
                text: option.text.clone(),
                external: option.external,
            });
        }
        SourceQuestion {
            text: self.sources.question.clone(),
            options,
        }
    }

    fn check_categories(&self, base: &RiskSettings, check: &mut Check) -> Vec<Category> {
        if self.categories.is_empty() {
            check.problem("categories", "at least one category is needed");
        }
        let mut seen = BTreeSet::new();
        let mut categories = Vec::new();
        for (i, raw) in self.categories.iter().enumerate() {
            let field = format!("categories[{i}]");
            check.identifier(&format!("{field}.id"), &raw.id);
            if !seen.insert(raw.id.clone()) {
                check.problem(
                    format!("{field}.id"),
                    format!("duplicate category id {:?}", raw.id),
                );
            }
            check.texts(&format!("{field}.name"), &raw.name);
            if raw.effect <= Decimal::ZERO {
                check.problem(format!("{field}.effect"), "the effect E must be positive");
            }
            for (j, benchmark) in raw.benchmarks.iter().enumerate() {
                let b_field = format!("{field}.benchmarks[{j}]");
                if benchmark.pct < Decimal::ZERO || benchmark.pct > Decimal::from_int(100) {
                    check.problem(format!("{b_field}.pct"), "a percentage is 0 to 100");
                }
                if !(1990..=2100).contains(&benchmark.year) {
                    check.problem(format!("{b_field}.year"), "not a plausible year");
                }
                if benchmark.source.trim().is_empty() {
                    check.problem(format!("{b_field}.source"), "name the source");
                }
            }
            if raw.kind == CategoryKind::Strain && !raw.benchmarks.is_empty() {
                check.problem(
                    format!("{field}.benchmarks"),
                    "benchmarks compare self-labels of behaviour categories",
                );
            }
            let settings = raw
                .settings
                .resolve(base, &format!("{field}.settings"), check);
            categories.push(Category {
                id: raw.id.clone(),
                name: raw.name.clone(),
                kind: raw.kind,
                effect: raw.effect,
                benchmarks: raw.benchmarks.clone(),
                settings,
            });
        }
        categories
    }

    fn check_items(
        &self,
        scales: &BTreeMap<String, Scale>,
        categories: &[Category],
        check: &mut Check,
    ) -> Vec<Item> {
        let mut seen = BTreeSet::new();
        let mut items = Vec::new();
        for (i, raw) in self.items.iter().enumerate() {
            let field = format!("items[{i}]");
            check.identifier(&format!("{field}.id"), &raw.id);
            if !seen.insert(raw.id.clone()) {
                check.problem(
                    format!("{field}.id"),
                    format!("duplicate item id {:?}", raw.id),
                );
            }
            check.texts(&format!("{field}.text"), &raw.text);
            if !scales.contains_key(&raw.scale) {
                check.problem(
                    format!("{field}.scale"),
                    format!("unknown scale {:?}", raw.scale),
                );
            }
            match categories.iter().find(|c| c.id == raw.category) {
                None => check.problem(
                    format!("{field}.category"),
                    format!("unknown category {:?}", raw.category),
                ),
                Some(category) => {
                    let fits = matches!(
                        (category.kind, raw.kind),
                        (
                            CategoryKind::Behaviour,
                            ItemKind::Behaviour | ItemKind::SelfLabel
                        ) | (CategoryKind::Strain, ItemKind::Strain)
                    );
                    if !fits {
                        check.problem(
                            format!("{field}.kind"),
                            format!(
                                "a {:?} item cannot be in the {:?} category {:?}",
                                raw.kind, category.kind, category.id
                            ),
                        );
                    }
                    if raw.reverse && raw.kind != ItemKind::Strain {
                        check.problem(
                            format!("{field}.reverse"),
                            "only strain items may be reversed",
                        );
                    }
                }
            }
            items.push(Item {
                id: raw.id.clone(),
                category: raw.category.clone(),
                kind: raw.kind,
                text: raw.text.clone(),
                scale: raw.scale.clone(),
                reverse: raw.reverse,
                required: raw.required,
            });
        }
        for (i, category) in categories.iter().enumerate() {
            let field = format!("categories[{i}]");
            let scored: Vec<&Item> = items
                .iter()
                .filter(|item| item.category == category.id && item.kind != ItemKind::SelfLabel)
                .collect();
            if scored.is_empty() {
                check.problem(&field, format!("category {:?} has no items", category.id));
            }
            let self_labels = items
                .iter()
                .filter(|item| item.category == category.id && item.kind == ItemKind::SelfLabel)
                .count();
            if self_labels > 1 {
                check.problem(
                    &field,
                    format!(
                        "category {:?} has more than one self-label item",
                        category.id
                    ),
                );
            }
            if category.kind != CategoryKind::Behaviour {
                continue;
            }
            let behaviour_scales: BTreeSet<&str> =
                scored.iter().map(|item| item.scale.as_str()).collect();
            if behaviour_scales.len() > 1 {
                check.problem(
                    &field,
                    format!(
                        "the behaviour items of {:?} must share one scale",
                        category.id
                    ),
                );
            }
            if let Some(scale) = behaviour_scales.first().and_then(|id| scales.get(*id)) {
                let s = &category.settings;
                if !(scale.min < s.exposed_from && s.weekly_from <= scale.max) {
                    check.problem(
                        format!("{field}.settings.exposed_from"),
                        format!(
                            "flag cut-offs must lie above {} and at most {} on this scale",
                            scale.min, scale.max
                        ),
                    );
                }
                for value in s.exposed_from..=scale.max {
                    if !s.b_by_value.contains_key(&value) {
                        check.problem(
                            format!("{field}.settings.b_by_value"),
                            format!(
                                "no B for scale value {value}, which exposed respondents can answer"
                            ),
                        );
                    }
                }
            }
        }
        items
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIPPED: &str = include_str!("../../questionnaires/psa-basis.toml");

    fn fields(text: &str) -> Vec<String> {
        Questionnaire::parse(text)
            .unwrap_err()
            .into_iter()
            .map(|p| format!("{}: {}", p.field, p.reason))
            .collect()
    }

    #[test]
    fn the_shipped_questionnaire_is_valid_and_complete() {
        let q = Questionnaire::parse(SHIPPED).unwrap_or_else(|p| panic!("{p:#?}"));
        assert_eq!(q.id, "psa-basis");
        assert_eq!(q.reference_period_months, 12);
        let expected = [
            ("pesten", 7),
            ("agressie_geweld", 15),
            ("intimidatie", 3),
            ("seksuele_intimidatie", 7),
            ("discriminatie", 7),
            ("overig_ongewenst", 3),
            ("werkdruk", 3),
        ];
        for (id, effect) in expected {
            let category = q.category(id).unwrap_or_else(|| panic!("{id}"));
            assert_eq!(category.effect, Decimal::from_int(effect), "{id}");
            let count = |kind| q.items_of(id).filter(|i| i.kind == kind).count();
            match category.kind {
                CategoryKind::Behaviour => {
                    assert!(count(ItemKind::Behaviour) >= 4, "{id}");
                    assert_eq!(count(ItemKind::SelfLabel), 1, "{id}");
                    // Items describe acts without naming the category.
                    for item in q.items_of(id).filter(|i| i.kind == ItemKind::Behaviour) {
                        for (lang, name) in &category.name {
                            let text = item.text[lang].to_lowercase();
                            assert!(
                                !text.contains(&name.to_lowercase()),
                                "{} names {name}",
                                item.id
                            );
                        }
                    }
                }
                CategoryKind::Strain => {
                    assert!(count(ItemKind::Strain) >= 6, "{id}");
                    assert!(q.items_of(id).any(|i| i.reverse), "{id} has reversed items");
                }
            }
        }
        let sources: Vec<&str> = q.sources.options.iter().map(|o| o.id.as_str()).collect();
        assert_eq!(
            sources,
            ["leidinggevende", "collega", "ondergeschikte", "derden"]
        );
        assert_eq!(
            q.category("pesten").unwrap().settings,
            RiskSettings::default()
        );
    }

    #[test]
    fn every_problem_is_reported_with_its_field() {
        let broken = SHIPPED
            .replacen("id = \"pe1\"", "id = \"pe2\"", 1)
            .replacen("category = \"intimidatie\"", "category = \"nonsense\"", 1)
            .replacen("en = \"Never\"\n", "", 1)
            .replacen(
                "[[scales.frequency.labels]]\nvalue = 5",
                "[[scales.frequency.labels]]\nvalue = 4",
                1,
            );
        let problems = fields(&broken);
        let wanted = [
            "duplicate item id \"pe2\"",
            "unknown category \"nonsense\"",
            "missing translation for \"en\"",
            "no label for value 5",
        ];
        for want in wanted {
            assert!(
                problems.iter().any(|p| p.contains(want)),
                "{want} in {problems:#?}"
            );
        }
    }

    #[test]
    fn structural_rules_are_enforced() {
        let with_reversed_behaviour = SHIPPED.replacen(
            "id = \"pe1\"\ncategory = \"pesten\"\nkind = \"behaviour\"\nscale = \"frequency\"",
            "id = \"pe1\"\ncategory = \"pesten\"\nkind = \"behaviour\"\nscale = \"frequency\"\nreverse = true",
            1,
        );
        assert!(
            fields(&with_reversed_behaviour)
                .iter()
                .any(|p| p.contains("only strain items may be reversed"))
        );
        let without_items = format!(
            "{SHIPPED}\n[[categories]]\nid = \"leeg\"\nkind = \"strain\"\neffect = 1\nname = {{ nl = \"leeg\", en = \"empty\" }}\n"
        );
        assert!(
            fields(&without_items)
                .iter()
                .any(|p| p.contains("\"leeg\" has no items"))
        );
        let bad_settings = SHIPPED.replacen(
            "[settings]",
            "[settings]\nclass_bounds = [20, 10, 200, 400]\nexposed_from = 5",
            1,
        );
        let problems = fields(&bad_settings);
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with("settings.class_bounds")),
            "{problems:#?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with("settings.exposed_from")),
            "{problems:#?}"
        );
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let problems = Questionnaire::parse("id = \"x\"\nversion = \n").unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].field, "line 2");
        let unknown = Questionnaire::parse(&format!("colour = \"red\"\n{SHIPPED}")).unwrap_err();
        assert!(unknown[0].reason.contains("unknown field"), "{unknown:?}");
    }

    #[test]
    fn settings_cascade_from_defaults_to_file_to_category() {
        let text = SHIPPED.replacen("[settings]", "[settings]\nstrain_high = 62.5", 1).replacen(
            "id = \"werkdruk\"",
            "id = \"werkdruk\"\nsettings = { strain_high = 70, terms_months = [12, 9, 6, 3, 1] }",
            1,
        );
        let q = Questionnaire::parse(&text).unwrap_or_else(|p| panic!("{p:#?}"));
        assert_eq!(
            q.category("pesten").unwrap().settings.strain_high,
            Decimal::new(625, 1)
        );
        let strain = &q.category("werkdruk").unwrap().settings;
        assert_eq!(strain.strain_high, Decimal::from_int(70));
        assert_eq!(strain.terms_months, [12, 9, 6, 3, 1]);
    }
}
