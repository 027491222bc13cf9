//! Strict syntax rules for marketing addresses.
//!
//! The `email_address` crate implements RFC 5322 but, measured here, accepts things no mail
//! system delivers to (`a@ex!ample.com`, `a@ex_ample.com`, `a@[garbage]`). So [`check`] runs
//! our own rules first, each with a stable machine code, and the crate (with its strict
//! options) last as a safety net.
//!
//! **Decision: quoted local parts, domain literals and non-ASCII local parts are `invalid`.**
//! They are legal in RFC 5321/5322/6531 but are not marketing addresses: mailbox providers
//! do not hand them out, ESPs and the simulated sender refuse them, and in uploaded lists
//! they are almost always export damage (`"quoted"@x.com`, `a@[1.2.3.4]`, `josé@x.com`).
//! Calling them `risky` would let them into campaigns; `invalid` keeps them out and the
//! `details` JSON says exactly why (codes `quoted_local_part`, `domain_literal`,
//! `non_ascii_local_part`).

use email_address::{EmailAddress, Options};
use serde::Serialize;

use super::normalize::{NormalizedEmail, normalize};
use super::special_use;

/// Maximum local part length in octets (RFC 5321 §4.5.3.1.1).
pub const MAX_LOCAL_LEN: usize = 64;
/// Maximum domain length in octets, without a trailing dot (RFC 1035 §2.3.4).
pub const MAX_DOMAIN_LEN: usize = 253;
/// Maximum length of one domain label in octets (RFC 1035 §2.3.4).
pub const MAX_LABEL_LEN: usize = 63;
/// Maximum address length in octets: the RFC 5321 path limit of 256 minus the angle brackets
/// (RFC 3696 erratum 1690).
pub const MAX_ADDRESS_LEN: usize = 254;

/// Stable machine codes of [`SyntaxError`]: stored in `validation_details`, so never renamed.
pub mod code {
    /// The input is empty after trimming.
    pub const EMPTY: &str = "empty";
    /// No `@` at all.
    pub const MISSING_AT: &str = "missing_at";
    /// Nothing before the `@`.
    pub const EMPTY_LOCAL_PART: &str = "empty_local_part";
    /// Nothing after the `@`.
    pub const EMPTY_DOMAIN: &str = "empty_domain";
    /// `a@[1.2.3.4]`, `a@[garbage]`.
    pub const DOMAIN_LITERAL: &str = "domain_literal";
    /// `"quoted"@example.com`.
    pub const QUOTED_LOCAL_PART: &str = "quoted_local_part";
    /// Local part longer than 64 octets.
    pub const LOCAL_TOO_LONG: &str = "local_too_long";
    /// Local part with characters outside ASCII (SMTPUTF8 mailbox).
    pub const NON_ASCII_LOCAL_PART: &str = "non_ascii_local_part";
    /// `.a@x.com`.
    pub const LOCAL_LEADING_DOT: &str = "local_leading_dot";
    /// `a.@x.com`.
    pub const LOCAL_TRAILING_DOT: &str = "local_trailing_dot";
    /// `a..b@x.com`.
    pub const LOCAL_CONSECUTIVE_DOTS: &str = "local_consecutive_dots";
    /// A character that is not RFC 5322 `atext` in the local part (space, comma, `@`, ...).
    pub const BAD_LOCAL_CHAR: &str = "bad_local_char";
    /// Domain longer than 253 octets.
    pub const DOMAIN_TOO_LONG: &str = "domain_too_long";
    /// `a@x..com`, `a@.x.com`, `a@x.com.`.
    pub const EMPTY_DOMAIN_LABEL: &str = "empty_domain_label";
    /// A domain label longer than 63 octets.
    pub const DOMAIN_LABEL_TOO_LONG: &str = "domain_label_too_long";
    /// A domain character other than letter, digit, hyphen (`a@ex!ample.com`, `a@ex_ample.com`).
    pub const BAD_DOMAIN_LABEL: &str = "bad_domain_label";
    /// A domain label starting or ending with a hyphen.
    pub const DOMAIN_LABEL_HYPHEN: &str = "domain_label_hyphen";
    /// UTS 46 refused the domain (broken punycode, disallowed code points).
    pub const BAD_IDN_DOMAIN: &str = "bad_idn_domain";
    /// A single-label domain (`a@localhost`).
    pub const NO_TLD: &str = "no_tld";
    /// An all-numeric TLD (`a@x.123`, `a@1.2.3.4`).
    pub const NUMERIC_TLD: &str = "numeric_tld";
    /// A TLD no registry can issue: one character, or digits/hyphens outside an `xn--` label.
    pub const BAD_TLD: &str = "bad_tld";
    /// A special-use or reserved domain (`localhost`, `local`, `invalid`, `onion`, `arpa`,
    /// `example`, `internal`, `alt`, `test` unless allowed): never deliverable.
    pub const SPECIAL_USE_DOMAIN: &str = "special_use_domain";
    /// A label with `--` in its third and fourth positions that is not valid IDNA.
    pub const BAD_IDNA_LABEL: &str = "bad_idna_label";
    /// Whole address longer than 254 octets.
    pub const ADDRESS_TOO_LONG: &str = "address_too_long";
    /// Rejected by the `email_address` crate after all our own rules passed.
    pub const INVALID_SYNTAX: &str = "invalid_syntax";
}

