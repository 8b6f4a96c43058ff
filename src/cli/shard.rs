//! The command line of sharded runs: `trafsim run --shard K/N` (or `--shard-from-env` in a
//! Kubernetes Indexed Job or a Slurm array) writes one part per scenario into
//! `<OUT>/<name>.parts/`, and `trafsim merge` turns a run's parts into the files a
//! single-machine run writes (see `trafsim::runner::part`).

use std::io::{self, Write};
use std::path::PathBuf;

use clap::Args;
use trafsim::report;
use trafsim::runner::{self, Shard, part};
use trafsim::scenario::{self, Scenario};
use trafsim::study::overrides::FlagOverride;
use trafsim::study::{capacity_shard, compare_shard, shard_source, sweep_shard};

use super::{CliError, Format, show_outcome, show_summary, write_run_set};

/// How `trafsim run` is split over machines.
#[derive(Clone, Debug, Default, Args)]
pub struct ShardArgs {
    /// Run only shard K of N (K from 0 to N-1): the replications i with i mod N = K. Writes
    /// <OUT>/<name>.parts/part-K-of-N.trafsim-part; `trafsim merge` joins the parts. A sweep:
    /// the runs t = point × replications + i with t mod N = K, into
    /// <OUT>/<name>.sweep-parts/part-K-of-N.trafsim-sweep-part.
    #[arg(long, value_name = "K/N", value_parser = Shard::parse, conflicts_with = "precision")]
    pub shard: Option<Shard>,
    /// Like --shard, with K and N from the environment: JOB_COMPLETION_INDEX (a Kubernetes
    /// Indexed Job; N from --shard-count or TRAFSIM_SHARD_COUNT) or SLURM_ARRAY_TASK_ID less
    /// SLURM_ARRAY_TASK_MIN (N from SLURM_ARRAY_TASK_COUNT).
    #[arg(long, conflicts_with_all = ["shard", "precision"])]
    pub shard_from_env: bool,
    /// The shard count N for --shard-from-env (a Job's completions).
    #[arg(long, value_name = "N", requires = "shard_from_env", value_parser = clap::value_parser!(u64).range(1..=runner::shard::MAX_SHARDS))]
    pub shard_count: Option<u64>,
}

impl ShardArgs {
    /// The shard to run, if any (an environment that gives none is an error, exit 2).
    pub fn resolve(&self) -> Result<Option<Shard>, CliError> {
        if self.shard_from_env {
            let var = |name: &str| std::env::var(name).ok();
            return Shard::from_env(self.shard_count, &var)
                .map(Some)
                .map_err(CliError::Usage);
        }
        Ok(self.shard)
    }
}

/// How `trafsim compare` is split over machines (every column runs the shard's replications).
#[derive(Clone, Debug, Default, Args)]
pub struct CompareShardArgs {
    /// Run only shard K of N (K from 0 to N-1): the replications i with i mod N = K of every
    /// column. Writes <OUT>/compare/<name>.parts/part-K-of-N.trafsim-compare-part; `trafsim
    /// merge` joins the parts into the comparison.
    #[arg(long, value_name = "K/N", value_parser = Shard::parse)]
    pub shard: Option<Shard>,
    /// Like --shard, with K and N from the environment: JOB_COMPLETION_INDEX (a Kubernetes
    /// Indexed Job; N from --shard-count or TRAFSIM_SHARD_COUNT) or SLURM_ARRAY_TASK_ID less
    /// SLURM_ARRAY_TASK_MIN (N from SLURM_ARRAY_TASK_COUNT).
    #[arg(long, conflicts_with = "shard")]
    pub shard_from_env: bool,
    /// The shard count N for --shard-from-env (a Job's completions).
    #[arg(long, value_name = "N", requires = "shard_from_env", value_parser = clap::value_parser!(u64).range(1..=runner::shard::MAX_SHARDS))]
    pub shard_count: Option<u64>,
}

impl CompareShardArgs {
    /// The shard to run, if any (an environment that gives none is an error, exit 2).
    pub fn resolve(&self) -> Result<Option<Shard>, CliError> {
        ShardArgs {
            shard: self.shard,
            shard_from_env: self.shard_from_env,
            shard_count: self.shard_count,
        }
        .resolve()
    }
}

/// How one probe of a capacity search is split over machines (`capacity --probe RATE`).
#[derive(Clone, Debug, Default, Args)]
pub struct ProbeShardArgs {
    /// With --probe: run only shard K of N (K from 0 to N-1) of that probe, the replications
    /// i with i mod N = K. Writes <OUT>/capacity/probe-parts/<probe>/part-K-of-N.trafsim-probe-part;
    /// `trafsim merge` joins the parts.
    #[arg(long, value_name = "K/N", value_parser = Shard::parse)]
    pub shard: Option<Shard>,
    /// Like --shard, with K and N from the environment: JOB_COMPLETION_INDEX (a Kubernetes
    /// Indexed Job; N from --shard-count or TRAFSIM_SHARD_COUNT) or SLURM_ARRAY_TASK_ID less
    /// SLURM_ARRAY_TASK_MIN (N from SLURM_ARRAY_TASK_COUNT).
    #[arg(long, conflicts_with = "shard")]
    pub shard_from_env: bool,
    /// The shard count N for --shard-from-env (a Job's completions).
    #[arg(long, value_name = "N", requires = "shard_from_env", value_parser = clap::value_parser!(u64).range(1..=runner::shard::MAX_SHARDS))]
    pub shard_count: Option<u64>,
}

