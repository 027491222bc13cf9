//! [`DomainCache`]: the per-process memory of DNS verdicts, shared by every batch a worker runs.
//!
//! It exists so a list of a million addresses over ten thousand domains costs about ten
//! thousand lookups: an answer is kept for a TTL (long for definitive verdicts, short for
//! [`DomainVerdict::Unavailable`]), and concurrent requests for one domain wait on a single
//! lookup instead of each sending their own (coalescing). The lookup itself is a closure the
//! caller passes, so the cache knows nothing about DNS and is tested with a fake.
//!
//! Bounded: past `capacity` entries, expired ones are dropped, then arbitrary settled ones
//! until a tenth of the room is free (lookups in flight are never evicted).

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use std::time::Instant;

use tokio::sync::OnceCell;

use crate::validate::DomainVerdict;

/// Size and lifetimes of the cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheSettings {
    /// Most domains kept at once.
    pub capacity: usize,
    /// Lifetime of a definitive verdict (mail, null MX, NXDOMAIN, no mail host).
    pub definitive_ttl: Duration,
    /// Lifetime of [`DomainVerdict::Unavailable`]; zero keeps it only for the callers that
    /// were already waiting on the lookup.
    pub unavailable_ttl: Duration,
}

impl Default for CacheSettings {
    /// 100,000 domains, one hour, one minute.
    fn default() -> Self {
        Self {
            capacity: 100_000,
            definitive_ttl: Duration::from_secs(3600),
            unavailable_ttl: Duration::from_secs(60),
        }
    }
}

/// Counters since start-up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Answers served from memory, including callers that joined a lookup in flight.
    pub hits: u64,
    /// Lookups actually run.
    pub misses: u64,
    /// Domains held now (settled or in flight).
    pub entries: usize,
}

/// Where the cache reads the time: the system clock, or one a test moves by hand.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> Instant + Send + Sync>);

impl Clock {
    /// The monotonic system clock.
    pub fn system() -> Self {
        Self(Arc::new(Instant::now))
    }

    /// A clock reading `now`.
    pub fn from_fn(now: impl Fn() -> Instant + Send + Sync + 'static) -> Self {
        Self(Arc::new(now))
    }

    pub fn now(&self) -> Instant {
        (self.0)()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Clock")
    }
}

#[derive(Debug, Clone)]
struct Cached {
    verdict: DomainVerdict,
    expires_at: Instant,
}

