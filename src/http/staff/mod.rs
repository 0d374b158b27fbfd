//! Pages for staff: logging in and out, first-time setup, the overview.

pub mod home;
pub mod login;
pub mod setup;

use actix_session::Session;
use actix_web::HttpResponse;
use actix_web::http::header;

use super::auth::csrf_token;
use crate::i18n::Lang;
use crate::render::pages::Chrome;

fn chrome(lang: Lang, session: &Session, user: Option<&str>) -> Chrome {
    Chrome {
        lang,
        csrf: csrf_token(session),
        user: user.map(str::to_owned),
    }
}

fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// A redirect target from a form: a local path only, never another site.
fn local_path(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next
    } else {
        "/"
    }
}
