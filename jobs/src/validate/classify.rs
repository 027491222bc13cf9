//! Classification: fold the outcome of every check into one status, a risk score, reasons and
//! the `validation_details` JSON stored on the contact.
//!
//! # Rules (first matching status rule wins; reasons and score always collect everything)
//!
//! | condition | status | reason | points |
//! | --- | --- | --- | --- |
//! | syntax error | `invalid` | `syntax_invalid` | score = 100 |
//! | null MX (RFC 7505) | `invalid` | `null_mx` | score = 100 |
//! | NXDOMAIN | `nonexistent` | `nxdomain` | score = 100 |
//! | no MX and no A/AAAA | `invalid` | `no_mail_host` | score = 100 |
//! | DNS unavailable (SERVFAIL / timeout after retries) | `risky` | `dns_unavailable` | 40 |
//! | DNS not checked (no verdict given) | `risky` | `domain_unchecked` | 40 |
//! | disposable domain | `risky` | `disposable` | 70 |
//! | likely typo (`did_you_mean`) | `risky` | `possible_typo` | 50 |
//! | role account | `risky` | `role_account` | 30 |
//! | implicit MX (A/AAAA only, RFC 5321 §5.1) | stays `valid` | `implicit_mx` | 15 |
//! | free provider | stays `valid` | `free_provider` | 5 |
//!
//! `invalid` and `nonexistent` always score 100. Otherwise the score is the sum of the points
//! of every warning present, capped at 100. Every weight is positive and the sum is
//! saturating, so the score is monotone: one more warning never lowers it, and never turns a
//! `risky` address `valid`. A temporary DNS failure is never `invalid`: the address is only
//! `risky` until a later run gets an answer.
//!
//! **Decision: disposable is `risky` (score 70), not `invalid`.** The mailbox exists and
//! accepts mail today; whether to mail it is a business choice the list owner makes from the
//! status and reason. The high score puts it first in any "exclude risky" cut.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::flags::Flags;
use super::normalize::NormalizedEmail;
use super::syntax::SyntaxError;

/// What DNS said about an address's domain, as decided by the lookup code (which lives
/// elsewhere and does the I/O). It exists so classification stays a pure function of values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum DomainVerdict {
    /// The domain accepts mail: its MX hosts, or (`implicit`) no MX but an A/AAAA record, so
    /// the domain itself is the mail host (RFC 5321 §5.1).
    Mail {
        /// MX exchange names in preference order (the domain itself when `implicit`).
        mx_hosts: Vec<String>,
        /// True when there is no MX and delivery would fall back to the A/AAAA record.
        implicit: bool,
    },
    /// The domain publishes a null MX (`0 .`, RFC 7505): it explicitly accepts no mail.
    NullMx,
    /// The domain does not exist (NXDOMAIN).
    NxDomain,
    /// The domain exists but has neither MX nor A/AAAA records.
    NoMailHost,
    /// No answer could be had (SERVFAIL, timeout) even after retries.
    Unavailable {
        /// What went wrong, for people (`"timeout"`, `"servfail"`).
        reason: String,
    },
}

impl DomainVerdict {
    /// Stable name of the verdict, as in its JSON `verdict` tag.
    pub fn as_str(&self) -> &'static str {
        match self {
            DomainVerdict::Mail { .. } => "mail",
            DomainVerdict::NullMx => "null_mx",
            DomainVerdict::NxDomain => "nx_domain",
            DomainVerdict::NoMailHost => "no_mail_host",
            DomainVerdict::Unavailable { .. } => "unavailable",
        }
    }
}

/// The validation status stored on a contact (`pending` is the database default before any
/// run and is not produced here).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Deliverable as far as we can tell without sending.
    Valid,
    /// Probably deliverable but with a warning (role account, disposable, typo, DNS down).
    Risky,
    /// Cannot receive mail: bad syntax, null MX, no mail host.
    Invalid,
    /// The domain does not exist.
    Nonexistent,
}

