//! `Settings`: everything psa is configured with, read once at start and passed down.
//!
//! Sources are command-line flags and `PSA_*` environment variables (see `cli`); the defaults run
//! psa on a clean clone: SQLite under `./data/`, served on http://127.0.0.1:8080.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use ipnet::IpNet;
use url::Url;

use crate::keys::{KeyError, KeyStore, Keys};

/// Which database psa uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// An SQLite file (created on first start).
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL.
    Postgres(String),
}

impl DatabaseUrl {
    /// Parses `sqlite://relative/path`, `sqlite:///absolute/path` or `postgres://…`.
    pub fn parse(raw: &str) -> Result<DatabaseUrl, ConfigError> {
        let raw = raw.trim();
        let malformed =
            |why: &str| ConfigError::DatabaseUrl(format!("{why} (got {:?})", redact(raw)));
        if let Some(path) = raw.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(malformed(
                    "sqlite:// needs a file path, as in sqlite://data/psa.db",
                ));
            }
            return Ok(DatabaseUrl::Sqlite(PathBuf::from(path)));
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            let url = Url::parse(raw).map_err(|e| malformed(&format!("not a valid URL: {e}")))?;
            if url.host_str().is_none_or(str::is_empty) && !raw.contains("host=") {
                return Err(malformed("a PostgreSQL URL needs a host"));
            }
            return Ok(DatabaseUrl::Postgres(raw.to_owned()));
        }
        Err(malformed(
            "use sqlite://PATH or postgres://USER@HOST/DATABASE",
        ))
    }

    pub fn is_sqlite(&self) -> bool {
        matches!(self, DatabaseUrl::Sqlite(_))
    }

    /// The URL without its password, for messages.
    pub fn display(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
            DatabaseUrl::Postgres(url) => redact(url),
        }
    }
}

fn redact(raw: &str) -> String {
    match Url::parse(raw) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        _ => raw.to_owned(),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("PSA_DATABASE_URL: {0}")]
    DatabaseUrl(String),
    #[error("PSA_PUBLIC_URL: {0}")]
    PublicUrl(String),
    #[error("PSA_TRUSTED_PROXIES: {0:?} is not an IP address or network (use e.g. 10.0.0.0/8,::1)")]
    TrustedProxy(String),
    #[error("data directory {path} is not writable: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Key(#[from] KeyError),
}

/// Everything a running psa is configured with.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database: DatabaseUrl,
    pub bind: SocketAddr,
    /// The address people use; links in CSV, mail and shares are built from it.
    pub public_url: Url,
    /// Log filter, as `RUST_LOG` (e.g. `info`, `psa=debug`).
    pub log: String,
    /// Addresses whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpNet>,
    pub data_dir: PathBuf,
    /// HTTP worker threads (0: one per core).
    pub workers: usize,
    /// Days a closed round's responses are kept before they are deleted (results stay).
    pub response_retention_days: u32,
    /// How often rounds due to open or close, and data due for deletion, are looked for.
    pub schedule_interval: Duration,
    /// How much guessing of secrets (passwords, links, codes, shares) passes before a wait.
    pub guess_limits: GuessLimits,
    /// How long a client may take to send a request.
    pub client_timeouts: ClientTimeouts,
    pub keys: Keys,
}

/// How long a client may take to send its request's head, and then its body; a slower one is
/// answered 408 and its connection closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientTimeouts {
    pub head: Duration,
    pub body: Duration,
}

impl Default for ClientTimeouts {
    /// Five seconds for the head; thirty for a body of up to 2 MiB (70 kB a second).
    fn default() -> Self {
        ClientTimeouts {
            head: Duration::from_secs(5),
            body: Duration::from_secs(30),
        }
    }
}

/// A token bucket: `burst` pass at once, then one per `period`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowance {
    pub burst: u32,
    pub period: Duration,
}

impl Allowance {
    pub const fn new(burst: u32, period: Duration) -> Allowance {
        Allowance { burst, period }
    }
}

