//! The registry of personal-data columns (`jobs/data/personal_data.tsv`): every column of a
//! tenant table whose type can hold personal data, with how erasure of one person and IP
//! anonymization treat it. A test checks it against `information_schema`, so a migration that
//! adds such a column without declaring it fails the build. Kept as a data file: it is a
//! table to read and review, not code.

use std::sync::OnceLock;

/// What erasing one person does to a column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Erasure {
    /// The person's rows of this table are deleted (the row is about them).
    DeleteRow,
    /// The person's rows stay (they are about something else too); this column is cleared
    /// or replaced in those rows.
    Scrub,
    /// The column holds no personal data; why.
    NotPersonal(&'static str),
}

/// What IP anonymization does to a column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Anonymization {
    /// Masked past the retention window (an `ip_anonymization` target).
    MaskIp,
    /// Not an IP address.
    Keep,
}

/// One declared column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PersonalColumn {
    pub table: &'static str,
    pub column: &'static str,
    pub erasure: Erasure,
    pub anonymization: Anonymization,
}

const REGISTRY: &str = include_str!("../../data/personal_data.tsv");

/// Every declared column, in the file's order (by table, then column).
pub fn personal_data() -> &'static [PersonalColumn] {
    static PARSED: OnceLock<Vec<PersonalColumn>> = OnceLock::new();
    PARSED.get_or_init(|| parse(REGISTRY).expect("jobs/data/personal_data.tsv is well-formed"))
}

/// Parses the registry; the error names the line.
fn parse(text: &'static str) -> Result<Vec<PersonalColumn>, String> {
    let mut columns = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&'static str> = line.split('\t').collect();
        let [table, column, erasure, anonymization] = fields[..] else {
            return Err(format!("line {}: expected 4 tab-separated fields", n + 1));
        };
        let erasure = match erasure {
            "delete_row" => Erasure::DeleteRow,
            "scrub" => Erasure::Scrub,
            other => match other.strip_prefix("not_personal: ") {
                Some(why) if !why.is_empty() => Erasure::NotPersonal(why),
                _ => return Err(format!("line {}: unknown erasure {other:?}", n + 1)),
            },
        };
        let anonymization = match anonymization {
            "mask_ip" => Anonymization::MaskIp,
            "keep" => Anonymization::Keep,
            other => return Err(format!("line {}: unknown anonymization {other:?}", n + 1)),
        };
        columns.push(PersonalColumn {
            table,
            column,
            erasure,
            anonymization,
        });
    }
    Ok(columns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_parses_and_lists_each_column_once_in_order() {
        let columns = personal_data();
        assert!(columns.len() > 80);
        for pair in columns.windows(2) {
            assert!(
                (pair[0].table, pair[0].column) < (pair[1].table, pair[1].column),
                "{pair:?}"
            );
        }
        let email = columns
            .iter()
            .find(|c| (c.table, c.column) == ("contacts", "email"));
        assert_eq!(email.map(|c| c.erasure), Some(Erasure::DeleteRow));
    }

    #[test]
    fn a_malformed_line_is_named() {
        assert_eq!(
            parse("a\tb\tscrub").unwrap_err(),
            "line 1: expected 4 tab-separated fields"
        );
        assert!(
            parse("a\tb\tforget\tkeep")
                .unwrap_err()
                .contains("unknown erasure")
        );
        assert!(parse("a\tb\tnot_personal: \tkeep").is_err());
    }
}
