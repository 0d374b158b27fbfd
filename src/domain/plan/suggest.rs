//! From a closed round's risks to suggested measures. A *risk* is a category in a scope (the top
//! or a shown unit group); every orange or red risk gets the catalogue's measures that fit its
//! sources, most urgent risk first and, per risk, source measures first.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::domain::Questionnaire;
use crate::domain::measures::{Measure, MeasureCatalogue, SourceFit, StrategyLevel};
use crate::domain::questionnaire::{CategoryKind, Texts};
use crate::domain::results::{CategoryResult, RoundResults};
use crate::domain::risk::Light;

/// Which rule made a risk orange or red (DOMAIN.md section 5, "Traffic light").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RaisedBy {
    /// Behaviour: the Fine & Kinney class reached the red class.
    Class,
    /// Behaviour: `weekly_pct` reached the red share.
    WeeklyShare,
    /// Behaviour: someone was exposed (zero tolerance).
    Exposure,
    /// Strain: the mean reached the red (or orange) mean.
    Mean,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SuggestedMeasure {
    pub id: String,
    pub level: StrategyLevel,
    pub sources: SourceFit,
    #[schema(value_type = BTreeMap<String, String>)]
    pub title: Texts,
    #[schema(value_type = BTreeMap<String, String>)]
    pub owner_role: Texts,
    #[schema(value_type = BTreeMap<String, String>)]
    pub rationale: Texts,
}

/// The measures suggested for one risk, with the figures that raised it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Suggestion {
    pub category: String,
    /// `None` for the top group.
    pub unit_id: Option<String>,
    pub path: String,
    pub light: Light,
    pub fk_class: u8,
    pub raised_by: RaisedBy,
    /// The default term of an item for this class, in months from acceptance.
    pub term_months: u32,
    /// The figures behind the risk: `n` and, for behaviour, `exposed_pct` and `weekly_pct`, for
    /// strain, `mean` and `high_strain_pct`.
    pub figures: BTreeMap<String, f64>,
    /// Behaviour: the source options named by the exposed (ids); the measures fit them.
    pub sources: Vec<String>,
    pub measures: Vec<SuggestedMeasure>,
}

/// Suggests measures for every orange or red risk of `results`, ordered by Fine & Kinney class
/// (highest first), then group and category order; each risk's measures by strategy level.
pub fn suggest(
    q: &Questionnaire,
    catalogue: &MeasureCatalogue,
    results: &RoundResults,
) -> Vec<Suggestion> {
    let mut suggestions = Vec::new();
    for group in &results.groups {
        for category in &q.categories {
            let Some(figures) = group.categories.get(&category.id).and_then(|r| r.shown()) else {
                continue;
            };
            if figures.risk.light == Light::Green {
                continue;
            }
            let behaviour = category.kind == CategoryKind::Behaviour;
            let named: Vec<&crate::domain::questionnaire::SourceOption> = q
                .sources
                .options
                .iter()
                .filter(|o| behaviour && figures.source_pct.get(&o.id).is_some_and(|s| s.pct > 0.0))
                .collect();
            let internal = named.iter().any(|o| !o.external);
            let external = named.iter().any(|o| o.external);
            // Nobody named a source (or strain): every measure fits.
            let fits = |m: &Measure| match m.sources {
                SourceFit::Any => true,
                _ if named.is_empty() => true,
                SourceFit::Internal => internal,
                SourceFit::External => external,
            };
            let mut measures: Vec<&Measure> = catalogue
                .measures_for(&category.id)
                .filter(|m| fits(m))
                .collect();
            measures.sort_by_key(|m| m.level);
            let s = &category.settings;
            let class = figures.risk.fk_class;
            let term = s.terms_months[usize::from(class.clamp(1, 5)) - 1];
            suggestions.push(Suggestion {
                category: category.id.clone(),
                unit_id: group.unit_id.clone(),
                path: group.path.clone(),
                light: figures.risk.light,
                fk_class: class,
                raised_by: raised_by(behaviour, figures, s),
                term_months: term,
                figures: key_figures(behaviour, figures),
                sources: named.iter().map(|o| o.id.clone()).collect(),
                measures: measures
                    .into_iter()
                    .map(|m| SuggestedMeasure {
                        id: m.id.clone(),
                        level: m.level,
                        sources: m.sources,
                        title: m.title.clone(),
                        owner_role: m.owner_role.clone(),
                        rationale: m.rationale.clone(),
                    })
                    .collect(),
            });
        }
    }
    // Stable: equal classes keep group and category order.
    suggestions.sort_by_key(|s| std::cmp::Reverse(s.fk_class));
    suggestions
}

/// The rule behind the light, decided on the exact class where it can be, else by elimination:
/// the light was computed exactly at close, so a red behaviour risk below the red class was red
/// by its weekly share.
fn raised_by(
    behaviour: bool,
    figures: &CategoryResult,
    s: &crate::domain::questionnaire::RiskSettings,
) -> RaisedBy {
    let class = figures.risk.fk_class;
    match (behaviour, figures.risk.light) {
        (true, Light::Red) if class >= s.red_class => RaisedBy::Class,
        (true, Light::Red) => RaisedBy::WeeklyShare,
        (true, _) => RaisedBy::Exposure,
        (false, Light::Red) if class >= s.red_class => RaisedBy::Class,
        (false, Light::Orange) if class >= s.strain_orange_class => RaisedBy::Class,
        (false, _) => RaisedBy::Mean,
    }
}

