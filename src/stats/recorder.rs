//! A cheap recording path for hot loops: [`LatencyRecorder`] counts durations in the bucket
//! layout of a default [`LatencyHistogram`] (HdrHistogram, 3 significant digits, 1 ns unit) and
//! turns into that histogram, identical to the one recording each duration would have built.
//!
//! `LatencyHistogram::record` goes through HdrHistogram's general `record_n` (an out-of-line
//! call with range, resize and error handling for any precision). A recorder knows its one
//! precision, so a record is the bucket index (a `leading_zeros` and two shifts), one counter
//! increment and the exact sum, minimum and maximum — all inlined. The counters are 16-bit, so
//! that the buckets a run touches take half the cache lines they took at 32 bits (a 3-digit
//! layout spreads a latency distribution over kilobytes; on `zone-outage.toml` this saved
//! first-level cache misses but no measurable time); a counter that wraps carries 2¹⁶ into a
//! side array of high parts, allocated at the first carry, so every count stays exact. The
//! counters grow bucket by bucket as durations need them. The counts are handed to
//! HdrHistogram once, bucket by bucket, by [`LatencyRecorder::to_histogram`]; each bucket is
//! recorded at a value inside it and inside the observed range (the exact smallest non-zero
//! and largest values for their buckets), so HdrHistogram's counts, total, minimum, maximum and
//! range — everything its quantiles, merges and V2 encoding read — come out the same (a test
//! below compares the encodings byte for byte).

use super::hdr_index;
use super::histogram::{LatencyHistogram, MAX_TRACKABLE};
use crate::engine::SimDuration;

/// log2 of half the sub-buckets per bucket at 3 significant digits (2 × 10³ needs 11 bits).
const HALF_MAG: u32 = 10;

/// The counts index of `v` in a 3-significant-digit, 1 ns HdrHistogram.
#[inline(always)]
fn index_of(v: u64) -> usize {
    hdr_index::index_of::<0, HALF_MAG>(v)
}

/// The lowest value counted at index `i` (the inverse of [`index_of`]).
fn lowest_at(i: usize) -> u64 {
    hdr_index::lowest_at::<0, HALF_MAG>(i)
}

/// A counter of [`LatencyRecorder`]: the low bits of a count.
type Low = u16;

/// Bits of a [`Low`] counter.
const LOW_BITS: u32 = Low::BITS;

/// Durations counted in a [`LatencyHistogram`]'s default bucket layout, for a hot loop; read
/// them through [`LatencyRecorder::to_histogram`].
#[derive(Clone, Debug)]
pub struct LatencyRecorder {
    /// Counts by HdrHistogram index, modulo 2¹⁶ (grown on demand, a bucket at a time).
    counts: Vec<Low>,
    /// Times each counter wrapped, by index (the counts' high parts): empty until the first
    /// wrap, then as long as `counts`.
    high: Vec<u64>,
    /// Durations recorded.
    count: u64,
    /// Exact sum, ns.
    sum_ns: u128,
    /// Exact smallest and largest, ns (`u64::MAX` and 0 when empty).
    min_ns: u64,
    max_ns: u64,
    /// Smallest non-zero value as bucketed, minus one (`u64::MAX` if none): a zero wraps to
    /// `u64::MAX`, so one `min` without a branch skips it.
    min_nz_m1: u64,
}

impl Default for LatencyRecorder {
    fn default() -> Self {
        Self::new()
    }
}

impl LatencyRecorder {
    /// An empty recorder (it allocates as durations come).
    pub fn new() -> Self {
        LatencyRecorder {
            counts: Vec::new(),
            high: Vec::new(),
            count: 0,
            sum_ns: 0,
            min_ns: u64::MAX,
            max_ns: 0,
            min_nz_m1: u64::MAX,
        }
    }

