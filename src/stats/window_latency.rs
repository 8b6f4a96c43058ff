//! The coarse latency histogram of one time-series [`Window`](super::Window), recorded cheaply.
//!
//! A window's latencies are kept at two significant digits with a 1 µs floor: the bucket layout
//! of an auto-resizing `hdrhistogram::Histogram<u32>` built with
//! `new_with_bounds(1_000, 2_000, 2)`. Recording through HdrHistogram's generic `record` costs
//! about a hundred instructions (an out-of-line call with range, resize and error handling for
//! any layout); every request records one or two of them. [`WindowLatency`] knows its one layout,
//! so a record is the bucket index (a `leading_zeros` and two shifts), one saturating counter
//! increment and the smallest and largest values, all inlined.
//!
//! Quantiles are read off the counts as HdrHistogram's `value_at_quantile` reads them. A file
//! gets [`WindowLatency::to_histogram`], which hands the counts to HdrHistogram bucket by
//! bucket at a value inside each bucket (the exact smallest and largest for theirs), so the
//! histogram is the one recording each latency would have built: same counts, total, minimum,
//! maximum and length — a test below compares the V2 encodings byte for byte — and the same
//! quantiles. The counts array grows exactly as HdrHistogram's does, so
//! [`WindowLatency::buckets`] is its `distinct_values`.

use hdrhistogram::Histogram;

use super::hdr_index;

/// Lowest latency the per-window histogram distinguishes from zero, in nanoseconds.
pub(crate) const WINDOW_LOWEST_NS: u64 = 1_000;

/// Significant digits of the per-window latency histogram.
pub(crate) const WINDOW_SIGFIG: u8 = 2;

/// log2 of the unit: the largest power of two at most [`WINDOW_LOWEST_NS`] (512 ns).
const UNIT_MAG: u32 = 9;
/// Values up to this are "unit-equivalent to zero" for HdrHistogram's minimum.
const UNIT_MASK: u64 = (1 << UNIT_MAG) - 1;
/// log2 of half the sub-buckets per bucket at 2 significant digits (2 × 10² needs 8 bits).
const HALF_MAG: u32 = 7;
/// Sub-buckets per bucket.
const SUB_COUNT: u64 = 1 << (HALF_MAG + 1);
/// Leading zeros of the largest value of bucket 0.
const LZ_BASE: u32 = 64 - UNIT_MAG - (HALF_MAG + 1);
/// Counts a fresh histogram holds: two half-buckets (bounds 1 µs..2 µs need one bucket).
const INITIAL_LEN: usize = 2 << HALF_MAG;

/// The counts index of `v` in the window layout.
#[inline(always)]
fn index_of(v: u64) -> usize {
    hdr_index::index_of::<UNIT_MAG, HALF_MAG>(v)
}

/// The lowest value counted at index `i` (the inverse of [`index_of`]).
fn lowest_at(i: usize) -> u64 {
    hdr_index::lowest_at::<UNIT_MAG, HALF_MAG>(i)
}

/// An empty auto-resizing histogram of the window layout.
pub(crate) fn new_window_histogram() -> Histogram<u32> {
    let mut h = Histogram::new_with_bounds(WINDOW_LOWEST_NS, 2 * WINDOW_LOWEST_NS, WINDOW_SIGFIG)
        .expect("constant histogram bounds are valid");
    h.auto(true);
    h
}

/// Latencies (ns, already clamped to HdrHistogram's range) counted in the window layout.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct WindowLatency {
    /// Counts by HdrHistogram index (saturating, as HdrHistogram's `u32` counts are); its
    /// length is the histogram's.
    counts: Vec<u32>,
    /// Latencies recorded (saturating).
    total: u64,
    /// Smallest value above [`UNIT_MASK`] (`u64::MAX` if none): HdrHistogram's non-zero minimum.
    min_big: u64,
    /// Largest value.
    max: u64,
}

impl WindowLatency {
    /// An empty histogram, with the counts a fresh HdrHistogram of the layout holds.
    pub(crate) fn new() -> Self {
        WindowLatency {
            counts: vec![0; INITIAL_LEN],
            total: 0,
            min_big: u64::MAX,
            max: 0,
        }
    }

    /// Records one latency of `ns` (at most `MAX_TRACKABLE`); returns the counts the array grew
    /// by (0 but when a latency needs a larger bucket than any before).
    #[inline(always)]
    pub(crate) fn record(&mut self, ns: u64) -> usize {
        let i = index_of(ns);
        let grew = match self.counts.get_mut(i) {
            Some(c) => {
                *c = c.saturating_add(1);
                0
            }
            None => self.grow_and_count(i),
        };
        self.total = self.total.saturating_add(1);
        if ns > UNIT_MASK {
            self.min_big = self.min_big.min(ns);
        }
        self.max = self.max.max(ns);
        grew
    }

