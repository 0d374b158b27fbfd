//! The confidential parts of a case (notes, agreements, the case report) are sealed with the
//! notes key: XChaCha20-Poly1305 with a random 192-bit nonce, authenticated together with where
//! the text belongs (organisation, case, part), so a ciphertext copied to another case or part
//! does not open. Each sealed value names the key that sealed it, so retired keys still open old
//! values until `psa notes rekey` seals them again with the current key.
//!
//! Layout: `N1` ‖ key id (8 bytes) ‖ nonce (24 bytes) ‖ ciphertext and tag.

use chacha20poly1305::XChaCha20Poly1305;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use sha2::{Digest, Sha256};

use crate::secret::random_bytes;

const MAGIC: &[u8; 2] = b"N1";
const KEY_ID: usize = 8;
const NONCE: usize = 24;

/// Where a sealed text belongs; part of what the tag authenticates.
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    pub organisation: &'a str,
    pub case: &'a str,
    /// `agreements`, `report`, or `note:{id}`.
    pub part: &'a str,
}

impl Place<'_> {
    fn aad(&self) -> Vec<u8> {
        let mut aad = b"psa vpo v1".to_vec();
        for field in [self.organisation, self.case, self.part] {
            aad.push(0);
            aad.extend_from_slice(field.as_bytes());
        }
        aad
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum UnsealError {
    #[error("the sealed value is not in a known format")]
    Format,
    #[error("no notes key of this instance sealed this value")]
    UnknownKey,
    /// A wrong key, a changed byte, or a value moved from another case or part.
    #[error("the sealed value does not authenticate")]
    Tampered,
}

/// The current notes key and the retired ones.
#[derive(Clone)]
pub struct NotesCipher {
    current: [u8; 32],
    retired: Vec<[u8; 32]>,
}

impl std::fmt::Debug for NotesCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NotesCipher(…)")
    }
}

fn key_id(key: &[u8; 32]) -> [u8; KEY_ID] {
    let digest = Sha256::new()
        .chain_update(b"psa notes key id")
        .chain_update(key)
        .finalize();
    let mut id = [0; KEY_ID];
    id.copy_from_slice(&digest[..KEY_ID]);
    id
}

impl NotesCipher {
    pub fn new(current: [u8; 32], retired: Vec<[u8; 32]>) -> Self {
        NotesCipher { current, retired }
    }

    /// The instance's notes key and its retired ones.
    pub fn from_keys(keys: &crate::keys::Keys) -> Self {
        NotesCipher::new(keys.notes, keys.retired_notes.clone())
    }

    pub fn seal(&self, place: Place<'_>, text: &str) -> Vec<u8> {
        let nonce = random_bytes::<NONCE>();
        let cipher = XChaCha20Poly1305::new((&self.current).into());
        let aad = place.aad();
        let payload = Payload {
            msg: text.as_bytes(),
            aad: &aad,
        };
        let mut sealed = MAGIC.to_vec();
        sealed.extend_from_slice(&key_id(&self.current));
        sealed.extend_from_slice(&nonce);
        // Encryption fails only for messages of some 256 GiB.
        sealed.extend(cipher.encrypt((&nonce).into(), payload).unwrap_or_default());
        sealed
    }

    pub fn open(&self, place: Place<'_>, sealed: &[u8]) -> Result<String, UnsealError> {
        let (magic, rest) = sealed
            .split_at_checked(MAGIC.len())
            .ok_or(UnsealError::Format)?;
        if magic != MAGIC {
            return Err(UnsealError::Format);
        }
        let (id, rest) = rest.split_at_checked(KEY_ID).ok_or(UnsealError::Format)?;
        let (nonce, ciphertext) = rest.split_at_checked(NONCE).ok_or(UnsealError::Format)?;
        let key = std::iter::once(&self.current)
            .chain(&self.retired)
            .find(|key| key_id(key) == id)
            .ok_or(UnsealError::UnknownKey)?;
        let aad = place.aad();
        let plain = XChaCha20Poly1305::new(key.into())
            .decrypt(
                nonce.into(),
                Payload {
                    msg: ciphertext,
                    aad: &aad,
                },
            )
            .map_err(|_| UnsealError::Tampered)?;
        String::from_utf8(plain).map_err(|_| UnsealError::Tampered)
    }

    /// Whether `sealed` was made with a retired key (and so is due for `psa notes rekey`).
    pub fn is_stale(&self, sealed: &[u8]) -> bool {
        sealed.get(MAGIC.len()..MAGIC.len() + KEY_ID) != Some(&key_id(&self.current)[..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HERE: Place<'static> = Place {
        organisation: "org_1",
        case: "case_1",
        part: "note:n1",
    };

    #[test]
    fn a_sealed_note_opens_with_its_key_and_place_only() {
        let cipher = NotesCipher::new([7; 32], vec![]);
        let sealed = cipher.seal(HERE, "Gesprek met melder; afspraak: niets delen.");
        assert_eq!(
            cipher.open(HERE, &sealed).unwrap(),
            "Gesprek met melder; afspraak: niets delen."
        );
        assert!(
            !sealed.windows(7).any(|w| w == b"Gesprek"),
            "not readable as stored"
        );
        assert_ne!(
            cipher.seal(HERE, "x"),
            cipher.seal(HERE, "x"),
            "fresh nonce"
        );

        let elsewhere = Place {
            case: "case_2",
            ..HERE
        };
        assert_eq!(cipher.open(elsewhere, &sealed), Err(UnsealError::Tampered));
        let other_part = Place {
            part: "report",
            ..HERE
        };
        assert_eq!(cipher.open(other_part, &sealed), Err(UnsealError::Tampered));
        for i in [0, 5, 20, sealed.len() - 1] {
            let mut changed = sealed.clone();
            changed[i] ^= 1;
            assert!(cipher.open(HERE, &changed).is_err(), "byte {i}");
        }
        assert_eq!(cipher.open(HERE, &sealed[..30]), Err(UnsealError::Format));
    }

    #[test]
    fn a_wrong_key_is_refused_and_a_retired_key_still_opens_until_rekeyed() {
        let old = NotesCipher::new([1; 32], vec![]);
        let sealed = old.seal(HERE, "oud");
        let stranger = NotesCipher::new([2; 32], vec![]);
        assert_eq!(stranger.open(HERE, &sealed), Err(UnsealError::UnknownKey));
        let rotated = NotesCipher::new([2; 32], vec![[1; 32]]);
        assert_eq!(rotated.open(HERE, &sealed).unwrap(), "oud");
        assert!(rotated.is_stale(&sealed));
        assert!(!rotated.is_stale(&rotated.seal(HERE, "nieuw")));
        // A forged key id does not let another key try.
        let mut forged = sealed.clone();
        forged[2..10].copy_from_slice(&key_id(&[2; 32]));
        assert_eq!(rotated.open(HERE, &forged), Err(UnsealError::Tampered));
    }
}
