//! Suppression of small groups (DOMAIN.md section 6): which groups' figures may be shown so that
//! every set of respondents whose figures can be computed from shown figures, directly or by
//! subtraction, counts 0 or at least k.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A group of a round's frozen unit tree: the top (the organisation, or the units covered) has
/// no parent and an empty path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub parent: Option<usize>,
    /// Unit names from the top, NFC-normalised; compared by code point, a path before its
    /// extensions (unit path order).
    pub path: Vec<String>,
    /// Respondents with a score in this group's own unit (not its sub-units).
    pub own: u64,
}

/// A figure that may be shown, or none at all: the hidden variant holds no number, so no later
/// step can leak one.
#[derive(Debug, Clone, PartialEq)]
pub enum Released<T> {
    Shown(T),
    Suppressed,
}

impl<T> Released<T> {
    pub fn shown(&self) -> Option<&T> {
        match self {
            Released::Shown(value) => Some(value),
            Released::Suppressed => None,
        }
    }
}

impl<T: Serialize> Serialize for Released<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Released::Shown(value) => value.serialize(serializer),
            Released::Suppressed => {
                use serde::ser::SerializeMap;
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("suppressed", &true)?;
                map.end()
            }
        }
    }
}

/// The OpenAPI schema of a `Released<T>`: `T`'s schema, or `{"suppressed": true}` and nothing
/// else.
pub fn released_schema<T: utoipa::ToSchema>()
-> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::{
        AdditionalProperties, ObjectBuilder, OneOfBuilder, Schema, Type,
    };
    let suppressed = ObjectBuilder::new()
        .property(
            "suppressed",
            ObjectBuilder::new()
                .schema_type(Type::Boolean)
                .enum_values(Some([true])),
        )
        .required("suppressed")
        .additional_properties(Some(AdditionalProperties::FreeForm(false)))
        .description(Some("Too few respondents to show: no figure at all"));
    Schema::OneOf(
        OneOfBuilder::new()
            .item(utoipa::openapi::Ref::from_schema_name(T::name()))
            .item(suppressed)
            .build(),
    )
    .into()
}

/// Reads stored results back: `{"suppressed": true}` is the hidden variant, anything else `T`.
impl<'de, T: Deserialize<'de>> Deserialize<'de> for Released<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Stored<T> {
            Suppressed {
                #[allow(dead_code)]
                suppressed: bool,
            },
            Shown(T),
        }
        Ok(match Stored::deserialize(deserializer)? {
            Stored::Suppressed { .. } => Released::Suppressed,
            Stored::Shown(value) => Released::Shown(value),
        })
    }
}

/// Each group's `n`: its own respondents and those of every group below it.
pub fn totals(groups: &[Group]) -> Vec<u64> {
    let mut n: Vec<u64> = groups.iter().map(|g| g.own).collect();
    // Children are added to parents deepest first.
    let mut order: Vec<usize> = (0..groups.len()).collect();
    order.sort_by_key(|i| std::cmp::Reverse(groups[*i].path.len()));
    for i in order {
        if let Some(parent) = groups[i].parent {
            n[parent] += n[i];
        }
    }
    n
}

fn is_below(groups: &[Group], node: usize, ancestor: usize) -> bool {
    let mut current = groups[node].parent;
    while let Some(p) = current {
        if p == ancestor {
            return true;
        }
        current = groups[p].parent;
    }
    false
}

/// The shown groups strictly below `g` that no other shown group below `g` contains.
fn maximal_shown_below(groups: &[Group], shown: &[bool], g: usize) -> Vec<usize> {
    (0..groups.len())
        .filter(|&d| shown[d] && is_below(groups, d, g))
        .filter(|&d| {
            !(0..groups.len())
                .any(|m| m != d && shown[m] && is_below(groups, m, g) && is_below(groups, d, m))
        })
        .collect()
}

