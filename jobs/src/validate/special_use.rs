//! Domains that can never receive mail from the internet, known before any DNS query:
//! special-use and reserved names (RFC 2606, 6761, 6762 `local`, 7686 `onion`, 8375
//! `home.arpa`, 9476 `alt`, the IANA special-use domain registry, ICANN's `internal`), and
//! labels that look like IDNA but are not valid IDNA.
//!
//! `.test` (RFC 6761) is where this project's own DNS fixtures live, so it is allowed only
//! when the deployment says so (`REACHLY_ALLOW_TEST_DOMAINS=1`, for tests and the demo).

use std::sync::atomic::{AtomicU8, Ordering};

/// Names whose whole subtree is special-use or reserved. `arpa` covers `home.arpa`,
/// `in-addr.arpa`, `ipv4only.arpa` and the rest of the infrastructure domain. RFC 2606's
/// `example.com`, `.net` and `.org` are left to DNS: they are registered and publish a null
/// MX, which classifies them `invalid` anyway.
const SPECIAL_USE: &[&str] = &[
    "localhost",
    "local",
    "invalid",
    "onion",
    "arpa",
    "example",
    "internal",
    "alt",
];

/// The testing TLD, allowed only when configured.
const TEST: &str = "test";

/// Whether `.test` addresses are allowed in this process: unset (0), no (1), yes (2).
static ALLOW_TEST: AtomicU8 = AtomicU8::new(0);

/// Sets, once at start-up from the configuration, whether `.test` addresses are allowed.
pub fn allow_test_domains(allow: bool) {
    ALLOW_TEST.store(if allow { 2 } else { 1 }, Ordering::Relaxed);
}

/// Whether `.test` addresses are allowed: as configured by [`allow_test_domains`], else from
/// `REACHLY_ALLOW_TEST_DOMAINS` (`1` or `true`). Unit tests of this crate allow them unless
/// told otherwise: their fixtures are `.test` addresses.
pub fn test_domains_allowed() -> bool {
    match ALLOW_TEST.load(Ordering::Relaxed) {
        2 => true,
        1 => false,
        _ => {
            let allowed = std::env::var("REACHLY_ALLOW_TEST_DOMAINS")
                .map(|v| crate::config::flag(&v))
                .unwrap_or(cfg!(test));
            allow_test_domains(allowed);
            allowed
        }
    }
}

/// The special-use name `domain` (lowercase ASCII) falls under, if any.
pub fn special_use(domain: &str, allow_test: bool) -> Option<&'static str> {
    let under = |name: &str| {
        domain == name
            || domain
                .strip_suffix(name)
                .is_some_and(|rest| rest.ends_with('.'))
    };
    if !allow_test && under(TEST) {
        return Some(TEST);
    }
    SPECIAL_USE.iter().copied().find(|name| under(name))
}

/// Whether `label` (lowercase ASCII LDH) is a valid IDNA label: a label with hyphens in its
/// third and fourth positions is reserved for IDNA (RFC 5891 §4.2.3.1), so it must be an
/// `xn--` A-label that decodes to valid Unicode and encodes back to itself.
pub fn idna_label_ok(label: &str) -> bool {
    if label.get(2..4) != Some("--") {
        return true;
    }
    if !label.starts_with("xn--") {
        return false;
    }
    let (unicode, result) = idna::domain_to_unicode(label);
    result.is_ok()
        && unicode != label
        && idna::domain_to_ascii(&unicode).is_ok_and(|ascii| ascii == label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_use_names_and_their_subdomains() {
        for (domain, name) in [
            ("localhost", "localhost"),
            ("host.localhost", "localhost"),
            ("link.local", "local"),
            ("anything.arpa", "arpa"),
            ("router.home.arpa", "arpa"),
            ("valid.invalid", "invalid"),
            ("onion.onion.onion", "onion"),
            ("shop.example", "example"),
            ("corp.internal", "internal"),
            ("x.alt", "alt"),
        ] {
            assert_eq!(special_use(domain, true), Some(name), "{domain}");
        }
        for domain in [
            "gmail.com",
            "notlocal",
            "mylocal.com",
            "example.co",
            "arpa.net",
        ] {
            assert_eq!(special_use(domain, false), None, "{domain}");
        }
    }

    #[test]
    fn test_is_special_unless_allowed() {
        assert_eq!(special_use("mail-ok.test", false), Some("test"));
        assert_eq!(special_use("mail-ok.test", true), None);
        assert_eq!(special_use("contest", false), None);
    }

    #[test]
    fn hyphens_in_positions_three_and_four_need_valid_idna() {
        assert!(idna_label_ok("yy-0"));
        assert!(idna_label_ok("a--b"));
        assert!(!idna_label_ok("yy--0"));
        assert!(idna_label_ok("xn--mnchen-3ya"));
        assert!(!idna_label_ok("xn--"));
        assert!(!idna_label_ok("xn--zz"));
    }
}
