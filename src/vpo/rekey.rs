//! `psa notes rekey`: seals again, with the current notes key, every sealed value (notes,
//! agreements, case reports) that a retired key sealed, so that the retired key can then be
//! removed. Each case is re-sealed in one transaction, and a value is replaced only if it did not
//! change meanwhile.

use super::sealing::{NotesCipher, Place};
use crate::db::vpo::{self as store, CaseRow, SealedPart};
use crate::db::{DbConnection, DbError};
use crate::domain::OrganisationId;

/// What one run did: counts only.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RekeyReport {
    /// Values sealed again with the current key.
    pub resealed: usize,
    /// Values already sealed with the current key.
    pub current: usize,
    /// Stale values that no configured key opens (left as they are).
    pub unopenable: usize,
}

enum Outcome {
    Resealed,
    Current,
    Unopenable,
}

impl RekeyReport {
    fn count(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Resealed => self.resealed += 1,
            Outcome::Current => self.current += 1,
            Outcome::Unopenable => self.unopenable += 1,
        }
    }
}

/// The value sealed again with the current key, if `sealed` is stale and opens.
fn resealed(cipher: &NotesCipher, place: Place<'_>, sealed: &[u8]) -> Result<Vec<u8>, Outcome> {
    if !cipher.is_stale(sealed) {
        return Err(Outcome::Current);
    }
    let text = cipher
        .open(place, sealed)
        .map_err(|_| Outcome::Unopenable)?;
    Ok(cipher.seal(place, &text))
}

fn place_of<'a>(case: &'a CaseRow, part: &'a str) -> Place<'a> {
    Place {
        organisation: &case.organisation_id,
        case: &case.id,
        part,
    }
}

/// Re-seals every stale value of every organisation.
pub fn rekey(conn: &mut DbConnection, cipher: &NotesCipher) -> Result<RekeyReport, DbError> {
    let mut report = RekeyReport::default();
    for case in store::every_case(conn)? {
        conn.write_transaction(|conn| rekey_case(conn, cipher, &case, &mut report))?;
    }
    Ok(report)
}

