//! Warning flags about a syntactically usable address: disposable domain, role account, free
//! (consumer) mailbox provider, and a likely typo of a popular domain.
//!
//! Flags never make an address invalid on their own; [`super::classify`] turns them into
//! `risky` and a risk score.

use std::collections::HashSet;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use super::normalize::NormalizedEmail;

/// The outcome of the flag checks for one address.
///
/// It exists so the four independent heuristics travel together into classification and into
/// the stored `validation_details` as one plain value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flags {
    /// The domain (or a parent of it) is a known throw-away mailbox service.
    pub disposable: bool,
    /// The local part (before any `+tag`) names a function, not a person (`info@`, `sales@`).
    pub role_account: bool,
    /// The domain is a consumer mailbox provider (free webmail or a large consumer ISP).
    pub free_provider: bool,
    /// A popular domain the user probably meant (`gmial.com` → `gmail.com`); never the
    /// address's own domain.
    pub did_you_mean: Option<String>,
}

/// Compute every flag for one normalized address.
pub fn flags(email: &NormalizedEmail) -> Flags {
    let domain = email.domain();
    Flags {
        disposable: is_disposable(domain),
        role_account: is_role_account(email.local_base()),
        free_provider: is_free_provider(domain),
        did_you_mean: suggest_domain(domain),
    }
}

// ---------------------------------------------------------------------------------------------
// Disposable domains
// ---------------------------------------------------------------------------------------------

/// Which upstream snapshot `data/disposable_domains.txt` is; recorded in validation logs.
pub const DISPOSABLE_LIST_VERSION: &str =
    "disposable-email-domains/disposable-email-domains@a6458931ee3e (2026-08-21)";

/// The vendored list (CC0, see the header of the file for source and date).
static DISPOSABLE_DOMAINS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../../data/disposable_domains.txt")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect()
});

/// Number of domains in the vendored disposable list.
pub fn disposable_list_len() -> usize {
    DISPOSABLE_DOMAINS.len()
}

