//! Contact-list import: reading uploaded CSV files as real CRM exports come.
//!
//! This is the pure reading logic, without database or HTTP: [`open`] takes any
//! [`std::io::Read`] (the upload streamed from storage), detects the encoding (UTF-8 with or
//! without BOM, UTF-16, Windows-1252) and the delimiter (`,` `;` tab), recognises the header
//! (or its absence, for a plain list of addresses), and hands out one [`RowOutcome`] per
//! non-blank record: a [`ContactRow`] or an unparseable row with its line and reason. Whole-file
//! problems are a [`FileError`]. Addresses are only trimmed here; validation and normalization
//! live in [`crate::validate`].
//!
//! The stack of readers, from the upload to the rows:
//! `input` → [`encoding`] (sniffs a 64 KiB prefix, decodes to UTF-8) → line breaks to `\n`
//! → raw-text tap → `csv` parser → [`header`] mapping → rows.

mod attributes;
pub mod dialect;
pub mod encoding;
mod error;
pub mod header;
mod lenient_utf8;
mod limits;
mod line_breaks;
mod raw_tap;
mod reader;
mod records;
mod row;

#[cfg(test)]
mod limits_tests;
#[cfg(test)]
mod tests;

pub use attributes::Attributes;
pub use dialect::Delimiter;
pub use encoding::TextEncoding;
pub use error::FileError;
pub use header::{ColumnMap, Field};
pub use limits::CsvLimits;
pub use reader::{
    ContactCsv, MAX_RECORD_LINES, RAW_MAX_CHARS, ReadCounts, ReadSummary, SNIFF_BYTES, open,
    open_with,
};
pub use row::{ContactRow, RowOutcome};
