//! Normalizing every line break to `\n`.

use std::io::{self, Read};

/// A reader that turns `\r\n` and lone `\r` into `\n`.
///
/// It exists so line numbers are right for every kind of export: the CSV parser counts only
/// `\n`, so classic-Mac files (`\r` only, as old Excel for Mac writes) would otherwise be one
/// long "line 1", and with `\r\n` its record positions point before the `\n`. A line break
/// inside a quoted field becomes `\n` too, which is what a cell value should hold anyway.
pub(crate) struct LineBreaks<R> {
    inner: R,
    /// The last byte handed out was a `\r` (now a `\n`), so a `\n` right after it is dropped.
    after_cr: bool,
}

impl<R: Read> LineBreaks<R> {
    pub(crate) fn new(inner: R) -> Self {
        LineBreaks {
            inner,
            after_cr: false,
        }
    }

    pub(crate) fn get_ref(&self) -> &R {
        &self.inner
    }
}

impl<R: Read> Read for LineBreaks<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let read = self.inner.read(buf)?;
            if read == 0 {
                return Ok(0);
            }
            let mut written = 0;
            for i in 0..read {
                let byte = buf[i];
                if byte == b'\n' && self.after_cr {
                    self.after_cr = false;
                    continue;
                }
                self.after_cr = byte == b'\r';
                buf[written] = if self.after_cr { b'\n' } else { byte };
                written += 1;
            }
            // A read that was nothing but the `\n` of a `\r\n` must not look like the end.
            if written > 0 {
                return Ok(written);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normalized(data: &[u8], step: usize) -> String {
        let mut out = Vec::new();
        let mut reader = LineBreaks::new(data);
        let mut buf = vec![0; step];
        loop {
            let n = reader.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn every_line_break_becomes_lf() {
        for step in 1..6 {
            assert_eq!(
                normalized(b"a\r\nb\rc\nd\r\r\ne\r", step),
                "a\nb\nc\nd\n\ne\n"
            );
        }
    }
}
