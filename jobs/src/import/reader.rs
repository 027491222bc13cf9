//! Opening an uploaded CSV file and reading it as contact rows.

use std::io::{self, Chain, Cursor, Read};
use std::iter::FusedIterator;

use csv::StringRecord;
use serde::Serialize;
use serde_json::{Map, Value};

use super::dialect::{self, Delimiter};
use super::encoding::{self, Decoded, TextEncoding};
use super::error::FileError;
use super::header::{self, ColumnMap, Layout};
use super::limits::CsvLimits;
use super::line_breaks::LineBreaks;
use super::records::{RecordReader, Span};
use super::row::{ContactRow, RowOutcome};

/// How many bytes at the start of a file are examined for its encoding and delimiter.
pub const SNIFF_BYTES: usize = 64 * 1024;

/// The raw text of an unparseable row is cut to this many characters.
pub const RAW_MAX_CHARS: usize = 1000;

/// A record spanning more lines than this is reported as unparseable: it is almost surely a
/// quote that is never closed, which makes the parser read the following rows as one field.
pub const MAX_RECORD_LINES: u64 = 100;

/// The decoded, normalized text stream the parser reads.
type Source<R> = LineBreaks<Decoded<Chain<Cursor<Vec<u8>>, R>>>;

/// Opens a CSV upload: detects its encoding and delimiter, reads its header (or finds it has
/// none) and returns a reader of its rows.
///
/// Only the first [`SNIFF_BYTES`] are held for detection; the rest is streamed from `input`.
/// Fails when the file is empty, binary, or has a header without an email column.
pub fn open<R: Read>(input: R) -> Result<ContactCsv<R>, FileError> {
    open_with(input, CsvLimits::default())
}

/// [`open`] with the file's shape bounded by `limits`: a first row wider than
/// `max_columns`, or a header cell longer than [`CsvLimits::max_header_cell_bytes`], fails
/// the file; a later
/// row with a field longer than `max_field_bytes` is reported as unparseable.
pub fn open_with<R: Read>(mut input: R, limits: CsvLimits) -> Result<ContactCsv<R>, FileError> {
    let mut prefix = Vec::with_capacity(SNIFF_BYTES);
    let read = input
        .by_ref()
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut prefix)?;
    let at_eof = read < SNIFF_BYTES;
    let detection = encoding::detect(&prefix, at_eof)?;
    let delimiter = dialect::sniff_delimiter(&detection.sample, at_eof);
    let mut start = Cursor::new(prefix);
    start.set_position(detection.bom_len as u64);
    let source = LineBreaks::new(Decoded::new(detection.encoding, start.chain(input)));
    let mut records = RecordReader::new(source, delimiter);

    let mut counts = ReadCounts::default();
    let (layout, first) = loop {
        let Some((span, record)) = records.next_record()? else {
            return Err(FileError::Empty);
        };
        if is_blank(record) {
            counts.blank += 1;
            continue;
        }
        if record.len() > limits.max_columns {
            return Err(FileError::TooManyColumns {
                found: record.len(),
                max: limits.max_columns,
            });
        }
        let cells: Vec<&str> = record.iter().collect();
        let layout = header::layout(&cells)?;
        if let Layout::Header { .. } = layout
            && let Some(column) = cells
                .iter()
                .position(|c| c.len() > limits.max_header_cell_bytes())
        {
            return Err(FileError::HeaderFieldTooLong {
                column: column + 1,
                max: limits.max_header_cell_bytes(),
            });
        }
        let first = match &layout {
            Layout::Header { .. } => None,
            Layout::Headerless { columns } => {
                Some(classify(columns, &limits, Expected::FirstRow, span, record))
            }
        };
        break (layout, first);
    };
    let (headers, columns) = match layout {
        Layout::Header { headers, columns } => (Some(headers), columns),
        Layout::Headerless { columns } => (None, columns),
    };
    let first_row = first.and_then(|classified| resolve(&mut records, classified));
    Ok(ContactCsv {
        records,
        encoding: detection.encoding,
        delimiter,
        headers,
        columns,
        first_row,
        counts,
        limits,
        error: None,
        done: false,
    })
}

/// A CSV upload being read, one [`RowOutcome`] per non-blank record.
///
/// It exists so the import job can stream a file of any size: it holds one record at a time
/// plus bounded buffers, and every record ends up either a contact row or an unparseable row
/// with its line and reason. It also knows how the file was read (encoding, delimiter,
/// header, column mapping, counts) for the import's audit trail.
///
/// The iterator ends at the end of the file or at a read error; call [`ContactCsv::finish`]
/// afterwards to tell the two apart.
pub struct ContactCsv<R: Read> {
    records: RecordReader<Source<R>>,
    encoding: TextEncoding,
    delimiter: Delimiter,
    headers: Option<Vec<String>>,
    columns: ColumnMap,
    /// The first record of a header-less file, read while deciding there is no header.
    first_row: Option<RowOutcome>,
    counts: ReadCounts,
    limits: CsvLimits,
    error: Option<io::Error>,
    done: bool,
}

