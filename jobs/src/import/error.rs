//! Why a whole file cannot be imported.

/// A problem with the file as a whole, as opposed to one bad row.
///
/// It exists so the import job can fail with a message a broker understands: every variant's
/// text is written to be shown to the user as is, and [`FileError::code`] gives a stable
/// machine-readable code for the API's `{"error": {"code", "message"}}` body and `job_runs`.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// No bytes at all, or nothing but a byte-order mark, whitespace and empty cells.
    #[error("the file is empty")]
    Empty,
    /// NUL bytes or many control characters: a spreadsheet, an image, an archive, ...
    #[error("the file looks binary, not CSV")]
    Binary,
    /// The first row is a header, but none of its columns holds email addresses.
    #[error("the file has no email column (columns: {})", .headers.join(", "))]
    NoEmailColumn {
        /// The header cells as they appear in the file (trimmed).
        headers: Vec<String>,
    },
    /// The first row has more columns than the configured maximum.
    #[error("the first row has {found} columns; at most {max} are accepted")]
    TooManyColumns { found: usize, max: usize },
    /// A header cell is longer than the configured maximum field length.
    #[error("header column {column} is longer than {max} bytes")]
    HeaderFieldTooLong { column: usize, max: usize },
    /// Reading the upload itself failed (storage or network, not the file's content).
    #[error("the file could not be read: {0}")]
    Io(#[from] std::io::Error),
}

impl FileError {
    /// A short stable code for this error, for API bodies, metrics and job records.
    pub fn code(&self) -> &'static str {
        match self {
            FileError::Empty => "empty_file",
            FileError::Binary => "binary_file",
            FileError::NoEmailColumn { .. } => "no_email_column",
            FileError::TooManyColumns { .. } => "too_many_columns",
            FileError::HeaderFieldTooLong { .. } => "header_field_too_long",
            FileError::Io(_) => "read_failed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_fit_for_users() {
        assert_eq!(FileError::Empty.to_string(), "the file is empty");
        assert_eq!(
            FileError::Binary.to_string(),
            "the file looks binary, not CSV"
        );
        let err = FileError::NoEmailColumn {
            headers: vec!["Name".into(), "Phone".into()],
        };
        assert_eq!(
            err.to_string(),
            "the file has no email column (columns: Name, Phone)"
        );
        assert_eq!(err.code(), "no_email_column");
    }
}
