//! Account work shared by the command line and the web: setting up the instance, adding members,
//! checking passwords. Passwords are hashed with Argon2id.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

use crate::db::accounts::{self as store, User};
use crate::db::{DbConnection, DbError, organisations};
use crate::domain::{Email, Organisation, OrganisationId, OrganisationSettings, Password, Role};

#[derive(Debug, thiserror::Error)]
pub enum AccountsError {
    #[error("this instance has been set up already")]
    AlreadySetUp,
    #[error("there is no account for {0}: give a password to create it")]
    PasswordRequired(String),
    #[error("an organisation with this name exists already")]
    DuplicateOrganisation,
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for AccountsError {
    fn from(err: diesel::result::Error) -> Self {
        AccountsError::Db(DbError::Query(err))
    }
}

/// Argon2id with the crate's defaults (19 MiB, 2 passes), the OWASP recommendation.
pub fn hash_password(password: &Password) -> Result<String, AccountsError> {
    Argon2::default()
        .hash_password(password.expose().as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| AccountsError::Hash(e.to_string()))
}

/// Whether `password` matches `hash`; false for a malformed hash.
pub fn verify_password(password: &str, hash: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}

/// A hash checked against when the account does not exist, so that a failed login takes as
/// long whether or not the address is known.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let password = Password::parse("not a real password at all").expect("valid");
    hash_password(&password).unwrap_or_default()
});

/// The user with this e-mail address and password, if any.
pub fn authenticate(
    conn: &mut DbConnection,
    email: &Email,
    password: &str,
) -> Result<Option<User>, DbError> {
    match store::credentials(conn, email)? {
        Some((user, hash)) => Ok(verify_password(password, &hash).then_some(user)),
        None => {
            verify_password(password, &DUMMY_HASH);
            Ok(None)
        }
    }
}

/// Creates the instance owner and the first organisation, whose `admin` and `hr` the owner
/// becomes. Works once: a second call fails with `AlreadySetUp`, also when two race.
pub fn setup_instance(
    conn: &mut DbConnection,
    email: &Email,
    password: &Password,
    organisation: &OrganisationSettings,
) -> Result<(User, Organisation), AccountsError> {
    let hash = hash_password(password)?;
    conn.write_transaction(|conn| {
        store::mark_set_up(conn).map_err(|e| {
            if e.is_unique_violation() {
                AccountsError::AlreadySetUp
            } else {
                e.into()
            }
        })?;
        let user = match store::find_user(conn, email)? {
            Some(user) => user,
            None => store::create_user(conn, email, &hash, true)?,
        };
        let organisation = create_organisation(conn, organisation)?;
        for role in [Role::Admin, Role::Hr] {
            store::grant(conn, &organisation.id, &user.id, role)?;
        }
        Ok((user, organisation))
    })
}

/// Creates an organisation; a name in use already is refused.
pub fn create_organisation(
    conn: &mut DbConnection,
    settings: &OrganisationSettings,
) -> Result<Organisation, AccountsError> {
    organisations::create(conn, settings).map_err(|e| {
        if e.is_unique_violation() {
            AccountsError::DuplicateOrganisation
        } else {
            e.into()
        }
    })
}

/// Gives the account with `email` the `role` in `organisation`, creating the account when there
/// is none (which needs a password).
pub fn add_member(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    email: &Email,
    password: Option<&Password>,
    role: Role,
) -> Result<User, AccountsError> {
    let hash = match (store::find_user(conn, email)?, password) {
        (Some(_), _) => None,
        (None, Some(password)) => Some(hash_password(password)?),
        (None, None) => return Err(AccountsError::PasswordRequired(email.to_string())),
    };
    conn.write_transaction(|conn| {
        let user = match store::find_user(conn, email)? {
            Some(user) => user,
            None => {
                let hash = hash
                    .as_deref()
                    .ok_or_else(|| AccountsError::PasswordRequired(email.to_string()))?;
                store::create_user(conn, email, hash, false)?
            }
        };
        store::grant(conn, organisation, &user.id, role)?;
        Ok(user)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_own_argon2id_hash() {
        let password = Password::parse("correct horse battery staple").unwrap();
        let hash = hash_password(&password).unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery staple", &hash));
        assert!(!verify_password("correct horse battery stapl", &hash));
        assert!(!verify_password("anything", "not a hash"));
        assert_ne!(hash, hash_password(&password).unwrap(), "salted");
    }
}
