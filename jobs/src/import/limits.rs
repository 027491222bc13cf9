//! How wide a CSV upload may be: the bounds that keep reading any file linear in its size.

/// Bounds on a CSV upload's shape, from `REACHLY_CSV_MAX_COLUMNS` and
/// `REACHLY_CSV_MAX_FIELD_BYTES`.
///
/// It exists because every cost of reading a row grows with its width: a header wider than
/// `max_columns` fails the file (a 50 MB line of addresses read as a header-less file would
/// otherwise be a row of millions of columns), and a field longer than `max_field_bytes` fails
/// its row, or the file when it is in the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsvLimits {
    pub max_columns: usize,
    pub max_field_bytes: usize,
}

impl CsvLimits {
    /// Columns a file may have unless configured otherwise.
    pub const DEFAULT_MAX_COLUMNS: usize = 1_000;
    /// Bytes one field may hold unless configured otherwise.
    pub const DEFAULT_MAX_FIELD_BYTES: usize = 64 * 1024;
    /// Bytes one header cell may hold: a column name becomes a `custom_fields` key on every
    /// contact and is listed in the import job's result, so it is held far shorter than a
    /// value (real CRM headers are a few dozen bytes).
    pub const MAX_HEADER_CELL_BYTES: usize = 512;

    /// The longest header cell accepted.
    pub fn max_header_cell_bytes(&self) -> usize {
        self.max_field_bytes.min(Self::MAX_HEADER_CELL_BYTES)
    }
}

impl Default for CsvLimits {
    fn default() -> Self {
        Self {
            max_columns: Self::DEFAULT_MAX_COLUMNS,
            max_field_bytes: Self::DEFAULT_MAX_FIELD_BYTES,
        }
    }
}
