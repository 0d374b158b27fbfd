//! Completeness: which risks no counting item covers.

use std::collections::{HashMap, HashSet};

use super::suggest::Suggestion;

/// What a plan item contributes to completeness: its category and scope (`None`: the top), and
/// whether it counts (not cancelled, with an owner and a deadline).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Coverage<'a> {
    pub category: &'a str,
    pub scope: Option<&'a str>,
    pub counts: bool,
}

/// The risks (as suggested for a round) that no counting item covers. An item covers its scope
/// and every scope below it in the round's frozen unit tree; sources do not matter.
pub fn uncovered<'a>(
    risks: &'a [Suggestion],
    frozen: &[crate::domain::round::FrozenUnit],
    items: &[Coverage],
) -> Vec<&'a Suggestion> {
    // Looked up by key: a plan can hold an item for each of thousands of risks.
    let parents: HashMap<&str, &str> = frozen
        .iter()
        .filter_map(|u| Some((u.id.as_str(), u.parent.as_deref()?)))
        .collect();
    let covered: HashSet<(&str, Option<&str>)> = items
        .iter()
        .filter(|item| item.counts)
        .map(|item| (item.category, item.scope))
        .collect();
    risks
        .iter()
        .filter(|risk| {
            let category = risk.category.as_str();
            // The risk's scope and every scope above it, up to the top (`None`).
            let mut scope = risk.unit_id.as_deref();
            loop {
                if covered.contains(&(category, scope)) {
                    return false;
                }
                match scope {
                    Some(unit) => scope = parents.get(unit).copied(),
                    None => return true,
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::domain::plan::RaisedBy;
    use crate::domain::risk::Light;

    fn risk(category: &str, unit: Option<&str>) -> Suggestion {
        Suggestion {
            category: category.into(),
            unit_id: unit.map(Into::into),
            path: String::new(),
            light: Light::Red,
            fk_class: 3,
            raised_by: RaisedBy::Exposure,
            term_months: 6,
            figures: BTreeMap::new(),
            sources: vec![],
            measures: vec![],
        }
    }

    #[test]
    fn an_item_covers_its_scope_and_every_scope_below() {
        let unit = |id: &str, parent: Option<&str>| crate::domain::round::FrozenUnit {
            id: id.into(),
            parent: parent.map(Into::into),
            name: id.into(),
            path: id.into(),
            headcount: None,
        };
        let frozen = [
            unit("zorg", None),
            unit("nacht", Some("zorg")),
            unit("kantoor", None),
        ];
        let risks = [
            risk("pesten", None),
            risk("pesten", Some("nacht")),
            risk("pesten", Some("kantoor")),
            risk("werkdruk", Some("nacht")),
        ];
        let item = |category, scope, counts| Coverage {
            category,
            scope,
            counts,
        };
        let missing = |items: &[Coverage]| -> Vec<(String, Option<String>)> {
            uncovered(&risks, &frozen, items)
                .iter()
                .map(|r| (r.category.clone(), r.unit_id.clone()))
                .collect()
        };
        assert_eq!(missing(&[]).len(), 4);
        // An item for Zorg covers Zorg/Nacht below it, not Kantoor beside it, nor the top.
        let zorg = [item("pesten", Some("zorg"), true)];
        assert_eq!(
            missing(&zorg),
            [
                ("pesten".to_owned(), None),
                ("pesten".to_owned(), Some("kantoor".to_owned())),
                ("werkdruk".to_owned(), Some("nacht".to_owned()))
            ]
        );
        // An organisation-wide item covers every scope of its category.
        assert_eq!(missing(&[item("pesten", None, true)]).len(), 1);
        // A cancelled item, or one without owner or deadline, covers nothing.
        assert_eq!(missing(&[item("pesten", None, false)]).len(), 4);
    }
}
