//! Organisation units, always within one organisation.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::units;
use super::{DbConnection, DbError, now};
use crate::domain::unit::ImportRow;
use crate::domain::{Headcount, OrganisationId, Unit, UnitId, UnitName, UnitTree};
use crate::secret::new_id;

#[derive(Queryable, Selectable)]
#[diesel(table_name = units)]
struct UnitRow {
    id: String,
    parent_id: Option<String>,
    name: String,
    headcount: Option<i32>,
    #[allow(dead_code)]
    created_at: NaiveDateTime,
}

impl UnitRow {
    fn into_domain(self) -> Result<Unit, DbError> {
        let corrupt =
            |e: String| DbError::Query(diesel::result::Error::DeserializationError(e.into()));
        Ok(Unit {
            id: UnitId::new(self.id),
            parent: self.parent_id.map(UnitId::new),
            name: UnitName::parse(&self.name).map_err(|e| corrupt(e.to_string()))?,
            headcount: self
                .headcount
                .map(|h| Headcount::new(h.into()))
                .transpose()
                .map_err(|e| corrupt(e.to_string()))?,
        })
    }
}

fn headcount_column(headcount: Option<Headcount>) -> Option<i32> {
    headcount.map(|h| i32::try_from(h.get()).unwrap_or(i32::MAX))
}

/// The organisation's units.
pub fn tree(conn: &mut DbConnection, organisation: &OrganisationId) -> Result<UnitTree, DbError> {
    let rows: Vec<UnitRow> = units::table
        .filter(units::organisation_id.eq(organisation.as_str()))
        .select(UnitRow::as_select())
        .load(conn)?;
    let units: Result<Vec<Unit>, DbError> = rows.into_iter().map(UnitRow::into_domain).collect();
    Ok(UnitTree::new(units?))
}

/// Adds a unit under `parent` (which must be the organisation's; checked by the caller through
/// the tree). A sibling with the same name fails with a unique violation.
pub fn create(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    parent: Option<&UnitId>,
    name: &UnitName,
    headcount: Option<Headcount>,
) -> Result<Unit, DbError> {
    let id = new_id();
    diesel::insert_into(units::table)
        .values((
            units::id.eq(&id),
            units::organisation_id.eq(organisation.as_str()),
            units::parent_id.eq(parent.map(UnitId::as_str)),
            units::parent_key.eq(parent.map_or("", UnitId::as_str)),
            units::name.eq(name.as_str()),
            units::headcount.eq(headcount_column(headcount)),
            units::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(Unit {
        id: UnitId::new(id),
        parent: parent.cloned(),
        name: name.clone(),
        headcount,
    })
}

/// Stores a unit's changed name, parent and headcount.
pub fn update(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    unit: &Unit,
) -> Result<bool, DbError> {
    let updated = diesel::update(
        units::table
            .filter(units::organisation_id.eq(organisation.as_str()))
            .filter(units::id.eq(unit.id.as_str())),
    )
    .set((
        units::parent_id.eq(unit.parent.as_ref().map(UnitId::as_str)),
        units::parent_key.eq(unit.parent.as_ref().map_or("", UnitId::as_str)),
        units::name.eq(unit.name.as_str()),
        units::headcount.eq(headcount_column(unit.headcount)),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Deletes a unit without sub-units.
pub fn delete(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    unit: &UnitId,
) -> Result<bool, DbError> {
    let deleted = diesel::delete(
        units::table
            .filter(units::organisation_id.eq(organisation.as_str()))
            .filter(units::id.eq(unit.as_str())),
    )
    .execute(conn)?;
    Ok(deleted == 1)
}

/// What an import changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportOutcome {
    pub created: usize,
    pub updated: usize,
}

/// Applies checked import rows in one transaction: each path's missing units are created, and a
/// row's headcount is set on its unit. Nothing is stored if anything fails.
pub fn import(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    rows: &[ImportRow],
) -> Result<ImportOutcome, DbError> {
    conn.write_transaction(|conn| {
        let mut tree = tree(conn, organisation)?;
        let mut outcome = ImportOutcome::default();
        for row in rows {
            let mut parent: Option<UnitId> = None;
            for (depth, name) in row.path.iter().enumerate() {
                let last = depth + 1 == row.path.len();
                let existing = tree.child(parent.as_ref(), name).cloned();
                let unit = match existing {
                    Some(mut unit) => {
                        if last && row.headcount.is_some() && unit.headcount != row.headcount {
                            unit.headcount = row.headcount;
                            update(conn, organisation, &unit)?;
                            outcome.updated += 1;
                        }
                        unit
                    }
                    None => {
                        let headcount = if last { row.headcount } else { None };
                        let unit = create(conn, organisation, parent.as_ref(), name, headcount)?;
                        outcome.created += 1;
                        unit
                    }
                };
                parent = Some(unit.id.clone());
                tree.insert(unit);
            }
        }
        Ok(outcome)
    })
}
