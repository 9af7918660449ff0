//! `catalyse`: the platform's one binary. Thin: parses the command line and calls the libraries.

use anyhow::{bail, Context};
use catalyse_core::{Email, Role};
use catalyse_store::NewUser;
use catalyse_web::config::{LogFormat, Overrides};
use catalyse_web::Config;
use clap::{Parser, Subcommand};
use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;

mod badges;

#[derive(Parser)]
#[command(
    name = "catalyse",
    version,
    about = "Catalyse — plateforme de co-construction territoriale"
)]
struct Cli {
    /// Configuration file (default: ./catalyse.toml when it exists).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Address to listen on, e.g. 127.0.0.1:8080.
    #[arg(long, global = true)]
    bind: Option<String>,
    /// sqlite://… or postgres://…
    #[arg(long, global = true)]
    database_url: Option<String>,
    /// Folder for the SQLite database, uploads, index and mail outbox.
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// Load example content into a new database (true/false).
    #[arg(long, global = true)]
    demo: Option<bool>,
    /// Public URL of the platform, for links in emails.
    #[arg(long, global = true)]
    public_url: Option<String>,
    /// Log format: text or json.
    #[arg(long, global = true, value_parser = parse_log_format)]
    log_format: Option<LogFormat>,
    #[command(subcommand)]
    command: Option<Command>,
}

fn parse_log_format(s: &str) -> Result<LogFormat, String> {
    match s {
        "text" => Ok(LogFormat::Text),
        "json" => Ok(LogFormat::Json),
        _ => Err("expected text or json".into()),
    }
}

#[derive(Subcommand)]
enum Command {
    /// Serve the platform (the default).
    Serve,
    /// Apply database migrations and load the reference data, then exit.
    Migrate,
    /// Manage accounts.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Rebuild the resource centre's search index from the database.
    Reindex,
    /// The resource centre's catalogue as CSV.
    Resources {
        #[command(subcommand)]
        command: ResourceCommand,
    },
    /// Observatory datasets.
    Datasets {
        #[command(subcommand)]
        command: DatasetCommand,
    },
    /// The network of pioneers.
    Network {
        #[command(subcommand)]
        command: NetworkCommand,
    },
    /// Events and webinars.
    Events {
        #[command(subcommand)]
        command: EventCommand,
    },
    /// The pratiques innovantes (case studies).
    Cases {
        #[command(subcommand)]
        command: DataCommand,
    },
    /// The besoins des territoires (needs).
    Needs {
        #[command(subcommand)]
        command: DataCommand,
    },
    /// Open Badges 3.0: the issuer's keys, manual awards, revocations.
    Badges {
        #[command(subcommand)]
        command: badges::BadgesCommand,
    },
    /// Write the database, the uploaded files and a manifest to one .tar.gz archive, while
    /// the server runs.
    Backup {
        /// The archive to write (replaced only once complete).
        file: PathBuf,
    },
    /// Replace the database and the uploaded files with a backup's, then rebuild the search
    /// indexes. Stop the server first.
    Restore {
        /// An archive written by `catalyse backup`.
        file: PathBuf,
        /// Replace a database or file store that already holds content.
        #[arg(long)]
        yes: bool,
        /// Restore even though something answers on the configured `bind` address (every
        /// instance must be stopped: a running one would serve stale data).
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand)]
enum NetworkCommand {
    /// Add generated example members and places (labelled « données d'exemple »), spread like
    /// the French population, then rebuild the directory's index.
    Generate {
        /// How many members.
        #[arg(long, default_value_t = 350)]
        members: usize,
        /// How many places.
        #[arg(long, default_value_t = 40)]
        places: usize,
        /// Seed of the generator (the same seed gives the same network).
        #[arg(long, default_value_t = 2019)]
        seed: u64,
    },
}

#[derive(Subcommand)]
enum EventCommand {
    /// Add generated example events (labelled « données d'exemple »), one every few days from
    /// three years ago to two years ahead, of every kind. Running it again adds nothing new.
    Generate {
        /// How many events.
        #[arg(long, default_value_t = 100)]
        count: usize,
    },
}

