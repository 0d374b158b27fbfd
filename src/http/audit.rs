//! Records every staff change in the audit log (`domain::audit`), for every route the route
//! table marks as audited, so that no handler can forget it: after the handler has answered with
//! success, an entry names who, when, which action on what, and the fields sent (never their
//! values, which may be personal data). Failed attempts changed nothing and are not recorded.

use std::sync::Arc;

use actix_web::body::BoxBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};

use super::AppState;
use super::auth::{Credential, Principal};
use crate::db::{audit, now, utc};
use crate::domain::audit::{AuditEntry, INSTANCE_SCOPE, actors, sent_fields};
use crate::error::AppError;

/// Which chain a route's changes go to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The chain of the organisation the request acts in.
    Organisation,
    /// The instance's chain (the owner's actions).
    Instance,
}

/// An audited method of one path: what its action is called and where it is recorded.
#[derive(Debug, Clone)]
pub struct Audited {
    pub method: Method,
    pub action: &'static str,
    pub scope: Scope,
}

/// Runs the handler, then records the change it made.
pub async fn record(
    mut req: ServiceRequest,
    next: Next<BoxBody>,
    audited: Arc<Vec<Audited>>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(audited) = audited.iter().find(|a| a.method == req.method()).cloned() else {
        return next.call(req).await;
    };
    let fields = match sent(&mut req).await {
        Ok(fields) => fields,
        Err(err) => return Ok(req.error_response(err)),
    };
    let res = next.call(req).await?;
    let status = res.status();
    if !(status.is_success() || status.is_redirection()) {
        return Ok(res);
    }
    let request = res.request();
    let principal = request.extensions().get::<Principal>().cloned();
    let (Some(state), Some(principal)) = (request.app_data::<web::Data<AppState>>(), principal)
    else {
        tracing::error!(
            action = audited.action,
            "a change could not be recorded in the audit log: no caller"
        );
        return Ok(res);
    };
    let scope = match (audited.scope, &principal.organisation) {
        (Scope::Instance, _) => INSTANCE_SCOPE.to_owned(),
        (Scope::Organisation, Some(organisation)) => organisation.to_string(),
        (Scope::Organisation, None) => return Ok(res),
    };
    let params = request
        .match_info()
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join(" ");
    let pattern = request.match_pattern().unwrap_or_default();
    let entry = AuditEntry {
        at: utc(now()),
        actor: actor(&principal),
        action: audited.action.to_owned(),
        target: format!("{} {pattern} {params}", audited.method)
            .trim_end()
            .to_owned(),
        detail: fields,
        outcome: status.as_u16().to_string(),
    };
    append(state, scope, entry).await;
    Ok(res)
}

/// Appends an entry; a failure is logged (the change itself stands).
async fn append(state: &AppState, scope: String, entry: AuditEntry) {
    let action = entry.action.clone();
    let stored = state
        .db
        .run(move |conn| audit::append(conn, &scope, &entry))
        .await;
    if let Err(error) = stored {
        tracing::error!(%error, action, "a change could not be recorded in the audit log");
    }
}

/// A change made by the schedule; a failure is logged (the change itself stands).
pub async fn append_scheduled(
    state: &AppState,
    organisation: String,
    action: &'static str,
    target: String,
) {
    let stored = state
        .db
        .run(move |conn| audit::record(conn, &organisation, actors::SCHEDULE, action, target))
        .await;
    if let Err(error) = stored {
        tracing::error!(%error, action, "a change could not be recorded in the audit log");
    }
}

fn actor(principal: &Principal) -> String {
    match &principal.credential {
        Credential::Session => principal.user.email.to_string(),
        Credential::Token(id) => format!("{} (token {id})", principal.user.email),
    }
}

/// The names of the fields the request sends, read from its body, which is put back for the
/// handler; a file upload is named by its type.
async fn sent(req: &mut ServiceRequest) -> Result<String, AppError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let readable = matches!(
        content_type.as_str(),
        "application/json" | "application/x-www-form-urlencoded"
    );
    if !readable {
        return Ok(match content_type.as_str() {
            "" => String::new(),
            other => format!("(a file: {other})"),
        });
    }
    let body = req
        .extract::<web::Bytes>()
        .await
        .map_err(|_| AppError::PayloadTooLarge)?;
    let names = if content_type == "application/json" {
        match serde_json::from_slice::<serde_json::Value>(&body) {
            Ok(serde_json::Value::Object(map)) => sent_fields(map.keys().map(String::as_str)),
            Ok(serde_json::Value::Array(list)) => format!("(a list of {})", list.len()),
            _ => String::new(),
        }
    } else {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
        sent_fields(pairs.iter().map(|(name, _)| name.as_str()))
    };
    req.set_payload(Payload::from(body));
    Ok(names)
}
