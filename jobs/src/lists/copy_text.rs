//! Rows for `COPY ... FROM STDIN` in Postgres' text format: tab-separated, `\N` for NULL,
//! backslash escapes for the characters the format reserves.

/// Builds a COPY text payload row by row.
#[derive(Debug, Default)]
pub struct CopyText {
    buf: Vec<u8>,
    fields_in_row: usize,
}

impl CopyText {
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one field (`None` is NULL).
    pub fn field(&mut self, value: Option<&str>) -> &mut Self {
        if self.fields_in_row > 0 {
            self.buf.push(b'\t');
        }
        self.fields_in_row += 1;
        match value {
            None => self.buf.extend_from_slice(b"\\N"),
            Some(text) => {
                for byte in text.bytes() {
                    match byte {
                        b'\\' => self.buf.extend_from_slice(b"\\\\"),
                        b'\t' => self.buf.extend_from_slice(b"\\t"),
                        b'\n' => self.buf.extend_from_slice(b"\\n"),
                        b'\r' => self.buf.extend_from_slice(b"\\r"),
                        other => self.buf.push(other),
                    }
                }
            }
        }
        self
    }

    /// Ends the current row.
    pub fn end_row(&mut self) {
        self.buf.push(b'\n');
        self.fields_in_row = 0;
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_characters_are_escaped_and_null_is_marked() {
        let mut copy = CopyText::new();
        copy.field(Some("a\tb\\c\nd\re"))
            .field(None)
            .field(Some(""));
        copy.end_row();
        copy.field(Some("x"));
        copy.end_row();
        assert_eq!(copy.into_bytes(), b"a\\tb\\\\c\\nd\\re\t\\N\t\nx\n");
    }
}
