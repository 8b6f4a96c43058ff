//! Studies: several runs that answer one design question together.
//!
//! - [`compare`] — scenario files, or the `[[variants]]` of one, run side by side with common
//!   random numbers; each figure with its difference to the first column and whether that
//!   difference is significant (`trafsim compare`, `comparison.json`);
//! - [`sweep`] — one field at several values, a row of estimates per value (`trafsim run
//!   --sweep`, `[sweep]`; `sweep.csv`, `sweep.json`);
//! - [`capacity`] — the highest offered load that meets a latency and error-rate objective,
//!   found by bracketing and bisection, optionally with a zone lost (`trafsim capacity`,
//!   `capacity.json`);
//! - [`overrides`] and [`source`] — how a variant or a sweep point changes the scenario: a
//!   field path and a value applied to the file's TOML value, which is then checked again like
//!   a file written by hand.
//!
//! **Common random numbers.** Every replication draws from streams named per concern
//! (`clients.arrivals`, `service.<name>`, …) and seeded from (seed, replication index, stream
//! name) only (see [`crate::engine::rng`]). Studies run every column, point or probe with the
//! same seed and the same replication indices, so replication *i* of two variants sees the same
//! arrivals — the same offered requests at the same instants — and the same service-time draws
//! for a service of the same name. Differences between columns are then paired, replication
//! by replication ([`crate::stats::Estimate::paired_difference`]), which cancels most of the
//! noise the two share. Changing the arrival *rate* keeps the same underlying draws scaled, so
//! sweep points and capacity probes are smooth in the load.
//!
//! **Determinism.** Everything runs in one rayon pool and is collected in index order
//! (columns, points, replications), so results do not depend on the number of threads.
//!
//! Commands return an [`Outcome`] (what to print, what was written, notes); the binary prints
//! it, so this module never writes to standard output.

pub mod better;
pub mod capacity;
pub mod capacity_shard;
pub mod compare;
pub mod compare_shard;
pub mod metrics;
mod output;
pub mod overrides;
mod render;
pub mod shard_source;
mod slo_fold;
pub mod source;
pub mod sweep;
pub mod sweep_run;
pub mod sweep_shard;

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::model::OverBudget;
use crate::report::OutputError;
use crate::runner;
use crate::runner::SimProgress;
use crate::scenario::{Scenario, ScenarioError};

pub use source::{Source, Variant};

/// The folder under `--out` that holds the comparisons, one folder each
/// (`<out>/compare/<name>/`), so a comparison never writes into a run's folder
/// (`<out>/<scenario>/`).
pub const COMPARE_FOLDER: &str = "compare";

/// The folder under `--out` that holds the capacity searches, one folder per scenario
/// (`<out>/capacity/<scenario>/`), apart from its runs and sweeps (a sweep's `capacity.png`
/// stays in the scenario's own folder).
pub const CAPACITY_FOLDER: &str = "capacity";

/// The options a study shares with `trafsim run`.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Worker threads (`None`: one per CPU). Results do not depend on it.
    pub threads: Option<usize>,
    /// Replications per column, point or probe, instead of the (first) scenario's.
    pub replications: Option<u32>,
    /// Master seed, instead of the (first) scenario's.
    pub seed: Option<u64>,
    /// Folder for results.
    pub out: PathBuf,
    /// No progress bars.
    pub quiet: bool,
    /// Print JSON instead of a table.
    pub json: bool,
    /// Overrides from the command line (`--set`, `--duration`), applied on top of every file
    /// and variant.
    pub flags: Vec<overrides::FlagOverride>,
}

/// What a study command produced: text for standard output, files written, notes for
/// standard error.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// The table, or the JSON document(s) with `--format json`.
    pub text: String,
    /// Files written.
    pub written: Vec<PathBuf>,
    /// Things the user should know (printed on standard error unless quiet).
    pub notes: Vec<String>,
}

impl Outcome {
    /// Appends one result to the text: its JSON document with `--format json`, else its table
    /// (tables after the first are set apart by an empty line).
    pub(crate) fn show(&mut self, json: bool, document: &str, table: impl FnOnce() -> String) {
        if json {
            self.text.push_str(document);
        } else {
            if !self.text.is_empty() {
                self.text.push('\n');
            }
            self.text.push_str(&table());
        }
    }
}

