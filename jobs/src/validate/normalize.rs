//! Normalization: turn one raw cell of a CRM export into the canonical form of an address.
//!
//! This is the *parse* half of "parse, don't validate": [`normalize`] is the only way to
//! build a [`NormalizedEmail`], so code holding one knows the address has exactly one `@`
//! split, a non-empty local part and a lowercase ASCII (punycode) domain made of letters,
//! digits, hyphens and dots. Whether the address is acceptable for marketing is the job of
//! [`super::syntax::check`].

use std::fmt;
use std::str::FromStr;

use idna::uts46::{AsciiDenyList, DnsLength, Hyphens, Uts46};
use serde::{Serialize, Serializer};

use super::syntax::{SyntaxError, code};

/// An email address in the form Reachly stores it: the local part exactly as written, the
/// domain lowercased and converted to ASCII (IDNA / UTS 46 punycode).
///
/// It exists so that normalization happens once, at the boundary, and everything after it
/// (dedupe, DNS lookups, flags, storage) works on one canonical spelling. It can only be
/// built by [`normalize`]; its fields are private.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NormalizedEmail {
    local: String,
    domain: String,
}

impl NormalizedEmail {
    /// The local part (before the last `@`), case preserved: RFC 5321 lets a server treat
    /// `Bob` and `bob` as different mailboxes, so what the user typed is what we send to.
    pub fn local(&self) -> &str {
        &self.local
    }

    /// The domain: lowercase ASCII, IDN labels as punycode (`xn--bcher-kva.de`).
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The key used to compare and dedupe addresses: the whole address lowercased. Virtually
    /// every real mail server treats the local part case-insensitively, and the database's
    /// `unique (organization_id, lower(email))` agrees.
    pub fn dedupe_key(&self) -> String {
        format!("{}@{}", self.local.to_lowercase(), self.domain)
    }

    /// The local part before any `+tag` subaddress, e.g. `info` for `info+news@acme.com`.
    pub fn local_base(&self) -> &str {
        match self.local.split_once('+') {
            Some((base, _)) if !base.is_empty() => base,
            _ => &self.local,
        }
    }
}

impl fmt::Display for NormalizedEmail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.local, self.domain)
    }
}

impl Serialize for NormalizedEmail {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl FromStr for NormalizedEmail {
    type Err = SyntaxError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        normalize(raw)
    }
}

/// Normalize one raw address.
///
/// Steps, repeated until nothing changes (so the function is idempotent on its own output):
/// trim Unicode whitespace and zero-width characters (BOM, ZWSP, ...); unwrap a display-name
/// form `Name <addr>` or a `<addr>` wrapper; unwrap matching surrounding quotes (`"addr"`,
/// `'addr'`, `“addr”`, `«addr»`, ...) that spreadsheets and CRM exports add; strip a leading
/// `mailto:` in any case (and the `?subject=...` query of a mailto URI).
///
/// Then split at the **last** `@` (a quoted local part may itself contain `@`), keep the local
/// part as written and convert the domain with UTS 46 (lowercase, IDN to punycode, full-width
/// dots to dots) with the STD3 rules, so the domain holds only letters, digits, hyphens and
/// dots. Lengths, dots and the TLD are checked later by [`super::syntax::check`].
///
/// Errors: `empty`, `missing_at`, `empty_local_part`, `empty_domain`, `domain_literal`
/// (`a@[1.2.3.4]`), `bad_domain_label` (a character other than letter, digit, hyphen, dot),
/// `bad_idn_domain` (UTS 46 refused the domain, e.g. broken punycode).
pub fn normalize(raw: &str) -> Result<NormalizedEmail, SyntaxError> {
    let s = unwrap(raw);
    if s.is_empty() {
        return Err(SyntaxError::new(code::EMPTY, "the address is empty"));
    }
    let Some((local, domain)) = s.rsplit_once('@') else {
        return Err(SyntaxError::new(code::MISSING_AT, "the address has no '@'"));
    };
    if local.is_empty() {
        return Err(SyntaxError::new(
            code::EMPTY_LOCAL_PART,
            "nothing before the '@'",
        ));
    }
    if domain.is_empty() {
        return Err(SyntaxError::new(
            code::EMPTY_DOMAIN,
            "nothing after the '@'",
        ));
    }
    let domain = normalize_domain(domain)?;
    Ok(NormalizedEmail {
        local: local.to_owned(),
        domain,
    })
}

