//! The plan of action: its items, and the history of every change as a hash chain (each entry
//! holds the hash of the one before), written in the same transaction as the change.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{plan_history, plan_items};
use super::{DbConnection, DbError};
use crate::domain::OrganisationId;
use crate::domain::plan::{Change, GENESIS, ItemStatus, chain_hash};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = plan_items)]
pub struct PlanItemRow {
    pub id: String,
    pub organisation_id: String,
    pub category: String,
    pub unit_id: Option<String>,
    pub scope_path: String,
    /// Source option ids, comma-separated.
    pub sources: String,
    pub round_id: Option<String>,
    pub signal: String,
    pub measure: String,
    pub measure_id: Option<String>,
    pub level: String,
    pub priority: i32,
    pub owner_user_id: Option<String>,
    pub owner_name: Option<String>,
    pub owner_email: Option<String>,
    pub owner_role: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub deadline: Option<NaiveDate>,
    pub budget: Option<String>,
    pub status: String,
    pub note: Option<String>,
    pub residual_risk: Option<String>,
    pub evaluation_date: Option<NaiveDate>,
    pub created_at: NaiveDateTime,
    /// Who reported it done (an e-mail address, as the history names people), and when.
    pub completed_by: Option<String>,
    pub completed_on: Option<NaiveDate>,
    pub signed_off_by: Option<String>,
}

impl PlanItemRow {
    /// The stored status; an unknown value (never written by psa) reads as planned.
    pub fn status(&self) -> ItemStatus {
        serde_json::from_value(serde_json::Value::String(self.status.clone()))
            .unwrap_or(ItemStatus::Planned)
    }

    /// Every field a person sets, by name, as the history records it.
    fn fields(&self) -> Vec<(&'static str, Option<String>)> {
        let date = |d: &Option<NaiveDate>| d.map(|d| d.to_string());
        vec![
            ("category", Some(self.category.clone())),
            ("unit_id", self.unit_id.clone()),
            ("scope_path", Some(self.scope_path.clone())),
            ("sources", Some(self.sources.clone())),
            ("round_id", self.round_id.clone()),
            ("signal", Some(self.signal.clone())),
            ("measure", Some(self.measure.clone())),
            ("measure_id", self.measure_id.clone()),
            ("level", Some(self.level.clone())),
            ("priority", Some(self.priority.to_string())),
            ("owner_user_id", self.owner_user_id.clone()),
            ("owner_name", self.owner_name.clone()),
            ("owner_email", self.owner_email.clone()),
            ("owner_role", self.owner_role.clone()),
            ("start_date", date(&self.start_date)),
            ("deadline", date(&self.deadline)),
            ("budget", self.budget.clone()),
            ("status", Some(self.status.clone())),
            ("note", self.note.clone()),
            ("residual_risk", self.residual_risk.clone()),
            ("evaluation_date", date(&self.evaluation_date)),
            ("completed_by", self.completed_by.clone()),
            ("completed_on", date(&self.completed_on)),
            ("signed_off_by", self.signed_off_by.clone()),
        ]
    }
}

/// One stored history entry with its position and hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    pub seq: i64,
    pub change: Change,
    pub hash: String,
}

pub fn list(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
) -> Result<Vec<PlanItemRow>, DbError> {
    Ok(plan_items::table
        .filter(plan_items::organisation_id.eq(organisation.as_str()))
        .order((plan_items::created_at.asc(), plan_items::id.asc()))
        .select(PlanItemRow::as_select())
        .load(conn)?)
}

pub fn get(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    id: &str,
) -> Result<Option<PlanItemRow>, DbError> {
    Ok(plan_items::table
        .filter(plan_items::organisation_id.eq(organisation.as_str()))
        .filter(plan_items::id.eq(id))
        .select(PlanItemRow::as_select())
        .get_result(conn)
        .optional()?)
}

