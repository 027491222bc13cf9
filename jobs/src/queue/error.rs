//! How an attempt fails, with its cause kept: what is stored in `job_runs.last_error` and
//! logged is the whole chain (the driver's SQLSTATE, message and constraint included), not
//! only the outermost message.

use std::error::Error;
use std::sync::Arc;

/// A failure's cause, of any error type.
pub type BoxError = Box<dyn Error + Send + Sync>;

/// How an attempt failed.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Worth another attempt (after backoff) if attempts remain.
    #[error("{message}")]
    Retryable {
        message: String,
        #[source]
        source: Option<BoxError>,
    },
    /// Will fail the same way every time: the job goes `dead` at once.
    #[error("{message}")]
    Permanent {
        message: String,
        #[source]
        source: Option<BoxError>,
    },
    #[error("database")]
    Database(#[from] sqlx::Error),
    /// A batched write this job was part of failed.
    #[error("batched database write")]
    Batch(#[source] Arc<sqlx::Error>),
    /// The job is no longer this attempt's (cancelled, reaped or handed back); nothing was kept.
    #[error("the job is no longer owned by this attempt")]
    LostOwnership,
}

impl JobError {
    pub fn retryable(message: impl Into<String>) -> Self {
        Self::Retryable {
            message: message.into(),
            source: None,
        }
    }

    pub fn permanent(message: impl Into<String>) -> Self {
        Self::Permanent {
            message: message.into(),
            source: None,
        }
    }

    /// Retryable, `message` saying what was being done when `source` happened.
    pub fn retryable_because(message: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Self::Retryable {
            message: message.into(),
            source: Some(source.into()),
        }
    }

    /// Whether another attempt cannot help.
    pub fn is_permanent(&self) -> bool {
        matches!(self, Self::Permanent { .. })
    }

    /// The whole chain, outermost first: `what was done: why: the driver's error
    /// (SQLSTATE …, constraint …)`.
    pub fn chain(&self) -> String {
        chain(self)
    }
}

/// `error` and its sources, joined by `: `; a database error shows its SQLSTATE, and its
/// constraint, table and detail where Postgres gave them.
pub fn chain(error: &(dyn Error + 'static)) -> String {
    let mut parts = Vec::new();
    let mut next = Some(error);
    while let Some(current) = next {
        parts.push(describe(current));
        next = current.source();
    }
    parts.join(": ")
}

/// One link of a chain: its message, or a database error's particulars.
fn describe(error: &(dyn Error + 'static)) -> String {
    let sqlx_error = error
        .downcast_ref::<sqlx::Error>()
        .or_else(|| error.downcast_ref::<Arc<sqlx::Error>>().map(|a| &**a));
    let Some(sqlx::Error::Database(db)) = sqlx_error else {
        return error.to_string();
    };
    let mut text = db.message().to_owned();
    let mut details = Vec::new();
    if let Some(code) = db.code() {
        details.push(format!("SQLSTATE {code}"));
    }
    if let Some(constraint) = db.constraint() {
        details.push(format!("constraint {constraint}"));
    }
    if let Some(table) = db.table() {
        details.push(format!("table {table}"));
    }
    if let Some(detail) = db
        .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
        .and_then(|pg| pg.detail())
    {
        details.push(format!("detail: {detail}"));
    }
    if !details.is_empty() {
        text = format!("{text} ({})", details.join(", "));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chain_keeps_every_cause() {
        let io = std::io::Error::other("connection reset");
        let error = JobError::retryable_because("writing the batch", io);
        assert_eq!(error.chain(), "writing the batch: connection reset");
        assert!(!error.is_permanent());
        assert_eq!(JobError::permanent("bad").chain(), "bad");
    }

    #[test]
    fn a_driver_error_below_the_job_error_is_shown() {
        let error = JobError::Database(sqlx::Error::RowNotFound);
        assert_eq!(
            error.chain(),
            "database: no rows returned by a query that expected to return at least one row"
        );
    }
}
