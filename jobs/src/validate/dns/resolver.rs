//! [`MailResolver`]: one domain in, one [`DomainVerdict`] out, over hickory-resolver.
//!
//! It exists to turn DNS answers into the facts mail delivery cares about (RFC 5321 §5.1 and
//! RFC 7505) and to keep temporary failures apart from definitive answers: a SERVFAIL, a
//! REFUSED or a timeout is retried with exponential backoff and then reported as
//! [`DomainVerdict::Unavailable`], never as "no such domain".
//!
//! The resolver talks only to the configured nameservers (`REACHLY_DNS_SERVERS`): no
//! `/etc/resolv.conf`, no `/etc/hosts`, no search domains (every name is queried as fully
//! qualified). hickory's own response cache is disabled, so every lookup here is a query on
//! the wire and [`MailResolver::queries_sent`] counts them; caching is [`super::DomainCache`]'s
//! job.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use hickory_resolver::TokioResolver;
use hickory_resolver::config::{
    ConnectionConfig, NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts,
};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError, NoRecords};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{Name, RData, RecordType};

use crate::validate::DomainVerdict;

/// How the resolver reaches its nameservers and how hard it tries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolverSettings {
    /// Nameservers (ip:port), asked over UDP with a TCP fallback for truncated answers.
    pub servers: Vec<SocketAddr>,
    /// Time allowed for one query, across all servers.
    pub timeout: Duration,
    /// Tries per query on a temporary failure (SERVFAIL, REFUSED, timeout, network error);
    /// at least 1.
    pub attempts: u32,
    /// Pause before the second try; doubled before each further one (100 ms, 200 ms, ...).
    pub backoff: Duration,
}

impl ResolverSettings {
    /// Defaults for `servers`: 2 s timeout, 3 tries, 100 ms first backoff.
    pub fn new(servers: Vec<SocketAddr>) -> Self {
        Self {
            servers,
            timeout: Duration::from_secs(2),
            attempts: 3,
            backoff: Duration::from_millis(100),
        }
    }
}

/// The resolver could not be built from its settings.
#[derive(Debug, thiserror::Error)]
pub enum ResolverError {
    #[error("no DNS servers configured (REACHLY_DNS_SERVERS)")]
    NoServers,
    #[error("building the DNS resolver: {0}")]
    Build(#[from] NetError),
}

/// Looks up whether a domain can receive mail. Cheap to share (`Arc`) across tasks.
pub struct MailResolver {
    resolver: TokioResolver,
    settings: ResolverSettings,
    queries: AtomicU64,
}

impl std::fmt::Debug for MailResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailResolver")
            .field("settings", &self.settings)
            .field("queries_sent", &self.queries_sent())
            .finish()
    }
}

/// One record type's answer, reduced to what the verdict needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Answer<T> {
    /// NOERROR with records of the asked type.
    Records(Vec<T>),
    /// NOERROR without records of the asked type (NODATA): the name exists.
    NoData,
    /// NXDOMAIN: the name does not exist.
    NxDomain,
    /// No usable answer (after retries); the reason for people, e.g. `"servfail"`.
    Temporary(String),
}

/// What one failed query means: a definitive negative answer, or a failure worth retrying.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    NoData,
    NxDomain,
    Temporary(String),
}

impl MailResolver {
    /// Builds a resolver for `settings.servers` only (no system configuration).
    pub fn new(settings: ResolverSettings) -> Result<Self, ResolverError> {
        if settings.servers.is_empty() {
            return Err(ResolverError::NoServers);
        }
        let servers = settings
            .servers
            .iter()
            .map(|addr| {
                let mut udp = ConnectionConfig::udp();
                udp.port = addr.port();
                let mut tcp = ConnectionConfig::tcp();
                tcp.port = addr.port();
                let mut server = NameServerConfig::udp_and_tcp(addr.ip());
                server.connections = vec![udp, tcp];
                server.trust_negative_responses = true;
                server
            })
            .collect();
        let mut opts = ResolverOpts::default();
        opts.timeout = settings.timeout;
        // Retries are ours (with backoff and counted); hickory's would be immediate and silent.
        opts.attempts = 0;
        opts.use_hosts_file = ResolveHosts::Never;
        opts.ndots = 0;
        // Our cache sits in front; hickory's would hide queries from the count.
        opts.cache_size = 0;
        opts.positive_max_ttl = Some(Duration::ZERO);
        opts.negative_max_ttl = Some(Duration::ZERO);
        opts.preserve_intermediates = false;
        let resolver = TokioResolver::builder_with_config(
            ResolverConfig::from_name_servers(servers),
            TokioRuntimeProvider::default(),
        )
        .with_options(opts)
        .build()?;
        Ok(Self {
            resolver,
            settings,
            queries: AtomicU64::new(0),
        })
    }

