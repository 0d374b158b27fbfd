//! Structured logging to standard error. Logs never hold personal data, answers, tokens or client
//! addresses: request lines name route patterns only (`http::logging`).

use tracing_subscriber::EnvFilter;

/// Starts logging with a filter such as `info` or `psa=debug,actix_web=warn`; `json` switches
/// to one JSON object per line for log collectors.
pub fn init(filter: &str, json: bool) -> Result<(), String> {
    let filter = EnvFilter::try_new(filter).map_err(|e| format!("PSA_LOG {filter:?}: {e}"))?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    let result = if json {
        builder.json().flatten_event(true).try_init()
    } else {
        builder.with_ansi(false).try_init()
    };
    // A second init (tests start several apps in one process) keeps the first subscriber.
    let _ = result;
    Ok(())
}