impl Status {
    /// The value stored in `contacts.validation_status`.
    pub fn as_str(self) -> &'static str {
        super::ValidationStatus::from(self).as_str()
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Stable reason codes of a [`Classification`] (stored; never renamed).
pub mod reason {
    /// The syntax check failed; the code is in `details.syntax.code`.
    pub const SYNTAX_INVALID: &str = "syntax_invalid";
    /// The domain is special-use or reserved (`localhost`, `.local`, `.onion`, ...): it never
    /// receives mail, and no DNS query is made for it.
    pub const SPECIAL_USE_DOMAIN: &str = "special_use_domain";
    /// The domain publishes a null MX.
    pub const NULL_MX: &str = "null_mx";
    /// The domain does not exist.
    pub const NXDOMAIN: &str = "nxdomain";
    /// The domain has no MX and no A/AAAA.
    pub const NO_MAIL_HOST: &str = "no_mail_host";
    /// DNS failed temporarily even after retries.
    pub const DNS_UNAVAILABLE: &str = "dns_unavailable";
    /// No DNS verdict was supplied for a syntactically valid address.
    pub const DOMAIN_UNCHECKED: &str = "domain_unchecked";
    /// Disposable domain.
    pub const DISPOSABLE: &str = "disposable";
    /// Likely typo of a popular domain.
    pub const POSSIBLE_TYPO: &str = "possible_typo";
    /// Role account.
    pub const ROLE_ACCOUNT: &str = "role_account";
    /// Mail would go to the domain's A/AAAA host (no MX).
    pub const IMPLICIT_MX: &str = "implicit_mx";
    /// Consumer mailbox provider.
    pub const FREE_PROVIDER: &str = "free_provider";
}

/// Risk points of each warning (see the module table). All positive.
pub mod points {
    /// [`super::reason::DNS_UNAVAILABLE`].
    pub const DNS_UNAVAILABLE: u8 = 40;
    /// [`super::reason::DOMAIN_UNCHECKED`].
    pub const DOMAIN_UNCHECKED: u8 = 40;
    /// [`super::reason::DISPOSABLE`].
    pub const DISPOSABLE: u8 = 70;
    /// [`super::reason::POSSIBLE_TYPO`].
    pub const POSSIBLE_TYPO: u8 = 50;
    /// [`super::reason::ROLE_ACCOUNT`].
    pub const ROLE_ACCOUNT: u8 = 30;
    /// [`super::reason::IMPLICIT_MX`].
    pub const IMPLICIT_MX: u8 = 15;
    /// [`super::reason::FREE_PROVIDER`].
    pub const FREE_PROVIDER: u8 = 5;
    /// Score of an `invalid` or `nonexistent` address.
    pub const FATAL: u8 = 100;
}

/// The result of validating one address: what is stored on the contact.
///
/// It exists so the decision and its evidence are one value: `status` for filtering,
/// `risk_score` for ranking, `reasons` for people and reports, `details` for the audit trail.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Classification {
    /// The stored `validation_status`.
    pub status: Status,
    /// 0 (no concern) to 100 (cannot receive mail).
    pub risk_score: u8,
    /// Reason codes from [`reason`], in rule order.
    pub reasons: Vec<&'static str>,
    /// A popular domain the address probably meant, if any.
    pub did_you_mean: Option<String>,
    /// The stored `validation_details`: every check's outcome plus the fields above.
    pub details: Value,
}

