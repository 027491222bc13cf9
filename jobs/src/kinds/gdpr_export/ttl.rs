//! How long a GDPR export stays downloadable (`REACHLY_GDPR_EXPORT_TTL_HOURS`).

use chrono::Duration;

use crate::config::within;

/// The export's lifetime: after it, the download answers `410` and the nightly run deletes
/// the document. The worker injects it as a service; a job without one uses the default (a
/// week).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExportTtl(Duration);

/// Longest lifetime accepted: 30 days (an export holds a person's IP addresses as stored, so
/// it must not outlive them by much).
pub const MAX_EXPORT_TTL_HOURS: u32 = 720;

impl ExportTtl {
    /// A lifetime of `hours`, checked (1 to [`MAX_EXPORT_TTL_HOURS`]).
    pub fn hours(hours: u32) -> Result<Self, String> {
        let hours = within(hours, 1..=MAX_EXPORT_TTL_HOURS, "hours")?;
        Ok(Self(Duration::hours(i64::from(hours))))
    }

    pub fn lifetime(&self) -> Duration {
        self.0
    }
}

impl Default for ExportTtl {
    fn default() -> Self {
        Self(Duration::weeks(1))
    }
}

#[cfg(test)]
mod tests {
    use super::ExportTtl;

    #[test]
    fn lifetimes_are_one_hour_to_thirty_days() {
        assert_eq!(ExportTtl::default().lifetime().num_days(), 7);
        let refused = [0, 721].map(|h| ExportTtl::hours(h).is_err());
        assert_eq!(refused, [true, true]);
        assert_eq!(ExportTtl::hours(720).unwrap().lifetime().num_days(), 30);
    }
}
