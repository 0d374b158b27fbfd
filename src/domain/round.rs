//! Survey rounds: their life cycle, the anonymity threshold, the unit tree a round freezes, the
//! codes employees type, and the response-rate figures that are safe to show.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{UnitId, UnitTree};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RoundStatus {
    Draft,
    Open,
    Closed,
}

impl RoundStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RoundStatus::Draft => "draft",
            RoundStatus::Open => "open",
            RoundStatus::Closed => "closed",
        }
    }

    /// `draft → open → closed`, nothing else.
    pub fn check_transition(self, to: RoundStatus) -> Result<(), RoundError> {
        match (self, to) {
            (RoundStatus::Draft, RoundStatus::Open) | (RoundStatus::Open, RoundStatus::Closed) => {
                Ok(())
            }
            (current, _) => Err(RoundError::IllegalTransition { current }),
        }
    }
}

impl fmt::Display for RoundStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RoundStatus {
    type Err = RoundError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "draft" => Ok(RoundStatus::Draft),
            "open" => Ok(RoundStatus::Open),
            "closed" => Ok(RoundStatus::Closed),
            other => Err(RoundError::UnknownStatus(other.to_owned())),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoundError {
    #[error("the round is {current}")]
    IllegalTransition { current: RoundStatus },
    #[error("unknown round status {0:?}")]
    UnknownStatus(String),
    #[error("the minimum group size must be {min} to {max}", min = MinGroupSize::MIN, max = MinGroupSize::MAX)]
    GroupSize,
}

/// The anonymity threshold k: no group smaller than this is ever shown. Fixed once a round opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct MinGroupSize(u32);

impl MinGroupSize {
    pub const MIN: u32 = 5;
    pub const DEFAULT: u32 = 10;
    pub const MAX: u32 = 1000;

