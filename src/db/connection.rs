//! Connections and the pool, for either backend.

use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::r2d2::{self, ManageConnection};
use diesel::{Connection, PgConnection, SqliteConnection};
use tokio::sync::Semaphore;

use super::rounds::{self, Invitation, Submitted};
use super::writer::SubmissionWriter;
use crate::config::DatabaseUrl;

/// Runs `$body` with `$c` bound to the backend's own connection. Through `DbConnection`, diesel
/// finds a prepared statement by its SQL text, built anew for every call; on the backend's own
/// connection by the query's type. For the statements of every survey page and submission.
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Sqlite($c) => $body,
            $crate::db::DbConnection::Postgresql($c) => $body,
        }
    };
}
pub(crate) use on_backend;

/// A connection to either backend. SQLite comes last, as diesel's `MultiConnection` requires.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot connect to the database {url}: {reason}")]
    Connect { url: String, reason: String },
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    #[error("database migration failed: {0}")]
    Migration(String),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
}

impl DbError {
    /// Whether the database itself (not the request) is at fault: connection lost or pool empty.
    pub fn is_unavailable(&self) -> bool {
        use diesel::result::{DatabaseErrorKind, Error};
        match self {
            DbError::Connect { .. } | DbError::Unavailable(_) => true,
            DbError::Query(Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _)) => true,
            DbError::Query(Error::DatabaseError(_, info)) => {
                // libpq reports a dropped server as an unknown error with these words.
                let message = info.message();
                message.contains("server closed the connection")
                    || message.contains("terminating connection")
                    || message.contains("no connection to the server")
            }
            _ => false,
        }
    }

    /// Whether a unique constraint refused the write.
    pub fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            DbError::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _
            ))
        )
    }
}

impl From<r2d2::PoolError> for DbError {
    fn from(err: r2d2::PoolError) -> Self {
        DbError::Unavailable(err.to_string())
    }
}

/// Opens connections for the pool, each set up by `DbConnection::open`.
#[derive(Debug, Clone)]
pub struct Manager {
    url: DatabaseUrl,
}

/// SQLite on each connection: WAL, commits on disk before they return (`synchronous = FULL`;
/// `NORMAL`, often chosen with WAL, may lose the last commits at a power cut), a busy timeout
/// instead of immediate lock errors, and enforced foreign keys.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
    PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;";

/// PostgreSQL on each connection: a commit returns once its WAL is flushed, whatever the
/// server's, database's or role's default (an administrator may have turned it `off` for speed,
/// which loses the last acknowledged responses at a crash of the server).
const POSTGRES_SETTINGS: &str = "SET synchronous_commit = on";

/// The settings that decide whether a commit outlives a crash or a power cut, as one connection
/// reports them: SQLite's `synchronous` (psa sets `full`) and `journal_mode` (`wal`);
/// PostgreSQL's `synchronous_commit` (psa sets `on`) and the server's `fsync`, which psa cannot
/// set. Shown as `name=value name=value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Durability(Vec<(&'static str, String)>);

impl Durability {
    pub fn settings(&self) -> &[(&'static str, String)] {
        &self.0
    }

    /// Whether an acknowledged commit is on disk: false only where the server's `fsync` is off
    /// (or someone changed a setting that psa sets on the connection).
    pub fn in_force(&self) -> bool {
        self.0.iter().all(|(name, value)| match *name {
            "synchronous" => value == "full" || value == "extra",
            "synchronous_commit" | "fsync" => value == "on",
            _ => true,
        })
    }

    /// Logs the settings of one `connection`; a warning when they are not durable.
    pub fn log(&self, connection: &str) {
        if self.in_force() {
            tracing::info!(connection, settings = %self, "commits are durable");
        } else {
            tracing::warn!(connection, settings = %self, "commits may not survive a crash of the database server or a power cut");
        }
    }
}

impl std::fmt::Display for Durability {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (n, (name, value)) in self.0.iter().enumerate() {
            let gap = if n == 0 { "" } else { " " };
            write!(f, "{gap}{name}={value}")?;
        }
        Ok(())
    }
}

