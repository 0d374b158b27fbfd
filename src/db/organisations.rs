//! Organisations and their settings.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::connection::on_backend;
use super::schema::organisations;
use super::{DbConnection, DbError, now};
use crate::domain::organisation::OrganisationError;
use crate::domain::{
    Headcount, Organisation, OrganisationId, OrganisationName, OrganisationSettings, VpoThreshold,
};
use crate::secret::new_id;

#[derive(Queryable, Selectable)]
#[diesel(table_name = organisations)]
struct OrganisationRow {
    id: String,
    public_id: String,
    name: String,
    headcount: Option<i32>,
    default_language: String,
    vpo_threshold: i32,
    created_at: NaiveDateTime,
    plan_sign_off: bool,
}

#[derive(Insertable)]
#[diesel(table_name = organisations)]
struct NewOrganisationRow<'a> {
    id: &'a str,
    public_id: &'a str,
    name: &'a str,
    headcount: Option<i32>,
    default_language: &'a str,
    vpo_threshold: i32,
    created_at: NaiveDateTime,
    plan_sign_off: bool,
}

impl OrganisationRow {
    fn into_domain(self) -> Result<Organisation, DbError> {
        let corrupt = |e: OrganisationError| {
            DbError::Query(diesel::result::Error::DeserializationError(Box::new(e)))
        };
        Ok(Organisation {
            id: OrganisationId::new(self.id),
            public_id: self.public_id,
            settings: OrganisationSettings {
                name: OrganisationName::parse(&self.name).map_err(corrupt)?,
                headcount: self
                    .headcount
                    .map(|h| Headcount::new(h.into()))
                    .transpose()
                    .map_err(corrupt)?,
                default_language: self.default_language.parse().unwrap_or_default(),
                vpo_threshold: VpoThreshold::new(self.vpo_threshold.into()).map_err(corrupt)?,
                plan_sign_off: self.plan_sign_off,
            },
            created_at: self.created_at,
        })
    }
}

fn to_i32(value: u32) -> i32 {
    // Both bounded far below i32::MAX by their domain types.
    i32::try_from(value).unwrap_or(i32::MAX)
}

/// Creates an organisation with a fresh id and public id.
pub fn create(
    conn: &mut DbConnection,
    settings: &OrganisationSettings,
) -> Result<Organisation, DbError> {
    let (id, public_id) = (new_id(), new_id());
    diesel::insert_into(organisations::table)
        .values(NewOrganisationRow {
            id: &id,
            public_id: &public_id,
            name: settings.name.as_str(),
            headcount: settings.headcount.map(|h| to_i32(h.get())),
            default_language: settings.default_language.code(),
            vpo_threshold: to_i32(settings.vpo_threshold.get()),
            created_at: now(),
            plan_sign_off: settings.plan_sign_off,
        })
        .execute(conn)?;
    get(conn, &OrganisationId::new(id))?.ok_or(DbError::Query(diesel::result::Error::NotFound))
}

pub fn get(conn: &mut DbConnection, id: &OrganisationId) -> Result<Option<Organisation>, DbError> {
    on_backend!(conn, |c| organisations::table
        .find(id.as_str())
        .select(OrganisationRow::as_select())
        .get_result(c)
        .optional())?
    .map(OrganisationRow::into_domain)
    .transpose()
}

/// Finds an organisation by id, public id or exact name (for the command line).
#[allow(clippy::disallowed_methods)] // several may match; the command line takes one
pub fn find(conn: &mut DbConnection, key: &str) -> Result<Option<Organisation>, DbError> {
    organisations::table
        .filter(
            organisations::id
                .eq(key)
                .or(organisations::public_id.eq(key))
                .or(organisations::name.eq(key.trim())),
        )
        .select(OrganisationRow::as_select())
        .first(conn)
        .optional()?
        .map(OrganisationRow::into_domain)
        .transpose()
}

/// The organisation with this public id (its public pages).
pub fn find_public(
    conn: &mut DbConnection,
    public_id: &str,
) -> Result<Option<Organisation>, DbError> {
    organisations::table
        .filter(organisations::public_id.eq(public_id))
        .select(OrganisationRow::as_select())
        .get_result(conn)
        .optional()?
        .map(OrganisationRow::into_domain)
        .transpose()
}

/// Every organisation, by name.
pub fn list(conn: &mut DbConnection) -> Result<Vec<Organisation>, DbError> {
    organisations::table
        .order(organisations::name.asc())
        .select(OrganisationRow::as_select())
        .load(conn)?
        .into_iter()
        .map(OrganisationRow::into_domain)
        .collect()
}

/// Replaces the organisation's settings; false when it does not exist.
pub fn update_settings(
    conn: &mut DbConnection,
    id: &OrganisationId,
    settings: &OrganisationSettings,
) -> Result<bool, DbError> {
    let updated = diesel::update(organisations::table.find(id.as_str()))
        .set((
            organisations::name.eq(settings.name.as_str()),
            organisations::headcount.eq(settings.headcount.map(|h| to_i32(h.get()))),
            organisations::default_language.eq(settings.default_language.code()),
            organisations::vpo_threshold.eq(to_i32(settings.vpo_threshold.get())),
            organisations::plan_sign_off.eq(settings.plan_sign_off),
        ))
        .execute(conn)?;
    Ok(updated == 1)
}
