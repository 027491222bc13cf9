//! The DNS check of the validation job: is an address's domain able to receive mail?
//!
//! Three layers, cheapest first, behind one call ([`DomainChecker::check_many`]):
//! 1. [`DomainCache`]: this process's memory, shared by every batch the worker runs; concurrent
//!    requests for one domain coalesce into one lookup.
//! 2. [`shared`]: the global `domain_checks` table, so worker processes share answers.
//! 3. [`MailResolver`]: hickory-resolver against the configured nameservers, with retries and
//!    backoff; temporary failures come back as [`DomainVerdict::Unavailable`].
//!
//! New definitive answers are written back to `domain_checks`. The steps can run on separate
//! connections, so a batch holds none while DNS answers (see [`DomainChecker::start`]).
//!
//! ```no_run
//! # async fn demo(tx: &mut reachly_jobs::TenantTx) -> Result<(), Box<dyn std::error::Error>> {
//! use reachly_jobs::validate::dns::{DnsSettings, DomainChecker};
//!
//! let settings = DnsSettings::from_env(vec!["127.0.0.1:5353".parse()?])?;
//! let checker = DomainChecker::from_settings(&settings)?; // once per worker process
//! let domains = ["mail-ok.test".to_string(), "nothing.test".to_string()];
//! let verdicts = checker.check_many(tx, &domains).await?; // in the batch's tenant transaction
//! # Ok(()) }
//! ```

pub mod cache;
pub mod resolver;
pub mod shared;

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures::StreamExt;

pub use cache::{CacheSettings, CacheStats, DomainCache};
pub use resolver::{MailResolver, ResolverError, ResolverSettings};
pub use shared::{TxConnection, VerdictWriter};

use crate::metrics::{self, DnsResult};
use crate::validate::DomainVerdict;
use resolver::normalize_domain;

/// Anything that can decide a domain's verdict: the real [`MailResolver`], or a fake in tests.
pub trait DomainLookup: Send + Sync {
    fn lookup(&self, domain: &str) -> impl Future<Output = DomainVerdict> + Send;
}

impl DomainLookup for MailResolver {
    fn lookup(&self, domain: &str) -> impl Future<Output = DomainVerdict> + Send {
        MailResolver::lookup(self, domain)
    }
}

/// Every DNS knob of the validation job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsSettings {
    pub resolver: ResolverSettings,
    pub cache: CacheSettings,
    /// Lookups one `check_many` call runs at once.
    pub concurrency: usize,
}

/// A DNS setting that is present but unusable.
#[derive(Debug, thiserror::Error)]
#[error("invalid {name}: {reason}")]
pub struct DnsSettingsError {
    pub name: &'static str,
    pub reason: String,
}

impl DnsSettings {
    /// Defaults for `servers` (see [`ResolverSettings::new`], [`CacheSettings::default`]) and
    /// 64 lookups at once.
    pub fn new(servers: Vec<SocketAddr>) -> Self {
        Self {
            resolver: ResolverSettings::new(servers),
            cache: CacheSettings::default(),
            concurrency: 64,
        }
    }

    /// [`DnsSettings::from_lookup`] over the process environment.
    pub fn from_env(servers: Vec<SocketAddr>) -> Result<Self, DnsSettingsError> {
        Self::from_lookup(servers, |name| std::env::var(name).ok())
    }