    /// The settings this resolver was built with.
    pub fn settings(&self) -> &ResolverSettings {
        &self.settings
    }

    /// DNS queries sent so far (each try of each record type counts once).
    pub fn queries_sent(&self) -> u64 {
        self.queries.load(Ordering::Relaxed)
    }

    /// The verdict for `domain` (an ASCII / punycode name, any case, optional final dot).
    ///
    /// MX first: MX records → [`DomainVerdict::Mail`] (or [`DomainVerdict::NullMx`] for a
    /// lone `0 .`); NXDOMAIN → [`DomainVerdict::NxDomain`]; no MX → A, then AAAA: an address →
    /// implicit MX, none → [`DomainVerdict::NoMailHost`]. Any temporary failure, after the
    /// configured tries, → [`DomainVerdict::Unavailable`]. A string that is not a DNS name
    /// (the syntax check should have caught it) is `Unavailable { reason: "invalid_name" }`,
    /// so a parsing disagreement never turns into a definitive verdict.
    pub async fn lookup(&self, domain: &str) -> DomainVerdict {
        let domain = normalize_domain(domain);
        let parsed = if domain.is_empty() || !domain.is_ascii() {
            None // not the root zone, and never a raw IDN (callers pass punycode)
        } else {
            Name::from_ascii(&domain).ok()
        };
        let Some(mut name) = parsed else {
            return DomainVerdict::Unavailable {
                reason: "invalid_name".into(),
            };
        };
        name.set_fqdn(true);

        let mx = self
            .query(&name, RecordType::MX, |data| match data {
                RData::MX(mx) => Some((mx.preference, mx.exchange.to_ascii())),
                _ => None,
            })
            .await;
        if let Some(verdict) = verdict_from_mx(mx) {
            return verdict;
        }
        let a = self
            .query(&name, RecordType::A, |data| {
                matches!(data, RData::A(_)).then_some(())
            })
            .await;
        if let Some(verdict) = verdict_from_address(&domain, a) {
            return verdict;
        }
        let aaaa = self
            .query(&name, RecordType::AAAA, |data| {
                matches!(data, RData::AAAA(_)).then_some(())
            })
            .await;
        verdict_from_address(&domain, aaaa).unwrap_or(DomainVerdict::NoMailHost)
    }

    /// One record type, with retries and backoff on temporary failures.
    async fn query<T>(
        &self,
        name: &Name,
        record_type: RecordType,
        pick: impl Fn(&RData) -> Option<T>,
    ) -> Answer<T> {
        let attempts = self.settings.attempts.max(1);
        let mut backoff = self.settings.backoff;
        let mut reason = String::new();
        for attempt in 0..attempts {
            if attempt > 0 {
                tokio::time::sleep(backoff).await;
                backoff = backoff.saturating_mul(2);
            }
            self.queries.fetch_add(1, Ordering::Relaxed);
            match self.resolver.lookup(name.clone(), record_type).await {
                Ok(lookup) => {
                    let records: Vec<T> = lookup
                        .answers()
                        .iter()
                        .filter(|r| r.record_type() == record_type)
                        .filter_map(|r| pick(&r.data))
                        .collect();
                    return if records.is_empty() {
                        Answer::NoData
                    } else {
                        Answer::Records(records)
                    };
                }
                Err(err) => match classify_error(&err) {
                    Failure::NoData => return Answer::NoData,
                    Failure::NxDomain => return Answer::NxDomain,
                    Failure::Temporary(r) => {
                        tracing::debug!(%name, ?record_type, attempt, error = %err, "DNS query failed");
                        reason = r;
                    }
                },
            }
        }
        Answer::Temporary(reason)
    }
}

