//! The DNS check against a real DNS server: each test process runs its own dnsmasq serving
//! the fixture zones (tests/src/dns_server.rs), and the `domain_checks` layer against a
//! fresh database as the application role, inside the tenant transaction helper.

use std::sync::Arc;
use std::time::Duration;

use reachly_jobs::validate::DomainVerdict;
use reachly_jobs::validate::dns::{
    CacheSettings, DomainCache, DomainChecker, MailResolver, ResolverSettings, shared,
};
use reachly_tests::db::TestDb;
use reachly_tests::dns_server::DnsServer;

fn mail(hosts: &[&str]) -> DomainVerdict {
    DomainVerdict::Mail {
        mx_hosts: hosts.iter().map(|h| h.to_string()).collect(),
        implicit: false,
    }
}

fn implicit(domain: &str) -> DomainVerdict {
    DomainVerdict::Mail {
        mx_hosts: vec![domain.into()],
        implicit: true,
    }
}

fn unavailable(reason: &str) -> DomainVerdict {
    DomainVerdict::Unavailable {
        reason: reason.into(),
    }
}

fn checker(dns: &DnsServer) -> DomainChecker {
    DomainChecker::new(
        MailResolver::new(dns.quick_settings()).unwrap(),
        CacheSettings::default(),
        16,
    )
}

/// The DNS fixture and a fresh database, with the pool a worker writes the shared cache
/// (`domain_checks`) through: the maintenance role's (tenants only read it).
async fn dns_and_shared_cache() -> (DnsServer, TestDb, sqlx::PgPool) {
    let dns = DnsServer::start().await;
    let db = TestDb::fresh().await;
    let pool = db.maint().await;
    (dns, db, pool)
}

fn strings(domains: &[&str]) -> Vec<String> {
    domains.iter().map(|d| d.to_string()).collect()
}

#[tokio::test]
async fn every_verdict_kind_from_the_fixture_server() {
    let dns = DnsServer::start().await;
    let r = MailResolver::new(dns.quick_settings()).unwrap();

    assert_eq!(
        r.lookup("mail-ok.test").await,
        mail(&["mx1.mail-ok.test", "mx2.mail-ok.test"])
    );
    // Sorted by preference (5 before 10) although served the other way round; any case in.
    assert_eq!(
        r.lookup("ACME-Insurance.test.").await,
        mail(&["mx1.mailhost.test", "mx2.mailhost.test"])
    );
    assert_eq!(
        r.lookup("example-broker.test").await,
        mail(&["mx.example-broker.test"])
    );
    assert_eq!(r.lookup("nullmx.test").await, DomainVerdict::NullMx);
    assert_eq!(r.lookup("a-only.test").await, implicit("a-only.test"));
    assert_eq!(r.lookup("aaaa-only.test").await, implicit("aaaa-only.test"));
    assert_eq!(r.lookup("nomail.test").await, DomainVerdict::NoMailHost);
    assert_eq!(r.lookup("nothing.test").await, DomainVerdict::NxDomain);

    // Queries: MX for each of the 4 mail domains and for nothing.test; MX+A for a-only;
    // MX+A+AAAA for aaaa-only and nomail.
    assert_eq!(r.queries_sent(), 4 + 1 + 2 + 3 + 3);
}

#[tokio::test]
async fn an_answer_too_large_for_udp_is_fetched_over_tcp() {
    let dns = DnsServer::start().await;
    let r = MailResolver::new(dns.quick_settings()).unwrap();
    let DomainVerdict::Mail { mx_hosts, implicit } = r.lookup("big.test").await else {
        panic!("big.test has MX records");
    };
    assert!(!implicit);
    let expected: Vec<String> = (0..40)
        .map(|i| format!("mx-{i:02}.a-rather-long-mail-exchanger-name.big.test"))
        .collect();
    assert_eq!(mx_hosts, expected, "all 40, in preference order");
    assert_eq!(
        r.queries_sent(),
        1,
        "the TCP retry is part of the same query"
    );
}