/// Classify one address from the outcome of its checks.
///
/// `syntax` is the result of [`super::syntax::parse`]; `domain` is the DNS verdict (`None`
/// when no lookup was made); `flags` are the flag checks (`None` when not computed). Inputs
/// that do not apply are ignored for the status (a DNS verdict after a syntax error) but still
/// recorded in `details`.
pub fn classify(
    syntax: &Result<NormalizedEmail, SyntaxError>,
    domain: Option<&DomainVerdict>,
    flags: Option<&Flags>,
) -> Classification {
    let mut fatal: Option<Status> = None;
    let mut risky = false;
    let mut reasons: Vec<&'static str> = Vec::new();
    let mut score: u8 = 0;
    let mut warn = |reasons: &mut Vec<&'static str>, r: &'static str, p: u8| {
        reasons.push(r);
        score = score.saturating_add(p);
    };

    if let Err(e) = syntax {
        fatal = Some(Status::Invalid);
        reasons.push(
            if e.code == crate::validate::syntax::code::SPECIAL_USE_DOMAIN {
                reason::SPECIAL_USE_DOMAIN
            } else {
                reason::SYNTAX_INVALID
            },
        );
    } else {
        match domain {
            Some(DomainVerdict::NullMx) => {
                fatal = Some(Status::Invalid);
                reasons.push(reason::NULL_MX);
            }
            Some(DomainVerdict::NxDomain) => {
                fatal = Some(Status::Nonexistent);
                reasons.push(reason::NXDOMAIN);
            }
            Some(DomainVerdict::NoMailHost) => {
                fatal = Some(Status::Invalid);
                reasons.push(reason::NO_MAIL_HOST);
            }
            Some(DomainVerdict::Unavailable { .. }) => {
                risky = true;
                warn(
                    &mut reasons,
                    reason::DNS_UNAVAILABLE,
                    points::DNS_UNAVAILABLE,
                );
            }
            None => {
                risky = true;
                warn(
                    &mut reasons,
                    reason::DOMAIN_UNCHECKED,
                    points::DOMAIN_UNCHECKED,
                );
            }
            Some(DomainVerdict::Mail { implicit, .. }) => {
                if *implicit {
                    warn(&mut reasons, reason::IMPLICIT_MX, points::IMPLICIT_MX);
                }
            }
        }
    }

    if let Some(f) = flags {
        if f.disposable {
            risky = true;
            warn(&mut reasons, reason::DISPOSABLE, points::DISPOSABLE);
        }
        if f.did_you_mean.is_some() {
            risky = true;
            warn(&mut reasons, reason::POSSIBLE_TYPO, points::POSSIBLE_TYPO);
        }
        if f.role_account {
            risky = true;
            warn(&mut reasons, reason::ROLE_ACCOUNT, points::ROLE_ACCOUNT);
        }
        if f.free_provider {
            warn(&mut reasons, reason::FREE_PROVIDER, points::FREE_PROVIDER);
        }
    }

    let status = match fatal {
        Some(s) => s,
        None if risky => Status::Risky,
        None => Status::Valid,
    };
    let risk_score = if fatal.is_some() {
        points::FATAL
    } else {
        score.min(100)
    };
    let did_you_mean = flags.and_then(|f| f.did_you_mean.clone());
    let details = details_json(
        syntax,
        domain,
        flags,
        status,
        risk_score,
        &reasons,
        &did_you_mean,
    );
    Classification {
        status,
        risk_score,
        reasons,
        did_you_mean,
        details,
    }
}