    pub fn new(k: i64) -> Result<MinGroupSize, RoundError> {
        match u32::try_from(k) {
            Ok(k) if (Self::MIN..=Self::MAX).contains(&k) => Ok(MinGroupSize(k)),
            _ => Err(RoundError::GroupSize),
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

impl Default for MinGroupSize {
    fn default() -> Self {
        MinGroupSize(Self::DEFAULT)
    }
}

/// A unit as a round froze it when it opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrozenUnit {
    pub id: String,
    pub parent: Option<String>,
    pub name: String,
    pub path: String,
    pub headcount: Option<u32>,
}

/// The units a round covers: each chosen unit with all its sub-units, or every unit when none is
/// chosen; parents outside the covered set are cut off, so covered tops have no parent.
pub fn covered_units(tree: &UnitTree, chosen: &[UnitId]) -> Vec<FrozenUnit> {
    let covered: Vec<&super::Unit> = tree
        .in_path_order()
        .into_iter()
        .filter(|u| chosen.is_empty() || chosen.iter().any(|c| tree.is_within(&u.id, c)))
        .collect();
    let ids: Vec<&UnitId> = covered.iter().map(|u| &u.id).collect();
    covered
        .iter()
        .map(|u| FrozenUnit {
            id: u.id.to_string(),
            parent: u
                .parent
                .as_ref()
                .filter(|p| ids.contains(p))
                .map(ToString::to_string),
            name: u.name.to_string(),
            path: tree.path_text(&u.id),
            headcount: u.headcount.map(super::Headcount::get),
        })
        .collect()
}

/// The alphabet of invitation codes (Crockford's base 32): no I, L, O or U, so that codes
/// survive being read aloud and typed. 32 symbols: 5 bits each.
pub const CODE_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Number of symbols in a code: 10 × 5 = 50 random bits.
pub const CODE_LENGTH: usize = 10;

/// Turns 50 random bits into a code, grouped as `ABCDE-FGHJK`.
pub fn code_from_bits(bits: u64) -> String {
    let mut code = String::with_capacity(CODE_LENGTH + 1);
    for i in 0..CODE_LENGTH {
        if i == CODE_LENGTH / 2 {
            code.push('-');
        }
        let index = ((bits >> (5 * i)) & 31) as usize;
        code.push(CODE_ALPHABET[index] as char);
    }
    code
}

/// The canonical form of a typed code (upper case, without spaces or dashes; O read as 0 and
/// I or L as 1, as Crockford's base 32 does), or `None`.
pub fn normalize_code(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect();
    (code.len() == CODE_LENGTH && code.bytes().all(|b| CODE_ALPHABET.contains(&b))).then_some(code)
}

/// Invited and responded counts of one unit (`""`: invitations to the organisation as a whole).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitCount {
    pub unit: String,
    pub invited: u64,
    pub responded: u64,
}

/// A row of the response-rate table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProgressRow {
    pub unit_id: String,
    pub path: String,
    pub invited: u64,
    pub responded: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub invited: u64,
    pub responded: u64,
    /// Units with at least k invitations of their own (smaller sub-units counted with them), in
    /// unit path order.
    pub units: Vec<ProgressRow>,
}

/// Response rates that are safe to show: per unit only where the unit's own invitations (with
/// those of smaller sub-units folded in) reach k; smaller units count with their parent.
pub fn progress(frozen: &[FrozenUnit], counts: &[UnitCount], k: MinGroupSize) -> Progress {
    let mut own: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for count in counts {
        let entry = own.entry(count.unit.as_str()).or_default();
        entry.0 += count.invited;
        entry.1 += count.responded;
    }
    let invited = counts.iter().map(|c| c.invited).sum();
    let responded = counts.iter().map(|c| c.responded).sum();
    // Deepest units first, so that a small unit is folded into its parent before the parent is
    // judged. `frozen` is in path order, so children follow their parents.
    let mut rows = Vec::new();
    for unit in frozen.iter().rev() {
        let (i, r) = own.remove(unit.id.as_str()).unwrap_or_default();
        if i >= u64::from(k.get()) {
            rows.push(ProgressRow {
                unit_id: unit.id.clone(),
                path: unit.path.clone(),
                invited: i,
                responded: r,
            });
        } else if let Some(parent) = &unit.parent {
            let entry = own.entry(parent.as_str()).or_default();
            entry.0 += i;
            entry.1 += r;
        }
    }
    rows.reverse();
    Progress {
        invited,
        responded,
        units: rows,
    }
}

/// Where each unit's responses go at close (DOMAIN.md section 6, close step c): a unit whose
/// group (with its sub-units) has fewer than k responses is attached to its nearest ancestor
/// whose group has at least k, or to the top (`""`). Shown figures do not change: such groups
/// are hidden anyway. `responses` counts responses by unit id (`""` for the top).
pub fn reattach(
    frozen: &[FrozenUnit],
    responses: &BTreeMap<String, u64>,
    k: MinGroupSize,
) -> BTreeMap<String, String> {
    let parent: BTreeMap<&str, Option<&str>> = frozen
        .iter()
        .map(|u| (u.id.as_str(), u.parent.as_deref()))
        .collect();
    // Group totals: each unit's own responses plus those of every unit below it.
    let mut group: BTreeMap<&str, u64> = BTreeMap::new();
    for (unit, count) in responses {
        let mut current = Some(unit.as_str()).filter(|u| parent.contains_key(u));
        while let Some(u) = current {
            *group.entry(u).or_default() += count;
            current = parent.get(u).copied().flatten();
        }
    }
    let big_enough = |u: &str| group.get(u).copied().unwrap_or(0) >= u64::from(k.get());
    responses
        .keys()
        .map(|unit| {
            let mut current = Some(unit.as_str()).filter(|u| parent.contains_key(u));
            while let Some(u) = current {
                if big_enough(u) {
                    return (unit.clone(), u.to_owned());
                }
                current = parent.get(u).copied().flatten();
            }
            (unit.clone(), String::new())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Unit, UnitName};

    #[test]
    fn rounds_move_only_forward() {
        use RoundStatus::*;
        assert!(Draft.check_transition(Open).is_ok());
        assert!(Open.check_transition(Closed).is_ok());
        for (from, to) in [
            (Draft, Closed),
            (Open, Open),
            (Closed, Open),
            (Closed, Closed),
            (Open, Draft),
        ] {
            assert_eq!(
                from.check_transition(to),
                Err(RoundError::IllegalTransition { current: from })
            );
        }
    }

    #[test]
    fn the_threshold_is_never_below_five() {
        assert!(MinGroupSize::new(4).is_err());
        assert_eq!(MinGroupSize::new(5).unwrap().get(), 5);
        assert_eq!(MinGroupSize::default().get(), 10);
    }

    #[test]
    fn codes_carry_fifty_bits_in_an_unambiguous_alphabet() {
        let code = code_from_bits(0x3_FFFF_FFFF_FFFF);
        assert_eq!(code.len(), 11);
        assert_eq!(&code[5..6], "-");
        let other = code_from_bits(0x1234_5678_9ABC);
        assert_ne!(code, other);
        for c in ['O', 'I', 'L', 'U'] {
            assert!(!CODE_ALPHABET.contains(&(c as u8)), "{c}");
        }
        assert_eq!(
            normalize_code(&other.to_lowercase().replace('-', " ")),
            Some(other.replace('-', ""))
        );
        assert_eq!(
            normalize_code("abcde-fghio"),
            Some("ABCDEFGH10".into()),
            "misreadings are mended"
        );
        assert_eq!(normalize_code("ABCDE-FGHJU"), None);
        assert_eq!(normalize_code("ABC"), None);
    }

    fn frozen(tree: &UnitTree) -> Vec<FrozenUnit> {
        covered_units(tree, &[])
    }

    fn unit(id: &str, parent: Option<&str>, name: &str) -> Unit {
        Unit {
            id: UnitId::new(id),
            parent: parent.map(UnitId::new),
            name: UnitName::parse(name).unwrap(),
            headcount: None,
        }
    }

    #[test]
    fn a_round_covers_chosen_units_with_their_sub_units() {
        let tree = UnitTree::new([
            unit("z", None, "Zorg"),
            unit("a", Some("z"), "A"),
            unit("b", None, "Beheer"),
        ]);
        let covered = covered_units(&tree, &[UnitId::new("z")]);
        let ids: Vec<&str> = covered.iter().map(|u| u.id.as_str()).collect();
        assert_eq!(ids, ["z", "a"]);
        let sub_only = covered_units(&tree, &[UnitId::new("a")]);
        assert_eq!(sub_only[0].parent, None, "the covered top has no parent");
        assert_eq!(sub_only[0].path, "Zorg/A");
        assert_eq!(frozen(&tree).len(), 3);
    }

    #[test]
    fn responses_of_small_groups_move_to_the_nearest_big_enough_ancestor() {
        let tree = UnitTree::new([
            unit("z", None, "Zorg"),
            unit("a", Some("z"), "A"),
            unit("n", Some("a"), "Nacht"),
            unit("b", Some("z"), "B"),
            unit("x", None, "Klein"),
        ]);
        let responses: BTreeMap<String, u64> =
            [("a", 8), ("n", 3), ("b", 4), ("z", 1), ("x", 2), ("", 1)]
                .into_iter()
                .map(|(u, c)| (u.to_owned(), c))
                .collect();
        let moved = reattach(&frozen(&tree), &responses, MinGroupSize::default());
        // A with Nacht has 11: both stay in A. B (4) goes to Zorg (16). Klein (2) has no big ancestor.
        assert_eq!(moved["a"], "a");
        assert_eq!(moved["n"], "a");
        assert_eq!(moved["b"], "z");
        assert_eq!(moved["z"], "z");
        assert_eq!(moved["x"], "");
        assert_eq!(moved[""], "");
    }

    #[test]
    fn small_units_are_counted_with_their_parent() {
        let tree = UnitTree::new([
            unit("z", None, "Zorg"),
            unit("a", Some("z"), "A"),
            unit("b", Some("z"), "B"),
            unit("n", Some("b"), "Nacht"),
            unit("x", None, "Klein"),
        ]);
        let count = |unit: &str, invited, responded| UnitCount {
            unit: unit.into(),
            invited,
            responded,
        };
        let counts = [
            count("z", 2, 1),
            count("a", 12, 7),
            count("b", 6, 2),
            count("n", 4, 4),
            count("x", 3, 3),
        ];
        let p = progress(&frozen(&tree), &counts, MinGroupSize::default());
        assert_eq!((p.invited, p.responded), (27, 17));
        let rows: Vec<(&str, u64, u64)> = p
            .units
            .iter()
            .map(|r| (r.path.as_str(), r.invited, r.responded))
            .collect();
        // B (6) + Nacht (4) reach 10 together; Zorg's own 2 stay below 10 and are not shown; Klein neither.
        assert_eq!(rows, [("Zorg/A", 12, 7), ("Zorg/B", 10, 6)]);
    }
}
