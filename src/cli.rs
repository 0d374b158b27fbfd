//! The command line: `psa serve` (the default) and the administration commands.
//!
//! Every failure prints one line, `psa: error: …`, and exits non-zero; never a backtrace.

use std::io::{BufRead, IsTerminal};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::accounts;
use crate::config::{Options, Settings};
use crate::db::{DbConnection, migrations, organisations, tokens};
use crate::domain::audit::{INSTANCE_SCOPE, actors};
use crate::domain::{Email, Organisation, OrganisationName, OrganisationSettings, Password, Role};
use crate::i18n::Lang;
use crate::keys::Keys;
use crate::startup::Application;

#[derive(Parser, Debug)]
#[command(
    name = "psa",
    version,
    about = "Psychosocial-risk (PSA) module for the Dutch RI&E"
)]
pub struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

/// Settings shared by every command; each also reads a `PSA_*` environment variable.
#[derive(Args, Debug)]
struct GlobalArgs {
    /// Database: sqlite://PATH (default: sqlite://data/psa.db) or postgres://USER@HOST/DB
    #[arg(long, env = "PSA_DATABASE_URL", global = true)]
    database_url: Option<String>,
    /// Address to listen on [default: 127.0.0.1:8080]
    #[arg(long, env = "PSA_BIND", global = true)]
    bind: Option<SocketAddr>,
    /// Address people use to reach psa (links are built from it) [default: from --bind]
    #[arg(long, env = "PSA_PUBLIC_URL", global = true)]
    public_url: Option<String>,
    /// Log filter, e.g. info or psa=debug [default: info]
    #[arg(long, env = "PSA_LOG", global = true)]
    log: Option<String>,
    /// Log one JSON object per line
    #[arg(long, env = "PSA_LOG_JSON", global = true)]
    log_json: bool,
    /// Proxies whose X-Forwarded-For is believed, comma separated (addresses or networks)
    #[arg(long, env = "PSA_TRUSTED_PROXIES", global = true)]
    trusted_proxies: Option<String>,
    /// Directory for the SQLite database and generated keys [default: data]
    #[arg(long, env = "PSA_DATA_DIR", global = true)]
    data_dir: Option<PathBuf>,
    /// HTTP worker threads [default: one per core]
    #[arg(long, env = "PSA_WORKERS", global = true)]
    workers: Option<usize>,
    /// Days a closed round's responses are kept; its results stay [default: 365]
    #[arg(long, env = "PSA_RESPONSE_RETENTION_DAYS", global = true)]
    response_retention_days: Option<u32>,
    /// Seconds between looks for rounds due to open or close and data due for deletion
    /// [default: 30]
    #[arg(long, env = "PSA_SCHEDULE_INTERVAL", global = true, value_parser = clap::value_parser!(u64).range(1..))]
    schedule_interval: Option<u64>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the web application (the default)
    Serve,
    /// Apply pending database migrations and exit (run once before starting several instances)
    Migrate,
    /// Create the instance owner and the first organisation without a browser
    Setup {
        #[arg(long)]
        email: String,
        /// Name of the first organisation
        #[arg(long)]
        org: String,
        /// Read the password from the first line of standard input
        #[arg(long)]
        password_stdin: bool,
    },
    /// Manage accounts
    #[command(subcommand)]
    User(UserCommand),
    /// Manage organisations
    #[command(subcommand)]
    Org(OrgCommand),
    /// Manage API bearer tokens
    #[command(subcommand)]
    Token(TokenCommand),
    /// Manage the server keys
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Work with questionnaire files
    #[command(subcommand)]
    Questionnaire(QuestionnaireCommand),
    /// Destroy the confidential parts of closed VPO cases that are due (as the daily schedule
    /// does) and print how many
    Purge,
    /// Work with the confidential counsellor's sealed notes
    #[command(subcommand)]
    Notes(NotesCommand),
    /// Copy the SQLite database to FILE while psa runs: consistent, compact, mode 0600, checked
    /// (on PostgreSQL use pg_dump)
    Backup {
        file: PathBuf,
        /// Replace FILE if it exists
        #[arg(long)]
        overwrite: bool,
    },
    /// Bring back a backup made by `psa backup` as the SQLite database; psa must be stopped
    /// (on PostgreSQL use pg_restore)
    Restore {
        file: PathBuf,
        /// Keep the database it replaces beside it (it holds personal data: delete it when done)
        #[arg(long)]
        keep_previous: bool,
    },
    /// Tell whether an export file is authentic: FILE with its detached signature SIGFILE
    Verify {
        file: PathBuf,
        signature: PathBuf,
        /// Verify with this public key (base64 or PEM, from /api/v1/signing-key, or a file
        /// holding it) instead of this instance's keys
        #[arg(long, allow_hyphen_values = true)]
        public_key: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
enum NotesCommand {
    /// Seal every value sealed with a retired notes key (PSA_RETIRED_NOTES_KEYS) again with the
    /// current one (PSA_NOTES_KEY)
    Rekey,
}

#[derive(Subcommand, Debug)]
enum QuestionnaireCommand {
    /// Check questionnaire files; prints every problem as FILE: FIELD: REASON
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// Give an account a role in an organisation, creating the account if needed
    Add {
        #[arg(long)]
        email: String,
        /// admin, hr, vpo, inspector, council or prevention
        #[arg(long)]
        role: Role,
        /// Organisation id, public id or name (may be left out while there is one)
        #[arg(long)]
        org: Option<String>,
        /// Read the password from the first line of standard input
        #[arg(long)]
        password_stdin: bool,
    },
    /// List accounts and their roles
    List {
        /// Only members of this organisation
        #[arg(long)]
        org: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
enum OrgCommand {
    /// Add an organisation
    Add {
        #[arg(long)]
        name: String,
        #[arg(long)]
        headcount: Option<i64>,
        /// Default language: nl or en
        #[arg(long, default_value = "nl")]
        language: Lang,
    },
    /// List organisations
    List,
}

#[derive(Subcommand, Debug)]
enum TokenCommand {
    /// Create a bearer token for an account in one organisation; prints it once
    Create {
        #[arg(long)]
        email: String,
        /// Organisation id, public id or name (may be left out while there is one)
        #[arg(long)]
        org: Option<String>,
        /// What the token is for
        #[arg(long, default_value = "command line")]
        label: String,
    },
    /// List an organisation's tokens
    List {
        #[arg(long)]
        org: Option<String>,
    },
    /// Revoke a token by its id
    Revoke {
        id: String,
        #[arg(long)]
        org: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
enum KeysCommand {
    /// Print a fresh set of keys as environment lines (for PostgreSQL deployments)
    Generate,
}

/// Runs the command line and returns the process's exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            // One line, whatever the cause printed (libpq's messages span several).
            let message: Vec<&str> = message
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            eprintln!("psa: error: {}", message.join(" "));
            ExitCode::FAILURE
        }
    }
}

type CliResult = Result<(), String>;

fn run(cli: Cli) -> CliResult {
    match &cli.command {
        Some(Command::Keys(KeysCommand::Generate)) => {
            print!("{}", Keys::generate_env_lines());
            return Ok(());
        }
        Some(Command::Questionnaire(QuestionnaireCommand::Check { files })) => {
            return check_questionnaires(files);
        }
        Some(Command::Verify {
            file,
            signature,
            public_key: Some(key),
        }) => {
            let text = std::fs::read_to_string(key).unwrap_or_else(|_| key.clone());
            let key = crate::export::signing::parse_public_key(&text)
                .ok_or("--public-key: not an Ed25519 public key in base64 or PEM")?;
            return verify_file(file, signature, |bytes, sig| {
                crate::export::signing::verify(&[key], bytes, sig)
            });
        }
        _ => {}
    }
    let global = cli.global;
    let log_json = global.log_json;
    let options = Options {
        database_url: global.database_url,
        bind: global.bind,
        public_url: global.public_url,
        log: global.log,
        trusted_proxies: global.trusted_proxies,
        data_dir: global.data_dir,
        workers: global.workers,
        response_retention_days: global.response_retention_days,
        schedule_interval_seconds: global.schedule_interval,
    };
    // On SQLite, resolving makes the keys that are missing; a restore says when it did, for new
    // keys open nothing of a backup.
    let had_keys = has_notes_key(&options);
    let settings =
        Settings::resolve(options, |var| std::env::var(var).ok()).map_err(|e| e.to_string())?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings, log_json),
        Command::Migrate => {
            let mut conn = connect(&settings)?;
            let applied = migrations::run_pending(&mut conn).map_err(|e| e.to_string())?;
            println!("applied {} migration(s)", applied.len());
            Ok(())
        }
        Command::Setup {
            email,
            org,
            password_stdin,
        } => {
            let email = Email::parse(&email).map_err(|e| format!("--email: {e}"))?;
            let name = OrganisationName::parse(&org).map_err(|e| format!("--org: {e}"))?;
            let password = read_password(password_stdin)?;
            let mut conn = open(&settings)?;
            let (user, organisation) = accounts::setup_instance(
                &mut conn,
                &email,
                &password,
                &OrganisationSettings::new(name),
            )
            .map_err(|e| e.to_string())?;
            audited(
                &mut conn,
                INSTANCE_SCOPE,
                "set_up",
                format!("owner {} organisation {}", user.id, organisation.id),
            )?;
            println!(
                "created owner {} and organisation {} ({}); log in at {}",
                user.email,
                organisation.settings.name,
                organisation.id,
                settings.public_link("/login")
            );
            Ok(())
        }
        Command::User(command) => user_command(&settings, command),
        Command::Org(command) => org_command(&settings, command),
        Command::Token(command) => token_command(&settings, command),
        Command::Verify {
            file, signature, ..
        } => {
            let signer = crate::export::signing::ExportSigner::new(&settings.keys);
            verify_file(&file, &signature, |bytes, sig| signer.verify(bytes, sig))
        }
        Command::Purge => {
            let mut conn = open(&settings)?;
            let report = crate::vpo::retention::purge(&mut conn, crate::calendar::today())
                .map_err(|e| e.to_string())?;
            println!(
                "destroyed the notes, agreements and case reports of {} case(s) ({} counted in a finalised report, {} past the maximum); {} note(s) deleted",
                report.cases, report.report_finalised, report.maximum_reached, report.notes
            );
            Ok(())
        }
        Command::Notes(NotesCommand::Rekey) => {
            let mut conn = open(&settings)?;
            let cipher = crate::vpo::sealing::NotesCipher::from_keys(&settings.keys);
            let report = crate::vpo::rekey::rekey(&mut conn, &cipher).map_err(|e| e.to_string())?;
            println!(
                "re-sealed {} value(s) with the current notes key; {} already current",
                report.resealed, report.current
            );
            match report.unopenable {
                0 => Ok(()),
                n => Err(format!(
                    "{n} value(s) sealed with a key that is neither PSA_NOTES_KEY nor in PSA_RETIRED_NOTES_KEYS were left as they are"
                )),
            }
        }
        Command::Backup { file, overwrite } => backup(&settings, &file, overwrite),
        Command::Restore {
            file,
            keep_previous,
        } => restore(&settings, &file, keep_previous, had_keys),
        Command::Keys(_) | Command::Questionnaire(_) => Ok(()),
    }
}

/// Whether a notes key is given, or kept in the data directory, before the settings are resolved.
fn has_notes_key(options: &Options) -> bool {
    std::env::var_os("PSA_NOTES_KEY").is_some_and(|v| !v.is_empty())
        || options
            .data_dir
            .as_deref()
            .unwrap_or(std::path::Path::new(crate::config::DEFAULT_DATA_DIR))
            .join("keys/notes.key")
            .exists()
}

/// The SQLite database's file; PostgreSQL is backed up with its own tools.
fn sqlite_file<'a>(
    settings: &'a Settings,
    postgres_tool: &str,
) -> Result<&'a std::path::Path, String> {
    match &settings.database {
        crate::config::DatabaseUrl::Sqlite(path) => Ok(path),
        crate::config::DatabaseUrl::Postgres(_) => Err(format!(
            "psa backup and psa restore work on SQLite; on PostgreSQL use {postgres_tool} (see the README, \"Backups\")"
        )),
    }
}

