//! `psa backup` and `psa restore` with the real binary: a backup taken while `psa serve` runs and
//! takes submissions brings back, after the database was damaged, everything as it was at the
//! backup (rounds, responses, results, the plan and its chain, shares, VPO cases and notes);
//! restore refuses a running service and files that are no psa database of this release.

use std::process::{Child, Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use diesel::{Connection, RunQueryDsl, SqliteConnection};
use psa::config::DatabaseUrl;
use psa::keys::Keys;
use serde_json::{Value, json};

use crate::cli::{assert_one_line_error, bearer_by_cli, psa, run, serve, set_up_by_cli, text};
use crate::helpers::{Api, PASSWORD, TestDatabase};

/// `psa serve` as a child process.
struct Service {
    child: Child,
    address: String,
    /// Kept open: a closed pipe would make the server's next line fail.
    _stdout: std::io::BufReader<std::process::ChildStdout>,
}

impl Service {
    fn start(database: &TestDatabase) -> Service {
        let (child, address, stdout) = serve(database);
        Service {
            child,
            address,
            _stdout: stdout,
        }
    }

    /// SIGTERM, and waits until it has exited.
    fn stop(mut self) {
        let pid = self.child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success()
        );
        let started = Instant::now();
        while self.child.try_wait().unwrap().is_none() {
            assert!(started.elapsed() < Duration::from_secs(20), "psa stops");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Runs `psa ARGS` to its end.
fn psa_command(database: &TestDatabase, args: &[&str]) -> Output {
    let mut command = psa(database);
    command.args(args);
    run(command, "")
}

fn token_of(invitation: &Value) -> String {
    crate::rounds::token_of(invitation)
}

async fn submit(address: &str, token: &str, pe1: u8) -> u16 {
    let body = json!({"items": {"pe1": pe1, "pe2": 1, "pe3": 1, "pe4": 1, "pe5": 1}});
    reqwest::Client::new()
        .post(format!("{address}/api/v1/respond/{token}"))
        .json(&body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Whether an invitation link still takes an answer (200) or was spent (404).
async fn link_status(address: &str, token: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{address}/api/v1/respond/{token}"))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn created(response: reqwest::Response) -> Value {
    assert_eq!(response.status(), 201, "{}", response.url());
    response.json().await.unwrap()
}

/// Everything the backup must bring back, as the API shows it (the open round's count apart).
async fn state(hr: &Api, vpo: &Api, closed: &str, case: &str) -> Value {
    json!({
        "rounds": hr.get::<Value>("/api/v1/rounds").await,
        "results": hr.get::<Value>(&format!("/api/v1/rounds/{closed}/results")).await,
        "progress": hr.get::<Value>(&format!("/api/v1/rounds/{closed}/progress")).await,
        "plan": hr.get::<Value>("/api/v1/plan").await,
        "history": hr.get::<Value>("/api/v1/plan/history").await,
        "shares": hr.get::<Value>("/api/v1/shares").await,
        "cases": vpo.get::<Value>("/api/v1/vpo/cases").await,
        "case": vpo.get::<Value>(&format!("/api/v1/vpo/cases/{case}")).await,
    })
}

#[test]
fn a_backup_taken_while_psa_serves_and_takes_answers_brings_everything_back() {
    let database = TestDatabase::new();
    if database.is_postgres() {
        eprintln!("note: psa backup copies SQLite only; on PostgreSQL its error is tested");
        return;
    }
    set_up_by_cli(&database);
    let mut add = psa(&database);
    add.args([
        "user",
        "add",
        "--email",
        "vpo@example.nl",
        "--role",
        "vpo",
        "--password-stdin",
    ]);
    assert!(run(add, &format!("{PASSWORD}\n")).status.success());
    let hr_token = bearer_by_cli(&database, "hr@example.nl");
    let vpo_token = bearer_by_cli(&database, "vpo@example.nl");
    let service = Service::start(&database);
    let address = service.address.clone();
    let hr = Api::new(&address, &hr_token);
    let vpo = Api::new(&address, &vpo_token);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let backup_file = database.dir.path().join("backups").join("psa-backup.db");
    std::fs::create_dir_all(backup_file.parent().unwrap()).unwrap();
    let backup_path = backup_file.to_str().unwrap().to_owned();

    let (closed, open, case, before, early, during) = runtime.block_on(async {
        let units = crate::rounds::import(&hr, "A\nB\n").await;
        let a = crate::rounds::unit_id(&units, "A").to_owned();
        // A closed round with results.
        let round = crate::rounds::open_round(
            &hr,
            json!({"name": "2026", "questionnaire_id": "psa-basis", "min_group_size": 5}),
        )
        .await;
        let closed = round["id"].as_str().unwrap().to_owned();
        for (i, link) in crate::rounds::invite(&hr, &round, &a, 6)
            .await
            .iter()
            .enumerate()
        {
            let pe1 = if i < 3 { 4 } else { 1 };
            assert_eq!(submit(&address, &token_of(link), pe1).await, 201);
        }
        crate::results::close(&hr, &closed).await;
        // The plan: an item by hand, then changed, so that its history has a chain.
        let item = created(
            hr.post(
                "/api/v1/plan/items",
                json!({"category": "pesten", "unit_id": a, "measure": "Gedragscode bespreken",
                       "level": "collective", "priority": 3, "signal": "manual"}),
            )
            .await,
        )
        .await;
        let item_path = format!("/api/v1/plan/items/{}", item["id"].as_str().unwrap());
        let changed = hr
            .patch(
                &item_path,
                json!({"owner_name": "J. de Vries", "owner_email": "j@example.nl", "status": "in_progress"}),
            )
            .await;
        assert_eq!(changed.status(), 200);
        let expires = (psa::calendar::today() + chrono::Days::new(30)).to_string();
        created(
            hr.post(
                "/api/v1/shares",
                json!({"kind": "read", "round_id": closed, "expires_on": expires, "label": "OR"}),
            )
            .await,
        )
        .await;
        // A VPO case with sealed agreements and notes.
        let case = created(
            vpo.post(
                "/api/v1/vpo/cases",
                json!({"first_contact": psa::calendar::today().to_string(), "channel": "phone",
                       "behaviours": ["pesten"], "sources": ["collega"], "in_scope": true,
                       "agreements": "Melder wil eerst zelf het gesprek aangaan."}),
            )
            .await,
        )
        .await;
        let case = case["id"].as_str().unwrap().to_owned();
        for note in ["Eerste gesprek in de kantine.", "Tweede gesprek: rustiger."] {
            created(
                vpo.post(
                    &format!("/api/v1/vpo/cases/{case}/notes"),
                    json!({ "text": note }),
                )
                .await,
            )
            .await;
        }
        // An open round with answers in the inbox, and links left for answers during the backup.
        let round = crate::rounds::open_round(
            &hr,
            json!({"name": "2027", "questionnaire_id": "psa-basis", "min_group_size": 5}),
        )
        .await;
        let open = round["id"].as_str().unwrap().to_owned();
        let links: Vec<String> = crate::rounds::invite(&hr, &round, &a, 1000)
            .await
            .iter()
            .map(token_of)
            .collect();
        let (early, later) = links.split_at(10);
        for token in early {
            assert_eq!(submit(&address, token, 1).await, 201);
        }
        let before = state(&hr, &vpo, &closed, &case).await;

        // Answers keep arriving while the backup runs.
        let answered = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let submitter = tokio::spawn({
            let (address, later) = (address.clone(), later.to_vec());
            let (answered, stop) = (answered.clone(), stop.clone());
            async move {
                let mut during = Vec::new();
                for token in later {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    assert_eq!(submit(&address, &token, 1).await, 201);
                    during.push(token);
                    answered.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
                during
            }
        });
        let answers_reach = |n: usize| {
            let (answered, started) = (answered.clone(), Instant::now());
            async move {
                while answered.load(Ordering::SeqCst) < n {
                    assert!(started.elapsed() < Duration::from_secs(30), "{n} answers");
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            }
        };
        answers_reach(3).await;
        let acknowledged_before_backup = answered.load(Ordering::SeqCst);
        let backup = {
            let mut command = psa(&database);
            command.args(["backup", &backup_path]);
            tokio::task::spawn_blocking(move || run(command, ""))
                .await
                .unwrap()
        };
        let after_backup = answered.load(Ordering::SeqCst);
        answers_reach(after_backup + 3).await;
        stop.store(true, Ordering::SeqCst);
        let during = submitter.await.unwrap();
        let stdout = text(&backup.stdout);
        assert!(backup.status.success(), "{}", text(&backup.stderr));
        assert!(
            stdout.contains("integrity check ok") && stdout.contains("VPO cases: 1"),
            "{stdout}"
        );
        assert!(stdout.contains("keys"), "says the keys are apart: {stdout}");
        for private in ["vpo@example.nl", "kantine", "J. de Vries"] {
            assert!(!stdout.contains(private), "{private} in {stdout}");
        }
        assert!(
            during.len() > after_backup,
            "answers arrived after the backup too"
        );
        (
            closed,
            open,
            case,
            before,
            acknowledged_before_backup,
            during,
        )
    });
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&backup_file)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the backup is private");
    }

    // Never over an existing file without being told; never while the service runs.
    let backup_bytes = std::fs::read(&backup_file).unwrap();
    assert_one_line_error(
        &psa_command(&database, &["backup", &backup_path]),
        "--overwrite",
    );
    assert_eq!(std::fs::read(&backup_file).unwrap(), backup_bytes);
    assert_one_line_error(
        &psa_command(&database, &["restore", &backup_path]),
        "is in use",
    );

    // Changes after the backup, which the restore takes back.
    runtime.block_on(async {
        let added = hr
            .post(
                "/api/v1/plan/items",
                json!({"category": "werkdruk", "measure": "Na de back-up", "level": "source",
                       "priority": 2, "signal": "manual"}),
            )
            .await;
        assert_eq!(added.status(), 201);
        let noted = vpo
            .post(
                &format!("/api/v1/vpo/cases/{case}/notes"),
                json!({"text": "Na de back-up."}),
            )
            .await;
        assert_eq!(noted.status(), 201);
    });
    service.stop();

    // The database is damaged.
    let DatabaseUrl::Sqlite(db_path) = &database.url else {
        unreachable!()
    };
    let mut damaged = std::fs::read(db_path).unwrap();
    damaged[..4096].fill(0x5a);
    std::fs::write(db_path, &damaged).unwrap();

    // Files that are no psa database of this release are refused, and nothing is touched.
    let dir = database.dir.path();
    let plain = dir.join("notes.txt");
    std::fs::write(&plain, "just some text, long enough to look like something").unwrap();
    let foreign = dir.join("other.db");
    let mut other = SqliteConnection::establish(foreign.to_str().unwrap()).unwrap();
    diesel::sql_query("CREATE TABLE t (x INTEGER)")
        .execute(&mut other)
        .unwrap();
    drop(other);
    let newer = dir.join("newer.db");
    std::fs::copy(&backup_file, &newer).unwrap();
    let mut later = SqliteConnection::establish(newer.to_str().unwrap()).unwrap();
    diesel::sql_query("INSERT INTO __diesel_schema_migrations (version) VALUES ('99991231000000')")
        .execute(&mut later)
        .unwrap();
    drop(later);
    for (file, expected) in [
        (&plain, "is not a psa database"),
        (&foreign, "is not a psa database"),
        (&newer, "comes from a newer psa"),
        (&dir.join("missing.db"), "No such file"),
    ] {
        assert_one_line_error(
            &psa_command(&database, &["restore", file.to_str().unwrap()]),
            expected,
        );
        assert_eq!(
            std::fs::read(db_path).unwrap(),
            damaged,
            "untouched after {file:?}"
        );
    }

    let output = psa_command(&database, &["restore", &backup_path]);
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        stdout.contains("the database it replaced was removed"),
        "{stdout}"
    );
    assert!(stdout.contains("run `psa purge`"), "{stdout}");
    assert!(stdout.contains("keys are not in the database"), "{stdout}");
    assert!(!stdout.contains("warning"), "the keys were there: {stdout}");
    let leftovers: Vec<String> = std::fs::read_dir(db_path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains("partial") || name.contains("before-restore"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let purged = text(&psa_command(&database, &["purge"]).stdout);
    assert!(purged.contains("0 case(s)"), "{purged}");

    // Restored where there are no keys yet, it says that the new ones open nothing of it.
    let elsewhere = dir.join("elsewhere");
    let mut fresh = psa(&database);
    fresh
        .env("PSA_DATA_DIR", &elsewhere)
        .env(
            "PSA_DATABASE_URL",
            format!("sqlite://{}", elsewhere.join("psa.db").display()),
        )
        .args(["restore", &backup_path]);
    let output = run(fresh, "");
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(stdout.contains("there was no database before"), "{stdout}");
    assert!(
        stdout.contains("warning: there was no notes key, so new keys were made"),
        "{stdout}"
    );

    let service = Service::start(&database);
    let address = service.address.clone();
    let hr = Api::new(&address, &hr_token);
    let vpo = Api::new(&address, &vpo_token);
    runtime.block_on(async {
        let after = state(&hr, &vpo, &closed, &case).await;
        assert_eq!(after, before, "everything as it was at the backup");
        assert_eq!(after["history"]["intact"], true);
        let audit: Value = hr.get("/api/v1/audit-log").await;
        assert_eq!(audit["intact"], true, "{audit}");
        assert_eq!(
            audit["entries"][0]["action"], "restore_backup",
            "the restore is on the record"
        );
        let notes: Vec<&str> = after["case"]["notes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["text"].as_str().unwrap())
            .collect();
        assert_eq!(notes.len(), 2, "sealed notes open with the same keys");
        assert!(
            notes.contains(&"Eerste gesprek in de kantine."),
            "{notes:?}"
        );
        assert_eq!(
            after["case"]["agreements"],
            "Melder wil eerst zelf het gesprek aangaan."
        );

        // The open round holds exactly the answers committed before the backup's snapshot:
        // each of the links answered meanwhile is either spent and counted, or usable again.
        let mut spent = 0;
        for (i, token) in during.iter().enumerate() {
            match link_status(&address, token).await {
                404 => spent += 1,
                200 => assert!(i >= early, "acknowledged before the backup began: {i}"),
                other => panic!("link {i}: {other}"),
            }
        }
        assert!(
            spent < during.len(),
            "answers after the backup are not in it"
        );
        let progress: Value = hr.get(&format!("/api/v1/rounds/{open}/progress")).await;
        assert_eq!(progress["responded"], 10 + spent, "{progress}");
        crate::results::close(&hr, &open).await;
        let results = hr
            .send(
                reqwest::Method::GET,
                &format!("/api/v1/rounds/{open}/results"),
                None,
            )
            .await;
        assert_eq!(
            results.status(),
            200,
            "the restored inbox closes and scores"
        );
    });
    service.stop();
}

#[test]
fn backup_and_restore_on_postgresql_point_to_its_own_tools() {
    let database = TestDatabase::new();
    let file = database.dir.path().join("psa.dump");
    for (args, tool) in [
        (["backup", file.to_str().unwrap()], "pg_dump -Fc"),
        (["restore", file.to_str().unwrap()], "pg_restore"),
    ] {
        let mut command = psa(&database);
        if !database.is_postgres() {
            // No server is needed: the command answers before it connects.
            command.env("PSA_DATABASE_URL", "postgres://psa@127.0.0.1:1/psa");
            for line in Keys::generate_env_lines().lines() {
                let (name, value) = line.split_once('=').unwrap();
                command.env(name, value);
            }
        }
        command.args(args);
        assert_one_line_error(&run(command, ""), tool);
        assert!(!file.exists(), "nothing written");
    }
}