/// Lowercase, without the final dot.
pub(crate) fn normalize_domain(domain: &str) -> String {
    domain.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// Maps a hickory error to a definitive negative answer or a temporary failure.
pub(crate) fn classify_error(err: &NetError) -> Failure {
    match err {
        NetError::Dns(DnsError::NoRecordsFound(NoRecords { response_code, .. })) => {
            match response_code {
                ResponseCode::NXDomain => Failure::NxDomain,
                ResponseCode::NoError => Failure::NoData,
                code => Failure::Temporary(rcode_reason(*code)),
            }
        }
        NetError::Dns(DnsError::ResponseCode(code)) => Failure::Temporary(rcode_reason(*code)),
        NetError::Timeout => Failure::Temporary("timeout".into()),
        NetError::Io(e) if e.kind() == std::io::ErrorKind::TimedOut => {
            Failure::Temporary("timeout".into())
        }
        NetError::Io(_) | NetError::NoConnections => Failure::Temporary("network".into()),
        NetError::Busy => Failure::Temporary("busy".into()),
        NetError::Truncated => Failure::Temporary("truncated".into()),
        NetError::Proto(_) | NetError::QueryCaseMismatch | NetError::ForeignClassRecord { .. } => {
            Failure::Temporary("bad_response".into())
        }
        _ => Failure::Temporary("error".into()),
    }
}

fn rcode_reason(code: ResponseCode) -> String {
    match code {
        ResponseCode::ServFail => "servfail".into(),
        ResponseCode::Refused => "refused".into(),
        ResponseCode::FormErr => "formerr".into(),
        ResponseCode::NotImp => "notimp".into(),
        other => format!("rcode_{}", u16::from(other)),
    }
}

/// The verdict an MX answer decides, or `None` when the A/AAAA fallback must be asked.
///
/// MX hosts are lowercased, stripped of the final dot, sorted by preference (then name) and
/// deduplicated. A single `0 .` record is a null MX (RFC 7505). A null MX mixed with real MX
/// records is a misconfiguration; the real hosts win.
pub(crate) fn verdict_from_mx(answer: Answer<(u16, String)>) -> Option<DomainVerdict> {
    match answer {
        Answer::Records(mut records) => {
            for (_, host) in &mut records {
                *host = normalize_domain(host);
            }
            if records.len() == 1 && records[0].0 == 0 && records[0].1.is_empty() {
                return Some(DomainVerdict::NullMx);
            }
            records.retain(|(_, host)| !host.is_empty());
            records.sort();
            let mut mx_hosts: Vec<String> = Vec::with_capacity(records.len());
            for (_, host) in records {
                if !mx_hosts.contains(&host) {
                    mx_hosts.push(host);
                }
            }
            if mx_hosts.is_empty() {
                // Only null MX records (several of them): still an explicit "no mail".
                return Some(DomainVerdict::NullMx);
            }
            Some(DomainVerdict::Mail {
                mx_hosts,
                implicit: false,
            })
        }
        Answer::NoData => None,
        Answer::NxDomain => Some(DomainVerdict::NxDomain),
        Answer::Temporary(reason) => Some(DomainVerdict::Unavailable { reason }),
    }
}

/// The verdict an A or AAAA answer decides, or `None` when nothing was found (ask the next
/// type, or conclude [`DomainVerdict::NoMailHost`]).
pub(crate) fn verdict_from_address(domain: &str, answer: Answer<()>) -> Option<DomainVerdict> {
    match answer {
        Answer::Records(_) => Some(DomainVerdict::Mail {
            mx_hosts: vec![normalize_domain(domain)],
            implicit: true,
        }),
        Answer::NoData => None,
        // The MX query said the name exists; it vanished in between. Believe the newest.
        Answer::NxDomain => Some(DomainVerdict::NxDomain),
        Answer::Temporary(reason) => Some(DomainVerdict::Unavailable { reason }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_resolver::proto::op::Query;

    fn mx(records: &[(u16, &str)]) -> Answer<(u16, String)> {
        Answer::Records(records.iter().map(|(p, h)| (*p, h.to_string())).collect())
    }

    #[test]
    fn mx_records_sorted_lowercased_without_final_dot() {
        let v = verdict_from_mx(mx(&[
            (20, "MX2.Example.COM."),
            (10, "mx1.example.com."),
            (20, "mx2.example.com"),
            (5, "a.example.com."),
        ]));
        assert_eq!(
            v,
            Some(DomainVerdict::Mail {
                mx_hosts: vec![
                    "a.example.com".into(),
                    "mx1.example.com".into(),
                    "mx2.example.com".into()
                ],
                implicit: false
            })
        );
    }

    #[test]
    fn null_mx() {
        assert_eq!(
            verdict_from_mx(mx(&[(0, ".")])),
            Some(DomainVerdict::NullMx)
        );
        assert_eq!(verdict_from_mx(mx(&[(0, "")])), Some(DomainVerdict::NullMx));
        // A "." with a non-zero preference, or beside real hosts, is not a clean null MX.
        assert_eq!(
            verdict_from_mx(mx(&[(0, "."), (10, "mx.example.com.")])),
            Some(DomainVerdict::Mail {
                mx_hosts: vec!["mx.example.com".into()],
                implicit: false
            })
        );
        assert_eq!(
            verdict_from_mx(mx(&[(10, ".")])),
            Some(DomainVerdict::NullMx)
        );
    }

    #[test]
    fn negative_and_temporary_answers() {
        assert_eq!(verdict_from_mx(Answer::NoData), None);
        assert_eq!(
            verdict_from_mx(Answer::NxDomain),
            Some(DomainVerdict::NxDomain)
        );
        assert_eq!(
            verdict_from_mx(Answer::Temporary("servfail".into())),
            Some(DomainVerdict::Unavailable {
                reason: "servfail".into()
            })
        );
        assert_eq!(
            verdict_from_address("Acme.COM.", Answer::Records(vec![()])),
            Some(DomainVerdict::Mail {
                mx_hosts: vec!["acme.com".into()],
                implicit: true
            })
        );
        assert_eq!(verdict_from_address("acme.com", Answer::NoData), None);
        assert_eq!(
            verdict_from_address("acme.com", Answer::Temporary("timeout".into())),
            Some(DomainVerdict::Unavailable {
                reason: "timeout".into()
            })
        );
    }

    #[test]
    fn errors_map_to_definitive_or_temporary() {
        let q = Query::query(Name::from_ascii("x.test.").unwrap(), RecordType::MX);
        let nx = NetError::from(NoRecords::new(q.clone(), ResponseCode::NXDomain));
        assert_eq!(classify_error(&nx), Failure::NxDomain);
        let nodata = NetError::from(NoRecords::new(q, ResponseCode::NoError));
        assert_eq!(classify_error(&nodata), Failure::NoData);
        let servfail = NetError::Dns(DnsError::ResponseCode(ResponseCode::ServFail));
        assert_eq!(
            classify_error(&servfail),
            Failure::Temporary("servfail".into())
        );
        let refused = NetError::Dns(DnsError::ResponseCode(ResponseCode::Refused));
        assert_eq!(
            classify_error(&refused),
            Failure::Temporary("refused".into())
        );
        assert_eq!(
            classify_error(&NetError::Timeout),
            Failure::Temporary("timeout".into())
        );
        let io = NetError::from(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        assert_eq!(classify_error(&io), Failure::Temporary("network".into()));
    }

    #[test]
    fn no_servers_is_an_error() {
        assert!(matches!(
            MailResolver::new(ResolverSettings::new(vec![])),
            Err(ResolverError::NoServers)
        ));
    }

    #[tokio::test]
    async fn invalid_name_is_unavailable_and_sends_nothing() {
        let r =
            MailResolver::new(ResolverSettings::new(vec!["127.0.0.1:9".parse().unwrap()])).unwrap();
        let long = format!("{}.com", "a".repeat(64));
        for bad in [long.as_str(), "", ".", "bücher.de", "a..b.com"] {
            assert_eq!(
                r.lookup(bad).await,
                DomainVerdict::Unavailable {
                    reason: "invalid_name".into()
                },
                "{bad:?}"
            );
        }
        assert_eq!(r.queries_sent(), 0);
    }

    #[tokio::test]
    async fn temporary_failures_are_retried_with_backoff() {
        // Nothing listens on port 9 (discard) of loopback: every try fails fast or times out.
        let started = std::time::Instant::now();
        let mut s = ResolverSettings::new(vec!["127.0.0.1:9".parse().unwrap()]);
        s.timeout = Duration::from_millis(200);
        s.attempts = 3;
        s.backoff = Duration::from_millis(100);
        let r = MailResolver::new(s).unwrap();
        let v = r.lookup("example.test").await;
        assert!(matches!(v, DomainVerdict::Unavailable { .. }), "{v:?}");
        assert_eq!(r.queries_sent(), 3, "one MX query, tried three times");
        assert!(
            started.elapsed() >= Duration::from_millis(300),
            "backoff 100 ms + 200 ms between the tries"
        );
    }
}
