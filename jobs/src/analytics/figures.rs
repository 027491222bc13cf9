//! From rollup cells (event type, subtype, count, distinct contacts) to the figures a
//! dashboard shows, and the rates between them, each with its numerator and denominator
//! named (a dashboard that labels a unique count as a total misleads).

use serde::Serialize;
use serde_json::{Map, Value, json};

/// One cell of a rollup, final or computed live: the events of one type and subtype.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct RollupRow {
    pub event_type: String,
    pub subtype: String,
    pub count: i64,
    pub unique_contacts: i64,
    pub late_events: i64,
}

/// What a campaign did over a day or its whole life. Unique figures count contacts once over
/// the same span.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Figures {
    pub sent: i64,
    pub delivered: i64,
    pub bounces_hard: i64,
    pub bounces_soft: i64,
    /// Contacts who opened at least once, machine opens (privacy prefetches) left out.
    pub opens_unique_human: i64,
    /// Every open event, human and machine.
    pub opens_total: i64,
    pub opens_machine: i64,
    pub clicks_unique: i64,
    pub clicks_total: i64,
    pub unsubscribes: i64,
    pub complaints: i64,
    pub form_views: i64,
    pub form_submits: i64,
    /// Leads the campaign's forms created (from the leads, not the events).
    pub leads: i64,
    /// Events that arrived after the span was final: counted apart, in no other figure.
    pub late_events: i64,
}

/// The figure names in column order (CSV header, JSON keys).
pub const FIGURE_NAMES: [&str; 15] = [
    "sent",
    "delivered",
    "bounces_hard",
    "bounces_soft",
    "opens_unique_human",
    "opens_total",
    "opens_machine",
    "clicks_unique",
    "clicks_total",
    "unsubscribes",
    "complaints",
    "form_views",
    "form_submits",
    "leads",
    "late_events",
];

/// Each rate: its name, numerator and denominator (figure names).
pub const RATES: [(&str, &str, &str); 8] = [
    ("delivery_rate", "delivered", "sent"),
    ("open_rate", "opens_unique_human", "delivered"),
    ("click_rate", "clicks_unique", "delivered"),
    ("click_to_open_rate", "clicks_unique", "opens_unique_human"),
    ("bounce_rate", "bounces", "sent"),
    ("unsubscribe_rate", "unsubscribes", "delivered"),
    ("complaint_rate", "complaints", "delivered"),
    ("lead_conversion_rate", "leads", "delivered"),
];

impl Figures {
    /// The figures of `rows` (one span's cells) and the span's lead count.
    pub fn from_rows<'a>(rows: impl IntoIterator<Item = &'a RollupRow>, leads: i64) -> Self {
        let mut f = Figures {
            leads,
            ..Figures::default()
        };
        for row in rows {
            f.late_events += row.late_events;
            let (count, unique) = (row.count, row.unique_contacts);
            match (row.event_type.as_str(), row.subtype.as_str()) {
                ("sent", _) => f.sent += count,
                ("delivered", _) => f.delivered += count,
                ("bounce", "soft") => f.bounces_soft += count,
                ("bounce", _) => f.bounces_hard += count,
                ("open", "machine") => {
                    f.opens_machine += count;
                    f.opens_total += count;
                }
                ("open", _) => {
                    f.opens_unique_human += unique;
                    f.opens_total += count;
                }
                ("click", _) => {
                    f.clicks_unique += unique;
                    f.clicks_total += count;
                }
                ("unsubscribe", _) => f.unsubscribes += count,
                ("complaint", _) => f.complaints += count,
                ("form_view", _) => f.form_views += count,
                ("form_submit", _) => f.form_submits += count,
                _ => {}
            }
        }
        f
    }

    /// The figures in [`FIGURE_NAMES`] order.
    pub fn values(&self) -> [i64; 15] {
        [
            self.sent,
            self.delivered,
            self.bounces_hard,
            self.bounces_soft,
            self.opens_unique_human,
            self.opens_total,
            self.opens_machine,
            self.clicks_unique,
            self.clicks_total,
            self.unsubscribes,
            self.complaints,
            self.form_views,
            self.form_submits,
            self.leads,
            self.late_events,
        ]
    }

    /// A figure by name; `bounces` is hard and soft together.
    fn named(&self, name: &str) -> i64 {
        if name == "bounces" {
            return self.bounces_hard + self.bounces_soft;
        }
        FIGURE_NAMES
            .iter()
            .position(|n| *n == name)
            .map_or(0, |i| self.values()[i])
    }

    /// The figures and their rates as one JSON object: every figure under its name, and
    /// `rates` holding each rate's value (null when its denominator is 0), numerator and
    /// denominator.
    pub fn to_json(&self) -> Map<String, Value> {
        self.json_with([])
    }

    /// [`Figures::to_json`] with `extra` fields first (what the figures are of: a day, a
    /// segment).
    pub fn json_with<const N: usize>(&self, extra: [(&str, Value); N]) -> Map<String, Value> {
        let mut out: Map<String, Value> =
            extra.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        for (name, value) in FIGURE_NAMES.iter().zip(self.values()) {
            out.insert((*name).into(), json!(value));
        }
        out.insert("rates".into(), rates(self));
        out
    }
}

/// The rates of `figures`, each `{value, numerator, denominator}` with the figures' names and
/// values.
pub fn rates(figures: &Figures) -> Value {
    let mut out = Map::new();
    for (rate, numerator, denominator) in RATES {
        let (n, d) = (figures.named(numerator), figures.named(denominator));
        let value = (d > 0).then(|| n as f64 / d as f64);
        out.insert(
            rate.into(),
            json!({
                "value": value,
                "numerator": {"name": numerator, "value": n},
                "denominator": {"name": denominator, "value": d},
            }),
        );
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(event_type: &str, subtype: &str, count: i64, unique: i64) -> RollupRow {
        RollupRow {
            event_type: event_type.into(),
            subtype: subtype.into(),
            count,
            unique_contacts: unique,
            late_events: 0,
        }
    }

    #[test]
    fn subtypes_split_bounces_and_opens() {
        let rows = [
            row("sent", "", 100, 100),
            row("delivered", "", 98, 98),
            row("bounce", "hard", 1, 1),
            row("bounce", "soft", 1, 1),
            row("open", "human", 40, 30),
            row("open", "machine", 20, 20),
            row("click", "", 12, 9),
        ];
        let f = Figures::from_rows(&rows, 3);
        assert_eq!((f.bounces_hard, f.bounces_soft), (1, 1));
        assert_eq!(
            (f.opens_unique_human, f.opens_total, f.opens_machine),
            (30, 60, 20)
        );
        assert_eq!((f.clicks_unique, f.clicks_total, f.leads), (9, 12, 3));
    }

    #[test]
    fn rates_name_their_parts_and_are_null_without_a_denominator() {
        let f = Figures::from_rows(
            &[
                row("sent", "", 200, 200),
                row("delivered", "", 190, 190),
                row("click", "", 30, 19),
            ],
            0,
        );
        let rates = rates(&f);
        assert_eq!(rates["click_rate"]["value"], json!(0.1));
        assert_eq!(
            rates["click_rate"]["numerator"],
            json!({"name": "clicks_unique", "value": 19})
        );
        assert_eq!(rates["click_rate"]["denominator"]["name"], "delivered");
        assert_eq!(rates["click_to_open_rate"]["value"], Value::Null);
        let json = f.to_json();
        assert_eq!(json["sent"], json!(200));
        assert_eq!(json.len(), FIGURE_NAMES.len() + 1);
    }
}
