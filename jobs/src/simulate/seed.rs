//! Per-recipient randomness: a key mixed from (seed, campaign id, contact id), a ChaCha8
//! generator seeded from it, and the few draws the simulator makes.
//!
//! Everything here is fixed by this file, not by a dependency's choices: the mixing is
//! SplitMix64's finalizer, ChaCha8 (rand_chacha) is a specified stream cipher whose output
//! rand_chacha documents as reproducible, and floats are built from raw `u64`s below. (std's
//! `DefaultHasher` and rand's `StdRng` may change between versions and are not used.)

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use uuid::Uuid;

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64's output function: a bijection of `u64` with full avalanche.
pub(crate) fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// One recipient's randomness: two independent 64-bit chains of `mix64` absorb (seed,
/// campaign id, contact id), so any input bit changes both; the generator's 256-bit seed and
/// the ids' 128-bit key are spread from those 128 bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecipientKey {
    lanes: [u64; 6],
}

impl RecipientKey {
    pub fn derive(seed: u64, campaign_id: Uuid, contact_id: Uuid) -> RecipientKey {
        let (c_hi, c_lo) = campaign_id.as_u64_pair();
        let (r_hi, r_lo) = contact_id.as_u64_pair();
        let (mut a, mut b) = (GOLDEN, GOLDEN.wrapping_mul(3));
        for word in [seed, c_hi, c_lo, r_hi, r_lo] {
            a = mix64(a ^ word).wrapping_add(GOLDEN);
            b = mix64(b ^ word.rotate_left(32)).wrapping_add(GOLDEN);
        }
        let spread = |h: u64, i: u64| mix64(h ^ GOLDEN.wrapping_mul(i));
        RecipientKey {
            lanes: [
                spread(a, 1),
                spread(b, 2),
                spread(a, 3),
                spread(b, 4),
                spread(a, 5),
                spread(b, 6),
            ],
        }
    }

    /// The recipient's generator.
    pub fn rng(&self) -> SimRng {
        let mut seed = [0u8; 32];
        for (chunk, lane) in seed.chunks_exact_mut(8).zip(&self.lanes[..4]) {
            chunk.copy_from_slice(&lane.to_le_bytes());
        }
        SimRng(ChaCha8Rng::from_seed(seed))
    }

    /// The two words the recipient's ids are hashed with.
    pub fn id_key(&self) -> [u64; 2] {
        [self.lanes[4], self.lanes[5]]
    }
}

/// A recipient's random draws. The conversions from raw `u64`s are written here so their
/// values never depend on a library's sampling algorithms.
pub struct SimRng(ChaCha8Rng);

impl SimRng {
    /// 53 random bits.
    fn bits53(&mut self) -> u64 {
        self.0.next_u64() >> 11
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        self.bits53() as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `(0, 1)`: safe to take a logarithm or a normal quantile of.
    pub fn open_unit(&mut self) -> f64 {
        (self.bits53() as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
    }

    /// `true` with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Uniform in `0..n` (`n > 0`), by multiply-shift (bias below 2⁻³²).
    pub fn below(&mut self, n: u32) -> u32 {
        (((self.0.next_u64() >> 32) * u64::from(n)) >> 32) as u32
    }

    /// Uniform in `lo..=hi`.
    pub fn between(&mut self, lo: u32, hi: u32) -> u32 {
        lo + self.below(hi - lo + 1)
    }

    pub fn next_u32(&mut self) -> u32 {
        self.0.next_u32()
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// One of `items`, uniformly (`items` not empty).
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u32) as usize]
    }

    /// One of `items` with probability proportional to `weight(item)` (weights not all 0).
    pub fn weighted<'a, T>(&mut self, items: &'a [T], weight: impl Fn(&T) -> u32) -> &'a T {
        let total: u32 = items.iter().map(&weight).sum();
        let mut target = self.below(total);
        for item in items {
            let w = weight(item);
            if target < w {
                return item;
            }
            target -= w;
        }
        unreachable!("target < total weight")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_depend_on_every_input() {
        let (c, r) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let key = RecipientKey::derive(7, c, r);
        assert_eq!(key, RecipientKey::derive(7, c, r));
        assert_ne!(key, RecipientKey::derive(8, c, r));
        assert_ne!(key, RecipientKey::derive(7, Uuid::from_u128(3), r));
        assert_ne!(key, RecipientKey::derive(7, c, Uuid::from_u128(3)));
        assert_ne!(key, RecipientKey::derive(7, r, c));
    }

    /// The stream is pinned: a change here changes every simulated campaign's replay.
    #[test]
    fn the_stream_is_stable() {
        let key = RecipientKey::derive(42, Uuid::from_u128(1), Uuid::from_u128(2));
        let mut rng = key.rng();
        let first: Vec<u64> = (0..3).map(|_| rng.next_u64()).collect();
        assert_eq!(first, PINNED_STREAM);
        assert_eq!(key.id_key(), PINNED_ID_KEY);
    }

    const PINNED_STREAM: [u64; 3] = [
        1_997_828_501_377_967_755,
        427_589_476_933_751_423,
        13_458_127_847_773_580_764,
    ];
    const PINNED_ID_KEY: [u64; 2] = [6_551_667_843_260_612_883, 10_258_548_316_719_834_759];

    #[test]
    fn draws_stay_in_their_ranges() {
        let mut rng = RecipientKey::derive(1, Uuid::nil(), Uuid::nil()).rng();
        for _ in 0..10_000 {
            assert!((0.0..1.0).contains(&rng.unit()));
            let u = rng.open_unit();
            assert!(u > 0.0 && u < 1.0);
            assert!(rng.below(7) < 7);
            assert!((3..=5).contains(&rng.between(3, 5)));
        }
        let items = [(1, 0), (2, 5), (3, 0)];
        assert_eq!(rng.weighted(&items, |i| i.1).0, 2);
    }
}
