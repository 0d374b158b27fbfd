//! Survey rounds, invitations and responses.
//!
//! Anonymity lives here as much as in the core: a response row holds organisation, round, unit
//! and the packed answers only; spending an invitation, storing its response and deleting its
//! draft happen in one transaction; closing moves the responses to their final table in a random
//! order and deletes every token HMAC and draft of the round.

use std::sync::Arc;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use rand::seq::SliceRandom;

use super::connection::on_backend;
use super::schema::{
    drafts, invitations, link_handouts, response_inbox, responses, round_counts, round_results,
    round_units, rounds,
};
use super::statements::{CountResponse, SpendInvitation};
use super::{DbConnection, DbError, now};
use crate::domain::round::{FrozenUnit, MinGroupSize, RoundStatus, UnitCount};
use crate::domain::{OrganisationId, Questionnaire, UnitId};
use crate::secret::new_id;

/// A stored round.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = rounds)]
pub struct RoundRow {
    pub id: String,
    pub organisation_id: String,
    pub name: String,
    pub questionnaire_id: String,
    pub status: String,
    pub languages: String,
    pub min_group_size: i32,
    pub opens_at: Option<NaiveDateTime>,
    pub closes_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub opened_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub questionnaire_source: Option<String>,
    pub questionnaire_digest: Option<String>,
    pub unit_tree: Option<String>,
}

impl RoundRow {
    pub fn status(&self) -> RoundStatus {
        self.status.parse().unwrap_or(RoundStatus::Closed)
    }

    pub fn languages(&self) -> Vec<String> {
        self.languages
            .split(',')
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    }

    pub fn k(&self) -> MinGroupSize {
        MinGroupSize::new(self.min_group_size.into()).unwrap_or_default()
    }

    /// The unit tree frozen at open.
    pub fn frozen_units(&self) -> Vec<FrozenUnit> {
        self.unit_tree
            .as_deref()
            .and_then(|json| serde_json::from_str(json).ok())
            .unwrap_or_default()
    }
}

/// What HR gives to create a round.
pub struct NewRound<'a> {
    pub name: &'a str,
    pub questionnaire_id: &'a str,
    pub languages: &'a [String],
    pub min_group_size: MinGroupSize,
    pub opens_at: Option<NaiveDateTime>,
    pub closes_at: Option<NaiveDateTime>,
    pub units: &'a [UnitId],
}

pub fn create(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    new: &NewRound<'_>,
) -> Result<RoundRow, DbError> {
    let id = new_id();
    conn.write_transaction(|conn| {
        diesel::insert_into(rounds::table)
            .values((
                rounds::id.eq(&id),
                rounds::organisation_id.eq(organisation.as_str()),
                rounds::name.eq(new.name),
                rounds::questionnaire_id.eq(new.questionnaire_id),
                rounds::status.eq(RoundStatus::Draft.as_str()),
                rounds::languages.eq(new.languages.join(",")),
                rounds::min_group_size
                    .eq(i32::try_from(new.min_group_size.get()).unwrap_or(i32::MAX)),
                rounds::opens_at.eq(new.opens_at),
                rounds::closes_at.eq(new.closes_at),
                rounds::created_at.eq(now()),
            ))
            .execute(conn)?;
        for unit in new.units {
            diesel::insert_into(round_units::table)
                .values((
                    round_units::organisation_id.eq(organisation.as_str()),
                    round_units::round_id.eq(&id),
                    round_units::unit_id.eq(unit.as_str()),
                ))
                .execute(conn)?;
        }
        get(conn, organisation, &id)?.ok_or(DbError::Query(diesel::result::Error::NotFound))
    })
}

pub fn get(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    id: &str,
) -> Result<Option<RoundRow>, DbError> {
    Ok(rounds::table
        .filter(rounds::organisation_id.eq(organisation.as_str()))
        .filter(rounds::id.eq(id))
        .select(RoundRow::as_select())
        .get_result(conn)
        .optional()?)
}

pub fn list(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
) -> Result<Vec<RoundRow>, DbError> {
    Ok(rounds::table
        .filter(rounds::organisation_id.eq(organisation.as_str()))
        .order((rounds::created_at.desc(), rounds::id.asc()))
        .select(RoundRow::as_select())
        .load(conn)?)
}

/// The units chosen for a round (each with its sub-units); empty means all.
pub fn chosen_units(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    round: &str,
) -> Result<Vec<UnitId>, DbError> {
    let ids: Vec<String> = round_units::table
        .filter(round_units::organisation_id.eq(organisation.as_str()))
        .filter(round_units::round_id.eq(round))
        .order(round_units::unit_id.asc())
        .select(round_units::unit_id)
        .load(conn)?;
    Ok(ids.into_iter().map(UnitId::new).collect())
}