    /// Grows the counts to the end of the bucket of index `i` (as HdrHistogram's resize does)
    /// and counts one there; returns the growth.
    #[cold]
    #[inline(never)]
    fn grow_and_count(&mut self, i: usize) -> usize {
        let before = self.counts.len();
        self.counts.resize(((i >> HALF_MAG) + 1) << HALF_MAG, 0);
        self.counts[i] = 1;
        self.counts.len() - before
    }

    /// Latencies recorded.
    pub(crate) fn len(&self) -> u64 {
        self.total
    }

    /// Counts held (HdrHistogram's `distinct_values`).
    pub(crate) fn buckets(&self) -> usize {
        self.counts.len()
    }

    /// The value at quantile `q` (in [0, 1]) as HdrHistogram's `value_at_quantile` gives it:
    /// the highest value equivalent to the sample at that rank (the lowest for `q` = 0); 0 when
    /// empty.
    pub(crate) fn quantile(&self, q: f64) -> u64 {
        let q = if q > 1.0 { 1.0 } else { q };
        let rank = ((q * self.total as f64).ceil() as u64).max(1);
        let mut seen = 0u64;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += u64::from(c);
            if seen >= rank {
                let low = lowest_at(i);
                if q == 0.0 {
                    return low;
                }
                let bucket = LZ_BASE - (low | ((SUB_COUNT - 1) << UNIT_MAG)).leading_zeros();
                return low.saturating_add(1 << (UNIT_MAG + bucket)) - 1;
            }
        }
        0
    }

    /// Adds `other`'s latencies, as HdrHistogram's `add` does.
    pub(crate) fn merge(&mut self, other: &WindowLatency) {
        if other.counts.len() > self.counts.len() {
            self.counts.resize(other.counts.len(), 0);
        }
        for (mine, theirs) in self.counts.iter_mut().zip(&other.counts) {
            *mine = mine.saturating_add(*theirs);
        }
        self.total = self.total.saturating_add(other.total);
        self.min_big = self.min_big.min(other.min_big);
        self.max = self.max.max(other.max);
    }

    /// The HdrHistogram that recording the same latencies one by one builds.
    pub(crate) fn to_histogram(&self) -> Histogram<u32> {
        let mut h = new_window_histogram();
        if self.total == 0 {
            return h;
        }
        let (i_min, i_max) = (index_of(self.min_big), index_of(self.max));
        let mut put = |v: u64, n: u32| {
            if h.record_n(v, n).is_err() {
                h.saturating_record_n(v, n);
            }
        };
        for (i, &c) in self.counts.iter().enumerate() {
            if c == 0 {
                continue;
            }
            // A value of this bucket within [smallest non-zero, largest]: HdrHistogram's own
            // minimum and maximum then match those of the latencies themselves.
            if i == i_max && i == i_min && c > 1 {
                put(self.min_big, 1);
                put(self.max, c - 1);
                continue;
            }
            let v = if i == i_max {
                self.max
            } else if i == i_min {
                self.min_big
            } else {
                lowest_at(i)
            };
            put(v, c);
        }
        h
    }

    /// The same latencies from a histogram of the window layout (read back from a file): the
    /// counts and total exactly, the minimum and maximum to HdrHistogram's resolution (the
    /// values of their buckets it keeps).
    pub(crate) fn from_histogram(h: &Histogram<u32>) -> Self {
        let mut w = WindowLatency::new();
        for v in h.iter_recorded() {
            let i = index_of(v.value_iterated_to());
            if i >= w.counts.len() {
                w.counts.resize(((i >> HALF_MAG) + 1) << HALF_MAG, 0);
            }
            w.counts[i] = w.counts[i].saturating_add(v.count_at_value());
        }
        if h.distinct_values() > w.counts.len() {
            w.counts.resize(h.distinct_values(), 0);
        }
        w.total = h.len();
        if !h.is_empty() {
            let nz = h.min_nz();
            w.min_big = if nz > UNIT_MASK && nz != u64::MAX {
                nz
            } else {
                u64::MAX
            };
            w.max = h.max();
        }
        w
    }
}

/// Serde for `Option<WindowLatency>` as the `Option<Histogram<u32>>` it stands for (the V2
/// encoding of [`hist_serde::option`](super::hist_serde::option)), so a window travels in a
/// shard's partial result file as before.
pub(crate) mod option {
    use super::*;
    use serde::{Deserializer, Serializer};

    /// Writes the histogram the latencies build.
    pub(crate) fn serialize<S: Serializer>(
        w: &Option<WindowLatency>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        crate::stats::hist_serde::option::serialize(&w.as_ref().map(WindowLatency::to_histogram), s)
    }