impl ProbeShardArgs {
    /// The shard to run, if any (an environment that gives none is an error, exit 2).
    pub fn resolve(&self) -> Result<Option<Shard>, CliError> {
        ShardArgs {
            shard: self.shard,
            shard_from_env: self.shard_from_env,
            shard_count: self.shard_count,
        }
        .resolve()
    }
}

/// Options of `trafsim merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Part files, or folders of them (every *.trafsim-part inside), of one sharded run; or
    /// the shards' --out folder, to merge every <name>.parts folder in it (one run each); or
    /// the parts of one sharded comparison (*.trafsim-compare-part, or their folder
    /// <OUT>/compare/<name>.parts), written to <OUT>/compare/<name>/; or the parts of one
    /// sharded sweep (*.trafsim-sweep-part, or their folder <OUT>/<name>.sweep-parts),
    /// written to <OUT>/<name>/; or the parts of one capacity probe (`capacity --probe`),
    /// written to <OUT>/capacity/probes/.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Folder for results; the run's files go into <OUT>/<scenario name>/.
    #[arg(long, value_name = "DIR", default_value = "output")]
    pub out: PathBuf,
    /// No notes on standard error.
    #[arg(long, short)]
    pub quiet: bool,
    /// What to print on standard output: the table, or (json) summary.json.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// What `trafsim run --shard` was asked to do, besides the scenarios.
pub struct ShardRun<'a> {
    /// The shard to run.
    pub shard: Shard,
    /// The command line's overrides (`--duration`, `--set`), already applied to the
    /// scenarios; the parts hold them as written.
    pub flags: &'a [FlagOverride],
    /// `--out`.
    pub out: &'a std::path::Path,
    /// `--format`.
    pub format: Format,
    /// `--quiet`.
    pub quiet: bool,
}

/// Runs shard `shard` of every scenario (read from `files`) on `pool` and writes the parts.
pub fn run_shards(
    scenarios: &[Scenario],
    files: &[PathBuf],
    run: &ShardRun,
    pool: &rayon::ThreadPool,
) -> Result<(), CliError> {
    let ShardRun {
        shard,
        flags,
        out,
        format,
        quiet,
    } = *run;
    let mut stdout = io::stdout().lock();
    for (s, file) in scenarios.iter().zip(files) {
        let reps = u64::from(s.simulation.replications);
        let bar =
            runner::SimProgress::new(shard.share_of(reps), s.simulation.duration, &s.name, quiet);
        let dir = part::parts_dir(out, &s.name);
        let origin = file.display().to_string();
        // The part holds the file as written and the overrides apart: the merge applies them.
        let text = if flags.is_empty() {
            String::new()
        } else {
            scenario::read_text(file).map_err(|e| CliError::Invalid {
                errors: vec![e],
                total: files.len(),
                ran: true,
            })?
        };
        let header = part::PartHeader::new(s, &origin, shard)
            .with_overrides(&text, shard_source::written(flags));
        let path = pool.install(|| part::run_shard_as(header, s, &dir, &bar))?;
        bar.finish_and_clear();
        let line = format!(
            "{}: shard {shard}, {} of {reps} replications; written: {}",
            s.name,
            shard.share_of(reps),
            path.display()
        );
        match format {
            Format::Table => writeln!(stdout, "{line}")?,
            Format::Json | Format::Markdown if !quiet => {
                let _ = writeln!(io::stderr(), "{line}");
            }
            Format::Json | Format::Markdown => {}
        }
    }
    stdout.flush()?;
    Ok(())
}

/// `trafsim merge`: checks the parts of each run, merges them and writes what `trafsim run`
/// writes. A folder of `<name>.parts` folders is one run per scenario. Comparison parts
/// (`compare --shard`) are merged into their comparisons first, then sweep parts (`run
/// --sweep … --shard`) into their sweeps.
pub fn merge(args: &MergeArgs) -> Result<(), CliError> {
    let (probes, rest) = capacity_shard::split_merge_paths(&args.paths);
    let (comparisons, rest) = if rest.is_empty() {
        (Vec::new(), rest)
    } else {
        compare_shard::split_merge_paths(&rest)
    };
    let (sweeps, rest) = if rest.is_empty() {
        (Vec::new(), rest)
    } else {
        sweep_shard::split_merge_paths(&rest)
    };
    let opts = trafsim::study::Options {
        threads: None,
        replications: None,
        seed: None,
        out: args.out.clone(),
        quiet: args.quiet,
        json: args.format == Format::Json,
        flags: Vec::new(),
    };
    for paths in &comparisons {
        let outcome = compare_shard::merge(paths, &args.out, opts.json)?;
        show_outcome(&outcome, &opts)?;
    }
    for paths in &probes {
        let outcome = capacity_shard::merge(paths, &args.out, opts.json)?;
        show_outcome(&outcome, &opts)?;
    }
    for paths in &sweeps {
        let outcome = sweep_shard::merge(paths, &args.out, opts.json)?;
        show_outcome(&outcome, &opts)?;
    }
    let studies = probes.len() + comparisons.len() + sweeps.len();
    if studies > 0 && rest.is_empty() {
        return Ok(());
    }
    for (i, run) in part::runs_in(&rest)?.iter().enumerate() {
        merge_one(args, run, i > 0 || studies > 0)?;
    }
    Ok(())
}

/// Merges one run's parts and shows it (after an empty line if `separate`).
fn merge_one(args: &MergeArgs, paths: &[PathBuf], separate: bool) -> Result<(), CliError> {
    let (scenario, summary) = shard_source::merge_run(paths)?;
    let dir = report::output_dir(&args.out, &scenario.name)?;
    let written = write_run_set(&dir, &scenario, &summary)?;
    show_summary(args.format, args.quiet, &summary, &dir, &written, separate)
}
