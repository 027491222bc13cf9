//! A bench database created from scratch (`reachly_bench_<random>`), migrated, dropped after;
//! and the raw `COPY` both directions that baselines are measured with.

use std::io::{BufWriter, Read, Write};
use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use futures::TryStreamExt;
use reachly_jobs::db::{RoleUrls, with_database};
use serde::Serialize;
use sqlx::{Connection, PgConnection};

/// Connection URLs of the bench database, one per role.
#[derive(Clone, Debug)]
pub struct BenchDb {
    pub name: String,
    pub owner_url: String,
    pub app_url: String,
    pub maint_url: String,
}

impl BenchDb {
    /// Creates and migrates a new database on the server of DATABASE_URL (defaults: .env.example).
    pub async fn create() -> anyhow::Result<BenchDb> {
        let urls = RoleUrls::from_config(&reachly_jobs::Config::from_env()?);
        let owner = urls.owner.clone();
        let name = format!("reachly_bench_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(&with_database(&owner, "postgres"))
            .await
            .context(
                "connecting as reachly_owner to database postgres (run scripts/services.sh)",
            )?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("create database {name}")))
            .execute(&mut admin)
            .await
            .with_context(|| format!("creating database {name}"))?;
        admin.close().await?;
        let urls = urls.for_database(&name);
        let db = BenchDb {
            owner_url: urls.owner,
            app_url: urls.app,
            maint_url: urls.maint,
            name,
        };
        reachly_jobs::db::migrate(&db.owner_url)
            .await
            .with_context(|| format!("migrating {}", db.name))?;
        Ok(db)
    }

    /// At the end of a run: keeps the database when asked (and says so), else drops it,
    /// logging rather than failing if it cannot.
    pub async fn finish(&self, keep: bool) {
        if keep {
            crate::log(format!("kept database {}", self.name));
        } else if let Err(e) = self.drop_db().await {
            crate::log(format!("could not drop database {}: {e}", self.name));
        }
    }

    /// Drops the database; retries while the stopped processes' sessions wind down.
    pub async fn drop_db(&self) -> anyhow::Result<()> {
        let mut admin = PgConnection::connect(&with_database(&self.owner_url, "postgres")).await?;
        let sql = format!("drop database if exists {}", self.name);
        let mut attempts = 0;
        loop {
            match sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone()))
                .execute(&mut admin)
                .await
            {
                Ok(_) => return Ok(()),
                Err(e) if attempts < 50 => {
                    attempts += 1;
                    if attempts == 1 {
                        crate::log(format!("waiting to drop {}: {e}", self.name));
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
}

/// One table's raw load: the physical limit a pipeline writing the same rows is compared to.
#[derive(Debug, Clone, Serialize)]
pub struct TableCopy {
    pub table: String,
    pub rows: i64,
    pub bytes: u64,
    pub seconds: f64,
}

/// Writes `COPY (<select>) TO STDOUT` (text format) to `path`; returns the bytes written.
pub async fn copy_out(conn: &mut PgConnection, select: &str, path: &Path) -> anyhow::Result<u64> {
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    let mut stream = conn
        .copy_out_raw(&format!("copy ({select}) to stdout"))
        .await?;
    let mut bytes = 0u64;
    while let Some(chunk) = stream.try_next().await? {
        bytes += chunk.len() as u64;
        out.write_all(&chunk)?;
    }
    out.flush()?;
    Ok(bytes)
}

/// Times `COPY <table> FROM STDIN` of a file written by [`copy_out`]. Postgres refuses it on
/// a table under row-level security unless the role bypasses RLS (the maintenance role does).
pub async fn copy_in(
    conn: &mut PgConnection,
    table: &str,
    path: &Path,
) -> anyhow::Result<TableCopy> {
    let mut file = std::fs::File::open(path)?;
    let bytes = file.metadata()?.len();
    let start = Instant::now();
    let mut copy = conn
        .copy_in_raw(&format!("copy {table} from stdin"))
        .await?;
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        copy.send(&buf[..n]).await?;
    }
    let rows = copy.finish().await? as i64;
    Ok(TableCopy {
        table: table.to_owned(),
        rows,
        bytes,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// `job_runs` counted by kind and status, for the log of a run that failed or timed out:
/// where the jobs were when it stopped. Empty if the query fails.
pub async fn job_counts(pool: &sqlx::PgPool) -> Vec<(String, String, i64)> {
    sqlx::query_as("select kind, status, count(*) from job_runs group by 1, 2 order by 1, 2")
        .fetch_all(pool)
        .await
        .unwrap_or_default()
}
