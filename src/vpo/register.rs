//! The case register's rules over storage: a case is created assigned to its counsellor, read
//! and changed only through an assignment, handed over explicitly, and every read and change is
//! written to the VPO access log (by reference, never contents). Confidential parts are sealed
//! before they reach storage and opened only here.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::sealing::{NotesCipher, Place};
use crate::db::DbConnection;
use crate::db::vpo::{self as store, CaseRow, NoteRow};
use crate::domain::vpo::report::{AnnualFigures, annual_figures};
use crate::domain::vpo::{Action, Behaviour, CaseFacts, CaseStatus, Channel, Quarter, Source};
use crate::domain::{OrganisationId, Role, UserId};
use crate::error::AppError;
use crate::secret::new_id;

/// The counsellor acting: who they are in the organisation.
pub struct Counsellor<'a> {
    pub organisation: &'a OrganisationId,
    pub user: &'a UserId,
    pub email: &'a str,
}

/// A case's facts as a counsellor enters them.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct Facts {
    pub channel: Channel,
    /// Behaviour categories; at least one when in scope.
    #[serde(default)]
    pub behaviours: BTreeSet<Behaviour>,
    #[serde(default)]
    pub sources: BTreeSet<Source>,
    /// False for integrity and work-content matters, which are referred.
    pub in_scope: bool,
    #[serde(default)]
    pub actions: BTreeSet<Action>,
    /// Where the reporter was referred (see `GET /api/v1/vpo/referrals`).
    #[serde(default)]
    pub referrals: BTreeSet<String>,
}

/// Longest confidential text accepted (agreements, case report, a note).
pub const TEXT_LIMIT: usize = 20_000;

fn check_text(field: &str, text: &str) -> Result<(), AppError> {
    if text.chars().count() > TEXT_LIMIT {
        return Err(AppError::field(
            field,
            format!("at most {TEXT_LIMIT} characters"),
        ));
    }
    Ok(())
}

fn check_facts(facts: &Facts, referrals: &[String]) -> Result<(), AppError> {
    if facts.in_scope && facts.behaviours.is_empty() {
        return Err(AppError::field(
            "behaviours",
            "a report in scope names at least one behaviour category",
        ));
    }
    if let Some(unknown) = facts.referrals.iter().find(|r| !referrals.contains(r)) {
        return Err(AppError::field(
            "referrals",
            format!("unknown referral `{unknown}`; see GET /api/v1/vpo/referrals"),
        ));
    }
    Ok(())
}

fn joined<T: std::fmt::Display>(values: impl IntoIterator<Item = T>) -> String {
    values
        .into_iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

fn split<'a, T>(
    text: &'a str,
    parse: impl Fn(&str) -> Option<T> + 'a,
) -> impl Iterator<Item = T> + 'a {
    text.split(',').filter(|s| !s.is_empty()).filter_map(parse)
}

impl CaseRow {
    pub(crate) fn facts(&self) -> CaseFacts {
        CaseFacts {
            quarter: Quarter::parse(&self.quarter).unwrap_or(Quarter { year: 0, number: 1 }),
            in_scope: self.in_scope,
            behaviours: split(&self.behaviours, Behaviour::parse).collect(),
            sources: split(&self.sources, Source::parse).collect(),
            actions: split(&self.actions, Action::parse).collect(),
            referrals: split(&self.referrals, |s| Some(s.to_owned())).collect(),
        }
    }

    fn set_facts(&mut self, facts: &Facts) {
        self.channel = facts.channel.to_string();
        self.behaviours = joined(&facts.behaviours);
        self.sources = joined(&facts.sources);
        self.in_scope = facts.in_scope;
        self.actions = joined(&facts.actions);
        self.referrals = joined(&facts.referrals);
    }

    fn place<'a>(&'a self, part: &'a str) -> Place<'a> {
        Place {
            organisation: &self.organisation_id,
            case: &self.id,
            part,
        }
    }
}

/// A new case.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCase {
    #[schema(value_type = String, format = Date)]
    pub first_contact: NaiveDate,
    #[serde(flatten)]
    pub facts: Facts,
    /// What the reporter agreed may be shared, and with whom.
    pub agreements: Option<String>,
}

