//! The SLO verdict: do the estimates meet the scenario's `[slo]` targets, with what confidence.
//!
//! A target is *met* when the whole 95% interval lies at or below it, *missed* when the whole
//! interval lies above it, and *inconclusive* when the interval straddles it (more replications,
//! or `--precision`, would decide). With a single replication there is no interval and the
//! verdict compares the point value. The overall verdict is missed if any target is missed,
//! met if all are met, and inconclusive otherwise. A target with no data to judge (no
//! replication finished or held anything) is inconclusive, never met.
//!
//! Requests still unfinished when a run ends count against the SLO: each enters the p99 with
//! its age at the end (a lower bound of its latency), and one older than the p99 target has
//! already missed it, so it also counts in the error rate judged, beside the failures.

use serde::Serialize;

use crate::model::RunResult;
use crate::scenario::Slo;
use crate::stats::{Estimate, LatencyHistogram};

/// Whether an estimate meets an upper-bound target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The whole interval is at or below the target.
    Met,
    /// The whole interval is above the target.
    Missed,
    /// The interval contains the target.
    Inconclusive,
}

impl Verdict {
    /// Judges `estimate` against the upper bound `target`; inconclusive with no samples.
    pub fn of(estimate: &Estimate, target: f64) -> Verdict {
        if estimate.n == 0 {
            Verdict::Inconclusive
        } else if estimate.upper() <= target {
            Verdict::Met
        } else if estimate.lower() > target {
            Verdict::Missed
        } else {
            Verdict::Inconclusive
        }
    }

    /// The verdict of several targets together.
    pub fn all(verdicts: &[Verdict]) -> Verdict {
        if verdicts.contains(&Verdict::Missed) {
            Verdict::Missed
        } else if verdicts.iter().all(|v| *v == Verdict::Met) {
            Verdict::Met
        } else {
            Verdict::Inconclusive
        }
    }

    /// The word printed and written to `summary.json`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Met => "met",
            Verdict::Missed => "missed",
            Verdict::Inconclusive => "inconclusive",
        }
    }
}

/// The scenario's SLO against the run's estimates.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SloVerdict {
    /// Target p99 end-to-end latency, seconds.
    pub p99_target_secs: f64,
    /// Highest acceptable error rate, a share in [0, 1].
    pub error_rate_target: f64,
    /// The p99 latency estimate judged, seconds: of the successes' latencies and the
    /// unfinished requests' ages at the end, together (`null` with neither).
    #[serde(serialize_with = "crate::runner::summary::estimate_or_null")]
    pub p99: Estimate,
    /// The error-rate estimate judged: failed requests and unfinished ones older than the p99
    /// target, over offered requests.
    #[serde(serialize_with = "crate::runner::summary::estimate_or_null")]
    pub error_rate: Estimate,
    /// Unfinished requests older than the p99 target at the end, all replications: counted as
    /// latency misses and in the error rate judged.
    pub unfinished_misses: u64,
    /// p99 against its target.
    pub p99_verdict: Verdict,
    /// Error rate against its target.
    pub error_rate_verdict: Verdict,
    /// Both together.
    pub verdict: Verdict,
}

impl SloVerdict {
    /// Judges the p99 (seconds) and error-rate estimates against `slo`.
    pub fn judge(slo: &Slo, p99: Estimate, error_rate: Estimate) -> SloVerdict {
        let p99_target_secs = slo.p99.as_secs_f64();
        let p99_verdict = Verdict::of(&p99, p99_target_secs);
        let error_rate_verdict = Verdict::of(&error_rate, slo.error_rate);
        SloVerdict {
            p99_target_secs,
            error_rate_target: slo.error_rate,
            p99,
            error_rate,
            unfinished_misses: 0,
            p99_verdict,
            error_rate_verdict,
            verdict: Verdict::all(&[p99_verdict, error_rate_verdict]),
        }
    }

    /// Judges the replications `runs` against `slo`, counting their unfinished requests (see
    /// the module docs).
    pub fn from_runs(slo: &Slo, runs: &[RunResult]) -> SloVerdict {
        let p99s: Vec<f64> = runs
            .iter()
            .filter_map(|r| {
                let mut h: LatencyHistogram = r.latency.clone();
                h.merge(&r.unfinished);
                (!h.is_empty()).then(|| h.quantile(0.99).as_secs_f64())
            })
            .collect();
        let rates: Vec<f64> = runs
            .iter()
            .filter(|r| r.offered > 0)
            .map(|r| (r.failed_total() + r.unfinished_over_slo) as f64 / r.offered as f64)
            .collect();
        let misses = runs.iter().map(|r| r.unfinished_over_slo).sum();
        Self::from_samples(slo, &p99s, &rates, misses)
    }

    /// Judges per-replication samples against `slo`: `p99s`, the p99 of each replication's
    /// successes and unfinished ages together; `rates`, its (failed + unfinished past the
    /// target) ÷ offered; `misses`, the unfinished requests past the target, all replications.
    pub fn from_samples(slo: &Slo, p99s: &[f64], rates: &[f64], misses: u64) -> SloVerdict {
        SloVerdict {
            unfinished_misses: misses,
            ..Self::judge(
                slo,
                Estimate::from_samples(p99s),
                Estimate::from_samples(rates),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimDuration;

    fn est(mean: f64, half_width: f64) -> Estimate {
        Estimate {
            mean,
            half_width,
            n: 5,
            std_dev: 1.0,
        }
    }

    #[test]
    fn interval_against_target() {
        assert_eq!(Verdict::of(&est(0.2, 0.05), 0.3), Verdict::Met);
        assert_eq!(Verdict::of(&est(0.25, 0.25), 0.5), Verdict::Met); // upper == target
        assert_eq!(Verdict::of(&est(0.4, 0.05), 0.3), Verdict::Missed);
        assert_eq!(Verdict::of(&est(0.28, 0.05), 0.3), Verdict::Inconclusive);
        assert_eq!(Verdict::of(&est(0.32, 0.05), 0.3), Verdict::Inconclusive);
    }

    #[test]
    fn nothing_to_judge_is_never_met() {
        // Before: an empty estimate (mean 0, n 0) was "met" by any target.
        let none = Estimate::from_samples(&[]);
        assert_eq!(Verdict::of(&none, 0.3), Verdict::Inconclusive);
    }

    #[test]
    fn combined_verdict() {
        use Verdict::*;
        assert_eq!(Verdict::all(&[Met, Met]), Met);
        assert_eq!(Verdict::all(&[Met, Inconclusive]), Inconclusive);
        assert_eq!(Verdict::all(&[Inconclusive, Missed]), Missed);
    }

    #[test]
    fn judge_uses_seconds() {
        let slo = Slo {
            p99: SimDuration::from_millis(300),
            error_rate: 0.001,
        };
        let v = SloVerdict::judge(&slo, est(0.1, 0.01), est(0.01, 0.001));
        assert_eq!(v.p99_target_secs, 0.3);
        assert_eq!(v.p99_verdict, Verdict::Met);
        assert_eq!(v.error_rate_verdict, Verdict::Missed);
        assert_eq!(v.verdict, Verdict::Missed);
        let json = serde_json::to_value(&v).unwrap();
        assert_eq!(json["verdict"], "missed");
    }
}