/// Opens a draft round, freezing the questionnaire's text and digest and the covered units.
pub fn open(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    id: &str,
    source: &str,
    digest: &str,
    units: &[FrozenUnit],
) -> Result<(), DbError> {
    let tree = serde_json::to_string(units).map_err(|e| DbError::Unavailable(e.to_string()))?;
    diesel::update(
        rounds::table
            .filter(rounds::organisation_id.eq(organisation.as_str()))
            .filter(rounds::id.eq(id))
            .filter(rounds::status.eq(RoundStatus::Draft.as_str())),
    )
    .set((
        rounds::status.eq(RoundStatus::Open.as_str()),
        rounds::opened_at.eq(Some(now())),
        rounds::questionnaire_source.eq(Some(source)),
        rounds::questionnaire_digest.eq(Some(digest)),
        rounds::unit_tree.eq(Some(tree)),
    ))
    .execute(conn)?;
    Ok(())
}

/// Closes an open round (DOMAIN.md section 6): its responses move, in a random order, from the
/// arrival table to the final one; its invitations (token HMACs) and drafts are deleted; the
/// counts stay. Afterwards no row identity, order or transaction of arrival survives, nor old
/// row versions (`scrub`).
pub fn close(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    id: &str,
) -> Result<bool, DbError> {
    let closed = conn.write_transaction(|conn| {
        // Waits for the submissions in flight; those that arrive now wait and find it closed.
        super::locks::own_round(conn, id)?;
        let updated = diesel::update(
            rounds::table
                .filter(rounds::organisation_id.eq(organisation.as_str()))
                .filter(rounds::id.eq(id))
                .filter(rounds::status.eq(RoundStatus::Open.as_str())),
        )
        .set((
            rounds::status.eq(RoundStatus::Closed.as_str()),
            rounds::closed_at.eq(Some(now())),
        ))
        .execute(conn)?;
        if updated == 0 {
            return Ok(false);
        }
        let inbox = response_inbox::table
            .filter(response_inbox::organisation_id.eq(organisation.as_str()))
            .filter(response_inbox::round_id.eq(id));
        let mut arrived: Vec<(String, Vec<u8>)> = inbox
            .select((response_inbox::unit_id, response_inbox::answers))
            .load(conn)?;
        arrived.shuffle(&mut rand::rng());
        // Responses of units too small to be shown join their nearest big enough ancestor.
        let round =
            get(conn, organisation, id)?.ok_or(DbError::Query(diesel::result::Error::NotFound))?;
        let mut counts = std::collections::BTreeMap::new();
        for (unit, _) in &arrived {
            *counts.entry(unit.clone()).or_insert(0u64) += 1;
        }
        let destination = crate::domain::round::reattach(&round.frozen_units(), &counts, round.k());
        let rows: Vec<_> = arrived
            .into_iter()
            .map(|(unit, answers)| {
                (
                    responses::id.eq(new_id()),
                    responses::organisation_id.eq(organisation.as_str()),
                    responses::round_id.eq(id),
                    responses::unit_id.eq(destination.get(&unit).cloned().unwrap_or_default()),
                    responses::answers.eq(answers),
                )
            })
            .collect();
        match conn {
            // Many rows per statement: one each made closing 100,000 responses take 17 s of
            // round trips. 5 parameters a row stay far below the limit per statement.
            DbConnection::Postgresql(pg) => {
                for chunk in rows.chunks(1000) {
                    diesel::insert_into(responses::table)
                        .values(chunk)
                        .execute(pg)?;
                }
            }
            // In-process: a statement costs no round trip (and diesel has no batch insert here).
            DbConnection::Sqlite(sqlite) => {
                for row in rows {
                    diesel::insert_into(responses::table)
                        .values(row)
                        .execute(sqlite)?;
                }
            }
        }
        diesel::delete(inbox).execute(conn)?;
        diesel::delete(
            invitations::table
                .filter(invitations::organisation_id.eq(organisation.as_str()))
                .filter(invitations::round_id.eq(id)),
        )
        .execute(conn)?;
        diesel::delete(
            drafts::table
                .filter(drafts::organisation_id.eq(organisation.as_str()))
                .filter(drafts::round_id.eq(id)),
        )
        .execute(conn)?;
        Ok::<_, DbError>(true)
    })?;
    if closed {
        scrub(conn)?;
    }
    Ok(closed)
}

