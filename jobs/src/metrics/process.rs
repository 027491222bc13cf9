//! The standard process figures (CPU seconds, memory, file descriptors, threads, start
//! time), read from /proc at each scrape by `metrics-process` and written here as floats
//! (its own recorder path would round CPU seconds down to whole seconds).

use metrics_process::collector::Metrics;

use super::names::PROCESS;
use super::text::Text;

/// This process's figures now.
pub fn write_now(text: &mut Text) {
    write(text, &metrics_process::collector::collect());
}

/// Writes the figures `m` has (a platform may lack some).
pub fn write(text: &mut Text, m: &Metrics) {
    let values = [
        m.cpu_seconds_total,
        m.resident_memory_bytes.map(|v| v as f64),
        m.virtual_memory_bytes.map(|v| v as f64),
        m.open_fds.map(|v| v as f64),
        m.max_fds.map(|v| v as f64),
        m.threads.map(|v| v as f64),
        m.start_time_seconds.map(|v| v as f64),
    ];
    for (family, value) in PROCESS.into_iter().zip(values) {
        if let Some(value) = value {
            text.single(family, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_seconds_keep_their_fraction_and_missing_figures_are_left_out() {
        let mut text = Text::default();
        write(
            &mut text,
            &Metrics {
                cpu_seconds_total: Some(1.25),
                open_fds: Some(12),
                ..Metrics::default()
            },
        );
        let body = text.finish();
        assert!(
            body.contains("\nprocess_cpu_seconds_total 1.25\n"),
            "{body}"
        );
        assert!(body.contains("# TYPE process_cpu_seconds_total counter\n"));
        assert!(body.contains("\nprocess_open_fds 12\n"));
        assert!(!body.contains("process_threads"));
    }

    #[test]
    fn this_process_has_its_figures() {
        let mut text = Text::default();
        write_now(&mut text);
        let body = text.finish();
        for name in [
            "process_cpu_seconds_total",
            "process_resident_memory_bytes",
            "process_open_fds",
            "process_start_time_seconds",
        ] {
            assert!(
                body.contains(&format!("\n{name} ")),
                "{name} missing: {body}"
            );
        }
    }
}
