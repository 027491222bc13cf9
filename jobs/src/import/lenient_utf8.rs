//! UTF-8 decoding that reads stray Windows-1252 bytes as Windows-1252 instead of losing them.

use std::io::{self, Read};

use encoding_rs::WINDOWS_1252;

/// Bytes read from the source per refill.
const CHUNK: usize = 32 * 1024;

/// A reader that turns a mostly-UTF-8 byte stream into valid UTF-8.
///
/// It exists because encoding detection only sees a prefix of the file: a CRM export is often
/// pure ASCII for its first thousands of rows and then has one `Müller` written in
/// Windows-1252. Valid UTF-8 sequences pass through unchanged; every byte that is not part of
/// a valid sequence is decoded as Windows-1252 (which maps every byte to a character), so no
/// name turns into `U+FFFD` and nothing is dropped. The number of such bytes is counted for
/// the audit trail.
pub(crate) struct LenientUtf8<R> {
    inner: R,
    /// Raw bytes read but not decoded yet: at most an incomplete sequence between refills.
    pending: Vec<u8>,
    /// Decoded bytes not handed out yet, from `out_pos` on.
    out: Vec<u8>,
    out_pos: usize,
    eof: bool,
    fallback_bytes: u64,
}

impl<R: Read> LenientUtf8<R> {
    /// Decodes `inner`, which must not start with a byte-order mark (strip it first).
    pub(crate) fn new(inner: R) -> Self {
        LenientUtf8 {
            inner,
            pending: Vec::with_capacity(CHUNK + 4),
            out: Vec::with_capacity(CHUNK + CHUNK / 2),
            out_pos: 0,
            eof: false,
            fallback_bytes: 0,
        }
    }

    /// How many bytes so far were not valid UTF-8 and were decoded as Windows-1252.
    pub(crate) fn fallback_bytes(&self) -> u64 {
        self.fallback_bytes
    }

    /// Reads one chunk from the source and decodes all that can be decoded of it.
    fn refill(&mut self) -> io::Result<()> {
        self.out.clear();
        self.out_pos = 0;
        if !self.eof {
            let start = self.pending.len();
            self.pending.resize(start + CHUNK, 0);
            let read = loop {
                match self.inner.read(&mut self.pending[start..]) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        self.pending.truncate(start);
                        return Err(e);
                    }
                }
            };
            self.pending.truncate(start + read);
            self.eof = read == 0;
        }
        let kept = decode_into(
            &self.pending,
            self.eof,
            &mut self.out,
            &mut self.fallback_bytes,
        );
        let consumed = self.pending.len() - kept;
        self.pending.drain(..consumed);
        Ok(())
    }
}

/// Decodes `input` into `out`; returns how many trailing bytes were kept back because they
/// may be the start of a sequence that continues in the next chunk (never at end of input).
fn decode_into(input: &[u8], at_eof: bool, out: &mut Vec<u8>, fallback_bytes: &mut u64) -> usize {
    let mut rest = input;
    loop {
        match std::str::from_utf8(rest) {
            Ok(text) => {
                out.extend_from_slice(text.as_bytes());
                return 0;
            }
            Err(err) => {
                let (valid, after) = rest.split_at(err.valid_up_to());
                out.extend_from_slice(valid);
                match err.error_len() {
                    Some(bad) => {
                        push_windows_1252(&after[..bad], out);
                        *fallback_bytes += bad as u64;
                        rest = &after[bad..];
                    }
                    None if at_eof => {
                        push_windows_1252(after, out);
                        *fallback_bytes += after.len() as u64;
                        return 0;
                    }
                    None => return after.len(),
                }
            }
        }
    }
}

fn push_windows_1252(bytes: &[u8], out: &mut Vec<u8>) {
    let (text, _) = WINDOWS_1252.decode_without_bom_handling(bytes);
    out.extend_from_slice(text.as_bytes());
}

impl<R: Read> Read for LenientUtf8<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        while self.out_pos == self.out.len() {
            if self.eof && self.pending.is_empty() {
                return Ok(0);
            }
            self.refill()?;
        }
        let available = &self.out[self.out_pos..];
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.out_pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hands out its data in pieces of `step` bytes, to cut sequences at every place.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    fn decode(data: &[u8], step: usize) -> (String, u64) {
        let mut reader = LenientUtf8::new(Trickle { data, step });
        let mut text = String::new();
        reader.read_to_string(&mut text).unwrap();
        (text, reader.fallback_bytes())
    }

    #[test]
    fn valid_utf8_passes_through_whatever_the_chunking() {
        let text = "Zoë;José;Müller;東京;😀\n";
        for step in 1..8 {
            assert_eq!(decode(text.as_bytes(), step), (text.to_string(), 0));
        }
    }

    #[test]
    fn stray_windows_1252_bytes_are_decoded_as_such() {
        // "Müller €5" in Windows-1252 after a UTF-8 "é".
        let mut data = "é,".as_bytes().to_vec();
        data.extend_from_slice(b"M\xfcller \x805");
        for step in 1..5 {
            assert_eq!(decode(&data, step), ("é,Müller €5".to_string(), 2));
        }
    }

    #[test]
    fn an_incomplete_sequence_at_the_end_is_decoded_as_windows_1252() {
        assert_eq!(decode(b"ab\xc3", 1), ("abÃ".to_string(), 1));
    }
}