/// Why a study failed.
#[derive(Debug, thiserror::Error)]
pub enum StudyError {
    /// Scenario files (or their variants or sweeps) that did not load (exit 2).
    #[error("{}", invalid_message(.errors, *.total))]
    Invalid {
        /// One error per invalid file.
        errors: Vec<ScenarioError>,
        /// Files given.
        total: usize,
    },
    /// A request that cannot be answered as given (exit 2), e.g. a zone that does not exist.
    #[error("{0}")]
    Usage(String),
    /// An output file or folder (exit 1).
    #[error(transparent)]
    Output(#[from] OutputError),
    /// The worker threads could not start (exit 1).
    #[error("could not start the worker threads: {0}")]
    Threads(#[from] rayon::ThreadPoolBuildError),
    /// A result that could not be serialised (exit 1).
    #[error("could not serialise the results: {0}")]
    Json(#[from] serde_json::Error),
    /// A replication that passed its share of the memory budget (exit 1); nothing is written.
    #[error("{0}")]
    OverBudget(#[from] OverBudget),
    /// A shard's part that could not be written, or parts that do not merge (exit 2 when
    /// they are not one whole comparison, else 1).
    #[error(transparent)]
    Part(#[from] crate::runner::part::PartError),
}

impl StudyError {
    /// The process exit code: 2 for invalid input, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            StudyError::Invalid { .. } | StudyError::Usage(_) => 2,
            StudyError::Part(e) => e.exit_code(),
            _ => 1,
        }
    }
}

fn invalid_message(errors: &[ScenarioError], total: usize) -> String {
    let mut lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
    let verb = if errors.len() == 1 { "is" } else { "are" };
    lines.push(format!(
        "{} of {total} scenario files {verb} invalid; nothing was run",
        errors.len()
    ));
    lines.join("\n")
}

/// Loads and checks every file (with its variants and sweep, and the command line's
/// overrides `flags` on top) before anything runs; all problems of all files are reported
/// together.
pub fn load_sources(
    files: &[PathBuf],
    flags: &[overrides::FlagOverride],
) -> Result<Vec<Source>, StudyError> {
    let mut sources = Vec::new();
    let mut errors = Vec::new();
    for f in files {
        match Source::load_with(f, flags) {
            Ok(s) => sources.push(s),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(sources)
    } else {
        Err(StudyError::Invalid {
            errors,
            total: files.len(),
        })
    }
}

/// `trafsim validate` for one file: the scenario, its variants and its sweep. A file that
/// loads may still have warnings (calls its own network policies deny), returned here.
pub fn validate(path: &Path) -> Result<Vec<crate::scenario::Diagnostic>, ScenarioError> {
    Source::load(path).map(|source| source.base.warnings)
}

/// The seed and replications every run of a study uses: the options', else `first`'s.
pub(crate) fn common_settings(first: &Scenario, opts: &Options) -> (u64, u32) {
    (
        opts.seed.unwrap_or(first.simulation.seed),
        opts.replications.unwrap_or(first.simulation.replications),
    )
}

/// Gives `s` the common seed and replication count.
pub(crate) fn set_common(s: &mut Scenario, (seed, reps): (u64, u32)) {
    s.simulation.seed = seed;
    s.simulation.replications = reps;
}

/// The worker pool.
pub(crate) fn pool(opts: &Options) -> Result<rayon::ThreadPool, StudyError> {
    Ok(rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads.unwrap_or(0))
        .build()?)
}

/// The summary of every scenario's replications (`0..replications` of each), run on the
/// current pool, all scenarios at once, in scenario order. Each scenario streams its
/// replications into its summary a chunk at a time
/// ([`summarise_replications_within_budget`](runner::summarise_replications_within_budget)),
/// so memory holds a few results per scenario in flight, not all of them. Stops with the error
/// of a replication that passed its share of the memory budget.
pub(crate) fn summarise_each(
    scenarios: &[Scenario],
    bar: &SimProgress,
) -> Result<Vec<runner::Summary>, OverBudget> {
    scenarios
        .par_iter()
        .map(|s| {
            let reps = u64::from(s.simulation.replications);
            runner::summarise_replications_within_budget(s, 0..reps, bar)
        })
        .collect()
}

/// A progress bar over the simulated time of every replication of `scenarios`, labelled
/// `label`.
pub(crate) fn bar(scenarios: &[Scenario], label: &str, quiet: bool) -> SimProgress {
    SimProgress::over(scenarios, label, quiet)
}