/// Convert a domain to lowercase ASCII with UTS 46 (STD3 rules, hyphens and lengths left to
/// the syntax check).
fn normalize_domain(domain: &str) -> Result<String, SyntaxError> {
    if domain.starts_with('[') || domain.ends_with(']') {
        return Err(SyntaxError::new(
            code::DOMAIN_LITERAL,
            format!("domain literal '{domain}' is not a marketing address"),
        ));
    }
    if domain.is_ascii()
        && let Some(bad) = domain
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '.'))
    {
        return Err(SyntaxError::new(
            code::BAD_DOMAIN_LABEL,
            format!(
                "the domain contains {bad:?}; only letters, digits, hyphens and dots are allowed"
            ),
        ));
    }
    match Uts46::new().to_ascii(
        domain.as_bytes(),
        AsciiDenyList::STD3,
        Hyphens::Allow,
        DnsLength::Ignore,
    ) {
        Ok(ascii) => Ok(ascii.into_owned()),
        Err(_) => Err(SyntaxError::new(
            code::BAD_IDN_DOMAIN,
            format!("the domain '{domain}' is not a valid (internationalized) domain name"),
        )),
    }
}

/// Characters trimmed from both ends besides Unicode whitespace: the byte-order mark and the
/// zero-width characters that copy-paste from web pages and Excel leave behind.
fn is_trimmed(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{feff}' | '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}'
        )
}

/// Matching pairs of quotes that exports wrap around a whole cell.
const QUOTE_PAIRS: &[(char, char)] = &[
    ('"', '"'),
    ('\'', '\''),
    ('\u{201c}', '\u{201d}'), // “ ”
    ('\u{201e}', '\u{201c}'), // „ “
    ('\u{2018}', '\u{2019}'), // ‘ ’
    ('\u{ab}', '\u{bb}'),     // « »
    ('\u{bb}', '\u{ab}'),     // » «
    ('\u{2039}', '\u{203a}'), // ‹ ›
    ('`', '`'),
];

