//! Facts about the client of a request: its address (for staff login limits only) and the
//! language its pages are shown in.

use std::future::{Ready, ready};
use std::net::IpAddr;

use actix_session::SessionExt;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest};

use super::auth::session_keys;
use crate::config::Settings;
use crate::i18n::Lang;

/// The client's address: the peer, or, behind a trusted proxy, the last address in
/// `X-Forwarded-For` that is not itself a trusted proxy. Never logged or stored.
pub fn client_ip(req: &HttpRequest, settings: &Settings) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    if !settings.trusts_proxy(peer) {
        return Some(peer);
    }
    let forwarded = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|part| part.trim().parse::<IpAddr>().ok())
        .collect::<Vec<_>>();
    Some(
        forwarded
            .into_iter()
            .rev()
            .find(|ip| !settings.trusts_proxy(*ip))
            .unwrap_or(peer),
    )
}

/// The language of a page: `?lang=` (remembered in the session), the session's choice, the
/// browser's `Accept-Language`, or Dutch.
pub fn page_lang(req: &HttpRequest) -> Lang {
    let lang = query_lang(req);
    if let Some(lang) = lang {
        let _ = req.get_session().insert(session_keys::LANG, lang.code());
    }
    lang.unwrap_or_else(|| cookieless_lang(req))
}

/// The language without touching the session, for respondents (who get no cookie): `?lang=`,
/// the session's choice if a staff member has one, `Accept-Language`, or Dutch.
pub fn cookieless_lang(req: &HttpRequest) -> Lang {
    query_lang(req)
        .or_else(|| {
            req.get_session()
                .get::<String>(session_keys::LANG)
                .ok()
                .flatten()
                .and_then(|code| code.parse().ok())
        })
        .or_else(|| accept_language(req))
        .unwrap_or_default()
}

fn query_lang(req: &HttpRequest) -> Option<Lang> {
    req.query_string()
        .split('&')
        .find_map(|pair| pair.strip_prefix("lang="))
        .and_then(|code| code.parse::<Lang>().ok())
}

/// The browser's preferred language among ours.
pub fn accept_language(req: &HttpRequest) -> Option<Lang> {
    req.headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Lang::from_accept_language)
}

/// Extractor for the page language.
pub struct PageLang(pub Lang);

impl FromRequest for PageLang {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(PageLang(page_lang(req))))
    }
}