/// A change to a case: the fields given replace the stored ones.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseChange {
    pub channel: Option<Channel>,
    pub behaviours: Option<BTreeSet<Behaviour>>,
    pub sources: Option<BTreeSet<Source>>,
    pub in_scope: Option<bool>,
    pub actions: Option<BTreeSet<Action>>,
    pub referrals: Option<BTreeSet<String>>,
    pub agreements: Option<String>,
    /// The short report written after the case, within the agreements.
    pub case_report: Option<String>,
    pub status: Option<CaseStatus>,
    /// The day a case closed; today when closing without one.
    #[schema(value_type = Option<String>, format = Date)]
    pub closed_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NoteView {
    pub id: String,
    #[schema(value_type = String, format = Date)]
    pub written_on: NaiveDate,
    pub author: String,
    pub text: String,
}

/// A case as its counsellors see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseView {
    pub id: String,
    pub reference: String,
    /// Gone once the confidential parts are destroyed; the quarter stays.
    #[schema(value_type = Option<String>, format = Date)]
    pub first_contact: Option<NaiveDate>,
    pub quarter: String,
    pub channel: String,
    pub behaviours: Vec<String>,
    pub sources: Vec<String>,
    pub in_scope: bool,
    pub actions: Vec<String>,
    pub referrals: Vec<String>,
    pub status: String,
    #[schema(value_type = Option<String>, format = Date)]
    pub closed_on: Option<NaiveDate>,
    pub agreements: Option<String>,
    pub case_report: Option<String>,
    /// The counsellors assigned, by e-mail address.
    pub counsellors: Vec<String>,
    pub notes: Vec<NoteView>,
    /// When the notes, agreements and case report were destroyed.
    pub destroyed_at: Option<String>,
}

/// A line of the counsellor's list of cases: no confidential part.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseSummary {
    pub id: String,
    pub reference: String,
    pub quarter: String,
    pub status: String,
    pub in_scope: bool,
    pub behaviours: Vec<String>,
}

impl From<&CaseRow> for CaseSummary {
    fn from(row: &CaseRow) -> Self {
        CaseSummary {
            id: row.id.clone(),
            reference: row.reference.clone(),
            quarter: row.quarter.clone(),
            status: row.status.clone(),
            in_scope: row.in_scope,
            behaviours: split(&row.behaviours, |s| Some(s.to_owned())).collect(),
        }
    }
}

fn unsealed(
    cipher: &NotesCipher,
    row: &CaseRow,
    part: &str,
    sealed: &[u8],
) -> Result<String, AppError> {
    cipher.open(row.place(part), sealed).map_err(|e| {
        AppError::Internal(format!(
            "a sealed part of a case does not open ({e}): a wrong notes key or changed data"
        ))
    })
}

