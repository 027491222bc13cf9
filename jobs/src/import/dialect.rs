//! Guessing a file's field delimiter from its first lines.

use std::collections::HashMap;
use std::fmt;

use serde::Serialize;

/// How many records of the sample are compared.
const SAMPLE_RECORDS: usize = 50;

/// The field delimiter of a file.
///
/// It exists because exports differ by locale and tool: `,` in English-language tools, `;`
/// where the comma is the decimal separator (German, French, Spanish Excel), tab in
/// "text (tab delimited)" and UTF-16 exports. The quote character is always `"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Delimiter {
    Comma,
    Semicolon,
    Tab,
}

impl Delimiter {
    /// Every delimiter the sniffer considers, in order of preference on a tie.
    pub const ALL: [Delimiter; 3] = [Delimiter::Comma, Delimiter::Semicolon, Delimiter::Tab];

    /// The delimiter as the byte the CSV parser splits on.
    pub fn as_byte(self) -> u8 {
        match self {
            Delimiter::Comma => b',',
            Delimiter::Semicolon => b';',
            Delimiter::Tab => b'\t',
        }
    }
}

impl fmt::Display for Delimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Delimiter::Comma => "comma",
            Delimiter::Semicolon => "semicolon",
            Delimiter::Tab => "tab",
        })
    }
}

/// Picks the delimiter that splits the first records of `sample` into the same number of
/// fields (more than one) most consistently, preferring one under which the first record
/// (the header, in nearly every export) has that same number of fields; `,` when none
/// splits (e.g. one column).
///
/// Each candidate is tried with the real CSV parser, so delimiters inside quoted fields, and
/// newlines inside them, count as they will when the file is read. `complete` tells whether
/// `sample` is the whole file; when it is not, its last record may be cut and is ignored.
pub(crate) fn sniff_delimiter(sample: &str, complete: bool) -> Delimiter {
    let mut best = Delimiter::Comma;
    let mut best_score = (false, 0usize, 0usize);
    for delimiter in Delimiter::ALL {
        let score = score(sample, complete, delimiter);
        if score.2 > 1 && score > best_score {
            best = delimiter;
            best_score = score;
        }
    }
    best
}

/// Whether the first record has the most common field count, how many sampled records
/// share that count, and the count. (A quoted carriage return read under the wrong
/// delimiter splits a line into several short, equally wide records: counting records
/// alone would let them outvote the header.)
fn score(sample: &str, complete: bool, delimiter: Delimiter) -> (bool, usize, usize) {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter.as_byte())
        .from_reader(sample.as_bytes());
    let mut widths = Vec::with_capacity(SAMPLE_RECORDS + 1);
    let mut record = csv::ByteRecord::new();
    let mut reached_end = false;
    while widths.len() <= SAMPLE_RECORDS {
        match reader.read_byte_record(&mut record) {
            Ok(true) => widths.push(record.len()),
            Ok(false) | Err(_) => {
                reached_end = true;
                break;
            }
        }
    }
    if reached_end && !complete {
        widths.pop();
    }
    widths.truncate(SAMPLE_RECORDS);
    let mut counts: HashMap<usize, usize> = HashMap::new();
    for &width in &widths {
        *counts.entry(width).or_default() += 1;
    }
    let (count, width) = counts
        .into_iter()
        .map(|(width, count)| (count, width))
        .max()
        .unwrap_or((0, 0));
    (widths.first() == Some(&width), count, width)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_dialects() {
        assert_eq!(
            sniff_delimiter("email,name\na@b.de,Ann\n", true),
            Delimiter::Comma
        );
        assert_eq!(
            sniff_delimiter("email;name\r\na@b.de;Ann\r\n", true),
            Delimiter::Semicolon
        );
        assert_eq!(
            sniff_delimiter("email\tname\na@b.de\tAnn\n", true),
            Delimiter::Tab
        );
    }

    #[test]
    fn single_column_defaults_to_comma() {
        assert_eq!(sniff_delimiter("a@b.de\nc@d.de\n", true), Delimiter::Comma);
        assert_eq!(sniff_delimiter("", true), Delimiter::Comma);
    }

    #[test]
    fn delimiters_inside_quotes_do_not_count() {
        let sample = "email;name;note\n\
                      a@b.de;\"Smith, Ann\";\"x, y, z\"\n\
                      c@d.de;\"Doe, Jo\";\"multi\nline, text\"\n";
        assert_eq!(sniff_delimiter(sample, true), Delimiter::Semicolon);
    }

    #[test]
    fn quoted_carriage_returns_do_not_outvote_the_header() {
        // Under tab, each quoted `\r` ends a record: three 2-field records against a
        // 1-field header; under comma, header and row both have 3 fields.
        let sample = "Email,First Name,Notes\n\t,\"\r\t\",\"\r\t\"\n";
        assert_eq!(sniff_delimiter(sample, true), Delimiter::Comma);
    }

    #[test]
    fn unquoted_decimal_commas_lose_to_consistent_semicolons() {
        let sample = "email;price;rate\na@b.de;1,5;2,25\nc@d.de;3,0;1,1\ne@f.de;2;1,5\n";
        assert_eq!(sniff_delimiter(sample, true), Delimiter::Semicolon);
    }

    #[test]
    fn a_cut_last_record_is_ignored() {
        let sample = "email;name\na@b.de;Ann\nc@d.de;J";
        assert_eq!(score(sample, false, Delimiter::Semicolon), (true, 2, 2));
        assert_eq!(score(sample, true, Delimiter::Semicolon), (true, 3, 2));
        assert_eq!(sniff_delimiter(sample, false), Delimiter::Semicolon);
    }
}