/// Why an address is not syntactically acceptable.
///
/// It exists so the reason travels as data: `code` is a stable machine code from [`code`]
/// (stored, filtered on, counted), `message` is for people and may change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{message} ({code})")]
pub struct SyntaxError {
    /// Stable machine code, one of the constants in [`code`].
    pub code: &'static str,
    /// Human-readable explanation.
    pub message: String,
}

impl SyntaxError {
    pub(crate) fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// Normalize and check one raw address: the syntax step of validation.
///
/// `Ok` means the address is fit to look up in DNS and to mail.
pub fn parse(raw: &str) -> Result<NormalizedEmail, SyntaxError> {
    let email = normalize(raw)?;
    check(&email)?;
    Ok(email)
}

/// Apply the strict syntax rules to a normalized address; the first failing rule wins.
pub fn check(email: &NormalizedEmail) -> Result<(), SyntaxError> {
    check_local(email.local())?;
    check_domain(email.domain())?;
    let address = email.to_string();
    check_len(
        code::ADDRESS_TOO_LONG,
        "the address",
        &address,
        MAX_ADDRESS_LEN,
    )?;
    let strict = Options::default()
        .with_required_tld()
        .without_domain_literal()
        .without_display_text();
    EmailAddress::parse_with_options(&address, strict)
        .map(|_| ())
        .map_err(|e| SyntaxError::new(code::INVALID_SYNTAX, e.to_string()))
}

/// Refuses `text` (`what` names it in the message) when it is longer than `limit` octets:
/// the address, its local part, its domain and each label have one such rule, alike but for
/// these.
fn check_len(code: &'static str, what: &str, text: &str, limit: usize) -> Result<(), SyntaxError> {
    let len = text.len();
    if len > limit {
        return Err(SyntaxError::new(
            code,
            format!("{what} is {len} octets long, the limit is {limit}"),
        ));
    }
    Ok(())
}

/// RFC 5322 `atext`: the characters allowed in an unquoted local part besides the dot.
fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c)
}

fn check_local(local: &str) -> Result<(), SyntaxError> {
    if local.starts_with('"') {
        return Err(SyntaxError::new(
            code::QUOTED_LOCAL_PART,
            "quoted local parts are not accepted for marketing",
        ));
    }
    check_len(code::LOCAL_TOO_LONG, "the local part", local, MAX_LOCAL_LEN)?;
    if !local.is_ascii() {
        return Err(SyntaxError::new(
            code::NON_ASCII_LOCAL_PART,
            "the local part contains non-ASCII characters",
        ));
    }
    if local.starts_with('.') {
        return Err(SyntaxError::new(
            code::LOCAL_LEADING_DOT,
            "the local part starts with a dot",
        ));
    }
    if local.ends_with('.') {
        return Err(SyntaxError::new(
            code::LOCAL_TRAILING_DOT,
            "the local part ends with a dot",
        ));
    }
    if local.contains("..") {
        return Err(SyntaxError::new(
            code::LOCAL_CONSECUTIVE_DOTS,
            "the local part contains two dots in a row",
        ));
    }
    if let Some(bad) = local.chars().find(|&c| c != '.' && !is_atext(c)) {
        return Err(SyntaxError::new(
            code::BAD_LOCAL_CHAR,
            format!("the local part contains {bad:?}"),
        ));
    }
    Ok(())
}

