//! Copies of an SQLite database and bringing one back: `psa backup` and `psa restore`.
//!
//! A backup is one self-contained SQLite file made by `VACUUM INTO`, which reads the database in
//! one read transaction: the copy is consistent while psa runs (in WAL mode writers go on
//! meanwhile), compact (no free pages, so nothing `secure_delete` already wiped) and has no
//! write-ahead log. It is written under a temporary name with mode 0600 (it holds personal data),
//! checked, synced to disk and only then renamed to its name.
//!
//! A restore checks a copy of the backup before it touches anything, refuses while another process
//! holds SQLite's locks on the database, sets the current database (with its `-wal` and `-shm`)
//! aside, puts the copy in its place and applies pending migrations; only then does it remove
//! the old one, or keep it when asked. On any failure the old one is put back.
//!
//! PostgreSQL has its own tools for both (`pg_dump`, `pg_restore`; see the README).

use std::ffi::OsString;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

use diesel::connection::SimpleConnection;
use diesel::migration::MigrationSource;
use diesel::sql_types::{BigInt, Text};
use diesel::{Connection, QueryableByName, RunQueryDsl, SqliteConnection, sql_query};

use super::{DbConnection, DbError, migrations};
use crate::config::DatabaseUrl;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} exists: choose another file, or replace it with --overwrite")]
    Exists(PathBuf),
    #[error("there is no database at {0}")]
    NoDatabase(PathBuf),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{path} is not a psa database: {why}")]
    NotPsa { path: PathBuf, why: String },
    #[error(
        "{path} comes from a newer psa: its migration {version} is unknown to this binary; restore it with that release or a later one"
    )]
    Newer { path: PathBuf, version: String },
    #[error(
        "{path} has a write-ahead log beside it ({wal}), which holds part of its data: a backup is one file (as `psa backup` writes it)"
    )]
    BesideLog { path: PathBuf, wal: PathBuf },
    #[error(
        "the database {path} is in use (process {pid} holds a lock on it): stop psa, every `psa serve` and command on this database, and try again"
    )]
    InUse { path: PathBuf, pid: String },
    #[error(transparent)]
    Db(#[from] DbError),
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.to_owned(),
        source,
    }
}

/// What a database file holds, in counts only: never a row's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contents {
    pub bytes: u64,
    /// psa's tables (the migrations' bookkeeping left out) and their rows.
    pub tables: usize,
    pub rows: i64,
    /// The newest migration applied.
    pub schema: String,
    /// The rows of the tables people ask about, by what they hold.
    pub highlights: Vec<(&'static str, i64)>,
}

/// The tables whose counts a backup reports, and what their rows are.
const HIGHLIGHTS: [(&str, &str); 6] = [
    ("organisations", "organisations"),
    ("rounds", "rounds"),
    ("response_inbox", "responses in open rounds"),
    ("responses", "responses of closed rounds"),
    ("plan_items", "plan items"),
    ("vpo_cases", "VPO cases"),
];

impl fmt::Display for Contents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let highlights: Vec<String> = self
            .highlights
            .iter()
            .map(|(what, n)| format!("{what}: {n}"))
            .collect();
        write!(
            f,
            "{}, {} tables, {} rows ({}), schema {}",
            size(self.bytes),
            self.tables,
            self.rows,
            highlights.join(", "),
            self.schema
        )
    }
}

fn size(bytes: u64) -> String {
    const KIB: f64 = 1024.0;
    match bytes as f64 {
        b if b >= KIB * KIB => format!("{:.1} MiB", b / (KIB * KIB)),
        b if b >= KIB => format!("{:.1} KiB", b / KIB),
        _ => format!("{bytes} bytes"),
    }
}

/// Writes a consistent copy of the SQLite database `database` to `target` while psa may be
/// running, and checks it. `target` is replaced only with `overwrite`.
pub fn backup(database: &Path, target: &Path, overwrite: bool) -> Result<Contents, BackupError> {
    if !database.is_file() {
        return Err(BackupError::NoDatabase(database.to_owned()));
    }
    // `symlink_metadata`: a dangling link is in the way too.
    if fs::symlink_metadata(target).is_ok() {
        if !overwrite {
            return Err(BackupError::Exists(target.to_owned()));
        }
        if fs::canonicalize(target).ok() == fs::canonicalize(database).ok() {
            return Err(BackupError::Io {
                path: target.to_owned(),
                source: io::Error::new(io::ErrorKind::InvalidInput, "this is the database itself"),
            });
        }
    }
    let partial = Partial::create(target)?;
    {
        let mut live = establish(database)?;
        // The read transaction waits out a writer's brief exclusive moments (WAL recovery).
        live.batch_execute("PRAGMA busy_timeout = 5000;")
            .map_err(DbError::from)?;
        sql_query("VACUUM INTO ?")
            .bind::<Text, _>(utf8(&partial.path)?)
            .execute(&mut live)
            .map_err(DbError::from)?;
    }
    let contents = inspect(&partial.path)?;
    partial.persist(target)?;
    Ok(contents)
}