/// What a backup lacks, said after every backup and restore.
fn keys_apart(settings: &Settings) -> String {
    format!(
        "the keys are not in the database: keep {}/ (or the PSA_*_KEY secrets) safe and apart from the backups; without them a backup cannot open VPO notes or check invitation links",
        settings.data_dir.join("keys").display()
    )
}

fn backup(settings: &Settings, file: &std::path::Path, overwrite: bool) -> CliResult {
    let database = sqlite_file(settings, "pg_dump -Fc")?;
    let contents =
        crate::db::backup::backup(database, file, overwrite).map_err(|e| e.to_string())?;
    println!(
        "backed up {} to {}: {contents}; integrity check ok, mode 0600",
        settings.database.display(),
        file.display()
    );
    println!("{}", keys_apart(settings));
    println!(
        "keep backups for 30 days at most, encrypted, and run `psa purge` after restoring one (see the README, \"Backups\")"
    );
    Ok(())
}

fn restore(
    settings: &Settings,
    file: &std::path::Path,
    keep_previous: bool,
    had_keys: bool,
) -> CliResult {
    use crate::db::backup::Previous;
    let database = sqlite_file(settings, "pg_restore")?;
    let restored =
        crate::db::backup::restore(database, file, keep_previous).map_err(|e| e.to_string())?;
    println!(
        "restored {} as {}: {}; applied {} newer migration(s)",
        file.display(),
        settings.database.display(),
        restored.contents,
        restored.migrations.len()
    );
    // Every chain says that its later entries were undone, and when.
    let mut conn = connect(settings)?;
    let organisations = organisations::list(&mut conn).map_err(|e| e.to_string())?;
    let target = "the database, from a backup".to_owned();
    audited(&mut conn, INSTANCE_SCOPE, "restore_backup", target.clone())?;
    for organisation in organisations {
        audited(
            &mut conn,
            organisation.id.as_str(),
            "restore_backup",
            target.clone(),
        )?;
    }
    match restored.previous {
        Previous::None => println!("there was no database before"),
        Previous::Removed => println!("the database it replaced was removed"),
        Previous::Kept(path) => println!(
            "the database it replaced is kept as {}: it holds personal data, delete it when it is no longer needed",
            path.display()
        ),
    }
    println!(
        "now run `psa purge`, before starting psa: it destroys again the VPO case files that became due since the backup was made"
    );
    println!("{}", keys_apart(settings));
    if !had_keys {
        println!(
            "warning: there was no notes key, so new keys were made in {}/: they open no VPO note of the backup and check none of its invitation links; put the keys of the backup's time there before starting psa",
            settings.data_dir.join("keys").display()
        );
    }
    Ok(())
}