    /// Records one duration, as [`LatencyHistogram::record`] does (durations beyond
    /// [`MAX_TRACKABLE`] are clamped in the buckets, exact in the sum and maximum).
    #[inline(always)]
    pub fn record(&mut self, d: SimDuration) {
        let ns = d.0;
        let b = ns.min(MAX_TRACKABLE.0);
        let i = index_of(b);
        match self.counts.get_mut(i) {
            Some(c) => {
                *c = c.wrapping_add(1);
                if *c == 0 {
                    self.carry(i);
                }
            }
            None => self.grow_and_count(i),
        }
        self.count += 1;
        self.sum_ns += u128::from(ns);
        self.min_ns = self.min_ns.min(ns);
        self.max_ns = self.max_ns.max(ns);
        self.min_nz_m1 = self.min_nz_m1.min(b.wrapping_sub(1));
    }

    #[cold]
    #[inline(never)]
    fn grow_and_count(&mut self, i: usize) {
        // To the end of the bucket of index i.
        self.counts.resize(((i >> HALF_MAG) + 1) << HALF_MAG, 0);
        self.counts[i] += 1;
    }

    /// The counter at index `i` wrapped: 2¹⁶ more there.
    #[cold]
    #[inline(never)]
    fn carry(&mut self, i: usize) {
        if self.high.len() < self.counts.len() {
            self.high.resize(self.counts.len(), 0);
        }
        self.high[i] += 1;
    }

    /// The full count at index `i`.
    fn count_at(&self, i: usize) -> u64 {
        let high = self.high.get(i).copied().unwrap_or(0);
        (high << LOW_BITS) + u64::from(self.counts[i])
    }

    /// Durations recorded.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Forgets everything recorded (end of a warm-up); keeps the buckets' memory.
    pub fn clear(&mut self) {
        self.counts.fill(0);
        self.high.clear();
        self.count = 0;
        self.sum_ns = 0;
        self.min_ns = u64::MAX;
        self.max_ns = 0;
        self.min_nz_m1 = u64::MAX;
    }

