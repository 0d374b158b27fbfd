//! The real `psa` binary (the bench profile's release build) as a child process: started on a
//! port chosen here, timed to readiness, its memory read from `/proc`, killed when dropped.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::BenchResult;
use crate::database::Database;

pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub base: String,
    /// From spawning the process to the first `200` of `GET /readyz`.
    pub started_in: Duration,
}

/// Resident memory of a process, from `/proc/PID/status`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Memory {
    /// Resident now (`VmRSS`).
    pub rss_kb: u64,
    /// Resident at most so far (`VmHWM`), the peak.
    pub peak_kb: u64,
}

impl Memory {
    pub fn rss_mb(&self) -> f64 {
        self.rss_kb as f64 / 1024.0
    }

    pub fn peak_mb(&self) -> f64 {
        self.peak_kb as f64 / 1024.0
    }
}

impl Server {
    /// Starts psa on `database` and waits until it answers `/readyz`. Its log (at `log` level,
    /// one line per request at `info` as in production) goes to a file beside the database, so
    /// that writing it costs the server what it costs in production and the generator nothing.
    pub fn start(database: &Database, log: &str) -> BenchResult<Server> {
        // A port the system has just handed out and released: the server must be reachable at
        // once, before it could print its address.
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let log_file = std::fs::File::create(database.dir().join("server.log"))?;
        let started = Instant::now();
        let mut command = Command::new(env!("CARGO_BIN_EXE_psa"));
        command
            .env("PSA_DATABASE_URL", database.url())
            .env("PSA_DATA_DIR", database.dir().join("data"))
            .env("PSA_BIND", format!("127.0.0.1:{port}"))
            .env("PSA_LOG", log)
            .stdin(Stdio::null())
            .stdout(log_file.try_clone()?)
            .stderr(log_file);
        for (name, value) in database.key_env() {
            command.env(name, value);
        }
        let mut child = command.spawn()?;
        let base = format!("http://127.0.0.1:{port}");
        loop {
            if ready(port) {
                break;
            }
            if let Some(status) = child.try_wait()? {
                return Err(format!(
                    "psa exited ({status}) before it was ready; see {}",
                    database.dir().join("server.log").display()
                )
                .into());
            }
            if started.elapsed() > Duration::from_secs(60) {
                let _ = child.kill();
                return Err("psa was not ready within 60 s".into());
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        Ok(Server {
            started_in: started.elapsed(),
            child,
            base,
        })
    }

    pub fn memory(&self) -> Memory {
        memory_of(self.child.id())
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Every acknowledged response is committed durably, so nothing is lost by not waiting
        // for a graceful shutdown.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether `GET /readyz` answers 200: a bare HTTP/1.1 exchange, so that polling needs no
/// runtime and measures the server, not a client's set-up.
fn ready(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let request = b"GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if stream.write_all(request).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.1 200")
}

/// `VmRSS` and `VmHWM` of process `pid`; zero when it cannot be read.
pub fn memory_of(pid: u32) -> Memory {
    let status = std::fs::read_to_string(Path::new("/proc").join(pid.to_string()).join("status"))
        .unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    Memory {
        rss_kb: field("VmRSS:"),
        peak_kb: field("VmHWM:"),
    }
}
