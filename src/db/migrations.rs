//! Schema migrations, embedded in the binary: one folder per backend, the same names in both.

use diesel::RunQueryDsl;
use diesel::migration::{MigrationVersion, Result as MigrationResult};
use diesel::sql_query;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::{DbConnection, DbError};

pub const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Arbitrary but fixed: serialises migrations of several instances starting at once.
const POSTGRES_LOCK: i64 = 0x7073_615f_6d69_6772;

fn failed(err: impl std::fmt::Display) -> DbError {
    DbError::Migration(err.to_string())
}

/// Applies every pending migration; returns the names applied.
pub fn run_pending(conn: &mut DbConnection) -> Result<Vec<String>, DbError> {
    fn names(versions: MigrationResult<Vec<MigrationVersion<'_>>>) -> Result<Vec<String>, DbError> {
        Ok(versions
            .map_err(failed)?
            .iter()
            .map(ToString::to_string)
            .collect())
    }
    match conn {
        DbConnection::Sqlite(c) => names(c.run_pending_migrations(SQLITE)),
        DbConnection::Postgresql(c) => {
            sql_query(format!("SELECT pg_advisory_lock({POSTGRES_LOCK})")).execute(c)?;
            let applied = names(c.run_pending_migrations(POSTGRES));
            sql_query(format!("SELECT pg_advisory_unlock({POSTGRES_LOCK})")).execute(c)?;
            applied
        }
    }
}

/// Whether some migration has not been applied yet.
pub fn has_pending(conn: &mut DbConnection) -> Result<bool, DbError> {
    match conn {
        DbConnection::Sqlite(c) => c.has_pending_migration(SQLITE),
        DbConnection::Postgresql(c) => c.has_pending_migration(POSTGRES),
    }
    .map_err(failed)
}

/// Reverts every applied migration, newest first (for tests of `down.sql`).
pub fn revert_all(conn: &mut DbConnection) -> Result<usize, DbError> {
    let reverted = match conn {
        DbConnection::Sqlite(c) => c.revert_all_migrations(SQLITE),
        DbConnection::Postgresql(c) => c.revert_all_migrations(POSTGRES),
    }
    .map_err(failed)?;
    Ok(reverted.len())
}
