//! Time to recover: when per-window p99 latency and error rate are back to normal after a fault.
//!
//! *Normal* is the pre-fault level or the scenario's SLO, whichever is more lenient:
//!
//! - the pre-fault level is the mean, over the windows that lie wholly between the end of the
//!   warm-up and the start of the first fault, of each window's p99 and error ratio (failed /
//!   finished) in the merged series (all replications pooled);
//! - a window's p99 is back when it is at most [`P99_TOLERANCE`] × the pre-fault p99, or at most
//!   the SLO's p99; its error ratio when it is at most the larger of 2 × the pre-fault ratio and
//!   the pre-fault ratio + [`ERROR_TOLERANCE`], or at most the SLO's error rate;
//! - a window in which requests were offered but none finished is not back.
//!
//! Recovery is measured from the fault's end, or from its start for a fault without an end. The
//! system has recovered at the start of the first [`RECOVERY_WINDOWS`] consecutive normal
//! windows that end after that moment; the time to recover is that start minus the moment (0 if
//! it was normal at once). With fewer windows left in the run it has *not recovered*. The
//! headline is read from the merged series; each replication is also judged on its own series
//! with the same thresholds.

use serde::Serialize;

use crate::runner::failover::RunTrace;
use crate::scenario::Scenario;
use crate::stats::{Estimate, TimeSeries, Window};

/// p99 counts as recovered up to this multiple of the pre-fault p99.
pub const P99_TOLERANCE: f64 = 1.5;
/// Error ratio counts as recovered up to the pre-fault ratio plus this (0.1 percentage point),
/// or twice the pre-fault ratio if that is larger.
pub const ERROR_TOLERANCE: f64 = 0.001;
/// Consecutive normal windows that make a recovery (so one lucky window does not).
pub const RECOVERY_WINDOWS: usize = 3;

/// Whether the system came back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RecoveryStatus {
    /// p99 and error rate were back within the thresholds before the run ended.
    Recovered,
    /// They were not back when the run ended.
    NotRecovered,
    /// No pre-fault window after the warm-up and no SLO: nothing to compare with.
    NoReference,
}

impl RecoveryStatus {
    /// The word printed and written to `summary.json`.
    pub fn as_str(self) -> &'static str {
        match self {
            RecoveryStatus::Recovered => "recovered",
            RecoveryStatus::NotRecovered => "not-recovered",
            RecoveryStatus::NoReference => "no-reference",
        }
    }
}

/// Recovery after one fault.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Recovery {
    /// The moment recovery is measured from (the fault's end, or its start if it has none),
    /// seconds since the start of the run.
    pub from_secs: f64,
    /// Pre-fault per-window p99, seconds; `None` without pre-fault windows.
    pub baseline_p99_secs: Option<f64>,
    /// Pre-fault per-window error ratio; `None` without pre-fault windows.
    pub baseline_error_rate: Option<f64>,
    /// A window's p99 at or below this is back to normal, seconds.
    pub p99_threshold_secs: Option<f64>,
    /// A window's error ratio at or below this is back to normal.
    pub error_rate_threshold: Option<f64>,
    /// The verdict on the merged series.
    pub status: RecoveryStatus,
    /// Time to recover on the merged series, seconds; `None` unless recovered.
    pub time_to_recover_secs: Option<f64>,
    /// Replications that recovered, each judged on its own series.
    pub recovered_replications: u64,
    /// Time to recover over the replications that recovered, seconds.
    pub per_replication_secs: Estimate,
}

/// The thresholds a window must meet.
#[derive(Clone, Copy, Debug)]
struct Thresholds {
    p99: f64,
    error_rate: f64,
}

impl Thresholds {
    /// Whether window `w` is back to normal.
    fn normal(&self, w: &Window) -> bool {
        let finished = w.completed + w.errors_total();
        if finished == 0 {
            return w.offered == 0;
        }
        let p99_ok = w.completed == 0 || w.p99().as_secs_f64() <= self.p99;
        p99_ok && w.error_ratio() <= self.error_rate
    }

    /// Seconds from `from` to the start of the first recovery streak, if any.
    fn time_to_recover(&self, series: &TimeSeries, from: f64) -> Option<f64> {
        let ws = series.windows();
        let first = ws.iter().position(|w| w.end.as_secs_f64() > from)?;
        (first..ws.len())
            .find(|&k| {
                k + RECOVERY_WINDOWS <= ws.len()
                    && ws[k..k + RECOVERY_WINDOWS].iter().all(|w| self.normal(w))
            })
            .map(|k| (ws[k].start.as_secs_f64() - from).max(0.0))
    }
}