/// What `catalyse cases` and `catalyse needs` do.
#[derive(Subcommand)]
enum DataCommand {
    /// Add generated examples (labelled « données d'exemple »), published, spread over the
    /// territories; each run adds more. The server's index follows within seconds.
    Generate {
        /// How many (default: 150 cases, 120 needs, as the demonstration has).
        #[arg(long)]
        count: Option<usize>,
        /// Seed of the generator (the same seed gives the same examples).
        #[arg(long, default_value_t = 2019)]
        seed: u64,
    },
    /// Import from a CSV file (columns in the README, « Data and how to import it »),
    /// published at once. Every bad line is reported; nothing is written unless all are good.
    Import { file: PathBuf },
}

#[derive(Subcommand)]
enum ResourceCommand {
    /// Add generated example resources (labelled « données d'exemple »), published, then
    /// rebuild the search index. Running it again changes nothing (same slugs, same content).
    Generate {
        /// How many resources.
        #[arg(long, default_value_t = 100)]
        count: usize,
    },
    /// Create or update resources (by slug) from a CSV file (columns: slug, title, nature,
    /// subgroup, levers, themes, authors, year, format, language, licence, url, state, summary,
    /// body; lists separated by `;`). Every bad line is reported; nothing is written unless all
    /// are good.
    Import {
        file: PathBuf,
        /// Check the file only.
        #[arg(long)]
        dry_run: bool,
    },
    /// Write every resource, whatever its state, as CSV (to FILE, or standard output).
    Export { file: Option<PathBuf> },
}

#[derive(Subcommand)]
enum DatasetCommand {
    /// Import a CSV file (territory_level, territory_code, indicator, value, unit, year, source,
    /// licence[, group]). Every bad line is reported; nothing is written unless all are good.
    /// Importing again under the same slug replaces the dataset.
    Import {
        file: PathBuf,
        /// Identifier in URLs (default: the file name).
        #[arg(long)]
        slug: Option<String>,
        /// Title shown on pages (default: the file name).
        #[arg(long)]
        title: Option<String>,
        #[arg(long, default_value = "")]
        description: String,
        /// Generated example data, labelled « données d'exemple » wherever it shows.
        #[arg(long)]
        example: bool,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an account; the password is asked twice, or read from standard input.
    CreateUser {
        #[arg(long)]
        email: String,
        /// member, moderator or admin.
        #[arg(long)]
        role: Role,
        /// Display name (defaults to the part of the address before @).
        #[arg(long)]
        name: Option<String>,
    },
    /// Change the role of an account.
    SetRole {
        #[arg(long)]
        email: String,
        #[arg(long)]
        role: Role,
    },
}

/// Caps glibc's malloc arenas (one per thread by default, each keeping its own free memory).
/// Call before starting threads.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning; called before other threads exist.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

fn main() -> anyhow::Result<()> {
    limit_malloc_arenas();
    let cli = Cli::parse();
    let overrides = Overrides {
        bind: cli.bind.clone(),
        database_url: cli.database_url.clone(),
        data_dir: cli.data_dir.clone(),
        demo: cli.demo,
        public_url: cli.public_url.clone(),
        log_format: cli.log_format,
    };
    let config = Config::load(cli.config.as_deref(), &overrides).context("configuration")?;
    // Kept to the end: dropping it writes out the lines still waiting.
    let _logs = init_logs(config.log_format);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run(cli.command.unwrap_or(Command::Serve), config))
}

/// Logs to standard error through a writer thread: a request formats its line and goes on;
/// the thread writes the lines waiting in one go (one system call for many lines under load,
/// where one per line cost about a third of a cached page's time). If 128,000 lines wait, new
/// ones are dropped rather than slowing the answers.
fn init_logs(format: LogFormat) -> tracing_appender::non_blocking::WorkerGuard {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("CATALYSE_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let (writer, guard) =
        tracing_appender::non_blocking(std::io::BufWriter::new(std::io::stderr()));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    match format {
        LogFormat::Json => builder.json().flatten_event(true).init(),
        LogFormat::Text => builder.init(),
    }
    guard
}

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve => serve(config).await,
        Command::Migrate => {
            catalyse_web::prepare(Config {
                demo: false,
                ..config
            })
            .await?
            .store
            .close()
            .await;
            println!("migrations applied and reference data loaded");
            Ok(())
        }
        Command::Admin { command } => admin(command, config).await,
        Command::Datasets { command } => datasets(command, config).await,
        Command::Reindex => reindex(config).await,
        Command::Network { command } => network(command, config).await,
        Command::Events { command } => events(command, config).await,
        Command::Cases { command } => area_data(Area::Cases, command, config).await,
        Command::Needs { command } => area_data(Area::Needs, command, config).await,
        Command::Badges { command } => badges::run(command, config).await,
        Command::Resources { command } => resources(command, config).await,
        Command::Backup { file } => {
            let summary = catalyse_web::ops::backup::backup(&config, &file).await?;
            println!("backup written to {}: {summary}", file.display());
            Ok(())
        }
        Command::Restore { file, yes, force } => restore(&config, &file, yes, force).await,
    }
}

