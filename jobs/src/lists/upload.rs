//! Storing an upload: the list row and the file's bytes in chunks, written as they arrive
//! (never the whole file in memory), in the same transaction as the `import` job.

use uuid::Uuid;

use crate::tenancy::TenantTx;

/// Size of one stored chunk of an uploaded file.
pub const CHUNK_BYTES: usize = 1024 * 1024;

/// Writes an uploaded file into `list_upload_chunks` as it streams in.
#[derive(Debug)]
pub struct ChunkWriter {
    list_id: Uuid,
    buffer: Vec<u8>,
    seq: i32,
    written: u64,
    limit: u64,
}

/// The upload is larger than allowed.
#[derive(Debug, thiserror::Error)]
#[error("the file is larger than {limit} bytes")]
pub struct TooLarge {
    pub limit: u64,
}

/// Why an upload could not be stored.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error(transparent)]
    TooLarge(#[from] TooLarge),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Creates the list row (status `pending`) in `tx`.
pub async fn create_list(
    tx: &mut TenantTx,
    name: &str,
    description: Option<&str>,
    created_by: Option<Uuid>,
) -> Result<Uuid, sqlx::Error> {
    let org = tx.org();
    sqlx::query_scalar(
        "insert into contact_lists (organization_id, name, description, created_by)
         values ($1, $2, $3, $4) returning id",
    )
    .bind(org)
    .bind(name)
    .bind(description)
    .bind(created_by)
    .fetch_one(&mut ***tx)
    .await
}

impl ChunkWriter {
    pub fn new(list_id: Uuid, limit: u64) -> Self {
        Self {
            list_id,
            buffer: Vec::with_capacity(CHUNK_BYTES),
            seq: 0,
            written: 0,
            limit,
        }
    }

    /// Appends bytes, storing every full chunk.
    pub async fn write(&mut self, tx: &mut TenantTx, mut bytes: &[u8]) -> Result<(), UploadError> {
        self.written += bytes.len() as u64;
        if self.written > self.limit {
            return Err(TooLarge { limit: self.limit }.into());
        }
        while !bytes.is_empty() {
            let take = (CHUNK_BYTES - self.buffer.len()).min(bytes.len());
            self.buffer.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            if self.buffer.len() == CHUNK_BYTES {
                self.flush(tx).await?;
            }
        }
        Ok(())
    }

    /// Stores what is buffered; returns the file's size.
    pub async fn finish(mut self, tx: &mut TenantTx) -> Result<u64, UploadError> {
        if !self.buffer.is_empty() || self.seq == 0 {
            self.flush(tx).await?;
        }
        Ok(self.written)
    }

    async fn flush(&mut self, tx: &mut TenantTx) -> Result<(), sqlx::Error> {
        let org = tx.org();
        sqlx::query(
            "insert into list_upload_chunks (organization_id, list_id, seq, data)
             values ($1, $2, $3, $4)",
        )
        .bind(org)
        .bind(self.list_id)
        .bind(self.seq)
        .bind(&self.buffer)
        .execute(&mut ***tx)
        .await?;
        self.seq += 1;
        self.buffer.clear();
        Ok(())
    }
}