fn key_figures(behaviour: bool, f: &CategoryResult) -> BTreeMap<String, f64> {
    let mut figures = BTreeMap::from([("n".to_owned(), f.n as f64)]);
    let shares: [(&str, Option<f64>); 2] = if behaviour {
        [("exposed_pct", f.exposed_pct), ("weekly_pct", f.weekly_pct)]
    } else {
        [
            ("mean", Some(f.mean)),
            ("high_strain_pct", f.high_strain_pct),
        ]
    };
    for (name, value) in shares {
        if let Some(v) = value {
            figures.insert(name.to_owned(), v);
        }
    }
    figures
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::answers::{Answers, RawAnswers};
    use crate::domain::results::compute;
    use crate::domain::round::{FrozenUnit, MinGroupSize};

    fn basis() -> Questionnaire {
        Questionnaire::parse(include_str!("../../../questionnaires/psa-basis.toml")).unwrap()
    }

    fn catalogue() -> MeasureCatalogue {
        MeasureCatalogue::parse(include_str!("../../../questionnaires/measures.toml")).unwrap()
    }

    fn respondent(q: &Questionnaire, pe1: i32, source: Option<&str>, wd: i32) -> Answers {
        let mut raw = RawAnswers::default();
        for item in ["pe1", "pe2", "pe3", "pe4", "pe5"] {
            raw.items
                .insert(item.into(), Some(if item == "pe1" { pe1 } else { 1 }));
        }
        for item in ["wd1", "wd2", "wd3", "wd4", "wd8"] {
            raw.items.insert(item.into(), Some(wd));
        }
        if let Some(source) = source {
            raw.sources = BTreeMap::from([("pesten".into(), vec![source.into()])]);
        }
        Answers::parse(&raw, q).unwrap()
    }

    fn unit(id: &str) -> FrozenUnit {
        FrozenUnit {
            id: id.into(),
            parent: None,
            name: id.into(),
            path: id.into(),
            headcount: None,
        }
    }

    #[test]
    fn orange_and_red_risks_get_measures_that_fit_their_sources() {
        let q = basis();
        // 10 respondents in A: one bullied monthly by clients (orange, not weekly);
        // 10 in B: two bullied weekly by colleagues (red). Work pressure high everywhere.
        let mut responses = Vec::new();
        for i in 0..10 {
            let (pe1, source) = if i == 0 {
                (3, Some("derden"))
            } else {
                (1, None)
            };
            responses.push(("a".to_owned(), respondent(&q, pe1, source, 5)));
        }
        for i in 0..10 {
            let (pe1, source) = if i < 2 {
                (4, Some("collega"))
            } else {
                (1, None)
            };
            responses.push(("b".to_owned(), respondent(&q, pe1, source, 5)));
        }
        let results = compute(
            &q,
            &[unit("a"), unit("b")],
            responses,
            MinGroupSize::new(5).unwrap(),
        );
        let suggestions = suggest(&q, &catalogue(), &results);
        assert!(
            suggestions.iter().all(|s| s.light != Light::Green),
            "green risks need nothing"
        );
        let classes: Vec<u8> = suggestions.iter().map(|s| s.fk_class).collect();
        let mut sorted = classes.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        assert_eq!(classes, sorted, "most urgent first");
        let find = |unit: &str, category: &str| {
            suggestions
                .iter()
                .find(|s| s.unit_id.as_deref() == Some(unit) && s.category == category)
                .unwrap_or_else(|| panic!("{unit} {category}"))
        };
        let a = find("a", "pesten");
        assert_eq!(a.light, Light::Orange);
        assert_eq!(a.raised_by, RaisedBy::Exposure);
        assert_eq!(a.sources, ["derden"]);
        assert!(
            a.measures.iter().all(|m| m.sources != SourceFit::Internal),
            "clients: no internal measures"
        );
        assert!(a.measures.iter().any(|m| m.id == "huisregels"));
        let b = find("b", "pesten");
        assert_eq!(b.light, Light::Red);
        assert_eq!(b.raised_by, RaisedBy::WeeklyShare, "20% weekly, class 3");
        assert_eq!(b.fk_class, 3);
        assert_eq!(b.term_months, 6, "class 3: six months");
        assert_eq!(b.figures["weekly_pct"], 20.0);
        assert!(b.measures.iter().all(|m| m.sources != SourceFit::External));
        assert!(b.measures.iter().any(|m| m.id == "gedragscode"));
        let levels: Vec<StrategyLevel> = b.measures.iter().map(|m| m.level).collect();
        let mut ordered = levels.clone();
        ordered.sort();
        assert_eq!(levels, ordered, "source measures first");
        assert_eq!(levels[0], StrategyLevel::Source);
        // Work pressure at 100 for all: red by its mean (class 3 < 4).
        let strain = find("a", "werkdruk");
        assert_eq!(strain.light, Light::Red);
        assert_eq!(strain.raised_by, RaisedBy::Mean);
        assert_eq!(strain.figures["mean"], 100.0);
        assert!(strain.measures.len() >= 5, "strain: every measure fits");
    }

    #[test]
    fn hidden_groups_raise_no_suggestion() {
        let q = basis();
        // Four respondents, all bullied weekly: below k = 5, nothing is shown or suggested.
        let responses = (0..4).map(|_| ("a".to_owned(), respondent(&q, 5, Some("collega"), 5)));
        let results = compute(&q, &[unit("a")], responses, MinGroupSize::new(5).unwrap());
        assert!(suggest(&q, &catalogue(), &results).is_empty());
    }
}
