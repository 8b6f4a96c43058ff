//! Running replications in parallel, collected in replication-index order, each within its
//! share of the process's memory budget.

use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use crate::model::{self, OverBudget, RunResult};
use crate::scenario::Scenario;

/// The memory budget of the replications running at once, bytes (`u64::MAX`: none, the
/// library's default; the command line sets one).
static MEMORY_BUDGET: AtomicU64 = AtomicU64::new(u64::MAX);

/// Sets the memory budget, in bytes, shared by the replications that run at once: each gets
/// the budget divided by the threads in use, and stops with [`OverBudget`] when its state
/// (request arena, calendar, waiting lines) grows past its share. `u64::MAX`: no budget.
pub fn set_memory_budget(bytes: u64) {
    MEMORY_BUDGET.store(bytes, Ordering::Relaxed);
}

/// The memory budget set by [`set_memory_budget`] (`u64::MAX` when none was).
pub fn memory_budget() -> u64 {
    MEMORY_BUDGET.load(Ordering::Relaxed)
}

/// Runs every replication of `scenario` (indices `0..replications`) on the current rayon pool,
/// in index order, with no progress reporting and no memory budget.
pub fn run_all(scenario: &Scenario) -> Vec<RunResult> {
    let reps = u64::from(scenario.simulation.replications);
    run_replications(scenario, 0..reps, &|_| {})
}

/// Runs the replications with indices `reps` of `scenario` on the current rayon pool and returns
/// their results in index order, with no memory budget.
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

/// Like [`run_replications`], but each replication runs within its share of the memory budget
/// (see [`set_memory_budget`]): the error of one that passed it stops the others early. Below
/// the budget the results are those of [`run_replications`].
pub fn run_replications_within_budget(
    scenario: &Scenario,
    reps: Range<u64>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<RunResult>, OverBudget> {
    let at_once =
        (rayon::current_num_threads() as u64).clamp(1, reps.end.saturating_sub(reps.start).max(1));
    let share = memory_budget() / at_once;
    reps.into_par_iter()
        .map(|replication| {
            let result = model::simulate_within(scenario, replication, share)?;
            progress(replication);
            Ok(result)
        })
        .collect()
}
