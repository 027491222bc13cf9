//! What happens to one recipient, decided before any timing: whether the email bounces,
//! and who opens, clicks, submits the form, unsubscribes or complains.
//!
//! The decisions use a fixed number of uniforms drawn first, whatever the outcome, and each
//! compares one uniform with a threshold. So raising a rate only adds recipients to that
//! outcome (the same uniforms, a larger threshold), and the draws after these (device,
//! addresses, timing) do not shift when a rate changes.

use super::config::SimulationConfig;
use super::outcome::Delivery;
use super::seed::SimRng;

/// How a recipient who opened leaves the list, if they do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Exit {
    Unsubscribe,
    Complaint,
}

/// One recipient's decisions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Fate {
    pub delivery: Delivery,
    /// Apple Mail Privacy Protection fetches the images (delivered recipients only).
    pub machine_open: bool,
    /// Opens as a person (delivered recipients only).
    pub human_open: bool,
    /// Clicks (human openers only).
    pub click: bool,
    /// Submits the form after viewing it (clickers of a campaign with a form only).
    pub form_submit: bool,
    pub exit: Option<Exit>,
}

/// The number of uniforms [`Fate::draw`] takes.
const DRAWS: usize = 6;

impl Fate {
    pub fn draw(rng: &mut SimRng, config: &SimulationConfig, risky: bool) -> Fate {
        let u: [f64; DRAWS] = std::array::from_fn(|_| rng.unit());
        let (hard, soft) = if risky {
            (
                config.hard_bounce_rate * config.risky_hard_bounce_multiplier,
                config.soft_bounce_rate * config.risky_soft_bounce_multiplier,
            )
        } else {
            (config.hard_bounce_rate, config.soft_bounce_rate)
        };
        let delivery = if u[0] < hard {
            Delivery::HardBounce
        } else if u[0] < hard + soft {
            Delivery::SoftBounce
        } else {
            Delivery::Delivered
        };
        let delivered = delivery == Delivery::Delivered;
        // Clicks, unsubscribes and complaints are rates of delivered emails among openers
        // only: their probability given an open is the rate divided by the open rate.
        let given_open = |rate: f64| {
            if config.open_rate > 0.0 {
                rate / config.open_rate
            } else {
                0.0
            }
        };
        let human_open = delivered && u[2] < config.open_rate;
        let click = human_open && u[3] < given_open(config.click_rate);
        let exit = if !human_open {
            None
        } else if u[4] < given_open(config.complaint_rate) {
            Some(Exit::Complaint)
        } else if u[4] < given_open(config.complaint_rate + config.unsubscribe_rate) {
            Some(Exit::Unsubscribe)
        } else {
            None
        };
        Fate {
            delivery,
            machine_open: delivered && u[1] < config.machine_open_rate,
            human_open,
            click,
            form_submit: click && u[5] < config.form_submit_rate,
            exit,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::seed::RecipientKey;
    use uuid::Uuid;

    fn fates(config: &SimulationConfig) -> Vec<Fate> {
        (0..2_000u128)
            .map(|i| {
                let mut rng = RecipientKey::derive(1, Uuid::nil(), Uuid::from_u128(i)).rng();
                Fate::draw(&mut rng, config, false)
            })
            .collect()
    }

    #[test]
    fn raising_a_rate_only_adds_to_its_outcome() {
        let base = SimulationConfig::default();
        let more = SimulationConfig {
            open_rate: 0.5,
            ..base.clone()
        };
        for (a, b) in fates(&base).into_iter().zip(fates(&more)) {
            assert_eq!(a.delivery, b.delivery);
            assert_eq!(a.machine_open, b.machine_open);
            assert!(!a.human_open || b.human_open);
        }
    }

    #[test]
    fn consequences_need_their_causes() {
        let config = SimulationConfig {
            hard_bounce_rate: 0.2,
            open_rate: 0.5,
            click_rate: 0.4,
            unsubscribe_rate: 0.2,
            complaint_rate: 0.1,
            form_submit_rate: 0.5,
            ..SimulationConfig::default()
        };
        for f in fates(&config) {
            let delivered = f.delivery == Delivery::Delivered;
            assert!(delivered || !(f.machine_open || f.human_open));
            assert!(f.human_open || !(f.click || f.exit.is_some()));
            assert!(f.click || !f.form_submit);
        }
    }
}
