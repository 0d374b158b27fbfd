//! The `psa` binary: administration commands, clear one-line errors for bad configuration,
//! logs without secrets, graceful shutdown.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use psa::keys::Keys;

use crate::helpers::{PASSWORD, TestDatabase};

pub(crate) fn psa(database: &TestDatabase) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_psa"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("PSA_DATABASE_URL", database.env_url())
        .env("PSA_DATA_DIR", database.data_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if database.is_postgres() {
        for line in Keys::generate_env_lines().lines() {
            let (name, value) = line.split_once('=').unwrap();
            command.env(name, value);
        }
    }
    command
}

pub(crate) fn run(mut command: Command, stdin: &str) -> Output {
    let mut child = command.spawn().expect("psa starts");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A failure is one line, `psa: error: …`, and a non-zero exit; never a panic or backtrace.
pub(crate) fn assert_one_line_error(output: &Output, expected: &str) {
    let stderr = text(&output.stderr);
    assert!(!output.status.success(), "should fail: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(stderr.starts_with("psa: error: "), "{stderr}");
    assert!(stderr.contains(expected), "{expected:?} in {stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{stderr}"
    );
}

#[test]
fn administration_commands_set_up_the_instance_without_a_browser() {
    let database = TestDatabase::new();
    let mut setup = psa(&database);
    setup.args([
        "setup",
        "--email",
        "owner@example.nl",
        "--org",
        "Zorg BV",
        "--password-stdin",
    ]);
    let output = run(setup, &format!("{PASSWORD}\n"));
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("created owner owner@example.nl"));

    let mut again = psa(&database);
    again.args([
        "setup",
        "--email",
        "other@example.nl",
        "--org",
        "Ander BV",
        "--password-stdin",
    ]);
    assert_one_line_error(&run(again, &format!("{PASSWORD}\n")), "set up already");

    let mut add = psa(&database);
    add.args([
        "user",
        "add",
        "--email",
        "hr@example.nl",
        "--role",
        "hr",
        "--password-stdin",
    ]);
    let output = run(add, &format!("{PASSWORD}\n"));
    assert!(
        output.status.success(),
        "--org may be left out with one organisation: {}",
        text(&output.stderr)
    );

    let mut org = psa(&database);
    org.args(["org", "add", "--name", "Ander BV", "--headcount", "12"]);
    let output = run(org, "");
    assert!(output.status.success(), "{}", text(&output.stderr));

    let mut ambiguous = psa(&database);
    ambiguous.args([
        "user",
        "add",
        "--email",
        "x@example.nl",
        "--role",
        "hr",
        "--password-stdin",
    ]);
    assert_one_line_error(
        &run(ambiguous, &format!("{PASSWORD}\n")),
        "choose one with --org",
    );

    let mut bad_role = psa(&database);
    bad_role.args([
        "user",
        "add",
        "--email",
        "x@example.nl",
        "--role",
        "king",
        "--org",
        "Ander BV",
    ]);
    let output = run(bad_role, "");
    assert!(!output.status.success());
    assert!(text(&output.stderr).contains("unknown role"));

    let mut list = psa(&database);
    list.args(["user", "list"]);
    let listed = text(&run(list, "").stdout);
    assert!(
        listed.contains("owner@example.nl (owner)\tZorg BV: admin,hr"),
        "{listed}"
    );
    assert!(listed.contains("hr@example.nl\tZorg BV: hr"), "{listed}");

    let mut orgs = psa(&database);
    orgs.args(["org", "list"]);
    let listed = text(&run(orgs, "").stdout);
    assert!(
        listed.contains("Ander BV") && listed.contains("headcount 12"),
        "{listed}"
    );

    let mut token = psa(&database);
    token.args([
        "token",
        "create",
        "--email",
        "hr@example.nl",
        "--org",
        "Zorg BV",
    ]);
    let output = run(token, "");
    assert!(output.status.success(), "{}", text(&output.stderr));
    let secret = text(&output.stdout).trim().to_owned();
    assert!(secret.starts_with("psa_") && secret.len() > 40, "{secret}");
    let mut no_role = psa(&database);
    no_role.args([
        "token",
        "create",
        "--email",
        "hr@example.nl",
        "--org",
        "Ander BV",
    ]);
    assert_one_line_error(&run(no_role, ""), "has no role in Ander BV");

    // Each change is in the audit log, by the command line.
    let mut conn = psa::db::DbConnection::open(&database.url).unwrap();
    let scopes: Vec<(String, String, String)> = {
        use diesel::prelude::*;
        use psa::db::schema::audit_log as log;
        log::table
            .order((log::organisation_id, log::seq))
            .select((log::organisation_id, log::action, log::actor))
            .load(&mut conn)
            .unwrap()
    };
    let actions = |scope: &str| -> Vec<&str> {
        scopes
            .iter()
            .filter(|(s, _, _)| (s == "instance") == (scope == "instance"))
            .map(|(_, action, actor)| {
                assert_eq!(actor, "psa (command line)");
                action.as_str()
            })
            .collect()
    };
    assert_eq!(actions("instance"), ["set_up", "create_organisation"]);
    assert_eq!(actions("Zorg BV"), ["add_member", "create_token"]);

    for sub in [
        vec!["--help"],
        vec!["user", "add", "--help"],
        vec!["token", "create", "--help"],
        vec!["org", "list", "--help"],
    ] {
        let mut help = psa(&database);
        help.args(&sub);
        let output = run(help, "");
        assert!(
            output.status.success() && text(&output.stdout).contains("Usage"),
            "{sub:?}"
        );
    }
}

#[test]
fn bad_configuration_is_one_clear_line() {
    let database = TestDatabase::new();
    let mut malformed = psa(&database);
    malformed.env("PSA_DATABASE_URL", "mysql://localhost/psa");
    assert_one_line_error(&run(malformed, ""), "PSA_DATABASE_URL");

    let mut unreachable = psa(&database);
    unreachable.env("PSA_DATABASE_URL", "postgres://psa:geheim@127.0.0.1:1/psa");
    for line in Keys::generate_env_lines().lines() {
        let (name, value) = line.split_once('=').unwrap();
        unreachable.env(name, value);
    }
    let output = run(unreachable, "");
    assert_one_line_error(&output, "cannot connect to the database");
    assert!(
        !text(&output.stderr).contains("geheim"),
        "no password in messages"
    );

    let mut keyless = psa(&database);
    keyless
        .env_remove("PSA_SESSION_KEY")
        .env("PSA_DATABASE_URL", "postgres://127.0.0.1/psa");
    assert_one_line_error(&run(keyless, ""), "PSA_SESSION_KEY is not set");

    let mut unwritable = psa(&database);
    unwritable
        .env("PSA_DATABASE_URL", "")
        .env("PSA_DATA_DIR", "/dev/null/psa");
    assert_one_line_error(&run(unwritable, ""), "is not writable");

    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut in_use = psa(&database);
    in_use.env("PSA_BIND", taken.local_addr().unwrap().to_string());
    assert_one_line_error(&run(in_use, ""), "cannot listen on");
}

#[test]
fn the_server_logs_no_secrets_or_addresses_and_stops_gracefully() {
    let database = TestDatabase::new();
    let (mut child, address, mut stdout) = serve(&database);
    let mut second = String::new();
    stdout.read_line(&mut second).unwrap();
    assert!(
        second.contains("/setup?token="),
        "prints the setup link: {second}"
    );
    let setup_token = second
        .split("token=")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = reqwest::Client::new();
        for path in [
            format!("/setup?token={setup_token}"),
            "/s/secret-survey-token-123".to_owned(),
            "/inspect/secret-share-456".to_owned(),
            "/read/secret-share-456".to_owned(),
        ] {
            client.get(format!("{address}{path}")).send().await.unwrap();
        }
        client
            .get(format!("{address}/api/v1/me"))
            .bearer_auth("psa_secret-bearer-789")
            .send()
            .await
            .unwrap();
    });

    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "psa stops on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "graceful shutdown exits 0: {status}");
    let mut logs = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut logs).unwrap();
    let requests: Vec<&str> = logs.lines().filter(|l| l.contains("status=")).collect();
    assert_eq!(requests.len(), 5, "{logs}");
    for secret in [
        setup_token.as_str(),
        "secret-survey-token-123",
        "secret-share-456",
        "secret-bearer-789",
        "127.0.0.1",
    ] {
        assert!(
            !requests.iter().any(|l| l.contains(secret)),
            "{secret} leaked: {logs}"
        );
    }
    assert!(
        requests.iter().all(|l| l.contains("request{id=")),
        "request ids: {logs}"
    );
}

