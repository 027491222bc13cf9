//! The delay distributions, sampled by inversion from [`SimRng`] uniforms: one uniform per
//! value, and no dependence on a library's sampling algorithm (Ziggurat tables and the like
//! may change between versions; an inverse CDF written here does not).
//!
//! One limit to bit-exact replay across platforms: the log-normal calls `exp` and `ln`,
//! which come from the platform's libm. On one build target they are deterministic; a libm
//! that rounds a last bit differently could, very rarely, move a timestamp by 1 ms (delays
//! are rounded to whole milliseconds, which absorbs almost every such difference).

use super::seed::SimRng;

/// A log-normal delay in seconds: `median · e^(σ·Z)`, truncated at a cap (draws above it
/// are redrawn, so the tail is renormalized rather than piled up at the cap).
#[derive(Clone, Copy, Debug)]
pub(crate) struct LogNormal {
    pub median: f64,
    pub sigma: f64,
}

impl LogNormal {
    pub fn new(median: f64, sigma: f64) -> LogNormal {
        LogNormal { median, sigma }
    }

    /// A draw in seconds, at most `cap` (`cap ≥ median`, checked by the config, so at most
    /// two tries are needed on average).
    pub fn sample(self, rng: &mut SimRng, cap: f64) -> f64 {
        loop {
            let x = self.median * (self.sigma * normal_quantile(rng.open_unit())).exp();
            if x <= cap {
                return x;
            }
        }
    }
}

/// A short delay in `[min, max]` seconds, most near `min`: `min + (max − min)·U³` (median
/// at an eighth of the range: 4.6 s for 1–30 s). Plain arithmetic, no libm call.
pub(crate) fn skewed_short(rng: &mut SimRng, min: f64, max: f64) -> f64 {
    let u = rng.unit();
    min + (max - min) * u * u * u
}

/// Φ⁻¹(p) for `0 < p < 1`: Acklam's rational approximation (relative error < 1.2·10⁻⁹,
/// far below what a millisecond timestamp can show).
pub(crate) fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    const LOW: f64 = 0.02425;
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < LOW {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - LOW {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::seed::RecipientKey;
    use uuid::Uuid;

    #[test]
    fn normal_quantile_matches_known_values() {
        for (p, z) in [
            (0.5, 0.0),
            (0.25, -0.674_489_750_196_081_7),
            (0.8, 0.841_621_233_572_914_3),
            (0.975, 1.959_963_984_540_054),
            (0.001, -3.090_232_306_167_813_5),
            (1e-9, -5.997_807_015_007_686),
        ] {
            let got = normal_quantile(p);
            assert!(
                (got - z).abs() < 1e-8 * z.abs().max(1.0),
                "Φ⁻¹({p}) = {got}, not {z}"
            );
        }
    }

    #[test]
    fn log_normal_draws_respect_cap_and_median() {
        let mut rng = RecipientKey::derive(3, Uuid::nil(), Uuid::nil()).rng();
        let d = LogNormal::new(100.0, 2.0);
        let mut below = 0;
        for _ in 0..20_000 {
            let x = d.sample(&mut rng, 1_000.0);
            assert!(x > 0.0 && x <= 1_000.0);
            below += usize::from(x < 100.0);
        }
        // The cap removes the tail above z = ln(10)/2: P(X < 100 | X ≤ 1000) = 0.5 / Φ(1.1513).
        let p = 0.5 / 0.875_194;
        let se = (p * (1.0 - p) / 20_000.0f64).sqrt();
        assert!((below as f64 / 20_000.0 - p).abs() < 5.0 * se, "{below}");
        for _ in 0..1_000 {
            let x = skewed_short(&mut rng, 1.0, 30.0);
            assert!((1.0..=30.0).contains(&x));
        }
    }
}