impl DbConnection {
    /// One connection outside any pool, for short-lived commands: a pool's background threads
    /// may still be opening a connection when the process exits, which libpq does not survive.
    pub fn open(url: &DatabaseUrl) -> Result<DbConnection, DbError> {
        let fail = |reason: String| DbError::Connect {
            url: url.display(),
            reason,
        };
        match url {
            DatabaseUrl::Sqlite(path) => {
                let path = path
                    .to_str()
                    .ok_or_else(|| fail("the path is not UTF-8".into()))?;
                let mut conn =
                    SqliteConnection::establish(path).map_err(|e| fail(e.to_string()))?;
                conn.batch_execute(SQLITE_PRAGMAS)
                    .map_err(|e| fail(e.to_string()))?;
                Ok(DbConnection::Sqlite(conn))
            }
            DatabaseUrl::Postgres(postgres) => {
                let mut conn = PgConnection::establish(postgres)
                    .map_err(|e| fail(e.to_string().trim().to_owned()))?;
                conn.batch_execute(POSTGRES_SETTINGS)
                    .map_err(|e| fail(e.to_string()))?;
                Ok(DbConnection::Postgresql(conn))
            }
        }
    }

    /// The durability settings in force on this connection.
    pub fn durability(&mut self) -> Result<Durability, DbError> {
        use diesel::RunQueryDsl;
        use diesel::sql_types::{Integer, Text};
        #[derive(diesel::QueryableByName)]
        struct Synchronous {
            #[diesel(sql_type = Integer)]
            synchronous: i32,
        }
        #[derive(diesel::QueryableByName)]
        struct JournalMode {
            #[diesel(sql_type = Text)]
            journal_mode: String,
        }
        #[derive(diesel::QueryableByName)]
        struct PostgresSettings {
            #[diesel(sql_type = Text)]
            synchronous_commit: String,
            #[diesel(sql_type = Text)]
            fsync: String,
        }
        Ok(Durability(match self {
            DbConnection::Sqlite(c) => {
                let level = diesel::sql_query("PRAGMA synchronous")
                    .get_result::<Synchronous>(c)?
                    .synchronous;
                let journal =
                    diesel::sql_query("PRAGMA journal_mode").get_result::<JournalMode>(c)?;
                let synchronous = match level {
                    0 => "off".to_owned(),
                    1 => "normal".to_owned(),
                    2 => "full".to_owned(),
                    3 => "extra".to_owned(),
                    other => other.to_string(),
                };
                vec![
                    ("synchronous", synchronous),
                    ("journal_mode", journal.journal_mode.to_lowercase()),
                ]
            }
            DbConnection::Postgresql(c) => {
                let settings = diesel::sql_query(
                    "SELECT current_setting('synchronous_commit') AS synchronous_commit, \
                     current_setting('fsync') AS fsync",
                )
                .get_result::<PostgresSettings>(c)?;
                vec![
                    ("synchronous_commit", settings.synchronous_commit),
                    ("fsync", settings.fsync),
                ]
            }
        }))
    }

    /// `transaction`, but on SQLite the outermost one begins `IMMEDIATE`: a deferred transaction
    /// that reads and then writes fails at once (`SQLITE_BUSY`, without waiting) when another
    /// connection committed in between, and survey traffic commits all the time. Taking the
    /// write lock first makes it wait its turn (`busy_timeout`) instead.
    pub fn write_transaction<T, E, F>(&mut self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut Self) -> Result<T, E>,
        E: From<diesel::result::Error>,
    {
        use diesel::connection::{AnsiTransactionManager, TransactionManager};
        use diesel::result::Error;
        type Manager = <DbConnection as Connection>::TransactionManager;
        // The one place where diesel's own `transaction` is right (clippy.toml refuses it
        // elsewhere): PostgreSQL, and savepoints inside a transaction that holds the lock.
        #[allow(clippy::disallowed_methods)]
        let plain = |conn: &mut Self, f: F| conn.transaction(f);
        let DbConnection::Sqlite(sqlite) = self else {
            return plain(self, f);
        };
        match AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE") {
            Err(Error::AlreadyInTransaction) => return plain(self, f),
            begun => begun?,
        }
        match f(self) {
            Ok(value) => {
                Manager::commit_transaction(self)?;
                Ok(value)
            }
            Err(error) => match Manager::rollback_transaction(self) {
                Ok(()) | Err(Error::BrokenTransactionManager) => Err(error),
                Err(rollback) => Err(rollback.into()),
            },
        }
    }
}