/// Starts `psa serve` on a random port; returns the child, its address, and its standard output
/// (kept open: a closed pipe would make the server's next line fail).
pub(crate) fn serve(
    database: &TestDatabase,
) -> (
    std::process::Child,
    String,
    BufReader<std::process::ChildStdout>,
) {
    serve_logging(database, "info")
}

/// As `serve`, logging at `level`.
fn serve_logging(
    database: &TestDatabase,
    level: &str,
) -> (
    std::process::Child,
    String,
    BufReader<std::process::ChildStdout>,
) {
    let mut serve = psa(database);
    serve.env("PSA_BIND", "127.0.0.1:0").env("PSA_LOG", level);
    let mut child = serve.spawn().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let address = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .trim_end_matches('/')
        .to_owned();
    (child, address, stdout)
}

/// `psa setup`: the owner `hr@example.nl` (admin and HR) of "Zorg BV".
pub(crate) fn set_up_by_cli(database: &TestDatabase) {
    let mut setup = psa(database);
    setup.args([
        "setup",
        "--email",
        "hr@example.nl",
        "--org",
        "Zorg BV",
        "--password-stdin",
    ]);
    assert!(run(setup, &format!("{PASSWORD}\n")).status.success());
}

/// A bearer token for `email` from `psa token create`.
pub(crate) fn bearer_by_cli(database: &TestDatabase, email: &str) -> String {
    let mut token = psa(database);
    token.args(["token", "create", "--email", email]);
    text(&run(token, "").stdout).trim().to_owned()
}

