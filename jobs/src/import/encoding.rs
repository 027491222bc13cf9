//! Which text encoding an upload is in, and a reader that turns it into UTF-8.

use std::fmt;
use std::io::{self, Read};

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, WINDOWS_1252};
use encoding_rs_io::{DecodeReaderBytes, DecodeReaderBytesBuilder};
use serde::Serialize;

use super::error::FileError;
use super::lenient_utf8::LenientUtf8;

/// The text encoding detected for a file.
///
/// It exists so the reader knows how to decode the bytes and so the import's audit trail can
/// say how the file was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TextEncoding {
    /// UTF-8 without a byte-order mark (also pure ASCII).
    #[serde(rename = "utf-8")]
    Utf8,
    /// UTF-8 with a byte-order mark, as Excel writes "CSV UTF-8".
    #[serde(rename = "utf-8-bom")]
    Utf8Bom,
    /// UTF-16 little endian (Excel's "Unicode text"), with or without a byte-order mark.
    #[serde(rename = "utf-16le")]
    Utf16Le,
    /// UTF-16 big endian, with or without a byte-order mark.
    #[serde(rename = "utf-16be")]
    Utf16Be,
    /// Windows-1252, a superset of the printable Latin-1 range: what older Windows tools write.
    #[serde(rename = "windows-1252")]
    Windows1252,
}

impl TextEncoding {
    /// The name recorded in the audit trail, e.g. `utf-8` or `windows-1252`.
    pub fn label(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "utf-8",
            TextEncoding::Utf8Bom => "utf-8-bom",
            TextEncoding::Utf16Le => "utf-16le",
            TextEncoding::Utf16Be => "utf-16be",
            TextEncoding::Windows1252 => "windows-1252",
        }
    }
}

impl fmt::Display for TextEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// What sniffing a file's first bytes found out.
///
/// It exists to carry, from one look at the prefix, everything the reader needs: how to
/// decode, how many byte-order-mark bytes to skip, and the decoded prefix for dialect sniffing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Detection {
    pub(crate) encoding: TextEncoding,
    /// Length of the byte-order mark at the start of the file (0 when there is none).
    pub(crate) bom_len: usize,
    /// The prefix decoded to text (its last character may be cut), for sniffing the dialect.
    pub(crate) sample: String,
}

/// Detects the encoding from the first bytes of a file and rejects binary and empty files.
///
/// `at_eof` tells whether `prefix` is the whole file: if it is not, a multi-byte UTF-8
/// sequence cut at the end of the prefix does not make it invalid.
pub(crate) fn detect(prefix: &[u8], at_eof: bool) -> Result<Detection, FileError> {
    let (encoding, bom_len) = detect_encoding(prefix, at_eof)?;
    let body = &prefix[bom_len..];
    let sample = match encoding {
        TextEncoding::Utf8 | TextEncoding::Utf8Bom => String::from_utf8_lossy(body).into_owned(),
        other => {
            let (text, _) = encoding_rs_encoding(other).decode_without_bom_handling(body);
            text.into_owned()
        }
    };
    if looks_binary(&sample) {
        return Err(FileError::Binary);
    }
    if at_eof
        && sample
            .trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
            .is_empty()
    {
        return Err(FileError::Empty);
    }
    Ok(Detection {
        encoding,
        bom_len,
        sample,
    })
}

fn detect_encoding(prefix: &[u8], at_eof: bool) -> Result<(TextEncoding, usize), FileError> {
    if prefix.is_empty() {
        return Err(FileError::Empty);
    }
    if prefix.starts_with(b"\xEF\xBB\xBF") {
        return Ok((TextEncoding::Utf8Bom, 3));
    }
    if prefix.starts_with(b"\xFF\xFE") {
        return Ok((TextEncoding::Utf16Le, 2));
    }
    if prefix.starts_with(b"\xFE\xFF") {
        return Ok((TextEncoding::Utf16Be, 2));
    }
    if prefix.contains(&0) {
        return utf16_without_bom(prefix)
            .map(|encoding| (encoding, 0))
            .ok_or(FileError::Binary);
    }
    let utf8 = match std::str::from_utf8(prefix) {
        Ok(_) => true,
        // `error_len() == None`: the prefix ends inside a sequence that may go on.
        Err(err) => err.error_len().is_none() && !at_eof,
    };
    Ok(if utf8 {
        (TextEncoding::Utf8, 0)
    } else {
        (TextEncoding::Windows1252, 0)
    })
}

/// Mostly-Latin text in UTF-16 has a NUL in (nearly) every other byte and none between.
fn utf16_without_bom(prefix: &[u8]) -> Option<TextEncoding> {
    let pairs = prefix.len() / 2;
    if pairs < 2 {
        return None;
    }
    let zeros_at = |parity: usize| {
        prefix
            .chunks_exact(2)
            .filter(|pair| pair[parity] == 0)
            .count()
    };
    let (even, odd) = (zeros_at(0), zeros_at(1));
    if odd * 10 >= pairs * 7 && even * 20 <= pairs {
        Some(TextEncoding::Utf16Le)
    } else if even * 10 >= pairs * 7 && odd * 20 <= pairs {
        Some(TextEncoding::Utf16Be)
    } else {
        None
    }
}

/// NUL characters, or more than one control character in ten, mean this is not text.
fn looks_binary(text: &str) -> bool {
    let mut total = 0usize;
    let mut control = 0usize;
    for c in text.chars() {
        if c == '\0' {
            return true;
        }
        total += 1;
        if c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{0c}') {
            control += 1;
        }
    }
    control * 10 > total
}