/// What became of the database that a restore replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Previous {
    /// There was none.
    None,
    Removed,
    /// Kept under this name (with its `-wal` and `-shm`, if it had them).
    Kept(PathBuf),
}

#[derive(Debug, Clone)]
pub struct Restored {
    /// The backup as it was brought back, before pending migrations.
    pub contents: Contents,
    /// Migrations applied to it after (those newer than the backup).
    pub migrations: Vec<String>,
    pub previous: Previous,
}

/// Brings the backup `source` back as the SQLite database `database`, which no process may be
/// using; keeps the database it replaces when `keep_previous`.
pub fn restore(
    database: &Path,
    source: &Path,
    keep_previous: bool,
) -> Result<Restored, BackupError> {
    if !fs::metadata(source).map_err(io_error(source))?.is_file() {
        return Err(BackupError::Io {
            path: source.to_owned(),
            source: io::Error::new(io::ErrorKind::InvalidInput, "not a file"),
        });
    }
    let wal = sidecar(source, "-wal");
    if fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
        return Err(BackupError::BesideLog {
            path: source.to_owned(),
            wal,
        });
    }
    ensure_unused(database)?;
    if let Some(dir) = parent_dir(database).filter(|d| !d.exists()) {
        fs::create_dir_all(dir).map_err(io_error(dir))?;
    }
    // Checked as the copy that will take the database's place, so that the backup itself is
    // never written to (opening a file in WAL mode would).
    let copy = Partial::create(database)?;
    copy.fill_from(source)?;
    let contents = inspect(&copy.path).map_err(|e| match e {
        BackupError::NotPsa { why, .. } => BackupError::NotPsa {
            path: source.to_owned(),
            why,
        },
        BackupError::Newer { version, .. } => BackupError::Newer {
            path: source.to_owned(),
            version,
        },
        other => other,
    })?;
    // Once more just before the swap: a service may have started meanwhile.
    ensure_unused(database)?;
    let aside = Aside::set(database)?;
    let migrations = match copy.persist(database).and_then(|()| migrate(database)) {
        Ok(applied) => applied,
        Err(error) => {
            remove_with_sidecars(database);
            return Err(match Aside::put_back(aside, database) {
                Ok(()) => error,
                Err(put_back) => put_back,
            });
        }
    };
    let previous = match aside {
        None => Previous::None,
        Some(aside) if keep_previous => Previous::Kept(aside.path),
        Some(aside) => {
            remove_with_sidecars(&aside.path);
            Previous::Removed
        }
    };
    Ok(Restored {
        contents,
        migrations,
        previous,
    })
}

/// Applies pending migrations to the restored database, as every start would (WAL on).
fn migrate(database: &Path) -> Result<Vec<String>, BackupError> {
    let mut conn = DbConnection::open(&DatabaseUrl::Sqlite(database.to_owned()))?;
    Ok(migrations::run_pending(&mut conn)?)
}

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    line: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Checks that `path` is an intact psa database whose migrations this binary knows, and counts
/// what it holds. Only reads.
pub fn inspect(path: &Path) -> Result<Contents, BackupError> {
    let not_psa = |why: &str| BackupError::NotPsa {
        path: path.to_owned(),
        why: why.to_owned(),
    };
    let bytes = fs::metadata(path).map_err(io_error(path))?.len();
    let mut conn = establish(path)?;
    let lines = |conn: &mut SqliteConnection, sql: &str| -> Result<Vec<String>, String> {
        sql_query(sql)
            .load::<Line>(conn)
            .map(|rows| rows.into_iter().map(|r| r.line).collect())
            .map_err(|e| e.to_string())
    };
    let integrity = lines(
        &mut conn,
        "SELECT integrity_check AS line FROM pragma_integrity_check",
    )
    .map_err(|e| not_psa(&e))?;
    if integrity != ["ok"] {
        return Err(not_psa(&format!(
            "the integrity check failed ({} problem(s), first: {})",
            integrity.len(),
            integrity.first().map_or("none", String::as_str)
        )));
    }
    let applied = lines(
        &mut conn,
        "SELECT version AS line FROM __diesel_schema_migrations ORDER BY version",
    )
    .map_err(|_| not_psa("it has no table of psa's migrations"))?;
    let known = known_migrations()?;
    if !applied.iter().any(|v| known.contains(v)) {
        return Err(not_psa("none of its migrations is psa's"));
    }
    if let Some(unknown) = applied.iter().find(|v| !known.contains(v)) {
        return Err(BackupError::Newer {
            path: path.to_owned(),
            version: unknown.clone(),
        });
    }
    let tables = lines(
        &mut conn,
        "SELECT name AS line FROM sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '\\_\\_%' ESCAPE '\\' ORDER BY name",
    )
    .map_err(|e| not_psa(&e))?;
    let mut rows = 0;
    let mut highlights = Vec::new();
    for table in &tables {
        let count: Count = sql_query(format!(
            "SELECT count(*) AS n FROM \"{}\"",
            table.replace('"', "\"\"")
        ))
        .get_result(&mut conn)
        .map_err(DbError::from)?;
        rows += count.n;
        if let Some((_, what)) = HIGHLIGHTS.iter().find(|(name, _)| name == table) {
            highlights.push((*what, count.n));
        }
    }
    highlights.sort_by_key(|(what, _)| HIGHLIGHTS.iter().position(|(_, w)| w == what));
    Ok(Contents {
        bytes,
        tables: tables.len(),
        rows,
        schema: applied.last().cloned().unwrap_or_default(),
        highlights,
    })
}