#[test]
fn answering_leaves_neither_token_nor_address_in_the_log() {
    let database = TestDatabase::new();
    set_up_by_cli(&database);
    let bearer = bearer_by_cli(&database, "hr@example.nl");
    let (mut child, address, _stdout) = serve(&database);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (link, code) = runtime.block_on(async {
        let client = reqwest::Client::new();
        let api = |path: &str| client.post(format!("{address}{path}")).bearer_auth(&bearer);
        let round: serde_json::Value = api("/api/v1/rounds")
            .json(&serde_json::json!({"name": "R", "questionnaire_id": "psa-basis"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = round["id"].as_str().unwrap();
        api(&format!("/api/v1/rounds/{id}/open"))
            .send()
            .await
            .unwrap();
        let links: serde_json::Value = api(&format!("/api/v1/rounds/{id}/invitations"))
            .json(&serde_json::json!({"count": 2}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let link = links[0]["url"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_owned();
        let code = links[1]["code"].as_str().unwrap().to_owned();
        assert_eq!(
            client
                .get(format!("{address}/s/{link}"))
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
        let stored = client
            .post(format!("{address}/api/v1/respond/{link}"))
            .json(&serde_json::json!({"items": {"pe1": 2}}))
            .send()
            .await
            .unwrap();
        assert_eq!(stored.status(), 201);
        let typed = client
            .post(format!("{address}/s"))
            .form(&[("code", code.as_str())])
            .send()
            .await
            .unwrap();
        assert!(typed.status().is_success() || typed.status().is_redirection());
        (link, code)
    });
    let pid = child.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    child.wait().unwrap();
    let mut logs = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut logs).unwrap();
    assert!(
        logs.contains("route=/api/v1/respond/{token}") && logs.contains("route=/s/{token}"),
        "{logs}"
    );
    let code = code.replace('-', "");
    for secret in [
        link.as_str(),
        &code[..5],
        &code[5..],
        bearer.as_str(),
        "127.0.0.1:",
    ] {
        let leaked = logs
            .lines()
            .filter(|l| l.contains("status="))
            .any(|l| l.contains(secret));
        assert!(!leaked, "{secret} in the log: {logs}");
    }
}

#[test]
fn a_counsellors_case_leaves_nothing_in_the_log_or_the_general_access_log() {
    let database = TestDatabase::new();
    set_up_by_cli(&database);
    let bearer = |email: &str| bearer_by_cli(&database, email);
    let admin = bearer("hr@example.nl");
    let (mut child, address, _stdout) = serve_logging(&database, "debug");
    let secrets = [
        "Geheim-Alfa",
        "Geheim-Bravo",
        "Geheim-Charlie",
        "Geheim-Delta",
    ];

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let reference = runtime.block_on(async {
        let client = reqwest::Client::new();
        let added = client
            .post(format!("{address}/api/v1/members"))
            .bearer_auth(&admin)
            .json(&serde_json::json!({"email": "vpo@example.nl", "password": PASSWORD, "role": "vpo"}))
            .send()
            .await
            .unwrap();
        assert_eq!(added.status(), 201);
        let vpo = bearer("vpo@example.nl");
        let call = |method: reqwest::Method, path: &str| {
            client
                .request(method, format!("{address}{path}"))
                .bearer_auth(&vpo)
        };
        let case: serde_json::Value = call(reqwest::Method::POST, "/api/v1/vpo/cases")
            .json(&serde_json::json!({"first_contact": psa::calendar::today(), "channel": "phone",
                "behaviours": ["pesten"], "in_scope": true, "agreements": secrets[0]}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let path = format!("/api/v1/vpo/cases/{}", case["id"].as_str().unwrap());
        let noted = call(reqwest::Method::POST, &format!("{path}/notes"))
            .json(&serde_json::json!({"text": secrets[1]}))
            .send()
            .await
            .unwrap();
        assert_eq!(noted.status(), 201);
        let changed = call(reqwest::Method::PATCH, &path)
            .json(&serde_json::json!({"case_report": secrets[2]}))
            .send()
            .await
            .unwrap();
        assert_eq!(changed.status(), 200);
        let refused = call(reqwest::Method::PATCH, &path)
            .json(&serde_json::json!({"case_report": secrets[3], "nonsense": true}))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 422);
        let read = call(reqwest::Method::GET, &path).send().await.unwrap();
        assert!(read.text().await.unwrap().contains(secrets[2]));
        case["reference"].as_str().unwrap().to_owned()
    });
    let pid = child.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    child.wait().unwrap();
    let mut logs = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut logs).unwrap();
    assert!(logs.contains("route=/api/v1/vpo/cases/{id}"), "{logs}");
    for secret in secrets.iter().chain([&reference.as_str()]) {
        assert!(!logs.contains(secret), "{secret} in the log: {logs}");
    }
    use diesel::prelude::*;
    let db = database.connect();
    let mut conn = db.conn().unwrap();
    let general: Vec<(String, String)> = psa::db::schema::access_log::table
        .select((
            psa::db::schema::access_log::actor,
            psa::db::schema::access_log::what,
        ))
        .load(&mut *conn)
        .unwrap();
    assert!(
        general.is_empty(),
        "the general access log knows nothing of cases: {general:?}"
    );
}

#[test]
fn no_password_token_code_or_key_reaches_the_log_even_at_trace_level() {
    let database = TestDatabase::new();
    set_up_by_cli(&database);
    let mut command = psa(&database);
    command
        .env("PSA_BIND", "127.0.0.1:0")
        .env("PSA_LOG", "trace");
    // The keys in force: the environment's (PostgreSQL) and the generated files (SQLite).
    let mut secrets: Vec<String> = command
        .get_envs()
        .filter(|(name, _)| name.to_str().is_some_and(|n| n.ends_with("_KEY")))
        .filter_map(|(_, value)| value.and_then(|v| v.to_str()).map(str::to_owned))
        .collect();
    let mut child = command.spawn().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let address = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .trim_end_matches('/')
        .to_owned();
    if let Ok(files) = std::fs::read_dir(database.data_dir().join("keys")) {
        for file in files {
            secrets.push(
                std::fs::read_to_string(file.unwrap().path())
                    .unwrap()
                    .trim()
                    .to_owned(),
            );
        }
    }
    assert!(!secrets.is_empty(), "the keys are known");

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let found = runtime.block_on(async {
        let login = |password: &'static str| {
            let address = address.clone();
            async move {
                let browser = crate::helpers::browser();
                let page = browser
                    .get(format!("{address}/login"))
                    .send()
                    .await
                    .unwrap();
                let csrf = crate::helpers::csrf_of(&page.text().await.unwrap());
                let answer = browser
                    .post(format!("{address}/login"))
                    .form(&[
                        ("csrf", csrf.as_str()),
                        ("email", "hr@example.nl"),
                        ("password", password),
                    ])
                    .send()
                    .await
                    .unwrap();
                (browser, answer.status().as_u16(), csrf)
            }
        };
        let (_, wrong, _) = login("wrong-guess-password-42").await;
        assert_eq!(wrong, 401);
        let (browser, right, csrf) = login(PASSWORD).await;
        assert_eq!(right, 303);
        let me: serde_json::Value = browser
            .get(format!("{address}/api/v1/me"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let csrf_header = me["csrf_token"].as_str().unwrap().to_owned();
        let made: serde_json::Value = browser
            .post(format!("{address}/api/v1/tokens"))
            .header("X-CSRF-Token", &csrf_header)
            .json(&serde_json::json!({"label": "script"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let bearer = made["secret"].as_str().unwrap().to_owned();
        let client = reqwest::Client::new();
        let api = |path: &str| client.post(format!("{address}{path}")).bearer_auth(&bearer);
        let round: serde_json::Value = api("/api/v1/rounds")
            .json(&serde_json::json!({"name": "R", "questionnaire_id": "psa-basis"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = round["id"].as_str().unwrap();
        api(&format!("/api/v1/rounds/{id}/open"))
            .send()
            .await
            .unwrap();
        let links: serde_json::Value = api(&format!("/api/v1/rounds/{id}/invitations"))
            .json(&serde_json::json!({"count": 2}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let link = links[0]["url"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_owned();
        let code = links[1]["code"].as_str().unwrap().to_owned();
        client
            .get(format!("{address}/s/{link}"))
            .send()
            .await
            .unwrap();
        let stored = client
            .post(format!("{address}/api/v1/respond/{link}"))
            .json(&serde_json::json!({"items": {"pe1": 2}}))
            .send()
            .await
            .unwrap();
        assert_eq!(stored.status(), 201);
        client
            .post(format!("{address}/s"))
            .form(&[("code", code.as_str())])
            .send()
            .await
            .unwrap();
        client
            .get(format!("{address}/read/secret-share-0815"))
            .send()
            .await
            .unwrap();
        vec![bearer, link, code, csrf, csrf_header]
    });
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    child.wait().unwrap();
    let mut logs = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut logs).unwrap();
    assert!(logs.lines().count() > 20, "logged at trace level: {logs}");
    let code_plain = found[2].replace('-', "");
    for secret in found.iter().chain(&secrets).map(String::as_str).chain([
        PASSWORD,
        "wrong-guess-password-42",
        "secret-share-0815",
        code_plain.as_str(),
    ]) {
        assert!(!logs.contains(secret), "{secret} is in the log: {logs}");
    }
}
