//! `spawn_app()`: the real application on a random port with a fresh database: an SQLite file
//! per test, or a fresh PostgreSQL database per test when `PSA_TEST_POSTGRES_URL` is set
//! (dropped afterwards).

use std::path::PathBuf;

use diesel::{Connection, PgConnection, RunQueryDsl};
use psa::config::{DatabaseUrl, Options, Settings};
use psa::db::{Db, DbConnection, tokens};
use psa::domain::{Email, OrganisationId, OrganisationName, OrganisationSettings, Password, Role};
use psa::keys::Keys;
use psa::startup::Application;
use reqwest::redirect::Policy;
use tempfile::TempDir;

pub const PASSWORD: &str = "a long enough passphrase";

/// A fresh, empty database for one test.
pub struct TestDatabase {
    pub url: DatabaseUrl,
    pub dir: TempDir,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    pub fn new() -> TestDatabase {
        let dir = tempfile::tempdir().expect("temporary directory");
        match std::env::var("PSA_TEST_POSTGRES_URL")
            .ok()
            .filter(|u| !u.is_empty())
        {
            Some(admin_url) => {
                let name = format!(
                    "psa_test_{}",
                    psa::secret::new_id().to_lowercase().replace(['-', '_'], "")
                );
                let mut admin = PgConnection::establish(&admin_url)
                    .unwrap_or_else(|e| panic!("PSA_TEST_POSTGRES_URL {admin_url}: {e}"));
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .expect("create test database");
                let mut url = url::Url::parse(&admin_url).expect("PSA_TEST_POSTGRES_URL is a URL");
                url.set_path(&format!("/{name}"));
                TestDatabase {
                    url: DatabaseUrl::Postgres(url.to_string()),
                    dir,
                    postgres: Some((admin_url, name)),
                }
            }
            None => TestDatabase {
                url: DatabaseUrl::Sqlite(dir.path().join("psa.db")),
                dir,
                postgres: None,
            },
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.postgres.is_some()
    }

    /// A fresh PostgreSQL database for a test of what only PostgreSQL offers (several
    /// instances on one database); `None`, with a note, when `PSA_TEST_POSTGRES_URL` is not set.
    /// CI runs the suite on both databases, so such a test runs there in the PostgreSQL pass.
    pub fn postgres_only(test: &str) -> Option<TestDatabase> {
        let database = TestDatabase::new();
        if database.is_postgres() {
            return Some(database);
        }
        eprintln!("note: {test} needs PostgreSQL (PSA_TEST_POSTGRES_URL); skipped on SQLite");
        None
    }

    /// `PSA_DATABASE_URL` for this database.
    pub fn env_url(&self) -> String {
        match &self.url {
            DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
            DatabaseUrl::Postgres(url) => url.clone(),
        }
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Settings for this database; keys from the environment on PostgreSQL, as in production.
    pub fn settings(&self, public_url: Option<&str>) -> Settings {
        let key_lines = Keys::generate_env_lines();
        let env = move |var: &str| {
            key_lines
                .lines()
                .find_map(|line| line.strip_prefix(&format!("{var}=")).map(str::to_owned))
        };
        let options = Options {
            database_url: Some(self.env_url()),
            bind: Some("127.0.0.1:0".parse().expect("address")),
            public_url: public_url.map(str::to_owned),
            data_dir: Some(self.data_dir()),
            workers: Some(1),
            ..Options::default()
        };
        let use_env = self.is_postgres();
        Settings::resolve(options, move |var| if use_env { env(var) } else { None })
            .expect("test settings")
    }

    pub fn connect(&self) -> Db {
        Db::connect(&self.url, 2).expect("test database reachable")
    }

    /// PostgreSQL: ends every connection to this database, as a server restart does.
    pub fn terminate_connections(&self) {
        let (admin_url, name) = self.postgres.as_ref().expect("a PostgreSQL database");
        let mut admin = PgConnection::establish(admin_url).expect("admin connection");
        diesel::sql_query(format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
        ))
        .execute(&mut admin)
        .expect("terminate connections");
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = &self.postgres
            && let Ok(mut admin) = PgConnection::establish(admin_url)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut admin);
        }
    }
}

pub struct TestApp {
    pub address: String,
    /// What the handlers see, for driving scheduled work.
    pub state: psa::http::AppState,
    pub db: Db,
    pub setup_link: Option<String>,
    /// Kept so that the database (and its directory) lives as long as the app.
    pub _database: TestDatabase,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(None).await
}

pub async fn spawn_app_with(public_url: Option<&str>) -> TestApp {
    spawn_app_configured(public_url, |_| {}).await
}

/// The app with settings changed by `configure`.
pub async fn spawn_app_configured(
    public_url: Option<&str>,
    configure: impl FnOnce(&mut Settings),
) -> TestApp {
    spawn_app_on(TestDatabase::new(), public_url, configure).await
}

/// The app on `database`, with settings changed by `configure`.
pub async fn spawn_app_on(
    database: TestDatabase,
    public_url: Option<&str>,
    configure: impl FnOnce(&mut Settings),
) -> TestApp {
    let mut settings = database.settings(public_url);
    configure(&mut settings);
    let app = Application::build(settings).expect("application builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let setup_link = app.setup_link().map(str::to_owned);
    let db = app.db().clone();
    let state = app.state().clone();
    actix_web::rt::spawn(app.run_until_stopped());
    TestApp {
        address,
        state,
        db,
        setup_link,
        _database: database,
    }
}

/// A browser-like client: keeps cookies, does not follow redirects.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .expect("client")
}