/// Peel trimming, wrappers and `mailto:` off until a fixpoint.
fn unwrap(raw: &str) -> &str {
    let mut s = raw;
    loop {
        let before = s;
        s = s.trim_matches(is_trimmed);
        // `Name <addr>` and `<addr>`; not `A <a@x.com>, B <b@y.com>` (two addresses in one
        // cell stay one broken address instead of silently becoming the last one).
        if let Some(inner) = s.strip_suffix('>')
            && let Some(open) = inner.rfind('<')
            && !inner[..open].contains(['<', '>'])
        {
            s = &inner[open + 1..];
        }
        for &(open, close) in QUOTE_PAIRS {
            if s.chars().count() >= 2
                && let Some(inner) = s.strip_prefix(open).and_then(|r| r.strip_suffix(close))
            {
                s = inner;
                break;
            }
        }
        if s.get(..7)
            .is_some_and(|p| p.eq_ignore_ascii_case("mailto:"))
        {
            s = &s[7..];
            // A mailto URI may carry `?subject=...`; the query starts after the address.
            if let Some(at) = s.find('@')
                && let Some(q) = s[at..].find('?')
            {
                s = &s[..at + q];
            }
        }
        if s == before {
            return s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn n(raw: &str) -> String {
        normalize(raw)
            .map(|e| e.to_string())
            .unwrap_or_else(|e| format!("ERR {}", e.code))
    }

    /// Each input and what it normalizes to, by rule.
    #[test]
    fn normalizes() {
        for (input, expected) in [
            // mailto any case and domain lowercased local kept
            ("MAILTO:Bob@Example.COM", "Bob@example.com"),
            ("mailto:bob@example.com?subject=Hi", "bob@example.com"),
            ("MailTo:mailto:bob@example.com", "bob@example.com"),
            // idn domain to punycode
            ("info@bücher.de", "info@xn--bcher-kva.de"),
            ("info@BÜCHER.DE", "info@xn--bcher-kva.de"),
            ("info@bücher。de", "info@xn--bcher-kva.de"),
            ("info@xn--bcher-kva.de", "info@xn--bcher-kva.de"),
            // quoted local part is kept for the syntax check
            ("\"quoted\"@example.com", "\"quoted\"@example.com"),
            ("\"a@b\"@example.com", "\"a@b\"@example.com"),
            // structural errors
            ("", "ERR empty"),
            ("  <> ", "ERR empty"),
            ("bob.example.com", "ERR missing_at"),
            ("@example.com", "ERR empty_local_part"),
            ("bob@", "ERR empty_domain"),
            ("a@[garbage]", "ERR domain_literal"),
            ("a@[127.0.0.1]", "ERR domain_literal"),
            ("a@[IPv6:::1]", "ERR domain_literal"),
            ("a@ex!ample.com", "ERR bad_domain_label"),
            ("a@ex_ample.com", "ERR bad_domain_label"),
            ("a@exa mple.com", "ERR bad_domain_label"),
            ("a@xn--zz-.com", "ERR bad_idn_domain"),
        ] {
            assert_eq!(n(input), expected, "{input:?}");
        }
    }

    #[test]
    fn trims_whitespace_wrappers_and_quotes() {
        assert_eq!(n("  bob@example.com\t"), "bob@example.com");
        assert_eq!(
            n("\u{feff}\u{a0}bob@example.com\u{3000}"),
            "bob@example.com"
        );
        assert_eq!(n("<bob@example.com>"), "bob@example.com");
        assert_eq!(n("\"bob@example.com\""), "bob@example.com");
        assert_eq!(n("'bob@example.com'"), "bob@example.com");
        assert_eq!(n("“bob@example.com”"), "bob@example.com");
        assert_eq!(n("Bob Smith <Bob@Example.com>"), "Bob@example.com");
        assert_eq!(n("\" <mailto:bob@example.com> \""), "bob@example.com");
        assert_eq!(
            n("\"bob@example.com\" <bob@example.com>"),
            "bob@example.com"
        );
        // Two addresses in one cell are not silently reduced to one.
        assert!(normalize("A <a@x.com>, B <b@y.com>").is_err());
    }

    #[test]
    fn splits_at_the_last_at() {
        let e = normalize("a@b@Example.com").unwrap();
        assert_eq!(e.local(), "a@b");
        assert_eq!(e.domain(), "example.com");
    }

    #[test]
    fn dedupe_key_lowercases_everything() {
        let a = normalize("Bob@Example.com").unwrap();
        let b = normalize("bob@EXAMPLE.COM").unwrap();
        assert_ne!(a, b);
        assert_eq!(a.dedupe_key(), b.dedupe_key());
        assert_eq!(a.dedupe_key(), "bob@example.com");
    }

    #[test]
    fn local_base_drops_plus_tag() {
        assert_eq!(
            normalize("info+news@acme.com").unwrap().local_base(),
            "info"
        );
        assert_eq!(normalize("+x@acme.com").unwrap().local_base(), "+x");
        assert_eq!(normalize("sales@acme.com").unwrap().local_base(), "sales");
    }

    #[test]
    fn serializes_as_a_string() {
        let e = normalize("Bob@Example.com").unwrap();
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!("Bob@example.com")
        );
    }

    proptest! {
        #[test]
        fn idempotent_on_its_own_output(raw in "\\PC{0,40}") {
            if let Ok(once) = normalize(&raw) {
                let twice = normalize(&once.to_string());
                prop_assert_eq!(twice, Ok(once));
            }
        }

        #[test]
        fn idempotent_on_address_like_input(
            pre in "[ <\"'mMaAiIlLtToO:]{0,8}",
            local in "[A-Za-z0-9.+_\"@-]{1,12}",
            domain in "[A-Za-z0-9.üÖß。-]{1,20}",
            post in "[ >\"']{0,4}",
        ) {
            let raw = format!("{pre}{local}@{domain}{post}");
            if let Ok(once) = normalize(&raw) {
                let twice = normalize(&once.to_string());
                prop_assert_eq!(twice, Ok(once));
            }
        }

        #[test]
        fn normalized_domain_is_lowercase_ascii(raw in "\\PC{0,20}@\\PC{1,30}") {
            if let Ok(e) = normalize(&raw) {
                prop_assert!(e.domain().is_ascii());
                prop_assert!(!e.domain().chars().any(|c| c.is_ascii_uppercase()));
                prop_assert!(e.domain().chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.'));
            }
        }
    }
}
