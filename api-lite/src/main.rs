//! `reachly-api`: `serve` the HTTP API, `migrate` the database, or mint a `token`.

mod auth;
mod error;
mod error_shape;
mod json;
mod openapi;
mod requester;
mod routes;
mod session;
mod shapes;
mod state;
mod token;

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use reachly_jobs::metrics::Exporter;
use reachly_jobs::queue::stats::QueueStats;
use reachly_jobs::{AppDb, Config, MaintDb};

#[derive(Debug, Parser)]
#[command(name = "reachly-api", version, about = "The Reachly jobs HTTP API")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the HTTP API on REACHLY_API_ADDR.
    Serve,
    /// Apply database migrations (as the owner role, DATABASE_URL).
    Migrate,
    /// Create the organization, user and active membership if missing; print a bearer token.
    Token(token::TokenArgs),
    /// Make the user with this email a platform operator (sees every queue, worker and
    /// schedule; pauses and resumes queues).
    GrantPlatformAdmin { email: String },
    /// Print the OpenAPI document (what `GET /openapi.json` serves).
    Openapi,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Command::Openapi = cli.command {
        println!("{}", openapi::DOCUMENT.to_pretty_json()?);
        return Ok(());
    }
    init_tracing();
    let config = Config::from_env()?;
    reachly_jobs::validate::special_use::allow_test_domains(config.allow_test_domains);
    match cli.command {
        Command::Serve => serve(config).await,
        Command::Migrate => {
            reachly_jobs::db::migrate(&config.database_url)
                .await
                .context("applying migrations")?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Token(args) => token::run(&config, args).await,
        Command::GrantPlatformAdmin { email } => token::grant_platform_admin(&config, &email).await,
        Command::Openapi => unreachable!("printed above"),
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let db = AppDb::connect(&config.app_database_url, 16)
        .await
        .context("connecting as the application role (APP_DATABASE_URL)")?;
    let redis = redis::Client::open(config.redis_url.as_str())?
        .get_connection_manager()
        .await
        .context("connecting to Redis (REDIS_URL)")?;
    // The queue gauges span every organization: a maintenance-role pool of their own, so
    // the ops routes' load never delays a scrape. One connection: their reads are
    // single-flight (one at a time, shared by concurrent scrapes).
    let gauges_db = MaintDb::connect(&config.maint_database_url, 1)
        .await
        .context("connecting as the maintenance role for the queue gauges (MAINT_DATABASE_URL)")?;
    let registry = Arc::new(reachly_jobs::kinds::registry());
    let queues = registry.queues().into_iter().map(String::from).collect();
    let state = state::AppState {
        db,
        queue_stats: QueueStats::new(gauges_db, queues),
        exporter: Exporter::install()?,
        registry,
        redis,
        jwt_secret: Arc::from(config.jwt_secret.as_str()),
        token_max_lifetime: chrono::Duration::from_std(config.token_max_lifetime)?,
        upload_limit: config.upload_limit,
        trust_forwarded_for: config.trust_forwarded_for,
        suppression_key: config.suppression_key.clone(),
        maint: MaintDb::connect(&config.maint_database_url, 2)
            .await
            .context("connecting as the maintenance role (MAINT_DATABASE_URL)")?,
        queue: config.queue.clone(),
    };
    let listener = tokio::net::TcpListener::bind(config.api_addr)
        .await
        .with_context(|| format!("binding {}", config.api_addr))?;
    tracing::info!(addr = %listener.local_addr()?, "serving");
    // The peer's address is the requester's IP in the audit trail.
    let app = routes::router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                    .expect("SIGTERM handler");
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        })
        .await?;
    Ok(())
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var("REACHLY_LOG_FORMAT").as_deref() == Ok("json") {
        builder.json().init();
    } else {
        builder.init();
    }
}
