//! The `import` job: reads an uploaded list into contacts and fans out `validate` batches.
//!
//! The whole import is one transaction with the job's success mark: the parsed rows are
//! COPY'd into temporary tables, then set-based statements dedupe, drop suppressed
//! addresses, upsert contacts, link them to the list, record unparseable rows and submit the
//! validation batches. A crash or redelivery therefore leaves nothing half-imported, and the
//! counts satisfy `total_rows = imported + duplicates + suppressed + unparseable` exactly.

use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc as std_mpsc;

use serde_json::json;
use tokio::sync::mpsc;
use uuid::Uuid;

use super::copy_text::CopyText;
use super::import_merge::{STAGING_TABLES, merge};
use super::payloads::{ImportPayload, ValidatePayload};
use super::status::ListStatus;
use crate::import::{self, RowOutcome};
use crate::permission::Permission;
use crate::queue::error_text::stored_error;
use crate::queue::{Job, JobContext, JobError, NewJob};
use crate::tenancy::TenantTx;
use crate::validate::normalize::normalize;

/// Contacts per `validate` batch.
pub const VALIDATE_BATCH: i64 = 1_000;
/// The first contact of every `validate` batch: `$1` organization, `$2` list, `$3` batch
/// size. Public so a test can check its plan.
pub const BATCH_STARTS: &str = "select contact_id from (
         select contact_id, row_number() over (order by contact_id) as n
           from contact_list_members where organization_id = $1 and list_id = $2) m
      where (n - 1) % $3 = 0 order by contact_id";
/// Parsed rows sent to Postgres per COPY.
const COPY_ROWS: usize = 10_000;

impl Job for ImportPayload {
    const KIND: &'static str = "import";
    const PERMISSION: Option<Permission> = Some(Permission::ListImport);
    const CONCURRENCY_CAP: Option<usize> = Some(2);

    async fn run(self, ctx: &JobContext) -> Result<(), JobError> {
        run(ctx, self).await
    }
}

/// Runs one attempt of an `import` job.
async fn run(ctx: &JobContext, payload: ImportPayload) -> Result<(), JobError> {
    let list = payload.list_id;
    let mut tx = ctx.begin().await?;
    let status: Option<ListStatus> = sqlx::query_scalar(
        "select status from contact_lists where organization_id = $1 and id = $2",
    )
    .bind(tx.org())
    .bind(list)
    .fetch_optional(&mut **tx)
    .await?;
    match status {
        None => {
            return Err(JobError::permanent(format!(
                "contact list {list} not found"
            )));
        }
        Some(ListStatus::Pending | ListStatus::Importing) => {}
        Some(other) => {
            return Err(JobError::permanent(format!(
                "contact list {list} is already {other}"
            )));
        }
    }
    stage(&mut tx, ctx, list).await?;
    let summary = match parse_into_staging(&mut tx, ctx, list).await {
        Ok(summary) => summary,
        Err(ImportFailure::File(message)) => {
            drop(tx);
            mark_failed(ctx, list, &message).await?;
            return Err(JobError::permanent(message));
        }
        Err(ImportFailure::Job(e)) => return Err(e),
    };
    let counts = merge(&mut tx, list).await?;
    let batches = fan_out(&mut tx, ctx, list, counts.imported).await?;
    sqlx::query(
        "update contact_lists
            set status = case when $3 = 0 then 'validated' else 'validating' end,
                total_rows = $4, duplicate_count = $5, suppressed_count = $6,
                unparseable_count = $7
          where organization_id = $1 and id = $2",
    )
    .bind(ctx.org())
    .bind(list)
    .bind(counts.imported)
    .bind(counts.total_rows)
    .bind(counts.duplicates)
    .bind(counts.suppressed)
    .bind(counts.unparseable)
    .execute(&mut **tx)
    .await?;
    ctx.succeed(
        tx,
        json!({
            "list_id": list,
            "total_rows": counts.total_rows,
            "imported": counts.imported,
            "duplicates": counts.duplicates,
            "suppressed": counts.suppressed,
            "unparseable": counts.unparseable,
            "validate_batches": batches,
            "file": summary,
        }),
    )
    .await
}

