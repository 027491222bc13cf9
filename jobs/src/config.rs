//! Configuration from the environment (12-factor), with defaults matching `.env.example`.

use std::net::SocketAddr;
use std::time::Duration;

use crate::import::CsvLimits;
use crate::kinds::gdpr_export::ExportTtl;
use crate::kinds::ip_anonymization::IpRetention;
use crate::privacy::SuppressionKey;

/// Everything the binaries read from the environment, parsed once at start-up.
#[derive(Debug, Clone)]
pub struct Config {
    /// Owner role: runs migrations and owns the schema.
    pub database_url: String,
    /// Application role: subject to row-level security, used for all tenant work.
    pub app_database_url: String,
    /// Maintenance role (BYPASSRLS): the feeder, reaper and admin commands only.
    pub maint_database_url: String,
    pub redis_url: String,
    pub jwt_secret: String,
    /// The longest a bearer token may live: one whose `exp` lies further ahead is refused
    /// (`REACHLY_TOKEN_MAX_LIFETIME_SECS`, default 30 days).
    pub token_max_lifetime: Duration,
    pub api_addr: SocketAddr,
    /// Where a worker serves `GET /metrics` (`REACHLY_WORKER_METRICS_ADDR`, ip:port, e.g.
    /// `0.0.0.0:9100`); no metrics endpoint (and no recording) when unset or empty.
    pub worker_metrics_addr: Option<SocketAddr>,
    /// Nameservers for the validation job (ip:port).
    pub dns_servers: Vec<SocketAddr>,
    /// Largest contact-list upload accepted, in bytes (`REACHLY_UPLOAD_LIMIT_BYTES`).
    pub upload_limit: u64,
    /// Bounds on an uploaded CSV's width (`REACHLY_CSV_MAX_COLUMNS`,
    /// `REACHLY_CSV_MAX_FIELD_BYTES`).
    pub csv: CsvLimits,
    /// Whether addresses at `.test` domains are valid (`REACHLY_ALLOW_TEST_DOMAINS=1`): only
    /// for tests and the demo, whose DNS fixtures live there. Off by default.
    pub allow_test_domains: bool,
    /// How long IP addresses are kept whole (`REACHLY_IP_RETENTION_DAYS`, default 90).
    pub ip_retention: IpRetention,
    /// How long a GDPR export stays downloadable (`REACHLY_GDPR_EXPORT_TTL_HOURS`, default
    /// 168).
    pub gdpr_export_ttl: ExportTtl,
    /// The secret keying the suppression list (`REACHLY_SUPPRESSION_KEY`, at least 32 bytes).
    pub suppression_key: SuppressionKey,
    /// Whether the API believes `X-Forwarded-For` (`REACHLY_TRUST_FORWARDED_FOR=1`): only
    /// behind a proxy that appends the client's address to it. Off by default, so a client
    /// cannot choose the address its audit rows record.
    pub trust_forwarded_for: bool,
    pub queue: QueueSettings,
}

/// Knobs of the job plumbing; defaults suit a small machine.
#[derive(Debug, Clone)]
pub struct QueueSettings {
    /// Most jobs of one queue held in Redis at once (apalis-redis 1.0.0 breaks near 8,000).
    pub backlog_window: i64,
    /// Longest the feeder sleeps when nothing wakes it.
    pub feeder_poll: Duration,
    /// How often a worker process stamps the heartbeat of its running jobs.
    pub heartbeat_every: Duration,
    /// A running job whose heartbeat is older than this lost its worker.
    pub stale_after: Duration,
    /// How long a job may sit in Redis before the feeder checks it is still there.
    pub transport_check_after: Duration,
    /// How often apalis-redis' finished-task data is vacuumed.
    pub retention_every: Duration,
    /// How often idle apalis workers poll Redis for new tasks.
    pub poll_interval: Duration,
    /// Grace period for running jobs on SIGTERM.
    pub shutdown_grace: Duration,
}

