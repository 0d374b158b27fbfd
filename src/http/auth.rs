//! Who is calling, and whether they may: sessions, bearer tokens, the organisation of the request,
//! role checks and CSRF protection.
//!
//! `enforce` runs before every handler with the route's rules from the route table, so a handler
//! cannot forget a check. Handlers then take `Staff` or `Member` to learn who called.

use std::future::{Ready, ready};

use actix_session::{Session, SessionExt};
use actix_web::body::BoxBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError, web};
use serde::Deserialize;

use super::AppState;
use super::routes::{Access, Audience, Rules};
use crate::db::accounts::{self, User};
use crate::db::{sessions, tokens};
use crate::domain::{OrganisationId, RoleSet, TokenId, UserId};
use crate::error::AppError;
use crate::secret::{new_token, secrets_equal};

/// Header that chooses among the caller's organisations.
pub const ORGANISATION_HEADER: &str = "X-PSA-Organisation";
/// Header that carries the CSRF token on API calls made with a session cookie.
pub const CSRF_HEADER: &str = "X-CSRF-Token";

/// Keys in the signed session cookie.
pub mod session_keys {
    pub const SESSION_ID: &str = "sid";
    pub const ORGANISATION: &str = "org";
    pub const CSRF: &str = "csrf";
    pub const LANG: &str = "lang";
}

/// How the caller proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    Session,
    Token(TokenId),
}

/// The authenticated caller and the organisation the request acts in.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user: User,
    pub credential: Credential,
    /// The current organisation; `None` for an account without memberships.
    pub organisation: Option<OrganisationId>,
    /// The caller's roles in the current organisation.
    pub roles: RoleSet,
}

impl Principal {
    fn may(&self, access: Access) -> bool {
        match access {
            Access::Public | Access::Staff => true,
            Access::Owner => self.user.is_owner,
            Access::Members(allowed) => {
                self.organisation.is_some() && self.roles.intersects(allowed)
            }
        }
    }
}

/// Checks the route's rules for this request, then calls the handler.
pub async fn enforce(
    req: ServiceRequest,
    next: Next<BoxBody>,
    rules: Rules,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some((_, audience, access)) = rules.iter().find(|(m, _, _)| m == req.method()).cloned()
    else {
        // No route for this method: the resource answers 405.
        return next.call(req).await;
    };
    let mut req = req;
    let mut credential = None;
    if access != Access::Public {
        let principal = match resolve(req.request()).await {
            Ok(Some(principal)) => principal,
            Ok(None) => return Ok(refuse(req, audience, AppError::Unauthenticated)),
            Err(err) => return Ok(refuse(req, audience, err)),
        };
        if !principal.may(access) {
            let why = match access {
                Access::Owner => "only the instance owner may do this",
                _ if principal.organisation.is_none() => "you are not a member of any organisation",
                _ => "your roles in this organisation do not allow this",
            };
            return Ok(refuse(req, audience, AppError::Forbidden(why.into())));
        }
        credential = Some(principal.credential.clone());
        req.extensions_mut().insert(principal);
    }
    if is_state_changing(req.method()) {
        let checked = match (audience, credential) {
            // A bearer token cannot be sent by a browser on its own: no CSRF risk.
            (Audience::Api, Some(Credential::Token(_))) => Ok(()),
            (Audience::Api, _) => check_csrf_header(req.request()),
            (Audience::Page, _) => check_csrf_form(&mut req).await,
            // The invitation's secret is the credential, sent by the respondent themselves.
            (Audience::Respondent | Audience::Visitor, _) => Ok(()),
        };
        if let Err(err) = checked {
            return Ok(refuse(req, audience, err));
        }
    }
    next.call(req).await
}

