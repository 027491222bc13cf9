//! What every bench's report shares: rounding, rates, the machine's load and a table of
//! phases.

use crate::db::TableCopy;

/// `x` rounded to 3 decimals (ratios and seconds in the JSON summaries).
pub fn r3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// The load averages over 1, 5 and 15 minutes (`/proc/loadavg`), as `uptime` shows them.
pub fn load_averages() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// The 1-minute load average (the machine's load, reported with the figures).
pub fn load_average() -> f64 {
    load_averages()
        .split_whitespace()
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(f64::NAN)
}

/// `n` per second over `seconds`, rounded to 1 decimal.
pub fn rate(n: f64, seconds: f64) -> f64 {
    (n / seconds.max(1e-9) * 10.0).round() / 10.0
}

/// One row of a bench's table of phases: what, its seconds, the raw baseline's seconds where
/// it is compared to one, and a note. It exists so each bench states a row as one call
/// ([`phase`], then [`PhaseRow::vs_raw`] where compared) instead of a four-field tuple.
#[derive(Debug)]
pub struct PhaseRow<'a> {
    what: &'a str,
    seconds: f64,
    raw: Option<f64>,
    note: String,
}

/// A phase that took `seconds`, with its `note`.
pub fn phase(what: &str, seconds: f64, note: impl Into<String>) -> PhaseRow<'_> {
    PhaseRow {
        what,
        seconds,
        raw: None,
        note: note.into(),
    }
}

/// A phase that copied one table's rows with `COPY` (a raw baseline's part): its seconds, and
/// its rows as the note.
pub fn copy_phase<'a>(what: &'a str, copy: &TableCopy) -> PhaseRow<'a> {
    phase(what, copy.seconds, format!("{} rows", copy.rows))
}

impl PhaseRow<'_> {
    /// This phase compared to a raw baseline that took `raw` seconds.
    pub fn vs_raw(self, raw: f64) -> Self {
        PhaseRow {
            raw: Some(raw),
            ..self
        }
    }
}

/// Prints `rows` as a table: each phase's seconds, and where any row has a raw baseline, the
/// baseline's seconds and the ratio; then the note.
pub fn print_phases(rows: &[PhaseRow<'_>]) {
    let width = rows
        .iter()
        .map(|r| r.what.chars().count())
        .max()
        .unwrap_or(5);
    let compared = rows.iter().any(|r| r.raw.is_some());
    let raw_columns = |raw: &str, ratio: &str| {
        if compared {
            format!(" {raw:>9} {ratio:>7}")
        } else {
            String::new()
        }
    };
    let head = raw_columns("raw s", "ratio");
    println!("{:<width$} {:>9}{head}  note", "phase", "seconds");
    for PhaseRow {
        what,
        seconds,
        raw,
        note,
    } in rows
    {
        let (raw_s, ratio) = match raw {
            Some(b) => (format!("{b:.2}"), format!("{:.3}", seconds / b.max(1e-9))),
            None => (String::new(), String::new()),
        };
        let columns = raw_columns(&raw_s, &ratio);
        println!("{what:<width$} {seconds:>9.2}{columns}  {note}");
    }
}
