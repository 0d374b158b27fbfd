//! Submissions on SQLite go through one writer that commits them in groups.
//!
//! SQLite has one writer at a time, and a durable commit (WAL, `synchronous = FULL`) costs an
//! fsync. Concurrent submissions that each took the write lock in turn would each pay their own
//! fsync and wait in the busy handler; instead one thread takes what has queued meanwhile,
//! stores each submission under its own savepoint (one that is refused leaves no trace and does
//! not touch the others), commits them together with one fsync, and only then answers each: an
//! acknowledged response is on disk. PostgreSQL commits concurrent transactions in groups by
//! itself, so there submissions use the pool.

use std::thread;

use tokio::sync::{mpsc, oneshot};

use super::rounds::{self, Invitation, Submitted};
use super::{DbConnection, DbError, Durability};
use crate::config::DatabaseUrl;

/// Submissions waiting for the writer; a full queue makes handlers wait, not fail.
const QUEUE: usize = 1024;
/// The most submissions in one commit: a group's answers wait for its slowest member.
const GROUP: usize = 256;

struct Job {
    invitation: Invitation,
    answers: Vec<u8>,
    reply: oneshot::Sender<Result<Submitted, DbError>>,
}

/// The handle to the writer thread; the thread ends when the last handle is dropped.
#[derive(Debug, Clone)]
pub(super) struct SubmissionWriter {
    jobs: mpsc::Sender<Job>,
    /// As the writer's connection reported them when it started.
    pub(super) durability: Durability,
}

impl SubmissionWriter {
    /// Opens the writer's own connection and starts its thread.
    pub(super) fn start(url: &DatabaseUrl) -> Result<Self, DbError> {
        let mut conn = DbConnection::open(url)?;
        let durability = conn.durability()?;
        let (jobs, queue) = mpsc::channel(QUEUE);
        thread::Builder::new()
            .name("psa-submissions".into())
            .spawn(move || write(conn, queue))
            .map_err(|e| DbError::Unavailable(format!("cannot start the writer: {e}")))?;
        Ok(SubmissionWriter { jobs, durability })
    }

    /// Stores one submission (see `rounds::submit`) and answers once it is committed.
    pub(super) async fn submit(
        &self,
        invitation: Invitation,
        answers: Vec<u8>,
    ) -> Result<Submitted, DbError> {
        let gone = || DbError::Unavailable("the submission writer has stopped".into());
        let (reply, outcome) = oneshot::channel();
        self.jobs
            .send(Job {
                invitation,
                answers,
                reply,
            })
            .await
            .map_err(|_| gone())?;
        outcome.await.map_err(|_| gone())?
    }
}

fn write(mut conn: DbConnection, mut queue: mpsc::Receiver<Job>) {
    let mut group = Vec::with_capacity(GROUP);
    while let Some(first) = queue.blocking_recv() {
        group.push(first);
        while group.len() < GROUP {
            match queue.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        let outcomes = commit(&mut conn, &group);
        for (job, outcome) in group.drain(..).zip(outcomes) {
            // A client that went away meanwhile still has its response stored.
            let _ = job.reply.send(outcome);
        }
    }
}

/// Stores the group in one transaction, each submission under a savepoint; the outcome of each,
/// or the commit's error for all when the commit failed (then nothing of the group is stored).
fn commit(conn: &mut DbConnection, group: &[Job]) -> Vec<Result<Submitted, DbError>> {
    let mut outcomes = Vec::with_capacity(group.len());
    let committed = conn.write_transaction(|conn| {
        for job in group {
            // Nested in the group's transaction, `submit`'s own transaction is a savepoint.
            outcomes.push(rounds::submit(conn, &job.invitation, &job.answers));
        }
        Ok::<_, DbError>(())
    });
    match committed {
        Ok(()) => outcomes,
        Err(error) => {
            let message = error.to_string();
            tracing::error!(submissions = group.len(), error = %message, "a group of submissions was not committed");
            group
                .iter()
                .map(|_| Err(DbError::Unavailable(message.clone())))
                .collect()
        }
    }
}
