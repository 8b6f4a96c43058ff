//! `trafsim compare`: scenarios or variants side by side, with paired differences.
//!
//! Each column is a scenario file, or a `[[variants]]` entry of one (a file with variants
//! contributes its variants, not the scenario as written). All columns run with the same seed
//! and replication indices — the first column's, or `--seed` / `--replications` — so they see
//! the same arrivals (common random numbers, see [`crate::study`]). For every figure of
//! [`super::metrics`], each column gets its estimate (mean and 95% interval over
//! replications) and, after the first, the paired difference to the first column: the interval
//! of the per-replication differences, which is *significant* when it excludes zero, and
//! *better* or *worse* when it is significant in a figure with a better direction (lower
//! latency, errors and cost; higher goodput: [`super::better`]). A column whose scenario has an
//! `[slo]` gets its SLO verdict, judged as `trafsim run` judges it (`study/slo_fold.rs`).
//!
//! The result is printed as a table and written to `<out>/compare/<name>/comparison.json`
//! (`schemas/comparison.schema.json`); `name` is `--name`, else the scenario's name for one
//! file, else the common prefix of the files' names followed by `-comparison`. Beside it go
//! `comparison.svg` and `comparison.png`, the bar chart of
//! [`ComparisonChart`](crate::report::charts::ComparisonChart), and `comparison.html`, the page
//! for a design review ([`comparison_report`](crate::report::html::comparison_report)): the
//! table, the chart, each column's failover story and the scenario files.

use std::path::PathBuf;

use serde::Serialize;

use crate::model::{OverBudget, RunResult};
use crate::report;
use crate::runner::failover::FailoverSummary;
use crate::runner::{SloVerdict, SummaryBuilder, fold_each_within_budget};
use crate::scenario::Scenario;
use crate::stats::Estimate;
use crate::study::better::{Better, Change};
use crate::study::metrics::{Metric, MetricsBuilder, Unit};
use crate::study::render;
use crate::study::slo_fold::SloFold;
use crate::study::{
    Options, Outcome, Source, StudyError, bar, common_settings, output, pool, set_common,
};

/// Version of the `comparison.json` layout.
pub const SCHEMA_VERSION: u32 = 1;
/// The comparison's page, [`report::html::comparison_report`], named after `comparison.json`.
pub const PAGE: &str = "comparison.html";

/// The files a comparison's set owns in its folder (see [`report::OutputSet`]).
fn is_comparison_file(name: &str) -> bool {
    matches!(
        name,
        "comparison.json" | "comparison.svg" | "comparison.png" | PAGE
    )
}

/// One column to compare.
#[derive(Clone, Debug)]
pub struct Column {
    /// Header: the scenario's name, the variant's name, or `scenario/variant`.
    pub label: String,
    /// The file it comes from.
    pub file: String,
    /// The variant, if the column is one.
    pub variant: Option<String>,
    /// The checked scenario to run.
    pub scenario: Scenario,
}

/// The columns of `sources`: each file's variants, or the file itself when it has none.
pub fn columns(sources: &[Source]) -> Result<Vec<Column>, StudyError> {
    let mut out: Vec<Column> = Vec::new();
    let several = sources.len() > 1;
    for src in sources {
        if src.variants.is_empty() {
            out.push(Column {
                label: src.base.name.clone(),
                file: src.origin.clone(),
                variant: None,
                scenario: src.base.clone(),
            });
            continue;
        }
        for v in &src.variants {
            let scenario = src.variant_scenario(v).map_err(|e| StudyError::Invalid {
                errors: vec![e],
                total: sources.len(),
            })?;
            out.push(Column {
                label: if several {
                    format!("{}/{}", src.base.name, v.name)
                } else {
                    v.name.clone()
                },
                file: src.origin.clone(),
                variant: Some(v.name.clone()),
                scenario,
            });
        }
    }
    for (i, c) in out.iter().enumerate() {
        if out[..i].iter().any(|d| d.label == c.label) {
            return Err(StudyError::Usage(format!(
                "two columns are both named `{}`; give the scenarios different [simulation].name",
                c.label
            )));
        }
    }
    Ok(out)
}

/// A comparison's results: what `comparison.json` holds.
#[derive(Clone, Debug, Serialize)]
pub struct Comparison {
    /// Layout version, [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Version of trafsim that produced it.
    pub trafsim_version: String,
    /// The comparison's name (its output folder).
    pub name: String,
    /// Master seed, the same for every column.
    pub seed: u64,
    /// Replications per column; replication `i` of every column used the same random streams.
    pub replications: u64,
    /// The column differences are taken against (the first).
    pub reference: String,
    /// The columns, in order.
    pub columns: Vec<ColumnResult>,
}