    /// `servers` (from `REACHLY_DNS_SERVERS`, parsed by [`crate::Config`]) plus the optional
    /// variables `REACHLY_DNS_TIMEOUT_MS` (2000), `REACHLY_DNS_ATTEMPTS` (3),
    /// `REACHLY_DNS_BACKOFF_MS` (100), `REACHLY_DNS_CACHE_TTL_SECS` (3600),
    /// `REACHLY_DNS_UNAVAILABLE_TTL_SECS` (60), `REACHLY_DNS_CACHE_CAPACITY` (100000) and
    /// `REACHLY_DNS_CONCURRENCY` (64).
    pub fn from_lookup(
        servers: Vec<SocketAddr>,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, DnsSettingsError> {
        fn var<T: std::str::FromStr>(
            lookup: &impl Fn(&str) -> Option<String>,
            name: &'static str,
        ) -> Result<Option<T>, DnsSettingsError>
        where
            T::Err: std::fmt::Display,
        {
            lookup(name)
                .map(|raw| {
                    raw.trim().parse().map_err(|e| DnsSettingsError {
                        name,
                        reason: format!("{raw:?}: {e}"),
                    })
                })
                .transpose()
        }
        let mut s = Self::new(servers);
        if let Some(ms) = var::<u64>(&lookup, "REACHLY_DNS_TIMEOUT_MS")? {
            s.resolver.timeout = Duration::from_millis(ms.max(1));
        }
        if let Some(n) = var::<u32>(&lookup, "REACHLY_DNS_ATTEMPTS")? {
            s.resolver.attempts = n.max(1);
        }
        if let Some(ms) = var::<u64>(&lookup, "REACHLY_DNS_BACKOFF_MS")? {
            s.resolver.backoff = Duration::from_millis(ms);
        }
        if let Some(secs) = var::<u64>(&lookup, "REACHLY_DNS_CACHE_TTL_SECS")? {
            s.cache.definitive_ttl = Duration::from_secs(secs);
        }
        if let Some(secs) = var::<u64>(&lookup, "REACHLY_DNS_UNAVAILABLE_TTL_SECS")? {
            s.cache.unavailable_ttl = Duration::from_secs(secs);
        }
        if let Some(n) = var::<usize>(&lookup, "REACHLY_DNS_CACHE_CAPACITY")? {
            s.cache.capacity = n.max(1);
        }
        if let Some(n) = var::<usize>(&lookup, "REACHLY_DNS_CONCURRENCY")? {
            s.concurrency = n.max(1);
        }
        Ok(s)
    }
}

/// Counters of a [`DomainChecker`] since start-up (for metrics and the benchmark).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CheckerStats {
    /// The memory layer's hits and misses.
    pub cache: CacheStats,
    /// Domains answered by `domain_checks`.
    pub shared_hits: u64,
    /// DNS queries sent (when the lookup is a [`MailResolver`]; else 0).
    pub queries_sent: u64,
}

/// Memory cache → `domain_checks` → resolver. One per worker process, shared by its batches.
#[derive(Debug)]
pub struct DomainChecker<L = MailResolver> {
    lookup: L,
    cache: DomainCache,
    concurrency: usize,
    shared_hits: AtomicU64,
}

impl DomainChecker<MailResolver> {
    /// A checker over a [`MailResolver`] built from `settings`.
    pub fn from_settings(settings: &DnsSettings) -> Result<Self, ResolverError> {
        Ok(Self::new(
            MailResolver::new(settings.resolver.clone())?,
            settings.cache.clone(),
            settings.concurrency,
        ))
    }

    /// The resolver, e.g. for [`MailResolver::queries_sent`].
    pub fn resolver(&self) -> &MailResolver {
        &self.lookup
    }

    pub fn stats(&self) -> CheckerStats {
        CheckerStats {
            queries_sent: self.lookup.queries_sent(),
            ..self.stats_without_queries()
        }
    }
}

impl<L: DomainLookup> DomainChecker<L> {
    pub fn new(lookup: L, cache: CacheSettings, concurrency: usize) -> Self {
        Self {
            lookup,
            cache: DomainCache::new(cache),
            concurrency: concurrency.max(1),
            shared_hits: AtomicU64::new(0),
        }
    }

    /// The memory layer.
    pub fn cache(&self) -> &DomainCache {
        &self.cache
    }

    /// The lookup behind the cache.
    pub fn lookup(&self) -> &L {
        &self.lookup
    }

    /// Counters, with `queries_sent` 0 (see [`DomainChecker::stats`] for a real resolver).
    pub fn stats_without_queries(&self) -> CheckerStats {
        CheckerStats {
            cache: self.cache.stats(),
            shared_hits: self.shared_hits.load(Ordering::Relaxed),
            queries_sent: 0,
        }
    }

