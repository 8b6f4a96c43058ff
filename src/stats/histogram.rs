//! Latency histograms: an HdrHistogram of durations plus the exact moments it cannot give.
//!
//! [`LatencyHistogram`] records [`SimDuration`]s as nanoseconds in an auto-resizing
//! `hdrhistogram::Histogram<u64>` (3 significant digits by default: any quantile is within 0.1%
//! of the true sample quantile). Beside the buckets it keeps the exact count, sum, minimum and
//! maximum, so [`mean_secs`](LatencyHistogram::mean_secs) and [`max`](LatencyHistogram::max) are
//! exact and a quantile never falls outside the observed range. Memory depends on the range of
//! values (about 170 KiB to cover 1 ns..1 s at 3 digits), never on the number of samples.
//!
//! [`Percentiles`] is the fixed summary that reports and `summary.json` carry, in seconds.

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

use crate::engine::SimDuration;

/// The largest duration stored in the buckets as is (2^62 − 1 ns, about 146 years). Longer
/// durations are clamped to it in the buckets (they still count exactly in the mean and maximum);
/// HdrHistogram cannot auto-resize beyond `i64::MAX / 2`.
pub const MAX_TRACKABLE: SimDuration = SimDuration((1 << 62) - 1);

/// A streaming histogram of durations. Records in O(1), merges bucket by bucket.
///
/// ```
/// use trafsim::engine::SimDuration;
/// use trafsim::stats::LatencyHistogram;
///
/// let mut h = LatencyHistogram::new();
/// for ms in 1..=100 {
///     h.record(SimDuration::from_millis(ms));
/// }
/// assert_eq!(h.count(), 100);
/// assert!((h.quantile(0.5).as_millis_f64() - 50.0).abs() < 0.1);
/// assert_eq!(h.max(), SimDuration::from_millis(100));
/// ```
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LatencyHistogram {
    /// The buckets, in nanoseconds.
    #[serde(with = "crate::stats::hist_serde")]
    hist: Histogram<u64>,
    /// Exact sum of all recorded values, in nanoseconds (u128: no overflow for any u64 input).
    sum_ns: u128,
    /// Exact smallest recorded value (`u64::MAX` when empty).
    min_ns: u64,
    /// Exact largest recorded value (0 when empty).
    max_ns: u64,
}

impl LatencyHistogram {
    /// An empty histogram with 3 significant digits.
    pub fn new() -> Self {
        Self::with_precision(3)
    }

    /// An empty histogram keeping `sigfig` significant digits (clamped to HdrHistogram's 0..=5).
    /// Each extra digit costs about ten times the memory.
    pub fn with_precision(sigfig: u8) -> Self {
        let hist = Histogram::new(sigfig.min(5))
            .expect("an auto-resizing histogram with 0..=5 significant digits is always valid");
        LatencyHistogram {
            hist,
            sum_ns: 0,
            min_ns: u64::MAX,
            max_ns: 0,
        }
    }

    /// Records one duration. Never panics: durations beyond [`MAX_TRACKABLE`] are clamped in the
    /// buckets; zero is a valid value.
    #[inline]
    pub fn record(&mut self, d: SimDuration) {
        let ns = d.0;
        let bucketed = ns.min(MAX_TRACKABLE.0);
        if self.hist.record(bucketed).is_err() {
            // Only when growing the buckets fails (a usize too small for the counts array).
            self.hist.saturating_record(bucketed);
        }
        self.sum_ns += u128::from(ns);
        self.min_ns = self.min_ns.min(ns);
        self.max_ns = self.max_ns.max(ns);
    }

    /// Adds `n` samples of `ns` (already clamped to [`MAX_TRACKABLE`]) to the buckets only: for
    /// [`LatencyRecorder`](super::LatencyRecorder), which sets the exact figures after with
    /// [`set_exact`](Self::set_exact).
    pub(super) fn record_bucket_n(&mut self, ns: u64, n: u64) {
        if self.hist.record_n(ns, n).is_err() {
            self.hist.saturating_record_n(ns, n);
        }
    }

    /// Sets the exact sum, minimum and maximum (ns) beside the buckets.
    pub(super) fn set_exact(&mut self, sum_ns: u128, min_ns: u64, max_ns: u64) {
        (self.sum_ns, self.min_ns, self.max_ns) = (sum_ns, min_ns, max_ns);
    }

