//! Every fixture file read end to end, plus round-trip property tests.

use proptest::prelude::*;

use super::*;

macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!("../../tests/fixtures/csv/", $name)).as_slice()
    };
}

fn read(bytes: &[u8]) -> (Vec<RowOutcome>, ReadSummary) {
    let mut csv = open(bytes).expect("file opens");
    let outcomes: Vec<RowOutcome> = csv.by_ref().collect();
    (outcomes, csv.finish().expect("file reads to its end"))
}

/// Reads `bytes` and checks they give exactly `rows`, in order; returns the summary for the
/// test's own checks.
fn reads_as<R: Into<RowOutcome>>(bytes: &[u8], rows: impl IntoIterator<Item = R>) -> ReadSummary {
    let (got, summary) = read(bytes);
    let rows: Vec<RowOutcome> = rows.into_iter().map(Into::into).collect();
    assert_eq!(got, rows);
    summary
}

fn row(line: u64, email: &str) -> ContactRow {
    ContactRow::new(line, email)
}

fn bad(line: u64, raw: &str, reason: &str) -> RowOutcome {
    RowOutcome::unparseable(line, raw, reason)
}

#[test]
fn utf8_with_bom_and_crlf() {
    let summary = reads_as(
        fixture!("utf8_bom_crlf.csv"),
        [
            row(2, "zoe@example.com")
                .first_name("Zoë")
                .last_name("Müller"),
            row(3, "jose@example.es")
                .first_name("José")
                .last_name("García"),
        ],
    );
    assert_eq!(summary.encoding, TextEncoding::Utf8Bom);
    assert_eq!(summary.delimiter, Delimiter::Comma);
    // The BOM is not part of the first header.
    assert_eq!(
        summary.headers,
        Some(vec![
            "Email".to_string(),
            "First Name".to_string(),
            "Last Name".to_string()
        ])
    );
}

#[test]
fn windows_1252_with_semicolons() {
    let summary = reads_as(
        fixture!("windows1252_semicolon.csv"),
        [
            row(2, "zoe@example.de")
                .first_name("Zoë")
                .last_name("Müller")
                .company("Bäckerei GmbH"),
            row(3, "jose@example.es")
                .first_name("José")
                .last_name("García")
                .company("Café € Co"),
        ],
    );
    assert_eq!(summary.encoding, TextEncoding::Windows1252);
    assert_eq!(summary.delimiter, Delimiter::Semicolon);
}

#[test]
fn tab_delimited() {
    let summary = reads_as(
        fixture!("tab_delimited.tsv"),
        [
            row(2, "ann@example.com")
                .name("Ann Lee")
                .phone("+1 555 0100")
                .custom(&[("tags", "vip, new")]),
            row(3, "bob@example.org").name("Bob"),
        ],
    );
    assert_eq!(summary.delimiter, Delimiter::Tab);
}

#[test]
fn quoted_fields_with_delimiters_quotes_and_newlines() {
    // (line, email, name, notes)
    let noted = |line: u64, email: &str, name: &str, notes: &str| {
        row(line, email).name(name).custom(&[("notes", notes)])
    };
    reads_as(
        fixture!("quoted_fields_with_newlines.csv"),
        [
            noted(2, "ann@example.com", "Lee, Ann", "said \"hi\"\nthen left"),
            noted(4, "bob@example.org", "Bob", "one, two; three"),
            noted(5, "carl@example.net", "Carl", "line1\nline2\nline3"),
            noted(8, "dan@example.com", "Dan", "plain"),
        ],
    );
}

#[test]
fn header_variants_map_to_fields() {
    let summary = reads_as(
        fixture!("header_variants.csv"),
        [
            row(2, "ann@example.com")
                .first_name("Ann")
                .company("Acme Inc")
                .phone("+49 30 1234")
                .last_name("Lee")
                .custom(&[("Plan", "Gold"), ("Work Email", "ann@acme.example")]),
            row(3, "bob@example.org").first_name("Bob"),
        ],
    );
    let (email, columns) = (summary.columns.email, summary.columns.attributes);
    assert_eq!(
        (
            email,
            columns.first_name,
            columns.company,
            columns.phone,
            columns.last_name
        ),
        (0, Some(1), Some(2), Some(4), Some(5))
    );
}