/// The per-process verdict cache. Share it with an `Arc` (or inside a shared owner).
#[derive(Debug)]
pub struct DomainCache {
    settings: CacheSettings,
    clock: Clock,
    /// One cell per domain: empty while its lookup runs, then set until it expires.
    slots: Mutex<HashMap<String, Arc<OnceCell<Cached>>>>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl DomainCache {
    pub fn new(settings: CacheSettings) -> Self {
        Self::with_clock(settings, Clock::system())
    }

    /// A cache reading the time from `clock` (tests move it by hand).
    pub fn with_clock(settings: CacheSettings, clock: Clock) -> Self {
        Self {
            settings,
            clock,
            slots: Mutex::new(HashMap::new()),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    pub fn settings(&self) -> &CacheSettings {
        &self.settings
    }

    /// How long `verdict` is kept.
    pub fn ttl_for(&self, verdict: &DomainVerdict) -> Duration {
        match verdict {
            DomainVerdict::Unavailable { .. } => self.settings.unavailable_ttl,
            _ => self.settings.definitive_ttl,
        }
    }

    /// The unexpired verdict for `domain`, if any (counted as a hit when found). Never waits
    /// for a lookup in flight.
    pub fn get(&self, domain: &str) -> Option<DomainVerdict> {
        let now = self.clock.now();
        let slots = self.slots.lock().expect("domain cache lock");
        let cached = slots.get(domain)?.get()?;
        if cached.expires_at > now {
            self.hits.fetch_add(1, Ordering::Relaxed);
            Some(cached.verdict.clone())
        } else {
            None
        }
    }

    /// Stores a verdict learnt elsewhere (the shared `domain_checks` table) for `ttl`.
    pub fn insert(&self, domain: &str, verdict: DomainVerdict, ttl: Duration) {
        let cached = Cached {
            verdict,
            expires_at: self.clock.now() + ttl,
        };
        let mut slots = self.slots.lock().expect("domain cache lock");
        if !slots.contains_key(domain) {
            self.make_room(&mut slots);
        }
        slots.insert(
            domain.to_owned(),
            Arc::new(OnceCell::new_with(Some(cached))),
        );
    }

    /// The verdict for `domain`: from memory when fresh, else from `lookup`, run at most once
    /// however many callers ask at the same time. The flag is true when THIS call ran the
    /// lookup (its answer is new to the process).
    ///
    /// Cancel-safe: if the caller running the lookup is dropped, one of the waiters runs its
    /// own `lookup` instead.
    pub async fn get_or_lookup<F, Fut>(&self, domain: &str, lookup: F) -> (DomainVerdict, bool)
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = DomainVerdict>,
    {
        let cell = {
            let now = self.clock.now();
            let mut slots = self.slots.lock().expect("domain cache lock");
            match slots.get(domain) {
                Some(cell) => match cell.get() {
                    Some(cached) if cached.expires_at > now => {
                        self.hits.fetch_add(1, Ordering::Relaxed);
                        return (cached.verdict.clone(), false);
                    }
                    // Expired: a new cell replaces it (waiters on the old one are unaffected).
                    Some(_) => {
                        let cell = Arc::new(OnceCell::new());
                        slots.insert(domain.to_owned(), cell.clone());
                        cell
                    }
                    // In flight: join it.
                    None => cell.clone(),
                },
                None => {
                    self.make_room(&mut slots);
                    let cell = Arc::new(OnceCell::new());
                    slots.insert(domain.to_owned(), cell.clone());
                    cell
                }
            }
        };
        let mut ran = false;
        let cached = cell
            .get_or_init(|| {
                ran = true;
                async {
                    let verdict = lookup().await;
                    Cached {
                        expires_at: self.clock.now() + self.ttl_for(&verdict),
                        verdict,
                    }
                }
            })
            .await;
        if ran {
            self.misses.fetch_add(1, Ordering::Relaxed);
        } else {
            self.hits.fetch_add(1, Ordering::Relaxed);
        }
        (cached.verdict.clone(), ran)
    }

    pub fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            entries: self.slots.lock().expect("domain cache lock").len(),
        }
    }

    /// Called before adding a domain: when full, drop expired entries, then settled ones
    /// (arbitrary order) until 10 % of the capacity is free. Amortized O(1) per insert.
    fn make_room(&self, slots: &mut HashMap<String, Arc<OnceCell<Cached>>>) {
        let capacity = self.settings.capacity.max(1);
        if slots.len() < capacity {
            return;
        }
        let now = self.clock.now();
        slots.retain(|_, cell| cell.get().is_none_or(|c| c.expires_at > now));
        let target = capacity - capacity.div_ceil(10);
        if slots.len() > target {
            let excess = slots.len() - target;
            let victims: Vec<String> = slots
                .iter()
                .filter(|(_, cell)| cell.initialized())
                .map(|(domain, _)| domain.clone())
                .take(excess)
                .collect();
            for domain in victims {
                slots.remove(&domain);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    fn mail(host: &str) -> DomainVerdict {
        DomainVerdict::Mail {
            mx_hosts: vec![host.into()],
            implicit: false,
        }
    }

    /// A clock the test moves by hand.
    #[derive(Clone)]
    struct ManualClock {
        base: Instant,
        offset: Arc<Mutex<Duration>>,
    }

    impl ManualClock {
        fn new() -> Self {
            Self {
                base: Instant::now(),
                offset: Arc::default(),
            }
        }
        fn advance(&self, by: Duration) {
            *self.offset.lock().unwrap() += by;
        }
        fn clock(&self) -> Clock {
            let me = self.clone();
            Clock::from_fn(move || me.base + *me.offset.lock().unwrap())
        }
    }

    fn manual(settings: CacheSettings) -> (DomainCache, ManualClock) {
        let clock = ManualClock::new();
        (DomainCache::with_clock(settings, clock.clock()), clock)
    }

    type BoxedLookup = std::pin::Pin<Box<dyn Future<Output = DomainVerdict> + Send>>;

    /// A fake lookup that counts its calls and takes `delay` to answer.
    #[derive(Clone, Default)]
    struct Fake {
        calls: Arc<AtomicUsize>,
    }

    impl Fake {
        fn lookup(
            &self,
            verdict: DomainVerdict,
            delay: Duration,
        ) -> impl FnOnce() -> BoxedLookup + Send + 'static {
            let calls = self.calls.clone();
            move || {
                Box::pin(async move {
                    calls.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(delay).await;
                    verdict
                })
            }
        }
        fn now(&self, verdict: DomainVerdict) -> impl FnOnce() -> BoxedLookup + Send + 'static {
            self.lookup(verdict, Duration::ZERO)
        }
        fn calls(&self) -> usize {
            self.calls.load(Ordering::SeqCst)
        }

        /// Starts a lookup of `domain` through `cache` answering `verdict` after `delay`, and
        /// returns once it has started (the fake counted its call).
        async fn started(
            &self,
            cache: &Arc<DomainCache>,
            domain: &'static str,
            verdict: DomainVerdict,
            delay: Duration,
        ) -> tokio::task::JoinHandle<(DomainVerdict, bool)> {
            let before = self.calls();
            let cache = cache.clone();
            let lookup = self.lookup(verdict, delay);
            let task = tokio::spawn(async move { cache.get_or_lookup(domain, lookup).await });
            while self.calls() == before {
                tokio::task::yield_now().await;
            }
            task
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_lookups_of_one_domain_coalesce() {
        let cache = Arc::new(DomainCache::new(CacheSettings::default()));
        let fake = Fake::default();
        let tasks: Vec<_> = (0..100)
            .map(|_| {
                let cache = cache.clone();
                let lookup = fake.lookup(mail("mx.acme.test"), Duration::from_millis(50));
                tokio::spawn(async move { cache.get_or_lookup("acme.test", lookup).await })
            })
            .collect();
        let results = futures::future::join_all(tasks).await;
        assert_eq!(fake.calls(), 1);
        let ran = results.iter().filter(|r| r.as_ref().unwrap().1).count();
        assert_eq!(ran, 1, "exactly one caller ran the lookup");
        for r in results {
            assert_eq!(r.unwrap().0, mail("mx.acme.test"));
        }
        let stats = cache.stats();
        assert_eq!((stats.hits, stats.misses, stats.entries), (99, 1, 1));

        // Settled: later callers do not look up either.
        let (v, ran) = cache
            .get_or_lookup("acme.test", fake.now(DomainVerdict::NxDomain))
            .await;
        assert_eq!((v, ran), (mail("mx.acme.test"), false));
        assert_eq!(fake.calls(), 1);
    }

    #[tokio::test]
    async fn different_domains_look_up_separately() {
        let cache = DomainCache::new(CacheSettings::default());
        let fake = Fake::default();
        let a = cache.get_or_lookup("a.test", fake.lookup(mail("a"), Duration::from_millis(10)));
        let b = cache.get_or_lookup("b.test", fake.lookup(mail("b"), Duration::from_millis(10)));
        let (a, b) = tokio::join!(a, b);
        assert_eq!((a.0, b.0), (mail("a"), mail("b")));
        assert_eq!(fake.calls(), 2);
    }

    #[tokio::test]
    async fn definitive_verdicts_expire_after_their_ttl() {
        let (cache, clock) = manual(CacheSettings::default());
        let fake = Fake::default();
        cache
            .get_or_lookup("gone.test", fake.now(DomainVerdict::NxDomain))
            .await;
        clock.advance(Duration::from_secs(3599));
        assert_eq!(cache.get("gone.test"), Some(DomainVerdict::NxDomain));
        cache
            .get_or_lookup("gone.test", fake.now(DomainVerdict::NxDomain))
            .await;
        assert_eq!(fake.calls(), 1);
        clock.advance(Duration::from_secs(2));
        assert_eq!(cache.get("gone.test"), None);
        let (_, ran) = cache
            .get_or_lookup("gone.test", fake.now(DomainVerdict::NxDomain))
            .await;
        assert!(ran);
        assert_eq!(fake.calls(), 2);
    }

    #[tokio::test]
    async fn unavailable_is_kept_briefly() {
        let down = || DomainVerdict::Unavailable {
            reason: "servfail".into(),
        };
        let (cache, clock) = manual(CacheSettings::default());
        let fake = Fake::default();
        cache.get_or_lookup("down.test", fake.now(down())).await;
        clock.advance(Duration::from_secs(59));
        cache.get_or_lookup("down.test", fake.now(down())).await;
        assert_eq!(fake.calls(), 1);
        clock.advance(Duration::from_secs(2));
        cache.get_or_lookup("down.test", fake.now(down())).await;
        assert_eq!(fake.calls(), 2);

        // With a zero TTL only the callers already waiting share the answer.
        let cache = DomainCache::new(CacheSettings {
            unavailable_ttl: Duration::ZERO,
            ..CacheSettings::default()
        });
        let fake = Fake::default();
        let slow = || fake.lookup(down(), Duration::from_millis(50));
        let (a, b) = tokio::join!(
            cache.get_or_lookup("down.test", slow()),
            cache.get_or_lookup("down.test", slow())
        );
        assert_eq!(a.0, b.0);
        assert_eq!(fake.calls(), 1);
        cache.get_or_lookup("down.test", slow()).await;
        assert_eq!(fake.calls(), 2);
    }

    #[tokio::test]
    async fn inserted_verdicts_are_served_until_their_ttl() {
        let (cache, clock) = manual(CacheSettings::default());
        let fake = Fake::default();
        cache.insert(
            "shared.test",
            mail("mx.shared.test"),
            Duration::from_secs(10),
        );
        let (v, ran) = cache
            .get_or_lookup("shared.test", fake.now(DomainVerdict::NxDomain))
            .await;
        assert_eq!((v, ran), (mail("mx.shared.test"), false));
        clock.advance(Duration::from_secs(11));
        let (v, ran) = cache
            .get_or_lookup("shared.test", fake.now(DomainVerdict::NxDomain))
            .await;
        assert_eq!((v, ran), (DomainVerdict::NxDomain, true));
    }

    #[tokio::test]
    async fn size_is_bounded() {
        let cache = DomainCache::new(CacheSettings {
            capacity: 10,
            ..CacheSettings::default()
        });
        let fake = Fake::default();
        for i in 0..25 {
            cache
                .get_or_lookup(&format!("d{i}.test"), fake.now(mail("mx")))
                .await;
            assert!(cache.stats().entries <= 10);
        }
        // The newest domain is always kept.
        assert!(cache.get("d24.test").is_some());
        assert_eq!(fake.calls(), 25);

        // Expired entries go first.
        let (cache, clock) = manual(CacheSettings {
            capacity: 4,
            ..CacheSettings::default()
        });
        for i in 0..3 {
            cache.insert(&format!("old{i}.test"), mail("mx"), Duration::from_secs(1));
        }
        cache.insert("keep.test", mail("mx"), Duration::from_secs(100));
        clock.advance(Duration::from_secs(2));
        cache.insert("new.test", mail("mx"), Duration::from_secs(100));
        assert_eq!(cache.stats().entries, 2);
        assert!(cache.get("keep.test").is_some());
        assert!(cache.get("new.test").is_some());
    }

    #[tokio::test]
    async fn in_flight_lookups_are_never_evicted() {
        let cache = Arc::new(DomainCache::new(CacheSettings {
            capacity: 2,
            ..CacheSettings::default()
        }));
        let fake = Fake::default();
        let slow = fake
            .started(
                &cache,
                "slow.test",
                mail("slow"),
                Duration::from_millis(200),
            )
            .await;
        for i in 0..5 {
            cache.insert(&format!("d{i}.test"), mail("mx"), Duration::from_secs(100));
        }
        // A second caller still joins the lookup in flight.
        let (v, ran) = cache
            .get_or_lookup("slow.test", fake.now(DomainVerdict::NxDomain))
            .await;
        assert_eq!((v, ran), (mail("slow"), false));
        assert_eq!(slow.await.unwrap().0, mail("slow"));
        assert_eq!(fake.calls(), 1);
    }

    #[tokio::test]
    async fn a_cancelled_lookup_is_taken_over_by_a_waiter() {
        let cache = Arc::new(DomainCache::new(CacheSettings::default()));
        let fake = Fake::default();
        let first = fake
            .started(&cache, "x.test", mail("first"), Duration::from_secs(30))
            .await;
        let second = {
            let cache = cache.clone();
            let lookup = fake.lookup(mail("second"), Duration::from_millis(10));
            tokio::spawn(async move { cache.get_or_lookup("x.test", lookup).await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        first.abort();
        let (v, ran) = second.await.unwrap();
        assert_eq!((v, ran), (mail("second"), true));
        assert_eq!(fake.calls(), 2);
    }
}