    /// The verdict of each of `domains` (any case, duplicates allowed), keyed by the strings
    /// as given, with every layer on one connection: `conn` is the caller's tenant
    /// transaction (`&mut tx` or `&mut **tx`), in which `domain_checks` is read and new
    /// definitive answers are written. A caller that must not hold a connection while DNS
    /// answers (a batch job under load) runs the steps itself: [`DomainChecker::start`],
    /// [`DomainChecker::load_shared`], [`DomainChecker::resolve`], [`DomainChecker::store_new`].
    ///
    /// An error is a database error only (DNS failures are verdicts); the caller's transaction
    /// is then unusable and should be rolled back.
    pub async fn check_many<C: TxConnection + ?Sized>(
        &self,
        conn: &mut C,
        domains: &[String],
    ) -> Result<HashMap<String, DomainVerdict>, sqlx::Error> {
        let mut query = self.start(domains);
        self.load_shared(conn, &mut query).await?;
        self.resolve(&mut query).await;
        self.store_new(conn, &mut query).await?;
        Ok(query.finish())
    }

    /// Step 1: the distinct domains of `domains`, answered from memory where possible.
    pub fn start(&self, domains: &[String]) -> DomainQuery {
        let mut query = DomainQuery::default();
        let mut keys: Vec<String> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        for d in domains {
            if query.key_of.contains_key(d.as_str()) {
                continue;
            }
            let key = normalize_domain(d);
            if seen.insert(key.clone()) {
                keys.push(key.clone());
            }
            query.key_of.insert(d.clone(), key);
        }
        for key in keys {
            match self.cache.get(&key) {
                Some(v) => {
                    query.found.insert(key, v);
                }
                None => query.missing.push(key),
            }
        }
        metrics::dns_lookups(DnsResult::CacheHit, query.found.len());
        query
    }

    /// Step 2: what memory did not answer, from `domain_checks` (nothing to do, and no
    /// query sent, when memory answered everything).
    pub async fn load_shared<C: TxConnection + ?Sized>(
        &self,
        conn: &mut C,
        query: &mut DomainQuery,
    ) -> Result<(), sqlx::Error> {
        if query.missing.is_empty() {
            return Ok(());
        }
        let shared = shared::load_many(conn, &query.missing).await?;
        self.shared_hits
            .fetch_add(shared.len() as u64, Ordering::Relaxed);
        metrics::dns_lookups(DnsResult::SharedHit, shared.len());
        let definitive_ttl = self.cache.settings().definitive_ttl;
        for (key, sv) in shared {
            self.cache
                .insert(&key, sv.verdict.clone(), sv.remaining.min(definitive_ttl));
            query.found.insert(key, sv.verdict);
        }
        let found = &query.found;
        query.missing.retain(|k| !found.contains_key(k));
        Ok(())
    }

    /// Step 3: DNS for the rest, a bounded number at once; lookups of one domain coalesce
    /// process-wide. Needs no database connection.
    pub async fn resolve(&self, query: &mut DomainQuery) {
        let missing = std::mem::take(&mut query.missing);
        let resolved: Vec<(String, DomainVerdict, bool)> = futures::stream::iter(missing)
            .map(|key| async move {
                let (verdict, ran) = self
                    .cache
                    .get_or_lookup(&key, || self.lookup.lookup(&key))
                    .await;
                (key, verdict, ran)
            })
            .buffer_unordered(self.concurrency)
            .collect()
            .await;
        for (key, verdict, ran) in resolved {
            let result = lookup_result(ran, &verdict);
            metrics::dns_lookups(result, 1);
            // Answers another batch of this process looked up are written by that batch.
            if result == DnsResult::Query {
                query.new.push((key.clone(), verdict.clone()));
            }
            query.found.insert(key, verdict);
        }
    }

    /// Step 4: the definitive answers this query's lookups produced, into `domain_checks`
    /// (nothing to do when there are none). Returns the rows written.
    pub async fn store_new<C: TxConnection + ?Sized>(
        &self,
        conn: &mut C,
        query: &mut DomainQuery,
    ) -> Result<u64, sqlx::Error> {
        if query.new.is_empty() {
            return Ok(0);
        }
        let new = std::mem::take(&mut query.new);
        shared::store_many(conn, &new, self.cache.settings().definitive_ttl).await
    }
}

