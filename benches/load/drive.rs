//! The load generator's engine: a fixed number of jobs (one job is one complete response, or one
//! request for the read-only phases) spread over a fixed number of concurrent clients, with the
//! latency of every job kept so that percentiles are exact rather than estimated.
//!
//! All clients run as tasks on the one thread of the caller's current-thread runtime: the
//! generator shares the machine's two cores with the server, and one thread with keep-alive
//! connections costs the server least.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::task::JoinSet;

/// What a successful job reports besides its own duration.
#[derive(Debug, Clone, Copy, Default)]
pub struct Done {
    /// HTTP requests the job made.
    pub requests: u32,
    /// The latency of the job's questionnaire page GET, when it made one.
    pub page: Option<Duration>,
}

/// A job's failure: a short description that groups like failures (never a token).
pub type Failure = String;

/// Everything one phase measured.
#[derive(Debug, Default)]
pub struct Run {
    pub latencies: Vec<Duration>,
    pub pages: Vec<Duration>,
    pub requests: u64,
    pub errors: BTreeMap<Failure, u64>,
    pub elapsed: Duration,
}

impl Run {
    fn merge(&mut self, other: Run) {
        self.latencies.extend(other.latencies);
        self.pages.extend(other.pages);
        self.requests += other.requests;
        for (error, count) in other.errors {
            *self.errors.entry(error).or_default() += count;
        }
    }

    /// Completed jobs per second of wall time.
    pub fn throughput(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    pub fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }
}

/// Runs `jobs` jobs, at most `concurrency` at a time; `job(i)` does the i-th.
pub async fn drive<F, Fut>(concurrency: usize, jobs: usize, job: F) -> Run
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Done, Failure>> + Send + 'static,
{
    let job = Arc::new(job);
    // Clients take the next job when they finish one (a closed loop), so a slow server slows the
    // offered load instead of queueing unbounded work.
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut clients = JoinSet::new();
    for _ in 0..concurrency.clamp(1, jobs.max(1)) {
        let (job, next) = (Arc::clone(&job), Arc::clone(&next));
        clients.spawn(async move {
            let mut run = Run::default();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= jobs {
                    break;
                }
                let began = Instant::now();
                match job(i).await {
                    Ok(done) => {
                        run.latencies.push(began.elapsed());
                        run.requests += u64::from(done.requests);
                        run.pages.extend(done.page);
                    }
                    Err(failure) => *run.errors.entry(failure).or_default() += 1,
                }
            }
            run
        });
    }
    let mut total = Run::default();
    while let Some(client) = clients.join_next().await {
        match client {
            Ok(run) => total.merge(run),
            Err(panic) => {
                *total
                    .errors
                    .entry(format!("client task: {panic}"))
                    .or_default() += 1
            }
        }
    }
    total.elapsed = started.elapsed();
    total
}

/// Latency percentiles of a sample.
#[derive(Debug, Clone, Copy, Default)]
pub struct Percentiles {
    pub p50: Duration,
    pub p95: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl Percentiles {
    pub fn of(sample: &[Duration]) -> Percentiles {
        let mut sorted = sample.to_vec();
        sorted.sort_unstable();
        // Nearest rank: the smallest value with at least p% of the sample at or below it.
        let at = |p: usize| {
            let rank = (sorted.len() * p).div_ceil(100).max(1);
            sorted.get(rank - 1).copied().unwrap_or_default()
        };
        Percentiles {
            p50: at(50),
            p95: at(95),
            p99: at(99),
            max: sorted.last().copied().unwrap_or_default(),
        }
    }
}

impl std::fmt::Display for Percentiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "p50 {} / p95 {} / p99 {} / max {}",
            ms(self.p50),
            ms(self.p95),
            ms(self.p99),
            ms(self.max)
        )
    }
}

/// A duration in milliseconds, with a precision that suits its size.
pub fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1e3;
    if ms < 10.0 {
        format!("{ms:.2} ms")
    } else if ms < 100.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.0} ms")
    }
}
