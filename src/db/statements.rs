//! The two updates of every submission, written as statements of their own.
//!
//! diesel prepares an `UPDATE` anew on every execution (it cannot tell a fixed one from one
//! built from a changeset), which costs SQLite a parse and PostgreSQL a parse and a plan for
//! each response. These fixed statements are cached by their type on both backends.

use diesel::backend::Backend;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{Bool, HasSqlType, Text};
use diesel::{QueryResult, RunQueryDsl};

use crate::domain::round::RoundStatus;

/// Spends the unspent invitation with this token HMAC while its round is open.
#[derive(Debug, Clone, Copy)]
pub struct SpendInvitation<'a> {
    pub token_hmac: &'a str,
    pub round: &'a str,
}

impl<DB> QueryFragment<DB> for SpendInvitation<'_>
where
    DB: Backend + HasSqlType<Bool>,
    str: ToSql<Text, DB>,
    bool: ToSql<Bool, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql("UPDATE invitations SET spent = ");
        out.push_bind_param::<Bool, _>(&true)?;
        out.push_sql(" WHERE token_hmac = ");
        out.push_bind_param::<Text, _>(self.token_hmac)?;
        out.push_sql(" AND spent = ");
        out.push_bind_param::<Bool, _>(&false)?;
        out.push_sql(" AND EXISTS (SELECT 1 FROM rounds WHERE id = ");
        out.push_bind_param::<Text, _>(self.round)?;
        out.push_sql(" AND status = ");
        out.push_bind_param::<Text, _>(RoundStatus::Open.as_str())?;
        out.push_sql(")");
        Ok(())
    }
}

impl QueryId for SpendInvitation<'_> {
    type QueryId = SpendInvitation<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<Conn> RunQueryDsl<Conn> for SpendInvitation<'_> {}

/// Counts one more response for a unit of a round (its row exists once links were handed out).
#[derive(Debug, Clone, Copy)]
pub struct CountResponse<'a> {
    pub organisation: &'a str,
    pub round: &'a str,
    pub unit: &'a str,
}

impl<DB> QueryFragment<DB> for CountResponse<'_>
where
    DB: Backend,
    str: ToSql<Text, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql("UPDATE round_counts SET responded = responded + 1 WHERE organisation_id = ");
        out.push_bind_param::<Text, _>(self.organisation)?;
        out.push_sql(" AND round_id = ");
        out.push_bind_param::<Text, _>(self.round)?;
        out.push_sql(" AND unit_id = ");
        out.push_bind_param::<Text, _>(self.unit)?;
        Ok(())
    }
}

impl QueryId for CountResponse<'_> {
    type QueryId = CountResponse<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<Conn> RunQueryDsl<Conn> for CountResponse<'_> {}
