//! Email address validation: normalization, syntax, flags and classification (pure logic),
//! and the DNS check ([`dns`], the only part that does I/O).
//!
//! One address goes through, in order: [`syntax::parse`] (which calls [`normalize()`] then
//! [`syntax::check`]), a DNS lookup done elsewhere and passed in as a [`DomainVerdict`],
//! [`flags()`], and [`classify()`]; [`rule_results`] turns the same inputs into the
//! `validation_logs` entry. Outside [`dns`], nothing here does I/O.
//!
//! ```
//! use reachly_jobs::validate::{DomainVerdict, Status, classify, flags, parse};
//!
//! let syntax = parse(" MAILTO:Bob@Gmial.COM ");
//! let email = syntax.as_ref().unwrap();
//! assert_eq!(email.to_string(), "Bob@gmial.com");
//! let f = flags(email);
//! let mx = DomainVerdict::Mail { mx_hosts: vec!["mx.gmial.com".into()], implicit: false };
//! let c = classify(&syntax, Some(&mx), Some(&f));
//! assert_eq!(c.status, Status::Risky);
//! assert_eq!(c.did_you_mean.as_deref(), Some("gmail.com"));
//! ```

pub mod classify;
pub mod dns;
pub mod flags;
pub mod normalize;
pub mod rules;
pub mod special_use;
pub mod status;
pub mod syntax;

pub use classify::{Classification, DomainVerdict, Status, classify};
pub use flags::{Flags, flags};
pub use normalize::{NormalizedEmail, normalize};
pub use rules::{RULES, Rule, rule_results};
pub use status::ValidationStatus;
pub use syntax::{SyntaxError, check, parse};