async fn restore(
    config: &Config,
    file: &std::path::Path,
    yes: bool,
    force: bool,
) -> anyhow::Result<()> {
    if catalyse_web::ops::backup::server_answers(config).await {
        if !force {
            anyhow::bail!(
                "something answers on {}: stop every instance of the platform before \
                 restoring (a running one would go on serving what the restore replaces), \
                 then run the restore again; add --force if what answers is not Catalyse",
                config.bind
            );
        }
        eprintln!(
            "warning: something answers on {}; restoring anyway (--force)",
            config.bind
        );
    }
    let done = catalyse_web::ops::backup::restore(config, file, yes).await?;
    let m = &done.manifest;
    println!(
        "restored {} ({}, made {} by Catalyse {} on {}): {}; {} file(s) removed; search \
         index: {} published resource(s), directory: {} profile(s)",
        file.display(),
        m.format,
        catalyse_core::time::rfc3339(&m.created_at),
        m.platform_version,
        m.backend,
        done.summary,
        done.files_removed,
        done.published_resources,
        done.listed_members
    );
    if m.config.oai_identifier.is_some() && m.config.oai_identifier != config.oai_identifier {
        eprintln!(
            "note: the backup was made with oai_identifier = {:?}; this configuration has {:?}",
            m.config.oai_identifier, config.oai_identifier
        );
    }
    Ok(())
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(&config.bind)
        .await
        .with_context(|| format!("cannot listen on {}", config.bind))?;
    let state = catalyse_web::prepare(config).await?;
    let addr = listener.local_addr()?;
    tracing::info!(backend = ?state.store.backend(), "Catalyse is ready");
    println!("Catalyse écoute sur http://{addr}/");
    catalyse_web::launch(state, listener, shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: finishing requests in progress");
}

async fn admin(command: AdminCommand, config: Config) -> anyhow::Result<()> {
    let state = catalyse_web::prepare(Config {
        demo: false,
        ..config
    })
    .await?;
    let store = state.store.clone();
    let result = async {
        match command {
            AdminCommand::CreateUser { email, role, name } => {
                let email = Email::parse(&email)
                    .map_err(|_| anyhow::anyhow!("« {email} » is not a valid email address"))?;
                let password = read_password()?;
                if let Err(p) = state.passwords.check(&password, Some(email.as_str())) {
                    bail!(
                        "{}",
                        catalyse_web::forms::password_message(
                            catalyse_web::i18n::Tr::new(Default::default()),
                            p
                        )
                    );
                }
                let hash = catalyse_web::auth::hash_password(password).await?;
                let display_name = name
                    .unwrap_or_else(|| email.as_str().split('@').next().unwrap_or("").to_string());
                let user = store
                    .create_user(
                        &NewUser {
                            email,
                            display_name,
                            role,
                            password_hash: hash,
                            is_example: false,
                            email_verified: true,
                        },
                        chrono::Utc::now(),
                    )
                    .await
                    .map_err(|e| match e {
                        catalyse_store::StoreError::Conflict { .. } => {
                            anyhow::anyhow!("an account with this email already exists")
                        }
                        other => other.into(),
                    })?;
                println!(
                    "account #{} created: {} ({})",
                    user.id, user.email, user.role
                );
            }
            AdminCommand::SetRole { email, role } => {
                let email = Email::parse(&email)
                    .map_err(|_| anyhow::anyhow!("« {email} » is not a valid email address"))?;
                let user = store
                    .user_by_email(&email)
                    .await?
                    .with_context(|| format!("no account for {email}"))?;
                let user = store
                    .set_role(user.id, role, None, chrono::Utc::now())
                    .await
                    .map_err(|e| match e {
                        catalyse_store::StoreError::Conflict { .. } => {
                            anyhow::anyhow!("the last administrator cannot lose the role")
                        }
                        other => other.into(),
                    })?;
                println!("{} is now {}", user.email, user.role);
            }
        }
        Ok(())
    }
    .await;
    store.close().await;
    result
}

async fn datasets(command: DatasetCommand, config: Config) -> anyhow::Result<()> {
    let DatasetCommand::Import {
        file,
        slug,
        title,
        description,
        example,
    } = command;
    let text = read_csv(&file)?;
    let stem = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("jeu-de-donnees")
        .to_string();
    let state = catalyse_web::prepare(Config {
        demo: false,
        ..config
    })
    .await?;
    let upload = catalyse_web::observatory::import::DatasetUpload {
        slug: slug.unwrap_or_else(|| stem.clone()),
        title: title.unwrap_or(stem),
        description,
        is_example: example,
        text: &text,
    };
    let result = match catalyse_web::observatory::import::import_dataset(&state, upload).await {
        Ok(done) => {
            println!(
                "dataset imported: {} indicator(s), {} value(s)",
                done.indicators, done.values
            );
            Ok(())
        }
        Err(catalyse_web::observatory::import::ImportError::Lines(errors)) => {
            for e in &errors {
                eprintln!("{}: {e}", file.display());
            }
            Err(anyhow::anyhow!(
                "{} erreur(s) : rien n'a été importé",
                errors.len()
            ))
        }
        Err(e) => Err(e.into()),
    };
    state.store.close().await;
    result
}

async fn network(command: NetworkCommand, config: Config) -> anyhow::Result<()> {
    let NetworkCommand::Generate {
        members,
        places,
        seed,
    } = command;
    let state = catalyse_web::prepare(Config {
        demo: false,
        ..config
    })
    .await?;
    let result = async {
        let territories = state.territories.all().to_vec();
        let (m, p) = catalyse_web::network::examples::generate(
            state.store.as_ref(),
            &territories,
            &state.reference,
            members,
            places,
            seed,
        )
        .await?;
        catalyse_web::network::live::start(&state).await?;
        anyhow::Ok((m, p))
    }
    .await;
    state.store.close().await;
    let (m, p) = result?;
    println!("{m} example member(s) and {p} example place(s) added (données d'exemple)");
    Ok(())
}

async fn events(command: EventCommand, config: Config) -> anyhow::Result<()> {
    let EventCommand::Generate { count } = command;
    let state = catalyse_web::prepare(Config {
        demo: false,
        ..config
    })
    .await?;
    let result = async {
        // The largest communes with a position, in turn, for events in a place.
        let mut communes: Vec<_> = state
            .territories
            .all()
            .iter()
            .filter(|t| t.level == catalyse_core::TerritoryLevel::Commune && t.lat.is_some())
            .collect();
        communes.sort_by_key(|t| std::cmp::Reverse(t.population.unwrap_or(0)));
        let communes: Vec<(String, String)> = communes
            .iter()
            .take(300)
            .map(|t| (t.code.clone(), t.name.clone()))
            .collect();
        let list = catalyse_web::ops::demo::example_events(
            count,
            &state.reference.levers,
            &communes,
            chrono::Utc::now().date_naive(),
        );
        let mut added = 0;
        for batch in list.chunks(1_000) {
            added += state.store.add_events(batch, chrono::Utc::now()).await?;
        }
        anyhow::Ok(added)
    }
    .await;
    state.store.close().await;
    println!("{} example event(s) added (données d'exemple)", result?);
    Ok(())
}

/// The areas whose data `DataCommand` generates or imports.
#[derive(Clone, Copy)]
enum Area {
    Cases,
    Needs,
}

async fn area_data(area: Area, command: DataCommand, config: Config) -> anyhow::Result<()> {
    use catalyse_web::{cases, needs};
    let state = catalyse_web::prepare(Config {
        demo: false,
        ..config
    })
    .await?;
    let (store, territories) = (state.store.as_ref(), state.territories.all());
    let what = match area {
        Area::Cases => "case(s)",
        Area::Needs => "need(s)",
    };
    let result = async {
        match command {
            DataCommand::Generate { count, seed } => {
                let n = match area {
                    Area::Cases => {
                        let count = count.unwrap_or(cases::examples::DEMO_CASES);
                        cases::examples::generate(store, territories, count, seed).await?
                    }
                    Area::Needs => {
                        let count = count.unwrap_or(needs::examples::DEMO_NEEDS);
                        needs::examples::generate(store, territories, count, seed).await?
                    }
                };
                println!("{n} example {what} added (données d'exemple)");
                Ok(())
            }
            DataCommand::Import { file } => {
                let text = read_csv(&file)?;
                let done = match area {
                    Area::Cases => cases::import::import(&state, &text).await.map(|l| l.len()),
                    Area::Needs => needs::import::import(&state, &text).await.map(|l| l.len()),
                };
                imported(&file, done, what)
            }
        }
    }
    .await;
    state.store.close().await;
    result
}

/// A CSV file to import, as text.
fn read_csv(file: &std::path::Path) -> anyhow::Result<String> {
    std::fs::read_to_string(file).with_context(|| {
        format!(
            "cannot read {} (a UTF-8 CSV file is expected)",
            file.display()
        )
    })
}

/// Says how many `what` an import wrote, or every bad line and that nothing was written.
fn imported(
    file: &std::path::Path,
    done: Result<usize, catalyse_web::csv_import::ImportError>,
    what: &str,
) -> anyhow::Result<()> {
    use catalyse_web::csv_import::ImportError;
    match done {
        Ok(n) => {
            println!("{n} {what} imported and published");
            Ok(())
        }
        Err(ImportError::Lines(errors)) => {
            for e in &errors {
                eprintln!("{}: {e}", file.display());
            }
            bail!("{} erreur(s) : rien n'a été importé", errors.len());
        }
        Err(ImportError::Other(e)) => Err(e),
    }
}

async fn reindex(config: Config) -> anyhow::Result<()> {
    let state = catalyse_web::prepare(Config {
        demo: false,
        ..config
    })
    .await?;
    let result = catalyse_web::resources::index::reindex(&state).await;
    state.store.close().await;
    println!("search index rebuilt: {} published resource(s)", result?);
    Ok(())
}

async fn resources(command: ResourceCommand, config: Config) -> anyhow::Result<()> {
    use catalyse_core::resource::catalogue;
    let state = catalyse_web::prepare(Config {
        demo: false,
        ..config
    })
    .await?;
    let result = async {
        match command {
            ResourceCommand::Generate { count } => {
                let levers: Vec<String> =
                    state.reference.levers.iter().map(|l| l.slug.clone()).collect();
                let items: Vec<_> = catalyse_core::resource::examples(count, &levers)
                    .into_iter()
                    .map(|f| (f, catalyse_core::resource::ResourceState::Published))
                    .collect();
                let (created, updated) = state
                    .store
                    .import_resources(&items, None, chrono::Utc::now())
                    .await?;
                let indexed = catalyse_web::resources::index::reindex(&state).await?;
                println!(
                    "{created} example resource(s) added, {updated} changed (données d'exemple); \
                     search index rebuilt: {indexed} published resource(s)"
                );
                Ok(())
            }
            ResourceCommand::Export { file } => {
                let all = state.store.resources(None).await?;
                let text = catalogue::write(&all)?;
                match file {
                    Some(path) => std::fs::write(&path, text)
                        .with_context(|| format!("cannot write {}", path.display()))?,
                    None => print!("{text}"),
                }
                eprintln!("{} resource(s) exported", all.len());
                Ok(())
            }
            ResourceCommand::Import { file, dry_run } => {
                let text = read_csv(&file)?;
                let levers: Vec<String> =
                    state.reference.levers.iter().map(|l| l.slug.clone()).collect();
                let items = match catalogue::parse(&text, &levers) {
                    Ok(items) => items,
                    Err(errors) => {
                        for e in &errors {
                            eprintln!("{}: {e}", file.display());
                        }
                        bail!("{} erreur(s) : rien n'a été importé", errors.len());
                    }
                };
                if dry_run {
                    println!("{} resource(s) checked, nothing written (--dry-run)", items.len());
                    return Ok(());
                }
                let (created, updated) = state
                    .store
                    .import_resources(&items, None, chrono::Utc::now())
                    .await?;
                let indexed = catalyse_web::resources::index::reindex(&state).await?;
                println!(
                    "{created} resource(s) created, {updated} updated; search index: {indexed} published"
                );
                Ok(())
            }
        }
    }
    .await;
    state.store.close().await;
    result
}

/// Asks twice on a terminal; reads one line from standard input otherwise (scripts).
fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Mot de passe : ")?;
        let second = rpassword::prompt_password("Confirmez le mot de passe : ")?;
        if first != second {
            bail!("the two passwords differ");
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\n', '\r']).to_string())
    }
}