pub(crate) fn is_state_changing(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn refuse(req: ServiceRequest, audience: Audience, err: AppError) -> ServiceResponse<BoxBody> {
    let response = match (audience, &err) {
        (Audience::Page, AppError::Unauthenticated) => {
            let next = if req.method() == Method::GET {
                req.path()
            } else {
                "/"
            };
            let location = format!("/login?next={}", url_encode(next));
            HttpResponse::SeeOther()
                .insert_header((header::LOCATION, location))
                .finish()
        }
        _ => err.error_response(),
    };
    req.into_response(response)
}

fn url_encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// Finds the caller from the bearer token or the session cookie.
async fn resolve(req: &HttpRequest) -> Result<Option<Principal>, AppError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| AppError::Internal("application state missing".into()))?;
    let wanted = match req.headers().get(ORGANISATION_HEADER) {
        Some(value) => Some(
            value
                .to_str()
                .map_err(|_| AppError::BadRequest(format!("{ORGANISATION_HEADER} is not text")))?
                .trim()
                .to_owned(),
        ),
        None => None,
    };
    if let Some(value) = req.headers().get(header::AUTHORIZATION) {
        let secret = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|v| v.trim().to_owned())
            .ok_or(AppError::Unauthenticated)?;
        return state
            .db
            .run(move |conn| -> Result<_, AppError> {
                let Some(token) = tokens::authenticate(conn, &secret)? else {
                    return Err(AppError::Unauthenticated);
                };
                if wanted
                    .as_ref()
                    .is_some_and(|w| w != token.organisation_id.as_str())
                {
                    return Err(AppError::Forbidden(
                        "this token is bound to another organisation".into(),
                    ));
                }
                let Some(user) = accounts::get_user(conn, &token.user_id)? else {
                    return Err(AppError::Unauthenticated);
                };
                let roles = accounts::roles_in(conn, &token.organisation_id, &user.id)?;
                Ok(Some(Principal {
                    user,
                    credential: Credential::Token(token.id),
                    organisation: Some(token.organisation_id),
                    roles,
                }))
            })
            .await;
    }
    let session = req.get_session();
    let Some(sid) = session
        .get::<String>(session_keys::SESSION_ID)
        .ok()
        .flatten()
    else {
        return Ok(None);
    };
    let from_header = wanted.is_some();
    let wanted = wanted.or_else(|| {
        session
            .get::<String>(session_keys::ORGANISATION)
            .ok()
            .flatten()
    });
    state
        .db
        .run(move |conn| -> Result<_, AppError> {
            let Some(user_id) = sessions::user_of(conn, &sid)? else {
                return Ok(None);
            };
            let Some(user) = accounts::get_user(conn, &user_id)? else {
                return Ok(None);
            };
            let memberships = accounts::memberships_of(conn, &user.id)?;
            let chosen = match &wanted {
                Some(id) => memberships
                    .iter()
                    .find(|m| m.organisation_id.as_str() == id),
                None => None,
            };
            if from_header && chosen.is_none() {
                return Err(AppError::Forbidden(
                    "you are not a member of that organisation".into(),
                ));
            }
            // A stale choice (membership ended) falls back to the first organisation.
            let chosen = chosen.or_else(|| memberships.first());
            Ok(Some(Principal {
                user,
                credential: Credential::Session,
                organisation: chosen.map(|m| m.organisation_id.clone()),
                roles: chosen.map(|m| m.roles).unwrap_or_default(),
            }))
        })
        .await
}

/// The CSRF token of this browser session, made on first use.
pub fn csrf_token(session: &Session) -> String {
    if let Ok(Some(token)) = session.get::<String>(session_keys::CSRF) {
        return token;
    }
    let token = new_token("");
    // Failing to store it only means the form will be refused and shown again.
    let _ = session.insert(session_keys::CSRF, &token);
    token
}

fn session_csrf(req: &HttpRequest) -> Option<String> {
    req.get_session()
        .get::<String>(session_keys::CSRF)
        .ok()
        .flatten()
}

fn check_csrf_header(req: &HttpRequest) -> Result<(), AppError> {
    let sent = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok());
    match (sent, session_csrf(req)) {
        (Some(sent), Some(expected)) if secrets_equal(sent, &expected) => Ok(()),
        _ => Err(AppError::Csrf),
    }
}

#[derive(Deserialize)]
struct CsrfField {
    csrf: Option<String>,
}

/// Reads the `csrf` field of a submitted form and puts the body back for the handler.
async fn check_csrf_form(req: &mut ServiceRequest) -> Result<(), AppError> {
    let body = req
        .extract::<web::Bytes>()
        .await
        .map_err(|_| AppError::PayloadTooLarge)?;
    let sent = serde_urlencoded::from_bytes::<CsrfField>(&body)
        .ok()
        .and_then(|f| f.csrf);
    req.set_payload(Payload::from(body));
    match (sent, session_csrf(req.request())) {
        (Some(sent), Some(expected)) if secrets_equal(&sent, &expected) => Ok(()),
        _ => Err(AppError::Csrf),
    }
}

fn principal(req: &HttpRequest) -> Result<Principal, AppError> {
    req.extensions()
        .get::<Principal>()
        .cloned()
        .ok_or(AppError::Unauthenticated)
}

/// Any logged-in caller.
pub struct Staff(pub Principal);

impl FromRequest for Staff {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(principal(req).map(Staff))
    }
}

/// A caller acting in an organisation they belong to.
pub struct Member {
    pub user: User,
    pub organisation: OrganisationId,
    pub roles: RoleSet,
    pub credential: Credential,
}

impl Member {
    pub fn user_id(&self) -> &UserId {
        &self.user.id
    }
}

impl FromRequest for Member {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(principal(req).and_then(|p| {
            let organisation = p.organisation.ok_or_else(|| {
                AppError::Forbidden("you are not a member of any organisation".into())
            })?;
            Ok(Member {
                user: p.user,
                organisation,
                roles: p.roles,
                credential: p.credential,
            })
        }))
    }
}
