//! Staff accounts, their roles per organisation, and whether the instance has been set up.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{instance_setup, memberships, organisations, users};
use super::{DbConnection, DbError, now};
use crate::domain::{Email, OrganisationId, Role, RoleSet, UserId};
use crate::secret::new_id;

/// A staff account (never the password hash, which stays in this module's queries).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub is_owner: bool,
    pub created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = users)]
struct UserRow {
    id: String,
    email: String,
    is_owner: bool,
    created_at: NaiveDateTime,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> Self {
        User {
            id: UserId::new(row.id),
            email: row.email,
            is_owner: row.is_owner,
            created_at: row.created_at,
        }
    }
}

/// A user's roles in one organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub organisation_id: OrganisationId,
    pub organisation_name: String,
    pub roles: RoleSet,
}

pub fn create_user(
    conn: &mut DbConnection,
    email: &Email,
    password_hash: &str,
    is_owner: bool,
) -> Result<User, DbError> {
    let id = new_id();
    diesel::insert_into(users::table)
        .values((
            users::id.eq(&id),
            users::email.eq(email.as_str()),
            users::password_hash.eq(password_hash),
            users::is_owner.eq(is_owner),
            users::created_at.eq(now()),
        ))
        .execute(conn)?;
    get_user(conn, &UserId::new(id))?.ok_or(DbError::Query(diesel::result::Error::NotFound))
}

pub fn get_user(conn: &mut DbConnection, id: &UserId) -> Result<Option<User>, DbError> {
    Ok(users::table
        .find(id.as_str())
        .select(UserRow::as_select())
        .get_result(conn)
        .optional()?
        .map(User::from))
}

pub fn find_user(conn: &mut DbConnection, email: &Email) -> Result<Option<User>, DbError> {
    Ok(users::table
        .filter(users::email.eq(email.as_str()))
        .select(UserRow::as_select())
        .get_result(conn)
        .optional()?
        .map(User::from))
}

/// The user and their password hash, for logging in.
pub fn credentials(
    conn: &mut DbConnection,
    email: &Email,
) -> Result<Option<(User, String)>, DbError> {
    Ok(users::table
        .filter(users::email.eq(email.as_str()))
        .select((UserRow::as_select(), users::password_hash))
        .get_result::<(UserRow, String)>(conn)
        .optional()?
        .map(|(row, hash)| (User::from(row), hash)))
}

pub fn set_password(conn: &mut DbConnection, id: &UserId, hash: &str) -> Result<(), DbError> {
    diesel::update(users::table.find(id.as_str()))
        .set(users::password_hash.eq(hash))
        .execute(conn)?;
    Ok(())
}

/// Every account, by e-mail address.
pub fn list_users(conn: &mut DbConnection) -> Result<Vec<User>, DbError> {
    Ok(users::table
        .order(users::email.asc())
        .select(UserRow::as_select())
        .load::<UserRow>(conn)?
        .into_iter()
        .map(User::from)
        .collect())
}

/// Gives `user` the `role` in `organisation`; granting a role held already changes nothing.
pub fn grant(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    user: &UserId,
    role: Role,
) -> Result<(), DbError> {
    conn.write_transaction(|conn| {
        if roles_in(conn, organisation, user)?.contains(role) {
            return Ok(());
        }
        diesel::insert_into(memberships::table)
            .values((
                memberships::organisation_id.eq(organisation.as_str()),
                memberships::user_id.eq(user.as_str()),
                memberships::role.eq(role.as_str()),
                memberships::created_at.eq(now()),
            ))
            .execute(conn)?;
        Ok(())
    })
}

/// Takes `role` in `organisation` away from `user`; false when it was not held.
pub fn revoke(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    user: &UserId,
    role: Role,
) -> Result<bool, DbError> {
    let deleted = diesel::delete(
        memberships::table
            .filter(memberships::organisation_id.eq(organisation.as_str()))
            .filter(memberships::user_id.eq(user.as_str()))
            .filter(memberships::role.eq(role.as_str())),
    )
    .execute(conn)?;
    Ok(deleted > 0)
}

/// The roles `user` holds in `organisation` (empty when not a member).
pub fn roles_in(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    user: &UserId,
) -> Result<RoleSet, DbError> {
    let names: Vec<String> = memberships::table
        .filter(memberships::organisation_id.eq(organisation.as_str()))
        .filter(memberships::user_id.eq(user.as_str()))
        .select(memberships::role)
        .load(conn)?;
    Ok(names.iter().filter_map(|name| name.parse().ok()).collect())
}

/// Every organisation where `user` holds a role, by organisation name.
pub fn memberships_of(conn: &mut DbConnection, user: &UserId) -> Result<Vec<Membership>, DbError> {
    let rows: Vec<(String, String, String)> = memberships::table
        .inner_join(organisations::table)
        .filter(memberships::user_id.eq(user.as_str()))
        .order((organisations::name.asc(), organisations::id.asc()))
        .select((organisations::id, organisations::name, memberships::role))
        .load(conn)?;
    let mut out: Vec<Membership> = Vec::new();
    for (id, name, role) in rows {
        let Ok(role) = role.parse::<Role>() else {
            continue;
        };
        match out.last_mut() {
            Some(last) if last.organisation_id.as_str() == id => last.roles.insert(role),
            _ => out.push(Membership {
                organisation_id: OrganisationId::new(id),
                organisation_name: name,
                roles: RoleSet::of(&[role]),
            }),
        }
    }
    Ok(out)
}

/// The members of `organisation` with their roles, by e-mail address.
pub fn members(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
) -> Result<Vec<(User, RoleSet)>, DbError> {
    let rows: Vec<(UserRow, String)> = memberships::table
        .inner_join(users::table)
        .filter(memberships::organisation_id.eq(organisation.as_str()))
        .order((users::email.asc(), users::id.asc()))
        .select((UserRow::as_select(), memberships::role))
        .load(conn)?;
    let mut out: Vec<(User, RoleSet)> = Vec::new();
    for (row, role) in rows {
        let Ok(role) = role.parse::<Role>() else {
            continue;
        };
        match out.last_mut() {
            Some((user, roles)) if user.id.as_str() == row.id => roles.insert(role),
            _ => out.push((User::from(row), RoleSet::of(&[role]))),
        }
    }
    Ok(out)
}

/// Whether the first owner has been created.
pub fn is_set_up(conn: &mut DbConnection) -> Result<bool, DbError> {
    Ok(instance_setup::table.count().get_result::<i64>(conn)? > 0)
}

/// Records that setup is done; fails with a unique violation when it was done already, so two
/// concurrent setups cannot both succeed.
pub fn mark_set_up(conn: &mut DbConnection) -> Result<(), DbError> {
    diesel::insert_into(instance_setup::table)
        .values((
            instance_setup::id.eq(1),
            instance_setup::completed_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}