/// Leaves no old row versions of deleted arrivals, invitations and drafts behind.
fn scrub(conn: &mut DbConnection) -> Result<(), DbError> {
    use diesel::connection::SimpleConnection;
    match conn {
        // secure_delete (set on every connection) zeroes freed pages; the checkpoint empties the WAL.
        DbConnection::Sqlite(c) => c.batch_execute("PRAGMA wal_checkpoint(TRUNCATE);")?,
        DbConnection::Postgresql(c) => {
            // One statement each: several in one query form a transaction, where VACUUM cannot run.
            for table in ["response_inbox", "invitations", "drafts"] {
                c.batch_execute(&format!("VACUUM FULL {table}"))?;
            }
        }
    }
    Ok(())
}

/// Deletes the responses of rounds closed before `cutoff` (retention); returns how many.
pub fn purge_responses(conn: &mut DbConnection, cutoff: NaiveDateTime) -> Result<usize, DbError> {
    let expired = rounds::table
        .filter(rounds::status.eq(RoundStatus::Closed.as_str()))
        .filter(rounds::closed_at.lt(cutoff))
        .select(rounds::id);
    Ok(
        diesel::delete(responses::table.filter(responses::round_id.eq_any(expired)))
            .execute(conn)?,
    )
}

/// Open rounds whose close date has passed.
pub fn due_for_closing(conn: &mut DbConnection) -> Result<Vec<(OrganisationId, String)>, DbError> {
    let due: Vec<(String, String)> = rounds::table
        .filter(rounds::status.eq(RoundStatus::Open.as_str()))
        .filter(rounds::closes_at.le(now()))
        .select((rounds::organisation_id, rounds::id))
        .load(conn)?;
    Ok(due
        .into_iter()
        .map(|(o, r)| (OrganisationId::new(o), r))
        .collect())
}

/// One new invitation: the HMACs to store. The secrets themselves are never stored.
pub struct NewInvitation {
    pub token_hmac: String,
    pub code_hmac: String,
}

/// Stores invitations for `unit` ("" for the organisation as a whole), counts them, and logs the
/// hand-out (who, when, unit, count).
pub fn invite(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    round: &str,
    unit: &str,
    invitations_to_store: &[NewInvitation],
    handed_out_by: &str,
) -> Result<(), DbError> {
    conn.write_transaction(|conn| {
        for invitation in invitations_to_store {
            diesel::insert_into(invitations::table)
                .values((
                    invitations::token_hmac.eq(&invitation.token_hmac),
                    invitations::code_hmac.eq(&invitation.code_hmac),
                    invitations::organisation_id.eq(organisation.as_str()),
                    invitations::round_id.eq(round),
                    invitations::unit_id.eq(unit),
                ))
                .execute(conn)?;
        }
        let count = i32::try_from(invitations_to_store.len()).unwrap_or(i32::MAX);
        add_counts(conn, organisation, round, unit, count, 0)?;
        diesel::insert_into(link_handouts::table)
            .values((
                link_handouts::id.eq(new_id()),
                link_handouts::organisation_id.eq(organisation.as_str()),
                link_handouts::round_id.eq(round),
                link_handouts::unit_id.eq(unit),
                link_handouts::user_email.eq(handed_out_by),
                link_handouts::count.eq(count),
                link_handouts::created_at.eq(now()),
            ))
            .execute(conn)?;
        Ok(())
    })
}

