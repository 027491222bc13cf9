//! A bench database created from scratch (`reachly_bench_<random>`), migrated, dropped after;
//! and the raw `COPY` both directions that baselines are measured with.

use std::io::{BufWriter, Read, Write};
use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use futures::TryStreamExt;
use reachly_testkit::Database;
use serde::Serialize;
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

/// Connection URLs of a bench database, one per role.
pub type BenchDb = Database;

/// Creates and migrates a new database `reachly_bench_<random>` on the server of
/// DATABASE_URL (defaults: .env.example).
pub async fn create() -> anyhow::Result<BenchDb> {
    Database::create_migrated("reachly_bench").await
}

/// At the end of a run: keeps the database when asked (and says so), else drops it,
/// logging rather than failing if it cannot.
pub async fn finish(db: &BenchDb, keep: bool) {
    if keep {
        eprintln!("[bench] kept database {}", db.name);
    } else if let Err(e) = db.drop_database().await {
        eprintln!("[bench] could not drop database {}: {e:#}", db.name);
    }
}

/// Runs `load` on a maintenance-role connection to a new, migrated database (a raw
/// baseline's target), then drops that database unless `keep`.
pub async fn in_fresh_database<T>(
    keep: bool,
    load: impl AsyncFnOnce(&BenchDb, &mut PgConnection) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let target = create().await?;
    eprintln!("[bench] raw baseline in fresh database {}", target.name);
    let result = async {
        let mut dst = PgConnection::connect(&target.maint_url).await?;
        let loaded = load(&target, &mut dst).await?;
        dst.close().await?;
        anyhow::Ok(loaded)
    }
    .await;
    finish(&target, keep).await;
    result
}

/// The uuid in `column` of row `id` of `table` (e.g. a campaign's organization), read through
/// `conn`.
pub async fn uuid_column(
    conn: &mut PgConnection,
    table: &str,
    column: &str,
    id: Uuid,
) -> anyhow::Result<Uuid> {
    let sql = format!("select {column} from {table} where id = $1");
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_one(conn)
        .await
        .with_context(|| format!("{column} of {table} {id}"))
}

/// The monthly partitions of `events` that a campaign's events span.
#[derive(Debug, Clone)]
pub struct EventMonths {
    /// The first month, `YYYY-MM-DD`.
    pub first: String,
    pub count: i32,
}

impl EventMonths {
    /// The months `campaign`'s events span in the database of `src`.
    pub async fn of_campaign(src: &mut PgConnection, campaign: Uuid) -> anyhow::Result<Self> {
        let (first, count) = sqlx::query_as(
            "select to_char(min(m), 'YYYY-MM-DD'),
                    ((extract(year from max(m)) - extract(year from min(m))) * 12
                     + extract(month from max(m)) - extract(month from min(m)) + 1)::int4
               from (select date_trunc('month', occurred_at at time zone 'UTC') as m
                       from events where campaign_id = $1) as t",
        )
        .bind(campaign)
        .fetch_one(src)
        .await
        .context("the months the events span")?;
        Ok(EventMonths { first, count })
    }

    /// Creates these partitions in the database of `dst` (a raw load needs them first).
    pub async fn ensure(&self, dst: &mut PgConnection) -> anyhow::Result<()> {
        sqlx::query("select ensure_event_partitions($1::date, $2)")
            .bind(&self.first)
            .bind(self.count)
            .execute(dst)
            .await?;
        Ok(())
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

/// Passes `measured` on; when it failed, first logs where the jobs were when it stopped
/// (`job_runs` counted by kind and status, nothing if that query fails too).
pub async fn explain_failure<T>(
    measured: anyhow::Result<T>,
    pool: &sqlx::PgPool,
) -> anyhow::Result<T> {
    if measured.is_err() {
        let counts: Vec<(String, String, i64)> = sqlx::query_as(
            "select kind, status, count(*) from job_runs group by 1, 2 order by 1, 2",
        )
        .fetch_all(pool)
        .await
        .unwrap_or_default();
        eprintln!("[bench] job_runs by kind and status: {counts:?}");
    }
    measured
}

/// Waits for job `id` to succeed (polling `job_runs` every 100 ms, for `timeout_s` at most);
/// its run time (`started_at` to `finished_at`).
pub async fn wait_succeeded(
    maint: &mut PgConnection,
    id: Uuid,
    timeout_s: u64,
) -> anyhow::Result<f64> {
    let deadline = Instant::now() + std::time::Duration::from_secs(timeout_s);
    loop {
        let (status, seconds): (String, Option<f64>) = sqlx::query_as(
            "select status, extract(epoch from finished_at - started_at)::float8
               from job_runs where id = $1",
        )
        .bind(id)
        .fetch_one(&mut *maint)
        .await?;
        match status.as_str() {
            "succeeded" => return seconds.ok_or_else(|| anyhow::anyhow!("no run time")),
            "dead" | "cancelled" | "retryable" => anyhow::bail!("job {id} is {status}"),
            _ => {}
        }
        anyhow::ensure!(Instant::now() < deadline, "job {id} still {status}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
