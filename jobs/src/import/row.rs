//! What the reader hands out for each record of a file.

use serde::Serialize;
use serde_json::{Map, Value};

use super::attributes::Attributes;

/// One contact as read from the file, before any validation or normalization.
///
/// It exists to carry a row from the CSV reader to the import job: the address exactly as
/// written (trimmed), the mapped fields, every other column, and the line to point at.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContactRow {
    /// 1-based physical line where the record starts in the file.
    pub line: u64,
    /// The email cell, trimmed, never empty; not validated or normalized here.
    pub email_raw: String,
    /// The cells of the other mapped attributes, trimmed; `None` where empty or unmapped.
    #[serde(flatten)]
    pub attributes: Attributes<Option<String>>,
    /// Every unmapped column with a non-empty value, keyed by its header text.
    pub custom_fields: Map<String, Value>,
}

impl ContactRow {
    /// A row of line `line` with only its address (the tests' expected rows start from it).
    #[cfg(test)]
    pub fn new(line: u64, email_raw: &str) -> Self {
        Self {
            line,
            email_raw: email_raw.to_owned(),
            attributes: Attributes::default(),
            custom_fields: Map::new(),
        }
    }
}

/// Setters of the mapped attributes, one per attribute, each setting it to a text.
#[cfg(test)]
macro_rules! field_setters {
    ($($field:ident),+) => {
        $(
            #[doc = concat!("This row with `", stringify!($field), "` set.")]
            pub fn $field(self, value: &str) -> Self {
                let attributes = Attributes { $field: Some(value.to_owned()), ..self.attributes };
                Self { attributes, ..self }
            }
        )+
    };
}

/// Builder-style setters for the tests' expected rows, so each row states only the fields its
/// file fills.
#[cfg(test)]
impl ContactRow {
    field_setters!(first_name, last_name, name, phone, company);

    /// This row with the custom fields `pairs` (header, value), as text values.
    pub fn custom(self, pairs: &[(&str, &str)]) -> Self {
        let custom_fields = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
            .collect();
        Self {
            custom_fields,
            ..self
        }
    }
}

/// What one record of a file turned out to be.
///
/// It exists so a bad row is reported with its line and reason and counted, never dropped in
/// silence, while the reader goes on to the next row.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RowOutcome {
    Row(ContactRow),
    Unparseable {
        /// 1-based physical line where the record starts.
        line: u64,
        /// The record's text as in the file (line breaks as `\n`), cut to 1,000 characters.
        raw: String,
        /// Why the row cannot be imported, fit to show to the user.
        reason: String,
    },
}

/// The tests' expected rows are written as [`ContactRow`]s.
#[cfg(test)]
impl From<ContactRow> for RowOutcome {
    fn from(row: ContactRow) -> Self {
        RowOutcome::Row(row)
    }
}

impl RowOutcome {
    /// An unparseable record (the tests' expected rows).
    #[cfg(test)]
    pub fn unparseable(line: u64, raw: &str, reason: &str) -> Self {
        RowOutcome::Unparseable {
            line,
            raw: raw.to_owned(),
            reason: reason.to_owned(),
        }
    }

    /// The line where the record starts.
    pub fn line(&self) -> u64 {
        match self {
            RowOutcome::Row(row) => row.line,
            RowOutcome::Unparseable { line, .. } => *line,
        }
    }
}