fn add_counts(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    round: &str,
    unit: &str,
    invited: i32,
    responded: i32,
) -> Result<(), DbError> {
    let row = round_counts::table
        .filter(round_counts::organisation_id.eq(organisation.as_str()))
        .filter(round_counts::round_id.eq(round))
        .filter(round_counts::unit_id.eq(unit));
    let updated = diesel::update(row)
        .set((
            round_counts::invited.eq(round_counts::invited + invited),
            round_counts::responded.eq(round_counts::responded + responded),
        ))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(round_counts::table)
            .values((
                round_counts::organisation_id.eq(organisation.as_str()),
                round_counts::round_id.eq(round),
                round_counts::unit_id.eq(unit),
                round_counts::invited.eq(invited),
                round_counts::responded.eq(responded),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Invited and responded counts per unit.
pub fn counts(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    round: &str,
) -> Result<Vec<UnitCount>, DbError> {
    let rows: Vec<(String, i32, i32)> = round_counts::table
        .filter(round_counts::organisation_id.eq(organisation.as_str()))
        .filter(round_counts::round_id.eq(round))
        .select((
            round_counts::unit_id,
            round_counts::invited,
            round_counts::responded,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(unit, invited, responded)| UnitCount {
            unit,
            invited: u64::try_from(invited).unwrap_or(0),
            responded: u64::try_from(responded).unwrap_or(0),
        })
        .collect())
}

/// A logged hand-out of links.
#[derive(Debug, Clone, Queryable)]
pub struct Handout {
    pub unit_id: String,
    pub user_email: String,
    pub count: i32,
    pub created_at: NaiveDateTime,
}

pub fn handouts(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    round: &str,
) -> Result<Vec<Handout>, DbError> {
    Ok(link_handouts::table
        .filter(link_handouts::organisation_id.eq(organisation.as_str()))
        .filter(link_handouts::round_id.eq(round))
        .order((link_handouts::created_at.asc(), link_handouts::id.asc()))
        .select((
            link_handouts::unit_id,
            link_handouts::user_email,
            link_handouts::count,
            link_handouts::created_at,
        ))
        .load(conn)?)
}

/// What an invitation opens, found by the HMAC of its token or code.
#[derive(Debug, Clone)]
pub struct Invitation {
    pub token_hmac: String,
    pub organisation_id: OrganisationId,
    /// The round, without its questionnaire source and unit tree (see `find_invitation`).
    pub round: RoundRow,
    pub unit_id: String,
    /// The round's frozen questionnaire, parsed, once whoever answers with it has resolved it.
    pub questionnaire: Option<Arc<Questionnaire>>,
}

/// The unspent invitation with this token or code HMAC, with its round, in one query. Every
/// questionnaire page and submission asks this, so the round comes without its large columns:
/// the questionnaire source (parsed once per digest, see `questionnaire_source`) and the unit
/// tree.
pub fn find_invitation(conn: &mut DbConnection, hmac: &str) -> Result<Option<Invitation>, DbError> {
    use diesel::sql_types::{Nullable, Text};
    let left_out = || None::<String>.into_sql::<Nullable<Text>>();
    let query = invitations::table
        .inner_join(
            rounds::table.on(rounds::id
                .eq(invitations::round_id)
                .and(rounds::organisation_id.eq(invitations::organisation_id))),
        )
        .filter(
            invitations::token_hmac
                .eq(hmac)
                .or(invitations::code_hmac.eq(hmac)),
        )
        .filter(invitations::spent.eq(false))
        .select((
            invitations::token_hmac,
            invitations::unit_id,
            (
                rounds::id,
                rounds::organisation_id,
                rounds::name,
                rounds::questionnaire_id,
                rounds::status,
                rounds::languages,
                rounds::min_group_size,
                rounds::opens_at,
                rounds::closes_at,
                rounds::created_at,
                rounds::opened_at,
                rounds::closed_at,
                left_out(),
                rounds::questionnaire_digest,
                left_out(),
            ),
        ));
    let found: Option<(String, String, RoundRow)> =
        on_backend!(conn, |c| query.get_result(c).optional())?;
    Ok(found.map(|(token_hmac, unit_id, round)| Invitation {
        token_hmac,
        organisation_id: OrganisationId::new(round.organisation_id.clone()),
        round,
        unit_id,
        questionnaire: None,
    }))
}

/// The questionnaire source a round froze when it opened.
pub fn questionnaire_source(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    round: &str,
) -> Result<Option<String>, DbError> {
    Ok(rounds::table
        .filter(rounds::organisation_id.eq(organisation.as_str()))
        .filter(rounds::id.eq(round))
        .select(rounds::questionnaire_source)
        .get_result::<Option<String>>(conn)
        .optional()?
        .flatten())
}

/// What became of a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Submitted {
    Stored,
    /// Spent meanwhile (a second submission with the same link): nothing stored.
    AlreadySpent,
    /// The round closed meanwhile: nothing stored.
    RoundNotOpen,
}

/// Spends the invitation, stores its response and deletes its draft, in one transaction.
pub fn submit(
    conn: &mut DbConnection,
    invitation: &Invitation,
    answers: &[u8],
) -> Result<Submitted, DbError> {
    let organisation = &invitation.organisation_id;
    let round = invitation.round.id.as_str();
    conn.write_transaction(|conn| {
        // PostgreSQL: a close of the round waits for this transaction, or this one for the close
        // (taken before any row lock, as the close takes it, so that neither waits in a cycle).
        super::locks::share_round(conn, round)?;
        // Writing first takes SQLite's write lock before any read, so concurrent submissions wait
        // (busy timeout) instead of failing. The conditional update is the lock: of two
        // concurrent submissions with one link only one changes the row; the other stores nothing.
        // It spends the link only while the round is open, in the same statement.
        let spend = SpendInvitation {
            token_hmac: &invitation.token_hmac,
            round,
        };
        if on_backend!(conn, |c| spend.execute(c))? == 0 {
            let still_open: bool = on_backend!(conn, |c| diesel::select(diesel::dsl::exists(
                rounds::table
                    .filter(rounds::id.eq(round))
                    .filter(rounds::status.eq(RoundStatus::Open.as_str()))
            ))
            .get_result(c))?;
            return Ok(if still_open {
                Submitted::AlreadySpent
            } else {
                Submitted::RoundNotOpen
            });
        }
        let id = new_id();
        on_backend!(conn, |c| diesel::insert_into(response_inbox::table)
            .values((
                response_inbox::id.eq(&id),
                response_inbox::organisation_id.eq(organisation.as_str()),
                response_inbox::round_id.eq(round),
                response_inbox::unit_id.eq(&invitation.unit_id),
                response_inbox::answers.eq(answers),
            ))
            .execute(c))?;
        on_backend!(conn, |c| diesel::delete(
            drafts::table.filter(drafts::token_hmac.eq(&invitation.token_hmac))
        )
        .execute(c))?;
        // Last: the unit's count row is shared by all its respondents, and stays locked from
        // here to the commit.
        let count = CountResponse {
            organisation: organisation.as_str(),
            round,
            unit: &invitation.unit_id,
        };
        if on_backend!(conn, |c| count.execute(c))? == 0 {
            add_counts(conn, organisation, round, &invitation.unit_id, 0, 1)?;
        }
        Ok(Submitted::Stored)
    })
}

/// Calls `each` with the unit and packed answers of every response of a round, in stored order
/// (closed rounds only), streaming: a round of a million responses is never held in memory.
pub fn for_each_response(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    round: &str,
    mut each: impl FnMut(&str, &[u8]),
) -> Result<(), DbError> {
    use diesel::connection::DefaultLoadingMode;
    use diesel::pg::PgRowByRowLoadingMode;
    let query = responses::table
        .filter(responses::organisation_id.eq(organisation.as_str()))
        .filter(responses::round_id.eq(round))
        .select((responses::unit_id, responses::answers));
    match conn {
        DbConnection::Sqlite(conn) => {
            for row in query.load_iter::<(String, Vec<u8>), DefaultLoadingMode>(conn)? {
                let (unit, answers) = row?;
                each(&unit, &answers);
            }
        }
        DbConnection::Postgresql(conn) => {
            for row in query.load_iter::<(String, Vec<u8>), PgRowByRowLoadingMode>(conn)? {
                let (unit, answers) = row?;
                each(&unit, &answers);
            }
        }
    }
    Ok(())
}

/// Stores a closed round's results (once; a second store of the same round changes nothing).
pub fn store_results(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    round: &str,
    results: &str,
) -> Result<(), DbError> {
    let stored: Result<(), DbError> = conn.write_transaction(|conn| {
        if load_results(conn, organisation, round)?.is_some() {
            return Ok(());
        }
        diesel::insert_into(round_results::table)
            .values((
                round_results::organisation_id.eq(organisation.as_str()),
                round_results::round_id.eq(round),
                round_results::results.eq(results),
            ))
            .execute(conn)?;
        Ok(())
    });
    match stored {
        // Another instance (or worker) stored them meanwhile: the same figures, kept as they are.
        Err(error) if error.is_unique_violation() => Ok(()),
        other => other,
    }
}

/// A closed round's stored results (JSON).
pub fn load_results(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    round: &str,
) -> Result<Option<String>, DbError> {
    Ok(round_results::table
        .filter(round_results::organisation_id.eq(organisation.as_str()))
        .filter(round_results::round_id.eq(round))
        .select(round_results::results)
        .get_result(conn)
        .optional()?)
}

/// The organisation's closed round of the same questionnaire that closed last before `round`.
#[allow(clippy::disallowed_methods)] // ordered: the latest of several
pub fn previous_closed(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    round: &RoundRow,
) -> Result<Option<RoundRow>, DbError> {
    let Some(closed_at) = round.closed_at else {
        return Ok(None);
    };
    Ok(rounds::table
        .filter(rounds::organisation_id.eq(organisation.as_str()))
        .filter(rounds::questionnaire_id.eq(&round.questionnaire_id))
        .filter(rounds::status.eq(RoundStatus::Closed.as_str()))
        .filter(rounds::id.ne(&round.id))
        .filter(rounds::closed_at.le(closed_at))
        .order((rounds::closed_at.desc(), rounds::id.desc()))
        .select(RoundRow::as_select())
        .first(conn)
        .optional()?)
}