#[test]
fn headerless_single_column_of_addresses() {
    let summary = reads_as(
        fixture!("headerless_single_column.csv"),
        [
            row(1, "ann@example.com"),
            row(2, "bob@example.org"),
            row(4, "carl@example.net"),
        ],
    );
    assert_eq!(summary.headers, None);
    assert_eq!(summary.counts.rows, 3);
}

#[test]
fn a_file_without_email_column_fails_with_its_columns() {
    let err = open(fixture!("no_email_column.csv"))
        .err()
        .expect("refused");
    assert!(
        matches!(&err, FileError::NoEmailColumn { headers } if headers == &["Name", "Phone"]),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "the file has no email column (columns: Name, Phone)"
    );
}

#[test]
fn empty_and_binary_files_fail_cleanly() {
    let err = open(fixture!("empty.csv")).err().expect("refused");
    assert!(matches!(err, FileError::Empty), "{err:?}");
    assert_eq!(err.to_string(), "the file is empty");
    let err = open(fixture!("binary.bin")).err().expect("refused");
    assert!(matches!(err, FileError::Binary), "{err:?}");
    assert_eq!(err.to_string(), "the file looks binary, not CSV");
}

#[test]
fn bad_rows_are_reported_with_line_raw_text_and_reason() {
    let summary = reads_as(
        fixture!("bad_rows.csv"),
        [
            row(2, "ann@example.com")
                .name("Ann\nLee")
                .custom(&[("city", "Berlin")])
                .into(),
            bad(
                4,
                "bob@example.org,Bob",
                "has 2 fields but the header has 3",
            ),
            bad(5, ",Carl,Paris", "no email address"),
            bad(
                6,
                "dan@example.com,Dan,Rome,extra",
                "has 4 fields but the header has 3",
            ),
            row(7, "eve@example.com")
                .name("Eve, \"E\"")
                .custom(&[("city", "Oslo")])
                .into(),
            // A trailing empty cell loses nothing and is accepted.
            row(8, "fay@example.com")
                .name("Fay")
                .custom(&[("city", "Lima")])
                .into(),
        ],
    );
    assert_eq!(
        summary.counts,
        ReadCounts {
            rows: 3,
            unparseable: 3,
            blank: 0
        }
    );
}

#[test]
fn blank_lines_and_empty_records_are_skipped() {
    let summary = reads_as(
        fixture!("blank_lines.csv"),
        [
            row(4, "ann@example.com").name("Ann"),
            row(8, "bob@example.org").name("Bob"),
        ],
    );
    assert_eq!(summary.counts.blank, 2);
}

#[test]
fn classic_mac_line_breaks() {
    reads_as(
        fixture!("mac_classic_cr.csv"),
        [
            row(2, "ann@example.com").name("Ann"),
            row(4, "bob@example.org").name("Bob\nSmith"),
            row(6, "carl@example.net").name("Carl"),
        ],
    );
}

#[test]
fn utf16_unicode_text_export() {
    let summary = reads_as(
        fixture!("utf16le_tab.txt"),
        [row(2, "zoe@example.com").name("Zoë Müller")],
    );
    assert_eq!(summary.encoding, TextEncoding::Utf16Le);
    assert_eq!(summary.delimiter, Delimiter::Tab);
}

#[test]
fn windows_1252_after_a_long_ascii_prefix_is_not_lost() {
    let mut data = b"email,name\n".to_vec();
    for i in 0..5_000 {
        data.extend_from_slice(format!("user{i}@example.com,User {i}\n").as_bytes());
    }
    assert!(data.len() > SNIFF_BYTES);
    data.extend_from_slice(b"zoe@example.de,Zo\xeb M\xfcller\n");
    let mut csv = open(data.as_slice()).unwrap();
    let last = csv.by_ref().last().unwrap();
    assert_eq!(last, row(5_002, "zoe@example.de").name("Zoë Müller").into());
    let summary = csv.finish().unwrap();
    assert_eq!(summary.encoding, TextEncoding::Utf8);
    assert_eq!(summary.windows_1252_fallback_bytes, 2);
}

#[test]
fn line_numbers_stay_exact_across_buffer_boundaries() {
    let mut data = String::from("email;notes\r\n");
    let mut expected = Vec::new();
    let mut line = 2;
    for i in 0..30_000u64 {
        expected.push(line);
        if i % 997 == 0 {
            data.push_str(&format!(
                "u{i}@example.com;\"multi\r\nline;\r\nnote\"\r\n\r\n"
            ));
            line += 4;
        } else {
            data.push_str(&format!("u{i}@example.com;plain note {i}\r\n"));
            line += 1;
        }
    }
    let lines: Vec<u64> = open(data.as_bytes()).unwrap().map(|o| o.line()).collect();
    assert_eq!(lines, expected);
}

