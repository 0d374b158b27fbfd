//! Random identifiers and tokens, and the one-way hashes under which tokens are stored.
//!
//! Everything random in psa comes from here (the operating system's generator), so that the
//! domain core stays deterministic.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// `N` cryptographically secure random bytes.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    // ThreadRng is a CSPRNG (ChaCha12) seeded and reseeded from the operating system.
    rand::rng().fill_bytes(&mut bytes);
    bytes
}

/// A random identifier for a row (128 bits, URL-safe, 22 characters).
pub fn new_id() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<16>())
}

/// A random secret meant to be handed out once (256 bits, URL-safe), with a prefix that tells
/// what it is when it turns up somewhere it should not (`psa_` for API tokens).
pub fn new_token(prefix: &str) -> String {
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(random_bytes::<32>()))
}

/// SHA-256, hex encoded: how sessions and API tokens are stored, and the digest of files.
pub fn sha256_hex(bytes: impl AsRef<[u8]>) -> String {
    hex::encode(Sha256::digest(bytes.as_ref()))
}

/// HMAC-SHA-256 under a server key, hex encoded: for low-entropy codes that must not be
/// guessable from the database alone.
pub fn hmac_hex(key: &[u8], message: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(message.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Compares two secrets in time independent of where they differ.
pub fn secrets_equal(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_tokens_are_distinct_and_url_safe() {
        let (a, b) = (new_id(), new_id());
        assert_ne!(a, b);
        assert_eq!(a.len(), 22);
        let token = new_token("psa_");
        assert!(token.starts_with("psa_") && token.len() == 47);
        assert!(
            token[4..]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
    }

    #[test]
    fn hashes_are_stable_and_keyed() {
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_ne!(hmac_hex(b"k1", "code"), hmac_hex(b"k2", "code"));
        assert!(secrets_equal("same", "same"));
        assert!(!secrets_equal("same", "sane"));
        assert!(!secrets_equal("same", "same!"));
    }
}

/// The key that seals a respondent's saved draft: derived from the link's token or code (which
/// only the respondent holds), a PIN they choose, and the server's token key (not in the
/// database). Without all three, a draft cannot be read.
pub fn draft_key(server_key: &[u8], credential: &str, pin: &str) -> [u8; 32] {
    let mut input = Vec::with_capacity(credential.len() + pin.len() + 1);
    input.extend_from_slice(credential.as_bytes());
    input.push(0);
    input.extend_from_slice(pin.as_bytes());
    let mut key = [0u8; 32];
    hkdf::Hkdf::<Sha256>::new(Some(server_key), &input)
        .expand(b"psa draft v1", &mut key)
        .expect("32 bytes is a valid HKDF-SHA256 output length");
    key
}

/// Encrypts and authenticates `plain` (XChaCha20-Poly1305 would do as well; a random 96-bit
/// nonce per draft is safe at these volumes). Returns nonce ‖ ciphertext.
pub fn seal(key: &[u8; 32], plain: &[u8]) -> Vec<u8> {
    use chacha20poly1305::aead::{Aead, KeyInit};
    let cipher = chacha20poly1305::ChaCha20Poly1305::new(key.into());
    let nonce = random_bytes::<12>();
    let mut sealed = nonce.to_vec();
    sealed.extend(cipher.encrypt((&nonce).into(), plain).unwrap_or_default());
    sealed
}

/// Decrypts what `seal` made; `None` for a wrong key or damaged data.
pub fn open(key: &[u8; 32], sealed: &[u8]) -> Option<Vec<u8>> {
    use chacha20poly1305::aead::{Aead, KeyInit};
    if sealed.len() < 12 {
        return None;
    }
    let (nonce, ciphertext) = sealed.split_at(12);
    let cipher = chacha20poly1305::ChaCha20Poly1305::new(key.into());
    cipher.decrypt(nonce.into(), ciphertext).ok()
}

#[cfg(test)]
mod draft_tests {
    use super::*;

    #[test]
    fn a_draft_opens_only_with_the_same_link_pin_and_server_key() {
        let key = draft_key(b"server", "token-abc", "1234");
        let sealed = seal(&key, b"answers");
        assert_eq!(open(&key, &sealed).as_deref(), Some(&b"answers"[..]));
        assert_ne!(seal(&key, b"answers"), sealed, "a fresh nonce each time");
        for other in [
            draft_key(b"server", "token-abc", "1235"),
            draft_key(b"server", "token-abd", "1234"),
            draft_key(b"other", "token-abc", "1234"),
        ] {
            assert_eq!(open(&other, &sealed), None);
        }
        assert_eq!(open(&key, &sealed[..5]), None);
    }
}
