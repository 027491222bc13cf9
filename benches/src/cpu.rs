//! A light profile: CPU seconds each party used during a measurement, from /proc (Linux).
//! Postgres is every process named `postgres` on the machine (other sessions included).

use std::collections::BTreeMap;

/// Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux).
const TICKS: f64 = 100.0;

/// utime + stime of a process, in ticks, with its command name.
fn stat(pid: &str) -> Option<(String, u64)> {
    let raw = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (head, rest) = raw.rsplit_once(')')?;
    let comm = head.split_once('(')?.1.to_owned();
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After "pid (comm)": state is field 0, utime field 11, stime field 12.
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some((comm, ticks))
}

/// Busy and total ticks of the whole machine (all cores).
fn machine() -> (u64, u64) {
    let raw = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let Some(cpu) = raw.lines().find(|l| l.starts_with("cpu ")) else {
        return (0, 0);
    };
    let v: Vec<u64> = cpu
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    let total: u64 = v.iter().take(8).sum();
    let idle = v.get(3).copied().unwrap_or(0) + v.get(4).copied().unwrap_or(0);
    (total - idle, total)
}

/// Ticks so far of the named processes, of all `postgres` processes, and of the machine.
#[derive(Debug, Clone)]
pub struct Snapshot {
    named: BTreeMap<String, u64>,
    postgres: BTreeMap<String, u64>,
    busy: u64,
    total: u64,
}

impl Snapshot {
    pub fn take(named: &[(&str, u32)]) -> Snapshot {
        let named = named
            .iter()
            .map(|(label, pid)| {
                let ticks = stat(&pid.to_string()).map_or(0, |(_, t)| t);
                ((*label).to_owned(), ticks)
            })
            .collect();
        let postgres = std::fs::read_dir("/proc")
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|pid| pid.bytes().all(|b| b.is_ascii_digit()))
            .filter_map(|pid| match stat(&pid)? {
                (comm, ticks) if comm == "postgres" => Some((pid, ticks)),
                _ => None,
            })
            .collect();
        let (busy, total) = machine();
        Snapshot {
            named,
            postgres,
            busy,
            total,
        }
    }

    /// CPU seconds used since `earlier`, per party, plus `machine_busy_pct` (all cores).
    pub fn since(&self, earlier: &Snapshot) -> BTreeMap<String, f64> {
        let secs = |t: u64| (t as f64 / TICKS * 10.0).round() / 10.0;
        let mut out: BTreeMap<String, f64> = self
            .named
            .iter()
            .map(|(k, v)| {
                let before = earlier.named.get(k).copied().unwrap_or(0);
                (k.clone(), secs(v.saturating_sub(before)))
            })
            .collect();
        // Backends that started during the window count from zero.
        let pg: u64 = self
            .postgres
            .iter()
            .map(|(pid, v)| v.saturating_sub(earlier.postgres.get(pid).copied().unwrap_or(0)))
            .sum();
        out.insert("postgres".into(), secs(pg));
        let total = self.total.saturating_sub(earlier.total).max(1);
        let busy = self.busy.saturating_sub(earlier.busy);
        out.insert(
            "machine_busy_pct".into(),
            (busy as f64 * 1000.0 / total as f64).round() / 10.0,
        );
        out
    }
}
