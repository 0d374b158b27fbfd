//! Migrations: the same names for both backends, apply on an empty database, re-run as a no-op,
//! and `down` reverses `up`.

use std::collections::BTreeSet;
use std::path::Path;

use diesel::RunQueryDsl;
use diesel::sql_types::Text;
use psa::db::{DbConnection, migrations};

use crate::helpers::TestDatabase;

fn migration_names(backend: &str) -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap())
        .filter(|entry| entry.path().is_dir())
        .map(|entry| {
            for file in ["up.sql", "down.sql"] {
                assert!(
                    entry.path().join(file).is_file(),
                    "{} lacks {file}",
                    entry.path().display()
                );
            }
            entry.file_name().to_string_lossy().into_owned()
        })
        .collect()
}

#[test]
fn both_backends_have_the_same_migrations() {
    let sqlite = migration_names("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, migration_names("postgres"));
}

#[derive(diesel::QueryableByName)]
struct TableName {
    #[diesel(sql_type = Text)]
    name: String,
}

fn tables(conn: &mut DbConnection) -> BTreeSet<String> {
    let query = match conn {
        DbConnection::Sqlite(_) => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        }
        DbConnection::Postgresql(_) => {
            "SELECT table_name::text AS name FROM information_schema.tables WHERE table_schema = 'public'"
        }
    };
    diesel::sql_query(query)
        .load::<TableName>(conn)
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .filter(|name| name != "__diesel_schema_migrations")
        .collect()
}

#[test]
fn migrations_apply_rerun_as_a_no_op_and_revert_completely() {
    let database = TestDatabase::new();
    let db = database.connect();
    let mut conn = db.conn().unwrap();
    assert!(tables(&mut conn).is_empty());
    assert!(migrations::has_pending(&mut conn).unwrap());

    let applied = migrations::run_pending(&mut conn).unwrap();
    assert_eq!(applied.len(), migration_names("sqlite").len());
    let schema = tables(&mut conn);
    for table in [
        "organisations",
        "users",
        "memberships",
        "api_tokens",
        "user_sessions",
    ] {
        assert!(schema.contains(table), "{table} in {schema:?}");
    }
    assert!(!migrations::has_pending(&mut conn).unwrap());
    assert!(
        migrations::run_pending(&mut conn).unwrap().is_empty(),
        "re-run is a no-op"
    );
    assert_eq!(tables(&mut conn), schema);

    let reverted = migrations::revert_all(&mut conn).unwrap();
    assert_eq!(reverted, applied.len());
    assert!(
        tables(&mut conn).is_empty(),
        "down reverses up: {:?}",
        tables(&mut conn)
    );
    migrations::run_pending(&mut conn).unwrap();
    assert_eq!(tables(&mut conn), schema, "and up applies again");
}

#[test]
fn every_organisation_owned_table_carries_its_organisation() {
    let database = TestDatabase::new();
    let db = database.connect();
    let mut conn = db.conn().unwrap();
    migrations::run_pending(&mut conn).unwrap();
    #[derive(diesel::QueryableByName)]
    struct Column {
        #[diesel(sql_type = Text)]
        name: String,
    }
    // Instance-level tables; every other table belongs to an organisation.
    let instance_level = ["organisations", "users", "user_sessions", "instance_setup"];
    for table in tables(&mut conn) {
        if instance_level.contains(&table.as_str()) {
            continue;
        }
        let query = match &mut *conn {
            DbConnection::Sqlite(_) => format!("SELECT name FROM pragma_table_info('{table}')"),
            DbConnection::Postgresql(_) => format!(
                "SELECT column_name::text AS name FROM information_schema.columns WHERE table_name = '{table}'"
            ),
        };
        let columns: Vec<String> = diesel::sql_query(query)
            .load::<Column>(&mut *conn)
            .unwrap()
            .into_iter()
            .map(|c| c.name)
            .collect();
        assert!(
            columns.iter().any(|c| c == "organisation_id"),
            "{table} lacks organisation_id"
        );
    }
}

#[test]
fn connections_are_durable_and_enforce_foreign_keys() {
    let database = TestDatabase::new();
    let db = database.connect();
    let mut conn = db.conn().unwrap();
    #[derive(diesel::QueryableByName)]
    struct Setting {
        #[diesel(sql_type = Text)]
        value: String,
    }
    let mut setting = |query: &str| -> String {
        diesel::sql_query(query)
            .load::<Setting>(&mut *conn)
            .unwrap()
            .remove(0)
            .value
    };
    if database.is_postgres() {
        assert_eq!(
            setting("SELECT current_setting('synchronous_commit') AS value"),
            "on"
        );
    } else {
        assert_eq!(
            setting("SELECT journal_mode AS value FROM pragma_journal_mode"),
            "wal"
        );
        // FULL = 2: every commit is on disk before it is acknowledged.
        assert_eq!(
            setting("SELECT CAST(synchronous AS TEXT) AS value FROM pragma_synchronous"),
            "2"
        );
        assert_eq!(
            setting("SELECT CAST(foreign_keys AS TEXT) AS value FROM pragma_foreign_keys"),
            "1"
        );
        assert_eq!(
            setting("SELECT CAST(timeout AS TEXT) AS value FROM pragma_busy_timeout"),
            "5000"
        );
    }
    drop(conn);
    // A membership of a user that does not exist is refused on both backends.
    let mut conn = db.conn().unwrap();
    migrations::run_pending(&mut conn).unwrap();
    let orphan = diesel::sql_query(
        "INSERT INTO memberships (organisation_id, user_id, role, created_at) \
         VALUES ('no-org', 'no-user', 'hr', '2026-01-01 00:00:00')",
    )
    .execute(&mut *conn);
    assert!(orphan.is_err(), "foreign keys are enforced");
}
