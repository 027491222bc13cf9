//! The generated input: a CSV of contacts over `.test` domains with a Zipf-like skew (a few
//! large providers, a long tail), ~2% duplicates (half of them case variants), ~1% syntax
//! garbage, and a sliver of rows at domains answering NXDOMAIN or a null MX; plus the
//! matching dnsmasq zone. Deterministic for a seed: every row is a function of (seed, line).

use std::io::{BufWriter, Write};
use std::path::Path;

use serde::Serialize;

/// Share of rows that are syntax garbage.
const INVALID_SHARE: f64 = 0.01;
/// Share of rows repeating an earlier address (half of them in another letter case).
const DUPLICATE_SHARE: f64 = 0.02;
/// Share of the remaining rows at a domain absent from the zone (NXDOMAIN).
const NXDOMAIN_SHARE: f64 = 0.005;
/// Share of the remaining rows at a domain publishing a null MX (RFC 7505).
const NULLMX_SHARE: f64 = 0.003;
/// Named "providers" at the head of the distribution.
const PROVIDERS: usize = 10;

const FIRST: &[&str] = &[
    "ann", "bob", "carla", "dmitri", "emma", "farid", "grace", "hiro", "ines", "jonas", "kate",
    "liam", "mei", "nora", "omar", "priya", "quinn", "rosa", "sven", "tariq",
];
const LAST: &[&str] = &[
    "smith", "jones", "garcia", "muller", "rossi", "dubois", "tanaka", "silva", "kowalski",
    "novak", "larsen", "okafor", "haddad", "kim", "nguyen", "ivanova",
];

/// What was generated (the pipeline's own counts are reported beside these).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Generated {
    pub rows: usize,
    pub bytes: u64,
    pub zone_domains: usize,
    pub nxdomain_domains: usize,
    pub nullmx_domains: usize,
    pub unique_rows: usize,
    pub duplicate_rows: usize,
    pub case_variant_duplicates: usize,
    pub invalid_rows: usize,
    pub nxdomain_rows: usize,
    pub nullmx_rows: usize,
    /// Rows at the largest domain and at the 10 largest, to show the skew.
    pub top1_rows: usize,
    pub top10_rows: usize,
}

