//! The command line: what `trafsim` accepts (clap derive), and what each command does with it.
//!
//! Arguments are parsed and checked one by one by clap (`--threads 0` is refused there, with
//! exit code 2), then resolved into domain objects: every scenario file is loaded and checked
//! before anything runs, so a typo in the third file fails at once rather than after two long
//! runs, and every output folder is created before the first replication starts.
//!
//! Sharded runs (`run --shard`, `merge`) live in [`shard`].
//!
//! Exit codes: 0 success; 1 a runtime failure (an output file that cannot be written, a thread
//! pool that cannot start); 2 invalid input (a scenario error, a bad flag). A closed standard
//! output (`trafsim run … | head`) is not an error.

mod shard;

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};
use trafsim::report::{self, OutputError};
use trafsim::runner::{self, Summary};
use trafsim::scenario::{self, Scenario, ScenarioError, limits};
use trafsim::study::{self, StudyError, capacity, overrides::FlagOverride, sweep::Sweep};

/// Upper bound on replications with `--precision` when `--max-replications` is not given.
const DEFAULT_MAX_REPLICATIONS: u32 = 100;

/// Discrete-event simulation of traffic through an Azure Kubernetes Service platform.
#[derive(Debug, Parser)]
#[command(name = "trafsim", version, about, after_help = EXIT_CODES)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Exit codes and examples, shown in `--help`.
const EXIT_CODES: &str = "Examples:
  trafsim init my-cluster.toml --ingress nginx --egress nat-gateway --zones 3
  trafsim validate scenarios/*.toml
  trafsim run scenarios/zone-outage.toml
  trafsim compare scenarios/zone-outage-nat.toml
  trafsim capacity scenarios/mm1.toml --slo-p99 100ms

Exit codes: 0 success, 1 runtime failure (e.g. output not writable), 2 invalid input.";

/// Examples of `trafsim run`, shown in its `--help`.
const RUN_EXAMPLES: &str = "Examples:
  trafsim run scenarios/zone-outage.toml
  trafsim run scenarios/zone-outage.toml --replications 4 --duration 5m --set clients.rate=3000
  trafsim run scenarios/mm1.toml --sweep clients.rate=20..80:20
  trafsim run scenarios/mm1.toml --precision 2% --max-replications 40 --format json

A file with [[variants]] is refused: run its variants with `trafsim compare`.";

/// Examples of `trafsim compare`, shown in its `--help`.
const COMPARE_EXAMPLES: &str = "Examples:
  trafsim compare scenarios/zone-outage-nat.toml
  trafsim compare scenarios/ingress-*.toml --name ingress --replications 4
  trafsim compare scenarios/compare-ingress.toml --set clients.rate=3000 --format json

Results go to <OUT>/compare/<name>/, apart from the runs' folders.";

/// Examples of `trafsim capacity`, shown in its `--help`.
const CAPACITY_EXAMPLES: &str = "Examples:
  trafsim capacity scenarios/mm1.toml --slo-p99 100ms
  trafsim capacity scenarios/compare-ingress.toml --lose-zone 2
  trafsim capacity scenarios/compare-ingress.toml --duration 2m --tolerance 5%

Results go to <OUT>/capacity/<scenario name>/, apart from the runs' folders.";

/// Examples of `trafsim init`, shown in its `--help`.
const INIT_EXAMPLES: &str = "Examples:
  trafsim init my-cluster.toml
  trafsim init internal.toml --ingress nginx --egress firewall --zones 3
  trafsim init single-zone.toml --ingress none --egress direct --zones 1";

/// `--format` of `compare`.
const COMPARE_FORMAT: &str = "What to print on standard output: the comparison table, or (json) \
comparison.json, the same document as written";

/// `--format` of `capacity`.
const CAPACITY_FORMAT: &str = "What to print on standard output: the table of answers, or \
(json) each file's capacity.json, the same document as written (several files: one JSON value \
after another)";

/// The command line's definition, with the help that differs between commands that share
/// options (`--format` of `compare` and `capacity`).
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    Cli::command()
        .mut_subcommand("compare", |c| {
            c.mut_arg("format", |a| a.help(COMPARE_FORMAT))
        })
        .mut_subcommand("capacity", |c| {
            c.mut_arg("format", |a| a.help(CAPACITY_FORMAT))
        })
}

/// Parses the process's arguments against [`command`]; exits with clap's message and code 2
/// on a bad argument.
pub fn parse() -> Cli {
    use clap::FromArgMatches;
    Cli::from_arg_matches(&command().get_matches()).unwrap_or_else(|e| e.exit())
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run scenarios: parallel replications, a summary table, and summary.json,
    /// timeseries.csv, charts (SVG, PNG) and report.html in <OUT>/<scenario name>/.
    #[command(after_help = RUN_EXAMPLES)]
    Run(RunArgs),
    /// Check scenario files without running them; prints `ok: FILE` or every problem found.
    Validate {
        /// Scenario files (TOML).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Print the JSON Schema of the scenario format, for completion and checks in editors.
    Schema,
    /// Compare scenarios, or the [[variants]] of one, side by side with common random numbers
    /// (paired differences); writes <OUT>/compare/<name>/comparison.json.
    #[command(after_help = COMPARE_EXAMPLES)]
    Compare(CompareArgs),
    /// Find the highest clients.rate that meets a p99 and error-rate objective (per variant,
    /// and with each --lose-zone); writes <OUT>/capacity/<scenario name>/capacity.json.
    #[command(after_help = CAPACITY_EXAMPLES)]
    Capacity(CapacityArgs),
    /// Merge the parts of a sharded run (`run --shard K/N`) into the files a single-machine
    /// run writes, after checking they are one run's, each shard once; writes
    /// <OUT>/<scenario name>/ (summary.json byte-identical to an unsharded run's). The parts
    /// of `compare --shard K/N` merge into <OUT>/compare/<name>/ the same way.
    Merge(shard::MergeArgs),
    /// Write a commented starting scenario for a chosen ingress, egress and zone count; it
    /// validates as written. An existing file is never overwritten.
    #[command(after_help = INIT_EXAMPLES)]
    Init(InitArgs),
    /// Print a shell completion script, e.g. `trafsim completions bash >
    /// ~/.local/share/bash-completion/completions/trafsim`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// Options of `trafsim init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The file to write, e.g. my-cluster.toml; its name (without .toml) names the scenario.
    /// Refused if it exists.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The ingress in front of the services.
    #[arg(long, default_value = "app-gateway", value_parser = ["app-gateway", "nginx", "istio", "load-balancer", "none"])]
    pub ingress: String,
    /// How calls to the external destination leave the cluster.
    #[arg(long, default_value = "nat-gateway", value_parser = ["load-balancer", "nat-gateway", "firewall", "private-endpoint", "direct"])]
    pub egress: String,
    /// Availability zones the pods spread over, 1 to 3.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=3))]
    pub zones: u32,
}

/// Options of `trafsim run`.
#[derive(Clone, Debug, Args)]
pub struct RunArgs {
    /// Scenario files (TOML); all are checked before any runs.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub common: CommonArgs,
    /// Add replications until the 95% interval of p99 latency is within this share of its
    /// mean, e.g. `5%`.
    #[arg(long, value_name = "PERCENT", value_parser = percent, conflicts_with = "replications")]
    pub precision: Option<f64>,
    /// Upper bound on replications with --precision [default: 100].
    #[arg(long, value_name = "N", value_parser = at_least_one::<u32>, requires = "precision")]
    pub max_replications: Option<u32>,
    /// Run each file at several values of one field, e.g. clients.rate=500..5000:250 or
    /// services[0].concurrency=1,2,4; writes sweep.csv and sweep.json. Files with a [sweep]
    /// table are swept without it.
    #[arg(long, value_name = "FIELD=FROM..TO:STEP", value_parser = Sweep::parse_flag, conflicts_with = "precision")]
    pub sweep: Option<Sweep>,
    #[command(flatten)]
    pub shard: shard::ShardArgs,
}

/// Options every running command (`run`, `compare`, `capacity`) has.
#[derive(Clone, Debug, Args)]
pub struct CommonArgs {
    /// Worker threads for the replications [default: one per CPU; at most 4 per CPU, more is
    /// lowered to that]. Results do not depend on it.
    #[arg(long, value_name = "N", value_parser = at_least_one::<usize>)]
    pub threads: Option<usize>,
    /// Replications per run, instead of the scenario's `[simulation].replications` (compare:
    /// the first file's).
    #[arg(long, value_name = "N", value_parser = at_least_one::<u32>)]
    pub replications: Option<u32>,
    /// Master seed, instead of the scenario's `[simulation].seed` (compare: the first file's).
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Folder for results: a run or sweep writes into <OUT>/<scenario name>/, a comparison
    /// into <OUT>/compare/<name>/, a capacity search into <OUT>/capacity/<scenario name>/.
    #[arg(long, value_name = "DIR", default_value = "output")]
    pub out: PathBuf,
    /// No progress bars and no notes on standard error.
    #[arg(long, short)]
    pub quiet: bool,
    /// What to print on standard output: the table, or (json) what is written —
    /// summary.json, comparison.json or capacity.json.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Memory the replications running at once may hold, e.g. 512MiB or 8GiB; a replication
    /// whose state (requests in flight, events, waiting lines) passes its share stops the run
    /// with an error (exit 1) before anything is written [default: a quarter of the machine's
    /// memory, or 4GiB if it cannot be read].
    #[arg(long, value_name = "SIZE", value_parser = runner::memory_budget::parse_size)]
    pub memory_budget: Option<u64>,
    /// Set a field of every scenario (on top of each variant), checked like the file, e.g.
    /// --set services.web.concurrency=40 or --set ingress.kind=nginx; may be repeated. The
    /// value is read as in the file (6, "5s", { "1" = 2 }); text that is not TOML is a string.
    #[arg(long = "set", value_name = "PATH=VALUE", value_parser = FlagOverride::parse_set)]
    pub set: Vec<FlagOverride>,
    /// Run length of each replication, warm-up included, instead of [simulation].duration,
    /// e.g. 5m (the same as --set simulation.duration=5m).
    #[arg(long, value_name = "DURATION")]
    pub duration: Option<String>,
}

/// Options of `trafsim compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Scenario files (TOML); a file with [[variants]] gives one column per variant.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Name of the comparison (its output folder) [default: the scenario's name for one file,
    /// else the files' common prefix + `-comparison`].
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(flatten)]
    pub shard: shard::CompareShardArgs,
}

/// Options of `trafsim capacity`.
#[derive(Debug, Args)]
pub struct CapacityArgs {
    /// Scenario files (TOML) with a constant clients.rate.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Target p99 end-to-end latency, e.g. 300ms [default: the scenario's [slo].p99].
    #[arg(long, value_name = "DURATION", value_parser = duration)]
    pub slo_p99: Option<trafsim::engine::SimDuration>,
    /// Highest acceptable error rate, e.g. 0.1% [default: the scenario's [slo].error_rate,
    /// else 0.1%].
    #[arg(long, value_name = "PERCENT", value_parser = error_share)]
    pub max_error_rate: Option<f64>,
    /// Search also with this zone down for the whole run (the N+1 question); may be repeated.
    #[arg(long, value_name = "ZONE")]
    pub lose_zone: Vec<String>,
    /// Stop when the bracket is this narrow: a share of the load (1%) or req/s (5).
    #[arg(long, value_name = "WIDTH", default_value = "1%", value_parser = capacity::Tolerance::parse)]
    pub tolerance: capacity::Tolerance,
    #[command(flatten)]
    pub common: CommonArgs,
    /// A search whose probes run sharded: read the probes merged so far from
    /// DIR/capacity/probes/ (`trafsim merge … --out DIR`) and either finish the search, or
    /// print the probe to run next and its command lines.
    #[arg(long, value_name = "DIR", conflicts_with = "probe")]
    pub probe_results: Option<PathBuf>,
    /// Run one probe of a sharded search at this clients.rate, as the search printed it (with
    /// --shard K/N or --shard-from-env); `trafsim merge` joins its parts.
    #[arg(long, value_name = "RATE")]
    pub probe: Option<f64>,
    /// The variant --probe probes (a file with [[variants]]).
    #[arg(long, value_name = "NAME", requires = "probe")]
    pub variant: Option<String>,
    #[command(flatten)]
    pub shard: shard::ProbeShardArgs,
}

impl CommonArgs {
    /// Sets the memory budget of the replications (the flag's, or the default).
    fn set_memory_budget(&self) {
        runner::set_memory_budget(
            self.memory_budget
                .unwrap_or_else(runner::memory_budget::default_memory_budget),
        );
    }

    /// The library's options.
    fn options(&self) -> study::Options {
        study::Options {
            threads: self.threads,
            replications: self.replications,
            seed: self.seed,
            out: self.out.clone(),
            quiet: self.quiet,
            json: self.format == Format::Json,
            flags: self.flags(),
        }
    }

    /// The command line's overrides: `--duration`, then each `--set` in order.
    fn flags(&self) -> Vec<FlagOverride> {
        let duration = self.duration.as_deref().map(FlagOverride::duration);
        duration
            .into_iter()
            .chain(self.set.iter().cloned())
            .collect()
    }
}

/// Standard-output formats of `trafsim run`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A fixed-width table per scenario.
    Table,
    /// Each scenario's summary.json, and nothing else (several scenarios: one JSON value
    /// after another).
    Json,
    /// `run`: a GitHub-markdown summary per scenario to paste into a design document (the
    /// headline table, the per-phase verdicts, the SLO verdict, the failover stories); the
    /// studies print their table.
    Markdown,
}

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Scenario files that did not load (exit 2).
    #[error("{}", invalid_message(.errors, *.total, *.ran))]
    Invalid {
        /// One error per invalid file.
        errors: Vec<ScenarioError>,
        /// Files given.
        total: usize,
        /// Whether this was `run` (nothing was run) or `validate`.
        ran: bool,
    },
    /// Two scenarios would write into the same output folder (exit 2).
    #[error(
        "'{}' and '{}' are both named `{name}`, so their results would overwrite each other; \
         give one a different [simulation].name",
        .first.display(), .second.display()
    )]
    DuplicateName {
        /// The shared name.
        name: String,
        /// The first file with it.
        first: PathBuf,
        /// The second file with it.
        second: PathBuf,
    },
    /// An output file or folder (exit 1).
    #[error(transparent)]
    Output(#[from] OutputError),
    /// The worker threads could not start (exit 1).
    #[error("could not start the worker threads: {0}")]
    Threads(#[from] rayon::ThreadPoolBuildError),
    /// A summary that could not be serialised (exit 1).
    #[error("could not serialise the summary: {0}")]
    Json(#[from] serde_json::Error),
    /// A replication that passed its share of the memory budget (exit 1); nothing of that
    /// scenario is written.
    #[error("{0}")]
    OverBudget(#[from] trafsim::model::OverBudget),
    /// A comparison, sweep or capacity search that failed (exit 2 for invalid input, else 1).
    #[error(transparent)]
    Study(#[from] StudyError),
    /// A sharded run's part that could not be written, or parts that do not merge (exit 2
    /// when they are not one whole run, else 1).
    #[error(transparent)]
    Part(#[from] runner::part::PartError),
    /// A request that cannot be answered as given (exit 2).
    #[error("{0}")]
    Usage(String),
    /// Standard output could not be written (exit 1; a broken pipe exits 0 silently).
    #[error("could not write to standard output: {0}")]
    Stdout(#[from] io::Error),
}

impl CliError {
    /// The process exit code for this failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Invalid { .. } | CliError::DuplicateName { .. } | CliError::Usage(_) => 2,
            CliError::Part(e) => e.exit_code(),
            CliError::Study(e) => e.exit_code(),
            _ => 1,
        }
    }

    /// Whether this is only the reader of standard output going away, which is not an error.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, CliError::Stdout(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }
}

/// Every diagnostic of every invalid file, then a count.
fn invalid_message(errors: &[ScenarioError], total: usize, ran: bool) -> String {
    let mut lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
    let verb = if errors.len() == 1 { "is" } else { "are" };
    let tail = if ran { "; nothing was run" } else { "" };
    lines.push(format!(
        "{} of {total} scenario files {verb} invalid{tail}",
        errors.len()
    ));
    lines.join("\n")
}

/// Runs the command.
pub fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Run(mut args) => {
            cap_threads(&mut args.common);
            run_scenarios(&args)
        }
        Command::Validate { files } => validate(&files),
        Command::Init(args) => init(&args),
        Command::Completions { shell } => {
            let mut stdout = io::stdout().lock();
            clap_complete::generate(shell, &mut command(), "trafsim", &mut stdout);
            stdout.flush()?;
            Ok(())
        }
        Command::Schema => {
            let text = serde_json::to_string_pretty(&scenario::json_schema())?;
            writeln!(io::stdout().lock(), "{text}")?;
            Ok(())
        }
        Command::Compare(mut args) => {
            cap_threads(&mut args.common);
            args.common.set_memory_budget();
            let opts = args.common.options();
            let outcome = match args.shard.resolve()? {
                Some(k) => {
                    study::compare_shard::run_shard(&args.files, args.name.as_deref(), &opts, k)?
                }
                None => study::compare::run(&args.files, args.name.as_deref(), &opts)?,
            };
            show_outcome(&outcome, &opts)
        }
        Command::Capacity(mut args) => {
            let shard = args.shard.resolve()?;
            if args.probe.is_some() != shard.is_some() {
                return Err(CliError::Usage(
                    "a sharded capacity search runs one probe at a time: `--probe RATE` with \
                     `--shard K/N` (or --shard-from-env) runs a shard of the probe the search \
                     asked for; `--probe-results DIR` continues the search from the probes \
                     merged into DIR (see `trafsim capacity --help`)"
                        .into(),
                ));
            }
            cap_threads(&mut args.common);
            args.common.set_memory_budget();
            let opts = args.common.options();
            let query = capacity::Query {
                slo_p99: args.slo_p99,
                max_error_rate: args.max_error_rate,
                tolerance: args.tolerance,
                lose_zones: args.lose_zone.clone(),
            };
            let outcome = match (args.probe, shard, &args.probe_results) {
                (Some(rate), Some(k), _) => study::capacity_shard::run_probe_shard(
                    &args.files,
                    &query,
                    &opts,
                    rate,
                    args.variant.as_deref(),
                    k,
                )?,
                (_, _, Some(dir)) => {
                    study::capacity_shard::run_search(&args.files, &query, &opts, dir)?
                }
                _ => capacity::run(&args.files, &query, &opts)?,
            };
            show_outcome(&outcome, &opts)
        }
        Command::Merge(args) => shard::merge(&args),
    }
}

/// `trafsim init`: writes the starting scenario, never over an existing file.
fn init(args: &InitArgs) -> Result<(), CliError> {
    use scenario::starter::{StarterEgress, StarterIngress, starter};
    let ingress = StarterIngress::ALL
        .into_iter()
        .find(|k| k.as_str() == args.ingress)
        .unwrap_or(StarterIngress::AppGateway);
    let egress = StarterEgress::ALL
        .into_iter()
        .find(|k| k.as_str() == args.egress)
        .unwrap_or(StarterEgress::NatGateway);
    let text = starter(&args.file, ingress, egress, args.zones);
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&args.file);
    let written = file.and_then(|mut f| f.write_all(text.as_bytes()).and_then(|()| f.sync_all()));
    match written {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            return Err(CliError::Study(StudyError::Usage(format!(
                "'{}' already exists; `trafsim init` never overwrites a file: give another \
                 name, or remove it first",
                args.file.display()
            ))));
        }
        Err(error) => {
            return Err(CliError::Output(OutputError {
                path: args.file.clone(),
                action: "write",
                error,
            }));
        }
    }
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "written: {}", args.file.display())?;
    writeln!(
        stdout,
        "next: trafsim validate {0}, then trafsim run {0}",
        args.file.display()
    )?;
    Ok(())
}

/// Lowers `--threads` to the most this machine can use ([`limits::max_threads`]:
/// [`limits::THREADS_PER_CPU`] per CPU), with a note on standard error: results do not depend
/// on the thread count, and thousands of threads on a few cores only spin.
fn cap_threads(common: &mut CommonArgs) {
    let max = limits::max_threads();
    if let Some(n) = common.threads.filter(|&n| n > max) {
        if !common.quiet {
            let _ = writeln!(
                io::stderr(),
                "note: --threads {n} is more than {} per CPU on this machine; using {max}",
                limits::THREADS_PER_CPU
            );
        }
        common.threads = Some(max);
    }
}

/// Prints a study's notes (standard error, unless quiet), its table or JSON, and what it wrote.
fn show_outcome(outcome: &study::Outcome, opts: &study::Options) -> Result<(), CliError> {
    if !opts.quiet {
        for note in &outcome.notes {
            let _ = writeln!(io::stderr(), "note: {note}");
        }
    }
    let mut stdout = io::stdout().lock();
    stdout.write_all(outcome.text.as_bytes())?;
    let names: Vec<String> = outcome
        .written
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    if names.is_empty() {
        // Nothing written (a sharded capacity search that waits for a probe).
    } else if !opts.json {
        writeln!(stdout, "written: {}", names.join(", "))?;
    } else if !opts.quiet {
        let _ = writeln!(io::stderr(), "written: {}", names.join(", "));
    }
    stdout.flush()?;
    Ok(())
}

/// `trafsim validate`: `ok: FILE` on standard output for each valid file, after its warnings
/// (`warning: …` on standard error; they do not change the exit status).
fn validate(files: &[PathBuf]) -> Result<(), CliError> {
    let mut errors = Vec::new();
    let mut stdout = io::stdout().lock();
    for file in files {
        match study::validate(file) {
            Ok(warnings) => {
                print_warnings(&warnings);
                writeln!(stdout, "ok: {}", file.display())?
            }
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(CliError::Invalid {
            errors,
            total: files.len(),
            ran: false,
        })
    }
}

/// Prints a scenario's warnings on standard error, one `warning: …` line each.
fn print_warnings(warnings: &[scenario::Diagnostic]) {
    let mut stderr = io::stderr().lock();
    for w in warnings {
        let _ = writeln!(stderr, "warning: {w}");
    }
}

/// Loads every file, applies the command-line overrides, and refuses two scenarios with one
/// name (they would share an output folder).
fn load_all(args: &RunArgs) -> Result<Vec<Scenario>, CliError> {
    let mut scenarios = Vec::new();
    let mut errors = Vec::new();
    let flags = args.common.flags();
    for file in &args.files {
        match study::Source::load_with(file, &flags) {
            Ok(src) if !src.variants.is_empty() => errors.push(variants_refused(&src)),
            Ok(src) => {
                let mut s = src.base;
                print_warnings(&s.warnings);
                if let Some(n) = args.common.replications {
                    s.simulation.replications = n;
                }
                if let Some(seed) = args.common.seed {
                    s.simulation.seed = seed;
                }
                scenarios.push(s);
            }
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(CliError::Invalid {
            errors,
            total: args.files.len(),
            ran: true,
        });
    }
    for (i, s) in scenarios.iter().enumerate() {
        if let Some(j) = scenarios[..i].iter().position(|t| t.name == s.name) {
            return Err(CliError::DuplicateName {
                name: s.name.clone(),
                first: args.files[j].clone(),
                second: args.files[i].clone(),
            });
        }
    }
    Ok(scenarios)
}

/// `run` on a file with `[[variants]]`: refused, since running only the file as written
/// would silently drop them; the message says how to run them.
fn variants_refused(src: &study::Source) -> ScenarioError {
    let names: Vec<String> = src
        .variants
        .iter()
        .map(|v| format!("`{}`", v.name))
        .collect();
    let place = src.variants[0].place();
    ScenarioError {
        diagnostics: vec![scenario::Diagnostic {
            file: src.origin.clone(),
            line: place.map(|p| p.0),
            column: place.map(|p| p.1),
            field: "variants".into(),
            message: format!(
                "this file has [[variants]] ({}), which `trafsim run` does not run one by one: \
                 run them side by side with `trafsim compare {}` (or sweep each with --sweep)",
                names.join(", "),
                src.origin
            ),
        }],
    }
}

/// `trafsim run`: sweeps first (files with `--sweep` or a `[sweep]`), then plain runs.
fn run_scenarios(args: &RunArgs) -> Result<(), CliError> {
    args.common.set_memory_budget();
    let sharded = args.shard.resolve()?;
    let flags = args.common.flags();
    let (swept, plain) = study::sweep_run::split(&args.files, args.sweep.as_ref(), &flags)?;
    if !swept.is_empty() {
        let opts = args.common.options();
        let outcome = match sharded {
            Some(k) => study::sweep_shard::run_shard(&swept, &args.files, &opts, k)?,
            None => study::sweep_run::run(&swept, &opts)?,
        };
        show_outcome(&outcome, &opts)?;
        if plain.is_empty() {
            return Ok(());
        }
    }
    let args = &RunArgs {
        files: plain,
        sweep: None,
        ..args.clone()
    };
    let scenarios = load_all(args)?;
    if let Some(k) = sharded {
        let c = &args.common;
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(c.threads.unwrap_or(0))
            .build()?;
        let shards = shard::ShardRun {
            shard: k,
            flags: &flags,
            out: &c.out,
            format: c.format,
            quiet: c.quiet,
        };
        return shard::run_shards(&scenarios, &args.files, &shards, &pool);
    }
    let dirs = scenarios
        .iter()
        .map(|s| report::output_dir(&args.common.out, &s.name))
        .collect::<Result<Vec<_>, _>>()?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.common.threads.unwrap_or(0))
        .build()?;
    for (i, (s, dir)) in scenarios.iter().zip(&dirs).enumerate() {
        let summary = simulate(s, args, &pool)?;
        let written = write_run_set(dir, s, &summary)?;
        show(args, &summary, dir, &written, i > 0)?;
    }
    Ok(())
}

/// Writes a run's files (summary.json, timeseries.csv, charts, report.html) into `dir` as one
/// set: the folder holds the complete old results or the complete new ones. `trafsim run` and
/// `trafsim merge` both write through here.
fn write_run_set(dir: &Path, s: &Scenario, summary: &Summary) -> Result<Vec<PathBuf>, CliError> {
    let mut set = report::OutputSet::begin(dir, report::is_run_file)?;
    let mut written = report::write_outputs(&mut set, summary)?;
    written.extend(report::write_charts_and_report(&mut set, s, summary)?);
    set.commit()?;
    Ok(written)
}

/// Runs one scenario's replications on `pool`, with a progress bar, and summarises them.
fn simulate(
    s: &Scenario,
    args: &RunArgs,
    pool: &rayon::ThreadPool,
) -> Result<Summary, trafsim::model::OverBudget> {
    let fixed = u64::from(s.simulation.replications);
    let max = u64::from(args.max_replications.unwrap_or(DEFAULT_MAX_REPLICATIONS));
    let bar = runner::SimProgress::new(
        if args.precision.is_some() { max } else { fixed },
        s.simulation.duration,
        &s.name,
        args.common.quiet,
    );
    let summary = match args.precision {
        None => pool.install(|| runner::summarise_replications_within_budget(s, 0..fixed, &bar))?,
        Some(rel) => {
            bar.set_note(format!("until p99 is within ±{}%", rel * 100.0));
            let batch = pool.current_num_threads().max(2) as u64;
            pool.install(|| runner::run_until_precise(s, rel, max, batch, &bar))?
                .0
        }
    };
    bar.finish_and_clear();
    Ok(summary)
}

/// Prints one scenario's result on standard output (table or JSON) and where it was written.
fn show(
    args: &RunArgs,
    summary: &Summary,
    dir: &Path,
    written: &[PathBuf],
    separate: bool,
) -> Result<(), CliError> {
    let (format, quiet) = (args.common.format, args.common.quiet);
    show_summary(format, quiet, summary, dir, written, separate)
}

/// Prints a run's `summary` in `format` (`trafsim run` and `trafsim merge`), with the files
/// `written` into `dir`, after an empty line if `separate`.
fn show_summary(
    format: Format,
    quiet: bool,
    summary: &Summary,
    dir: &Path,
    written: &[PathBuf],
    separate: bool,
) -> Result<(), CliError> {
    let mut stdout = io::stdout().lock();
    match format {
        Format::Table => {
            if separate {
                writeln!(stdout)?;
            }
            stdout.write_all(report::terminal::render(summary).as_bytes())?;
            let names: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
            writeln!(stdout, "written: {}", names.join(", "))?;
        }
        Format::Markdown => {
            if separate {
                writeln!(stdout)?;
            }
            stdout.write_all(report::terminal::markdown::render(summary).as_bytes())?;
            if !quiet {
                let names: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
                let _ = writeln!(io::stderr(), "written: {}", names.join(", "));
            }
        }
        Format::Json => {
            stdout.write_all(report::json::to_json(summary)?.as_bytes())?;
            if !quiet {
                let _ = writeln!(
                    io::stderr(),
                    "{}: results in {}",
                    summary.scenario,
                    dir.display()
                );
            }
        }
    }
    stdout.flush()?;
    Ok(())
}

/// A number of at least 1, for `--threads` and `--replications`.
fn at_least_one<T>(text: &str) -> Result<T, String>
where
    T: std::str::FromStr + PartialOrd + From<u8>,
{
    let n: T = text
        .parse()
        .map_err(|_| format!("expected a whole number of at least 1, got `{text}`"))?;
    if n < T::from(1) {
        return Err("must be at least 1".to_string());
    }
    Ok(n)
}

/// A duration such as `300ms`, more than zero, for `--slo-p99`.
fn duration(text: &str) -> Result<trafsim::engine::SimDuration, String> {
    match trafsim::engine::SimDuration::parse(text) {
        Ok(d) if d.as_nanos() > 0 => Ok(d),
        Ok(_) => Err("must be longer than 0".to_string()),
        Err(e) => Err(e.to_string()),
    }
}

/// An error rate such as `0.1%` (or a share such as `0.001`), from 0 to 100%.
fn error_share(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let (number, k) = t.strip_suffix('%').map_or((t, 1.0), |n| (n.trim(), 100.0));
    match number.parse::<f64>() {
        Ok(x) if (0.0..=k).contains(&x) => Ok(x / k),
        _ => Err(format!(
            "expected an error rate from 0% to 100% such as `0.1%`, got `{text}`"
        )),
    }
}

/// A percentage such as `5%` as a share (0.05); more than 0 and at most 100.
fn percent(text: &str) -> Result<f64, String> {
    let Some(number) = text.trim().strip_suffix('%') else {
        return Err(format!("expected a percentage such as `5%`, got `{text}`"));
    };
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("expected a percentage such as `5%`, got `{text}`"))?;
    if !(value > 0.0 && value <= 100.0) {
        return Err(format!(
            "must be more than 0% (an interval never shrinks to nothing) and at most 100%, got `{text}`"
        ));
    }
    Ok(value / 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn definitions_are_consistent() {
        Cli::command().debug_assert();
        command().debug_assert();
    }

    #[test]
    fn percentages() {
        assert_eq!(percent("5%"), Ok(0.05));
        assert_eq!(percent(" 2.5 %"), Ok(0.025));
        assert!(percent("5").unwrap_err().contains("such as `5%`"));
        assert!(percent("0%").unwrap_err().contains("more than 0%"));
        assert!(percent("-1%").is_err());
        assert!(percent("NaN%").is_err());
        assert!(percent("150%").is_err());
    }

    #[test]
    fn counts() {
        assert_eq!(at_least_one::<usize>("3"), Ok(3));
        assert_eq!(
            at_least_one::<u32>("0"),
            Err("must be at least 1".to_string())
        );
        assert!(
            at_least_one::<u32>("-2")
                .unwrap_err()
                .contains("whole number")
        );
    }

    #[test]
    fn study_flags() {
        assert!((error_share("0.1%").unwrap() - 0.001).abs() < 1e-15);
        assert_eq!(error_share("0"), Ok(0.0));
        assert!(error_share("150%").unwrap_err().contains("such as `0.1%`"));
        assert!(error_share("-1").is_err());
        assert_eq!(duration("300ms").map(|d| d.as_nanos()), Ok(300_000_000));
        assert!(duration("0s").is_err());
        assert!(duration("fast").is_err());
    }

    #[test]
    fn exit_codes() {
        let invalid = CliError::Invalid {
            errors: vec![],
            total: 1,
            ran: true,
        };
        assert_eq!(invalid.exit_code(), 2);
        let pipe = CliError::Stdout(io::Error::from(io::ErrorKind::BrokenPipe));
        assert!(pipe.is_broken_pipe());
        assert_eq!(pipe.exit_code(), 1);
    }
}