/// How many records of each kind were read so far.
///
/// It exists so the import can check its totals against the file: every non-blank record is
/// exactly one row or one unparseable row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ReadCounts {
    /// Records handed out as [`RowOutcome::Row`].
    pub rows: u64,
    /// Records handed out as [`RowOutcome::Unparseable`].
    pub unparseable: u64,
    /// Records whose cells are all empty (`,,,` or whitespace), skipped. Empty lines are
    /// skipped by the parser and not counted.
    pub blank: u64,
}

/// Everything about how a file was read, for the import's audit trail.
///
/// It exists so the job records one serializable value instead of picking accessors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReadSummary {
    pub encoding: TextEncoding,
    pub delimiter: Delimiter,
    /// The header cells as in the file (trimmed); `None` for a header-less file.
    pub headers: Option<Vec<String>>,
    pub columns: ColumnMap,
    pub counts: ReadCounts,
    /// In a UTF-8 file, bytes that were not valid UTF-8 and were read as Windows-1252.
    pub windows_1252_fallback_bytes: u64,
}

impl<R: Read> ContactCsv<R> {
    /// The encoding the file was decoded from.
    pub fn encoding(&self) -> TextEncoding {
        self.encoding
    }

    /// The field delimiter sniffed from the file.
    pub fn delimiter(&self) -> Delimiter {
        self.delimiter
    }

    /// The header cells as in the file (trimmed), or `None` when the file has no header.
    pub fn headers(&self) -> Option<&[String]> {
        self.headers.as_deref()
    }

    /// Which column became which field.
    pub fn columns(&self) -> &ColumnMap {
        &self.columns
    }

    /// Records read so far, by kind.
    pub fn counts(&self) -> ReadCounts {
        self.counts
    }

    /// In a UTF-8 file, bytes so far that were not valid UTF-8 and were read as Windows-1252.
    pub fn windows_1252_fallback_bytes(&self) -> u64 {
        self.records
            .source()
            .get_ref()
            .windows_1252_fallback_bytes()
    }

    /// Ends reading: the summary for the audit trail, or the read error that ended the rows
    /// early (the rows handed out before it are valid, but the file was not read to its end).
    pub fn finish(self) -> Result<ReadSummary, FileError> {
        if let Some(err) = self.error {
            return Err(FileError::Io(err));
        }
        Ok(ReadSummary {
            windows_1252_fallback_bytes: self.windows_1252_fallback_bytes(),
            encoding: self.encoding,
            delimiter: self.delimiter,
            headers: self.headers,
            columns: self.columns,
            counts: self.counts,
        })
    }

    fn tally(&mut self, outcome: RowOutcome) -> RowOutcome {
        match outcome {
            RowOutcome::Row(_) => self.counts.rows += 1,
            RowOutcome::Unparseable { .. } => self.counts.unparseable += 1,
        }
        outcome
    }
}

impl<R: Read> Iterator for ContactCsv<R> {
    type Item = RowOutcome;

    fn next(&mut self) -> Option<RowOutcome> {
        if let Some(first) = self.first_row.take() {
            return Some(self.tally(first));
        }
        let expected = if self.headers.is_some() {
            Expected::Header
        } else {
            Expected::FirstRow
        };
        while !self.done {
            let classified = match self.records.next_record() {
                Ok(Some((span, record))) => {
                    classify(&self.columns, &self.limits, expected, span, record)
                }
                Ok(None) => break,
                Err(err) => {
                    self.error = Some(err);
                    break;
                }
            };
            match resolve(&mut self.records, classified) {
                Some(outcome) => return Some(self.tally(outcome)),
                None => self.counts.blank += 1,
            }
        }
        self.done = true;
        None
    }
}

impl<R: Read> FusedIterator for ContactCsv<R> {}

/// What the field count of every record is compared with, for the reason text.
#[derive(Debug, Clone, Copy)]
enum Expected {
    Header,
    FirstRow,
}

/// A record judged, before the raw text of a bad one is fetched.
enum Classified {
    Blank,
    Row(ContactRow),
    Bad { line: u64, reason: String },
}

fn is_blank(record: &StringRecord) -> bool {
    record.iter().all(|cell| cell.trim().is_empty())
}

