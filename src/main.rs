//! `registry-gateway`: serve, migrate, seed, print the schema, manage the private database.

use std::process::ExitCode;

/// mimalloc instead of glibc malloc: the request path allocates per field and per row, and glibc
/// malloc/free took about a quarter of the gateway's CPU under load (bench/README.md, "Profile").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand};
use registry_gateway::access::api_keys::{self, NewKey};
use registry_gateway::config::{DatabaseSettings, GraphqlSettings, ServerSettings, Settings};
use registry_gateway::database::{self, Db, SchemaState};
use registry_gateway::embedded_postgres::{self, Cluster};
use registry_gateway::error::AppError;
use registry_gateway::execute::read_pools::ReadPools;
use registry_gateway::http::server::Application;
use registry_gateway::telemetry;

#[derive(Debug, Parser)]
#[command(name = "registry-gateway", version, about = "GraphQL gateway over the AI asset registry")]
struct Cli {
    #[command(flatten)]
    database: DatabaseSettings,
    #[command(subcommand)]
    command: Command,
}

// Parsed once at start-up: the size of `Serve`'s settings costs nothing worth boxing for.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
enum Command {
    /// Serve GraphQL over HTTP. Without DATABASE_URL: start the private database, migrate it and
    /// load demo data the first time.
    Serve {
        #[command(flatten)]
        server: ServerSettings,
        #[command(flatten)]
        graphql: GraphqlSettings,
    },
    /// Apply or inspect the schema migrations.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Replace all data with the deterministic demo data.
    Seed {
        /// Multiplies the generated volume (1 = the documents' figures).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
        scale: u32,
    },
    /// Print the GraphQL schema (SDL); `schema.graphql` at the root is this output.
    Schema,
    /// Manage the private PostgreSQL cluster under --data-dir.
    Db {
        #[command(subcommand)]
        action: DbAction,
    },
    /// Create, revoke and list partner API keys.
    Keys {
        #[command(subcommand)]
        action: KeysAction,
    },
}

#[derive(Debug, Subcommand)]
enum MigrateAction {
    /// Apply every pending migration (does nothing when up to date).
    Up,
    /// Roll back migrations: the last one, `--steps N`, or `--all`.
    Down {
        #[arg(long, conflicts_with = "all")]
        steps: Option<u32>,
        #[arg(long)]
        all: bool,
    },
    /// Drop everything and migrate from scratch.
    Fresh,
    /// List the migrations and whether each is applied.
    Status,
}

#[derive(Debug, Subcommand)]
enum DbAction {
    /// Start the private cluster in the background and print its URL.
    Start,
    /// Stop the private cluster.
    Stop,
    /// Print the URL of the running private database.
    Url,
}

