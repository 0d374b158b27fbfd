//! Schema migrations, embedded in the binary: one folder per backend, the same names in both.

use diesel::migration::{MigrationVersion, Result as MigrationResult};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::locks::{self, Lock};
use super::{DbConnection, DbError};

pub const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

fn failed(err: impl std::fmt::Display) -> DbError {
    DbError::Migration(err.to_string())
}

/// Applies every pending migration; returns the names applied. On PostgreSQL an advisory lock
/// serialises instances starting at once: the first applies them, the others then find none.
pub fn run_pending(conn: &mut DbConnection) -> Result<Vec<String>, DbError> {
    fn names(versions: MigrationResult<Vec<MigrationVersion<'_>>>) -> Result<Vec<String>, DbError> {
        Ok(versions
            .map_err(failed)?
            .iter()
            .map(ToString::to_string)
            .collect())
    }
    locks::lock(conn, Lock::Migrations)?;
    let applied = match conn {
        DbConnection::Sqlite(c) => names(c.run_pending_migrations(SQLITE)),
        DbConnection::Postgresql(c) => names(c.run_pending_migrations(POSTGRES)),
    };
    locks::unlock(conn, Lock::Migrations)?;
    applied
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