fn classify(
    columns: &ColumnMap,
    limits: &CsvLimits,
    expected: Expected,
    span: Span,
    record: &StringRecord,
) -> Classified {
    if is_blank(record) {
        return Classified::Blank;
    }
    let line = span.line;
    if span.lines > MAX_RECORD_LINES {
        let reason = format!(
            "the row runs over {} lines: a quote is probably never closed",
            span.lines
        );
        return Classified::Bad { line, reason };
    }
    if let Some(column) = record.iter().position(|c| c.len() > limits.max_field_bytes) {
        let reason = format!(
            "field {} is longer than {} bytes",
            column + 1,
            limits.max_field_bytes
        );
        return Classified::Bad { line, reason };
    }
    let found = record.len();
    let width = columns.width;
    // Extra trailing cells are tolerated when empty (`a@b.de,Ann,`): no data is lost.
    let extra_data = record
        .iter()
        .skip(width)
        .any(|cell| !cell.trim().is_empty());
    if found < width || extra_data {
        let reason = format!(
            "has {} but {} has {}",
            fields(found),
            match expected {
                Expected::Header => "the header",
                Expected::FirstRow => "the first row",
            },
            width
        );
        return Classified::Bad { line, reason };
    }
    let cell = |index: usize| record.get(index).map(str::trim).unwrap_or("");
    let optional = |index: Option<usize>| {
        index
            .map(cell)
            .filter(|value| !value.is_empty())
            .map(str::to_owned)
    };
    let email_raw = cell(columns.email);
    if email_raw.is_empty() {
        return Classified::Bad {
            line,
            reason: "no email address".to_string(),
        };
    }
    let mut custom_fields = Map::new();
    for (index, key) in &columns.custom {
        let value = cell(*index);
        if !value.is_empty() {
            custom_fields.insert(key.clone(), Value::String(value.to_string()));
        }
    }
    Classified::Row(ContactRow {
        line,
        email_raw: email_raw.to_string(),
        attributes: columns.attributes.map(|&column| optional(column)),
        custom_fields,
    })
}

fn fields(count: usize) -> String {
    if count == 1 {
        "1 field".to_string()
    } else {
        format!("{count} fields")
    }
}

/// Turns a judged record into what is handed out; a bad record gets its raw text here.
fn resolve<S: Read>(records: &mut RecordReader<S>, classified: Classified) -> Option<RowOutcome> {
    match classified {
        Classified::Blank => None,
        Classified::Row(row) => Some(RowOutcome::Row(row)),
        Classified::Bad { line, reason } => Some(RowOutcome::Unparseable {
            line,
            raw: records.raw_text(RAW_MAX_CHARS),
            reason,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcomes(data: &str) -> Vec<RowOutcome> {
        open(data.as_bytes()).unwrap().collect()
    }

    fn row(line: u64, email: &str) -> ContactRow {
        ContactRow::new(line, email)
    }

    #[test]
    fn reads_mapped_fields_and_custom_fields() {
        let got = outcomes("Email,First Name,Plan,Notes\n a@b.de , Ann ,Gold,\n");
        let expected = row(2, "a@b.de")
            .first_name("Ann")
            .custom(&[("Plan", "Gold")]);
        assert_eq!(got, vec![expected.into()]);
    }

    #[test]
    fn wrong_widths_and_missing_addresses_are_reported_and_reading_goes_on() {
        let got = outcomes("email,name\na@b.de\n,Ann\nc@d.de,Jo,x\ne@f.de,Al,\ng@h.de,Bo\n");
        assert_eq!(
            got,
            vec![
                RowOutcome::unparseable(2, "a@b.de", "has 1 field but the header has 2"),
                RowOutcome::unparseable(3, ",Ann", "no email address"),
                RowOutcome::unparseable(4, "c@d.de,Jo,x", "has 3 fields but the header has 2"),
                row(5, "e@f.de").name("Al").into(),
                row(6, "g@h.de").name("Bo").into(),
            ]
        );
    }

    #[test]
    fn counts_and_summary() {
        let mut csv = open("email\n\n,\n a@b.de\n\"\"\n".as_bytes()).unwrap();
        assert_eq!(csv.headers(), Some(&["email".to_string()][..]));
        assert_eq!(csv.by_ref().count(), 1);
        let summary = csv.finish().unwrap();
        assert_eq!(
            summary.counts,
            ReadCounts {
                rows: 1,
                unparseable: 0,
                blank: 2
            }
        );
        assert_eq!(summary.encoding, TextEncoding::Utf8);
        assert_eq!(summary.delimiter, Delimiter::Comma);
    }

    #[test]
    fn a_header_alone_is_not_an_empty_file() {
        let mut csv = open("email;name\r\n".as_bytes()).unwrap();
        assert_eq!(csv.next(), None);
        assert_eq!(csv.delimiter(), Delimiter::Semicolon);
    }

    #[test]
    fn only_empty_cells_is_an_empty_file() {
        assert!(matches!(
            open(",,\n , ,\n".as_bytes()),
            Err(FileError::Empty)
        ));
    }

    /// A source that fails after its data, like a dropped storage connection.
    struct Failing<'a>(&'a [u8]);

    impl Read for Failing<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() {
                return Err(io::Error::new(io::ErrorKind::ConnectionReset, "gone"));
            }
            let n = self.0.len().min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn a_read_error_ends_the_rows_and_is_reported_by_finish() {
        let mut data = b"email\n".to_vec();
        for i in 0..20_000 {
            data.extend_from_slice(format!("user{i}@example.com\n").as_bytes());
        }
        let mut csv = open(Failing(&data)).unwrap();
        assert_eq!(csv.by_ref().count(), 20_000);
        assert!(matches!(csv.finish(), Err(FileError::Io(_))));
    }

    #[test]
    fn the_reader_can_move_to_another_thread() {
        fn send<T: Send>(_: &T) {}
        send(&open("email\n".as_bytes()).unwrap());
    }
}
