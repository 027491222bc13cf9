//! A light profile: CPU seconds each party used during a measurement, from /proc (Linux).
//! `pg:<label>` are the backends serving the bench database, grouped (by role, say); the WAL
//! writer and checkpointer, shared with the rest of the machine, are not counted. `others` is
//! the rest of the machine's busy time (other sessions' builds and tests on a shared box).

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

/// Ticks so far of the named processes, of the given Postgres backends, and of the machine.
#[derive(Debug, Clone)]
pub struct Snapshot {
    named: BTreeMap<String, u64>,
    /// pid -> (group label, ticks)
    postgres: BTreeMap<u32, (String, u64)>,
    busy: u64,
    total: u64,
}

impl Snapshot {
    /// CPU ticks so far of each `(label, pid)` in `named` and `postgres`, and of the machine.
    pub fn take<L: AsRef<str>>(named: &[(L, u32)], postgres: &[(String, u32)]) -> Snapshot {
        let named = named
            .iter()
            .map(|(label, pid)| {
                let ticks = stat(&pid.to_string()).map_or(0, |(_, t)| t);
                (label.as_ref().to_owned(), ticks)
            })
            .collect();
        let postgres = postgres
            .iter()
            .filter_map(|(label, pid)| Some((*pid, (label.clone(), stat(&pid.to_string())?.1))))
            .collect();
        let (busy, total) = machine();
        Snapshot {
            named,
            postgres,
            busy,
            total,
        }
    }

    /// CPU seconds used since `earlier`, per party, `others` (the rest of the machine's busy
    /// time) and `machine_busy_pct` (all cores). A backend that started during the window
    /// counts from zero; one that ended during it is missed.
    pub fn since(&self, earlier: &Snapshot) -> BTreeMap<String, f64> {
        let secs = |t: u64| (t as f64 / TICKS * 10.0).round() / 10.0;
        let delta = |now: &BTreeMap<String, u64>, before: &BTreeMap<String, u64>| {
            now.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.saturating_sub(before.get(k).copied().unwrap_or(0)),
                    )
                })
                .collect::<BTreeMap<String, u64>>()
        };
        let mut named = delta(&self.named, &earlier.named);
        for (pid, (label, ticks)) in &self.postgres {
            let before = earlier.postgres.get(pid).map_or(0, |(_, t)| *t);
            *named.entry(format!("pg:{label}")).or_default() += ticks.saturating_sub(before);
        }
        let busy = self.busy.saturating_sub(earlier.busy);
        let total = self.total.saturating_sub(earlier.total).max(1);
        let ours = named.values().sum::<u64>();
        let mut out: BTreeMap<String, f64> = named.into_iter().map(|(k, v)| (k, secs(v))).collect();
        out.insert("others".into(), secs(busy.saturating_sub(ours)));
        out.insert(
            "machine_busy_pct".into(),
            (busy as f64 * 1000.0 / total as f64).round() / 10.0,
        );
        out
    }
}