/// Appends changes to the organisation's chain.
#[allow(clippy::disallowed_methods)] // ordered: the head of the chain
fn record(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    changes: &[Change],
) -> Result<(), DbError> {
    super::locks::own_chain(conn, &format!("plan:{organisation}"))?;
    let last: Option<(i64, String)> = plan_history::table
        .filter(plan_history::organisation_id.eq(organisation.as_str()))
        .order(plan_history::seq.desc())
        .select((plan_history::seq, plan_history::hash))
        .first(conn)
        .optional()?;
    let (mut seq, mut head) = last.unwrap_or((0, GENESIS.to_owned()));
    for change in changes {
        seq += 1;
        head = chain_hash(&head, change);
        diesel::insert_into(plan_history::table)
            .values((
                plan_history::organisation_id.eq(organisation.as_str()),
                plan_history::seq.eq(seq),
                plan_history::item_id.eq(&change.item_id),
                plan_history::at.eq(&change.at),
                plan_history::who.eq(&change.who),
                plan_history::field.eq(&change.field),
                plan_history::old_value.eq(&change.old),
                plan_history::new_value.eq(&change.new),
                plan_history::hash.eq(&head),
            ))
            .execute(conn)?;
    }
    Ok(())
}

fn changes(
    item_id: &str,
    at: &str,
    who: &str,
    before: Option<&PlanItemRow>,
    after: &PlanItemRow,
) -> Vec<Change> {
    let old = before.map(PlanItemRow::fields);
    after
        .fields()
        .into_iter()
        .enumerate()
        .filter_map(|(i, (field, new))| {
            let previous = old.as_ref().and_then(|o| o[i].1.clone());
            (previous != new).then(|| Change {
                item_id: item_id.to_owned(),
                at: at.to_owned(),
                who: who.to_owned(),
                field: field.to_owned(),
                old: previous,
                new,
            })
        })
        .collect()
}

/// Stores a new item and records each of its fields in the history.
pub fn create(conn: &mut DbConnection, item: &PlanItemRow, who: &str) -> Result<(), DbError> {
    let organisation = OrganisationId::new(item.organisation_id.clone());
    let at = super::utc(item.created_at);
    conn.write_transaction(|conn| {
        diesel::insert_into(plan_items::table)
            .values(item)
            .execute(conn)?;
        record(
            conn,
            &organisation,
            &changes(&item.id, &at, who, None, item),
        )
    })
}

/// Replaces an item with `after` and records every field that changed; `false` when the item
/// changed meanwhile (its stored form is no longer `before`).
pub fn update(
    conn: &mut DbConnection,
    before: &PlanItemRow,
    after: &PlanItemRow,
    who: &str,
    at: &str,
) -> Result<bool, DbError> {
    let organisation = OrganisationId::new(before.organisation_id.clone());
    conn.write_transaction(|conn| {
        let current = get(conn, &organisation, &before.id)?;
        if current.as_ref() != Some(before) {
            return Ok(false);
        }
        diesel::update(
            plan_items::table
                .filter(plan_items::organisation_id.eq(&before.organisation_id))
                .filter(plan_items::id.eq(&before.id)),
        )
        .set((
            plan_items::owner_user_id.eq(&after.owner_user_id),
            plan_items::owner_name.eq(&after.owner_name),
            plan_items::owner_email.eq(&after.owner_email),
            plan_items::owner_role.eq(&after.owner_role),
            plan_items::measure.eq(&after.measure),
            plan_items::level.eq(&after.level),
            plan_items::start_date.eq(after.start_date),
            plan_items::deadline.eq(after.deadline),
            plan_items::budget.eq(&after.budget),
            plan_items::status.eq(&after.status),
            plan_items::note.eq(&after.note),
            plan_items::residual_risk.eq(&after.residual_risk),
            plan_items::evaluation_date.eq(after.evaluation_date),
            plan_items::completed_by.eq(&after.completed_by),
            plan_items::completed_on.eq(after.completed_on),
            plan_items::signed_off_by.eq(&after.signed_off_by),
        ))
        .execute(conn)?;
        record(
            conn,
            &organisation,
            &changes(&before.id, at, who, Some(before), after),
        )?;
        Ok(true)
    })
}

/// The organisation's whole history, in order.
pub fn history(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
) -> Result<Vec<HistoryEntry>, DbError> {
    type Row = (
        i64,
        String,
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        String,
    );
    let rows: Vec<Row> = plan_history::table
        .filter(plan_history::organisation_id.eq(organisation.as_str()))
        .order(plan_history::seq.asc())
        .select((
            plan_history::seq,
            plan_history::item_id,
            plan_history::at,
            plan_history::who,
            plan_history::field,
            plan_history::old_value,
            plan_history::new_value,
            plan_history::hash,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(seq, item_id, at, who, field, old, new, hash)| HistoryEntry {
                seq,
                change: Change {
                    item_id,
                    at,
                    who,
                    field,
                    old,
                    new,
                },
                hash,
            },
        )
        .collect())
}