/// Mean pre-fault p99 (windows with completions) and error ratio (windows with finished
/// requests) of the merged series over `[from, to)`.
fn baseline(series: &TimeSeries, from: f64, to: f64) -> (Option<f64>, Option<f64>) {
    let pre: Vec<&Window> = series
        .windows()
        .iter()
        .filter(|w| w.start.as_secs_f64() >= from && w.end.as_secs_f64() <= to)
        .collect();
    let mean = |v: Vec<f64>| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
    let p99 = pre
        .iter()
        .filter(|w| w.completed > 0)
        .map(|w| w.p99().as_secs_f64())
        .collect();
    let errors = pre
        .iter()
        .filter(|w| w.completed + w.errors_total() > 0)
        .map(|w| w.error_ratio())
        .collect();
    (mean(p99), mean(errors))
}

impl Recovery {
    /// Recovery measured from `from` (seconds), with the pre-fault level taken before
    /// `first_fault` (seconds), on `merged` and on each of `runs`.
    pub(super) fn measure(
        scenario: &Scenario,
        runs: &[RunTrace],
        merged: &TimeSeries,
        first_fault: f64,
        from: f64,
    ) -> Recovery {
        let warmup = scenario.simulation.warmup.as_secs_f64();
        let (base_p99, base_err) = baseline(merged, warmup, first_fault);
        let slo = scenario.slo.as_ref();
        let lenient = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        let p99 = lenient(
            base_p99.map(|p| p * P99_TOLERANCE),
            slo.map(|s| s.p99.as_secs_f64()),
        );
        let err = lenient(
            base_err.map(|e| (2.0 * e).max(e + ERROR_TOLERANCE)),
            slo.map(|s| s.error_rate),
        );
        let mut recovery = Recovery {
            from_secs: from,
            baseline_p99_secs: base_p99,
            baseline_error_rate: base_err,
            p99_threshold_secs: p99,
            error_rate_threshold: err,
            status: RecoveryStatus::NoReference,
            time_to_recover_secs: None,
            recovered_replications: 0,
            per_replication_secs: Estimate::from_samples(&[]),
        };
        let (Some(p99), Some(error_rate)) = (p99, err) else {
            return recovery;
        };
        let t = Thresholds { p99, error_rate };
        recovery.time_to_recover_secs = t.time_to_recover(merged, from);
        recovery.status = match recovery.time_to_recover_secs {
            Some(_) => RecoveryStatus::Recovered,
            None => RecoveryStatus::NotRecovered,
        };
        let each: Vec<f64> = runs
            .iter()
            .filter_map(|r| t.time_to_recover(&r.series, from))
            .collect();
        recovery.recovered_replications = each.len() as u64;
        recovery.per_replication_secs = Estimate::from_samples(&each);
        recovery
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{SimDuration, SimTime};

    /// 10 windows of 10 s; 100 requests per window with 20 ms latency, except windows in
    /// `bad` where half fail and the rest take 2 s.
    fn series(bad: &[usize]) -> TimeSeries {
        let mut ts = TimeSeries::new(
            SimDuration::from_secs(10),
            SimTime::ZERO + SimDuration::from_secs(100),
        );
        for w in 0..10u64 {
            for i in 0..100u64 {
                let t = SimTime::ZERO + SimDuration::from_millis(w * 10_000 + i * 50);
                ts.record_offered(t);
                if bad.contains(&(w as usize)) {
                    if i % 2 == 0 {
                        ts.record_error(t, 0);
                    } else {
                        ts.record_completed(t, SimDuration::from_secs(2));
                    }
                } else {
                    ts.record_completed(t, SimDuration::from_millis(20));
                }
            }
        }
        ts
    }

    #[test]
    fn baseline_and_recovery_streak() {
        let ts = series(&[3, 4, 5, 7]);
        let (p99, err) = baseline(&ts, 0.0, 30.0);
        assert!((p99.unwrap() - 0.02).abs() < 0.001, "{p99:?}");
        assert_eq!(err, Some(0.0));
        let t = Thresholds {
            p99: 0.03,
            error_rate: 0.001,
        };
        // Fault 30–60 s: windows 6, 7, 8 are not a streak (7 is bad); 8, 9 are too short.
        assert_eq!(t.time_to_recover(&ts, 60.0), None);
        let ts = series(&[3, 4, 5]);
        assert_eq!(t.time_to_recover(&ts, 60.0), Some(0.0));
        assert_eq!(t.time_to_recover(&ts, 55.0), Some(5.0));
    }

    #[test]
    fn a_window_where_nothing_finishes_is_not_normal() {
        let mut ts = TimeSeries::new(
            SimDuration::from_secs(10),
            SimTime::ZERO + SimDuration::from_secs(10),
        );
        ts.record_offered(SimTime::ZERO);
        let t = Thresholds {
            p99: 1.0,
            error_rate: 1.0,
        };
        assert!(!t.normal(&ts.windows()[0]));
    }
}
