//! The organisation both benchmarks start from (`#[path]`-included: benches have no library).

use psa::db::accounts::User;
use psa::db::{DbConnection, migrations, units};
use psa::domain::unit::parse_unit_csv;
use psa::domain::{Email, OrganisationId, OrganisationName, OrganisationSettings, Password};

/// Migrates, then sets the instance up with `hr@example.nl` (admin and HR) of `name`, with
/// `departments` departments of `teams` teams each.
pub fn organisation(
    conn: &mut DbConnection,
    name: &str,
    departments: usize,
    teams: usize,
) -> Result<(User, OrganisationId), Box<dyn std::error::Error>> {
    migrations::run_pending(conn)?;
    let (user, organisation) = psa::accounts::setup_instance(
        conn,
        &Email::parse("hr@example.nl")?,
        &Password::parse("a long enough passphrase")?,
        &OrganisationSettings::new(OrganisationName::parse(name)?),
    )?;
    let mut csv = String::new();
    for d in 1..=departments {
        for t in 1..=teams {
            csv.push_str(&format!("Afdeling {d:02}/Team {t:02}\n"));
        }
    }
    let rows = parse_unit_csv(csv.as_bytes()).map_err(|e| format!("{e:?}"))?;
    units::import(conn, &organisation.id, &rows)?;
    Ok((user, organisation.id))
}
