//! The simulator's knobs ([`SimulationConfig`]), the partial form a launch passes
//! ([`SimulationOverrides`]) and their checks.
//!
//! Both structs come from one field list (the `sim_config!` table below), so a knob is
//! declared once: its type, default, range and documentation.
//!
//! Rates are fractions in `[0, 1]`; durations are seconds (`f64`); a delay "median, sigma"
//! pair is a log-normal (the median in seconds, sigma of the log). Rate defaults are
//! Mailchimp's 2019 email marketing benchmarks averaged across industries; the timing
//! defaults are explained where they are declared.

use serde::{Deserialize, Serialize};

/// Why a configuration (or a configuration with overrides applied) is refused. Every
/// variant names the offending field as it is spelled in JSON.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    /// One field on its own is outside its range.
    #[error("simulation config: `{field}` = {value} is out of range: expected {expected}")]
    OutOfRange {
        field: &'static str,
        value: String,
        expected: &'static str,
    },
    /// A field is in range but contradicts another one (a click rate above the open rate).
    #[error("simulation config: `{field}` {message}")]
    Inconsistent {
        field: &'static str,
        message: String,
    },
}

/// The range a field must lie in, checked by [`SimulationConfig::validate`], and the grid
/// [`SimulationConfig::with_overrides`] rounds it to.
///
/// The grid is what makes the stored JSON read back bit-identical: serde_json (without its
/// `float_roundtrip` feature) parses a number exactly only when its decimal significand
/// fits 53 bits and its exponent is at most 22, so an arbitrary `f64` (0.1 + 0.2) can come
/// back one ulp off. A value on a decimal grid (`k / 10⁹`, `k / 10³`) within the bounds
/// below prints as such a short decimal and parses back to itself.
#[derive(Debug, Clone, Copy)]
enum Range {
    /// A probability: `0 ≤ x ≤ 1`, to 10⁻⁹.
    Rate,
    /// A duration in seconds: 1 ms to 365 days, to the millisecond.
    Seconds,
    /// The sigma of a log-normal: 0.001 to 10, to 10⁻⁹.
    Sigma,
    /// A multiplier: 0 to 1000, to 10⁻⁹.
    Factor,
    /// A small count: `0 ≤ n ≤ 50`.
    Count,
}

impl Range {
    /// (lowest, highest, grid steps per unit) of an `f64` range.
    const fn bounds(self) -> (f64, f64, f64) {
        match self {
            Range::Rate => (0.0, 1.0, 1e9),
            Range::Seconds => (0.001, 31_536_000.0, 1e3),
            Range::Sigma => (0.001, 10.0, 1e9),
            Range::Factor => (0.0, 1_000.0, 1e9),
            Range::Count => (0.0, 50.0, 1.0),
        }
    }

    fn expected(self) -> &'static str {
        match self {
            Range::Rate => "a rate between 0 and 1",
            Range::Seconds => "a number of seconds between 0.001 and 31536000 (365 days)",
            Range::Sigma => "a spread between 0.001 and 10",
            Range::Factor => "a multiplier between 0 and 1000",
            Range::Count => "a whole number between 0 and 50",
        }
    }

    fn check<T: Knob>(self, field: &'static str, value: T) -> Result<(), ConfigError> {
        if value.in_range(self) {
            Ok(())
        } else {
            Err(ConfigError::OutOfRange {
                field,
                value: value.to_string(),
                expected: self.expected(),
            })
        }
    }
}

/// A field value a [`Range`] applies to (the config has `f64` and `u32` fields).
trait Knob: Copy + std::fmt::Display {
    fn in_range(self, range: Range) -> bool;
    /// The value on the range's grid.
    fn on_grid(self, range: Range) -> Self;
}

impl Knob for f64 {
    fn in_range(self, range: Range) -> bool {
        let (low, high, _) = range.bounds();
        (low..=high).contains(&self)
    }

    fn on_grid(self, range: Range) -> f64 {
        let (_, _, steps) = range.bounds();
        // An integer divided by an exact power of ten: the double nearest `k · 10⁻ⁿ`.
        (self * steps).round() / steps
    }
}

impl Knob for u32 {
    fn in_range(self, range: Range) -> bool {
        let (low, high, _) = range.bounds();
        (low..=high).contains(&f64::from(self))
    }

    fn on_grid(self, _: Range) -> u32 {
        self
    }
}