/// Prints whether `file` is authentic under `signature`; an error (exit code 1) when not.
fn verify_file(
    file: &std::path::Path,
    signature: &std::path::Path,
    verify: impl Fn(&[u8], &[u8]) -> Option<String>,
) -> CliResult {
    let read = |path: &std::path::Path| {
        std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
    };
    match verify(&read(file)?, &read(signature)?) {
        Some(key) => {
            println!("{}: authentic, signed with key {key}", file.display());
            Ok(())
        }
        None => Err(format!(
            "{}: NOT authentic: the signature does not match the file under any known key",
            file.display()
        )),
    }
}

fn serve(settings: Settings, log_json: bool) -> CliResult {
    crate::telemetry::init(&settings.log, log_json)?;
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(settings).map_err(|e| e.to_string())?;
        let settings = app.settings();
        println!(
            "psa listening on {} (database {})",
            settings.public_url,
            settings.database.display()
        );
        if let Some(link) = app.setup_link() {
            println!("First start: open {link} to create the first account (one-time link).");
        }
        app.run_until_stopped().await.map_err(|e| e.to_string())
    })
}

fn connect(settings: &Settings) -> Result<DbConnection, String> {
    DbConnection::open(&settings.database).map_err(|e| e.to_string())
}

/// A connection on a current schema, which the administration commands work on.
fn open(settings: &Settings) -> Result<DbConnection, String> {
    let mut conn = connect(settings)?;
    migrations::run_pending(&mut conn).map_err(|e| e.to_string())?;
    Ok(conn)
}

