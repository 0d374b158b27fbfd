//! Staff login sessions. The cookie holds a random session id; only its hash is stored, so a
//! copy of the database cannot be used to log in, and logging out ends the session everywhere.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::schema::user_sessions;
use super::{DbConnection, DbError, now};
use crate::domain::UserId;
use crate::secret::{new_token, sha256_hex};

/// How long a login lasts without logging in again.
pub const LIFETIME: Duration = Duration::hours(12);

/// Starts a session for `user`; returns the secret session id for the cookie.
pub fn start(conn: &mut DbConnection, user: &UserId) -> Result<String, DbError> {
    let sid = new_token("");
    let created_at = now();
    diesel::insert_into(user_sessions::table)
        .values((
            user_sessions::id_hash.eq(sha256_hex(&sid)),
            user_sessions::user_id.eq(user.as_str()),
            user_sessions::created_at.eq(created_at),
            user_sessions::expires_at.eq(created_at + LIFETIME),
        ))
        .execute(conn)?;
    Ok(sid)
}

/// The user of a live session.
pub fn user_of(conn: &mut DbConnection, sid: &str) -> Result<Option<UserId>, DbError> {
    let found: Option<(String, NaiveDateTime)> = user_sessions::table
        .find(sha256_hex(sid))
        .select((user_sessions::user_id, user_sessions::expires_at))
        .get_result(conn)
        .optional()?;
    Ok(found
        .filter(|(_, expires_at)| *expires_at > now())
        .map(|(user, _)| UserId::new(user)))
}

/// Ends a session (logout).
pub fn end(conn: &mut DbConnection, sid: &str) -> Result<(), DbError> {
    diesel::delete(user_sessions::table.find(sha256_hex(sid))).execute(conn)?;
    Ok(())
}

/// Deletes expired sessions; returns how many.
pub fn purge_expired(conn: &mut DbConnection) -> Result<usize, DbError> {
    Ok(
        diesel::delete(user_sessions::table.filter(user_sessions::expires_at.le(now())))
            .execute(conn)?,
    )
}