#[tokio::test]
async fn temporary_failures_are_unavailable_after_retries() {
    let dns = DnsServer::start().await;
    let r = MailResolver::new(dns.quick_settings()).unwrap();

    let before = r.queries_sent();
    assert_eq!(r.lookup("x.servfail.test").await, unavailable("servfail"));
    assert_eq!(r.queries_sent() - before, 2, "tried twice (attempts = 2)");

    let before = r.queries_sent();
    let started = std::time::Instant::now();
    assert_eq!(r.lookup("x.timeout.test").await, unavailable("timeout"));
    assert_eq!(r.queries_sent() - before, 2);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "short timeouts keep this quick: {:?}",
        started.elapsed()
    );

    // Names outside the fixture's .test zone are REFUSED (nothing is forwarded anywhere).
    assert_eq!(r.lookup("example.com").await, unavailable("refused"));

    // A nameserver that is not there at all: no verdict either.
    let mut s = ResolverSettings::new(vec![dns.addr]);
    s.servers = vec![
        format!("127.0.0.1:{}", reachly_tests::process::free_port())
            .parse()
            .unwrap(),
    ];
    s.timeout = Duration::from_millis(200);
    s.attempts = 2;
    s.backoff = Duration::from_millis(10);
    let dead = MailResolver::new(s).unwrap();
    assert!(matches!(
        dead.lookup("mail-ok.test").await,
        DomainVerdict::Unavailable { .. }
    ));
}

#[tokio::test]
async fn fifty_concurrent_checks_of_one_domain_send_one_query() {
    let dns = DnsServer::start().await;
    let resolver = Arc::new(MailResolver::new(dns.quick_settings()).unwrap());
    let cache = Arc::new(DomainCache::new(CacheSettings::default()));
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let (resolver, cache) = (resolver.clone(), cache.clone());
            tokio::spawn(async move {
                cache
                    .get_or_lookup("mail-ok.test", || resolver.lookup("mail-ok.test"))
                    .await
                    .0
            })
        })
        .collect();
    for verdict in futures::future::join_all(tasks).await {
        assert_eq!(
            verdict.unwrap(),
            mail(&["mx1.mail-ok.test", "mx2.mail-ok.test"])
        );
    }
    assert_eq!(resolver.queries_sent(), 1);
    assert_eq!(cache.stats().misses, 1);
    assert_eq!(cache.stats().hits, 49);
}

#[tokio::test]
async fn check_many_dedupes_caches_and_shares_through_domain_checks() {
    let (dns, _db, app) = dns_and_shared_cache().await;

    // Worker 1: a batch with duplicates and mixed case; 50 times the same domain.
    let worker1 = checker(&dns);
    let mut batch = vec!["mail-ok.test".to_string(); 50];
    batch.extend(strings(&[
        "Mail-OK.test",
        "nullmx.test",
        "a-only.test",
        "nomail.test",
        "nothing.test",
        "x.servfail.test",
    ]));
    let mut tx = app.begin().await.unwrap();
    let verdicts = worker1.check_many(&mut tx, &batch).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(verdicts.len(), 7, "one entry per distinct string given");
    assert_eq!(
        verdicts["mail-ok.test"],
        mail(&["mx1.mail-ok.test", "mx2.mail-ok.test"])
    );
    assert_eq!(verdicts["Mail-OK.test"], verdicts["mail-ok.test"]);
    assert_eq!(verdicts["nullmx.test"], DomainVerdict::NullMx);
    assert_eq!(verdicts["a-only.test"], implicit("a-only.test"));
    assert_eq!(verdicts["nomail.test"], DomainVerdict::NoMailHost);
    assert_eq!(verdicts["nothing.test"], DomainVerdict::NxDomain);
    assert_eq!(verdicts["x.servfail.test"], unavailable("servfail"));
    // mail-ok 1, nullmx 1, a-only 2, nomail 3, nothing 1, servfail 2 (two tries).
    assert_eq!(worker1.stats().queries_sent, 10);

    // The same batch again on worker 1: all from memory except the unavailable domain,
    // which the cache keeps for a minute too.
    let mut tx = app.begin().await.unwrap();
    let again = worker1.check_many(&mut tx, &batch).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(again, verdicts);
    assert_eq!(worker1.stats().queries_sent, 10);

    // The rows worker 1 wrote: definitive answers only, with status and mx_hosts.
    let mut tx = app.begin().await.unwrap();
    let rows: Vec<(String, String, Option<Vec<String>>, bool)> = sqlx::query_as(
        "select domain, status, mx_hosts, expires_at > now() + interval '59 minutes'
           from domain_checks order by domain",
    )
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let expect = |d: &str, s: &str, mx: Option<&[&str]>| {
        (d.to_string(), s.to_string(), mx.map(strings), true)
    };
    assert_eq!(
        rows,
        vec![
            expect("a-only.test", "mail", Some(&["a-only.test"])),
            expect(
                "mail-ok.test",
                "mail",
                Some(&["mx1.mail-ok.test", "mx2.mail-ok.test"])
            ),
            expect("nomail.test", "no_mail_host", None),
            expect("nothing.test", "nx_domain", None),
            expect("nullmx.test", "null_mx", None),
        ]
    );

    // Worker 2 (its own memory) answers the definitive ones from domain_checks without a
    // single query; only the unavailable domain is asked again.
    let worker2 = checker(&dns);
    let mut tx = app.begin().await.unwrap();
    let shared_verdicts = worker2.check_many(&mut tx, &batch).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(shared_verdicts, verdicts);
    assert_eq!(worker2.stats().shared_hits, 5);
    assert_eq!(
        worker2.stats().queries_sent,
        2,
        "only x.servfail.test, twice"
    );

    // Expired rows are not used.
    let mut tx = app.begin().await.unwrap();
    sqlx::query("update domain_checks set expires_at = now() - interval '1 second'")
        .execute(&mut *tx)
        .await
        .unwrap();
    assert!(
        shared::load_many(&mut tx, &strings(&["mail-ok.test", "nothing.test"]))
            .await
            .unwrap()
            .is_empty()
    );
    tx.commit().await.unwrap();
    let worker3 = checker(&dns);
    let mut tx = app.begin().await.unwrap();
    let fresh = worker3
        .check_many(&mut tx, &strings(&["mail-ok.test"]))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(fresh["mail-ok.test"], verdicts["mail-ok.test"]);
    assert_eq!(worker3.stats().queries_sent, 1);
}