/// Which groups may be shown with threshold `k` (≥ 1), per DOMAIN.md section 6: start with every
/// group of at least k; while a shown group leaves a residual of 1 to k − 1 outside its shown
/// sub-groups, take the violating group with the largest n (ties: first in path order) and hide
/// its shown maximal sub-group with the smallest n (ties: last in path order).
pub fn release(groups: &[Group], k: u64) -> Vec<bool> {
    let n = totals(groups);
    let mut shown: Vec<bool> = n.iter().map(|&n| n >= k).collect();
    let path_order = |a: &usize, b: &usize| groups[*a].path.cmp(&groups[*b].path);
    loop {
        let mut violating: Vec<(usize, Vec<usize>)> = (0..groups.len())
            .filter(|&g| shown[g])
            .filter_map(|g| {
                let below = maximal_shown_below(groups, &shown, g);
                let residual = n[g] - below.iter().map(|&d| n[d]).sum::<u64>();
                (residual > 0 && residual < k).then_some((g, below))
            })
            .collect();
        if violating.is_empty() {
            return shown;
        }
        violating.sort_by(|(a, _), (b, _)| n[*b].cmp(&n[*a]).then_with(|| path_order(a, b)));
        let (_, below) = violating.swap_remove(0);
        // A violating group always has a shown sub-group: otherwise its residual is its n ≥ k.
        let Some(&hide) = below
            .iter()
            .min_by(|a, b| n[**a].cmp(&n[**b]).then_with(|| path_order(b, a)))
        else {
            return shown;
        };
        shown[hide] = false;
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn group(parent: Option<usize>, path: &[&str], own: u64) -> Group {
        Group {
            parent,
            path: path.iter().map(|s| (*s).to_owned()).collect(),
            own,
        }
    }

    #[test]
    fn a_small_sibling_is_hidden_and_so_is_the_smallest_other_when_subtraction_would_reveal_it() {
        // Top (own 0) with A (12) and B (3), k = 10: B hidden; top 15 − A 12 = 3 would reveal B,
        // so A is hidden too.
        let groups = [
            group(None, &[], 0),
            group(Some(0), &["A"], 12),
            group(Some(0), &["B"], 3),
        ];
        assert_eq!(release(&groups, 10), [true, false, false]);
        // With B at 10 both stay.
        let groups = [
            group(None, &[], 0),
            group(Some(0), &["A"], 12),
            group(Some(0), &["B"], 10),
        ];
        assert_eq!(release(&groups, 10), [true, true, true]);
        // Ties: the last in path order is hidden.
        let groups = [
            group(None, &[], 3),
            group(Some(0), &["A"], 12),
            group(Some(0), &["B"], 12),
        ];
        assert_eq!(release(&groups, 10), [true, true, false]);
    }

    #[test]
    fn hidden_groups_serialise_without_any_number() {
        let hidden: Released<u64> = Released::Suppressed;
        assert_eq!(
            serde_json::to_string(&hidden).unwrap(),
            r#"{"suppressed":true}"#
        );
        assert_eq!(serde_json::to_string(&Released::Shown(12)).unwrap(), "12");
    }

    /// A random tree: each node's parent is an earlier node; paths follow the tree.
    fn trees() -> impl Strategy<Value = (Vec<Group>, u64)> {
        (1usize..8, 1u64..12)
            .prop_flat_map(|(size, k)| {
                let parents: Vec<BoxedStrategy<usize>> =
                    (1..size).map(|i| (0..i).boxed()).collect();
                (parents, prop::collection::vec(0u64..15, size), Just(k))
            })
            .prop_map(|(parents, owns, k)| {
                let mut groups = vec![group(None, &[], owns[0])];
                for (i, parent) in parents.into_iter().enumerate() {
                    let mut path = groups[parent].path.clone();
                    path.push(format!("u{}", i + 1));
                    groups.push(Group {
                        parent: Some(parent),
                        path,
                        own: owns[i + 1],
                    });
                }
                (groups, k)
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        /// The auditor: every set computable from shown figures (a shown group minus any set of
        /// disjoint shown groups inside it) counts 0 or at least k; and the result is deterministic.
        #[test]
        fn no_computable_set_has_one_to_k_minus_one_respondents((groups, k) in trees()) {
            let shown = release(&groups, k);
            prop_assert_eq!(&shown, &release(&groups, k));
            let n = totals(&groups);
            for g in (0..groups.len()).filter(|&g| shown[g]) {
                prop_assert!(n[g] >= k);
                let inside: Vec<usize> = (0..groups.len()).filter(|&d| shown[d] && is_below(&groups, d, g)).collect();
                for mask in 0u32..(1 << inside.len()) {
                    let chosen: Vec<usize> = inside.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, d)| *d).collect();
                    let disjoint = chosen.iter().all(|&a| chosen.iter().all(|&b| a == b || (!is_below(&groups, a, b) && !is_below(&groups, b, a))));
                    if !disjoint {
                        continue;
                    }
                    let rest = n[g] - chosen.iter().map(|&d| n[d]).sum::<u64>();
                    prop_assert!(rest == 0 || rest >= k, "group {} minus {:?} leaves {} with k {}", g, chosen, rest, k);
                }
            }
        }
    }
}