#[derive(Debug, Subcommand)]
enum KeysAction {
    /// Create a key for a tenant and print it (once: only its hash is stored).
    Create {
        /// The tenant the key acts for.
        #[arg(long)]
        tenant: uuid::Uuid,
        /// A name to recognise the key by.
        #[arg(long)]
        name: String,
        /// A scope to grant; repeat for several (read:registry, read:conversations).
        #[arg(long = "scope", value_name = "SCOPE", default_value = api_keys::READ_REGISTRY)]
        scopes: Vec<String>,
        /// Days until the key expires (default: never).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=36_500))]
        expires_in_days: Option<u32>,
        /// The key's own rate limit (default: the gateway's).
        #[arg(long, value_parser = clap::value_parser!(i32).range(1..))]
        rate_limit_per_minute: Option<i32>,
    },
    /// Revoke a key by id; running gateways refuse it within 30 s.
    Revoke {
        id: uuid::Uuid,
        #[arg(long, default_value = "revoked by an operator")]
        reason: String,
    },
    /// List a tenant's keys (never their secrets or hashes).
    List {
        #[arg(long)]
        tenant: uuid::Uuid,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let otlp = match &cli.command {
        Command::Serve { server, .. } => server.otlp_endpoint.clone(),
        _ => None,
    };
    // Sends the last spans when dropped, after the runtime has finished.
    let _traces = match telemetry::init_with_traces(otlp.as_deref()) {
        Ok(traces) => traces,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), AppError> {
    match cli.command {
        Command::Serve { server, graphql } => serve(Settings { database: cli.database, server, graphql }).await,
        Command::Schema => {
            print!("{}", registry_gateway::graphql::sdl()?);
            Ok(())
        }
        Command::Migrate { action } => migrate(&cli.database, action).await,
        Command::Seed { scale } => {
            let db = database::open(&cli.database).await?;
            database::require_current_schema(&db.conn).await?;
            let summary =
                demo_data::seed(&db.conn, scale).await.map_err(|e| AppError::internal("seeding demo data", e))?;
            let rows: u64 = summary.tables.iter().map(|(_, n)| n).sum();
            println!(
                "seeded {} tables, {rows} rows at scale {} in {:.1} s",
                summary.tables.len(),
                summary.scale,
                summary.elapsed.as_secs_f64()
            );
            Ok(())
        }
        Command::Db { action } => db_command(&cli.database, action).await,
        Command::Keys { action } => keys_command(&cli.database, action).await,
    }
}

#[tracing::instrument(skip_all)]
async fn serve(settings: Settings) -> Result<(), AppError> {
    // A naming file (schema-names.toml) that names what the rules do not give ends start-up here.
    registry_gateway::catalog::Catalog::try_from_entities()?;
    let db: Db = database::open(&settings.database).await?;
    if db.is_private() {
        database::migrate_up(&db.conn).await?;
        if !settings.server.no_demo_data && database::table_is_empty(&db.conn, "agents").await? {
            tracing::info!("loading demo data (first start)");
            demo_data::seed(&db.conn, 1).await.map_err(|e| AppError::internal("seeding demo data", e))?;
        }
    } else {
        database::require_current_schema(&db.conn).await?;
    }
    let reads = ReadPools::new(&db.url, settings.database.pool_size, registry_gateway::http::server::workers())?;
    let app = Application::build(&settings.server, &settings.graphql, db.conn.clone(), reads).await?;
    let host = settings.server.listen.ip();
    tracing::info!("Registry Gateway listening on http://{host}:{}/ (GraphQL at /graphql)", app.port());
    // Returns after SIGTERM once in-flight requests finished (or the grace period ended), or at
    // once after SIGINT/SIGQUIT; either way the batched audit events are written first.
    app.run_until_stopped().await?;
    drop(db);
    Ok(())
}

async fn migrate(settings: &DatabaseSettings, action: MigrateAction) -> Result<(), AppError> {
    let db = database::open(settings).await?;
    match action {
        MigrateAction::Up => {
            database::migrate_up(&db.conn).await?;
            println!("schema is up to date");
        }
        MigrateAction::Down { steps, all } => {
            database::migrate_down(&db.conn, if all { None } else { Some(steps.unwrap_or(1)) }).await?;
            println!("rolled back");
        }
        MigrateAction::Fresh => {
            database::migrate_fresh(&db.conn).await?;
            println!("schema re-created");
        }
        MigrateAction::Status => {
            for (name, applied) in database::migration_list(&db.conn).await? {
                println!("{} {name}", if applied { "applied" } else { "pending" });
            }
            let state = database::schema_state(&db.conn).await?;
            println!(
                "state: {}",
                match state {
                    SchemaState::Empty => "empty".to_owned(),
                    SchemaState::Current => "current".to_owned(),
                    SchemaState::Partial { applied, total, .. } => format!("partial ({applied}/{total})"),
                    SchemaState::Ahead { .. } => "ahead of this build".to_owned(),
                }
            );
        }
    }
    Ok(())
}

async fn db_command(settings: &DatabaseSettings, action: DbAction) -> Result<(), AppError> {
    if settings.url.is_some() {
        return Err(AppError::config("`db` manages the private database; unset DATABASE_URL to use it"));
    }
    let dist = embedded_postgres::install(&settings.data_dir)?;
    let os_user = embedded_postgres::cluster_os_user(&settings.pg_os_user)?;
    let dir = database::private_cluster_dir(&settings.data_dir);
    match action {
        DbAction::Start => {
            let cluster = Cluster::start_detached(&dist, &dir, os_user)?;
            database::create_database_if_missing(&cluster.url("postgres"), database::PRIVATE_DB_NAME).await?;
            println!("{}", cluster.url(database::PRIVATE_DB_NAME));
        }
        DbAction::Stop => match Cluster::find_running(&dist, &dir, os_user) {
            Some(mut cluster) => {
                cluster.stop()?;
                println!("stopped");
            }
            None => println!("not running"),
        },
        DbAction::Url => match Cluster::find_running(&dist, &dir, os_user) {
            Some(cluster) => println!("{}", cluster.url(database::PRIVATE_DB_NAME)),
            None => {
                return Err(AppError::config(
                    "the private database is not running; start it with `registry-gateway db start`",
                ));
            }
        },
    }
    Ok(())
}

async fn keys_command(settings: &DatabaseSettings, action: KeysAction) -> Result<(), AppError> {
    let db = database::open(settings).await?;
    database::require_current_schema(&db.conn).await?;
    match action {
        KeysAction::Create { tenant, name, scopes, expires_in_days, rate_limit_per_minute } => {
            let expires_at = match expires_in_days {
                Some(days) => Some(
                    chrono::TimeDelta::try_days(i64::from(days))
                        .and_then(|d| chrono::Utc::now().checked_add_signed(d))
                        .ok_or_else(|| AppError::bad_input("--expires-in-days is too far in the future"))?,
                ),
                None => None,
            };
            let key = NewKey { tenant_id: tenant, name, scopes, expires_at, rate_limit_per_minute };
            let (id, plaintext) = api_keys::create_key(&db.conn, key).await?;
            println!("id:  {id}");
            println!("key: {plaintext}");
            eprintln!("store the key now: it is shown only this once and cannot be recovered");
        }
        KeysAction::Revoke { id, reason } => {
            api_keys::revoke_key(&db.conn, id, &reason).await?;
            println!("revoked {id}");
        }
        KeysAction::List { tenant } => {
            let keys = api_keys::list_keys(&db.conn, tenant).await?;
            if keys.is_empty() {
                println!("no API keys for tenant {tenant}");
                return Ok(());
            }
            let time = |t: Option<chrono::DateTime<chrono::Utc>>, none: &str| {
                t.map_or_else(|| none.to_owned(), |t| t.format("%Y-%m-%d %H:%M").to_string())
            };
            let now = chrono::Utc::now();
            let mut rows =
                vec![["ID", "PREFIX", "NAME", "SCOPES", "EXPIRES", "STATUS", "LAST USED", "USES"].map(str::to_owned)];
            for k in &keys {
                let status = match (k.revoked_at, k.expires_at) {
                    (Some(at), _) => format!("revoked {}", time(Some(at), "")),
                    (None, Some(at)) if at <= now => "expired".to_owned(),
                    _ => "active".to_owned(),
                };
                rows.push([
                    k.id.to_string(),
                    k.prefix.clone(),
                    k.name.clone(),
                    k.scopes.join(","),
                    time(k.expires_at, "never"),
                    status,
                    time(k.last_used_at, "never"),
                    k.usage_count.to_string(),
                ]);
            }
            let widths: Vec<usize> =
                (0..8).map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
            for row in &rows {
                let line: Vec<String> = row.iter().zip(&widths).map(|(cell, w)| format!("{cell:<w$}")).collect();
                println!("{}", line.join("  ").trim_end());
            }
        }
    }
    Ok(())
}
