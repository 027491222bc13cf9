//! What a list run sets up before its upload (the list bench and the end-to-end bench alike):
//! the generated CSV and its DNS zone, the bench's dnsmasq serving that zone, and the API and
//! workers resolving through it and accepting an upload that large.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use reachly_testkit::{Dnsmasq, RedisServer};

use super::args::ListArgs;
use super::data::{Generated, Generator};
use super::{dnsmasq, log, pipeline};
use crate::db::BenchDb;
use crate::stack::Services;

/// A list run, ready to upload `csv`.
#[derive(Debug)]
pub struct ListStage {
    pub csv: PathBuf,
    pub generated: Generated,
    pub dns: Dnsmasq,
    /// The API and the workers.
    pub pipe: Services,
    /// A maintenance-role pool on the bench database.
    pub maint: sqlx::PgPool,
    /// How often to poll, and when to give up (`--poll-ms`, `--timeout-s`).
    pub poll: Duration,
    pub timeout: Duration,
}

impl ListStage {
    /// Writes the CSV and zone of `args` into `dir`, starts dnsmasq on the zone, then the API
    /// and `args.workers` workers serving `queues`.
    pub async fn start(
        args: &ListArgs,
        queues: &str,
        db: &BenchDb,
        redis: &RedisServer,
        dir: &Path,
    ) -> anyhow::Result<ListStage> {
        let csv = dir.join("list.csv");
        let zone = dir.join("zone.conf");
        let started = Instant::now();
        let generator = Generator::new(args.seed, args.domains, args.zipf);
        generator.write_zone(&zone)?;
        let generated = generator.write_csv(args.rows, &csv)?;
        log(format!(
            "generated {} ({} bytes) and {} in {:.1}s",
            csv.display(),
            generated.bytes,
            zone.display(),
            started.elapsed().as_secs_f64()
        ));
        let dns = dnsmasq::start(&zone, dir)?;
        log(format!(
            "dnsmasq on {} (query log {})",
            dns.addr,
            dns.log().display()
        ));
        let upload_limit = (generated.bytes * 2).max(100 << 20);
        let dns_addr = dns.addr.to_string();
        let pipe = pipeline::start(args, queues, db, redis, &dns_addr, upload_limit).await?;
        Ok(ListStage {
            csv,
            generated,
            dns,
            pipe,
            maint: db.maint_pool(2).await?,
            poll: Duration::from_millis(args.poll_ms),
            timeout: Duration::from_secs(args.run.timeout_s),
        })
    }
}