/// Whether `domain` or one of its parents (never the bare TLD) is on the disposable list:
/// `x.mailinator.com` matches `mailinator.com`.
pub fn is_disposable(domain: &str) -> bool {
    let mut candidate = domain;
    loop {
        if DISPOSABLE_DOMAINS.contains(candidate) {
            return true;
        }
        match candidate.split_once('.') {
            Some((_, parent)) if parent.contains('.') => candidate = parent,
            _ => return false,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Role accounts
// ---------------------------------------------------------------------------------------------

/// Local parts that name a function or a shared inbox rather than a person. Mail to them
/// reaches several people or none, draws complaints, and consent for marketing is rarely
/// given by "the sales team". Matched exactly (lowercase) on the part before any `+tag`, so
/// `info+news@` is a role account but `infoman@` is not. English plus the common German,
/// French and Spanish equivalents seen in broker lists.
pub const ROLE_ACCOUNTS: &[&str] = &[
    "abuse",
    "accounting",
    "accounts",
    "admin",
    "administrator",
    "all",
    "billing",
    "bewerbung",
    "buero",
    "careers",
    "contact",
    "contact-us",
    "contacto",
    "contactus",
    "customercare",
    "customerservice",
    "customer-service",
    "datenschutz",
    "do-not-reply",
    "donotreply",
    "do_not_reply",
    "enquiries",
    "enquiry",
    "everyone",
    "feedback",
    "finance",
    "hello",
    "help",
    "helpdesk",
    "hostmaster",
    "hr",
    "info",
    "information",
    "inquiries",
    "inquiry",
    "jobs",
    "kontakt",
    "legal",
    "mail",
    "mailer-daemon",
    "marketing",
    "media",
    "news",
    "newsletter",
    "no-reply",
    "noreply",
    "no_reply",
    "office",
    "orders",
    "postmaster",
    "presse",
    "press",
    "privacy",
    "reception",
    "recruiting",
    "recruitment",
    "root",
    "sales",
    "security",
    "service",
    "staff",
    "support",
    "sysadmin",
    "team",
    "vertrieb",
    "verwaltung",
    "webmaster",
    "welcome",
];

/// Whether a local part (already stripped of its `+tag`) is a role account.
pub fn is_role_account(local_base: &str) -> bool {
    let lower = local_base.to_ascii_lowercase();
    ROLE_ACCOUNTS.contains(&lower.as_str())
}

// ---------------------------------------------------------------------------------------------
// Free (consumer) mailbox providers
// ---------------------------------------------------------------------------------------------

/// Consumer mailbox domains matched exactly: free webmail and the big consumer ISPs (an
/// address there belongs to a private person, not a company). Small, hand-kept list.
pub const FREE_PROVIDERS: &[&str] = &[
    // Google, Microsoft, Apple, AOL/Yahoo, Proton, Zoho
    "gmail.com",
    "googlemail.com",
    "msn.com",
    "passport.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "aim.com",
    "ymail.com",
    "rocketmail.com",
    "proton.me",
    "protonmail.com",
    "protonmail.ch",
    "pm.me",
    "zoho.com",
    "zohomail.com",
    // mail.com family, other webmail
    "mail.com",
    "email.com",
    "usa.com",
    "gmx.com",
    "fastmail.com",
    "fastmail.fm",
    "hushmail.com",
    "tutanota.com",
    "tutanota.de",
    "tuta.io",
    "mailbox.org",
    "posteo.de",
    // Germany, Austria, Switzerland
    "web.de",
    "t-online.de",
    "freenet.de",
    "arcor.de",
    "online.de",
    "mail.de",
    "bluewin.ch",
    "aon.at",
    // Rest of Europe
    "orange.fr",
    "wanadoo.fr",
    "free.fr",
    "sfr.fr",
    "laposte.net",
    "libero.it",
    "virgilio.it",
    "tiscali.it",
    "alice.it",
    "btinternet.com",
    "sky.com",
    "virginmedia.com",
    "seznam.cz",
    "wp.pl",
    "o2.pl",
    "onet.pl",
    "interia.pl",
    "mail.ru",
    "inbox.ru",
    "list.ru",
    "bk.ru",
    "rambler.ru",
    // North America
    "comcast.net",
    "verizon.net",
    "att.net",
    "sbcglobal.net",
    "bellsouth.net",
    "cox.net",
    "charter.net",
    "earthlink.net",
    "optonline.net",
    "juno.com",
    "netzero.net",
    "shaw.ca",
    "rogers.com",
    "sympatico.ca",
    "telus.net",
    // Elsewhere
    "bigpond.com",
    "optusnet.com.au",
    "xtra.co.nz",
    "uol.com.br",
    "bol.com.br",
    "terra.com.br",
    "qq.com",
    "163.com",
    "126.com",
    "sina.com",
    "naver.com",
    "daum.net",
    "hanmail.net",
    "rediffmail.com",
];

/// Providers with one domain per country (`yahoo.*`, `hotmail.*`, `gmx.*`, ...): a domain is
/// theirs when it is the brand followed by one of [`BRAND_SUFFIXES`] (`yahoo.de`,
/// `yahoo.co.uk`, `hotmail.com.br`), but not `yahoo.example.org` nor a typo like `hotmail.con`.
pub const FREE_PROVIDER_BRANDS: &[&str] = &[
    "aol",
    "gmx",
    "hotmail",
    "live",
    "outlook",
    "windowslive",
    "yahoo",
    "yandex",
];

/// Suffixes the brands above really use (generic and country TLDs, and the second-level
/// country suffixes). Deliberately missing: `co`, `cm`, `om`, `con`, `cmo`, ... which are
/// almost always typos of `com` (and are caught by the typo check instead).
pub const BRAND_SUFFIXES: &[&str] = &[
    "com", "net", "org", "eu", "de", "at", "ch", "li", "lu", "fr", "be", "nl", "it", "es", "pt",
    "ie", "uk", "dk", "se", "no", "fi", "is", "pl", "cz", "sk", "hu", "ro", "bg", "gr", "hr", "si",
    "rs", "ee", "lv", "lt", "ru", "ua", "by", "kz", "tr", "ca", "us", "mx", "br", "ar", "cl", "pe",
    "ve", "au", "nz", "in", "jp", "kr", "cn", "hk", "tw", "sg", "my", "ph", "id", "th", "vn", "za",
    "eg", "ae", "sa", "il", "co.uk", "co.nz", "co.jp", "co.in", "co.za", "co.kr", "co.id", "co.th",
    "co.il", "com.br", "com.ar", "com.mx", "com.au", "com.tr", "com.tw", "com.hk", "com.sg",
    "com.my", "com.ph", "com.vn", "com.pe", "com.co", "com.ve",
];

/// Whether `domain` is a consumer mailbox provider.
pub fn is_free_provider(domain: &str) -> bool {
    FREE_PROVIDERS.contains(&domain) || is_brand_domain(domain)
}

fn is_brand_domain(domain: &str) -> bool {
    domain.split_once('.').is_some_and(|(brand, suffix)| {
        FREE_PROVIDER_BRANDS.contains(&brand) && BRAND_SUFFIXES.contains(&suffix)
    })
}

// ---------------------------------------------------------------------------------------------
// Typo suggestions
// ---------------------------------------------------------------------------------------------

/// Domains typos are corrected towards, most popular first (ties go to the earlier one).
pub const POPULAR_DOMAINS: &[&str] = &[
    "gmail.com",
    "yahoo.com",
    "hotmail.com",
    "outlook.com",
    "aol.com",
    "icloud.com",
    "comcast.net",
    "verizon.net",
    "att.net",
    "msn.com",
    "live.com",
    "me.com",
    "mac.com",
    "sbcglobal.net",
    "googlemail.com",
    "ymail.com",
    "gmx.de",
    "gmx.net",
    "web.de",
    "t-online.de",
    "yahoo.de",
    "hotmail.de",
    "outlook.de",
    "yahoo.co.uk",
    "hotmail.co.uk",
    "hotmail.fr",
    "yahoo.fr",
    "orange.fr",
    "protonmail.com",
    "bellsouth.net",
    "cox.net",
    "charter.net",
    "earthlink.net",
    "btinternet.com",
    "freenet.de",
];

/// Real domains that sit one or two edits away from a popular one and must never be
/// "corrected" (besides everything in [`POPULAR_DOMAINS`] and the free-provider lists).
const KNOWN_REAL_DOMAINS: &[&str] = &[
    "aon.com",
    "cloud.com",
    "email.com",
    "gmx.com",
    "mail.com",
    "ymail.com",
    "yahoo.co.jp",
];

/// Suggest the popular domain `domain` is probably a typo of, if any.
///
/// Rules: no suggestion for a known real domain (popular, free provider, or
/// [`KNOWN_REAL_DOMAINS`]); otherwise the popular domain with the smallest optimal string
/// alignment distance (Damerau-Levenshtein with adjacent transpositions) wins, provided the
/// distance is at most 2 when the popular domain's name (first label) has 5 or more letters
/// (`gmial.com`, `gmail.con`, `gmaill.co`, `hotmial.com`), and exactly 1 for short names, where
/// the one edit must be in the suffix (`aol.con`) or a swap of two letters (`oal.com`): one
/// changed letter in a three-letter name is far more often another real company (`aon.com`)
/// than a typo. The suggestion is never the input itself.
pub fn suggest_domain(domain: &str) -> Option<String> {
    if is_known_domain(domain) {
        return None;
    }
    let mut best: Option<(usize, &str)> = None;
    for &candidate in POPULAR_DOMAINS {
        let distance = osa_distance(domain, candidate);
        if distance == 0 || !acceptable_typo(domain, candidate, distance) {
            continue;
        }
        if best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate.to_owned())
}

fn is_known_domain(domain: &str) -> bool {
    POPULAR_DOMAINS.contains(&domain)
        || KNOWN_REAL_DOMAINS.contains(&domain)
        || is_free_provider(domain)
}

fn acceptable_typo(domain: &str, candidate: &str, distance: usize) -> bool {
    let (name, suffix) = candidate.split_once('.').unwrap_or((candidate, ""));
    if name.len() >= 5 {
        return distance <= 2;
    }
    if distance != 1 {
        return false;
    }
    match domain.split_once('.') {
        Some((n, _)) if n == name => true,
        Some((n, s)) if s == suffix => is_transposition(n, name),
        _ => false,
    }
}

/// Whether `a` becomes `b` by swapping two adjacent characters.
fn is_transposition(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let diffs: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
    matches!(diffs.as_slice(), [i, j] if *j == i + 1 && a[*i] == b[*j] && a[*j] == b[*i])
}

/// Optimal string alignment distance (restricted Damerau-Levenshtein) over bytes; domains are
/// ASCII after normalization.
pub fn osa_distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let width = b.len() + 1;
    // Rows i-2, i-1 and i of the DP matrix.
    let mut prev2 = vec![0usize; width];
    let mut prev: Vec<usize> = (0..width).collect();
    let mut cur = vec![0usize; width];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(prev2[j - 2] + 1);
            }
            cur[j] = d;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::normalize::normalize;
    use proptest::prelude::*;

    fn f(raw: &str) -> Flags {
        flags(&normalize(raw).unwrap())
    }

    #[test]
    fn disposable_list_is_loaded() {
        assert!(disposable_list_len() > 1_000, "{}", disposable_list_len());
        assert!(is_disposable("mailinator.com"));
        assert!(is_disposable("yopmail.com"));
        assert!(!is_disposable("gmail.com"));
        assert!(!is_disposable("com"));
    }

    #[test]
    fn disposable_matches_parent_domains() {
        assert!(f("bob@x.mailinator.com").disposable);
        assert!(f("bob@a.b.mailinator.com").disposable);
        assert!(f("bob@Mailinator.COM").disposable);
        assert!(!f("bob@mailinator.com.example.org").disposable);
        assert!(!f("bob@acme.com").disposable);
    }

    #[test]
    fn role_accounts() {
        assert!(f("info+news@acme.com").role_account);
        assert!(f("INFO@acme.com").role_account);
        assert!(f("no-reply@acme.com").role_account);
        assert!(f("sales@acme.com").role_account);
        assert!(f("postmaster@acme.com").role_account);
        assert!(!f("infoman@acme.com").role_account);
        assert!(!f("jane.doe@acme.com").role_account);
        assert!(!f("+info@acme.com").role_account);
    }

    #[test]
    fn free_providers() {
        for d in [
            "gmail.com",
            "yahoo.com",
            "yahoo.co.uk",
            "hotmail.de",
            "hotmail.com.br",
            "outlook.com",
            "live.com",
            "gmx.de",
            "gmx.net",
            "web.de",
            "yandex.ru",
            "proton.me",
            "icloud.com",
        ] {
            assert!(is_free_provider(d), "{d}");
        }
        for d in [
            "acme.com",
            "yahoo.example.org",
            "mail.gmail.com",
            "gmailx.com",
            "hotmail.con",
            "yahoo.co",
        ] {
            assert!(!is_free_provider(d), "{d}");
        }
    }

    #[test]
    fn typo_suggestions() {
        for (typo, want) in [
            ("gmial.com", "gmail.com"),
            ("gmail.con", "gmail.com"),
            ("gmail.co", "gmail.com"),
            ("gmai.com", "gmail.com"),
            ("gamil.com", "gmail.com"),
            ("gmaill.con", "gmail.com"),
            ("hotmial.com", "hotmail.com"),
            ("hotmail.con", "hotmail.com"),
            ("hotmail.co", "hotmail.com"),
            ("yahoo.cm", "yahoo.com"),
            ("yahooo.com", "yahoo.com"),
            ("yaho.com", "yahoo.com"),
            ("outlok.com", "outlook.com"),
            ("iclod.com", "icloud.com"),
            ("comcast.ne", "comcast.net"),
            ("aol.con", "aol.com"),
            ("oal.com", "aol.com"),
            ("web.dr", "web.de"),
            ("tonline.de", "t-online.de"),
        ] {
            assert_eq!(suggest_domain(typo).as_deref(), Some(want), "{typo}");
        }
    }

    #[test]
    fn no_suggestion_for_real_or_unrelated_domains() {
        for d in [
            "gmail.com",
            "yahoo.com",
            "hotmail.de",
            "yahoo.fr",
            "mail.com",
            "email.com",
            "aon.com",
            "cloud.com",
            "gmx.com",
            "live.de",
            "acme.com",
            "example.org",
            "love.com",
            "mee.com",
        ] {
            assert_eq!(suggest_domain(d), None, "{d}");
        }
    }

    #[test]
    fn flags_carry_the_suggestion() {
        let fl = f("bob@gmial.com");
        assert_eq!(fl.did_you_mean.as_deref(), Some("gmail.com"));
        assert_eq!(f("bob@gmail.com").did_you_mean, None);
        assert!(f("bob@gmail.com").free_provider);
    }

    #[test]
    fn osa_distance_basics() {
        assert_eq!(osa_distance("", ""), 0);
        assert_eq!(osa_distance("abc", ""), 3);
        assert_eq!(osa_distance("", "abc"), 3);
        assert_eq!(osa_distance("gmial", "gmail"), 1);
        assert_eq!(osa_distance("kitten", "sitting"), 3);
        assert_eq!(osa_distance("ca", "abc"), 3);
    }

    proptest! {
        #[test]
        fn did_you_mean_never_equals_the_domain(domain in "[a-z0-9-]{1,12}(\\.[a-z]{1,4}){1,2}") {
            if let Some(s) = suggest_domain(&domain) {
                prop_assert_ne!(&s, &domain);
                prop_assert!(POPULAR_DOMAINS.contains(&s.as_str()));
            }
        }

        #[test]
        fn did_you_mean_never_equals_a_near_popular_domain(
            idx in 0..POPULAR_DOMAINS.len(),
            edit in 0usize..4,
            pos in 0usize..20,
            c in "[a-z.]",
        ) {
            // Perturb a popular domain by one edit, then check the invariant.
            let base = POPULAR_DOMAINS[idx];
            let mut bytes = base.as_bytes().to_vec();
            let p = pos % bytes.len();
            let ch = c.as_bytes()[0];
            match edit {
                0 => bytes[p] = ch,
                1 => bytes.insert(p, ch),
                2 => { bytes.remove(p); }
                _ => if p + 1 < bytes.len() { bytes.swap(p, p + 1) },
            }
            let domain = String::from_utf8(bytes).unwrap();
            if let Some(s) = suggest_domain(&domain) {
                prop_assert_ne!(s, domain);
            }
        }

        #[test]
        fn osa_is_symmetric_and_bounded(a in "[a-z.]{0,12}", b in "[a-z.]{0,12}") {
            let d = osa_distance(&a, &b);
            prop_assert_eq!(d, osa_distance(&b, &a));
            prop_assert!(d <= a.len().max(b.len()));
            prop_assert_eq!(d == 0, a == b);
        }
    }
}