/// The value of the hidden `csrf` field of a page.
pub fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("page has a CSRF field") + marker.len();
    html[start..]
        .split('"')
        .next()
        .expect("closing quote")
        .to_owned()
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub fn conn(&self) -> impl std::ops::DerefMut<Target = DbConnection> + '_ {
        self.db.conn().expect("connection")
    }

    /// Sets the instance up directly: the owner `owner@example.nl` and organisation "Zorg BV".
    pub fn set_up(&self) -> OrganisationId {
        let (_, organisation) = psa::accounts::setup_instance(
            &mut self.conn(),
            &Email::parse("owner@example.nl").expect("email"),
            &Password::parse(PASSWORD).expect("password"),
            &OrganisationSettings::new(OrganisationName::parse("Zorg BV").expect("name")),
        )
        .expect("setup");
        organisation.id
    }

    /// Creates an organisation directly.
    pub fn add_organisation(&self, name: &str) -> OrganisationId {
        psa::accounts::create_organisation(
            &mut self.conn(),
            &OrganisationSettings::new(OrganisationName::parse(name).expect("name")),
        )
        .expect("organisation")
        .id
    }

    /// Gives `email` the `role` in `organisation`, creating the account with `PASSWORD`.
    pub fn add_member(&self, organisation: &OrganisationId, email: &str, role: Role) {
        psa::accounts::add_member(
            &mut self.conn(),
            organisation,
            &Email::parse(email).expect("email"),
            Some(&Password::parse(PASSWORD).expect("password")),
            role,
        )
        .expect("member");
    }

    /// A bearer token for `email` in `organisation`.
    pub fn token(&self, organisation: &OrganisationId, email: &str) -> String {
        let mut conn = self.conn();
        let user = psa::db::accounts::find_user(&mut conn, &Email::parse(email).expect("email"))
            .expect("query")
            .expect("user exists");
        tokens::create(&mut conn, organisation, &user.id, "test")
            .expect("token")
            .1
    }

    /// A browser logged in as `email`.
    pub async fn login(&self, email: &str) -> reqwest::Client {
        let client = browser();
        let status = self.try_login(&client, email, PASSWORD).await.status();
        assert_eq!(status, 303, "login as {email}");
        client
    }

    pub async fn try_login(
        &self,
        client: &reqwest::Client,
        email: &str,
        password: &str,
    ) -> reqwest::Response {
        let page = client
            .get(self.url("/login"))
            .send()
            .await
            .expect("login page");
        let csrf = csrf_of(&page.text().await.expect("body"));
        client
            .post(self.url("/login"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("email", email),
                ("password", password),
            ])
            .send()
            .await
            .expect("login request")
    }

    /// The CSRF token a session caller sends as `X-CSRF-Token`.
    pub async fn csrf_header(&self, client: &reqwest::Client) -> String {
        let me: serde_json::Value = client
            .get(self.url("/api/v1/me"))
            .send()
            .await
            .expect("me")
            .json()
            .await
            .expect("json");
        me["csrf_token"]
            .as_str()
            .expect("session callers get a csrf token")
            .to_owned()
    }
}

/// Asserts that a response is a problem document with this status and type slug.
pub async fn assert_problem(
    response: reqwest::Response,
    status: u16,
    slug: &str,
) -> serde_json::Value {
    assert_eq!(
        response.status().as_u16(),
        status,
        "status of {}",
        response.url()
    );
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        content_type.starts_with("application/problem+json"),
        "content type {content_type}"
    );
    let body: serde_json::Value = response.json().await.expect("problem json");
    assert_eq!(body["type"], format!("urn:psa:problem:{slug}"), "{body}");
    assert_eq!(body["status"], status);
    assert!(
        body["title"].is_string() && body["detail"].is_string(),
        "{body}"
    );
    body
}

/// A program calling the JSON API with a bearer token.
pub struct Api {
    base: String,
    token: String,
    client: reqwest::Client,
}

impl TestApp {
    pub fn api(&self, token: &str) -> Api {
        Api::at(&self.address, token)
    }
}

impl Api {
    /// A program calling the API of the server at `base` (`http://host:port`).
    pub fn at(base: &str, token: &str) -> Api {
        Api {
            base: base.to_owned(),
            token: token.to_owned(),
            client: browser(),
        }
    }

    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
    }

    /// Sends `body` (if any) as JSON.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> reqwest::Response {
        let mut request = self.request(method, path);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("request")
    }

    /// GETs `path`, expecting 200 and JSON.
    pub async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        let response = self.send(reqwest::Method::GET, path, None).await;
        assert_eq!(response.status(), 200, "GET {path}");
        response.json().await.expect("json")
    }

    pub async fn post(&self, path: &str, body: serde_json::Value) -> reqwest::Response {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: serde_json::Value) -> reqwest::Response {
        self.send(reqwest::Method::PATCH, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> reqwest::Response {
        self.send(reqwest::Method::DELETE, path, None).await
    }
}

/// A PDF's text as `pdftotext` reads it (with `-layout` when `layout`); `None`, with a note,
/// where the tool is missing, which fails on CI.
pub fn pdftotext(pdf: &[u8], layout: bool) -> Option<String> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("file.pdf");
    std::fs::write(&path, pdf).expect("written");
    let mut command = std::process::Command::new("pdftotext");
    if layout {
        command.arg("-layout");
    }
    match command.args(["-enc", "UTF-8"]).arg(&path).arg("-").output() {
        Ok(out) if out.status.success() => Some(String::from_utf8_lossy(&out.stdout).into_owned()),
        Ok(out) => panic!("pdftotext failed: {}", String::from_utf8_lossy(&out.stderr)),
        Err(e) => {
            assert_ne!(
                std::env::var("CI").as_deref(),
                Ok("true"),
                "pdftotext is missing on CI: {e}"
            );
            eprintln!("note: pdftotext not found ({e}); the PDF's text was not checked");
            None
        }
    }
}