/// One column's results.
#[derive(Clone, Debug, Serialize)]
pub struct ColumnResult {
    /// Header.
    pub label: String,
    /// Scenario name.
    pub scenario: String,
    /// The scenario file.
    pub file: String,
    /// The variant, if the column is one.
    pub variant: Option<String>,
    /// Simulated time measured per replication, seconds.
    pub measured_secs: f64,
    /// What the design holds as configured (before any autoscaling).
    pub configured: Configured,
    /// Requests offered in each replication (equal across columns with equal arrivals: the
    /// common random numbers at work).
    pub offered_per_replication: Vec<u64>,
    /// The figures, in table order.
    pub metrics: Vec<MetricResult>,
    /// The column's SLO verdict (`None` when its scenario has no `[slo]`).
    pub slo: Option<SloVerdict>,
    /// One failover story per fault of the column's scenario (empty without faults), for
    /// `report.html`; not part of `comparison.json`.
    #[serde(skip)]
    pub failover: Vec<FailoverSummary>,
}

/// Instances and pods as configured.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Configured {
    /// Ingress instances or replicas, all zones.
    pub ingress_instances: u32,
    /// Pods of all services, all zones.
    pub pods: u32,
}

/// One figure of one column.
#[derive(Clone, Debug, Serialize)]
pub struct MetricResult {
    /// Stable key, e.g. `latency_p99`, `utilisation.web`.
    pub key: String,
    /// Label, e.g. "p99 latency".
    pub label: String,
    /// Unit of the values: seconds, share, per_second or count.
    pub unit: Unit,
    /// Mean over replications with its 95% interval.
    pub estimate: Estimate,
    /// The value in each replication (`null` where there was none).
    pub per_replication: Vec<Option<f64>>,
    /// Paired difference to the reference column (absent for the reference itself and for a
    /// figure the reference does not have).
    pub difference: Option<Difference>,
}

/// A paired difference, this column minus the reference.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Difference {
    /// Mean per-replication difference with its 95% interval (over replications where both
    /// columns have a value).
    pub estimate: Estimate,
    /// Whether the interval excludes zero.
    pub significant: bool,
    /// Better, worse or neutral for the design: significant in a figure's better direction,
    /// significant in the other, or neither ([`Change::of`]).
    pub change: Change,
}

impl Difference {
    /// The paired difference `b − a` over replications where both have a value.
    pub fn paired(a: &[Option<f64>], b: &[Option<f64>]) -> Difference {
        let (xs, ys): (Vec<f64>, Vec<f64>) = a
            .iter()
            .zip(b)
            .filter_map(|(x, y)| Some(((*x)?, (*y)?)))
            .unzip();
        let estimate = Estimate::paired_difference(&xs, &ys);
        let significant = estimate.n >= 2 && (estimate.lower() > 0.0 || estimate.upper() < 0.0);
        Difference {
            estimate,
            significant,
            change: Change::Neutral,
        }
    }

    /// This difference judged for a figure whose better direction is `better`.
    pub fn judged(self, better: Option<Better>) -> Difference {
        Difference {
            change: Change::of(better, self.estimate.mean, self.significant),
            ..self
        }
    }
}

/// A column's folded replications: metrics, requests offered, failover stories, SLO verdict.
type ColumnFolded = (
    Vec<Metric>,
    Vec<u64>,
    Vec<FailoverSummary>,
    Option<SloVerdict>,
);

/// What a column keeps of its replications as they come in, in index order: the metrics'
/// per-replication values, the requests offered, and — only when the scenario has faults —
/// the summary builder whose traces and merged series the failover stories need.
pub(crate) struct ColumnFold<'a> {
    metrics: MetricsBuilder<'a>,
    offered: Vec<u64>,
    failover: Option<SummaryBuilder<'a>>,
    slo: SloFold,
}

impl<'a> ColumnFold<'a> {
    pub(crate) fn new(s: &'a Scenario) -> Self {
        ColumnFold {
            metrics: MetricsBuilder::new(s),
            offered: Vec::new(),
            failover: (!s.faults.is_empty()).then(|| SummaryBuilder::new(s)),
            slo: SloFold::default(),
        }
    }

    pub(crate) fn push(&mut self, r: &RunResult) {
        self.metrics.push(r);
        self.offered.push(r.offered);
        self.slo.push(r);
        if let Some(b) = &mut self.failover {
            b.push(r);
        }
    }