/// Declares the config, its overrides, its default and the per-field range checks from one
/// table: `/// doc  name: type = default, range;`.
macro_rules! sim_config {
    ($( $(#[$doc:meta])* $field:ident : $ty:ty = $default:expr, $range:expr; )*) => {
        /// Knobs of the simulator; stored as JSON per campaign
        /// (`email_send_simulations.config`) so a send can be replayed exactly, hence the
        /// exact serde round trip. A missing field takes its default (`{}` is the default
        /// config); an unknown one is refused.
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        #[serde(default, deny_unknown_fields)]
        pub struct SimulationConfig {
            $( $(#[$doc])* pub $field: $ty, )*
        }

        impl SimulationConfig {
            /// Every knob's name, Rust type (`f64`, `u32`) and range (lowest, highest), in
            /// declaration order: what a launch's `simulation` may override (the API documents
            /// it from this list).
            pub const KNOBS: &'static [(&'static str, &'static str, f64, f64)] = &[$(
                (stringify!($field), stringify!($ty), $range.bounds().0, $range.bounds().1),
            )*];
        }

        impl Default for SimulationConfig {
            fn default() -> Self {
                Self { $( $field: $default, )* }
            }
        }

        /// The partial config a campaign launch may pass: every knob optional, unknown ones
        /// refused, applied with [`SimulationConfig::with_overrides`].
        #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct SimulationOverrides {
            $(
                $(#[$doc])*
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $field: Option<$ty>,
            )*
        }

        impl SimulationConfig {
            fn merged(&self, o: &SimulationOverrides) -> SimulationConfig {
                SimulationConfig { $( $field: o.$field.unwrap_or(self.$field), )* }
            }

            fn check_ranges(&self) -> Result<(), ConfigError> {
                $( $range.check(stringify!($field), self.$field)?; )*
                Ok(())
            }

            /// This config with every value rounded to its range's grid.
            pub fn on_grid(&self) -> SimulationConfig {
                SimulationConfig { $( $field: self.$field.on_grid($range), )* }
            }
        }
    };
}

sim_config! {
    // --- Sending -------------------------------------------------------------------------
    /// `sent` events are spread uniformly over this window after the launch (1 h).
    send_window_secs: f64 = 3_600.0, Range::Seconds;
    /// Shortest time from `sent` to `delivered` (or to a bounce).
    delivery_delay_min_secs: f64 = 1.0, Range::Seconds;
    /// Longest time from `sent` to `delivered` (or to a bounce). Drawn between the two,
    /// skewed to the short end (most replies within seconds, median 4.6 s).
    delivery_delay_max_secs: f64 = 30.0, Range::Seconds;

    // --- Bounces (fractions of sent) -------------------------------------------------------
    /// Hard bounces per sent email (0.40 %).
    hard_bounce_rate: f64 = 0.0040, Range::Rate;
    /// Soft bounces per sent email (0.61 %).
    soft_bounce_rate: f64 = 0.0061, Range::Rate;
    /// A risky recipient's hard-bounce rate is this many times the base rate.
    risky_hard_bounce_multiplier: f64 = 4.0, Range::Factor;
    /// A risky recipient's soft-bounce rate is this many times the base rate.
    risky_soft_bounce_multiplier: f64 = 2.0, Range::Factor;

    // --- Opens (fractions of delivered) ----------------------------------------------------
    /// Unique human openers per delivered email (22.71 %); machine opens are apart.
    open_rate: f64 = 0.2271, Range::Rate;
    /// Median delay from delivery to the first human open: 4.1 h. Fit of a log-normal to
    /// published "opens by time since send" curves (≈25 % within 1 h, 50–60 % within 6 h,
    /// ≈80 % within 24 h, ≈95 % within 7 days): the 1 h and 24 h points give
    /// z(0.25) = −0.674 and z(0.80) = 0.842, so σ = ln(24 h / 1 h) / (0.842 + 0.674) = 2.10
    /// and ln(median / 1 h) = 0.674 · 2.10, median = 4.1 h. The other two points then come
    /// out at 57 % (6 h) and 96 % (7 d) before the cap (97 % after it).
    open_delay_median_secs: f64 = 14_760.0, Range::Seconds;
    /// Sigma of the first-open log-normal (2.1, see above).
    open_delay_sigma: f64 = 2.1, Range::Sigma;
    /// Cap of every log-normal delay: 30 days. Draws beyond it are redrawn (the
    /// distribution is truncated, not piled up at the cap): the 0.7 % of first opens the
    /// fit puts later would fall outside any report window and, with a 1-year sigma tail,
    /// outside the events partitions created ahead.
    max_delay_secs: f64 = 2_592_000.0, Range::Seconds;
    /// Share of human openers who open again at least once (30 %); each further reopen
    /// happens with the same probability, up to `max_reopens`.
    reopen_rate: f64 = 0.30, Range::Rate;
    /// Most reopens of one recipient.
    max_reopens: u32 = 4, Range::Count;
    /// Median delay between two opens of a recipient (12 h: hours to days later).
    reopen_delay_median_secs: f64 = 43_200.0, Range::Seconds;
    /// Sigma of the reopen delay (1.2: 5 %–95 % between ≈1.7 h and ≈3.5 days).
    reopen_delay_sigma: f64 = 1.2, Range::Sigma;
    /// Share of delivered recipients whose Apple Mail Privacy Protection proxy fetches the
    /// images shortly after delivery (a "machine open", flagged and apart from human opens,
    /// independent of them). 0.35: Apple Mail reads ≈55–60 % of tracked opens in Litmus'
    /// client market share, an over-count since MPP fetches every message; as a share of a
    /// typical list's recipients it is nearer a third, nearly all of whom accepted MPP. The
    /// raw unique open rate then comes out ≈ 1 − 0.773 · 0.65 ≈ 50 %, the order of the jump
    /// ESPs reported once MPP shipped (Sept. 2021).
    machine_open_rate: f64 = 0.35, Range::Rate;
    /// Median delay from delivery to the machine open (30 s: seconds to a few minutes).
    machine_open_delay_median_secs: f64 = 30.0, Range::Seconds;
    /// Sigma of the machine-open delay (1.0: 95 % within ≈2.5 min).
    machine_open_delay_sigma: f64 = 1.0, Range::Sigma;

    // --- Clicks (fractions of delivered) ---------------------------------------------------
    /// Unique clickers per delivered email (2.91 %); clickers are a subset of human openers.
    click_rate: f64 = 0.0291, Range::Rate;
    /// Median delay from the first open to the first click (90 s).
    click_delay_median_secs: f64 = 90.0, Range::Seconds;
    /// Sigma of the click delay (1.0: 5 %–95 % between ≈17 s and ≈8 min).
    click_delay_sigma: f64 = 1.0, Range::Sigma;
    /// Probability that a clicker clicks another link (and again after that), up to
    /// `max_repeat_clicks`: total clicks run ≈1.3× unique clicks.
    repeat_click_rate: f64 = 0.25, Range::Rate;
    /// Most extra clicks of one recipient.
    max_repeat_clicks: u32 = 2, Range::Count;

    // --- Unsubscribes and complaints (fractions of delivered, after an open) ---------------
    /// Unsubscribes per delivered email (0.25 %).
    unsubscribe_rate: f64 = 0.0025, Range::Rate;
    /// Spam complaints per delivered email (0.015 %, well under the 0.1 % Gmail asks bulk
    /// senders to stay below).
    complaint_rate: f64 = 0.00015, Range::Rate;
    /// Median delay from the recipient's last interaction to the unsubscribe or complaint.
    exit_delay_median_secs: f64 = 120.0, Range::Seconds;
    /// Sigma of that delay.
    exit_delay_sigma: f64 = 1.0, Range::Sigma;

    // --- Forms (when the campaign has one) -------------------------------------------------
    /// Share of form viewers (every clicker views the form) who submit it (30 %).
    form_submit_rate: f64 = 0.30, Range::Rate;
    /// Median delay from the click to the form view (4 s: the page loading).
    form_view_delay_median_secs: f64 = 4.0, Range::Seconds;
    /// Sigma of that delay.
    form_view_delay_sigma: f64 = 0.5, Range::Sigma;
    /// Median delay from the form view to its submission (2 min: filling it in).
    form_submit_delay_median_secs: f64 = 120.0, Range::Seconds;
    /// Sigma of that delay (0.6: 5 %–95 % between ≈45 s and ≈5 min).
    form_submit_delay_sigma: f64 = 0.6, Range::Sigma;

    // --- Addresses -------------------------------------------------------------------------
    /// Share of recipients' addresses that are IPv6 (20 %).
    ipv6_share: f64 = 0.20, Range::Rate;
    /// Share of a recipient's later visits (reopens, clicks) made from their second address
    /// (phone on mobile data instead of home Wi-Fi): the IP is stable-ish.
    ip_change_rate: f64 = 0.10, Range::Rate;
}

impl SimulationConfig {
    /// This config with `overrides` applied, each value rounded to its grid (1 ms for
    /// durations, 10⁻⁹ otherwise: see `Range`) so that its JSON reads back identical, and
    /// checked as a whole (see [`Self::validate`]).
    pub fn with_overrides(
        &self,
        overrides: &SimulationOverrides,
    ) -> Result<SimulationConfig, ConfigError> {
        let merged = self.merged(overrides);
        merged.check_ranges()?;
        let config = merged.on_grid();
        config.validate()?;
        Ok(config)
    }

    /// Checks every field's range, then that the fields agree: bounce rates (risky ones
    /// included) sum to at most 1, a click, unsubscribe or complaint needs an open, the
    /// delivery window is ordered, and no median delay exceeds the cap.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.check_ranges()?;
        let bounce = |field, what: &str, sum: f64| {
            if sum <= 1.0 {
                Ok(())
            } else {
                Err(ConfigError::Inconsistent {
                    field,
                    message: format!("{what} a bounce rate of {sum} (more than 1)"),
                })
            }
        };
        bounce(
            "soft_bounce_rate",
            "plus hard_bounce_rate makes",
            self.hard_bounce_rate + self.soft_bounce_rate,
        )?;
        bounce(
            "risky_hard_bounce_multiplier",
            "and risky_soft_bounce_multiplier give risky recipients",
            self.hard_bounce_rate * self.risky_hard_bounce_multiplier
                + self.soft_bounce_rate * self.risky_soft_bounce_multiplier,
        )?;
        let after_open = |field, rate: f64, what: &str| {
            if rate <= self.open_rate {
                Ok(())
            } else {
                Err(ConfigError::Inconsistent {
                    field,
                    message: format!(
                        "{what}({rate}) exceeds open_rate ({}): it follows a human open",
                        self.open_rate
                    ),
                })
            }
        };
        after_open("click_rate", self.click_rate, "")?;
        after_open("unsubscribe_rate", self.unsubscribe_rate, "")?;
        after_open(
            "complaint_rate",
            self.unsubscribe_rate + self.complaint_rate,
            "plus unsubscribe_rate ",
        )?;
        if self.delivery_delay_min_secs > self.delivery_delay_max_secs {
            return Err(ConfigError::Inconsistent {
                field: "delivery_delay_min_secs",
                message: format!(
                    "({}) exceeds delivery_delay_max_secs ({})",
                    self.delivery_delay_min_secs, self.delivery_delay_max_secs
                ),
            });
        }
        for (field, median) in self.medians() {
            if median > self.max_delay_secs {
                return Err(ConfigError::Inconsistent {
                    field,
                    message: format!(
                        "({median}) exceeds max_delay_secs ({})",
                        self.max_delay_secs
                    ),
                });
            }
        }
        Ok(())
    }

    /// Every log-normal's median, with its field name: none may exceed the cap (so a
    /// capped draw needs at most two tries on average).
    fn medians(&self) -> [(&'static str, f64); 7] {
        [
            ("open_delay_median_secs", self.open_delay_median_secs),
            ("reopen_delay_median_secs", self.reopen_delay_median_secs),
            (
                "machine_open_delay_median_secs",
                self.machine_open_delay_median_secs,
            ),
            ("click_delay_median_secs", self.click_delay_median_secs),
            ("exit_delay_median_secs", self.exit_delay_median_secs),
            (
                "form_view_delay_median_secs",
                self.form_view_delay_median_secs,
            ),
            (
                "form_submit_delay_median_secs",
                self.form_submit_delay_median_secs,
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn overrides(value: serde_json::Value) -> SimulationOverrides {
        serde_json::from_value(value).unwrap()
    }

    fn refused_field(value: serde_json::Value) -> &'static str {
        match SimulationConfig::default().with_overrides(&overrides(value)) {
            Err(
                ConfigError::OutOfRange { field, .. } | ConfigError::Inconsistent { field, .. },
            ) => field,
            Ok(_) => panic!("accepted"),
        }
    }

    #[test]
    fn defaults_are_valid() {
        SimulationConfig::default().validate().unwrap();
    }

    #[test]
    fn overrides_replace_only_their_fields() {
        let base = SimulationConfig::default();
        let c = base
            .with_overrides(&overrides(json!({"open_rate": 0.5, "max_reopens": 2})))
            .unwrap();
        assert_eq!(c.open_rate, 0.5);
        assert_eq!(c.max_reopens, 2);
        assert_eq!(c.click_rate, base.click_rate);
        assert_eq!(
            base.with_overrides(&SimulationOverrides::default()),
            Ok(base)
        );
    }

    #[test]
    fn out_of_range_values_are_refused_with_the_field_name() {
        for (asked, field) in [
            (json!({"open_rate": 1.5}), "open_rate"),
            (json!({"hard_bounce_rate": -0.1}), "hard_bounce_rate"),
            (json!({"send_window_secs": 0.0}), "send_window_secs"),
            (json!({"max_delay_secs": 1e9}), "max_delay_secs"),
            (json!({"open_delay_sigma": -2.0}), "open_delay_sigma"),
            (json!({"max_reopens": 51}), "max_reopens"),
            (
                json!({"risky_soft_bounce_multiplier": -1.0}),
                "risky_soft_bounce_multiplier",
            ),
        ] {
            assert_eq!(refused_field(asked.clone()), field, "{asked}");
        }
        let err = SimulationConfig::default()
            .with_overrides(&overrides(json!({"click_rate": 2.0})))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "simulation config: `click_rate` = 2 is out of range: expected a rate between 0 and 1"
        );
    }

    #[test]
    fn inconsistent_values_are_refused_with_the_field_name() {
        for (asked, field) in [
            (json!({"click_rate": 0.3}), "click_rate"),
            (
                json!({"open_rate": 0.002, "click_rate": 0.0}),
                "unsubscribe_rate",
            ),
            (
                json!({"open_rate": 0.0026, "click_rate": 0.0}),
                "complaint_rate",
            ),
            (
                json!({"hard_bounce_rate": 0.6, "soft_bounce_rate": 0.5}),
                "soft_bounce_rate",
            ),
            (
                json!({"hard_bounce_rate": 0.3, "risky_hard_bounce_multiplier": 4.0}),
                "risky_hard_bounce_multiplier",
            ),
            (
                json!({"delivery_delay_min_secs": 40.0}),
                "delivery_delay_min_secs",
            ),
            (json!({"max_delay_secs": 3600.0}), "open_delay_median_secs"),
        ] {
            assert_eq!(refused_field(asked.clone()), field, "{asked}");
        }
    }

    #[test]
    fn unknown_override_fields_are_refused() {
        let err =
            serde_json::from_value::<SimulationOverrides>(json!({"open_rat": 0.3})).unwrap_err();
        assert!(
            err.to_string().contains("unknown field `open_rat`"),
            "{err}"
        );
        assert!(serde_json::from_value::<SimulationConfig>(json!({"seed": 1})).is_err());
    }

    #[test]
    fn config_json_round_trips_and_empty_json_is_the_default() {
        let c = SimulationConfig::default()
            .with_overrides(&overrides(
                json!({"open_rate": 0.3127, "click_rate": 0.0413}),
            ))
            .unwrap();
        let text = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<SimulationConfig>(&text).unwrap(), c);
        assert_eq!(
            serde_json::from_value::<SimulationConfig>(json!({})).unwrap(),
            SimulationConfig::default()
        );
        let o = overrides(json!({"open_rate": 0.5}));
        assert_eq!(serde_json::to_value(&o).unwrap(), json!({"open_rate": 0.5}));
    }

    #[test]
    fn defaults_are_on_the_grid() {
        let c = SimulationConfig::default();
        assert_eq!(c.on_grid(), c);
    }

    proptest::proptest! {
        /// Whatever values a launch passes, the config it gets reads back identical from
        /// JSON (0.1 + 0.2 would not without the grid).
        #[test]
        fn any_config_round_trips_through_json(
            open in 0.0f64..=1.0,
            share in 0.0f64..=1.0,
            median in 1e-3f64..1e5,
            sigma in 1e-3f64..=10.0,
            factor in 0.0f64..=100.0,
            reopens in 0u32..=50,
        ) {
            let o = SimulationOverrides {
                open_rate: Some(open),
                click_rate: Some(open * share),
                machine_open_rate: Some(0.1 + share * 0.2),
                open_delay_median_secs: Some(median),
                reopen_delay_median_secs: Some(median * 1.7),
                open_delay_sigma: Some(sigma),
                risky_soft_bounce_multiplier: Some(factor),
                risky_hard_bounce_multiplier: Some(0.0),
                max_reopens: Some(reopens),
                unsubscribe_rate: Some(0.0),
                complaint_rate: Some(0.0),
                ..SimulationOverrides::default()
            };
            let c = SimulationConfig::default().with_overrides(&o).unwrap();
            let text = serde_json::to_string(&c).unwrap();
            proptest::prop_assert_eq!(serde_json::from_str::<SimulationConfig>(&text).unwrap(), c);
        }
    }
}
