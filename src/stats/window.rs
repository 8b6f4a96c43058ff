//! One window of a [`TimeSeries`](crate::stats::TimeSeries): the counters, coarse latency
//! histogram and gauges of a fixed span of simulated time.
//!
//! A window belongs to one run or, after [`TimeSeries::merge`](crate::stats::TimeSeries::merge),
//! to the sum of several replications: counters and gauge values are then sums, and the helpers
//! here divide by the number of replications. Latency is pooled across replications.
//!
//! Memory matters because a long run has thousands of windows: the latency histogram keeps two
//! significant digits (quantiles within 1%), 32-bit counts and a 1 µs resolution floor, and is
//! only allocated once the window sees its first completion (about 7 KiB to cover 1 µs..1 s).

use serde::{Deserialize, Serialize};

use crate::engine::{SimDuration, SimTime};
use crate::stats::window_latency::WindowLatency;

/// Number of error causes a window counts separately (cause indices 0..MAX_CAUSES; larger indices
/// are counted in the last slot).
pub const MAX_CAUSES: usize = 8;

/// Number of gauge slots per window (indices 0..MAX_GAUGES; larger indices are ignored).
pub const MAX_GAUGES: usize = 24;

/// A level sampled within a window (ready pods in a zone, utilisation, SNAT ports in use).
///
/// For one run: `n = 1` and `max`/`last` are the largest and the final level during the window,
/// counting the level carried in from the previous window; `n = 0` means the gauge was never set
/// up to this window. After merging, `max` and `last` are sums over the `n` replications that had
/// the gauge; use [`mean_max`](Self::mean_max) and [`mean_last`](Self::mean_last).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Gauge {
    /// Largest level in the window (a sum after merging).
    pub max: f64,
    /// Level at the end of the window (a sum after merging).
    pub last: f64,
    /// Number of runs contributing.
    pub n: u64,
}

impl Gauge {
    /// A gauge of one run holding `value` for the whole window.
    pub(crate) fn steady(value: f64) -> Gauge {
        Gauge {
            max: value,
            last: value,
            n: 1,
        }
    }

    /// Applies a sample taken during the window (one run).
    pub(crate) fn sample(&mut self, value: f64) {
        if self.n == 0 {
            *self = Gauge::steady(value);
        } else {
            self.max = self.max.max(value);
            self.last = value;
        }
    }

    /// Adds another run's (or sum of runs') gauge.
    pub(crate) fn merge(&mut self, other: &Gauge) {
        self.max += other.max;
        self.last += other.last;
        self.n += other.n;
    }

    /// Mean over runs of the window's peak level, or `None` if no run set the gauge.
    pub fn mean_max(&self) -> Option<f64> {
        (self.n > 0).then(|| self.max / self.n as f64)
    }

    /// Mean over runs of the level at the window's end, or `None` if no run set the gauge.
    pub fn mean_last(&self) -> Option<f64> {
        (self.n > 0).then(|| self.last / self.n as f64)
    }
}

/// The counters of one span [start, end) of simulated time.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Window {
    /// Start of the window.
    pub start: SimTime,
    /// End of the window (exclusive; the last window ends at the run's end).
    pub end: SimTime,
    /// Requests offered (arrived from clients) in the window.
    pub offered: u64,
    /// Requests completed successfully in the window.
    pub completed: u64,
    /// Failed requests by cause index (the model names the causes).
    pub errors: [u64; MAX_CAUSES],
    /// Requests that arrived in the window and were still unfinished when the run ended.
    pub unfinished: u64,
    /// Gauges by slot (the model names the slots).
    pub gauges: [Gauge; MAX_GAUGES],
    /// Latency of the completions, allocated on first use (written as the HdrHistogram it
    /// stands for).
    #[serde(with = "crate::stats::window_latency::option")]
    latency: Option<WindowLatency>,
}

impl Window {
    /// An empty window over [start, end).
    pub(crate) fn new(start: SimTime, end: SimTime) -> Window {
        Window {
            start,
            end,
            offered: 0,
            completed: 0,
            errors: [0; MAX_CAUSES],
            unfinished: 0,
            gauges: [Gauge::default(); MAX_GAUGES],
            latency: None,
        }
    }

    /// The window's width.
    pub fn width(&self) -> SimDuration {
        self.end.since(self.start)
    }

    /// `count` events in this window as a rate per second per run: `count / (width × runs)`.
    /// Pass the series' [`replications`](crate::stats::TimeSeries::replications) as `runs`.
    /// Zero for an empty window or zero runs.
    pub fn rate_per_sec(&self, count: u64, runs: u64) -> f64 {
        let secs = self.width().as_secs_f64() * runs as f64;
        if secs > 0.0 { count as f64 / secs } else { 0.0 }
    }

    /// All failed requests in the window, whatever the cause.
    pub fn errors_total(&self) -> u64 {
        self.errors.iter().sum()
    }

    /// Failed / (completed + failed), or 0 when nothing finished in the window.
    pub fn error_ratio(&self) -> f64 {
        let failed = self.errors_total();
        let finished = self.completed + failed;
        if finished == 0 {
            0.0
        } else {
            failed as f64 / finished as f64
        }
    }

    /// Records one completion's latency; returns the counts (buckets) the histogram grew by,
    /// for the series' count of the bytes it holds.
    #[inline]
    pub(crate) fn record_latency(&mut self, latency: SimDuration) -> usize {
        // Clamp like `LatencyHistogram`: HdrHistogram cannot grow beyond i64::MAX / 2.
        let ns = latency.0.min(crate::stats::histogram::MAX_TRACKABLE.0);
        match &mut self.latency {
            Some(h) => h.record(ns),
            None => self.first_latency(ns),
        }
    }