/// The failures that pass, per client address and from all addresses together, for each kind of
/// secret that can be guessed; and, for logins, per account. Failures only: an office behind one
/// address answers and logs in freely. A blocked key waits until its bucket refills, so nobody is
/// locked out for good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuessLimits {
    /// Invitation links and codes: 60 at once per address, then one a second; 2,000 at once in
    /// all, then 50 a second.
    pub link_per_address: Allowance,
    pub link_total: Allowance,
    /// Share links: few people hold one and use it a handful of times.
    pub share_per_address: Allowance,
    pub share_total: Allowance,
    /// Logins: 5 wrong passwords for one account, then one a minute (whatever the address).
    pub login_per_account: Allowance,
    pub login_per_address: Allowance,
    pub login_total: Allowance,
}

impl Default for GuessLimits {
    fn default() -> Self {
        let ms = Duration::from_millis;
        GuessLimits {
            link_per_address: Allowance::new(60, ms(1_000)),
            link_total: Allowance::new(2_000, ms(20)),
            share_per_address: Allowance::new(20, ms(3_000)),
            share_total: Allowance::new(500, ms(100)),
            login_per_account: Allowance::new(5, ms(60_000)),
            login_per_address: Allowance::new(60, ms(2_000)),
            login_total: Allowance::new(1_000, ms(100)),
        }
    }
}

/// The raw options, as given on the command line or in the environment.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub database_url: Option<String>,
    pub bind: Option<SocketAddr>,
    pub public_url: Option<String>,
    pub log: Option<String>,
    pub trusted_proxies: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub workers: Option<usize>,
    pub response_retention_days: Option<u32>,
    /// Seconds between the schedule's ticks.
    pub schedule_interval_seconds: Option<u64>,
}

pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
/// Where the SQLite database and its generated keys live unless told.
pub const DEFAULT_DATA_DIR: &str = "data";

impl Settings {
    /// Resolves options into settings; `env` looks up the key variables.
    pub fn resolve(
        options: Options,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Settings, ConfigError> {
        let data_dir = options
            .data_dir
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        let database = match options
            .database_url
            .as_deref()
            .filter(|s| !s.trim().is_empty())
        {
            Some(raw) => DatabaseUrl::parse(raw)?,
            None => DatabaseUrl::Sqlite(data_dir.join("psa.db")),
        };
        let bind = options
            .bind
            .unwrap_or_else(|| DEFAULT_BIND.parse().expect("valid default address"));
        let public_url = match options
            .public_url
            .as_deref()
            .filter(|s| !s.trim().is_empty())
        {
            Some(raw) => parse_public_url(raw)?,
            None => default_public_url(bind),
        };
        let trusted_proxies = parse_proxies(options.trusted_proxies.as_deref().unwrap_or(""))?;
        let keys = match &database {
            DatabaseUrl::Sqlite(path) => {
                ensure_writable_dir(&data_dir)?;
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    ensure_writable_dir(parent)?;
                }
                Keys::load(env, KeyStore::Directory(&data_dir.join("keys")))?
            }
            DatabaseUrl::Postgres(_) => Keys::load(env, KeyStore::Required)?,
        };
        Ok(Settings {
            database,
            bind,
            public_url,
            log: options.log.unwrap_or_else(|| "info".to_owned()),
            trusted_proxies,
            data_dir,
            workers: options.workers.unwrap_or(0),
            response_retention_days: options.response_retention_days.unwrap_or(365),
            // Never zero: a zero interval would spin.
            schedule_interval: Duration::from_secs(
                options.schedule_interval_seconds.unwrap_or(30).max(1),
            ),
            guess_limits: GuessLimits::default(),
            client_timeouts: ClientTimeouts::default(),
            keys,
        })
    }

    /// Whether cookies must be marked `Secure`.
    pub fn is_https(&self) -> bool {
        self.public_url.scheme() == "https"
    }

