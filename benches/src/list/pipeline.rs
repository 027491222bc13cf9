//! The measured side: `reachly-api serve` and N `reachly-worker --queues import,validate`
//! (release builds; the end-to-end bench adds `launch,send`) against a fresh database, a private Redis and the bench's dnsmasq; the
//! CSV is uploaded with `curl -F` (streamed from disk) and the list polled until `validated`.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use reachly_testkit::RedisServer;
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use super::args::ListArgs;
use super::log;
use crate::db::BenchDb;
use crate::stack::{Services, Workers, base_env};
use crate::waits::WaitSampler;

/// One observed status change of the list (seconds after the upload started).
#[derive(Debug, Clone, Serialize)]
pub struct Transition {
    pub status: String,
    pub at_s: f64,
}

/// What one upload -> validated run took and produced.
#[derive(Debug, Clone, Serialize)]
pub struct ListRun {
    pub list_id: Uuid,
    pub upload_seconds: f64,
    pub total_seconds: f64,
    pub transitions: Vec<Transition>,
    /// The list row as the API shows it when validated.
    pub list: Value,
}

/// `curl -F name=... -F file=@path`: the file streams from disk. Returns the list id.
fn upload(base: &str, token: &str, path: &Path, name: &str) -> anyhow::Result<Uuid> {
    let out = std::process::Command::new("curl")
        .args(["-sS", "--fail-with-body", "-X", "POST"])
        .arg("-H")
        .arg(format!("Authorization: Bearer {}", token))
        .arg("-F")
        .arg(format!("name={name}"))
        .arg("-F")
        .arg(format!("file=@{};type=text/csv", path.display()))
        .arg(format!("{}/v1/contact-lists", base))
        .output()
        .context("running curl (the upload)")?;
    anyhow::ensure!(
        out.status.success(),
        "upload failed ({}): {} {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let body: Value = serde_json::from_slice(&out.stdout).context("upload response")?;
    body["list"]["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .with_context(|| format!("no list id in {body}"))
}

/// Starts the API (waits for /readyz) and `args.workers` workers serving `queues`, resolving
/// through `dns` and accepting uploads up to `upload_limit` bytes.
pub async fn start(
    args: &ListArgs,
    queues: &str,
    db: &BenchDb,
    redis: &RedisServer,
    dns: &str,
    upload_limit: u64,
) -> anyhow::Result<Services> {
    let mut env = base_env(db, redis);
    env.push(("REACHLY_DNS_SERVERS".into(), dns.to_owned()));
    env.push((
        "REACHLY_UPLOAD_LIMIT_BYTES".into(),
        upload_limit.to_string(),
    ));
    let workers = Workers {
        count: args.workers,
        queues,
        concurrency: args.concurrency,
    };
    Services::start(&args.run.bin_dir(), &env, &db.name, workers).await
}

impl Services {
    /// Uploads `path` and polls until the list is `validated` (or `failed`, an error).
    pub async fn upload_and_validate(
        &mut self,
        path: &Path,
        name: &str,
        poll: Duration,
        timeout: Duration,
        waits: &mut WaitSampler,
    ) -> anyhow::Result<ListRun> {
        let start = Instant::now();
        let path_owned = path.to_owned();
        let name_owned = name.to_owned();
        let this = (self.base.clone(), self.token.clone());
        let uploader = tokio::task::spawn_blocking(move || {
            let p = upload(&this.0, &this.1, &path_owned, &name_owned);
            (p, start.elapsed().as_secs_f64())
        });
        let (list, upload_seconds) = uploader.await?;
        let list = list?;
        log(format!(
            "{name}: uploaded in {upload_seconds:.2}s, list {list}"
        ));
        let mut transitions = vec![Transition {
            status: "pending".into(),
            at_s: upload_seconds,
        }];
        let mut last_log = Instant::now();
        loop {
            let shown = self.get(&format!("/v1/contact-lists/{list}")).await?;
            let status = shown["status"].as_str().unwrap_or("").to_owned();
            let at_s = start.elapsed().as_secs_f64();
            if transitions.last().is_none_or(|t| t.status != status) {
                log(format!("{name}: {status} at {at_s:.2}s"));
                transitions.push(Transition {
                    status: status.clone(),
                    at_s,
                });
            }
            match status.as_str() {
                "validated" => {
                    return Ok(ListRun {
                        list_id: list,
                        upload_seconds,
                        total_seconds: at_s,
                        transitions,
                        list: shown,
                    });
                }
                "failed" => anyhow::bail!("list {list} failed: {shown}"),
                _ => {}
            }
            if last_log.elapsed() > Duration::from_secs(15) {
                last_log = Instant::now();
                log(format!(
                    "{name}: {status} at {at_s:.0}s, valid {} risky {} invalid {} nonexistent {} import job {}",
                    shown["valid_count"],
                    shown["risky_count"],
                    shown["invalid_count"],
                    shown["nonexistent_count"],
                    shown["import_job"]
                ));
            }
            self.check_alive()?;
            anyhow::ensure!(
                start.elapsed() < timeout,
                "list {list} not validated within {}s (status {status}): {shown}",
                timeout.as_secs()
            );
            waits.sample().await;
            tokio::time::sleep(poll).await;
        }
    }
}

/// When the import job and the validate jobs ran, from `job_runs` (seconds relative to the
/// import job's creation, i.e. the upload's commit), plus the domain cache's size.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Phases {
    pub import_queued_s: f64,
    pub import_started_s: f64,
    pub import_finished_s: f64,
    pub validate_jobs: i64,
    pub validate_first_started_s: f64,
    pub validate_last_finished_s: f64,
    pub validate_attempts: i64,
    pub domain_checks_rows: i64,
    pub validation_logs_rows: i64,
}

pub async fn phases(maint: &sqlx::PgPool, list: Uuid) -> anyhow::Result<Phases> {
    let (import_queued_s, import_started_s, import_finished_s): (f64, f64, f64) = sqlx::query_as(
        "select 0::float8,
                extract(epoch from started_at - created_at)::float8,
                extract(epoch from finished_at - created_at)::float8
           from job_runs where kind = 'import' and payload->>'list_id' = $1::text
          order by created_at desc limit 1",
    )
    .bind(list)
    .fetch_one(maint)
    .await
    .context("the import job's times")?;
    let (validate_jobs, first, last, attempts): (i64, Option<f64>, Option<f64>, Option<i64>) =
        sqlx::query_as(
            "select count(*),
                    extract(epoch from min(v.started_at) - i.created_at)::float8,
                    extract(epoch from max(v.finished_at) - i.created_at)::float8,
                    sum(v.attempts)::bigint
               from job_runs v
               join job_runs i on i.kind = 'import' and i.payload->>'list_id' = $1::text
              where v.kind = 'validate' and v.payload->>'list_id' = $1::text
              group by i.created_at",
        )
        .bind(list)
        .fetch_optional(maint)
        .await
        .context("the validate jobs' times")?
        .unwrap_or((0, None, None, None));
    let (domain_checks_rows,): (i64,) = sqlx::query_as("select count(*) from domain_checks")
        .fetch_one(maint)
        .await?;
    let (validation_logs_rows,): (i64,) =
        sqlx::query_as("select count(*) from validation_logs where list_id = $1")
            .bind(list)
            .fetch_one(maint)
            .await?;
    Ok(Phases {
        import_queued_s,
        import_started_s,
        import_finished_s,
        validate_jobs,
        validate_first_started_s: first.unwrap_or(0.0),
        validate_last_finished_s: last.unwrap_or(0.0),
        validate_attempts: attempts.unwrap_or(0),
        domain_checks_rows,
        validation_logs_rows,
    })
}