    /// Reads what [`serialize`] wrote.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<WindowLatency>, D::Error> {
        let h: Option<Histogram<u32>> = crate::stats::hist_serde::option::deserialize(d)?;
        Ok(h.as_ref().map(WindowLatency::from_histogram))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::hdr_index::tests::{agrees_with, lcg};
    use crate::stats::histogram::MAX_TRACKABLE;
    use hdrhistogram::serialization::{Serializer as _, V2Serializer};

    fn encoded(h: &Histogram<u32>) -> Vec<u8> {
        let mut out = Vec::new();
        V2Serializer::new().serialize(h, &mut out).unwrap();
        out
    }

    /// What `Window` did before: HdrHistogram's own `record`.
    fn direct(values: &[u64]) -> Histogram<u32> {
        let mut h = new_window_histogram();
        for &v in values {
            if h.record(v).is_err() {
                h.saturating_record(v);
            }
        }
        h
    }

    fn values(seed: u64, n: usize) -> Vec<u64> {
        let mut x = seed;
        let shift = [0u32, 20, 33, 45, 50, 53, 10, 1][(seed as usize - 1) % 8];
        (0..n)
            .map(|k| {
                let r = lcg(&mut x);
                match k % 7 {
                    0 => 0,
                    1 => r % 600,
                    2 if seed == 8 => MAX_TRACKABLE.0 - r % 1_000,
                    _ => (r >> shift).min(MAX_TRACKABLE.0),
                }
            })
            .collect()
    }

    #[test]
    fn the_index_is_hdrhistograms() {
        agrees_with(&new_window_histogram(), index_of, lowest_at);
    }

    #[test]
    fn the_histogram_is_the_one_direct_recording_builds() {
        for seed in 1..=8u64 {
            for n in [1usize, 2, 5, 30_000] {
                let vs = values(seed, n);
                let want = direct(&vs);
                let mut fast = WindowLatency::new();
                let mut grew = INITIAL_LEN;
                for &v in &vs {
                    grew += fast.record(v);
                }
                let got = fast.to_histogram();
                assert_eq!(encoded(&got), encoded(&want), "seed {seed}, {n} values");
                assert_eq!(got.len(), want.len());
                assert_eq!((got.min_nz(), got.max()), (want.min_nz(), want.max()));
                assert_eq!(fast.buckets(), want.distinct_values());
                assert_eq!(grew, want.distinct_values());
                for q in [0.0, 1e-9, 0.1, 0.5, 0.9, 0.99, 0.999, 0.999_999, 1.0, 2.0] {
                    assert_eq!(got.value_at_quantile(q), want.value_at_quantile(q));
                    assert_eq!(fast.quantile(q), want.value_at_quantile(q), "q {q}");
                }
            }
        }
    }

    #[test]
    fn merging_is_hdrhistograms_add() {
        for seed in 1..=8u64 {
            let (a, b) = (values(seed, 3_000), values(seed + 100, 2_000));
            let mut want = direct(&a);
            want.add(direct(&b)).unwrap();
            let (mut fa, mut fb) = (WindowLatency::new(), WindowLatency::new());
            a.iter().for_each(|&v| _ = fa.record(v));
            b.iter().for_each(|&v| _ = fb.record(v));
            fa.merge(&fb);
            let got = fa.to_histogram();
            assert_eq!(got.len(), want.len());
            assert_eq!(fa.buckets(), want.distinct_values(), "seed {seed}");
            for q in [0.0, 0.5, 0.9, 0.99, 0.999, 1.0] {
                assert_eq!(got.value_at_quantile(q), want.value_at_quantile(q));
                assert_eq!(fa.quantile(q), want.value_at_quantile(q));
            }
            let counts = |h: &Histogram<u32>| {
                h.iter_recorded()
                    .map(|v| (v.value_iterated_to(), v.count_at_value()))
                    .collect::<Vec<_>>()
            };
            assert_eq!(counts(&got), counts(&want), "seed {seed}");
        }
    }

    #[test]
    fn a_histogram_read_back_gives_the_same_histogram() {
        for seed in 1..=8u64 {
            let mut w = WindowLatency::new();
            values(seed, 1_000).iter().for_each(|&v| _ = w.record(v));
            let h = w.to_histogram();
            let back = WindowLatency::from_histogram(&h);
            assert_eq!(encoded(&back.to_histogram()), encoded(&h), "seed {seed}");
            assert_eq!(back.buckets(), w.buckets());
        }
        let empty = WindowLatency::from_histogram(&new_window_histogram());
        assert_eq!(empty, WindowLatency::new());
        assert_eq!(empty.quantile(0.5), 0);
    }
}
