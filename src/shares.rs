//! Shares as HR makes them and outsiders use them: a new share of a closed round (a link, or an
//! inspector account's access), the share behind a link, and whether an inspector account may
//! read a round. Shared by the API and the pages; the rules themselves live in `domain::share`.

use chrono::NaiveDate;

use crate::db::DbConnection;
use crate::db::shares::{self as store, ShareRow};
use crate::domain::round::RoundStatus;
use crate::domain::share::{ShareKind, ShareState, check_expiry};
use crate::domain::{Email, OrganisationId, Role, UserId};
use crate::error::AppError;
use crate::secret::{new_id, new_token, sha256_hex};

/// What HR asks for.
pub struct NewShare {
    pub kind: ShareKind,
    pub round_id: String,
    pub expires_on: NaiveDate,
    pub label: String,
    /// For an inspect share: the inspector account to grant access instead of making a link.
    pub inspector_email: Option<String>,
}

/// A new share, with the secret of its link (shown this once) or its inspector's address.
pub struct Created {
    pub share: ShareRow,
    pub secret: Option<String>,
    pub inspector: Option<String>,
}

/// Makes a share of a closed round of `organisation`, by `by` (an e-mail address), on `today`.
pub fn create(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    by: &str,
    new: NewShare,
    today: NaiveDate,
) -> Result<Created, AppError> {
    check_expiry(new.expires_on, today).map_err(|e| AppError::field("expires_on", e))?;
    let closed = crate::db::rounds::get(conn, organisation, &new.round_id)?
        .is_some_and(|round| round.status() == RoundStatus::Closed);
    if !closed {
        return Err(AppError::field(
            "round_id",
            "no closed round of this organisation has this id",
        ));
    }
    let inspector = match new.inspector_email.as_deref() {
        None => None,
        Some(_) if new.kind != ShareKind::Inspect => {
            return Err(AppError::field(
                "inspector_email",
                "only an inspect share goes to an account",
            ));
        }
        Some(email) => Some(inspector_account(conn, organisation, email)?),
    };
    let secret = inspector.is_none().then(|| new_token(""));
    let share = ShareRow {
        id: new_id(),
        organisation_id: organisation.to_string(),
        kind: new.kind.as_str().to_owned(),
        round_id: new.round_id,
        label: new.label,
        secret_hash: secret.as_deref().map(sha256_hex),
        user_id: inspector.as_ref().map(|(id, _)| id.to_string()),
        expires_on: new.expires_on,
        created_at: crate::db::now(),
        created_by: by.to_owned(),
        revoked_at: None,
    };
    store::create(conn, &share)?;
    Ok(Created {
        share,
        secret,
        inspector: inspector.map(|(_, email)| email),
    })
}

/// The account behind `email` if it holds the inspector role in `organisation`.
fn inspector_account(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    email: &str,
) -> Result<(UserId, String), AppError> {
    let not_inspector = || {
        AppError::field(
            "inspector_email",
            "no inspector account of this organisation has this address",
        )
    };
    let email = Email::parse(email).map_err(|_| not_inspector())?;
    let user = crate::db::accounts::find_user(conn, &email)?.ok_or_else(not_inspector)?;
    if !crate::db::accounts::roles_in(conn, organisation, &user.id)?.contains(Role::Inspector) {
        return Err(not_inspector());
    }
    Ok((user.id, user.email))
}

/// The live link share of `kind` with this secret: `NotFound` for an unknown secret (or one of the
/// other kind), `Gone` for an expired or revoked share.
pub fn open(
    conn: &mut DbConnection,
    secret: &str,
    kind: ShareKind,
    today: NaiveDate,
) -> Result<ShareRow, AppError> {
    let share = store::by_secret(conn, secret)?
        .filter(|share| share.kind() == Some(kind))
        .ok_or_else(|| AppError::NotFound("no such share".into()))?;
    match share.state(today) {
        ShareState::Live => Ok(share),
        ShareState::Expired => Err(AppError::Gone("this share has expired".into())),
        ShareState::Revoked => Err(AppError::Gone("this share was revoked".into())),
    }
}