/// The versions of the migrations embedded in this binary.
fn known_migrations() -> Result<Vec<String>, DbError> {
    let embedded = MigrationSource::<diesel::sqlite::Sqlite>::migrations(&migrations::SQLITE)
        .map_err(|e| DbError::Migration(e.to_string()))?;
    Ok(embedded
        .iter()
        .map(|m| m.name().version().to_string())
        .collect())
}

/// A plain connection, without the service's settings: no switch to WAL, which would write.
fn establish(path: &Path) -> Result<SqliteConnection, BackupError> {
    SqliteConnection::establish(utf8(path)?).map_err(|e| {
        BackupError::Db(DbError::Connect {
            url: format!("sqlite://{}", path.display()),
            reason: e.to_string(),
        })
    })
}

fn utf8(path: &Path) -> Result<&str, BackupError> {
    path.to_str().ok_or_else(|| BackupError::Io {
        path: path.to_owned(),
        source: io::Error::new(io::ErrorKind::InvalidInput, "the path is not UTF-8"),
    })
}

/// `path` with `suffix` appended, as SQLite names its `-wal`, `-shm` and `-journal` files.
fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut name = OsString::from(path.as_os_str());
    name.push(suffix);
    PathBuf::from(name)
}

const SIDECARS: [&str; 3] = ["-wal", "-shm", "-journal"];

fn remove_with_sidecars(path: &Path) {
    for file in std::iter::once(path.to_owned()).chain(SIDECARS.map(|s| sidecar(path, s))) {
        let _ = fs::remove_file(file);
    }
}

fn parent_dir(path: &Path) -> Option<&Path> {
    path.parent().filter(|p| !p.as_os_str().is_empty())
}

/// Makes a rename in `dir` durable.
fn sync_dir(dir: Option<&Path>) -> Result<(), BackupError> {
    let dir = dir.unwrap_or(Path::new("."));
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_error(dir))
}

/// A file being written beside its final name, readable by its owner only; removed (with any
/// `-wal` or `-journal` SQLite made for it) unless persisted.
struct Partial {
    path: PathBuf,
    persisted: bool,
}

impl Partial {
    fn create(final_path: &Path) -> Result<Partial, BackupError> {
        let name = final_path.file_name().ok_or_else(|| BackupError::Io {
            path: final_path.to_owned(),
            source: io::Error::new(io::ErrorKind::InvalidInput, "not a file name"),
        })?;
        let dir = parent_dir(final_path).unwrap_or(Path::new("."));
        let path = dir.join(format!(
            ".{}.{}.partial",
            name.to_string_lossy(),
            crate::secret::new_id()
        ));
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        // A failure names the directory: the temporary name means nothing to the reader.
        options.open(&path).map_err(io_error(dir))?;
        Ok(Partial {
            path,
            persisted: false,
        })
    }

    fn fill_from(&self, source: &Path) -> Result<(), BackupError> {
        let mut from = File::open(source).map_err(io_error(source))?;
        let mut to = OpenOptions::new()
            .write(true)
            .open(&self.path)
            .map_err(io_error(&self.path))?;
        io::copy(&mut from, &mut to).map_err(io_error(&self.path))?;
        Ok(())
    }