    fn finish(self, s: &Scenario) -> ColumnFolded {
        let failover = self.failover.map_or_else(Vec::new, |b| b.finish().failover);
        let slo = s.slo.as_ref().map(|slo| self.slo.finish(slo));
        (self.metrics.finish(), self.offered, failover, slo)
    }
}

/// Runs the columns with common random numbers on the current pool (`opts` may override the
/// seed and replications) and compares them. `name` names the comparison. Fails only when a
/// replication passes its share of the memory budget.
pub fn compare(
    name: &str,
    mut columns: Vec<Column>,
    opts: &Options,
) -> Result<Comparison, OverBudget> {
    if columns.is_empty() {
        return Ok(Comparison {
            schema_version: SCHEMA_VERSION,
            trafsim_version: env!("CARGO_PKG_VERSION").to_string(),
            name: name.to_string(),
            seed: opts.seed.unwrap_or(0),
            replications: 0,
            reference: String::new(),
            columns: Vec::new(),
        });
    }
    let common = with_common(&mut columns, opts);
    let scenarios: Vec<Scenario> = columns.iter().map(|c| c.scenario.clone()).collect();
    let progress = bar(&scenarios, name, opts.quiet);
    let mut folds: Vec<ColumnFold> = scenarios.iter().map(ColumnFold::new).collect();
    fold_each_within_budget(
        &scenarios,
        0..u64::from(common.1),
        &progress,
        &mut |i, run| {
            folds[i].push(&run);
        },
    )?;
    progress.finish_and_clear();
    Ok(assemble(name, common, &columns, &scenarios, folds))
}

/// Gives every column the common seed and replication count — the first column's, or those
/// of `opts` — and returns them. `columns` must not be empty.
pub(crate) fn with_common(columns: &mut [Column], opts: &Options) -> (u64, u32) {
    let common = common_settings(&columns[0].scenario, opts);
    for c in columns.iter_mut() {
        set_common(&mut c.scenario, common);
    }
    common
}

/// The comparison of `columns` (already given the `common` seed and replications; their
/// scenarios are `scenarios`) from their folds, each fed its column's replications
/// `0..replications` in index order.
pub(crate) fn assemble(
    name: &str,
    common: (u64, u32),
    columns: &[Column],
    scenarios: &[Scenario],
    folds: Vec<ColumnFold>,
) -> Comparison {
    let measured: Vec<_> = folds
        .into_iter()
        .zip(scenarios)
        .map(|(f, s)| f.finish(s))
        .collect();
    let reference: Vec<Metric> = measured[0].0.clone();
    let results = columns
        .iter()
        .zip(measured)
        .enumerate()
        .map(|(i, (c, (ms, offered, failover, slo)))| {
            let s = &c.scenario;
            ColumnResult {
                label: c.label.clone(),
                scenario: s.name.clone(),
                file: c.file.clone(),
                variant: c.variant.clone(),
                measured_secs: (s.simulation.duration - s.simulation.warmup).as_secs_f64(),
                configured: Configured {
                    ingress_instances: s.ingress.instances.iter().sum(),
                    pods: s.services.iter().flat_map(|v| &v.pods).sum(),
                },
                offered_per_replication: offered,
                metrics: ms
                    .into_iter()
                    .map(|m| {
                        let present: Vec<f64> = m.values.iter().flatten().copied().collect();
                        let difference = (i > 0)
                            .then(|| reference.iter().find(|r| r.key == m.key))
                            .flatten()
                            .map(|r| {
                                Difference::paired(&r.values, &m.values).judged(Better::of(&m.key))
                            });
                        MetricResult {
                            key: m.key,
                            label: m.label,
                            unit: m.unit,
                            estimate: Estimate::from_samples(&present),
                            per_replication: m.values,
                            difference,
                        }
                    })
                    .collect(),
                slo,
                failover,
            }
        })
        .collect();
    Comparison {
        schema_version: SCHEMA_VERSION,
        trafsim_version: env!("CARGO_PKG_VERSION").to_string(),
        name: name.to_string(),
        seed: common.0,
        replications: u64::from(common.1),
        reference: columns[0].label.clone(),
        columns: results,
    }
}