    /// The HdrHistogram of the buckets (for tests comparing histograms exactly).
    #[cfg(test)]
    pub(super) fn hdr(&self) -> &Histogram<u64> {
        &self.hist
    }

    /// Number of recorded durations.
    pub fn count(&self) -> u64 {
        self.hist.len()
    }

    /// Whether nothing has been recorded.
    pub fn is_empty(&self) -> bool {
        self.count() == 0
    }

    /// The exact mean in seconds, or 0 when empty.
    pub fn mean_secs(&self) -> f64 {
        let n = self.count();
        if n == 0 {
            return 0.0;
        }
        self.sum_ns as f64 / n as f64 / 1e9
    }

    /// The duration at quantile `q` (0.5 is the median, 0.99 the p99): the highest value
    /// equivalent, at the histogram's precision, to the sample at that rank, clamped to the exact
    /// observed [`min`](Self::min)..=[`max`](Self::max). `q` is clamped to [0, 1] and NaN reads
    /// as 0. Zero when empty.
    pub fn quantile(&self, q: f64) -> SimDuration {
        if self.is_empty() {
            return SimDuration::ZERO;
        }
        let q = if q.is_nan() { 0.0 } else { q.clamp(0.0, 1.0) };
        let v = self.hist.value_at_quantile(q);
        SimDuration(v.clamp(self.min_ns, self.max_ns))
    }

    /// The exact largest recorded duration, or zero when empty.
    pub fn max(&self) -> SimDuration {
        SimDuration(self.max_ns)
    }

    /// The exact smallest recorded duration, or zero when empty.
    pub fn min(&self) -> SimDuration {
        if self.is_empty() {
            SimDuration::ZERO
        } else {
            SimDuration(self.min_ns)
        }
    }

    /// Adds every sample of `other` to this histogram (for pooling replications or stations).
    /// Histograms of different precision merge too, at this histogram's precision.
    pub fn merge(&mut self, other: &LatencyHistogram) {
        if other.is_empty() {
            return;
        }
        if self.hist.add(&other.hist).is_err() {
            // `add` fails before changing anything only if growing the buckets fails; fall back
            // to clamped recording so that no sample is lost from the count.
            for v in other.hist.iter_recorded() {
                self.hist
                    .saturating_record_n(v.value_iterated_to(), v.count_at_value());
            }
        }
        self.sum_ns = self.sum_ns.saturating_add(other.sum_ns);
        self.min_ns = self.min_ns.min(other.min_ns);
        self.max_ns = self.max_ns.max(other.max_ns);
    }

    /// The standard summary: p50, p90, p95, p99, p99.9, max and mean in seconds, and the count.
    pub fn percentiles(&self) -> Percentiles {
        let q = |q: f64| self.quantile(q).as_secs_f64();
        Percentiles {
            p50: q(0.5),
            p90: q(0.9),
            p95: q(0.95),
            p99: q(0.99),
            p999: q(0.999),
            max: self.max().as_secs_f64(),
            mean: self.mean_secs(),
            count: self.count(),
        }
    }
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        Self::new()
    }
}

