//! API bearer tokens: each bound to one user in one organisation, stored as a hash, revocable.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::api_tokens;
use super::{DbConnection, DbError, now};
use crate::domain::{OrganisationId, TokenId, UserId};
use crate::secret::{new_id, new_token, sha256_hex};

/// What is known of a token (never the secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: TokenId,
    pub organisation_id: OrganisationId,
    pub user_id: UserId,
    pub label: String,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
struct ApiTokenRow {
    id: String,
    organisation_id: String,
    user_id: String,
    label: String,
    created_at: NaiveDateTime,
    revoked_at: Option<NaiveDateTime>,
}

impl From<ApiTokenRow> for ApiToken {
    fn from(row: ApiTokenRow) -> Self {
        ApiToken {
            id: TokenId::new(row.id),
            organisation_id: OrganisationId::new(row.organisation_id),
            user_id: UserId::new(row.user_id),
            label: row.label,
            created_at: row.created_at,
            revoked_at: row.revoked_at,
        }
    }
}

/// Prefix of every API token, so that a leaked one is recognisable (secret scanners).
pub const PREFIX: &str = "psa_";

/// Creates a token; returns it with the secret, which is shown once and never again.
pub fn create(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    user: &UserId,
    label: &str,
) -> Result<(ApiToken, String), DbError> {
    let (id, secret) = (new_id(), new_token(PREFIX));
    diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::id.eq(&id),
            api_tokens::organisation_id.eq(organisation.as_str()),
            api_tokens::user_id.eq(user.as_str()),
            api_tokens::token_hash.eq(sha256_hex(&secret)),
            api_tokens::label.eq(label),
            api_tokens::created_at.eq(now()),
        ))
        .execute(conn)?;
    let token = api_tokens::table
        .find(&id)
        .select(ApiTokenRow::as_select())
        .get_result(conn)?;
    Ok((ApiToken::from(token), secret))
}

/// The live (not revoked) token with this secret.
pub fn authenticate(conn: &mut DbConnection, secret: &str) -> Result<Option<ApiToken>, DbError> {
    if !secret.starts_with(PREFIX) {
        return Ok(None);
    }
    Ok(api_tokens::table
        .filter(api_tokens::token_hash.eq(sha256_hex(secret)))
        .filter(api_tokens::revoked_at.is_null())
        .select(ApiTokenRow::as_select())
        .get_result(conn)
        .optional()?
        .map(ApiToken::from))
}

/// The tokens of `user` in `organisation`, newest first; `None` lists every member's.
pub fn list(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    user: Option<&UserId>,
) -> Result<Vec<ApiToken>, DbError> {
    let mut query = api_tokens::table
        .filter(api_tokens::organisation_id.eq(organisation.as_str()))
        .into_boxed();
    if let Some(user) = user {
        query = query.filter(api_tokens::user_id.eq(user.as_str()));
    }
    Ok(query
        .order((api_tokens::created_at.desc(), api_tokens::id.asc()))
        .select(ApiTokenRow::as_select())
        .load::<ApiTokenRow>(conn)?
        .into_iter()
        .map(ApiToken::from)
        .collect())
}

/// Revokes a token of `organisation` (of `user` only, when given); false when there is no such
/// live token.
pub fn revoke(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    id: &TokenId,
    user: Option<&UserId>,
) -> Result<bool, DbError> {
    let mut target = api_tokens::table
        .filter(api_tokens::organisation_id.eq(organisation.as_str()))
        .filter(api_tokens::id.eq(id.as_str()))
        .filter(api_tokens::revoked_at.is_null())
        .into_boxed();
    if let Some(user) = user {
        target = target.filter(api_tokens::user_id.eq(user.as_str()));
    }
    let ids: Vec<String> = target.select(api_tokens::id).load(conn)?;
    if ids.is_empty() {
        return Ok(false);
    }
    diesel::update(api_tokens::table.filter(api_tokens::id.eq_any(&ids)))
        .set(api_tokens::revoked_at.eq(Some(now())))
        .execute(conn)?;
    Ok(true)
}