/// The comparison's default name (see the module docs).
pub fn default_name(sources: &[Source]) -> String {
    let names: Vec<&str> = sources.iter().map(|s| s.base.name.as_str()).collect();
    match names[..] {
        [] => "comparison".into(),
        [one] => one.into(),
        [first, ..] => {
            let mut len = first.len();
            for n in &names[1..] {
                len = len.min(
                    first
                        .char_indices()
                        .zip(n.chars())
                        .take_while(|((_, a), b)| a == b)
                        .count(),
                );
            }
            let prefix: String = first.chars().take(len).collect();
            let prefix = prefix.trim_end_matches(['-', '_', '.', ' ']);
            if prefix.is_empty() {
                "comparison".into()
            } else {
                format!("{prefix}-comparison")
            }
        }
    }
}

/// `trafsim compare FILE…`: loads and checks everything, runs, prints, writes
/// `<out>/compare/<name>/comparison.json`, the chart `comparison.svg` / `comparison.png` and the page
/// `comparison.html`.
pub fn run(files: &[PathBuf], name: Option<&str>, opts: &Options) -> Result<Outcome, StudyError> {
    let Prepared {
        sources,
        columns,
        name,
        notes,
    } = prepare(files, name, opts)?;
    let dir = report::output_dir(&opts.out.join(crate::study::COMPARE_FOLDER), &name)?;
    let pool = pool(opts)?;
    let scenarios: Vec<Scenario> = columns.iter().map(|c| c.scenario.clone()).collect();
    let comparison = pool.install(|| compare(&name, columns, opts))?;
    write_outputs(&dir, &comparison, &scenarios, &sources, opts.json, notes)
}

/// A comparison checked and ready to run (see [`prepare`]).
pub(crate) struct Prepared {
    /// The scenario files, loaded.
    pub sources: Vec<Source>,
    /// The columns, as written (before the common seed and replications).
    pub columns: Vec<Column>,
    /// The comparison's name.
    pub name: String,
    /// Notes for standard error.
    pub notes: Vec<String>,
}

/// Loads and checks `files` and the comparison's name: everything [`run`] does before it runs.
pub(crate) fn prepare(
    files: &[PathBuf],
    name: Option<&str>,
    opts: &Options,
) -> Result<Prepared, StudyError> {
    let sources = crate::study::load_sources(files, &opts.flags)?;
    let columns = columns(&sources)?;
    if columns.len() < 2 {
        return Err(StudyError::Usage(
            "nothing to compare: give two or more scenario files, or one with two or more \
             [[variants]]"
                .into(),
        ));
    }
    let name = name.map_or_else(|| default_name(&sources), str::to_string);
    if name.trim().is_empty() || name.contains(['/', '\\']) || name == "." || name == ".." {
        return Err(StudyError::Usage(format!(
            "--name must be a non-empty name without `/` or `\\` (it names the output folder), got {name:?}"
        )));
    }
    let mut notes = Vec::new();
    let first = &columns[0].scenario.simulation;
    if opts.seed.is_none()
        && columns
            .iter()
            .any(|c| c.scenario.simulation.seed != first.seed)
    {
        notes.push(format!(
            "the scenarios give different seeds; all columns use {} (the first's) so that they \
             share random numbers",
            first.seed
        ));
    }
    if columns.iter().any(|c| {
        c.scenario.simulation.duration != first.duration
            || c.scenario.simulation.warmup != first.warmup
    }) {
        notes.push("the columns run for different lengths of time; their figures are still per second and per request, but the comparison is fairer with equal runs".into());
    }
    Ok(Prepared {
        sources,
        columns,
        name,
        notes,
    })
}

/// Writes `comparison.json`, the chart and the page of `comparison` into `dir`, and gives the
/// text to print (`json`: the JSON document); `scenarios` are the columns' scenarios as
/// written, `sources` the files.
pub(crate) fn write_outputs(
    dir: &std::path::Path,
    comparison: &Comparison,
    scenarios: &[Scenario],
    sources: &[Source],
    json_out: bool,
    notes: Vec<String>,
) -> Result<Outcome, StudyError> {
    let mut json = serde_json::to_string_pretty(comparison)?;
    json.push('\n');
    let mut set = report::OutputSet::begin(dir, is_comparison_file)?;
    let mut written = vec![set.write("comparison.json", json.as_bytes())?];
    written.extend(output::write_charts_and_page(
        &mut set,
        vec![report::charts::render_comparison(comparison)],
        PAGE,
        |charts| report::html::comparison_report(comparison, scenarios, sources, charts),
    )?);
    set.commit()?;
    let text = if json_out {
        json
    } else {
        render::comparison(comparison)
    };
    Ok(Outcome {
        text,
        written,
        notes,
    })
}