    /// An absolute link to `path` (which starts with `/`) under the public URL.
    pub fn public_link(&self, path: &str) -> String {
        format!("{}{}", self.public_url.as_str().trim_end_matches('/'), path)
    }

    /// Whether `peer` is a proxy whose forwarded headers are believed.
    pub fn trusts_proxy(&self, peer: IpAddr) -> bool {
        self.trusted_proxies.iter().any(|net| net.contains(&peer))
    }
}

fn parse_public_url(raw: &str) -> Result<Url, ConfigError> {
    let url =
        Url::parse(raw.trim()).map_err(|e| ConfigError::PublicUrl(format!("{raw:?}: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(ConfigError::PublicUrl(format!(
            "{raw:?} must be an http:// or https:// address"
        )));
    }
    Ok(url)
}

fn default_public_url(bind: SocketAddr) -> Url {
    let host = match bind.ip() {
        ip if ip.is_unspecified() => "127.0.0.1".to_owned(),
        IpAddr::V6(ip) => format!("[{ip}]"),
        IpAddr::V4(ip) => ip.to_string(),
    };
    Url::parse(&format!("http://{host}:{}", bind.port())).expect("valid URL from an address")
}

fn parse_proxies(raw: &str) -> Result<Vec<IpNet>, ConfigError> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<IpNet>()
                .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| ConfigError::TrustedProxy(s.to_owned()))
        })
        .collect()
}

fn ensure_writable_dir(dir: &Path) -> Result<(), ConfigError> {
    let fail = |source| ConfigError::DataDir {
        path: dir.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(fail)?;
    let probe = dir.join(format!(".write-test-{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(fail)?;
    std::fs::remove_file(&probe).map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_are_recognised() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/psa.db").unwrap(),
            DatabaseUrl::Sqlite("data/psa.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///var/lib/psa.db").unwrap(),
            DatabaseUrl::Sqlite("/var/lib/psa.db".into())
        );
        assert!(DatabaseUrl::parse("postgres://psa@localhost/psa").is_ok());
        for bad in [
            "mysql://x",
            "sqlite://",
            "postgres://",
            "psa.db",
            "postgres://[::1",
        ] {
            assert!(DatabaseUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_never_appear_in_messages() {
        let url = DatabaseUrl::parse("postgres://psa:geheim@db/psa").unwrap();
        assert!(!url.display().contains("geheim"));
        let err = DatabaseUrl::parse("postgresx://psa:geheim@db/psa").unwrap_err();
        assert!(!err.to_string().contains("geheim"), "{err}");
    }

    #[test]
    fn defaults_run_on_sqlite_under_the_data_directory() {
        let dir = tempfile::tempdir().unwrap();
        let options = Options {
            data_dir: Some(dir.path().join("data")),
            ..Options::default()
        };
        let settings = Settings::resolve(options, |_| None).unwrap();
        assert_eq!(
            settings.database,
            DatabaseUrl::Sqlite(dir.path().join("data/psa.db"))
        );
        assert_eq!(settings.public_url.as_str(), "http://127.0.0.1:8080/");
        assert_eq!(
            settings.public_link("/setup"),
            "http://127.0.0.1:8080/setup"
        );
        assert!(!settings.is_https());
        assert_eq!(settings.schedule_interval, Duration::from_secs(30));
    }

    #[test]
    fn postgres_without_keys_is_refused() {
        let options = Options {
            database_url: Some("postgres://localhost/psa".into()),
            ..Options::default()
        };
        let err = Settings::resolve(options, |_| None).unwrap_err();
        assert!(
            err.to_string().contains("PSA_SESSION_KEY is not set"),
            "{err}"
        );
    }

    #[test]
    fn trusted_proxies_accept_addresses_and_networks() {
        let nets = parse_proxies("10.0.0.0/8, ::1").unwrap();
        assert!(nets[0].contains(&"10.1.2.3".parse::<IpAddr>().unwrap()));
        assert!(nets[1].contains(&"::1".parse::<IpAddr>().unwrap()));
        assert!(parse_proxies("nonsense").is_err());
    }
}
