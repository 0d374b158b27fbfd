//! The plan's history: every change, each holding the hash of the one before, so that a row
//! edited or removed outside psa breaks the chain.

use serde::Serialize;

pub use crate::domain::chain::GENESIS;
use crate::domain::chain::{self, ABSENT, Link};

/// One change to the plan, as kept in its history: who changed which field of which item, from
/// what to what, and when (an RFC 3339 timestamp, as stored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Change {
    pub item_id: String,
    pub at: String,
    pub who: String,
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

impl Link for Change {
    fn parts(&self) -> Vec<&str> {
        vec![
            &self.item_id,
            &self.at,
            &self.who,
            &self.field,
            self.old.as_deref().unwrap_or(ABSENT),
            self.new.as_deref().unwrap_or(ABSENT),
        ]
    }
}

/// The hash of a change given the hash before it (`chain::link` over its fields).
pub fn chain_hash(previous: &str, change: &Change) -> String {
    chain::link(previous, change)
}

/// Checks a history in order, each entry with the hash stored beside it: the position of the
/// first entry whose stored hash does not follow from the ones before, or the chain's head.
pub fn verify_chain<'a>(
    entries: impl IntoIterator<Item = (&'a Change, &'a str)>,
) -> Result<String, usize> {
    chain::verify(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(field: &str, new: &str) -> Change {
        Change {
            item_id: "item1".into(),
            at: "2026-11-29T10:00:00Z".into(),
            who: "hr@example.nl".into(),
            field: field.into(),
            old: None,
            new: Some(new.into()),
        }
    }

    #[test]
    fn a_link_hashes_as_it_always_has_so_that_stored_chains_stay_valid() {
        // Length-prefixed fields, SHA-256, lower-case hex; worked out apart from this code.
        assert_eq!(
            chain_hash(GENESIS, &change("measure", "Gedragscode")),
            "0209e598b38c38c15aaa2987330eee300af9d573b828e093758e771c5a7eb1b9"
        );
    }

    #[test]
    fn the_history_chain_detects_any_edited_entry() {
        let changes = [
            change("measure", "Gedragscode"),
            change("owner", "HR"),
            change("status", "done"),
        ];
        let mut hashes = Vec::new();
        let mut head = GENESIS.to_owned();
        for c in &changes {
            head = chain_hash(&head, c);
            hashes.push(head.clone());
        }
        let stored = || changes.iter().zip(hashes.iter().map(String::as_str));
        assert_eq!(verify_chain(stored()), Ok(head.clone()));
        // Edit the middle entry's value by hand: found at its position.
        let mut edited = changes.clone();
        edited[1].new = Some("iemand anders".into());
        assert_eq!(
            verify_chain(edited.iter().zip(hashes.iter().map(String::as_str))),
            Err(1)
        );
        // Remove an entry: the next one no longer follows.
        let without: Vec<(&Change, &str)> = stored().filter(|(c, _)| c.field != "owner").collect();
        assert_eq!(verify_chain(without), Err(1));
        // "absent" and an empty value differ.
        let mut empty = change("budget", "");
        let absent = Change {
            new: None,
            ..empty.clone()
        };
        assert_ne!(chain_hash(GENESIS, &empty), chain_hash(GENESIS, &absent));
        empty.field = "budge".into();
        empty.new = Some("t".into());
        assert_ne!(
            chain_hash(GENESIS, &empty),
            chain_hash(GENESIS, &change("budget", ""))
        );
    }
}
