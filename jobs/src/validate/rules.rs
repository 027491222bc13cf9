//! The validation rules with their versions, and the per-contact log entry naming each.
//!
//! A `validation_logs` row must say which rules judged an address and in which version, so a
//! status can be explained (and re-derived) after the rules change. Bump a rule's `version`
//! whenever its outcome for some input changes (new list snapshot, new threshold, new code).

use serde::Serialize;
use serde_json::{Value, json};

use super::classify::{Classification, DomainVerdict};
use super::flags::{DISPOSABLE_LIST_VERSION, Flags};
use super::normalize::NormalizedEmail;
use super::syntax::SyntaxError;

/// One named, versioned validation rule.
///
/// It exists so the rule set is data: the log writer iterates [`RULES`] instead of knowing
/// each rule, and a version bump is a one-line change reviewers can see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// Stable key, used in `validation_logs`.
    pub key: &'static str,
    /// Bumped whenever the rule's outcome for some input changes.
    pub version: u16,
    /// What the rule checks, for people reading the logs.
    pub description: &'static str,
}

/// Every rule applied to an address, in the order they run.
pub const RULES: &[Rule] = &[
    Rule {
        key: "syntax",
        version: 1,
        description: "normalization (trim, mailto:, IDN) and strict RFC 5321/5322 syntax",
    },
    Rule {
        key: "domain_dns",
        version: 1,
        description: "MX / implicit MX / null MX / NXDOMAIN lookup of the domain",
    },
    Rule {
        key: "disposable",
        version: 1,
        description: "domain or a parent on the vendored disposable-domain list",
    },
    Rule {
        key: "role_account",
        version: 1,
        description: "local part (before +tag) names a role, not a person",
    },
    Rule {
        key: "free_provider",
        version: 1,
        description: "domain is a consumer mailbox provider",
    },
    Rule {
        key: "typo",
        version: 1,
        description: "domain is a likely typo of a popular domain",
    },
    Rule {
        key: "classification",
        version: 1,
        description: "status and risk score from all checks",
    },
];

/// The version of the rule named `key`, if it exists.
pub fn rule_version(key: &str) -> Option<u16> {
    RULES.iter().find(|r| r.key == key).map(|r| r.version)
}

/// Outcome of one rule for one address, as logged.
fn outcome(pass: Option<bool>) -> &'static str {
    match pass {
        None => "skipped",
        Some(true) => "pass",
        Some(false) => "fail",
    }
}

