//! Retry delays: exponential with full jitter, capped.

use std::time::Duration;

use rand::Rng;

/// Base of the exponential: the first retry waits up to this long.
const BASE: Duration = Duration::from_secs(1);
/// No retry waits longer than this.
const CAP: Duration = Duration::from_secs(15 * 60);

/// The delay before attempt `attempt + 1`, given that `attempt` (1-based) just failed.
///
/// Half of the exponential step is fixed and half is random ("equal jitter"), so retries of
/// many jobs that failed together spread out, yet each still waits a growing minimum.
pub fn retry_delay(attempt: i32, rng: &mut impl Rng) -> Duration {
    let exp = attempt.clamp(1, 30) as u32 - 1;
    let step = BASE.saturating_mul(2u32.saturating_pow(exp)).min(CAP);
    let half = step / 2;
    half + half.mul_f64(rng.random::<f64>())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn delays_grow_and_stay_within_their_step() {
        let mut rng = StdRng::seed_from_u64(7);
        for attempt in 1..=12 {
            let step = BASE.saturating_mul(2u32.pow(attempt as u32 - 1)).min(CAP);
            for _ in 0..100 {
                let d = retry_delay(attempt, &mut rng);
                assert!(d >= step / 2 && d <= step, "attempt {attempt}: {d:?}");
            }
        }
    }

    #[test]
    fn delays_are_capped() {
        let mut rng = StdRng::seed_from_u64(1);
        assert!(retry_delay(1_000, &mut rng) <= CAP);
    }

    #[test]
    fn jitter_spreads_equal_attempts() {
        let mut rng = StdRng::seed_from_u64(3);
        let a: Vec<_> = (0..20).map(|_| retry_delay(5, &mut rng)).collect();
        assert!(a.iter().any(|d| *d != a[0]));
    }
}