fn details_json(
    syntax: &Result<NormalizedEmail, SyntaxError>,
    domain: Option<&DomainVerdict>,
    flags: Option<&Flags>,
    status: Status,
    risk_score: u8,
    reasons: &[&'static str],
    did_you_mean: &Option<String>,
) -> Value {
    let syntax_json = match syntax {
        Ok(email) => json!({ "ok": true, "address": email.to_string() }),
        Err(e) => json!({ "ok": false, "code": e.code, "message": e.message }),
    };
    let suggested_address = match (syntax, did_you_mean) {
        (Ok(email), Some(d)) => Some(format!("{}@{d}", email.local())),
        _ => None,
    };
    json!({
        "status": status.as_str(),
        "syntax": syntax_json,
        "domain": domain,
        "flags": flags,
        "risk_score": risk_score,
        "reasons": reasons,
        "did_you_mean": did_you_mean,
        "suggested_address": suggested_address,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::flags::flags as compute_flags;
    use crate::validate::syntax::parse;
    use proptest::prelude::*;

    fn mail() -> DomainVerdict {
        DomainVerdict::Mail {
            mx_hosts: vec!["mx1.example.com".into()],
            implicit: false,
        }
    }

    fn run(raw: &str, verdict: Option<DomainVerdict>) -> Classification {
        let syntax = parse(raw);
        let flags = syntax.as_ref().ok().map(compute_flags);
        classify(&syntax, verdict.as_ref(), flags.as_ref())
    }

    #[test]
    fn plain_business_address_is_valid_with_zero_score() {
        let c = run("jane.doe@acme-insurance.com", Some(mail()));
        assert_eq!(c.status, Status::Valid);
        assert_eq!(c.risk_score, 0);
        assert!(c.reasons.is_empty());
        assert_eq!(c.details["syntax"]["ok"], true);
        assert_eq!(c.details["domain"]["verdict"], "mail");
        assert_eq!(c.details["domain"]["mx_hosts"][0], "mx1.example.com");
        assert_eq!(c.details["flags"]["disposable"], false);
        assert_eq!(c.details["risk_score"], 0);
    }

    #[test]
    fn syntax_error_is_invalid_whatever_dns_says() {
        let c = run("a@ex!ample.com", Some(mail()));
        assert_eq!(c.status, Status::Invalid);
        assert_eq!(c.risk_score, 100);
        assert_eq!(c.reasons, vec![reason::SYNTAX_INVALID]);
        assert_eq!(c.details["syntax"]["code"], "bad_domain_label");
        assert_eq!(c.details["flags"], Value::Null);
    }

    #[test]
    fn dns_outcomes() {
        let c = run("bob@acme.com", Some(DomainVerdict::NullMx));
        assert_eq!((c.status, c.risk_score), (Status::Invalid, 100));
        assert_eq!(c.reasons, vec![reason::NULL_MX]);

        let c = run("bob@acme.com", Some(DomainVerdict::NxDomain));
        assert_eq!((c.status, c.risk_score), (Status::Nonexistent, 100));
        assert_eq!(c.details["domain"]["verdict"], "nx_domain");

        let c = run("bob@acme.com", Some(DomainVerdict::NoMailHost));
        assert_eq!((c.status, c.risk_score), (Status::Invalid, 100));

        let c = run(
            "bob@acme.com",
            Some(DomainVerdict::Unavailable {
                reason: "timeout".into(),
            }),
        );
        assert_eq!(c.status, Status::Risky);
        assert_eq!(c.reasons, vec![reason::DNS_UNAVAILABLE]);
        assert_eq!(c.details["domain"]["reason"], "timeout");

        let c = run("bob@acme.com", None);
        assert_eq!(c.status, Status::Risky);
        assert_eq!(c.reasons, vec![reason::DOMAIN_UNCHECKED]);
    }

    #[test]
    fn implicit_mx_is_valid_with_slight_risk() {
        let c = run(
            "bob@acme.com",
            Some(DomainVerdict::Mail {
                mx_hosts: vec!["acme.com".into()],
                implicit: true,
            }),
        );
        assert_eq!(c.status, Status::Valid);
        assert_eq!(c.risk_score, points::IMPLICIT_MX);
        assert_eq!(c.reasons, vec![reason::IMPLICIT_MX]);
    }

    #[test]
    fn flags_make_risky_or_add_score() {
        let c = run("bob@x.mailinator.com", Some(mail()));
        assert_eq!(c.status, Status::Risky);
        assert!(c.reasons.contains(&reason::DISPOSABLE));
        assert!(c.risk_score >= 70);

        let c = run("info+news@acme.com", Some(mail()));
        assert_eq!(c.status, Status::Risky);
        assert_eq!(c.reasons, vec![reason::ROLE_ACCOUNT]);

        let c = run("bob@gmial.com", Some(mail()));
        assert_eq!(c.status, Status::Risky);
        assert_eq!(c.did_you_mean.as_deref(), Some("gmail.com"));
        assert_eq!(c.details["did_you_mean"], "gmail.com");
        assert_eq!(c.details["suggested_address"], "bob@gmail.com");

        let c = run("bob@gmail.com", Some(mail()));
        assert_eq!(c.status, Status::Valid);
        assert_eq!(c.risk_score, points::FREE_PROVIDER);
        assert_eq!(c.reasons, vec![reason::FREE_PROVIDER]);
        assert_eq!(c.did_you_mean, None);
    }

    #[test]
    fn nonexistent_typo_domain_keeps_the_suggestion() {
        let c = run("bob@gmial.com", Some(DomainVerdict::NxDomain));
        assert_eq!(c.status, Status::Nonexistent);
        assert_eq!(c.did_you_mean.as_deref(), Some("gmail.com"));
        assert_eq!(c.risk_score, 100);
    }

    #[test]
    fn everything_at_once_caps_at_100() {
        let f = Flags {
            disposable: true,
            role_account: true,
            free_provider: true,
            did_you_mean: Some("gmail.com".into()),
        };
        let syntax = parse("info@gmial.com");
        let v = DomainVerdict::Unavailable {
            reason: "servfail".into(),
        };
        let c = classify(&syntax, Some(&v), Some(&f));
        assert_eq!(c.status, Status::Risky);
        assert_eq!(c.risk_score, 100);
    }

    #[test]
    fn verdict_and_status_serde() {
        for v in [
            mail(),
            DomainVerdict::NullMx,
            DomainVerdict::NxDomain,
            DomainVerdict::NoMailHost,
            DomainVerdict::Unavailable {
                reason: "timeout".into(),
            },
        ] {
            let j = serde_json::to_value(&v).unwrap();
            assert_eq!(j["verdict"], v.as_str());
            let back: DomainVerdict = serde_json::from_value(j).unwrap();
            assert_eq!(back, v);
        }
        for s in [
            Status::Valid,
            Status::Risky,
            Status::Invalid,
            Status::Nonexistent,
        ] {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
    }

    fn verdict_strategy() -> impl Strategy<Value = Option<DomainVerdict>> {
        prop_oneof![
            Just(None),
            any::<bool>().prop_map(|implicit| Some(DomainVerdict::Mail {
                mx_hosts: vec!["mx.example.com".into()],
                implicit
            })),
            Just(Some(DomainVerdict::NullMx)),
            Just(Some(DomainVerdict::NxDomain)),
            Just(Some(DomainVerdict::NoMailHost)),
            "[a-z]{0,8}".prop_map(|reason| Some(DomainVerdict::Unavailable { reason })),
        ]
    }

    fn flags_strategy() -> impl Strategy<Value = Option<Flags>> {
        proptest::option::of(
            (
                any::<bool>(),
                any::<bool>(),
                any::<bool>(),
                proptest::option::of(Just("gmail.com".to_string())),
            )
                .prop_map(|(disposable, role_account, free_provider, did_you_mean)| {
                    Flags {
                        disposable,
                        role_account,
                        free_provider,
                        did_you_mean,
                    }
                }),
        )
    }

    /// Every way of adding one more warning to a set of flags.
    fn with_more_warnings(f: &Flags) -> Vec<Flags> {
        let mut out = Vec::new();
        if !f.disposable {
            out.push(Flags {
                disposable: true,
                ..f.clone()
            });
        }
        if !f.role_account {
            out.push(Flags {
                role_account: true,
                ..f.clone()
            });
        }
        if !f.free_provider {
            out.push(Flags {
                free_provider: true,
                ..f.clone()
            });
        }
        if f.did_you_mean.is_none() {
            out.push(Flags {
                did_you_mean: Some("gmail.com".into()),
                ..f.clone()
            });
        }
        out
    }

    proptest! {
        #[test]
        fn unavailable_is_never_invalid_for_valid_syntax(
            local in "[a-z][a-z0-9_+-]{0,6}(\\.[a-z0-9]{1,5}){0,2}",
            domain in "[a-z]{2,10}\\.(com|de|net|org)",
            reason in "[a-z]{0,10}",
            flags in flags_strategy(),
        ) {
            let syntax = parse(&format!("{local}@{domain}"));
            prop_assert!(syntax.is_ok(), "{:?}", syntax);
            let v = DomainVerdict::Unavailable { reason };
            let c = classify(&syntax, Some(&v), flags.as_ref());
            prop_assert_eq!(c.status, Status::Risky);
            prop_assert!(c.reasons.contains(&reason::DNS_UNAVAILABLE));
        }

        #[test]
        fn risk_score_is_at_most_100_and_recorded(
            raw in "\\PC{0,30}",
            verdict in verdict_strategy(),
            flags in flags_strategy(),
        ) {
            let syntax = parse(&raw);
            let c = classify(&syntax, verdict.as_ref(), flags.as_ref());
            prop_assert!(c.risk_score <= 100);
            prop_assert_eq!(&c.details["risk_score"], &json!(c.risk_score));
            prop_assert_eq!(&c.details["status"], &json!(c.status.as_str()));
            if matches!(c.status, Status::Invalid | Status::Nonexistent) {
                prop_assert_eq!(c.risk_score, 100);
            }
            if c.status == Status::Valid {
                prop_assert!(c.risk_score < points::ROLE_ACCOUNT);
            }
        }

        #[test]
        fn more_warnings_never_lower_the_score(
            verdict in verdict_strategy(),
            flags in flags_strategy(),
        ) {
            let syntax = parse("bob@acme.com");
            let base = classify(&syntax, verdict.as_ref(), flags.as_ref());
            let f = flags.unwrap_or_default();
            for more in with_more_warnings(&f) {
                let c = classify(&syntax, verdict.as_ref(), Some(&more));
                prop_assert!(c.risk_score >= base.risk_score);
                prop_assert!(!(base.status != Status::Valid && c.status == Status::Valid));
            }
        }
    }
}
