//! `Application::build`: pool, migrations, keys and the HTTP server on a listener.

use std::net::TcpListener;
use std::sync::Arc;

use actix_session::SessionMiddleware;
use actix_session::config::{BrowserSession, CookieContentSecurity};
use actix_session::storage::CookieSessionStore;
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpResponse, HttpServer, web};

use crate::catalog::Catalog;
use crate::config::Settings;
use crate::db::{Db, DbError, accounts, migrations};
use crate::http::limits::{LoginLimits, LookupLimits};
use crate::http::{AppState, api, errors, headers, logging, routes, timeouts};
use crate::secret::new_token;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("invalid shipped questionnaire: {0}")]
    Catalog(#[from] crate::catalog::FileProblems),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("cannot listen on {addr}: {source} (choose another address with PSA_BIND)")]
    Bind {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
}

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "psa_session";

/// A built, not yet running, psa.
pub struct Application {
    state: AppState,
    port: u16,
    server: Server,
    setup_link: Option<String>,
    settings: Arc<Settings>,
    db: Db,
}

impl Application {
    /// Connects and migrates the database, binds the listener and builds the server.
    pub fn build(settings: Settings) -> Result<Application, StartupError> {
        let mut settings = settings;
        let catalog = Arc::new(Catalog::shipped()?);
        let db = Db::connect(&settings.database, 8)?;
        let set_up = {
            let mut conn = db.conn()?;
            migrations::run_pending(&mut conn)?;
            accounts::is_set_up(&mut conn)?
        };
        let listener = TcpListener::bind(settings.bind).map_err(|source| StartupError::Bind {
            addr: settings.bind,
            source,
        })?;
        let port = listener
            .local_addr()
            .map_err(|source| StartupError::Bind {
                addr: settings.bind,
                source,
            })?
            .port();
        // Once it is clear that psa will serve (a failure is one line, `psa: error: …`).
        for (connection, durability) in db.durability()? {
            durability.log(connection);
        }
        if settings.public_url.port() == Some(0) {
            // Bound to a random port (tests): links must carry the real one.
            let _ = settings.public_url.set_port(Some(port));
        }
        let settings = Arc::new(settings);
        let setup_token: Option<Arc<str>> = (!set_up).then(|| Arc::from(new_token("")));
        let setup_link = setup_token
            .as_ref()
            .map(|token| settings.public_link(&format!("/setup?token={token}")));
        let state = AppState {
            db: db.clone(),
            settings: Arc::clone(&settings),
            login_limits: Arc::new(LoginLimits::new(&settings.guess_limits)),
            lookup_limits: Arc::new(LookupLimits::for_links(&settings.guess_limits)),
            share_limits: Arc::new(LookupLimits::for_shares(&settings.guess_limits)),
            catalog,
            setup_token,
        };
        let server = server(state.clone(), listener)?;
        Ok(Application {
            state,
            port,
            server,
            setup_link,
            settings,
            db,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The one-time setup link, while the instance has no owner.
    pub fn setup_link(&self) -> Option<&str> {
        self.setup_link.as_deref()
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Serves until SIGTERM or SIGINT, then finishes the requests in flight. Rounds open and
    /// close on schedule meanwhile.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let schedule = actix_web::rt::spawn(crate::http::schedule::run(self.state.clone()));
        let result = self.server.await;
        schedule.abort();
        result
    }

    /// The state handlers see (for tests that drive scheduled work).
    pub fn state(&self) -> &AppState {
        &self.state
    }
}

fn server(state: AppState, listener: TcpListener) -> Result<Server, StartupError> {
    let settings = Arc::clone(&state.settings);
    let session_key = Key::from(&settings.keys.session);
    let https = settings.is_https();
    let workers = match settings.workers {
        0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
        n => n,
    };
    let addr = settings.bind;
    let data = web::Data::new(state);
    let server = HttpServer::new(move || {
        let session =
            SessionMiddleware::builder(CookieSessionStore::default(), session_key.clone())
                .cookie_name(SESSION_COOKIE.to_owned())
                .cookie_secure(https)
                .cookie_http_only(true)
                .cookie_same_site(SameSite::Lax)
                .cookie_content_security(CookieContentSecurity::Signed)
                .session_lifecycle(BrowserSession::default())
                .build();
        App::new()
            .app_data(data.clone())
            .configure(api::extractor_configs)
            .configure(routes::configure)
            .default_service(web::to(HttpResponse::NotFound))
            .wrap(from_fn(timeouts::body_deadline))
            .wrap(from_fn(errors::shape_errors))
            .wrap(session)
            .wrap(headers::security_headers(https))
            .wrap(from_fn(logging::log_requests))
    })
    .workers(workers)
    .client_request_timeout(settings.client_timeouts.head)
    .client_disconnect_timeout(std::time::Duration::from_secs(1))
    .keep_alive(std::time::Duration::from_secs(5))
    .shutdown_timeout(30)
    .listen(listener)
    .map_err(|source| StartupError::Bind { addr, source })?
    .run();
    Ok(server)
}
