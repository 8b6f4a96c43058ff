//! Reading a time series over a span of simulated time: counts prorated by overlap, and the
//! per-window gauges of the zones that survived a fault.
//!
//! Spans are `[from, to)` in seconds since the start of the run. A window that overlaps a span
//! only in part contributes its counts in proportion to the overlap (events are assumed spread
//! evenly within a window, which is all a window's counters can say).

use crate::model::result::gauge;
use crate::stats::{TimeSeries, Window};

/// Share of `w` that lies in `[from, to)`, in [0, 1].
pub(super) fn overlap(w: &Window, from: f64, to: f64) -> f64 {
    let (a, b) = (w.start.as_secs_f64(), w.end.as_secs_f64());
    let width = b - a;
    if width <= 0.0 {
        // A zero-width window (a run of zero length) holds its events at its start.
        return if a >= from && a < to { 1.0 } else { 0.0 };
    }
    ((b.min(to) - a.max(from)) / width).clamp(0.0, 1.0)
}

/// Requests that failed (all causes) in `[from, to)`, or that arrived in it and were still
/// unfinished when the run ended, prorated by overlap; of one run's series, or summed over the
/// replications of a merged one. A black-holed request that outlives the run is a failure the
/// run did not see happen: it counts here, by its arrival.
pub(super) fn errors_between(series: &TimeSeries, from: f64, to: f64) -> f64 {
    series
        .windows()
        .iter()
        .map(|w| (w.errors_total() + w.unfinished) as f64 * overlap(w, from, to))
        .sum()
}

/// Indices of the windows that overlap `[from, to)`, in order.
pub(super) fn windows_in(series: &TimeSeries, from: f64, to: f64) -> Vec<usize> {
    (0..series.windows().len())
        .filter(|&i| overlap(&series.windows()[i], from, to) > 0.0)
        .collect()
}

/// Highest sampled utilisation of the busiest of `zones` in window `i` of one run's series,
/// or `None` if no zone has a sample.
pub(super) fn busiest_zone(series: &TimeSeries, i: usize, zones: &[usize]) -> Option<f64> {
    zones
        .iter()
        .filter(|&&z| z < gauge::MAX_ZONES)
        .filter_map(|&z| series.gauge(i, gauge::UTILISATION + z).mean_max())
        .reduce(f64::max)
}

/// Utilisation of zone `z` sampled at the end of window `i` of one run's series.
pub(super) fn zone_level(series: &TimeSeries, i: usize, z: usize) -> Option<f64> {
    if z >= gauge::MAX_ZONES {
        return None;
    }
    series.gauge(i, gauge::UTILISATION + z).mean_last()
}

/// The length of the longest run of consecutive `true`s.
pub(super) fn longest_streak(flags: impl Iterator<Item = bool>) -> usize {
    let (mut best, mut cur) = (0, 0);
    for f in flags {
        cur = if f { cur + 1 } else { 0 };
        best = best.max(cur);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{SimDuration, SimTime};

    fn series() -> TimeSeries {
        let mut ts = TimeSeries::new(
            SimDuration::from_secs(10),
            SimTime::ZERO + SimDuration::from_secs(30),
        );
        for s in [1, 2, 12, 25] {
            ts.record_error(SimTime::ZERO + SimDuration::from_secs(s), 0);
        }
        ts
    }

    #[test]
    fn counts_are_prorated_by_overlap() {
        let ts = series();
        assert_eq!(errors_between(&ts, 0.0, 30.0), 4.0);
        // Half of window 0 (2 errors) and all of window 1 (1 error).
        assert!((errors_between(&ts, 5.0, 20.0) - 2.0).abs() < 1e-12);
        assert_eq!(windows_in(&ts, 5.0, 20.0), [0, 1]);
        assert_eq!(windows_in(&ts, 20.0, 20.0), Vec::<usize>::new());
    }

    #[test]
    fn busiest_zone_and_streaks() {
        let mut ts = TimeSeries::new(
            SimDuration::from_secs(10),
            SimTime::ZERO + SimDuration::from_secs(30),
        );
        let t = |s: u64| SimTime::ZERO + SimDuration::from_secs(s);
        ts.record_gauge(t(1), gauge::UTILISATION, 0.9);
        ts.record_gauge(t(2), gauge::UTILISATION, 0.5);
        ts.record_gauge(t(1), gauge::UTILISATION + 1, 0.7);
        assert_eq!(busiest_zone(&ts, 0, &[0, 1]), Some(0.9));
        assert_eq!(zone_level(&ts, 0, 0), Some(0.5));
        assert_eq!(zone_level(&ts, 0, 1), Some(0.7));
        assert_eq!(busiest_zone(&ts, 0, &[2]), None);
        assert_eq!(zone_level(&ts, 0, gauge::MAX_ZONES), None);
        assert_eq!(longest_streak([true, true, false, true].into_iter()), 2);
        assert_eq!(longest_streak(std::iter::empty()), 0);
    }
}
