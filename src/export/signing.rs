//! Tamper evidence for exports: a detached Ed25519 signature over each file's bytes (the raw 64
//! bytes, as `openssl pkeyutl -verify -rawin` reads them), made with the instance's signing key;
//! earlier keys stay listed so that what they signed still verifies.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::Serialize;
use utoipa::ToSchema;

use crate::keys::Keys;

/// A public key that verifies exports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PublicKey {
    /// The first 16 hex digits of the key's SHA-256.
    pub id: String,
    /// `Ed25519`.
    pub algorithm: String,
    /// The 32-byte key, base64.
    pub public_key: String,
    /// The key as a PEM `PUBLIC KEY` (SubjectPublicKeyInfo), for OpenSSL.
    pub pem: String,
    /// Whether new exports are signed with it.
    pub current: bool,
}

/// Signs with the current key and verifies with every key, current or retired.
pub struct ExportSigner {
    signing: SigningKey,
    retired: Vec<VerifyingKey>,
}

/// The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410), before the 32 key bytes.
const SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

fn key_id(key: &VerifyingKey) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(&Sha256::digest(key.as_bytes())[..8])
}

fn public_key(key: &VerifyingKey, current: bool) -> PublicKey {
    let mut der = SPKI_PREFIX.to_vec();
    der.extend_from_slice(key.as_bytes());
    PublicKey {
        id: key_id(key),
        algorithm: "Ed25519".into(),
        public_key: STANDARD.encode(key.as_bytes()),
        pem: format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            STANDARD.encode(der)
        ),
        current,
    }
}

impl ExportSigner {
    pub fn new(keys: &Keys) -> ExportSigner {
        ExportSigner {
            signing: SigningKey::from_bytes(&keys.signing),
            retired: keys
                .retired_signing
                .iter()
                .filter_map(|k| VerifyingKey::from_bytes(k).ok())
                .collect(),
        }
    }

    /// The detached signature of `bytes`: 64 raw bytes.
    pub fn sign(&self, bytes: &[u8]) -> Vec<u8> {
        self.signing.sign(bytes).to_bytes().to_vec()
    }

    /// Every key that verifies exports, the current one first.
    pub fn public_keys(&self) -> Vec<PublicKey> {
        std::iter::once(public_key(&self.signing.verifying_key(), true))
            .chain(self.retired.iter().map(|k| public_key(k, false)))
            .collect()
    }

    /// The id of the key under which `signature` is a valid signature of `bytes`, if any.
    pub fn verify(&self, bytes: &[u8], signature: &[u8]) -> Option<String> {
        let keys: Vec<VerifyingKey> = std::iter::once(self.signing.verifying_key())
            .chain(self.retired.iter().copied())
            .collect();
        verify(&keys, bytes, signature)
    }
}

/// The id of the first of `keys` under which `signature` is a valid signature of `bytes`.
pub fn verify(keys: &[VerifyingKey], bytes: &[u8], signature: &[u8]) -> Option<String> {
    let signature = Signature::from_slice(signature).ok()?;
    keys.iter()
        .find(|key| key.verify_strict(bytes, &signature).is_ok())
        .map(key_id)
}

/// A public key as `/api/v1/signing-key` lists it: the 32 bytes in base64, or the PEM.
pub fn parse_public_key(text: &str) -> Option<VerifyingKey> {
    let body: String = text
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect::<Vec<_>>()
        .concat();
    let bytes = STANDARD.decode(body.trim()).ok()?;
    let raw = match bytes.strip_prefix(&SPKI_PREFIX[..]) {
        Some(raw) => raw,
        None => &bytes[..],
    };
    VerifyingKey::from_bytes(raw.try_into().ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(signing: u8, retired: &[[u8; 32]]) -> Keys {
        Keys {
            session: [0; 64],
            signing: [signing; 32],
            notes: [0; 32],
            token: [0; 32],
            retired_signing: retired.to_vec(),
            retired_notes: vec![],
        }
    }

    #[test]
    fn a_changed_byte_fails_and_retired_keys_still_verify() {
        let old = ExportSigner::new(&keys(1, &[]));
        let file = b"%PDF-1.7 export".to_vec();
        let signature = old.sign(&file);
        assert_eq!(signature.len(), 64);
        let id = old.verify(&file, &signature).expect("authentic");
        let mut changed = file.clone();
        changed[3] ^= 1;
        assert_eq!(old.verify(&changed, &signature), None);
        let mut forged = signature.clone();
        forged[0] ^= 1;
        assert_eq!(old.verify(&file, &forged), None);
        assert_eq!(old.verify(&file, b"short"), None);

        // After rotation the old public key is retired, not forgotten.
        let old_public = SigningKey::from_bytes(&[1; 32]).verifying_key().to_bytes();
        let new = ExportSigner::new(&keys(2, &[old_public]));
        assert_eq!(new.verify(&file, &signature), Some(id.clone()));
        let listed = new.public_keys();
        assert_eq!(listed.len(), 2);
        assert!(listed[0].current && !listed[1].current);
        assert_eq!(listed[1].id, id);
        assert!(
            listed[0]
                .pem
                .starts_with("-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA")
        );
        for text in [&listed[1].pem, &listed[1].public_key] {
            let key = parse_public_key(text).expect("a listed key reads back");
            assert_eq!(verify(&[key], &file, &signature), Some(id.clone()));
        }
        assert!(parse_public_key("not a key").is_none());
    }
}
