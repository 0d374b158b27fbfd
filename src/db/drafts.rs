//! Saved, unfinished answers: sealed by the respondent's link and PIN, keyed by the invitation's
//! token HMAC, deleted at submission and when the round closes.

use diesel::prelude::*;

use super::connection::on_backend;
use super::rounds::Invitation;
use super::schema::drafts;
use super::{DbConnection, DbError};

/// Stores (or replaces) the invitation's draft.
pub fn save(
    conn: &mut DbConnection,
    invitation: &Invitation,
    sealed: &[u8],
) -> Result<(), DbError> {
    conn.write_transaction(|conn| {
        diesel::delete(drafts::table.filter(drafts::token_hmac.eq(&invitation.token_hmac)))
            .execute(conn)?;
        diesel::insert_into(drafts::table)
            .values((
                drafts::token_hmac.eq(&invitation.token_hmac),
                drafts::organisation_id.eq(invitation.organisation_id.as_str()),
                drafts::round_id.eq(&invitation.round.id),
                drafts::sealed.eq(sealed),
            ))
            .execute(conn)?;
        Ok(())
    })
}

/// The invitation's sealed draft, if one was saved.
pub fn load(conn: &mut DbConnection, invitation: &Invitation) -> Result<Option<Vec<u8>>, DbError> {
    let query = drafts::table
        .filter(drafts::token_hmac.eq(&invitation.token_hmac))
        .select(drafts::sealed);
    Ok(on_backend!(conn, |c| query.get_result(c).optional())?)
}
