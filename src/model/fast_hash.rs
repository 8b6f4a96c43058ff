//! A fast hasher for the model's integer-keyed maps (connection pools looked up on every try).
//!
//! The standard library's SipHash resists hash flooding, which a simulation's own keys cannot
//! cause, and costs tens of nanoseconds per lookup on the hot path. This is the multiply-and-
//! rotate hash of rustc's `FxHasher` (the same constant), enough to spread keys built from pod
//! and replica indices. Lookups only: nothing iterates these maps, so the hash never decides an
//! order and results do not depend on it.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// `FxHasher`'s multiplier (rustc-hash).
const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

/// A hasher for small integer keys; see the module doc.
#[derive(Default, Clone, Copy)]
pub struct FastHasher(u64);

impl FastHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(i as u64);
    }

    fn write_u16(&mut self, i: u16) {
        self.add(i as u64);
    }

    fn write_u32(&mut self, i: u32) {
        self.add(i as u64);
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A `HashMap` with [`FastHasher`].
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_small_keys_get_distinct_hashes_and_the_map_finds_them() {
        let mut m: FastMap<u64, u32> = FastMap::default();
        for k in 0..10_000u64 {
            m.insert(k << 32 | (k * 7 % 13), k as u32);
        }
        for k in 0..10_000u64 {
            assert_eq!(m[&(k << 32 | (k * 7 % 13))], k as u32);
        }
        let hash = |k: u64| {
            let mut h = FastHasher::default();
            h.write_u64(k);
            h.finish()
        };
        let distinct: std::collections::HashSet<u64> = (0..10_000).map(hash).collect();
        assert_eq!(distinct.len(), 10_000);
    }
}
