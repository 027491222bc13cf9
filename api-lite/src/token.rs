//! `reachly-api token`: an admin command (maintenance role) that makes sure an organization,
//! a user and an active membership exist, then prints a bearer token for that user; and
//! `reachly-api grant-platform-admin`, which makes a user a platform operator.

use anyhow::Context;
use clap::Args;
use reachly_jobs::{Config, MaintDb};
use uuid::Uuid;

#[derive(Debug, Args)]
pub struct TokenArgs {
    /// Organization slug (created if missing).
    #[arg(long)]
    organization: String,
    /// User email (created if missing).
    #[arg(long)]
    email: String,
    /// Role key: admin, consultant or viewer.
    #[arg(long, default_value = "admin")]
    role: String,
    /// Token lifetime in hours.
    #[arg(long, default_value_t = 24)]
    hours: i64,
}

pub async fn run(config: &Config, args: TokenArgs) -> anyhow::Result<()> {
    let db = MaintDb::connect(&config.maint_database_url, 2)
        .await
        .context("connecting as the maintenance role (MAINT_DATABASE_URL)")?;
    let mut tx = db.pool().begin().await?;
    let (role_id,): (Uuid,) = sqlx::query_as("select id from roles where key = $1")
        .bind(&args.role)
        .fetch_optional(&mut *tx)
        .await?
        .with_context(|| format!("unknown role {:?}", args.role))?;
    let (org,): (Uuid,) = sqlx::query_as(
        "insert into organizations (slug, name) values ($1, $1)
         on conflict (slug) do update set slug = excluded.slug
         returning id",
    )
    .bind(&args.organization)
    .fetch_one(&mut *tx)
    .await?;
    let (user,): (Uuid,) = sqlx::query_as(
        "insert into users (email) values ($1)
         on conflict (lower(email)) do update set email = users.email
         returning id",
    )
    .bind(&args.email)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "insert into memberships (organization_id, user_id, role_id, status)
         values ($1, $2, $3, 'active')
         on conflict (organization_id, user_id)
         do update set role_id = excluded.role_id, status = 'active'",
    )
    .bind(org)
    .bind(user)
    .bind(role_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    let ttl = chrono::Duration::hours(args.hours);
    // A negative lifetime issues an expired token (tests use one); a longer one than the
    // server honours would only be refused by it.
    anyhow::ensure!(
        ttl.to_std()
            .map_or(true, |t| t <= config.token_max_lifetime),
        "--hours must be within REACHLY_TOKEN_MAX_LIFETIME_SECS ({} s)",
        config.token_max_lifetime.as_secs()
    );
    let token = crate::auth::issue(&config.jwt_secret, user, org, ttl);
    println!("{token}");
    Ok(())
}

/// `reachly-api grant-platform-admin EMAIL`: makes an existing user a platform operator.
pub async fn grant_platform_admin(config: &Config, email: &str) -> anyhow::Result<()> {
    let db = MaintDb::connect(&config.maint_database_url, 1)
        .await
        .context("connecting as the maintenance role (MAINT_DATABASE_URL)")?;
    let granted = sqlx::query(
        "update users set platform_admin = true
          where lower(email) = lower($1) and deleted_at is null",
    )
    .bind(email)
    .execute(db.pool())
    .await?;
    anyhow::ensure!(granted.rows_affected() == 1, "no user with email {email:?}");
    println!("{email} is a platform administrator");
    Ok(())
}