#[tokio::test]
async fn concurrent_batches_of_one_worker_share_lookups() {
    let (dns, _db, app) = dns_and_shared_cache().await;
    let worker = Arc::new(checker(&dns));
    let batch = strings(&["mail-ok.test", "example-broker.test", "nothing.test"]);
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let (worker, app, batch) = (worker.clone(), app.clone(), batch.clone());
            tokio::spawn(async move {
                let mut tx = app.begin().await.unwrap();
                let v = worker.check_many(&mut tx, &batch).await.unwrap();
                tx.commit().await.unwrap();
                v
            })
        })
        .collect();
    for v in futures::future::join_all(tasks).await {
        assert_eq!(v.unwrap()["nothing.test"], DomainVerdict::NxDomain);
    }
    assert_eq!(worker.stats().queries_sent, 3, "one MX query per domain");
}

#[tokio::test]
async fn a_writer_never_waits_for_another_transaction_writing_the_same_domain() {
    let db = TestDb::fresh().await;
    // The worker writes the shared cache as the maintenance role (tenants only read it).
    let app = db.maint().await;
    let verdict = vec![("popular.test".to_string(), mail(&["mx.popular.test"]))];

    let mut first = app.begin().await.unwrap();
    let written = shared::store_many(&mut first, &verdict, Duration::from_secs(3600))
        .await
        .unwrap();
    assert_eq!(written, 1);

    // While `first` is open (it holds the row), a second transaction skips the row instead
    // of blocking until `first` commits.
    let mut second = app.begin().await.unwrap();
    let written = tokio::time::timeout(
        Duration::from_secs(5),
        shared::store_many(&mut second, &verdict, Duration::from_secs(3600)),
    )
    .await
    .expect("store_many must not block on another transaction's row")
    .unwrap();
    assert_eq!(written, 0);
    second.commit().await.unwrap();
    first.commit().await.unwrap();

    // Once `first` committed, a later writer refreshes the row; unavailable is never stored.
    let mut third = app.begin().await.unwrap();
    let written = shared::store_many(
        &mut third,
        &[
            ("popular.test".to_string(), DomainVerdict::NxDomain),
            ("down.test".to_string(), unavailable("timeout")),
        ],
        Duration::from_secs(60),
    )
    .await
    .unwrap();
    assert_eq!(written, 1);
    let loaded = shared::load_many(&mut third, &strings(&["popular.test", "down.test"]))
        .await
        .unwrap();
    third.commit().await.unwrap();
    assert_eq!(loaded.len(), 1);
    assert_eq!(loaded["popular.test"].verdict, DomainVerdict::NxDomain);
    assert!(loaded["popular.test"].remaining <= Duration::from_secs(60));
    assert!(loaded["popular.test"].remaining > Duration::from_secs(50));
}
