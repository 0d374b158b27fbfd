//! The server's secret keys. None of them is ever stored in the database.
//!
//! On SQLite (one instance) missing keys are generated once and kept in the data directory; on
//! PostgreSQL (possibly several instances) every key must be given in the environment, so that all
//! instances agree.

use std::fmt;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::secret::random_bytes;

/// The four keys psa needs.
#[derive(Clone)]
pub struct Keys {
    /// Signs the session cookie.
    pub session: [u8; 64],
    /// Ed25519 seed that signs exports.
    pub signing: [u8; 32],
    /// Encrypts the confidential counsellor's notes.
    pub notes: [u8; 32],
    /// HMAC key for invitation tokens and codes.
    pub token: [u8; 32],
    /// Public keys of earlier signing keys, so that exports they signed still verify.
    pub retired_signing: Vec<[u8; 32]>,
    /// Earlier notes keys, so that notes sealed with them still open until `psa notes rekey`.
    pub retired_notes: Vec<[u8; 32]>,
}

impl fmt::Debug for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Keys(…)")
    }
}

/// Where missing keys come from.
pub enum KeyStore<'a> {
    /// Generate missing keys and keep them in this directory (SQLite).
    Directory(&'a Path),
    /// Every key must be given (PostgreSQL).
    Required,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "{var} is not set: on PostgreSQL every key must be given so that all instances agree (make a set with `psa keys generate`)"
    )]
    Missing { var: &'static str },
    #[error("{var} must be {len} bytes, base64 encoded (make one with `psa keys generate`)")]
    Malformed { var: &'static str, len: usize },
    #[error("key file {path}: {source}")]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("key file {path} is damaged: it must hold {len} bytes, base64 encoded")]
    DamagedFile { path: PathBuf, len: usize },
}

/// One key: its environment variable and file name.
struct KeySpec {
    var: &'static str,
    file: &'static str,
}

const SESSION: KeySpec = KeySpec {
    var: "PSA_SESSION_KEY",
    file: "session.key",
};
const SIGNING: KeySpec = KeySpec {
    var: "PSA_SIGNING_KEY",
    file: "signing.key",
};
const NOTES: KeySpec = KeySpec {
    var: "PSA_NOTES_KEY",
    file: "notes.key",
};
const TOKEN: KeySpec = KeySpec {
    var: "PSA_TOKEN_KEY",
    file: "token.key",
};

impl Keys {
    /// Reads the keys from `env` (a lookup of environment variables), falling back to `store`.
    pub fn load(
        env: impl Fn(&str) -> Option<String>,
        store: KeyStore<'_>,
    ) -> Result<Keys, KeyError> {
        Ok(Keys {
            session: SESSION.load(&env, &store)?,
            signing: SIGNING.load(&env, &store)?,
            notes: NOTES.load(&env, &store)?,
            token: TOKEN.load(&env, &store)?,
            retired_signing: RETIRED_SIGNING.load_list(&env, &store)?,
            retired_notes: RETIRED_NOTES.load_list(&env, &store)?,
        })
    }

    /// A fresh set of keys as `NAME=value` lines for an environment file.
    pub fn generate_env_lines() -> String {
        format!(
            "{}={}\n{}={}\n{}={}\n{}={}\n",
            SESSION.var,
            STANDARD.encode(random_bytes::<64>()),
            SIGNING.var,
            STANDARD.encode(random_bytes::<32>()),
            NOTES.var,
            STANDARD.encode(random_bytes::<32>()),
            TOKEN.var,
            STANDARD.encode(random_bytes::<32>()),
        )
    }
}

impl KeySpec {
    fn load<const N: usize>(
        &self,
        env: &impl Fn(&str) -> Option<String>,
        store: &KeyStore<'_>,
    ) -> Result<[u8; N], KeyError> {
        if let Some(value) = env(self.var).filter(|v| !v.trim().is_empty()) {
            return decode(&value).ok_or(KeyError::Malformed {
                var: self.var,
                len: N,
            });
        }
        let KeyStore::Directory(dir) = store else {
            return Err(KeyError::Missing { var: self.var });
        };
        let path = dir.join(self.file);
        match fs::read_to_string(&path) {
            Ok(content) => decode(&content).ok_or(KeyError::DamagedFile { path, len: N }),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                let key = random_bytes::<N>();
                write_private(&path, &STANDARD.encode(key))
                    .map_err(|source| KeyError::File { path, source })?;
                Ok(key)
            }
            Err(source) => Err(KeyError::File { path, source }),
        }
    }
}

