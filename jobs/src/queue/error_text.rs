//! What of an error message is stored in `job_runs.last_error`.

/// Most bytes of an error message kept in `job_runs.last_error`.
pub const MAX_STORED_ERROR_BYTES: usize = 4 * 1024;

/// `message` as it can be stored and shown: NUL characters (which Postgres text refuses, so a
/// message holding one could not be recorded at all) are replaced, and a message longer than
/// [`MAX_STORED_ERROR_BYTES`] is cut at a character boundary with its full size noted, the
/// whole within that many bytes (the `failure_reason` columns check it). An
/// import's error can quote a file's header, and a header can be megabytes long: kept whole,
/// one listing of jobs returned 52.7 MB.
pub fn stored_error(message: &str) -> String {
    let clean = message.replace('\0', "\u{FFFD}");
    if clean.len() <= MAX_STORED_ERROR_BYTES {
        return clean;
    }
    let note = format!("… (truncated: {} bytes in all)", message.len());
    let mut end = MAX_STORED_ERROR_BYTES - note.len();
    while !clean.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{note}", &clean[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_messages_are_kept_whole() {
        assert_eq!(stored_error("no email column"), "no email column");
    }

    #[test]
    fn long_messages_are_cut_with_their_size_noted() {
        let long = "é".repeat(10_000);
        let stored = stored_error(&long);
        assert!(stored.len() <= MAX_STORED_ERROR_BYTES);
        assert!(
            stored.ends_with("… (truncated: 20000 bytes in all)"),
            "{stored}"
        );
        assert!(stored.starts_with("éé"));
    }

    #[test]
    fn nul_characters_are_replaced() {
        assert_eq!(stored_error("a\0b"), "a\u{FFFD}b");
    }
}
