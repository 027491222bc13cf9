//! How long IP addresses are kept whole (`REACHLY_IP_RETENTION_DAYS`).

use chrono::Duration;

use crate::config::within;

/// The retention window: addresses of rows older than this are masked. The worker injects it
/// as a service; a job without one uses the default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpRetention {
    pub days: u32,
}

impl IpRetention {
    /// Longest window accepted: ten years.
    pub const MAX_DAYS: u32 = 3_650;

    /// The window `days` long, checked (1 to [`IpRetention::MAX_DAYS`]).
    pub fn days(days: u32) -> Result<Self, String> {
        within(days, 1..=Self::MAX_DAYS, "days").map(|days| Self { days })
    }

    pub fn window(&self) -> Duration {
        Duration::days(i64::from(self.days))
    }
}

impl Default for IpRetention {
    /// 90 days.
    fn default() -> Self {
        Self { days: 90 }
    }
}

#[cfg(test)]
mod tests {
    use super::IpRetention;

    #[test]
    fn windows_are_one_day_to_ten_years() {
        assert_eq!(IpRetention::default().window().num_days(), 90);
        assert!(IpRetention::days(1).is_ok() && IpRetention::days(3_650).is_ok());
        assert!(
            IpRetention::days(0)
                .unwrap_err()
                .contains("between 1 and 3650")
        );
        assert!(IpRetention::days(3_651).is_err());
    }
}
