//! A comparison column's SLO verdict, folded one replication at a time: the same judgement as a
//! run's (`SloVerdict::from_runs`), so a column of `compare` and `trafsim run` on the same
//! scenario, seed and replications give the same verdict. Requests unfinished at the end enter
//! the p99 with their age, and those older than the target count as errors.

use crate::model::RunResult;
use crate::runner::SloVerdict;
use crate::scenario::Slo;

/// Per-replication samples of the figures an SLO judges.
#[derive(Clone, Debug, Default)]
pub struct SloFold {
    /// Per replication: the p99 of its successes and unfinished ages together, seconds.
    p99s: Vec<f64>,
    /// Per replication with offered requests: (failed + unfinished past the target) ÷ offered.
    rates: Vec<f64>,
    /// Unfinished requests past the target, all replications.
    misses: u64,
}

impl SloFold {
    /// Adds the next replication (in index order).
    pub fn push(&mut self, r: &RunResult) {
        let mut h = r.latency.clone();
        h.merge(&r.unfinished);
        if !h.is_empty() {
            self.p99s.push(h.quantile(0.99).as_secs_f64());
        }
        if r.offered > 0 {
            self.rates
                .push((r.failed_total() + r.unfinished_over_slo) as f64 / r.offered as f64);
        }
        self.misses += r.unfinished_over_slo;
    }

    /// The verdict against `slo`.
    pub fn finish(self, slo: &Slo) -> SloVerdict {
        SloVerdict::from_samples(slo, &self.p99s, &self.rates, self.misses)
    }
}
