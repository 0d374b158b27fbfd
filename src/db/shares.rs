//! Shares (read-only access to one closed round for people outside HR) and the log of every
//! access made through them.
//!
//! A link share is stored by the SHA-256 of its secret only: the link is shown once, at creation,
//! like an API token. An account share names an inspector account instead. The access log names
//! an account's e-mail address or `share:{id}`, never a secret.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{access_log, shares, users};
use super::{DbConnection, DbError, now};
use crate::domain::share::{ShareKind, ShareState};
use crate::domain::{OrganisationId, UserId};
use crate::secret::{new_id, sha256_hex};

/// A stored share.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = shares)]
pub struct ShareRow {
    pub id: String,
    pub organisation_id: String,
    pub kind: String,
    pub round_id: String,
    pub label: String,
    pub secret_hash: Option<String>,
    /// The inspector account of an account share.
    pub user_id: Option<String>,
    /// The last day it opens anything (Europe/Amsterdam).
    pub expires_on: NaiveDate,
    pub created_at: NaiveDateTime,
    pub created_by: String,
    pub revoked_at: Option<NaiveDateTime>,
}

impl ShareRow {
    pub fn kind(&self) -> Option<ShareKind> {
        self.kind.parse().ok()
    }

    pub fn organisation(&self) -> OrganisationId {
        OrganisationId::new(self.organisation_id.clone())
    }

    pub fn state(&self, today: NaiveDate) -> ShareState {
        ShareState::of(self.expires_on, self.revoked_at.is_some(), today)
    }

    /// Who the access log says acted: the share, never its secret.
    pub fn actor(&self) -> String {
        format!("share:{}", self.id)
    }
}

pub fn create(conn: &mut DbConnection, share: &ShareRow) -> Result<(), DbError> {
    diesel::insert_into(shares::table)
        .values(share)
        .execute(conn)?;
    Ok(())
}

/// The organisation's shares with the e-mail address of an account share's inspector, newest
/// first; of one round only when given.
pub fn list(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    round: Option<&str>,
) -> Result<Vec<(ShareRow, Option<String>)>, DbError> {
    let mut query = shares::table
        .left_join(users::table.on(shares::user_id.eq(users::id.nullable())))
        .filter(shares::organisation_id.eq(organisation.as_str()))
        .into_boxed();
    if let Some(round) = round {
        query = query.filter(shares::round_id.eq(round));
    }
    Ok(query
        .order((shares::created_at.desc(), shares::id.asc()))
        .select((ShareRow::as_select(), users::email.nullable()))
        .load(conn)?)
}

pub fn get(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    id: &str,
) -> Result<Option<ShareRow>, DbError> {
    Ok(shares::table
        .filter(shares::organisation_id.eq(organisation.as_str()))
        .filter(shares::id.eq(id))
        .select(ShareRow::as_select())
        .get_result(conn)
        .optional()?)
}

/// The link share with this secret, in whichever organisation, live or not.
pub fn by_secret(conn: &mut DbConnection, secret: &str) -> Result<Option<ShareRow>, DbError> {
    Ok(shares::table
        .filter(shares::secret_hash.eq(sha256_hex(secret)))
        .select(ShareRow::as_select())
        .get_result(conn)
        .optional()?)
}

/// Revokes a share (a revoked one keeps its first revocation); the share, or `None` when the
/// organisation has no such share.
pub fn revoke(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    id: &str,
) -> Result<Option<ShareRow>, DbError> {
    diesel::update(
        shares::table
            .filter(shares::organisation_id.eq(organisation.as_str()))
            .filter(shares::id.eq(id))
            .filter(shares::revoked_at.is_null()),
    )
    .set(shares::revoked_at.eq(Some(now())))
    .execute(conn)?;
    get(conn, organisation, id)
}

/// The live inspector shares of `user` on `today`, newest first.
pub fn live_for_inspector(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    user: &UserId,
    today: NaiveDate,
) -> Result<Vec<ShareRow>, DbError> {
    Ok(shares::table
        .filter(shares::organisation_id.eq(organisation.as_str()))
        .filter(shares::user_id.eq(user.as_str()))
        .filter(shares::kind.eq(ShareKind::Inspect.as_str()))
        .filter(shares::revoked_at.is_null())
        .filter(shares::expires_on.ge(today))
        .order((shares::created_at.desc(), shares::id.asc()))
        .select(ShareRow::as_select())
        .load(conn)?)
}

/// Whether `user` holds a live account share of `round` on `today`.
pub fn inspector_may_read(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    user: &UserId,
    round: &str,
    today: NaiveDate,
) -> Result<bool, DbError> {
    let live: i64 = shares::table
        .filter(shares::organisation_id.eq(organisation.as_str()))
        .filter(shares::user_id.eq(user.as_str()))
        .filter(shares::round_id.eq(round))
        .filter(shares::kind.eq(ShareKind::Inspect.as_str()))
        .filter(shares::revoked_at.is_null())
        .filter(shares::expires_on.ge(today))
        .count()
        .get_result(conn)?;
    Ok(live > 0)
}

/// One line of the access log.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = access_log)]
pub struct AccessEntry {
    pub at: NaiveDateTime,
    /// An account's e-mail address, or `share:{id}`.
    pub actor: String,
    pub what: String,
}

/// Writes a line of the access log, now.
pub fn record(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    actor: &str,
    what: &str,
) -> Result<(), DbError> {
    diesel::insert_into(access_log::table)
        .values((
            access_log::id.eq(new_id()),
            access_log::organisation_id.eq(organisation.as_str()),
            access_log::at.eq(now()),
            access_log::actor.eq(actor),
            access_log::what.eq(what),
        ))
        .execute(conn)?;
    Ok(())
}

/// A page of the organisation's access log, newest first, and how many lines it has in all.
pub fn access_log(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    offset: i64,
    limit: i64,
) -> Result<(Vec<AccessEntry>, i64), DbError> {
    let total = access_log::table
        .filter(access_log::organisation_id.eq(organisation.as_str()))
        .count()
        .get_result(conn)?;
    let entries = access_log::table
        .filter(access_log::organisation_id.eq(organisation.as_str()))
        .order((access_log::at.desc(), access_log::id.desc()))
        .offset(offset)
        .limit(limit)
        .select(AccessEntry::as_select())
        .load(conn)?;
    Ok((entries, total))
}