impl Default for QueueSettings {
    fn default() -> Self {
        Self {
            backlog_window: 2_000,
            feeder_poll: Duration::from_millis(250),
            heartbeat_every: Duration::from_secs(2),
            stale_after: Duration::from_secs(10),
            transport_check_after: Duration::from_secs(5),
            retention_every: Duration::from_secs(10),
            poll_interval: Duration::from_millis(25),
            shutdown_grace: Duration::from_secs(20),
        }
    }
}

/// A configuration value that is present but unusable.
#[derive(Debug, thiserror::Error)]
#[error("invalid {name}: {reason}")]
pub struct ConfigError {
    name: &'static str,
    reason: String,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup`, so tests can supply their own values.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str, default: &str| lookup(name).unwrap_or_else(|| default.to_owned());
        let api_addr = get("REACHLY_API_ADDR", "127.0.0.1:8080");
        let api_addr = api_addr.parse().map_err(|e| ConfigError {
            name: "REACHLY_API_ADDR",
            reason: format!("{api_addr:?}: {e}"),
        })?;
        let worker_metrics_addr = parse_var(
            &|name: &str| lookup(name).filter(|v| !v.trim().is_empty()),
            "REACHLY_WORKER_METRICS_ADDR",
        )?;
        let dns_servers = parse_socket_list(&get("REACHLY_DNS_SERVERS", "127.0.0.1:5353"))
            .map_err(|reason| ConfigError {
                name: "REACHLY_DNS_SERVERS",
                reason,
            })?;
        let mut queue = QueueSettings::default();
        if let Some(window) = parse_var(&lookup, "REACHLY_BACKLOG_WINDOW")? {
            queue.backlog_window = window;
        }
        if let Some(secs) = parse_var(&lookup, "REACHLY_SHUTDOWN_GRACE_SECS")? {
            queue.shutdown_grace = Duration::from_secs(secs);
        }
        if let Some(secs) = parse_var(&lookup, "REACHLY_STALE_AFTER_SECS")? {
            queue.stale_after = Duration::from_secs(secs);
        }
        let mut csv = CsvLimits::default();
        if let Some(columns) = parse_var(&lookup, "REACHLY_CSV_MAX_COLUMNS")? {
            csv.max_columns = columns;
        }
        if let Some(bytes) = parse_var(&lookup, "REACHLY_CSV_MAX_FIELD_BYTES")? {
            csv.max_field_bytes = bytes;
        }
        let ip_retention = checked(&lookup, "REACHLY_IP_RETENTION_DAYS", IpRetention::days)?;
        let gdpr_export_ttl = checked(&lookup, "REACHLY_GDPR_EXPORT_TTL_HOURS", ExportTtl::hours)?;
        let suppression_key = match lookup("REACHLY_SUPPRESSION_KEY") {
            Some(secret) => SuppressionKey::new(&secret).map_err(|reason| ConfigError {
                name: "REACHLY_SUPPRESSION_KEY",
                reason,
            })?,
            None => SuppressionKey::default(),
        };
        Ok(Self {
            database_url: get(
                "DATABASE_URL",
                "postgres://reachly_owner:reachly_owner@127.0.0.1:5432/reachly",
            ),
            app_database_url: get(
                "APP_DATABASE_URL",
                "postgres://reachly_app:reachly_app@127.0.0.1:5432/reachly",
            ),
            maint_database_url: get(
                "MAINT_DATABASE_URL",
                "postgres://reachly_maint:reachly_maint@127.0.0.1:5432/reachly",
            ),
            redis_url: get("REDIS_URL", "redis://127.0.0.1:6379/0"),
            jwt_secret: get("REACHLY_JWT_SECRET", "dev-only-change-me-0123456789abcdef"),
            token_max_lifetime: Duration::from_secs(
                parse_var(&lookup, "REACHLY_TOKEN_MAX_LIFETIME_SECS")?.unwrap_or(30 * 24 * 3600),
            ),
            api_addr,
            worker_metrics_addr,
            dns_servers,
            upload_limit: parse_var(&lookup, "REACHLY_UPLOAD_LIMIT_BYTES")?
                .unwrap_or(100 * 1024 * 1024),
            csv,
            allow_test_domains: lookup("REACHLY_ALLOW_TEST_DOMAINS").is_some_and(|v| flag(&v)),
            ip_retention,
            gdpr_export_ttl,
            suppression_key,
            trust_forwarded_for: lookup("REACHLY_TRUST_FORWARDED_FOR").is_some_and(|v| flag(&v)),
            queue,
        })
    }
}

/// Whether a flag variable's value turns it on (`1` or `true`).
pub fn flag(value: &str) -> bool {
    value == "1" || value.eq_ignore_ascii_case("true")
}

/// Parses an optional variable, naming it in the error.
fn parse_var<T>(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
) -> Result<Option<T>, ConfigError>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    lookup(name)
        .map(|raw| {
            raw.parse().map_err(|e| ConfigError {
                name,
                reason: format!("{raw:?}: {e}"),
            })
        })
        .transpose()
}

/// `name` parsed as a number and checked by `make` (its error names the variable); the
/// type's default when unset.
fn checked<T: Default>(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    make: impl Fn(u32) -> Result<T, String>,
) -> Result<T, ConfigError> {
    match parse_var::<u32>(lookup, name)? {
        Some(value) => make(value).map_err(|reason| ConfigError { name, reason }),
        None => Ok(T::default()),
    }
}

/// `value` if it lies in `range`, else why not (in `unit`s).
pub fn within(value: u32, range: std::ops::RangeInclusive<u32>, unit: &str) -> Result<u32, String> {
    if range.contains(&value) {
        Ok(value)
    } else {
        let (low, high) = (range.start(), range.end());
        Err(format!(
            "must be between {low} and {high} {unit} (got {value})"
        ))
    }
}

fn parse_socket_list(raw: &str) -> Result<Vec<SocketAddr>, String> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().map_err(|e| format!("{s:?}: {e}")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_apply_when_the_environment_is_empty() {
        let config = Config::from_lookup(|_| None).unwrap();
        assert_eq!(config.api_addr.to_string(), "127.0.0.1:8080");
        assert_eq!(config.dns_servers.len(), 1);
        assert!(config.app_database_url.contains("reachly_app"));
        assert_eq!(config.csv, CsvLimits::default());
    }

    #[test]
    fn csv_limits_come_from_the_environment() {
        let config = Config::from_lookup(|k| match k {
            "REACHLY_CSV_MAX_COLUMNS" => Some("12".into()),
            "REACHLY_CSV_MAX_FIELD_BYTES" => Some("100".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(config.csv.max_columns, 12);
        assert_eq!(config.csv.max_field_bytes, 100);
    }

    #[test]
    fn a_bad_address_names_the_variable() {
        let err =
            Config::from_lookup(|k| (k == "REACHLY_API_ADDR").then(|| "nope".into())).unwrap_err();
        assert!(err.to_string().contains("REACHLY_API_ADDR"));
    }

    #[test]
    fn the_worker_metrics_address_is_optional_and_a_bad_one_names_the_variable() {
        let off = Config::from_lookup(|_| None).unwrap();
        assert_eq!(off.worker_metrics_addr, None);
        let var = "REACHLY_WORKER_METRICS_ADDR";
        let empty = Config::from_lookup(|k| (k == var).then(|| "".into())).unwrap();
        assert_eq!(empty.worker_metrics_addr, None);
        let on = Config::from_lookup(|k| (k == var).then(|| "0.0.0.0:9100".into())).unwrap();
        assert_eq!(
            on.worker_metrics_addr,
            Some("0.0.0.0:9100".parse().unwrap())
        );
        let err = Config::from_lookup(|k| (k == var).then(|| "9100".into())).unwrap_err();
        assert!(err.to_string().contains(var), "{err}");
    }

    #[test]
    fn dns_servers_parse_as_a_list() {
        let list = parse_socket_list("127.0.0.1:53, [::1]:5353").unwrap();
        assert_eq!(list.len(), 2);
        assert!(parse_socket_list("127.0.0.1").is_err());
    }
}
