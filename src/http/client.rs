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
    let from_query = req
        .query_string()
        .split('&')
        .find_map(|pair| pair.strip_prefix("lang="))
        .and_then(|code| code.parse::<Lang>().ok());
    let session = req.get_session();
    if let Some(lang) = from_query {
        let _ = session.insert(session_keys::LANG, lang.code());
        return lang;
    }
    session
        .get::<String>(session_keys::LANG)
        .ok()
        .flatten()
        .and_then(|code| code.parse().ok())
        .or_else(|| {
            req.headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or_default()
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