fn check_domain(domain: &str) -> Result<(), SyntaxError> {
    check_len(code::DOMAIN_TOO_LONG, "the domain", domain, MAX_DOMAIN_LEN)?;
    for label in domain.split('.') {
        if label.is_empty() {
            return Err(SyntaxError::new(
                code::EMPTY_DOMAIN_LABEL,
                "the domain has an empty label (leading, trailing or double dot)",
            ));
        }
        check_len(
            code::DOMAIN_LABEL_TOO_LONG,
            "a domain label",
            label,
            MAX_LABEL_LEN,
        )?;
        if let Some(bad) = label
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
        {
            return Err(SyntaxError::new(
                code::BAD_DOMAIN_LABEL,
                format!("the domain contains {bad:?}"),
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(SyntaxError::new(
                code::DOMAIN_LABEL_HYPHEN,
                format!("the domain label '{label}' starts or ends with a hyphen"),
            ));
        }
        if !special_use::idna_label_ok(label) {
            return Err(SyntaxError::new(
                code::BAD_IDNA_LABEL,
                format!("the domain label '{label}' is reserved for IDNA but is not valid IDNA"),
            ));
        }
    }
    let Some((_, tld)) = domain.rsplit_once('.') else {
        return Err(SyntaxError::new(
            code::NO_TLD,
            format!("the domain '{domain}' has no top-level domain"),
        ));
    };
    if tld.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SyntaxError::new(
            code::NUMERIC_TLD,
            format!("the top-level domain '{tld}' is numeric"),
        ));
    }
    let idn_tld = tld.starts_with("xn--");
    if tld.len() < 2 || (!idn_tld && !tld.bytes().all(|b| b.is_ascii_alphabetic())) {
        return Err(SyntaxError::new(
            code::BAD_TLD,
            format!("'{tld}' cannot be a top-level domain"),
        ));
    }
    // A normalized domain is lowercase ASCII already.
    if let Some(name) = special_use::special_use(domain, special_use::test_domains_allowed()) {
        return Err(SyntaxError::new(
            code::SPECIAL_USE_DOMAIN,
            format!(
                "'{domain}' is under the special-use domain '{name}', which never receives mail"
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn err(raw: &str) -> &'static str {
        match parse(raw) {
            Ok(e) => panic!("{raw:?} was accepted as {e}"),
            Err(e) => e.code,
        }
    }

    fn ok(raw: &str) -> String {
        match parse(raw) {
            Ok(e) => e.to_string(),
            Err(e) => panic!("{raw:?} was rejected: {e}"),
        }
    }

    /// A domain of exactly `len` octets made of labels of at most 63 octets, ending in `.com`.
    fn domain_of_len(len: usize) -> String {
        let mut labels = Vec::new();
        let mut remaining = len - 4; // minus ".com"; the labels plus the dots between them
        while remaining > MAX_LABEL_LEN {
            let take = MAX_LABEL_LEN.min(remaining - 2); // leave a dot and one octet
            labels.push("a".repeat(take));
            remaining -= take + 1;
        }
        labels.push("a".repeat(remaining));
        let d = format!("{}.com", labels.join("."));
        assert_eq!(d.len(), len, "{d}");
        d
    }

    #[test]
    fn accepts_ordinary_addresses() {
        for (raw, normalized) in [
            ("bob@example.com", "bob@example.com"),
            (
                "Bob.Smith+news@Mail.Example.co.uk",
                "Bob.Smith+news@mail.example.co.uk",
            ),
            ("o'neil@example.ie", "o'neil@example.ie"),
            ("a_b-c@ex-ample.com", "a_b-c@ex-ample.com"),
            ("info@bücher.de", "info@xn--bcher-kva.de"),
            ("x@1und1.de", "x@1und1.de"),
            ("x@example.xn--p1ai", "x@example.xn--p1ai"),
            ("MAILTO:Bob@Example.COM", "Bob@example.com"),
        ] {
            assert_eq!(ok(raw), normalized, "{raw:?}");
        }
    }

    #[test]
    fn local_part_length() {
        let l64 = "a".repeat(64);
        let l65 = "a".repeat(65);
        assert_eq!(
            ok(&format!("{l64}@example.com")),
            format!("{l64}@example.com")
        );
        assert_eq!(err(&format!("{l65}@example.com")), code::LOCAL_TOO_LONG);
    }

    #[test]
    fn label_length() {
        let l63 = "a".repeat(63);
        let l64 = "a".repeat(64);
        ok(&format!("x@{l63}.com"));
        assert_eq!(err(&format!("x@{l64}.com")), code::DOMAIN_LABEL_TOO_LONG);
    }

    #[test]
    fn domain_length() {
        let d253 = domain_of_len(253);
        let d254 = domain_of_len(254);
        assert_eq!(check_domain(&d253), Ok(()));
        assert_eq!(err(&format!("x@{d254}")), code::DOMAIN_TOO_LONG);
        // A 253-octet domain is fine on its own, but no address can use it: with the shortest
        // local part the address is 255 octets, over the 254 limit.
        assert_eq!(err(&format!("x@{d253}")), code::ADDRESS_TOO_LONG);
        ok(&format!("x@{}", domain_of_len(252)));
    }

    #[test]
    fn address_length() {
        // 64 + 1 + 189 = 254 octets: accepted; one more octet: rejected.
        let local = "a".repeat(64);
        ok(&format!("{local}@{}", domain_of_len(189)));
        assert_eq!(
            err(&format!("{local}@{}", domain_of_len(190))),
            code::ADDRESS_TOO_LONG
        );
    }

    /// Refused addresses and the code each gets, by rule.
    #[test]
    fn refused_addresses_get_their_code() {
        for (address, expected) in [
            // dots in the local part
            ("a..b@x.com", code::LOCAL_CONSECUTIVE_DOTS),
            (".a@x.com", code::LOCAL_LEADING_DOT),
            ("a.@x.com", code::LOCAL_TRAILING_DOT),
            // what the email_address crate lets through
            ("a@ex!ample.com", code::BAD_DOMAIN_LABEL),
            ("a@ex_ample.com", code::BAD_DOMAIN_LABEL),
            ("a@[garbage]", code::DOMAIN_LITERAL),
            ("a@[192.168.0.1]", code::DOMAIN_LITERAL),
            // quoted local parts
            ("\"quoted\"@example.com", code::QUOTED_LOCAL_PART),
            ("\"a b\"@example.com", code::QUOTED_LOCAL_PART),
            // top-level domains
            ("a@localhost", code::NO_TLD),
            ("a@x.123", code::NUMERIC_TLD),
            ("a@1.2.3.4", code::NUMERIC_TLD),
            ("a@x.c", code::BAD_TLD),
            ("a@x.c0m", code::BAD_TLD),
            // domain labels
            ("a@-x.com", code::DOMAIN_LABEL_HYPHEN),
            ("a@x-.com", code::DOMAIN_LABEL_HYPHEN),
            ("a@x..com", code::EMPTY_DOMAIN_LABEL),
            ("a@.x.com", code::EMPTY_DOMAIN_LABEL),
            ("a@x.com.", code::EMPTY_DOMAIN_LABEL),
            // local-part characters
            ("a b@x.com", code::BAD_LOCAL_CHAR),
            ("a,b@x.com", code::BAD_LOCAL_CHAR),
            ("a@b@x.com", code::BAD_LOCAL_CHAR),
            ("a(b)@x.com", code::BAD_LOCAL_CHAR),
            ("josé@x.com", code::NON_ASCII_LOCAL_PART),
            // structure (from normalize)
            ("", code::EMPTY),
            ("no-at-sign", code::MISSING_AT),
            ("@x.com", code::EMPTY_LOCAL_PART),
            ("a@", code::EMPTY_DOMAIN),
        ] {
            assert_eq!(err(address), expected, "{address}");
        }
    }

    #[test]
    fn dots_inside_a_local_part_are_fine() {
        ok("a.b.c@x.com");
    }

    #[test]
    fn error_serializes_code_and_message() {
        let e = parse("a@localhost").unwrap_err();
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["code"], "no_tld");
        assert!(v["message"].as_str().unwrap().contains("localhost"));
    }

    proptest! {
        #[test]
        fn accepted_addresses_respect_every_limit(raw in "[a-zA-Z0-9._+-]{0,70}@[a-zA-Z0-9.-]{0,80}") {
            if let Ok(e) = parse(&raw) {
                prop_assert!(e.local().len() <= MAX_LOCAL_LEN);
                prop_assert!(e.domain().len() <= MAX_DOMAIN_LEN);
                prop_assert!(e.to_string().len() <= MAX_ADDRESS_LEN);
                prop_assert!(!e.local().starts_with('.') && !e.local().ends_with('.'));
                prop_assert!(!e.local().contains(".."));
                prop_assert!(e.domain().contains('.'));
                prop_assert!(e.domain().split('.').all(|l| !l.is_empty() && l.len() <= MAX_LABEL_LEN
                    && !l.starts_with('-') && !l.ends_with('-')));
            }
        }

        #[test]
        fn parse_is_stable_on_its_output(raw in "\\PC{0,40}") {
            if let Ok(e) = parse(&raw) {
                prop_assert_eq!(parse(&e.to_string()), Ok(e));
            }
        }
    }
}