/// The file cannot be imported (empty, binary, no email column), or the job failed otherwise.
enum ImportFailure {
    File(String),
    Job(JobError),
}

impl<E: Into<JobError>> From<E> for ImportFailure {
    fn from(e: E) -> Self {
        ImportFailure::Job(e.into())
    }
}

async fn stage(tx: &mut TenantTx, ctx: &JobContext, list: Uuid) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(STAGING_TABLES).execute(&mut ***tx).await?;
    sqlx::query(
        "update contact_lists set status = 'importing' where organization_id = $1 and id = $2",
    )
    .bind(ctx.org())
    .bind(list)
    .execute(&mut ***tx)
    .await?;
    Ok(())
}

/// Marks the list `failed` with the reason a broker is shown (the file's problem).
async fn mark_failed(ctx: &JobContext, list: Uuid, reason: &str) -> Result<(), sqlx::Error> {
    let mut tx = ctx.begin().await?;
    sqlx::query(
        "update contact_lists set status = 'failed', failure_reason = $3
          where organization_id = $1 and id = $2",
    )
    .bind(ctx.org())
    .bind(list)
    .bind(stored_error(reason))
    .execute(&mut **tx)
    .await?;
    tx.commit().await
}

/// Streams the stored chunks through the CSV reader (on a blocking thread) and COPYs the
/// rows and unparseable lines into the staging tables.
async fn parse_into_staging(
    tx: &mut TenantTx,
    ctx: &JobContext,
    list: Uuid,
) -> Result<serde_json::Value, ImportFailure> {
    let (bytes_tx, bytes_rx) = std_mpsc::sync_channel::<Vec<u8>>(4);
    let (rows_tx, mut rows_rx) = mpsc::channel::<Vec<RowOutcome>>(2);
    let limits = ctx
        .service::<import::CsvLimits>()
        .copied()
        .unwrap_or_default();
    // Set when this attempt lost its job (cancelled, handed back at shutdown): the parser
    // checks it at every record and stops, so its thread and the transaction are released.
    let stop = Arc::new(AtomicBool::new(false));
    let stopped = stop.clone();
    let parser = tokio::task::spawn_blocking(move || -> Result<serde_json::Value, String> {
        let reader = ChannelReader::new(bytes_rx);
        let mut csv = import::open_with(reader, limits).map_err(|e| e.to_string())?;
        let mut batch = Vec::with_capacity(COPY_ROWS);
        for outcome in csv.by_ref() {
            if stopped.load(Ordering::Relaxed) {
                return Err("import cancelled".into());
            }
            batch.push(outcome);
            if batch.len() == COPY_ROWS
                && rows_tx.blocking_send(std::mem::take(&mut batch)).is_err()
            {
                return Err("import cancelled".into());
            }
        }
        if !batch.is_empty() {
            let _ = rows_tx.blocking_send(batch);
        }
        let summary = csv.finish().map_err(|e| e.to_string())?;
        Ok(serde_json::to_value(summary).unwrap_or_default())
    });
    let feeder = feed_chunks(ctx, list, bytes_tx);
    let writer = async {
        while let Some(batch) = rows_rx.recv().await {
            copy_batch(tx, &batch).await?;
        }
        Ok::<(), sqlx::Error>(())
    };
    let pipeline = async { tokio::join!(feeder, writer) };
    let (fed, written) = tokio::select! {
        done = pipeline => done,
        () = ctx.lost() => {
            stop.store(true, Ordering::Relaxed);
            return Err(ImportFailure::Job(JobError::LostOwnership));
        }
    };
    fed?;
    written?;
    match parser.await {
        Ok(Ok(summary)) => Ok(summary),
        Ok(Err(message)) => Err(ImportFailure::File(message)),
        Err(e) => Err(ImportFailure::Job(JobError::retryable(format!(
            "parser crashed: {e}"
        )))),
    }
}