/// The public keys of retired signing keys: base64, separated by commas or white space, from
/// `PSA_RETIRED_SIGNING_KEYS` or (one instance) the file `signing-retired.pub`.
const RETIRED_SIGNING: KeySpec = KeySpec {
    var: "PSA_RETIRED_SIGNING_KEYS",
    file: "signing-retired.pub",
};

/// Retired notes keys, as above: `PSA_RETIRED_NOTES_KEYS` or the file `notes-retired.key`.
const RETIRED_NOTES: KeySpec = KeySpec {
    var: "PSA_RETIRED_NOTES_KEYS",
    file: "notes-retired.key",
};

impl KeySpec {
    /// A list of 32-byte keys, base64, separated by commas or white space; none when unset.
    fn load_list(
        &self,
        env: &impl Fn(&str) -> Option<String>,
        store: &KeyStore<'_>,
    ) -> Result<Vec<[u8; 32]>, KeyError> {
        let text = match (env(self.var), store) {
            (Some(value), _) => value,
            (None, KeyStore::Directory(dir)) => {
                let path = dir.join(self.file);
                match fs::read_to_string(&path) {
                    Ok(content) => content,
                    Err(err) if err.kind() == std::io::ErrorKind::NotFound => String::new(),
                    Err(source) => return Err(KeyError::File { path, source }),
                }
            }
            (None, KeyStore::Required) => String::new(),
        };
        text.split(|c: char| c == ',' || c.is_whitespace())
            .filter(|key| !key.is_empty())
            .map(|key| {
                decode(key).ok_or(KeyError::Malformed {
                    var: self.var,
                    len: 32,
                })
            })
            .collect()
    }
}

fn decode<const N: usize>(value: &str) -> Option<[u8; N]> {
    STANDARD.decode(value.trim()).ok()?.try_into().ok()
}

/// Writes a new file readable by its owner only; never overwrites one.
fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(content.as_bytes())?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_keys_are_generated_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let first = Keys::load(|_| None, KeyStore::Directory(dir.path())).unwrap();
        let second = Keys::load(|_| None, KeyStore::Directory(dir.path())).unwrap();
        assert_eq!(first.session, second.session);
        assert_eq!(first.token, second.token);
        assert_ne!(first.notes, first.token);
    }

    #[test]
    fn postgres_mode_requires_every_key() {
        let err = Keys::load(|_| None, KeyStore::Required).unwrap_err();
        assert!(matches!(
            err,
            KeyError::Missing {
                var: "PSA_SESSION_KEY"
            }
        ));
        let lines = Keys::generate_env_lines();
        let env = |var: &str| {
            lines
                .lines()
                .find_map(|line| line.strip_prefix(&format!("{var}=")).map(str::to_owned))
        };
        assert!(Keys::load(env, KeyStore::Required).is_ok());
    }

    #[test]
    fn malformed_keys_are_named() {
        let env = |var: &str| (var == "PSA_TOKEN_KEY").then(|| "c2hvcnQ=".to_owned());
        let dir = tempfile::tempdir().unwrap();
        let err = Keys::load(env, KeyStore::Directory(dir.path())).unwrap_err();
        assert!(
            err.to_string().contains("PSA_TOKEN_KEY must be 32 bytes"),
            "{err}"
        );
    }
}