/// A latency summary in seconds, as reports and `summary.json` show it. All zero when nothing
/// was recorded (`count == 0`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Percentiles {
    /// Median, seconds.
    pub p50: f64,
    /// 90th percentile, seconds.
    pub p90: f64,
    /// 95th percentile, seconds.
    pub p95: f64,
    /// 99th percentile, seconds.
    pub p99: f64,
    /// 99.9th percentile, seconds.
    pub p999: f64,
    /// Largest sample (exact), seconds.
    pub max: f64,
    /// Mean (exact), seconds.
    pub mean: f64,
    /// Number of samples.
    pub count: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> SimDuration {
        SimDuration::from_millis(n)
    }

    #[test]
    fn empty_histogram_reports_zeros() {
        let h = LatencyHistogram::default();
        assert!(h.is_empty());
        assert_eq!(h.count(), 0);
        assert_eq!(h.mean_secs(), 0.0);
        assert_eq!(h.quantile(0.99), SimDuration::ZERO);
        assert_eq!(h.max(), SimDuration::ZERO);
        assert_eq!(h.min(), SimDuration::ZERO);
        assert_eq!(h.percentiles(), Percentiles::default());
    }

    #[test]
    fn quantiles_of_uniform_ramp_are_within_precision() {
        let mut h = LatencyHistogram::new();
        for i in 1..=10_000 {
            h.record(SimDuration::from_micros(i));
        }
        for (q, expect_us) in [
            (0.5, 5_000.0),
            (0.9, 9_000.0),
            (0.99, 9_900.0),
            (0.999, 9_990.0),
        ] {
            let got = h.quantile(q).as_nanos() as f64 / 1e3;
            assert!(
                (got - expect_us).abs() / expect_us < 1e-3,
                "q={q}: got {got} us, expected {expect_us} us"
            );
        }
        assert_eq!(h.max(), SimDuration::from_micros(10_000));
        assert_eq!(h.min(), SimDuration::from_micros(1));
        // Exact mean of 1..=10000 us is 5000.5 us.
        assert!((h.mean_secs() - 5_000.5e-6).abs() < 1e-12);
    }

    #[test]
    fn single_value_gives_that_value_at_every_quantile() {
        let mut h = LatencyHistogram::new();
        let d = SimDuration(123_456_789);
        h.record(d);
        for q in [0.0, 0.5, 0.99, 1.0, f64::NAN, -3.0, 7.0] {
            assert_eq!(h.quantile(q), d, "q={q}");
        }
    }

    #[test]
    fn quantile_never_exceeds_exact_max() {
        let mut h = LatencyHistogram::new();
        for ns in [1_000_001, 2_000_003, 3_000_007] {
            h.record(SimDuration(ns));
        }
        assert_eq!(h.quantile(1.0), SimDuration(3_000_007));
        let p = h.percentiles();
        assert!(p.p999 <= p.max);
        assert!(p.p50 <= p.p90 && p.p90 <= p.p95 && p.p95 <= p.p99 && p.p99 <= p.p999);
    }

    #[test]
    fn extreme_values_do_not_panic() {
        let mut h = LatencyHistogram::new();
        h.record(SimDuration::ZERO);
        h.record(SimDuration(u64::MAX));
        h.record(SimDuration(1));
        assert_eq!(h.count(), 3);
        assert_eq!(h.max(), SimDuration(u64::MAX));
        assert_eq!(h.min(), SimDuration::ZERO);
        assert_eq!(h.quantile(0.0), SimDuration::ZERO);
        assert!(h.quantile(1.0) >= MAX_TRACKABLE);
        let expect = (u64::MAX as f64 + 1.0) / 3.0 / 1e9;
        assert!((h.mean_secs() - expect).abs() / expect < 1e-12);
    }

    #[test]
    fn merge_pools_samples() {
        let mut a = LatencyHistogram::new();
        let mut b = LatencyHistogram::new();
        for i in 1..=50 {
            a.record(ms(i));
        }
        for i in 51..=100 {
            b.record(ms(i));
        }
        a.merge(&b);
        assert_eq!(a.count(), 100);
        assert_eq!(a.max(), ms(100));
        assert_eq!(a.min(), ms(1));
        assert!((a.mean_secs() - 0.0505).abs() < 1e-12);
        assert!((a.quantile(0.5).as_millis_f64() - 50.0).abs() < 0.05);
        // Merging an empty histogram changes nothing.
        let before = a.percentiles();
        a.merge(&LatencyHistogram::new());
        assert_eq!(a.percentiles(), before);
    }

    #[test]
    fn merge_across_precisions() {
        let mut fine = LatencyHistogram::new();
        let mut coarse = LatencyHistogram::with_precision(1);
        for i in 1..=100 {
            coarse.record(ms(i));
        }
        fine.merge(&coarse);
        assert_eq!(fine.count(), 100);
        assert_eq!(fine.max(), ms(100));
    }

    #[test]
    fn percentiles_serialise_in_seconds() {
        let mut h = LatencyHistogram::new();
        h.record(ms(250));
        let json = serde_json::to_value(h.percentiles()).unwrap();
        assert_eq!(json["count"], 1);
        assert!((json["p99"].as_f64().unwrap() - 0.25).abs() < 1e-9);
        assert!((json["mean"].as_f64().unwrap() - 0.25).abs() < 1e-12);
    }
}