/// The organisation named by `--org`, or the only one.
fn organisation(conn: &mut DbConnection, key: Option<&str>) -> Result<Organisation, String> {
    match key {
        Some(key) => organisations::find(conn, key)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("--org: no organisation {key:?}")),
        None => {
            let mut all = organisations::list(conn).map_err(|e| e.to_string())?;
            match all.len() {
                1 => Ok(all.remove(0)),
                0 => Err("there is no organisation yet: run `psa setup` or `psa org add`".into()),
                _ => Err("there are several organisations: choose one with --org".into()),
            }
        }
    }
}

fn read_password(from_stdin: bool) -> Result<Password, String> {
    let raw = if from_stdin || !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| format!("reading the password: {e}"))?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    } else {
        rpassword::prompt_password("Password: ")
            .map_err(|e| format!("reading the password: {e}"))?
    };
    Password::parse(&raw).map_err(|e| format!("password: {e}"))
}

fn user_command(settings: &Settings, command: UserCommand) -> CliResult {
    let mut conn = open(settings)?;
    match command {
        UserCommand::Add {
            email,
            role,
            org,
            password_stdin,
        } => {
            let email = Email::parse(&email).map_err(|e| format!("--email: {e}"))?;
            let organisation = organisation(&mut conn, org.as_deref())?;
            let exists = crate::db::accounts::find_user(&mut conn, &email)
                .map_err(|e| e.to_string())?
                .is_some();
            let password = if exists {
                None
            } else {
                Some(read_password(password_stdin)?)
            };
            let user =
                accounts::add_member(&mut conn, &organisation.id, &email, password.as_ref(), role)
                    .map_err(|e| e.to_string())?;
            audited(
                &mut conn,
                organisation.id.as_str(),
                "add_member",
                format!("user {} role {role}", user.id),
            )?;
            println!("{email} is {role} in {}", organisation.settings.name);
            Ok(())
        }
        UserCommand::List { org } => {
            let filter = org
                .as_deref()
                .map(|key| organisation(&mut conn, Some(key)))
                .transpose()?;
            let users = crate::db::accounts::list_users(&mut conn).map_err(|e| e.to_string())?;
            for user in users {
                let memberships = crate::db::accounts::memberships_of(&mut conn, &user.id)
                    .map_err(|e| e.to_string())?;
                let shown: Vec<String> = memberships
                    .iter()
                    .filter(|m| filter.as_ref().is_none_or(|o| o.id == m.organisation_id))
                    .map(|m| {
                        let roles: Vec<&str> = m.roles.iter().map(Role::as_str).collect();
                        format!("{}: {}", m.organisation_name, roles.join(","))
                    })
                    .collect();
                if filter.is_some() && shown.is_empty() {
                    continue;
                }
                let owner = if user.is_owner { " (owner)" } else { "" };
                println!("{}{owner}\t{}", user.email, shown.join("; "));
            }
            Ok(())
        }
    }
}

