//! The Prometheus text format (0.0.4) for the families computed per scrape (process figures,
//! queue gauges): written from a snapshot, so no stale value survives a failed read.

use std::fmt::Write;

use super::names::Family;

/// The body of a scrape in the making.
#[derive(Debug, Default)]
pub struct Text {
    out: String,
}

impl Text {
    /// Starts `family`: its `# HELP` and `# TYPE` lines.
    pub fn family(&mut self, family: Family) -> &mut Self {
        let _ = writeln!(
            self.out,
            "# HELP {} {}",
            family.name,
            escape_help(family.help)
        );
        let _ = writeln!(self.out, "# TYPE {} {}", family.name, family.kind.as_str());
        self
    }

    /// One sample of `family` with `labels`.
    pub fn sample(&mut self, family: Family, labels: &[(&str, &str)], value: f64) -> &mut Self {
        self.out.push_str(family.name);
        if !labels.is_empty() {
            self.out.push('{');
            for (i, (name, value)) in labels.iter().enumerate() {
                if i > 0 {
                    self.out.push(',');
                }
                let _ = write!(self.out, "{name}=\"{}\"", escape_label(value));
            }
            self.out.push('}');
        }
        let _ = writeln!(self.out, " {}", number(value));
        self
    }

    /// A family with a single unlabelled sample.
    pub fn single(&mut self, family: Family, value: f64) -> &mut Self {
        self.family(family).sample(family, &[], value)
    }

    pub fn finish(self) -> String {
        self.out
    }
}

/// A value as the format writes it (`+Inf`, `-Inf`, `NaN`; integers without a fraction).
fn number(value: f64) -> String {
    if value.is_nan() {
        "NaN".into()
    } else if value.is_infinite() {
        if value > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        value.to_string()
    }
}

/// A label value: backslash, double quote and line feed escaped.
fn escape_label(value: &str) -> String {
    value
        .replace('\\', r"\\")
        .replace('"', "\\\"")
        .replace('\n', r"\n")
}

/// A help text: backslash and line feed escaped.
fn escape_help(help: &str) -> String {
    help.replace('\\', r"\\").replace('\n', r"\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::names::{QUEUE_DEPTH, QUEUE_STATS_UP};

    #[test]
    fn families_and_samples_in_the_text_format() {
        let mut text = Text::default();
        text.family(QUEUE_DEPTH)
            .sample(QUEUE_DEPTH, &[("kind", "noop"), ("status", "queued")], 3.0)
            .sample(QUEUE_DEPTH, &[("kind", "a\"b\\c\nd")], 0.5);
        text.single(QUEUE_STATS_UP, f64::INFINITY);
        let body = text.finish();
        let lines: Vec<&str> = body.lines().collect();
        assert!(lines[0].starts_with("# HELP reachly_queue_depth Unfinished jobs"));
        assert_eq!(lines[1], "# TYPE reachly_queue_depth gauge");
        assert_eq!(
            lines[2],
            r#"reachly_queue_depth{kind="noop",status="queued"} 3"#
        );
        assert_eq!(lines[3], r#"reachly_queue_depth{kind="a\"b\\c\nd"} 0.5"#);
        assert_eq!(lines[6], "reachly_queue_stats_up +Inf");
    }
}
