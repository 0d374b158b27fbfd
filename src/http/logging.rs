//! One structured log line per request, with a request id.
//!
//! The line names the route *pattern* (`/s/{token}`), never the raw path or query, so tokens,
//! share ids and codes cannot reach the log; no client address is logged on any route.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing::Instrument;

use crate::secret::new_id;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

pub async fn log_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let request_id = new_id();
    let span = tracing::info_span!("request", id = %request_id);
    let method = req.method().clone();
    let started = Instant::now();
    let result = next.call(req).instrument(span.clone()).await;
    let _entered = span.enter();
    match result {
        Ok(mut res) => {
            let route = route_of(res.request().match_pattern());
            tracing::info!(
                method = %method,
                route = %route,
                status = res.status().as_u16(),
                ms = started.elapsed().as_millis() as u64,
                "request"
            );
            if let Ok(value) = HeaderValue::from_str(&request_id) {
                res.headers_mut().insert(REQUEST_ID, value);
            }
            Ok(res)
        }
        Err(err) => {
            tracing::warn!(method = %method, error = %err, "request failed");
            Err(err)
        }
    }
}

/// What the log says of the path: the matched pattern, or a fixed word for unmatched paths
/// (which may hold a mistyped token).
pub fn route_of(pattern: Option<String>) -> String {
    pattern.unwrap_or_else(|| "(unmatched)".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_names_patterns_not_paths() {
        assert_eq!(route_of(Some("/s/{token}".into())), "/s/{token}");
        assert_eq!(route_of(None), "(unmatched)");
    }
}
