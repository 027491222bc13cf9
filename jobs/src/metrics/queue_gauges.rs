//! The queue gauges of a scrape, written from the figures the API just read
//! ([`crate::queue::stats`]). When that read failed, only `reachly_queue_stats_up 0` is
//! written: a stale depth is worse than none.

use super::names::{KIND, QUEUE_DEPTH, QUEUE_OLDEST_AGE, QUEUE_STATS_UP, STATUS};
use super::text::Text;
use crate::queue::stats::QueueFigures;

/// Writes the gauges of `figures` (`None`: they could not be read).
pub fn write(text: &mut Text, figures: Option<&[QueueFigures]>) {
    let Some(figures) = figures else {
        text.single(QUEUE_STATS_UP, 0.0);
        return;
    };
    text.family(QUEUE_DEPTH);
    for f in figures {
        let groups = [
            ("queued", f.queued),
            ("retryable", f.retryable),
            ("in_transport", f.in_transport),
            ("running", f.running),
        ];
        for (status, count) in groups {
            text.sample(
                QUEUE_DEPTH,
                &[(KIND, &f.kind), (STATUS, status)],
                count as f64,
            );
        }
    }
    text.family(QUEUE_OLDEST_AGE);
    for f in figures {
        text.sample(QUEUE_OLDEST_AGE, &[(KIND, &f.kind)], f.oldest_age_seconds);
    }
    text.single(QUEUE_STATS_UP, 1.0);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queue::stats::DEPTH_CAP;

    #[test]
    fn every_kind_has_every_status_and_an_age() {
        let figures = vec![QueueFigures {
            kind: "noop".into(),
            queued: 2,
            retryable: 1,
            in_transport: 0,
            running: 3,
            oldest_age_seconds: 1.5,
        }];
        let mut text = Text::default();
        write(&mut text, Some(&figures));
        let body = text.finish();
        for line in [
            r#"reachly_queue_depth{kind="noop",status="queued"} 2"#,
            r#"reachly_queue_depth{kind="noop",status="retryable"} 1"#,
            r#"reachly_queue_depth{kind="noop",status="in_transport"} 0"#,
            r#"reachly_queue_depth{kind="noop",status="running"} 3"#,
            r#"reachly_queue_oldest_age_seconds{kind="noop"} 1.5"#,
            "reachly_queue_stats_up 1",
        ] {
            assert!(body.lines().any(|l| l == line), "{line} missing:\n{body}");
        }
    }

    #[test]
    fn a_failed_read_leaves_only_the_up_gauge_at_zero() {
        let mut text = Text::default();
        write(&mut text, None);
        let body = text.finish();
        assert!(body.ends_with("\nreachly_queue_stats_up 0\n"), "{body}");
        assert!(!body.contains("reachly_queue_depth"));
    }

    #[test]
    fn the_help_states_the_cap_in_force() {
        assert!(QUEUE_DEPTH.help.contains(&format!(" {DEPTH_CAP} ")));
    }
}
