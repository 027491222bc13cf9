//! The bench's own dnsmasq on a free loopback port, serving the generated zone only, with
//! every query logged: the workers do not export how many DNS queries they sent, so the
//! bench counts the queries dnsmasq logged.

use std::path::Path;

use reachly_testkit::dnsmasq::{Dnsmasq, DnsmasqConfig};

/// Counts of logged queries.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct QueryCount {
    pub total: u64,
    pub mx: u64,
    pub a: u64,
    pub aaaa: u64,
}

impl std::ops::Sub for QueryCount {
    type Output = QueryCount;
    fn sub(self, earlier: QueryCount) -> QueryCount {
        QueryCount {
            total: self.total - earlier.total,
            mx: self.mx - earlier.mx,
            a: self.a - earlier.a,
            aaaa: self.aaaa - earlier.aaaa,
        }
    }
}

/// Starts dnsmasq with `zone` as its only zone, its log in `dir`, and waits until it answers.
pub fn start(zone: &Path, dir: &Path) -> anyhow::Result<Dnsmasq> {
    let config = DnsmasqConfig {
        conf_files: vec![zone],
        forwards: vec![],
        probe: "warmup.test",
    };
    Dnsmasq::start(&config, dir)
}

/// The queries `dns` logged so far, by type.
pub fn queries(dns: &Dnsmasq) -> anyhow::Result<QueryCount> {
    let mut n = QueryCount::default();
    for (kind, _) in dns.queries()? {
        n.total += 1;
        match kind.as_str() {
            "MX" => n.mx += 1,
            "A" => n.a += 1,
            "AAAA" => n.aaaa += 1,
            _ => {}
        }
    }
    Ok(n)
}
