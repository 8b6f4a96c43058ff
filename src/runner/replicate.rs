//! Running replications in parallel, collected in replication-index order.

use std::ops::Range;

use rayon::prelude::*;

use crate::model::{self, RunResult};
use crate::scenario::Scenario;

/// Runs every replication of `scenario` (indices `0..replications`) on the current rayon pool,
/// in index order, with no progress reporting.
pub fn run_all(scenario: &Scenario) -> Vec<RunResult> {
    let reps = u64::from(scenario.simulation.replications);
    run_replications(scenario, 0..reps, &|_| {})
}

/// Runs the replications with indices `reps` of `scenario` on the current rayon pool and returns
/// their results in index order.
///
/// `progress` is called once per finished replication, with its index, from whichever worker
/// thread ran it (so in no particular order); a progress bar's `inc(1)` fits. The results do not
/// depend on the thread count: each replication seeds itself from its index, and the collect
/// keeps index order.
pub fn run_replications(
    scenario: &Scenario,
    reps: Range<u64>,
    progress: &(dyn Fn(u64) + Sync),
) -> Vec<RunResult> {
    reps.into_par_iter()
        .map(|replication| {
            let result = model::simulate(scenario, replication);
            progress(replication);
            result
        })
        .collect()
}
