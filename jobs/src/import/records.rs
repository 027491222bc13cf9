//! The CSV parser, set up for uploads, with each record's true line and raw text.

use std::io::{self, Read};

use csv::StringRecord;

use super::dialect::Delimiter;
use super::raw_tap::RawTap;

/// The parser's read buffer, which is also the most it reads ahead of the current record.
const PARSER_BUFFER: usize = 64 * 1024;

/// Where a record sits in the file.
///
/// It exists so a row can be pointed at (`line`) and so a record that swallowed many lines,
/// the mark of a quote that is never closed, can be told apart (`lines`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    /// 1-based line where the record starts.
    pub(crate) line: u64,
    /// How many lines the record spans (1 for an ordinary record).
    pub(crate) lines: u64,
}

/// Reads records one at a time from decoded, line-break-normalized text.
///
/// It exists to hide the parser's quirks from the row logic: it is flexible (a record with
/// the wrong number of fields is returned, so the caller can report it and go on), reuses
/// one record buffer, and corrects the line of each record (see [`RawTap`]).
pub(crate) struct RecordReader<S: Read> {
    parser: csv::Reader<RawTap<S>>,
    record: StringRecord,
    /// Parser position after the record last returned: where the next one starts.
    last_end: Option<u64>,
}

impl<S: Read> RecordReader<S> {
    /// Parses `source` (valid UTF-8, `\n` line breaks) with `delimiter` and `"` quotes.
    pub(crate) fn new(source: S, delimiter: Delimiter) -> Self {
        let parser = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter.as_byte())
            .quote(b'"')
            .double_quote(true)
            .buffer_capacity(PARSER_BUFFER)
            .from_reader(RawTap::new(source, PARSER_BUFFER));
        RecordReader {
            parser,
            record: StringRecord::new(),
            last_end: None,
        }
    }

    /// The next record and where it is; `None` at the end of the file.
    /// Blank lines are skipped by the parser; all-empty records (`,,`) are returned.
    pub(crate) fn next_record(&mut self) -> io::Result<Option<(Span, &StringRecord)>> {
        if let Some(end) = self.last_end.take() {
            self.parser.get_mut().advance(end);
        }
        let more = self.parser.read_record(&mut self.record).map_err(|err| {
            // The source is decoded UTF-8, so only reading can fail.
            match err.into_kind() {
                csv::ErrorKind::Io(err) => err,
                other => io::Error::new(io::ErrorKind::InvalidData, format!("{other:?}")),
            }
        })?;
        if !more {
            return Ok(None);
        }
        let parser_line = self.record.position().map_or(1, |p| p.line());
        let line = self.parser.get_mut().start_line(parser_line);
        let end = self.parser.position();
        self.last_end = Some(end.byte());
        // The parser's line after a record counts the record's line breaks, its last one
        // included; a last record without a line break still spans one line.
        let lines = end.line().saturating_sub(line).max(1);
        Ok(Some((Span { line, lines }, &self.record)))
    }

    /// The text of the record last returned, as in the file, cut to `max_chars` characters.
    pub(crate) fn raw_text(&mut self, max_chars: usize) -> String {
        let end = self
            .last_end
            .unwrap_or_else(|| self.parser.position().byte());
        self.parser.get_mut().text(end, max_chars)
    }

    /// The source being parsed (to read the decoder's statistics).
    pub(crate) fn source(&self) -> &S {
        self.parser.get_ref().get_ref()
    }
}