impl ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = DbError;

    fn connect(&self) -> Result<DbConnection, DbError> {
        DbConnection::open(&self.url)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), DbError> {
        conn.batch_execute("SELECT 1").map_err(DbError::from)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        use diesel::r2d2::R2D2Connection;
        conn.is_broken()
    }
}

/// How long work waits for a connection, a free one or a new one, before it fails as unavailable
/// (503): ample for a healthy server to accept a connection, and short enough that while the
/// database is away people see the error page within seconds instead of a hanging request.
pub const CONNECTION_TIMEOUT: Duration = Duration::from_secs(2);

/// The connection pool, shared by all handlers.
#[derive(Clone)]
pub struct Db {
    pool: r2d2::Pool<Manager>,
    /// One permit per pooled connection: work waits for a connection here, as a parked future,
    /// rather than as one of hundreds of blocking threads that all wake for every free
    /// connection.
    permits: Arc<Semaphore>,
    backend: Backend,
    /// SQLite's single writer of submissions; `None` on PostgreSQL.
    submissions: Option<SubmissionWriter>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("backend", &self.backend)
            .finish()
    }
}

impl Db {
    /// Connects once (so a bad URL or an unreachable server is reported plainly), then builds
    /// the pool.
    pub fn connect(url: &DatabaseUrl, max_size: u32) -> Result<Db, DbError> {
        let manager = Manager { url: url.clone() };
        DbConnection::open(url)?;
        let (backend, submissions) = match url {
            DatabaseUrl::Sqlite(_) => (Backend::Sqlite, Some(SubmissionWriter::start(url)?)),
            DatabaseUrl::Postgres(_) => (Backend::Postgres, None),
        };
        let pool = r2d2::Pool::builder()
            .max_size(max_size)
            .min_idle(Some(1))
            .connection_timeout(CONNECTION_TIMEOUT)
            // Not tested before each use (a round trip to the server each time): `run` tests a
            // connection after a failure instead, and leaves a lost one out of the pool.
            .test_on_check_out(false)
            .build(manager)
            .map_err(|e| DbError::Unavailable(e.to_string()))?;
        Ok(Db {
            pool,
            permits: Arc::new(Semaphore::new(max_size as usize)),
            backend,
            submissions,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The durability settings in force on a pooled connection and, on SQLite, on the
    /// submission writer's own (as it started), where responses are written; by connection.
    pub fn durability(&self) -> Result<Vec<(&'static str, Durability)>, DbError> {
        let mut settings = vec![("pool", self.conn()?.durability()?)];
        if let Some(writer) = &self.submissions {
            settings.push(("submission writer", writer.durability.clone()));
        }
        Ok(settings)
    }

    /// A connection for synchronous work (the command line, start-up).
    pub fn conn(&self) -> Result<r2d2::PooledConnection<Manager>, DbError> {
        Ok(self.pool.get()?)
    }

    /// Spends the invitation and stores its response (`rounds::submit`): on SQLite through the
    /// single writer that commits submissions in groups, on PostgreSQL on a pooled connection.
    pub async fn submit(
        &self,
        invitation: Invitation,
        answers: Vec<u8>,
    ) -> Result<Submitted, DbError> {
        match &self.submissions {
            Some(writer) => writer.submit(invitation, answers).await,
            None => {
                self.run(move |conn| rounds::submit(conn, &invitation, &answers))
                    .await
            }
        }
    }

    /// Runs `work` on a pooled connection on the blocking thread pool, never on an async worker.
    /// Waits for the connection `CONNECTION_TIMEOUT` at most, in the queue for a permit and in
    /// the pool together: while the database is away every request that needs it answers 503
    /// in that time, however many queue behind the ones waiting for a new connection.
    pub async fn run<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let gone = || E::from(DbError::Unavailable("the blocking pool is gone".into()));
        let queued = Instant::now();
        let permit = actix_web::rt::time::timeout(
            CONNECTION_TIMEOUT,
            Arc::clone(&self.permits).acquire_owned(),
        )
        .await
        .map_err(|_| {
            E::from(DbError::Unavailable(
                "no connection came free in time".into(),
            ))
        })?
        .map_err(|_| gone())?;
        let pool = self.pool.clone();
        actix_web::web::block(move || {
            let _permit = permit;
            let left = CONNECTION_TIMEOUT.saturating_sub(queued.elapsed());
            let mut conn = pool.get_timeout(left).map_err(DbError::from)?;
            let outcome = work(&mut conn);
            if outcome.is_err() {
                retire_if_lost(&mut conn);
            }
            outcome
        })
        .await
        .map_err(|_| gone())?
    }

    /// Runs a short read: on SQLite on the calling task when a pooled connection is idle (a
    /// survey page's look-ups by key take tens of microseconds, less than handing the work to
    /// the blocking pool and back), otherwise, and on PostgreSQL (a network round trip), as
    /// `run` does. On SQLite only for work that neither writes nor waits.
    pub async fn read<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        if self.backend == Backend::Sqlite
            && let Ok(_permit) = self.permits.try_acquire()
            && let Some(mut conn) = self.pool.try_get()
        {
            let outcome = work(&mut conn);
            if outcome.is_err() {
                retire_if_lost(&mut conn);
            }
            return outcome;
        }
        self.run(work).await
    }
}

/// After a failure: a connection that no longer answers (server restarted, network cut) is
/// marked broken, so that the pool closes it instead of handing it out again.
fn retire_if_lost(conn: &mut DbConnection) {
    use diesel::connection::TransactionManager;
    use diesel::r2d2::R2D2Connection;
    if conn.ping().is_err() {
        <DbConnection as Connection>::TransactionManager::transaction_manager_status_mut(conn)
            .set_in_error();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    use diesel::RunQueryDsl;
    use diesel::connection::SimpleConnection;

    use super::*;

    #[test]
    fn a_connection_reports_the_durable_commits_it_was_set_up_for() {
        let dir = tempfile::tempdir().expect("a directory");
        let url = DatabaseUrl::parse(&format!("sqlite://{}", dir.path().join("t.db").display()))
            .expect("a url");
        let durability = DbConnection::open(&url)
            .expect("opened")
            .durability()
            .expect("read");
        assert_eq!(durability.to_string(), "synchronous=full journal_mode=wal");
        assert!(durability.in_force());
        let without_fsync = Durability(vec![
            ("synchronous_commit", "on".into()),
            ("fsync", "off".into()),
        ]);
        assert!(!without_fsync.in_force());
    }

    #[test]
    fn a_transaction_that_reads_then_writes_waits_for_another_writer_instead_of_failing() {
        let dir = tempfile::tempdir().expect("a directory");
        let url = DatabaseUrl::parse(&format!("sqlite://{}", dir.path().join("t.db").display()))
            .expect("a url");
        let mut first = DbConnection::open(&url).expect("opened");
        first
            .batch_execute("CREATE TABLE t (n INTEGER NOT NULL); INSERT INTO t VALUES (0);")
            .expect("created");
        let (reading, read) = mpsc::channel();
        let other = std::thread::spawn(move || {
            let mut second = DbConnection::open(&url).expect("opened");
            read.recv().expect("the first has read");
            // Commits while the first transaction is between its read and its write.
            second
                .batch_execute("UPDATE t SET n = n + 1")
                .expect("the other writer commits");
        });
        let outcome = first.write_transaction(|conn| {
            diesel::sql_query("SELECT n FROM t").execute(conn)?;
            reading.send(()).expect("told");
            std::thread::sleep(Duration::from_millis(100));
            diesel::sql_query("UPDATE t SET n = n + 10").execute(conn)
        });
        other.join().expect("the other writer");
        assert_eq!(
            outcome,
            Ok(1),
            "a deferred BEGIN fails here with SQLITE_BUSY"
        );
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let n: Vec<N> = diesel::sql_query("SELECT n FROM t")
            .load(&mut first)
            .expect("read");
        assert_eq!(n[0].n, 11, "both writes are in");
    }
}