#[test]
fn a_stray_quote_ends_in_one_unparseable_row_with_cut_raw_text() {
    let mut data = String::from("email,name\nann@example.com,\"Ann\n");
    for i in 0..10_000 {
        data.push_str(&format!("u{i}@example.com,User {i}\n"));
    }
    let rows: Vec<RowOutcome> = open(data.as_bytes()).unwrap().collect();
    assert_eq!(rows.len(), 1);
    let RowOutcome::Unparseable { line, raw, reason } = &rows[0] else {
        panic!("expected an unparseable row: {:?}", rows[0]);
    };
    assert_eq!(*line, 2);
    assert!(raw.starts_with("ann@example.com,\"Ann\nu0@example.com,User 0\n"));
    assert_eq!(raw.chars().count(), RAW_MAX_CHARS);
    assert_eq!(
        reason,
        "the row runs over 10001 lines: a quote is probably never closed"
    );
}

/// Line breaks as the reader reports them: `\r\n` and `\r` become `\n`.
fn lf(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

fn cell() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 ,;\t\"\r\n'éüßÆ漢😀@._-]{0,12}"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any records written by the csv crate under any supported delimiter read back the same
    /// (trimmed, line breaks as `\n`), with the line each record starts on.
    #[test]
    fn written_records_read_back(
        delimiter in prop::sample::select(vec![b',', b';', b'\t']),
        crlf in any::<bool>(),
        records in prop::collection::vec((cell(), cell(), cell()), 0..40),
    ) {
        let mut writer = csv::WriterBuilder::new()
            .delimiter(delimiter)
            .terminator(if crlf { csv::Terminator::CRLF } else { csv::Terminator::Any(b'\n') })
            .from_writer(Vec::new());
        writer.write_record(["Email", "First Name", "Notes"]).unwrap();
        let mut starts = Vec::new();
        for (email, first, notes) in &records {
            writer.flush().unwrap();
            starts.push(writer.get_ref().len());
            writer.write_record([email, first, notes]).unwrap();
        }
        let data = writer.into_inner().unwrap();

        let mut expected = Vec::new();
        for ((email, first, notes), start) in records.iter().zip(starts) {
            let line = 1 + lf(std::str::from_utf8(&data[..start]).unwrap()).matches('\n').count() as u64;
            let (email, first, notes) = (lf(email), lf(first), lf(notes));
            let (email, first, notes) = (email.trim(), first.trim(), notes.trim());
            if email.is_empty() && first.is_empty() && notes.is_empty() {
                continue;
            }
            if email.is_empty() {
                expected.push(bad(line, "", "no email address"));
                continue;
            }
            let mut want = row(line, email);
            if !first.is_empty() {
                want = want.first_name(first);
            }
            if !notes.is_empty() {
                want = want.custom(&[("Notes", notes)]);
            }
            expected.push(want.into());
        }

        let mut csv = open(data.as_slice()).unwrap();
        prop_assert_eq!(csv.delimiter().as_byte(), delimiter);
        let got: Vec<RowOutcome> = csv
            .by_ref()
            .map(|outcome| match outcome {
                // The raw text is checked by the fixture tests.
                RowOutcome::Unparseable { line, reason, .. } => RowOutcome::Unparseable { line, raw: String::new(), reason },
                row => row,
            })
            .collect();
        prop_assert_eq!(got, expected);
        prop_assert!(csv.finish().is_ok());
    }

    /// A header-less list of addresses reads back one row per address, at its line.
    #[test]
    fn headerless_addresses_read_back(
        locals in prop::collection::vec("[a-z0-9.]{1,10}", 1..50),
        blank_after in prop::collection::vec(0usize..3, 50),
    ) {
        let mut data = String::new();
        let mut expected = Vec::new();
        let mut line = 1;
        for (i, local) in locals.iter().enumerate() {
            let address = format!("{local}@example.com");
            data.push_str(&address);
            data.push('\n');
            expected.push(RowOutcome::Row(row(line, &address)));
            line += 1;
            for _ in 0..blank_after[i] {
                data.push('\n');
                line += 1;
            }
        }
        let got: Vec<RowOutcome> = open(data.as_bytes()).unwrap().collect();
        prop_assert_eq!(got, expected);
    }
}