    /// The histogram that recording the same durations into [`LatencyHistogram::new`] builds.
    pub fn to_histogram(&self) -> LatencyHistogram {
        let mut h = LatencyHistogram::new();
        if self.count == 0 {
            return h;
        }
        let max_b = self.max_ns.min(MAX_TRACKABLE.0);
        // Smallest non-zero value as bucketed (`u64::MAX` if none).
        let min_nz = self.min_nz_m1.saturating_add(1);
        let (i_min, i_max) = (index_of(min_nz), index_of(max_b));
        for i in 0..self.counts.len() {
            let c = self.count_at(i);
            if c == 0 {
                continue;
            }
            // A value of this bucket within [smallest non-zero, largest]: HdrHistogram's own
            // minimum and maximum then match those of the durations themselves.
            if i == i_max && i == i_min && c > 1 {
                h.record_bucket_n(min_nz, 1);
                h.record_bucket_n(max_b, c - 1);
                continue;
            }
            let v = if i == i_max {
                max_b
            } else if i == i_min {
                min_nz
            } else {
                lowest_at(i)
            };
            h.record_bucket_n(v, c);
        }
        h.set_exact(self.sum_ns, self.min_ns, self.max_ns);
        h
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::hdr_index::tests::{agrees_with, lcg};
    use crate::stats::hist_serde;

    fn encoded(h: &LatencyHistogram) -> Vec<u8> {
        let mut out = Vec::new();
        let mut s = serde_json::Serializer::new(&mut out);
        hist_serde::serialize(h.hdr(), &mut s).unwrap();
        out
    }

    #[test]
    fn the_index_is_hdrhistograms() {
        agrees_with(
            &hdrhistogram::Histogram::<u64>::new(3).unwrap(),
            index_of,
            lowest_at,
        );
    }

    #[test]
    fn the_histogram_is_the_one_direct_recording_builds() {
        // Spreads from nanoseconds to beyond MAX_TRACKABLE, with zeros: the same summary,
        // and the same HdrHistogram (its V2 encoding byte for byte).
        for seed in 1..=8u64 {
            let mut x = seed;
            let (mut direct, mut fast) = (LatencyHistogram::new(), LatencyRecorder::new());
            let shift = [0u32, 20, 33, 45, 50, 53, 10, 1][seed as usize - 1];
            for k in 0..30_000 {
                let r = lcg(&mut x);
                let v = match k % 7 {
                    0 => 0,
                    1 if seed == 8 => u64::MAX - r,
                    _ => r >> shift,
                };
                direct.record(SimDuration(v));
                fast.record(SimDuration(v));
            }
            let h = fast.to_histogram();
            assert_eq!(h.percentiles(), direct.percentiles(), "seed {seed}");
            assert_eq!(h.min(), direct.min());
            assert_eq!(h.hdr().max(), direct.hdr().max());
            assert_eq!(h.hdr().min_nz(), direct.hdr().min_nz());
            assert_eq!(encoded(&h), encoded(&direct), "seed {seed}");
            // Merging gives the same too.
            let mut a = direct.clone();
            a.merge(&h);
            let mut b = direct.clone();
            b.merge(&direct);
            assert_eq!(encoded(&a), encoded(&b), "seed {seed}");
        }
    }

    #[test]
    fn counters_that_wrap_carry_exactly() {
        // Buckets counted 2¹⁶ − 1, 2¹⁶, 2¹⁶ + 1 and 3 × 2¹⁶ + 5 times, among other durations:
        // the same histogram as direct recording (its V2 encoding byte for byte), before and
        // after a clear.
        let mut fast = LatencyRecorder::new();
        for round in 0..2 {
            let mut direct = LatencyHistogram::new();
            let mut x = 11 + round;
            let runs = [(7_000_000u64, 65_535u64), (9_000_000, 65_536), (0, 65_537)];
            let runs = runs.into_iter().chain([(123_456, 3 * 65_536 + 5)]);
            for (v, n) in runs {
                for k in 0..n {
                    // Every 97th a spread value in between, so the wraps come mid-stream.
                    let v = if k % 97 == 0 { lcg(&mut x) >> 30 } else { v };
                    direct.record(SimDuration(v));
                    fast.record(SimDuration(v));
                }
            }
            let h = fast.to_histogram();
            assert_eq!(h.count(), direct.count());
            assert_eq!(encoded(&h), encoded(&direct), "round {round}");
            fast.clear();
        }
    }

    #[test]
    fn a_count_beyond_32_bits_is_exact() {
        // 2³² + 3 samples of one value (the first 2³² − 1 set directly) and one other.
        let mut r = LatencyRecorder::new();
        let v = SimDuration::from_millis(7);
        r.record(v);
        let i = index_of(v.0);
        r.counts[i] = Low::MAX;
        r.high = vec![0; r.counts.len()];
        r.high[i] = (1 << (32 - LOW_BITS)) - 1;
        r.count = u64::from(u32::MAX);
        for _ in 0..4 {
            r.record(v);
        }
        r.record(SimDuration::from_millis(9));
        let h = r.to_histogram();
        assert_eq!(h.count(), (1 << 32) + 4);
        assert!((h.quantile(0.99).as_millis_f64() - 7.0).abs() < 7e-3);
        assert_eq!(h.max(), SimDuration::from_millis(9));
    }

    #[test]
    fn empty_and_cleared_recorders_give_an_empty_histogram() {
        let mut r = LatencyRecorder::new();
        assert!(r.to_histogram().is_empty());
        r.record(SimDuration(5));
        r.record(SimDuration::from_secs(3_600));
        r.clear();
        assert_eq!(r.count(), 0);
        let h = r.to_histogram();
        assert_eq!(h.percentiles(), LatencyHistogram::new().percentiles());
        assert_eq!(encoded(&h), encoded(&LatencyHistogram::new()));
    }
}
