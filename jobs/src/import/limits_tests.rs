//! Hostile shapes: every cost of reading a file is linear in its size, and what is too wide
//! or too long is refused with a clear message instead of hanging a worker.

use super::*;

fn open_err(bytes: &[u8], limits: CsvLimits) -> FileError {
    match open_with(bytes, limits) {
        Ok(_) => panic!("the file opened"),
        Err(e) => e,
    }
}

#[test]
fn repeated_header_names_are_numbered_as_before() {
    let csv = open(b"email,dup,dup,dup (2),dup\na@b.test,1,2,3,4\n".as_slice()).unwrap();
    let keys: Vec<&str> = csv
        .columns()
        .custom
        .iter()
        .map(|(_, k)| k.as_str())
        .collect();
    assert_eq!(keys, ["dup", "dup (2)", "dup (2) (2)", "dup (3)"]);
}

#[test]
fn thousands_of_identical_header_names_map_in_linear_time() {
    // 4,000 identical names never finished in 120 s when each copy scanned the keys so far.
    let n = 20_000;
    let header = format!("email{}\n", ",dup".repeat(n));
    let limits = CsvLimits {
        max_columns: n + 1,
        ..CsvLimits::default()
    };
    let csv = open_with(header.as_bytes(), limits).unwrap();
    let custom = &csv.columns().custom;
    assert_eq!(custom.len(), n);
    assert_eq!(custom[n - 1].1, format!("dup ({n})"));
}

#[test]
fn a_header_wider_than_the_limit_fails_the_file() {
    let header = format!("email{}\n", ",x".repeat(1_000));
    let err = open_err(header.as_bytes(), CsvLimits::default());
    assert_eq!(err.code(), "too_many_columns");
    assert_eq!(
        err.to_string(),
        "the first row has 1001 columns; at most 1000 are accepted"
    );
}

#[test]
fn a_single_line_of_addresses_is_too_wide_not_a_hang() {
    let line = "someone@mail-ok.test,".repeat(100_000);
    let err = open_err(line.as_bytes(), CsvLimits::default());
    assert_eq!(err.code(), "too_many_columns");
}

#[test]
fn a_header_cell_longer_than_a_field_fails_the_file() {
    let limits = fields_of(10);
    let err = open_err(b"email,a_very_long_column_name\n".as_slice(), limits);
    assert_eq!(err.code(), "header_field_too_long");
    assert_eq!(err.to_string(), "header column 2 is longer than 10 bytes");
}

#[test]
fn a_header_cell_longer_than_512_bytes_fails_the_file() {
    let header = format!("email,{}\n", "n".repeat(513));
    let err = open_err(header.as_bytes(), CsvLimits::default());
    assert_eq!(err.to_string(), "header column 2 is longer than 512 bytes");
}

#[test]
fn a_field_longer_than_the_limit_fails_its_row_only() {
    let limits = fields_of(16);
    let data = "email,note\na@b.test,short\nc@d.test,this note is far too long\ne@f.test,ok\n";
    let mut csv = open_with(data.as_bytes(), limits).unwrap();
    let outcomes: Vec<RowOutcome> = csv.by_ref().collect();
    assert_eq!(outcomes.len(), 3);
    assert!(matches!(&outcomes[0], RowOutcome::Row(r) if r.email_raw == "a@b.test"));
    match &outcomes[1] {
        RowOutcome::Unparseable { line, reason, .. } => {
            assert_eq!(*line, 3);
            assert_eq!(reason, "field 2 is longer than 16 bytes");
        }
        other => panic!("expected an unparseable row, got {other:?}"),
    }
    assert!(matches!(&outcomes[2], RowOutcome::Row(r) if r.email_raw == "e@f.test"));
}

/// The default limits, but fields of at most `bytes` bytes.
fn fields_of(bytes: usize) -> CsvLimits {
    CsvLimits {
        max_field_bytes: bytes,
        ..CsvLimits::default()
    }
}