fn org_command(settings: &Settings, command: OrgCommand) -> CliResult {
    let mut conn = open(settings)?;
    match command {
        OrgCommand::Add {
            name,
            headcount,
            language,
        } => {
            let mut org = OrganisationSettings::new(
                OrganisationName::parse(&name).map_err(|e| format!("--name: {e}"))?,
            );
            org.headcount = headcount
                .map(crate::domain::Headcount::new)
                .transpose()
                .map_err(|e| format!("--headcount: {e}"))?;
            org.default_language = language;
            let created =
                accounts::create_organisation(&mut conn, &org).map_err(|e| e.to_string())?;
            audited(
                &mut conn,
                INSTANCE_SCOPE,
                "create_organisation",
                format!("organisation {}", created.id),
            )?;
            println!(
                "{}\t{}\tpublic id {}",
                created.id, created.settings.name, created.public_id
            );
            Ok(())
        }
        OrgCommand::List => {
            for org in organisations::list(&mut conn).map_err(|e| e.to_string())? {
                let headcount = org
                    .settings
                    .headcount
                    .map_or("-".to_owned(), |h| h.get().to_string());
                println!(
                    "{}\t{}\tpublic id {}\theadcount {headcount}",
                    org.id, org.settings.name, org.public_id
                );
            }
            Ok(())
        }
    }
}

