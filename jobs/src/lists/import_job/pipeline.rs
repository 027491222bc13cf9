//! The import's pipeline: the stored upload's chunks are read in order (an async task), parsed
//! by the CSV reader on a blocking thread, and COPY'd into the staging tables in the job's
//! transaction as they come; the whole stops within a second once the attempt loses its job.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc as std_mpsc;

use sha2::{Digest, Sha256};
use tokio::sync::mpsc;
use uuid::Uuid;

use super::ImportFailure;
use super::channel_reader::ChannelReader;
use super::copy_rows::copy_batch;
use crate::import::{self, RowOutcome};
use crate::queue::{JobContext, JobError};
use crate::tenancy::TenantTx;

/// Parsed rows sent to Postgres per COPY.
const COPY_ROWS: usize = 10_000;

/// Streams the stored chunks through the CSV reader (on a blocking thread) and COPYs the
/// rows and unparseable lines into the staging tables; returns the reader's summary and the
/// file's digest.
pub(super) async fn parse_into_staging(
    tx: &mut TenantTx,
    ctx: &JobContext,
    list: Uuid,
) -> Result<(serde_json::Value, UploadDigest), ImportFailure> {
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
    let mut pipeline = std::pin::pin!(async { tokio::join!(feeder, writer) });
    let (fed, written, lost) = tokio::select! {
        (fed, written) = &mut pipeline => (fed, written, false),
        () = ctx.lost() => {
            // The parser stops at its next record; the COPY in flight finishes and the
            // pipeline drains, so the connection goes back to the pool between statements.
            // Dropping the pipeline instead cut a COPY mid-message, and the connection then
            // answered its next query with another statement's rows.
            stop.store(true, Ordering::Relaxed);
            let (fed, written) = pipeline.await;
            (fed, written, true)
        }
    };
    if lost {
        let _ = parser.await;
        return Err(ImportFailure::Job(JobError::LostOwnership));
    }
    let digest = fed?;
    written?;
    match parser.await {
        Ok(Ok(summary)) => Ok((summary, digest)),
        Ok(Err(message)) => Err(ImportFailure::File(message)),
        Err(e) => Err(ImportFailure::Job(JobError::retryable_because(
            "the CSV parser's thread crashed",
            e,
        ))),
    }
}

/// What the import keeps of the uploaded file once its chunks are deleted: its size and its
/// SHA-256 (as `sha256sum` prints it), in the job's result.
#[derive(Debug, Default)]
pub(super) struct UploadDigest {
    bytes: u64,
    hasher: Sha256,
}

impl UploadDigest {
    fn add(&mut self, chunk: &[u8]) {
        self.bytes += chunk.len() as u64;
        self.hasher.update(chunk);
    }

    pub(super) fn into_json(self) -> serde_json::Value {
        let digest: String = self
            .hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        serde_json::json!({ "bytes": self.bytes, "sha256": digest })
    }
}

/// Reads the list's chunks in order (a separate read transaction) into the parser's channel,
/// digesting them on the way.
async fn feed_chunks(
    ctx: &JobContext,
    list: Uuid,
    bytes: std_mpsc::SyncSender<Vec<u8>>,
) -> Result<UploadDigest, sqlx::Error> {
    let mut digest = UploadDigest::default();
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
        let Some(chunk) = chunk else {
            return Ok(digest);
        };
        digest.add(&chunk);
        // The parser may have stopped early (a file error); nothing more to send then.
        let sender = bytes.clone();
        if tokio::task::spawn_blocking(move || sender.send(chunk))
            .await
            .ok()
            .and_then(|r| r.ok())
            .is_none()
        {
            return Ok(digest);
        }
        seq += 1;
    }
}