fn view(
    conn: &mut DbConnection,
    cipher: &NotesCipher,
    row: &CaseRow,
) -> Result<CaseView, AppError> {
    let organisation = OrganisationId::new(row.organisation_id.clone());
    let open = |part: &str, sealed: &Option<Vec<u8>>| -> Result<Option<String>, AppError> {
        sealed
            .as_deref()
            .map(|s| unsealed(cipher, row, part, s))
            .transpose()
    };
    let notes = store::notes(conn, &organisation, &row.id)?
        .into_iter()
        .map(|note| {
            let part = format!("note:{}", note.id);
            Ok(NoteView {
                text: unsealed(cipher, row, &part, &note.sealed)?,
                id: note.id,
                written_on: note.written_on,
                author: note.author,
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    let list = |text: &str| split(text, |s| Some(s.to_owned())).collect();
    Ok(CaseView {
        id: row.id.clone(),
        reference: row.reference.clone(),
        first_contact: row.first_contact,
        quarter: row.quarter.clone(),
        channel: row.channel.clone(),
        behaviours: list(&row.behaviours),
        sources: list(&row.sources),
        in_scope: row.in_scope,
        actions: list(&row.actions),
        referrals: list(&row.referrals),
        status: row.status.clone(),
        closed_on: row.closed_on,
        agreements: open("agreements", &row.agreements)?,
        case_report: open("report", &row.case_report)?,
        counsellors: store::counsellors(conn, &row.id)?,
        notes,
        destroyed_at: row.destroyed_at.map(crate::db::utc),
    })
}

fn not_found() -> AppError {
    AppError::NotFound("no case of yours has this id".into())
}

/// The case `id` if `who` is assigned to it.
fn assigned(conn: &mut DbConnection, who: &Counsellor<'_>, id: &str) -> Result<CaseRow, AppError> {
    store::assigned(conn, who.organisation, who.user, id)?.ok_or_else(not_found)
}

/// Opens a new case assigned to `who`, on `today`.
pub fn create(
    conn: &mut DbConnection,
    cipher: &NotesCipher,
    who: &Counsellor<'_>,
    new: NewCase,
    today: NaiveDate,
) -> Result<CaseView, AppError> {
    if new.first_contact > today {
        return Err(AppError::field(
            "first_contact",
            "the first contact cannot lie in the future",
        ));
    }
    check_facts(&new.facts, &store::referrals(conn, who.organisation)?)?;
    if let Some(text) = &new.agreements {
        check_text("agreements", text)?;
    }
    let mut row = CaseRow {
        id: new_id(),
        organisation_id: who.organisation.to_string(),
        reference: store::next_reference(conn, who.organisation, new.first_contact.year())?,
        first_contact: Some(new.first_contact),
        quarter: Quarter::of(new.first_contact).to_string(),
        channel: String::new(),
        behaviours: String::new(),
        sources: String::new(),
        in_scope: false,
        actions: String::new(),
        referrals: String::new(),
        status: CaseStatus::Open.to_string(),
        closed_on: None,
        agreements: None,
        case_report: None,
        destroyed_at: None,
        created_at: crate::db::now(),
    };
    row.set_facts(&new.facts);
    row.agreements = new
        .agreements
        .map(|text| cipher.seal(row.place("agreements"), &text));
    conn.write_transaction(|conn| -> Result<(), AppError> {
        store::create(conn, &row, who.user)?;
        store::log(
            conn,
            who.organisation,
            who.email,
            Some(&row.reference),
            "case opened",
        )?;
        Ok(())
    })?;
    view(conn, cipher, &row)
}

/// The cases `who` is assigned to.
pub fn list(conn: &mut DbConnection, who: &Counsellor<'_>) -> Result<Vec<CaseSummary>, AppError> {
    let rows = store::list_assigned(conn, who.organisation, who.user)?;
    store::log(conn, who.organisation, who.email, None, "list of cases")?;
    Ok(rows.iter().map(CaseSummary::from).collect())
}

/// Reads a case; the read is logged.
pub fn read(
    conn: &mut DbConnection,
    cipher: &NotesCipher,
    who: &Counsellor<'_>,
    id: &str,
) -> Result<CaseView, AppError> {
    let row = assigned(conn, who, id)?;
    store::log(
        conn,
        who.organisation,
        who.email,
        Some(&row.reference),
        "case read",
    )?;
    view(conn, cipher, &row)
}

fn refuse_when_destroyed(row: &CaseRow) -> Result<(), AppError> {
    if row.destroyed_at.is_some() {
        return Err(AppError::Conflict(
            "this case's confidential parts were destroyed; it keeps only its statistics".into(),
        ));
    }
    Ok(())
}

/// Changes a case as `change` says, on `today`.
pub fn change(
    conn: &mut DbConnection,
    cipher: &NotesCipher,
    who: &Counsellor<'_>,
    id: &str,
    change: CaseChange,
    today: NaiveDate,
) -> Result<CaseView, AppError> {
    let mut row = assigned(conn, who, id)?;
    let current = row.facts();
    let facts = Facts {
        channel: change
            .channel
            .or_else(|| Channel::parse(&row.channel))
            .unwrap_or(Channel::Other),
        behaviours: change.behaviours.unwrap_or(current.behaviours),
        sources: change.sources.unwrap_or(current.sources),
        in_scope: change.in_scope.unwrap_or(current.in_scope),
        actions: change.actions.unwrap_or(current.actions),
        referrals: change.referrals.unwrap_or(current.referrals),
    };
    check_facts(&facts, &store::referrals(conn, who.organisation)?)?;
    row.set_facts(&facts);
    for (field, text) in [
        ("agreements", &change.agreements),
        ("case_report", &change.case_report),
    ] {
        if let Some(text) = text {
            refuse_when_destroyed(&row)?;
            check_text(field, text)?;
        }
    }
    if let Some(text) = change.agreements {
        row.agreements = Some(cipher.seal(row.place("agreements"), &text));
    }
    if let Some(text) = change.case_report {
        row.case_report = Some(cipher.seal(row.place("report"), &text));
    }
    match change.status {
        Some(CaseStatus::Closed) => {
            let closed_on = change.closed_on.or(row.closed_on).unwrap_or(today);
            let opened = row.first_contact.unwrap_or(closed_on);
            if closed_on > today || closed_on < opened {
                return Err(AppError::field(
                    "closed_on",
                    "a case closes between its first contact and today",
                ));
            }
            row.status = CaseStatus::Closed.to_string();
            row.closed_on = Some(closed_on);
        }
        Some(CaseStatus::Open) => {
            refuse_when_destroyed(&row)?;
            row.status = CaseStatus::Open.to_string();
            row.closed_on = None;
        }
        None if change.closed_on.is_some() => {
            return Err(AppError::field("closed_on", "give it with status `closed`"));
        }
        None => {}
    }
    conn.write_transaction(|conn| -> Result<(), AppError> {
        store::update(conn, &row)?;
        store::log(
            conn,
            who.organisation,
            who.email,
            Some(&row.reference),
            "case changed",
        )?;
        Ok(())
    })?;
    view(conn, cipher, &row)
}

/// Adds a note dated `written_on` (not after `today`) to a case.
pub fn add_note(
    conn: &mut DbConnection,
    cipher: &NotesCipher,
    who: &Counsellor<'_>,
    id: &str,
    text: &str,
    (written_on, today): (NaiveDate, NaiveDate),
) -> Result<CaseView, AppError> {
    if written_on > today {
        return Err(AppError::field(
            "written_on",
            "a note is not dated in the future",
        ));
    }
    let row = assigned(conn, who, id)?;
    refuse_when_destroyed(&row)?;
    if text.trim().is_empty() {
        return Err(AppError::field("text", "a note has text"));
    }
    check_text("text", text)?;
    let note_id = new_id();
    let note = NoteRow {
        sealed: cipher.seal(row.place(&format!("note:{note_id}")), text),
        id: note_id,
        organisation_id: row.organisation_id.clone(),
        case_id: row.id.clone(),
        written_on,
        created_at: crate::db::now(),
        author: who.email.to_owned(),
    };
    conn.write_transaction(|conn| -> Result<(), AppError> {
        store::add_note(conn, &note)?;
        store::log(
            conn,
            who.organisation,
            who.email,
            Some(&row.reference),
            "note added",
        )?;
        Ok(())
    })?;
    view(conn, cipher, &row)
}

/// What a data-subject access request asks to leave out of a case's export.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessRequest {
    /// Passages (names of others, details that identify them) replaced by `█████` wherever
    /// they occur in the agreements, the case report and the notes, whatever their case; each
    /// at least 2 characters.
    #[serde(default)]
    pub redact: Vec<String>,
    /// Ids of notes left out altogether.
    #[serde(default)]
    pub omit_notes: Vec<String>,
}

/// Most passages one request may name, and their longest length.
const PASSAGES_LIMIT: usize = 200;
const PASSAGE_CHARS_LIMIT: usize = 1_000;

fn check_access_request(request: &AccessRequest) -> Result<(), AppError> {
    use crate::domain::vpo::redaction::MIN_PASSAGE_CHARS;
    if request.redact.len() > PASSAGES_LIMIT {
        return Err(AppError::field(
            "redact",
            format!("at most {PASSAGES_LIMIT} passages"),
        ));
    }
    for passage in &request.redact {
        let chars = passage.trim().chars().count();
        if chars < MIN_PASSAGE_CHARS {
            return Err(AppError::field(
                "redact",
                format!("a passage has at least {MIN_PASSAGE_CHARS} characters besides spaces"),
            ));
        }
        if chars > PASSAGE_CHARS_LIMIT {
            return Err(AppError::field(
                "redact",
                format!("a passage has at most {PASSAGE_CHARS_LIMIT} characters"),
            ));
        }
    }
    Ok(())
}

/// The case as its data subject may receive it: the notes of `omit_notes` left out, and every
/// passage of `redact` replaced by `█████` in the agreements, the case report and the notes.
/// The export is logged.
pub fn access_request(
    conn: &mut DbConnection,
    cipher: &NotesCipher,
    who: &Counsellor<'_>,
    id: &str,
    request: &AccessRequest,
) -> Result<CaseView, AppError> {
    use crate::domain::vpo::redaction::redact;
    check_access_request(request)?;
    let row = assigned(conn, who, id)?;
    let mut case = view(conn, cipher, &row)?;
    if let Some(unknown) = request
        .omit_notes
        .iter()
        .find(|omit| !case.notes.iter().any(|note| &note.id == *omit))
    {
        return Err(AppError::field(
            "omit_notes",
            format!("this case has no note `{unknown}`"),
        ));
    }
    case.notes
        .retain(|note| !request.omit_notes.contains(&note.id));
    // Spaces around a passage would let it miss an occurrence at the end of a sentence.
    let passages: Vec<String> = request.redact.iter().map(|p| p.trim().to_owned()).collect();
    for text in [&mut case.agreements, &mut case.case_report]
        .into_iter()
        .flatten()
        .chain(case.notes.iter_mut().map(|note| &mut note.text))
    {
        *text = redact(text, &passages);
    }
    store::log(
        conn,
        who.organisation,
        who.email,
        Some(&row.reference),
        "access request export",
    )?;
    Ok(case)
}

/// Hands a case to another counsellor of the organisation; `keep` stays assigned too.
pub fn hand_over(
    conn: &mut DbConnection,
    who: &Counsellor<'_>,
    id: &str,
    to: &str,
    keep: bool,
) -> Result<(), AppError> {
    let row = assigned(conn, who, id)?;
    let to_field = || AppError::field("to", "not a confidential counsellor of this organisation");
    let email = crate::domain::Email::parse(to).map_err(|_| to_field())?;
    let user = crate::db::accounts::find_user(conn, &email)?.ok_or_else(to_field)?;
    if !crate::db::accounts::roles_in(conn, who.organisation, &user.id)?.contains(Role::Vpo) {
        return Err(to_field());
    }
    let what = if keep {
        format!("handed over to {} (stays assigned)", user.email)
    } else {
        format!("handed over to {}", user.email)
    };
    conn.write_transaction(|conn| -> Result<(), AppError> {
        store::hand_over(conn, &row, who.user, &user.id, keep)?;
        store::log(
            conn,
            who.organisation,
            who.email,
            Some(&row.reference),
            &what,
        )?;
        Ok(())
    })
}

/// The annual figures of `year` over every counsellor's cases of the organisation.
pub fn figures(
    conn: &mut DbConnection,
    who: &Counsellor<'_>,
    year: i32,
) -> Result<AnnualFigures, AppError> {
    let figures = pooled_figures(conn, who.organisation, year)?;
    store::log(
        conn,
        who.organisation,
        who.email,
        None,
        &format!("figures of {year}"),
    )?;
    Ok(figures)
}

/// The annual figures of `year` over every case of `organisation`; the caller logs the read.
pub fn pooled_figures(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    year: i32,
) -> Result<AnnualFigures, AppError> {
    let facts: Vec<CaseFacts> = store::all(conn, organisation)?
        .iter()
        .map(CaseRow::facts)
        .collect();
    let referrals = store::referrals(conn, organisation)?;
    Ok(annual_figures(year, &facts, &referrals))
}