fn token_command(settings: &Settings, command: TokenCommand) -> CliResult {
    let mut conn = open(settings)?;
    match command {
        TokenCommand::Create { email, org, label } => {
            let email = Email::parse(&email).map_err(|e| format!("--email: {e}"))?;
            let organisation = organisation(&mut conn, org.as_deref())?;
            let user = crate::db::accounts::find_user(&mut conn, &email)
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("--email: there is no account for {email}"))?;
            let roles = crate::db::accounts::roles_in(&mut conn, &organisation.id, &user.id)
                .map_err(|e| e.to_string())?;
            if roles.is_empty() {
                return Err(format!(
                    "{email} has no role in {}: add one with `psa user add`",
                    organisation.settings.name
                ));
            }
            let (token, secret) =
                tokens::create(&mut conn, &organisation.id, &user.id, label.trim())
                    .map_err(|e| e.to_string())?;
            audited(
                &mut conn,
                organisation.id.as_str(),
                "create_token",
                format!("token {} user {}", token.id, user.id),
            )?;
            eprintln!(
                "token {} for {email} in {}; it is shown once:",
                token.id, organisation.settings.name
            );
            println!("{secret}");
            Ok(())
        }
        TokenCommand::List { org } => {
            let organisation = organisation(&mut conn, org.as_deref())?;
            for token in
                tokens::list(&mut conn, &organisation.id, None).map_err(|e| e.to_string())?
            {
                let state = if token.revoked_at.is_some() {
                    "revoked"
                } else {
                    "live"
                };
                println!(
                    "{}\t{}\t{state}\t{}",
                    token.id, token.label, token.created_at
                );
            }
            Ok(())
        }
        TokenCommand::Revoke { id, org } => {
            let organisation = organisation(&mut conn, org.as_deref())?;
            let id = crate::domain::TokenId::new(id);
            if tokens::revoke(&mut conn, &organisation.id, &id, None).map_err(|e| e.to_string())? {
                audited(
                    &mut conn,
                    organisation.id.as_str(),
                    "revoke_token",
                    format!("token {id}"),
                )?;
                println!("revoked {id}");
                Ok(())
            } else {
                Err(format!(
                    "no live token {id} in {}",
                    organisation.settings.name
                ))
            }
        }
    }
}

/// Records a change made on the command line in the audit log of `scope`.
fn audited(conn: &mut DbConnection, scope: &str, action: &str, target: String) -> CliResult {
    crate::db::audit::record(conn, scope, actors::COMMAND_LINE, action, target)
        .map_err(|e| format!("recording the change in the audit log: {e}"))
}

fn check_questionnaires(files: &[PathBuf]) -> CliResult {
    use crate::catalog::{Catalog, CheckedFile, check_file};
    let mut failed = 0;
    let mut questionnaires = Vec::new();
    let mut catalogues = Vec::new();
    for file in files {
        match check_file(file) {
            Ok(CheckedFile::Questionnaire(entry)) => {
                let q = &entry.questionnaire;
                println!(
                    "{}: ok ({} {}, {} categories, {} items, sha256 {})",
                    file.display(),
                    q.id,
                    q.version,
                    q.categories.len(),
                    q.items.len(),
                    entry.digest
                );
                questionnaires.push(entry.questionnaire);
            }
            Ok(CheckedFile::Measures(catalogue)) => catalogues.push((file, catalogue)),
            Err(problems) => {
                failed += 1;
                for problem in &problems.problems {
                    println!("{}: {problem}", problems.file);
                }
            }
        }
    }
    // Measure catalogues are checked against the questionnaires named with them, or the shipped.
    if questionnaires.is_empty() && !catalogues.is_empty() {
        let shipped = Catalog::shipped().map_err(|e| e.to_string())?;
        questionnaires = shipped
            .entries()
            .iter()
            .map(|e| e.questionnaire.clone())
            .collect();
    }
    for (file, catalogue) in catalogues {
        let problems: Vec<_> = questionnaires
            .iter()
            .flat_map(|q| catalogue.check_against(q))
            .collect();
        if problems.is_empty() {
            println!(
                "{}: ok (measures {} {}, {} measures)",
                file.display(),
                catalogue.id,
                catalogue.version,
                catalogue.measures.len()
            );
        } else {
            failed += 1;
            for problem in problems {
                println!("{}: {problem}", file.display());
            }
        }
    }
    match failed {
        0 => Ok(()),
        n => Err(format!("{n} of {} file(s) have problems", files.len())),
    }
}
