//! What every page handler shares: the page frame, redirects.

use actix_session::Session;
use actix_web::HttpResponse;
use actix_web::http::header;

use super::auth::{Principal, csrf_token};
use super::routes::{PLAN_READERS, RESULT_READERS};
use crate::domain::{Role, RoleSet};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::render::pages::Chrome;

/// The frame of a page: language, the form token, and who is logged in.
pub fn chrome(lang: Lang, session: &Session, principal: Option<&Principal>) -> Chrome {
    Chrome {
        lang,
        csrf: csrf_token(session),
        user: principal.map(|p| p.user.email.clone()),
        hr: principal.is_some_and(|p| p.roles.contains(Role::Hr)),
        results: principal.is_some_and(|p| p.roles.intersects(RESULT_READERS)),
        plan: principal.is_some_and(|p| p.roles.intersects(PLAN_READERS)),
        inspector: principal.is_some_and(|p| p.roles.contains(Role::Inspector)),
        vpo: principal.is_some_and(|p| p.roles.contains(Role::Vpo)),
        admin: principal.is_some_and(|p| p.roles.contains(Role::Admin)),
    }
}

/// Who is told that the organisation lacks a confidential counsellor: HR, and the admin who can
/// register one.
const TOLD_OF_MISSING_COUNSELLOR: RoleSet = RoleSet::of(&[Role::Hr, Role::Admin]);

/// For the warning on HR's pages: the path of the organisation's information page when the
/// organisation is expected to have a confidential counsellor and has none registered.
pub async fn missing_counsellor(
    state: &super::AppState,
    principal: &Principal,
) -> Result<Option<String>, AppError> {
    match &principal.organisation {
        Some(organisation) if principal.roles.intersects(TOLD_OF_MISSING_COUNSELLOR) => {
            super::api::counsellors::missing(state, organisation.clone()).await
        }
        _ => Ok(None),
    }
}

pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// A redirect target from a form: a local path only, never another site.
pub fn local_path(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next
    } else {
        "/"
    }
}

/// Everything a page of an organisation needs, in one extractor: state, session, language,
/// the caller and the organisation they act in.
pub struct OrgPage {
    pub state: actix_web::web::Data<super::AppState>,
    pub session: Session,
    pub lang: Lang,
    pub principal: Principal,
    pub organisation: crate::domain::OrganisationId,
}

impl OrgPage {
    pub fn chrome(&self) -> Chrome {
        chrome(self.lang, &self.session, Some(&self.principal))
    }
}

impl actix_web::FromRequest for OrgPage {
    type Error = crate::error::AppError;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &actix_web::HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        use crate::error::AppError;
        use actix_session::SessionExt;
        use actix_web::HttpMessage;
        let page = || -> Result<OrgPage, AppError> {
            let state = req
                .app_data::<actix_web::web::Data<super::AppState>>()
                .cloned()
                .ok_or_else(|| AppError::Internal("application state missing".into()))?;
            let principal = req
                .extensions()
                .get::<Principal>()
                .cloned()
                .ok_or(AppError::Unauthenticated)?;
            let organisation = principal.organisation.clone().ok_or_else(|| {
                AppError::Forbidden("you are not a member of any organisation".into())
            })?;
            Ok(OrgPage {
                state,
                session: req.get_session(),
                lang: super::client::page_lang(req),
                principal,
                organisation,
            })
        };
        std::future::ready(page())
    }
}