    /// Allocates the latency histogram and records its first latency of `ns`; returns the
    /// counts it holds.
    #[cold]
    #[inline(never)]
    fn first_latency(&mut self, ns: u64) -> usize {
        let h = self.latency.insert(WindowLatency::new());
        h.record(ns);
        h.buckets()
    }

    /// Counts (buckets) held by the latency histogram; 0 before the first completion.
    pub(crate) fn latency_buckets(&self) -> usize {
        self.latency.as_ref().map_or(0, WindowLatency::buckets)
    }

    /// Number of latencies recorded (equals `completed` unless completions were counted without
    /// a latency).
    pub fn latency_count(&self) -> u64 {
        self.latency.as_ref().map_or(0, WindowLatency::len)
    }

    /// Latency at quantile `q` (clamped to [0, 1], NaN reads as 0) to two significant digits,
    /// or zero if nothing completed.
    pub fn latency_quantile(&self, q: f64) -> SimDuration {
        match &self.latency {
            Some(h) if h.len() > 0 => {
                let q = if q.is_nan() { 0.0 } else { q.clamp(0.0, 1.0) };
                SimDuration(h.quantile(q))
            }
            _ => SimDuration::ZERO,
        }
    }

    /// Median latency of the window's completions.
    pub fn p50(&self) -> SimDuration {
        self.latency_quantile(0.5)
    }

    /// 99th percentile latency of the window's completions.
    pub fn p99(&self) -> SimDuration {
        self.latency_quantile(0.99)
    }

    /// Adds the counters and latencies of `other` (the same window of another run). Gauges are
    /// merged by the series, which resolves carried-over levels first.
    pub(crate) fn merge_counts(&mut self, other: &Window) {
        self.offered += other.offered;
        self.completed += other.completed;
        self.unfinished += other.unfinished;
        for (mine, theirs) in self.errors.iter_mut().zip(&other.errors) {
            *mine += theirs;
        }
        if let Some(theirs) = other.latency.as_ref().filter(|h| h.len() > 0) {
            self.latency
                .get_or_insert_with(WindowLatency::new)
                .merge(theirs);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window() -> Window {
        Window::new(SimTime(0), SimTime(0) + SimDuration::from_secs(2))
    }

    #[test]
    fn rates_divide_by_width_and_runs() {
        let w = window();
        assert_eq!(w.width(), SimDuration::from_secs(2));
        assert!((w.rate_per_sec(100, 1) - 50.0).abs() < 1e-12);
        assert!((w.rate_per_sec(100, 5) - 10.0).abs() < 1e-12);
        assert_eq!(w.rate_per_sec(100, 0), 0.0);
        let empty = Window::new(SimTime(5), SimTime(5));
        assert_eq!(empty.rate_per_sec(100, 1), 0.0);
    }

    #[test]
    fn latency_quantiles_to_two_digits() {
        let mut w = window();
        assert_eq!(w.p99(), SimDuration::ZERO);
        assert_eq!(w.latency_count(), 0);
        for i in 1..=1_000 {
            w.record_latency(SimDuration::from_micros(i * 10));
        }
        let p50 = w.p50().as_millis_f64();
        let p99 = w.p99().as_millis_f64();
        assert!((p50 - 5.0).abs() / 5.0 < 0.01, "p50 {p50}");
        assert!((p99 - 9.9).abs() / 9.9 < 0.01, "p99 {p99}");
        assert_eq!(w.latency_count(), 1_000);
    }

    #[test]
    fn extreme_latencies_do_not_panic() {
        let mut w = window();
        w.record_latency(SimDuration::ZERO);
        w.record_latency(SimDuration(1));
        w.record_latency(SimDuration(u64::MAX));
        assert_eq!(w.latency_count(), 3);
        assert!(w.latency_quantile(1.0) > SimDuration::from_secs(1_000_000));
        assert!(w.latency_quantile(0.0) < SimDuration::from_micros(1));
    }

    #[test]
    fn error_ratio_counts_all_causes() {
        let mut w = window();
        assert_eq!(w.error_ratio(), 0.0);
        w.completed = 6;
        w.errors[0] = 1;
        w.errors[MAX_CAUSES - 1] = 3;
        assert_eq!(w.errors_total(), 4);
        assert!((w.error_ratio() - 0.4).abs() < 1e-12);
    }

    #[test]
    fn gauge_tracks_peak_and_last() {
        let mut g = Gauge::default();
        assert_eq!(g.mean_max(), None);
        g.sample(3.0);
        g.sample(7.0);
        g.sample(2.0);
        assert_eq!(
            g,
            Gauge {
                max: 7.0,
                last: 2.0,
                n: 1
            }
        );
        g.merge(&Gauge::steady(5.0));
        assert_eq!(g.mean_max(), Some(6.0));
        assert_eq!(g.mean_last(), Some(3.5));
    }

    #[test]
    fn merge_counts_pools_latency() {
        let mut a = window();
        let mut b = window();
        a.offered = 3;
        b.offered = 4;
        b.errors[2] = 2;
        for _ in 0..99 {
            a.record_latency(SimDuration::from_millis(1));
        }
        b.record_latency(SimDuration::from_millis(100));
        a.merge_counts(&b);
        assert_eq!(a.offered, 7);
        assert_eq!(a.errors[2], 2);
        assert_eq!(a.latency_count(), 100);
        assert!(a.latency_quantile(1.0) >= SimDuration::from_millis(99));
        assert!(a.p50() < SimDuration::from_micros(1_020));
        // Merging into a window that had no latencies allocates on demand.
        let mut c = window();
        c.merge_counts(&b);
        assert_eq!(c.latency_count(), 1);
    }
}