fn encoding_rs_encoding(encoding: TextEncoding) -> &'static Encoding {
    match encoding {
        TextEncoding::Utf8 | TextEncoding::Utf8Bom => encoding_rs::UTF_8,
        TextEncoding::Utf16Le => UTF_16LE,
        TextEncoding::Utf16Be => UTF_16BE,
        TextEncoding::Windows1252 => WINDOWS_1252,
    }
}

/// The file's content as a UTF-8 byte stream, whichever encoding it came in.
///
/// It exists so everything after detection reads plain UTF-8: UTF-8 goes through
/// [`LenientUtf8`] (stray Windows-1252 bytes further down the file are kept, not replaced),
/// the other encodings through `encoding_rs_io`.
pub(crate) enum Decoded<R: Read> {
    Utf8(LenientUtf8<R>),
    Other(DecodeReaderBytes<R, Vec<u8>>),
}

impl<R: Read> Decoded<R> {
    /// Decodes `input` (positioned after any byte-order mark) from `encoding`.
    pub(crate) fn new(encoding: TextEncoding, input: R) -> Self {
        match encoding {
            TextEncoding::Utf8 | TextEncoding::Utf8Bom => Decoded::Utf8(LenientUtf8::new(input)),
            other => Decoded::Other(
                DecodeReaderBytesBuilder::new()
                    .encoding(Some(encoding_rs_encoding(other)))
                    .bom_sniffing(false)
                    .build(input),
            ),
        }
    }

    /// Bytes of a UTF-8 file that were not valid UTF-8 and were read as Windows-1252.
    pub(crate) fn windows_1252_fallback_bytes(&self) -> u64 {
        match self {
            Decoded::Utf8(reader) => reader.fallback_bytes(),
            Decoded::Other(_) => 0,
        }
    }
}

impl<R: Read> Read for Decoded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Decoded::Utf8(reader) => reader.read(buf),
            Decoded::Other(reader) => reader.read(buf),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoding_of(bytes: &[u8], at_eof: bool) -> Result<TextEncoding, FileError> {
        detect(bytes, at_eof).map(|detection| detection.encoding)
    }

    fn decode_all(bytes: &[u8]) -> String {
        let detection = detect(bytes, true).unwrap();
        let mut text = String::new();
        Decoded::new(detection.encoding, &bytes[detection.bom_len..])
            .read_to_string(&mut text)
            .unwrap();
        text
    }

    #[test]
    fn byte_order_marks_decide() {
        let detection = detect(b"\xEF\xBB\xBFemail\r\n", true).unwrap();
        assert_eq!(
            (detection.encoding, detection.bom_len),
            (TextEncoding::Utf8Bom, 3)
        );
        assert_eq!(detection.sample, "email\r\n");
        assert_eq!(
            encoding_of(b"\xFF\xFEe\0m\0", true).unwrap(),
            TextEncoding::Utf16Le
        );
        assert_eq!(
            encoding_of(b"\xFE\xFF\0e\0m", true).unwrap(),
            TextEncoding::Utf16Be
        );
    }

    #[test]
    fn utf8_is_recognised_even_when_the_prefix_cuts_a_character() {
        let text = "name\nZoë".as_bytes();
        let cut = &text[..text.len() - 1];
        assert_eq!(encoding_of(cut, false).unwrap(), TextEncoding::Utf8);
        // The same bytes as a whole file are not UTF-8.
        assert_eq!(encoding_of(cut, true).unwrap(), TextEncoding::Windows1252);
    }

    #[test]
    fn latin_bytes_are_windows_1252() {
        assert_eq!(
            encoding_of(b"Jos\xe9;M\xfcller\n", true).unwrap(),
            TextEncoding::Windows1252
        );
        assert_eq!(decode_all(b"Jos\xe9;M\xfcller \x80\n"), "José;Müller €\n");
    }

    #[test]
    fn utf16_is_decoded_with_or_without_bom() {
        let mut le = vec![0xFF, 0xFE];
        for unit in "email\tname\na@b.de\tZoë\n".encode_utf16() {
            le.extend_from_slice(&unit.to_le_bytes());
        }
        assert_eq!(decode_all(&le), "email\tname\na@b.de\tZoë\n");
        assert_eq!(decode_all(&le[2..]), "email\tname\na@b.de\tZoë\n");
        let mut be = Vec::new();
        for unit in "email\na@b.de\n".encode_utf16() {
            be.extend_from_slice(&unit.to_be_bytes());
        }
        assert_eq!(encoding_of(&be, true).unwrap(), TextEncoding::Utf16Be);
        assert_eq!(decode_all(&be), "email\na@b.de\n");
    }

    #[test]
    fn binary_and_empty_files_are_refused() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10";
        assert!(matches!(detect(png, true), Err(FileError::Binary)));
        let controls = b"a\x01\x02\x03b\x04\x05c\x06\x07";
        assert!(matches!(detect(controls, true), Err(FileError::Binary)));
        assert!(matches!(detect(b"", true), Err(FileError::Empty)));
        assert!(matches!(
            detect(b"\xEF\xBB\xBF \r\n\t\n", true),
            Err(FileError::Empty)
        ));
        // Whitespace in a prefix is not an empty file: more may follow.
        assert!(detect(b"  \n", false).is_ok());
    }
}
