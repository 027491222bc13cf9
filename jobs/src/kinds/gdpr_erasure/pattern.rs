//! The address as a PostgreSQL regular expression (an ARE, matched case-insensitively): how
//! erasure finds it inside free text (error messages, raw CSV lines) and JSON (job payloads).

/// Characters that may stand right before an address's local part: a match preceded by one
/// of them is the tail of a longer address (`jimbob@x.test` does not contain `bob@x.test`).
const LOCAL_PART_CHARS: &str = "[[:alnum:]!#$%&'*+/=?^_`{|}~.-]";

/// `address` as a case-insensitive pattern matching it spelt as is or as a JSON string
/// escapes it, and only as a whole address: not preceded by a local-part character, not
/// followed by more of a domain.
pub fn address_pattern(address: &str) -> String {
    let json = serde_json::to_string(address).expect("a string serializes");
    let json = &json[1..json.len() - 1];
    let mut spellings = vec![escaped(address)];
    if json != address {
        spellings.push(escaped(json));
    }
    format!(
        "(?<!{LOCAL_PART_CHARS})(?:{})(?![[:alnum:]-]|\\.[[:alnum:]])",
        spellings.join("|")
    )
}

/// Every character that is not a letter or digit, escaped (in an ARE, `\` before such a
/// character means the character itself).
fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for c in text.chars() {
        if !c.is_alphanumeric() {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::address_pattern;

    #[test]
    fn special_characters_are_literal_and_json_spellings_are_included() {
        assert_eq!(
            address_pattern("a.b+c@x.test"),
            "(?<![[:alnum:]!#$%&'*+/=?^_`{|}~.-])(?:a\\.b\\+c\\@x\\.test)(?![[:alnum:]-]|\\.[[:alnum:]])"
        );
        let quoted = address_pattern("\"a\\b\"@x.test");
        assert!(quoted.contains("|\\\\\\\"a\\\\\\\\b"), "{quoted}");
    }
}