/// Reads the list's chunks in order (a separate read transaction) into the parser's channel.
async fn feed_chunks(
    ctx: &JobContext,
    list: Uuid,
    bytes: std_mpsc::SyncSender<Vec<u8>>,
) -> Result<(), sqlx::Error> {
    let mut seq = 0;
    loop {
        let mut tx = ctx.begin().await?;
        let chunk: Option<Vec<u8>> = sqlx::query_scalar(
            "select data from list_upload_chunks
              where organization_id = $1 and list_id = $2 and seq = $3",
        )
        .bind(ctx.org())
        .bind(list)
        .bind(seq)
        .fetch_optional(&mut **tx)
        .await?;
        tx.commit().await?;
        let Some(chunk) = chunk else { return Ok(()) };
        // The parser may have stopped early (a file error); nothing more to send then.
        let sender = bytes.clone();
        if tokio::task::spawn_blocking(move || sender.send(chunk))
            .await
            .ok()
            .and_then(|r| r.ok())
            .is_none()
        {
            return Ok(());
        }
        seq += 1;
    }
}

async fn copy_batch(tx: &mut TenantTx, batch: &[RowOutcome]) -> Result<(), sqlx::Error> {
    let mut rows = CopyText::new();
    let mut errors = CopyText::new();
    for outcome in batch {
        match outcome {
            RowOutcome::Row(row) => {
                // Normalized when it can be; a malformed address is kept as written, and
                // validation classifies it invalid.
                let email = normalize(&row.email_raw)
                    .map(|e| e.to_string())
                    .unwrap_or_else(|_| row.email_raw.clone());
                let custom = serde_json::Value::Object(row.custom_fields.clone()).to_string();
                rows.field(Some(&row.line.to_string()))
                    .field(Some(&email))
                    .field(row.first_name.as_deref())
                    .field(row.last_name.as_deref())
                    .field(row.phone.as_deref())
                    .field(row.company.as_deref())
                    .field(Some(&custom));
                rows.end_row();
            }
            RowOutcome::Unparseable { line, raw, reason } => {
                errors
                    .field(Some(&line.to_string()))
                    .field(Some(raw))
                    .field(Some(reason));
                errors.end_row();
            }
        }
    }
    for (table, data) in [
        (
            "import_rows (line, email, first_name, last_name, phone, company, custom_fields)",
            rows,
        ),
        ("import_errors (line, raw, reason)", errors),
    ] {
        if data.is_empty() {
            continue;
        }
        let mut copy = tx.copy_in_raw(&format!("copy {table} from stdin")).await?;
        copy.send(data.into_bytes()).await?;
        copy.finish().await?;
    }
    Ok(())
}

/// Splits the list's members into `validate` batches (contact id ranges) submitted in this
/// transaction, and moves the list on; returns the number of batches.
async fn fan_out(
    tx: &mut TenantTx,
    ctx: &JobContext,
    list: Uuid,
    imported: i64,
) -> Result<usize, JobError> {
    let org = tx.org();
    let starts: Vec<Uuid> = sqlx::query_scalar(BATCH_STARTS)
        .bind(org)
        .bind(list)
        .bind(VALIDATE_BATCH)
        .fetch_all(&mut ***tx)
        .await?;
    let jobs: Vec<NewJob> = starts
        .iter()
        .enumerate()
        .map(|(i, from)| {
            let payload = ValidatePayload {
                list_id: list,
                batch: i as i32,
                from: *from,
                to: starts.get(i + 1).copied(),
            };
            let mut job = NewJob::from(&payload);
            job.dedupe_key = Some(format!("validate:{list}:{i}"));
            job
        })
        .collect();
    let batches = jobs.len();
    ctx.fan_out(tx, jobs, imported).await?;
    Ok(batches)
}

/// A `Read` over byte chunks arriving on a channel (the stored upload, fetched by an async
/// task while a blocking thread parses).
struct ChannelReader {
    rx: std_mpsc::Receiver<Vec<u8>>,
    current: std::io::Cursor<Vec<u8>>,
}

impl ChannelReader {
    fn new(rx: std_mpsc::Receiver<Vec<u8>>) -> Self {
        Self {
            rx,
            current: std::io::Cursor::new(Vec::new()),
        }
    }
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let n = self.current.read(buf)?;
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
            match self.rx.recv() {
                Ok(next) => self.current = std::io::Cursor::new(next),
                Err(_) => return Ok(0),
            }
        }
    }
}