/// The `rule_results` JSON of one contact's `validation_logs` row: an object with one entry
/// per rule in [`RULES`], keyed by the rule, valued `[version, outcome]` (outcome `pass`,
/// `fail` or `skipped`), plus the evidence as a third element where a rule did not pass and
/// for the classification: `{"syntax": [1, "pass"], "role_account": [1, "fail"], ...,
/// "classification": [1, "pass", {"status": "risky", ...}]}`.
///
/// A pass carries no evidence (the contact's `validation_details` hold the checks'
/// answers), and the entries are arrays rather than objects: at one row per contact per run
/// the log is the largest thing validation writes, and this shape stores in about 370 bytes
/// of jsonb what objects with repeated key names (and evidence for passes) took 600 and
/// 1,000 for.
///
/// For the flag rules `fail` means "flag raised" (a warning, not an invalid address); the
/// classification entry carries the resulting status.
pub fn rule_results(
    syntax: &Result<NormalizedEmail, SyntaxError>,
    domain: Option<&DomainVerdict>,
    flags: Option<&Flags>,
    classification: &Classification,
) -> Value {
    let results: serde_json::Map<String, Value> = RULES
        .iter()
        .map(|rule| {
            let (pass, detail) = match rule.key {
                "syntax" => match syntax {
                    Ok(email) => (Some(true), json!({ "address": email.to_string() })),
                    Err(e) => (Some(false), json!({ "code": e.code, "message": e.message })),
                },
                "domain_dns" => match domain {
                    None => (None, Value::Null),
                    Some(v) => (Some(matches!(v, DomainVerdict::Mail { .. })), json!(v)),
                },
                "disposable" => (
                    flags.map(|f| !f.disposable),
                    json!({ "list": DISPOSABLE_LIST_VERSION }),
                ),
                "role_account" => (flags.map(|f| !f.role_account), Value::Null),
                "free_provider" => (flags.map(|f| !f.free_provider), Value::Null),
                "typo" => (
                    flags.map(|f| f.did_you_mean.is_none()),
                    json!({ "did_you_mean": flags.and_then(|f| f.did_you_mean.clone()) }),
                ),
                "classification" => (
                    Some(true),
                    json!({
                        "status": classification.status.as_str(),
                        "risk_score": classification.risk_score,
                        "reasons": classification.reasons,
                    }),
                ),
                _ => (None, Value::Null),
            };
            let mut entry = vec![json!(rule.version), json!(outcome(pass))];
            if (pass != Some(true) || rule.key == "classification") && !detail.is_null() {
                entry.push(detail);
            }
            (rule.key.to_owned(), Value::Array(entry))
        })
        .collect();
    Value::Object(results)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::classify::classify;
    use crate::validate::flags::flags as compute_flags;
    use crate::validate::syntax::parse;
    use std::collections::HashSet;

    fn log(raw: &str, verdict: Option<DomainVerdict>) -> Value {
        let syntax = parse(raw);
        let flags = syntax.as_ref().ok().map(compute_flags);
        let c = classify(&syntax, verdict.as_ref(), flags.as_ref());
        rule_results(&syntax, verdict.as_ref(), flags.as_ref(), &c)
    }

    /// One rule's entry, spelled out: `{"version", "outcome"[, "detail"]}`.
    fn entry(log: &Value, key: &str) -> Value {
        let e = log[key]
            .as_array()
            .unwrap_or_else(|| panic!("no entry for {key}"));
        let mut out = json!({ "version": e[0], "outcome": e[1] });
        if let Some(detail) = e.get(2) {
            out["detail"] = detail.clone();
        }
        out
    }

    #[test]
    fn rule_keys_are_unique_and_versioned() {
        let keys: HashSet<_> = RULES.iter().map(|r| r.key).collect();
        assert_eq!(keys.len(), RULES.len());
        assert!(RULES.iter().all(|r| r.version >= 1));
        assert_eq!(rule_version("syntax"), Some(1));
        assert_eq!(rule_version("nope"), None);
    }

    #[test]
    fn every_rule_is_logged_with_its_version() {
        let mx = DomainVerdict::Mail {
            mx_hosts: vec!["mx.acme.com".into()],
            implicit: false,
        };
        let l = log("info@acme.com", Some(mx));
        assert_eq!(l.as_object().unwrap().len(), RULES.len());
        for rule in RULES {
            let e = entry(&l, rule.key);
            assert_eq!(e["version"], rule.version);
            assert_ne!(e["outcome"], "skipped", "{}", rule.key);
        }
        assert_eq!(entry(&l, "syntax")["outcome"], "pass");
        assert_eq!(entry(&l, "domain_dns")["outcome"], "pass");
        assert_eq!(entry(&l, "role_account")["outcome"], "fail");
        assert_eq!(entry(&l, "classification")["detail"]["status"], "risky");
        assert_eq!(entry(&l, "role_account")["outcome"], "fail");
        for passed in [
            "syntax",
            "domain_dns",
            "disposable",
            "free_provider",
            "typo",
        ] {
            assert!(entry(&l, passed).get("detail").is_none(), "{passed}");
        }
        let l = log("joe@mailinator.com", None);
        assert_eq!(entry(&l, "disposable")["outcome"], "fail");
        assert_eq!(
            entry(&l, "disposable")["detail"]["list"],
            DISPOSABLE_LIST_VERSION
        );
    }

    #[test]
    fn syntax_failure_skips_the_rest() {
        let l = log("a..b@x.com", None);
        let s = entry(&l, "syntax");
        assert_eq!(s["outcome"], "fail");
        assert_eq!(s["detail"]["code"], "local_consecutive_dots");
        for key in [
            "domain_dns",
            "disposable",
            "role_account",
            "free_provider",
            "typo",
        ] {
            assert_eq!(entry(&l, key)["outcome"], "skipped", "{key}");
        }
        assert_eq!(entry(&l, "classification")["detail"]["status"], "invalid");
    }

    #[test]
    fn dns_failure_and_typo_are_logged() {
        let l = log("bob@gmial.com", Some(DomainVerdict::NxDomain));
        assert_eq!(entry(&l, "domain_dns")["outcome"], "fail");
        assert_eq!(entry(&l, "domain_dns")["detail"]["verdict"], "nx_domain");
        assert_eq!(entry(&l, "typo")["outcome"], "fail");
        assert_eq!(entry(&l, "typo")["detail"]["did_you_mean"], "gmail.com");
    }
}