/// splitmix64: a well-mixed 64-bit value for (seed, stream, index).
fn mix(seed: u64, stream: u64, i: u64) -> u64 {
    let mut z = seed
        .wrapping_add(stream.wrapping_mul(0xA24B_AED4_963E_E407))
        .wrapping_add(i.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A uniform value in [0, 1).
fn unit(seed: u64, stream: u64, i: u64) -> f64 {
    (mix(seed, stream, i) >> 11) as f64 / (1u64 << 53) as f64
}

/// What a line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Unique,
    Duplicate,
    Invalid,
}

/// Where a unique address lives.
#[derive(Debug, Clone, Copy)]
enum Domain {
    Zone(usize),
    Nx(usize),
    NullMx(usize),
}

/// The row generator for one (seed, domains, skew).
#[derive(Debug)]
pub struct Generator {
    seed: u64,
    domains: usize,
    nx: usize,
    nullmx: usize,
    /// Cumulative Zipf weights of the zone's domains, by rank.
    cumulative: Vec<f64>,
}

impl Generator {
    pub fn new(seed: u64, domains: usize, zipf: f64) -> Generator {
        let domains = domains.max(PROVIDERS + 1);
        let mut total = 0.0;
        let cumulative = (1..=domains)
            .map(|k| {
                total += 1.0 / (k as f64).powf(zipf);
                total
            })
            .collect();
        Generator {
            seed,
            domains,
            nx: (domains / 200).max(1),
            nullmx: (domains / 1000).max(1),
            cumulative,
        }
    }

    fn kind(&self, i: u64) -> Kind {
        let u = unit(self.seed, 1, i);
        if u < INVALID_SHARE {
            Kind::Invalid
        } else if u < INVALID_SHARE + DUPLICATE_SHARE && i > 0 {
            Kind::Duplicate
        } else {
            Kind::Unique
        }
    }

    fn domain_of(&self, i: u64) -> Domain {
        let u = unit(self.seed, 2, i);
        if u < NXDOMAIN_SHARE {
            Domain::Nx(mix(self.seed, 3, i) as usize % self.nx)
        } else if u < NXDOMAIN_SHARE + NULLMX_SHARE {
            Domain::NullMx(mix(self.seed, 3, i) as usize % self.nullmx)
        } else {
            let total = *self.cumulative.last().expect("at least one domain");
            let x = unit(self.seed, 4, i) * total;
            let rank = self.cumulative.partition_point(|c| *c <= x);
            Domain::Zone(rank.min(self.domains - 1))
        }
    }

    fn zone_name(rank: usize) -> String {
        if rank < PROVIDERS {
            format!("provider{rank}.test")
        } else {
            format!("d{rank:05}.test")
        }
    }

    fn domain_name(d: Domain) -> String {
        match d {
            Domain::Zone(rank) => Self::zone_name(rank),
            Domain::Nx(k) => format!("gone{k:04}.test"),
            Domain::NullMx(k) => format!("nullmx{k:03}.test"),
        }
    }

    fn names(&self, i: u64) -> (&'static str, &'static str) {
        let h = mix(self.seed, 5, i) as usize;
        (FIRST[h % FIRST.len()], LAST[(h / FIRST.len()) % LAST.len()])
    }

    /// The address line `i` has when it is a unique row.
    fn unique_email(&self, i: u64) -> String {
        let (first, last) = self.names(i);
        format!(
            "{first}.{last}.{i}@{}",
            Self::domain_name(self.domain_of(i))
        )
    }

    /// An earlier unique line that duplicate line `i` repeats.
    fn original_of(&self, i: u64) -> Option<u64> {
        (0..8u64)
            .map(|t| mix(self.seed, 6 + t, i) % i)
            .find(|j| self.kind(*j) == Kind::Unique)
    }

    fn garbage(&self, i: u64) -> String {
        let (first, last) = self.names(i);
        let d = Self::domain_name(self.domain_of(i));
        match mix(self.seed, 20, i) % 6 {
            0 => format!("{first}.{last}.{i}"),
            1 => format!("{first}.{last}.{i}@@{d}"),
            2 => format!("@{d}"),
            3 => format!("{first} {last}.{i}@{d}"),
            4 => format!("{first}.{last}.{i}@"),
            _ => format!("{first}..{last}.{i}@{d}"),
        }
    }

    /// Writes the CSV (header email,first_name,last_name,company) and returns its counts.
    pub fn write_csv(&self, rows: usize, path: &Path) -> anyhow::Result<Generated> {
        let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
        let mut g = Generated {
            rows,
            zone_domains: self.domains,
            nxdomain_domains: self.nx,
            nullmx_domains: self.nullmx,
            ..Generated::default()
        };
        let mut per_rank = vec![0usize; self.domains];
        writeln!(out, "email,first_name,last_name,company")?;
        for i in 0..rows as u64 {
            let (first, last) = self.names(i);
            let email = match self.kind(i) {
                Kind::Invalid => {
                    g.invalid_rows += 1;
                    self.garbage(i)
                }
                Kind::Duplicate => match self.original_of(i) {
                    Some(j) => {
                        g.duplicate_rows += 1;
                        let email = self.unique_email(j);
                        if mix(self.seed, 30, i).is_multiple_of(2) {
                            g.case_variant_duplicates += 1;
                            case_variant(&email)
                        } else {
                            email
                        }
                    }
                    None => {
                        g.invalid_rows += 1;
                        self.garbage(i)
                    }
                },
                Kind::Unique => {
                    g.unique_rows += 1;
                    match self.domain_of(i) {
                        Domain::Zone(rank) => per_rank[rank] += 1,
                        Domain::Nx(_) => g.nxdomain_rows += 1,
                        Domain::NullMx(_) => g.nullmx_rows += 1,
                    }
                    self.unique_email(i)
                }
            };
            let company = capitalize(last);
            writeln!(
                out,
                "{email},{},{},{company} Ltd",
                capitalize(first),
                company
            )?;
        }
        out.flush()?;
        g.bytes = std::fs::metadata(path)?.len();
        g.top1_rows = per_rank[0];
        g.top10_rows = per_rank.iter().take(10).sum();
        Ok(g)
    }

    /// Writes the dnsmasq zone: every zone domain gets an MX, the null-MX domains a null MX,
    /// and the NXDOMAIN ones nothing (`local=/test/` answers NXDOMAIN for them).
    pub fn write_zone(&self, path: &Path) -> anyhow::Result<()> {
        let mut out = BufWriter::new(std::fs::File::create(path)?);
        writeln!(out, "local=/test/")?;
        writeln!(out, "local-ttl=300")?;
        for rank in 0..self.domains {
            let d = Self::zone_name(rank);
            writeln!(out, "mx-host={d},mx.{d},10")?;
        }
        for k in 0..self.nullmx {
            writeln!(
                out,
                "dns-rr={},15,000000",
                Self::domain_name(Domain::NullMx(k))
            )?;
        }
        // The warm-up list's domain.
        writeln!(out, "mx-host=warmup.test,mx.warmup.test,10")?;
        out.flush()?;
        Ok(())
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Another letter case of the same address (upper-case first letter and domain).
fn case_variant(email: &str) -> String {
    let (local, domain) = email.split_once('@').expect("a unique address has an @");
    format!("{}@{}", capitalize(local), domain.to_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_skewed() {
        let g = Generator::new(7, 1000, 1.1);
        assert_eq!(g.unique_email(12345), g.unique_email(12345));
        let dir = std::env::temp_dir().join(format!("list-bench-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let stats = g.write_csv(20_000, &dir.join("a.csv")).unwrap();
        assert_eq!(
            stats.unique_rows + stats.duplicate_rows + stats.invalid_rows,
            20_000
        );
        assert!(stats.top10_rows > stats.unique_rows / 3, "{stats:?}");
        assert!(
            stats.duplicate_rows > 200 && stats.invalid_rows > 100,
            "{stats:?}"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