/// What answered a domain in [`DomainChecker::resolve`]: the memory when this call did not
/// run the lookup itself (it joined one in flight), else the lookup, which failed when it got
/// no definitive verdict.
fn lookup_result(ran: bool, verdict: &DomainVerdict) -> DnsResult {
    match (ran, verdict) {
        (false, _) => DnsResult::CacheHit,
        (true, DomainVerdict::Unavailable { .. }) => DnsResult::Failure,
        (true, _) => DnsResult::Query,
    }
}

/// One [`DomainChecker::check_many`] in progress, carried between its steps so that the
/// caller decides which connection (if any) each step uses.
#[derive(Debug, Default)]
pub struct DomainQuery {
    /// Each domain as given → its normalized key.
    key_of: HashMap<String, String>,
    found: HashMap<String, DomainVerdict>,
    missing: Vec<String>,
    new: Vec<(String, DomainVerdict)>,
}

impl DomainQuery {
    /// Whether step 2 ([`DomainChecker::load_shared`]) has anything to look up.
    pub fn needs_shared(&self) -> bool {
        !self.missing.is_empty()
    }

    /// Whether step 4 ([`DomainChecker::store_new`]) has anything to write.
    pub fn has_new(&self) -> bool {
        !self.new.is_empty()
    }

    /// The verdicts keyed by the domains as given.
    pub fn finish(self) -> HashMap<String, DomainVerdict> {
        let found = self.found;
        self.key_of
            .into_iter()
            .filter_map(|(given, key)| found.get(&key).map(|v| (given, v.clone())))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lookup_run_here_is_a_query_or_a_failure_and_one_joined_is_a_hit() {
        let nx = DomainVerdict::NxDomain;
        let timeout = DomainVerdict::Unavailable {
            reason: "timeout".into(),
        };
        assert_eq!(lookup_result(true, &nx), DnsResult::Query);
        assert_eq!(lookup_result(true, &timeout), DnsResult::Failure);
        assert_eq!(lookup_result(false, &nx), DnsResult::CacheHit);
        assert_eq!(lookup_result(false, &timeout), DnsResult::CacheHit);
    }

    #[test]
    fn settings_from_the_environment() {
        let servers: Vec<SocketAddr> = vec!["127.0.0.1:5353".parse().unwrap()];
        let s = DnsSettings::from_lookup(servers.clone(), |_| None).unwrap();
        assert_eq!(s, DnsSettings::new(servers.clone()));
        assert_eq!(s.resolver.timeout, Duration::from_secs(2));
        assert_eq!(s.resolver.attempts, 3);
        assert_eq!(s.cache.definitive_ttl, Duration::from_secs(3600));

        let env: HashMap<&str, &str> = [
            ("REACHLY_DNS_TIMEOUT_MS", "250"),
            ("REACHLY_DNS_ATTEMPTS", "5"),
            ("REACHLY_DNS_BACKOFF_MS", "20"),
            ("REACHLY_DNS_CACHE_TTL_SECS", "600"),
            ("REACHLY_DNS_UNAVAILABLE_TTL_SECS", "0"),
            ("REACHLY_DNS_CACHE_CAPACITY", "1000"),
            ("REACHLY_DNS_CONCURRENCY", "8"),
        ]
        .into();
        let s = DnsSettings::from_lookup(servers.clone(), |k| env.get(k).map(|v| v.to_string()))
            .unwrap();
        assert_eq!(s.resolver.timeout, Duration::from_millis(250));
        assert_eq!(s.resolver.attempts, 5);
        assert_eq!(s.resolver.backoff, Duration::from_millis(20));
        assert_eq!(s.cache.definitive_ttl, Duration::from_secs(600));
        assert_eq!(s.cache.unavailable_ttl, Duration::ZERO);
        assert_eq!(s.cache.capacity, 1000);
        assert_eq!(s.concurrency, 8);

        let err = DnsSettings::from_lookup(servers, |k| {
            (k == "REACHLY_DNS_ATTEMPTS").then(|| "many".to_string())
        })
        .unwrap_err();
        assert_eq!(err.name, "REACHLY_DNS_ATTEMPTS");
    }
}
