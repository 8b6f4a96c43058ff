//! Sequential replication: add parallel batches until p99 latency is known precisely enough.
//!
//! `--precision 5%` asks for replications until the 95% confidence interval of the p99 latency
//! (the mean of the per-replication p99s) has a half-width of at most 5% of its mean, with an
//! upper bound on the number of replications, as JMT and lqsim do.
//!
//! Batches run in parallel (one replication per thread), but the stopping rule is applied to the
//! replications one by one in index order: the run stops at the *smallest* count n (at least
//! [`MIN_PRECISION_REPLICATIONS`]) whose first n replications meet the target, and replications
//! of the last batch beyond n are discarded. So the replications used, and the summary, are the
//! same whatever the number of threads; a larger batch only wastes up to `batch − 1` runs.

use serde::Serialize;

use crate::model::OverBudget;
use crate::runner::builder::SummaryBuilder;
use crate::runner::progress::Progress;
use crate::runner::replicate::run_replications_within_budget;
use crate::runner::summary::Summary;
use crate::scenario::Scenario;
use crate::stats::Estimate;

/// Fewest replications after which the precision target may be declared met. Two would give an
/// interval, but one so wide (t = 12.7) that meeting the target by chance with two similar runs
/// is the main risk; three costs little and cuts it sharply.
pub const MIN_PRECISION_REPLICATIONS: u64 = 3;

/// How a `--precision` run ended.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct PrecisionOutcome {
    /// The target: largest acceptable half-width of the p99's 95% interval, as a share of its
    /// mean (0.05 for `5%`).
    pub target: f64,
    /// The relative half-width reached with the replications used; `None` when no interval
    /// exists (fewer than two replications with a successful request).
    pub achieved: Option<f64>,
    /// Whether `achieved <= target`.
    pub met: bool,
    /// The upper bound on replications that was given.
    pub max_replications: u64,
}

/// Runs replications 0, 1, 2, … of `scenario` in parallel batches of `batch` (at least 2) until
/// the 95% interval of p99 latency is within `rel` of its mean (`rel = 0.05` for 5%), or
/// `max_reps` replications have run. Returns the summary of the replications used (each pushed
/// into a [`SummaryBuilder`] in index order as its batch ends, so only one batch of results is
/// held at once), with [`Summary::precision`] set to how the search ended. `progress` is called
/// once per replication run (including discarded ones). Each replication runs within its share
/// of the memory budget ([`set_memory_budget`](crate::runner::set_memory_budget)); the error of
/// one that passes it ends the search.
pub fn run_until_precise(
    scenario: &Scenario,
    rel: f64,
    max_reps: u64,
    batch: u64,
    progress: &dyn Progress,
) -> Result<(Summary, PrecisionOutcome), OverBudget> {
    let batch = batch.max(2);
    let max_reps = max_reps.max(1);
    let mut builder = SummaryBuilder::new(scenario);
    loop {
        let start = builder.replications();
        let end = start.saturating_add(batch).min(max_reps);
        for run in run_replications_within_budget(scenario, start..end, progress)? {
            builder.push(&run);
            let achieved = achieved(builder.p99_samples());
            let met = achieved.is_some_and(|a| a <= rel);
            let enough = builder.replications() >= MIN_PRECISION_REPLICATIONS.min(max_reps);
            if (met && enough) || builder.replications() >= max_reps {
                let outcome = PrecisionOutcome {
                    target: rel,
                    achieved,
                    met,
                    max_replications: max_reps,
                };
                let mut summary = builder.finish();
                summary.precision = Some(outcome);
                return Ok((summary, outcome));
            }
        }
    }
}

/// Relative half-width of the interval of the per-replication p99s `p99s`, or `None` without
/// an interval.
fn achieved(p99s: &[f64]) -> Option<f64> {
    let e = Estimate::from_samples(p99s);
    let rel = e.relative_half_width();
    (e.n >= 2 && rel.is_finite()).then_some(rel)
}