fn rekey_case(
    conn: &mut DbConnection,
    cipher: &NotesCipher,
    case: &CaseRow,
    report: &mut RekeyReport,
) -> Result<(), DbError> {
    let place = |part| place_of(case, part);
    for (part, name, sealed) in [
        (SealedPart::Agreements, "agreements", &case.agreements),
        (SealedPart::CaseReport, "report", &case.case_report),
    ] {
        let Some(sealed) = sealed else { continue };
        match resealed(cipher, place(name), sealed) {
            Ok(new) => {
                if store::reseal_part(conn, case, part, sealed, &new)? {
                    report.count(Outcome::Resealed);
                }
            }
            Err(outcome) => report.count(outcome),
        }
    }
    let organisation = OrganisationId::new(case.organisation_id.clone());
    for note in store::notes(conn, &organisation, &case.id)? {
        let part = format!("note:{}", note.id);
        match resealed(cipher, place_of(case, &part), &note.sealed) {
            Ok(new) => {
                if store::reseal_note(conn, &note, &new)? {
                    report.count(Outcome::Resealed);
                }
            }
            Err(outcome) => report.count(outcome),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Email, OrganisationName, OrganisationSettings, Password, Role};
    use crate::vpo::register::{self, CaseChange, Counsellor, NewCase};

    /// A case with agreements, a case report and two notes, sealed with `old`.
    fn case_sealed_with(conn: &mut DbConnection, old: &NotesCipher) -> (OrganisationId, String) {
        let settings = OrganisationSettings::new(OrganisationName::parse("Ons BV").unwrap());
        let organisation = crate::db::organisations::create(conn, &settings)
            .unwrap()
            .id;
        let email = Email::parse("vpo@example.nl").unwrap();
        let password = Password::parse("a long enough passphrase").unwrap();
        let user =
            crate::accounts::add_member(conn, &organisation, &email, Some(&password), Role::Vpo)
                .unwrap();
        let who = Counsellor {
            organisation: &organisation,
            user: &user.id,
            email: "vpo@example.nl",
        };
        let today = chrono::NaiveDate::from_ymd_opt(2026, 5, 4).unwrap();
        let new: NewCase = serde_json::from_value(serde_json::json!({
            "first_contact": "2026-05-01", "channel": "phone", "in_scope": true,
            "behaviours": ["pesten"], "agreements": "Afspraak: niets delen."
        }))
        .unwrap();
        let case = register::create(conn, old, &who, new, today).unwrap();
        register::change(
            conn,
            old,
            &who,
            &case.id,
            CaseChange {
                case_report: Some("Verslag.".into()),
                ..CaseChange::default()
            },
            today,
        )
        .unwrap();
        for text in ["Eerste gesprek.", "Tweede gesprek."] {
            register::add_note(conn, old, &who, &case.id, text, (today, today)).unwrap();
        }
        (organisation, case.id)
    }

    fn texts(conn: &mut DbConnection, cipher: &NotesCipher, case: &str) -> Vec<String> {
        let row = store::every_case(conn)
            .unwrap()
            .into_iter()
            .find(|c| c.id == case)
            .unwrap();
        let organisation = OrganisationId::new(row.organisation_id.clone());
        let place = |part| Place {
            organisation: &row.organisation_id,
            case: &row.id,
            part,
        };
        let mut sealed = vec![
            ("agreements".to_owned(), row.agreements.clone().unwrap()),
            ("report".to_owned(), row.case_report.clone().unwrap()),
        ];
        for note in store::notes(conn, &organisation, case).unwrap() {
            sealed.push((format!("note:{}", note.id), note.sealed));
        }
        sealed
            .iter()
            .map(|(part, bytes)| {
                let text = cipher.open(place(part), bytes).unwrap();
                format!("{text} stale={}", cipher.is_stale(bytes))
            })
            .collect()
    }

    #[test]
    fn rekey_seals_stale_values_again_and_they_still_open() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::Db::connect(
            &crate::config::DatabaseUrl::Sqlite(dir.path().join("t.db")),
            1,
        )
        .unwrap();
        let mut conn = db.conn().unwrap();
        crate::db::migrations::run_pending(&mut conn).unwrap();
        let old = NotesCipher::new([1; 32], vec![]);
        let (_, case) = case_sealed_with(&mut conn, &old);
        let rotated = NotesCipher::new([2; 32], vec![[1; 32]]);

        let before = texts(&mut conn, &rotated, &case);
        assert_eq!(
            before,
            [
                "Afspraak: niets delen. stale=true",
                "Verslag. stale=true",
                "Eerste gesprek. stale=true",
                "Tweede gesprek. stale=true",
            ]
        );
        let report = rekey(&mut conn, &rotated).unwrap();
        assert_eq!(
            report,
            RekeyReport {
                resealed: 4,
                current: 0,
                unopenable: 0
            }
        );
        let after = texts(&mut conn, &rotated, &case);
        let expected: Vec<String> = before
            .iter()
            .map(|t| t.replace("stale=true", "stale=false"))
            .collect();
        assert_eq!(after, expected);
        // With the old key removed, everything still opens.
        let new_only = NotesCipher::new([2; 32], vec![]);
        assert_eq!(texts(&mut conn, &new_only, &case), after);
        assert_eq!(
            rekey(&mut conn, &rotated).unwrap(),
            RekeyReport {
                resealed: 0,
                current: 4,
                unopenable: 0
            }
        );
        // A stale value no configured key opens is counted and left alone.
        let stranger = NotesCipher::new([3; 32], vec![]);
        assert_eq!(rekey(&mut conn, &stranger).unwrap().unopenable, 4);
        assert_eq!(texts(&mut conn, &new_only, &case), after);
    }
}
