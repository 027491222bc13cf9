//! Keeping the raw text and the true first line of the record being parsed.

use std::io::{self, Read};

/// How many bytes of a record's text are kept for reporting it.
const HEAD_BYTES: usize = 4096;

/// A reader between the decoder and the CSV parser that remembers the current record's bytes.
///
/// It exists for two things the CSV parser does not give: the raw text of an unparseable
/// row (to show the user what was wrong), and the line where a record really starts — the
/// parser's record position lies before any blank lines it skipped on the way. Memory stays
/// bounded: it keeps a window of recent bytes (a few times the parser's buffer) and, for a
/// record larger than that (a stray quote can swallow the rest of a file), only its first
/// [`HEAD_BYTES`].
///
/// Offsets are in the decoded byte stream, which is the stream the parser's `Position::byte`
/// counts.
pub(crate) struct RawTap<R> {
    inner: R,
    /// Bytes `window_start .. window_start + window.len()` of the stream.
    window: Vec<u8>,
    window_start: u64,
    /// Where the current record starts; past its leading blank lines once `in_content`.
    record_start: u64,
    /// Blank lines (`\n`) skipped before the current record's first character.
    leading_newlines: u64,
    in_content: bool,
    /// The first bytes of a record too large for the window.
    overflow_head: Option<Vec<u8>>,
    /// Bytes always kept at the end of the window: at least the parser's read-ahead.
    keep: usize,
}

impl<R: Read> RawTap<R> {
    /// Taps `inner` for a parser that reads ahead at most `read_ahead` bytes.
    pub(crate) fn new(inner: R, read_ahead: usize) -> Self {
        RawTap {
            inner,
            window: Vec::with_capacity(read_ahead * 4),
            window_start: 0,
            record_start: 0,
            leading_newlines: 0,
            in_content: false,
            overflow_head: None,
            keep: read_ahead,
        }
    }

    pub(crate) fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The 1-based line where the current record starts, given the parser's line for the
    /// record's position (the line after the previous record).
    pub(crate) fn start_line(&mut self, parser_line: u64) -> u64 {
        self.skip_leading_newlines();
        parser_line + self.leading_newlines
    }

    /// The current record's text up to `end` (the parser's position after it), without its
    /// line break, cut to `max_chars` characters.
    pub(crate) fn text(&mut self, end: u64, max_chars: usize) -> String {
        self.skip_leading_newlines();
        let bytes: &[u8] = match &self.overflow_head {
            Some(head) => head,
            None if self.record_start >= self.window_start => {
                let from = (self.record_start - self.window_start) as usize;
                let to = (end.saturating_sub(self.window_start) as usize).min(self.window.len());
                &self.window[from.min(to)..to]
            }
            None => &[],
        };
        let text = String::from_utf8_lossy(bytes);
        let text = text.trim_end_matches('\n');
        match text.char_indices().nth(max_chars) {
            Some((cut, _)) => text[..cut].to_string(),
            None => text.to_string(),
        }
    }

    /// Moves on to the record starting at `end`.
    pub(crate) fn advance(&mut self, end: u64) {
        debug_assert!(
            end >= self.window_start,
            "record end fell out of the window"
        );
        self.record_start = end.max(self.window_start);
        self.leading_newlines = 0;
        self.in_content = false;
        self.overflow_head = None;
    }

    fn skip_leading_newlines(&mut self) {
        if self.in_content {
            return;
        }
        let from = (self.record_start - self.window_start) as usize;
        for &byte in &self.window[from..] {
            if byte != b'\n' {
                self.in_content = true;
                return;
            }
            self.leading_newlines += 1;
            self.record_start += 1;
        }
    }

    /// Drops bytes before the current record; if the record alone outgrows the window, keeps
    /// its head aside and only the last `keep` bytes (the parser's unread input) in the window.
    fn compact(&mut self) {
        self.skip_leading_newlines();
        if self.record_start > self.window_start {
            let drop = (self.record_start - self.window_start) as usize;
            self.window.drain(..drop);
            self.window_start = self.record_start;
        }
        if self.window.len() > self.keep * 3 {
            if self.overflow_head.is_none() && self.record_start == self.window_start {
                let head = self.window.len().min(HEAD_BYTES);
                self.overflow_head = Some(self.window[..head].to_vec());
            }
            let drop = self.window.len() - self.keep;
            self.window.drain(..drop);
            self.window_start += drop as u64;
        }
    }
}

impl<R: Read> Read for RawTap<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.window.extend_from_slice(&buf[..read]);
        if self.window.len() > self.keep * 3 {
            self.compact();
        }
        Ok(read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUFFER: usize = 64;

    /// Reads every record of `data` through a tap, returning (line, text) for each.
    fn records(data: &str) -> Vec<(u64, String)> {
        let tap = RawTap::new(data.as_bytes(), BUFFER);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(BUFFER)
            .from_reader(tap);
        let mut record = csv::ByteRecord::new();
        let mut out = Vec::new();
        while reader.read_byte_record(&mut record).unwrap() {
            let parser_line = record.position().unwrap().line();
            let end = reader.position().byte();
            let tap = reader.get_mut();
            let line = tap.start_line(parser_line);
            out.push((line, tap.text(end, 30)));
            tap.advance(end);
        }
        out
    }

    #[test]
    fn lines_and_text_survive_blank_lines_and_multiline_fields() {
        let data = "a,b\n\n\nc,\"d\ne\"\n\n\"f\"\"\",g\nlast";
        assert_eq!(
            records(data),
            vec![
                (1, "a,b".to_string()),
                (4, "c,\"d\ne\"".to_string()),
                (7, "\"f\"\"\",g".to_string()),
                (8, "last".to_string()),
            ]
        );
    }

    #[test]
    fn huge_records_keep_only_their_head_and_later_records_stay_exact() {
        let mut data = String::from("x\n");
        data.push_str(&"\n".repeat(1000));
        data.push_str(&"y".repeat(10_000));
        data.push_str("\nshort\n\"open quote\n");
        data.push_str(&"z\n".repeat(2000));
        let got = records(&data);
        assert_eq!(got[0], (1, "x".to_string()));
        assert_eq!(got[1], (1002, "y".repeat(30)));
        assert_eq!(got[2], (1003, "short".to_string()));
        let swallowed: String = format!("\"open quote\n{}", "z\n".repeat(20))
            .chars()
            .take(30)
            .collect();
        assert_eq!(got[3], (1004, swallowed));
        assert_eq!(got.len(), 4);
    }
}
