//! Running replications in parallel, collected in replication-index order, each within its
//! share of the process's memory budget; and streaming them, a few per thread at a time, into
//! a fold (the summary builder) so that a run of many replications never holds them all.

use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use crate::model::{self, OverBudget, RunResult};
use crate::runner::builder::SummaryBuilder;
use crate::runner::progress::Progress;
use crate::runner::summary::Summary;
use crate::scenario::Scenario;

/// Replications run at once per chunk of a streamed run, per worker thread: enough to keep
/// every thread busy between the ordered folds, few enough that the results held at once stay
/// a small multiple of the thread count.
pub const CHUNK_PER_THREAD: u64 = 4;

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
/// `progress` is told of each finished replication, with its index, from whichever worker
/// thread ran it (so in no particular order), and of its whole duration as simulated time (the
/// budgeted runs below report their clocks as they go); a closure `|replication| …` fits. The results do not
/// depend on the thread count: each replication seeds itself from its index, and the collect
/// keeps index order.
pub fn run_replications(
    scenario: &Scenario,
    reps: Range<u64>,
    progress: &dyn Progress,
) -> Vec<RunResult> {
    reps.into_par_iter()
        .map(|replication| {
            let result = model::simulate(scenario, replication);
            progress.advanced(scenario.simulation.duration);
            progress.finished(replication);
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
    progress: &dyn Progress,
) -> Result<Vec<RunResult>, OverBudget> {
    run_chunk_within_budget(scenario, reps.clone(), reps, progress)
}

/// Runs the replications `reps` of `scenario` on the current rayon pool, each within its share
/// of the memory budget, and hands each result to `fold` in index order, in chunks of
/// [`CHUNK_PER_THREAD`] × threads: a chunk runs in parallel, is folded, and is dropped before
/// the next one starts, so at most one chunk of results is alive at once. `fold` returns
/// whether it wants more; `false` stops after that result (the rest of its chunk is dropped).
/// The error of a replication that passed the budget stops the run.
pub fn fold_replications_within_budget(
    scenario: &Scenario,
    reps: Range<u64>,
    progress: &dyn Progress,
    fold: &mut dyn FnMut(RunResult) -> bool,
) -> Result<(), OverBudget> {
    let chunk = CHUNK_PER_THREAD * (rayon::current_num_threads() as u64).max(1);
    let mut start = reps.start;
    while start < reps.end {
        let end = start.saturating_add(chunk).min(reps.end);
        // The budget share is that of a run of the whole range, so it does not depend on where
        // the chunks fall.
        let results = run_chunk_within_budget(scenario, start..end, reps.clone(), progress)?;
        for run in results {
            if !fold(run) {
                return Ok(());
            }
        }
        start = end;
    }
    Ok(())
}

/// Runs the replications `reps` of every scenario of `scenarios` (several columns of one
/// study) on the current rayon pool, each within its share of the memory budget, and hands each
/// result to `fold` with its scenario's index. Results go in chunks of [`CHUNK_PER_THREAD`] ×
/// threads (replication, scenario) pairs, replication-major: a chunk runs in parallel, is
/// folded in order, and is dropped before the next one starts, so at most one chunk of results
/// is alive at once, and each scenario's results reach `fold` in index order. A replication's
/// budget share is that of [`run_replications_within_budget`] of `reps` alone. The error of a
/// replication that passed the budget stops the run.
pub fn fold_each_within_budget(
    scenarios: &[Scenario],
    reps: Range<u64>,
    progress: &dyn Progress,
    fold: &mut dyn FnMut(usize, RunResult),
) -> Result<(), OverBudget> {
    let reps: Vec<u64> = reps.collect();
    fold_each_of_within_budget::<OverBudget>(scenarios, &reps, progress, &mut |column, run| {
        fold(column, run);
        Ok(())
    })
}

/// [`fold_each_within_budget`] of the replication indices `reps` (in the order given), not
/// necessarily consecutive (a shard's share of a run or a comparison), with a `fold` that may
/// fail: its error stops the run (writing a part to a full disk, say).
pub fn fold_each_of_within_budget<E: From<OverBudget>>(
    scenarios: &[Scenario],
    reps: &[u64],
    progress: &dyn Progress,
    fold: &mut dyn FnMut(usize, RunResult) -> Result<(), E>,
) -> Result<(), E> {
    let columns = scenarios.len() as u64;
    let chunk = CHUNK_PER_THREAD * (rayon::current_num_threads() as u64).max(1);
    let count = reps.len() as u64;
    let total = count.saturating_mul(columns);
    let at_once = (rayon::current_num_threads() as u64).clamp(1, count.max(1));
    let share = memory_budget() / at_once;
    let mut start = 0;
    while start < total {
        let end = start.saturating_add(chunk).min(total);
        let results: Vec<(usize, RunResult)> = (start..end)
            .into_par_iter()
            .map(|pair| {
                let column = (pair % columns) as usize;
                let replication = reps[(pair / columns) as usize];
                let advance = |by| progress.advanced(by);
                let result =
                    model::simulate_reporting(&scenarios[column], replication, share, &advance)?;
                progress.finished(replication);
                Ok((column, result))
            })
            .collect::<Result<_, OverBudget>>()?;
        for (column, run) in results {
            fold(column, run)?;
        }
        start = end;
    }
    Ok(())
}

/// The replications `chunk` (part of `all`) run within their shares of the budget, as
/// [`run_replications_within_budget`] would give them for `all`.
fn run_chunk_within_budget(
    scenario: &Scenario,
    chunk: Range<u64>,
    all: Range<u64>,
    progress: &dyn Progress,
) -> Result<Vec<RunResult>, OverBudget> {
    let at_once =
        (rayon::current_num_threads() as u64).clamp(1, all.end.saturating_sub(all.start).max(1));
    let share = memory_budget() / at_once;
    chunk
        .into_par_iter()
        .map(|replication| {
            let advance = |by| progress.advanced(by);
            let result = model::simulate_reporting(scenario, replication, share, &advance)?;
            progress.finished(replication);
            Ok(result)
        })
        .collect()
}

/// The [`Summary`] of the replications `reps` of `scenario`, streamed into a
/// [`SummaryBuilder`] (see [`fold_replications_within_budget`]): the same summary as
/// [`Summary::from_runs`] of [`run_replications_within_budget`]'s results, in memory that does
/// not grow with whole results.
pub fn summarise_replications_within_budget(
    scenario: &Scenario,
    reps: Range<u64>,
    progress: &dyn Progress,
) -> Result<Summary, OverBudget> {
    let mut builder = SummaryBuilder::new(scenario);
    fold_replications_within_budget(scenario, reps, progress, &mut |run| {
        builder.push(&run);
        true
    })?;
    Ok(builder.finish())
}
