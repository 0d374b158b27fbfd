//! Hash chains: each entry of a log holds the hash of the one before, so that an entry edited,
//! inserted or removed outside psa breaks every hash after it. The plan's history and the audit
//! log are both such chains; each says which of its fields are hashed, in which order.

use sha2::{Digest, Sha256};

/// The hash of a chain's start, before any entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What an absent value hashes as: unlike any text, the empty one included.
pub const ABSENT: &str = "\u{0}absent";

/// An entry of a chain: its fields in the order they are hashed.
pub trait Link {
    fn parts(&self) -> Vec<&str>;
}

/// The hash of an entry given the hash before it: SHA-256 over the previous hash and every part,
/// each length-prefixed so that no two different entries hash alike.
pub fn link(previous: &str, entry: &impl Link) -> String {
    let mut hasher = Sha256::new();
    for part in std::iter::once(previous).chain(entry.parts()) {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// Checks a chain in order, each entry with the hash stored beside it: the position of the first
/// entry whose stored hash does not follow from the ones before, or the chain's head.
pub fn verify<'a, L: Link + 'a>(
    entries: impl IntoIterator<Item = (&'a L, &'a str)>,
) -> Result<String, usize> {
    let mut head = GENESIS.to_owned();
    for (position, (entry, stored)) in entries.into_iter().enumerate() {
        let expected = link(&head, entry);
        if expected != stored {
            return Err(position);
        }
        head = expected;
    }
    Ok(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Parts(Vec<String>);

    impl Link for Parts {
        fn parts(&self) -> Vec<&str> {
            self.0.iter().map(String::as_str).collect()
        }
    }

    fn parts(parts: &[&str]) -> Parts {
        Parts(parts.iter().map(|p| (*p).to_owned()).collect())
    }

    #[test]
    fn parts_are_length_prefixed_so_moving_a_boundary_changes_the_hash() {
        assert_ne!(
            link(GENESIS, &parts(&["ab", "c"])),
            link(GENESIS, &parts(&["a", "bc"]))
        );
        assert_ne!(
            link(GENESIS, &parts(&["", "x"])),
            link(GENESIS, &parts(&["x"]))
        );
    }

    #[test]
    fn a_chain_verifies_until_an_entry_is_edited_or_removed() {
        let entries = [parts(&["a"]), parts(&["b"]), parts(&["c"])];
        let mut hashes = Vec::new();
        let mut head = GENESIS.to_owned();
        for entry in &entries {
            head = link(&head, entry);
            hashes.push(head.clone());
        }
        let stored = || entries.iter().zip(hashes.iter().map(String::as_str));
        assert_eq!(verify(stored()), Ok(head));
        let edited = [parts(&["a"]), parts(&["B"]), parts(&["c"])];
        assert_eq!(
            verify(edited.iter().zip(hashes.iter().map(String::as_str))),
            Err(1)
        );
        let without: Vec<_> = stored()
            .enumerate()
            .filter(|(i, _)| *i != 0)
            .map(|(_, e)| e)
            .collect();
        assert_eq!(verify(without), Err(0));
        assert_eq!(
            verify(std::iter::empty::<(&Parts, &str)>()),
            Ok(GENESIS.to_owned())
        );
    }
}