    /// Syncs the file to disk and renames it to `final_path`, durably.
    fn persist(mut self, final_path: &Path) -> Result<(), BackupError> {
        File::open(&self.path)
            .and_then(|f| f.sync_all())
            .map_err(io_error(&self.path))?;
        fs::rename(&self.path, final_path).map_err(io_error(final_path))?;
        self.persisted = true;
        sync_dir(parent_dir(final_path))
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        if !self.persisted {
            remove_with_sidecars(&self.path);
        }
    }
}

/// The database a restore replaces, under another name until the restored one is in place.
struct Aside {
    path: PathBuf,
}

impl Aside {
    /// Renames `database` and its sidecar files aside; `None` when there is no database.
    fn set(database: &Path) -> Result<Option<Aside>, BackupError> {
        if fs::symlink_metadata(database).is_err() {
            return Ok(None);
        }
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
        let path = sidecar(database, &format!(".before-restore-{stamp}"));
        for suffix in std::iter::once("").chain(SIDECARS) {
            let from = sidecar(database, suffix);
            if fs::symlink_metadata(&from).is_ok() {
                fs::rename(&from, sidecar(&path, suffix)).map_err(io_error(&from))?;
            }
        }
        sync_dir(parent_dir(database))?;
        Ok(Some(Aside { path }))
    }

    /// Renames it back to `database` (after a failed restore).
    fn put_back(aside: Option<Aside>, database: &Path) -> Result<(), BackupError> {
        let Some(aside) = aside else { return Ok(()) };
        for suffix in std::iter::once("").chain(SIDECARS) {
            let from = sidecar(&aside.path, suffix);
            if fs::symlink_metadata(&from).is_ok() {
                fs::rename(&from, sidecar(database, suffix)).map_err(io_error(&from))?;
            }
        }
        sync_dir(parent_dir(database))
    }
}

/// Refuses while another process uses `database`. Every SQLite connection in WAL mode holds a
/// POSIX read lock on the database file's shared range and on the `-shm` file, idle or not, for
/// as long as it is open; the kernel tells who holds one (`F_GETLK`), whatever the file holds.
/// Limits: locks over NFS may not be seen, and a process that opens the database after this
/// check is not stopped (the check runs again just before the swap).
fn ensure_unused(database: &Path) -> Result<(), BackupError> {
    for path in std::iter::once(database.to_owned()).chain(SIDECARS.map(|s| sidecar(database, s))) {
        if let Some(pid) = lock_holder(&path).map_err(io_error(&path))? {
            return Err(BackupError::InUse {
                path: database.to_owned(),
                pid,
            });
        }
    }
    Ok(())
}

/// The process holding a lock on `path` that a write lock over the whole file would conflict
/// with, if any (locks of this process do not count).
#[cfg(unix)]
fn lock_holder(path: &Path) -> io::Result<Option<String>> {
    use rustix::process::{Flock, FlockOffsetType, FlockType, fcntl_getlk};
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let whole_file = Flock {
        start: 0,
        length: 0,
        pid: None,
        typ: FlockType::WriteLock,
        offset_type: FlockOffsetType::Set,
    };
    Ok(fcntl_getlk(&file, &whole_file)?.map(|held| {
        held.pid
            .map_or_else(|| "unknown".to_owned(), |p| p.as_raw_nonzero().to_string())
    }))
}

#[cfg(not(unix))]
fn lock_holder(_path: &Path) -> io::Result<Option<String>> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "cannot tell here whether another process uses the database",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn migrated(dir: &Path) -> PathBuf {
        let path = dir.join("psa.db");
        let mut conn = DbConnection::open(&DatabaseUrl::Sqlite(path.clone())).unwrap();
        migrations::run_pending(&mut conn).unwrap();
        path
    }

    #[test]
    fn a_backup_is_one_private_file_without_a_write_ahead_log() {
        let dir = tempfile::tempdir().unwrap();
        let database = migrated(dir.path());
        let target = dir.path().join("copy.db");
        let contents = backup(&database, &target, false).unwrap();
        assert_eq!(
            contents.schema,
            *known_migrations().unwrap().last().unwrap()
        );
        assert!(contents.tables > 20, "{contents}");
        let header = fs::read(&target).unwrap();
        assert_eq!(&header[18..20], [1, 1], "rollback journal, not WAL");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&target).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let left: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("partial"))
            .collect();
        assert!(left.is_empty(), "{left:?}");
        let over_itself = backup(&database, &database, true);
        assert!(
            matches!(over_itself, Err(BackupError::Io { .. })),
            "never renamed over the live database: {over_itself:?}"
        );
    }
}
