//! Running sweeps (`trafsim run --sweep …`, or files with `[sweep]`) and writing their results.
//!
//! A file with `[[variants]]` is swept once per variant (one curve each). `sweep.csv` has one
//! row per (variant, value), with each estimate's mean and the half-width of its 95% interval:
//!
//! | column | meaning |
//! |---|---|
//! | `variant` | the variant's name (the scenario's without variants) |
//! | `value` | the swept field's value as written (`500`, `10ms`) |
//! | `offered_per_s`, `goodput_per_s` | requests offered / succeeded per second |
//! | `p50_ms`, `p90_ms`, `p99_ms`, `p999_ms` | end-to-end latency of successful requests |
//! | `error_rate` | failed share of offered requests |
//! | `util_<tier>` | busy share of the tier's servers |
//! | `slo` | the SLO verdict, when the scenario has an `[slo]` |
//!
//! Each estimate column is followed by `<column>_hw`, its interval's half-width.
//!
//! Beside them, `capacity.svg` and `capacity.png`: the capacity curve
//! ([`crate::report::charts::CapacityChart`]); and `sweep.html`, the page for a design review
//! ([`crate::report::html::sweep_report`]).

use std::fmt::Write;
use std::path::PathBuf;

use crate::model::OverBudget;
use crate::report;
use crate::scenario::Scenario;
use crate::stats::Estimate;
use crate::study::sweep::{Sweep, SweepResult, SweepRow, SweepSeries};
use crate::study::{
    Options, Outcome, Source, StudyError, bar, common_settings, load_sources, output, pool, render,
    set_common, summarise_each,
};

/// Layout version of `sweep.json`.
pub const SCHEMA_VERSION: u32 = 1;
/// The sweep's page, [`report::html::sweep_report`], named after `sweep.json`.
pub const PAGE: &str = "sweep.html";

/// The files a sweep's set owns in its folder (see [`report::OutputSet`]).
fn is_sweep_file(name: &str) -> bool {
    matches!(
        name,
        "sweep.json" | "sweep.csv" | "capacity.svg" | "capacity.png" | PAGE
    )
}

/// A file to sweep and its sweep.
#[derive(Clone, Debug)]
pub struct Planned {
    /// The file.
    pub source: Source,
    /// The sweep: the command line's, else the file's own.
    pub sweep: Sweep,
    /// Its scenarios: per curve (variant), per value.
    pub curves: Vec<(Option<String>, Vec<Scenario>)>,
}

/// Loads and checks `files`, and splits them into those to sweep (all with `flag`; else those
/// with a `[sweep]`) and the others, to run plainly. Every point of every sweep is resolved
/// here, so a value the scenario does not allow stops everything before anything runs.
pub fn split(
    files: &[PathBuf],
    flag: Option<&Sweep>,
    flags: &[crate::study::overrides::FlagOverride],
) -> Result<(Vec<Planned>, Vec<PathBuf>), StudyError> {
    let sources = load_sources(files, flags)?;
    let mut planned = Vec::new();
    let mut plain = Vec::new();
    let mut errors = Vec::new();
    for (source, file) in sources.into_iter().zip(files) {
        let Some(sweep) = flag.or(source.sweep.as_ref()).cloned() else {
            plain.push(file.clone());
            continue;
        };
        match plan(source, sweep) {
            Ok(p) => planned.push(p),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(StudyError::Invalid {
            errors,
            total: files.len(),
        });
    }
    for (i, p) in planned.iter().enumerate() {
        let name = &p.source.base.name;
        if let Some(q) = planned[..i].iter().find(|q| &q.source.base.name == name) {
            return Err(StudyError::Usage(format!(
                "'{}' and '{}' are both named `{name}`, so their sweeps would overwrite each other; give one a different [simulation].name",
                q.source.origin, p.source.origin
            )));
        }
    }
    Ok((planned, plain))
}

/// Resolves every point of every curve of `source` (a sharded sweep's merge plans again
/// from the part's file).
pub(crate) fn plan(
    source: Source,
    sweep: Sweep,
) -> Result<Planned, crate::scenario::ScenarioError> {
    let variants: Vec<Option<&crate::study::Variant>> = if source.variants.is_empty() {
        vec![None]
    } else {
        source.variants.iter().map(Some).collect()
    };
    let mut curves = Vec::new();
    for v in variants {
        let mut scenarios = Vec::new();
        for value in &sweep.values {
            let point = sweep.point(value);
            let context = format!("sweep point {}", point.describe());
            scenarios.push(source.scenario_with(v, &[point], &context)?);
        }
        curves.push((v.map(|v| v.name.clone()), scenarios));
    }
    Ok(Planned {
        source,
        sweep,
        curves,
    })
}

/// Runs the sweep of `p` on the current pool with common settings from `opts`. Fails only when
/// a replication passes its share of the memory budget.
pub fn sweep(p: &Planned, opts: &Options) -> Result<SweepResult, OverBudget> {
    let base = &p.source.base;
    let common = common_settings(base, opts);
    let mut all: Vec<Scenario> = p.curves.iter().flat_map(|(_, s)| s.clone()).collect();
    for s in &mut all {
        set_common(s, common);
    }
    let progress = bar(&all, &base.name, opts.quiet);
    let summaries = summarise_each(&all, &progress)?;
    progress.finish_and_clear();
    Ok(assemble(p, common, &summaries))
}

/// The sweep's result from the summaries of its points (curve-major), run with the common
/// seed and replications `common`: the single-machine sweep's and the sharded sweep's merge.
pub(crate) fn assemble(
    p: &Planned,
    common: (u64, u32),
    summaries: &[crate::runner::Summary],
) -> SweepResult {
    let base = &p.source.base;
    let mut rows = summaries.iter();
    let series = p
        .curves
        .iter()
        .map(|(variant, _)| SweepSeries {
            label: variant.clone().unwrap_or_else(|| base.name.clone()),
            variant: variant.clone(),
            points: p
                .sweep
                .values
                .iter()
                .zip(rows.by_ref())
                .map(|(v, s)| SweepRow::new(v, s))
                .collect(),
        })
        .collect();
    SweepResult {
        schema_version: SCHEMA_VERSION,
        trafsim_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario: base.name.clone(),
        field: p.sweep.path.to_string(),
        seed: common.0,
        replications: u64::from(common.1),
        measured_secs: (base.simulation.duration - base.simulation.warmup).as_secs_f64(),
        series,
    }
}

/// Runs every planned sweep and writes `sweep.csv` and `sweep.json` into
/// `<out>/<scenario>/`. All folders are created before the first run.
pub fn run(planned: &[Planned], opts: &Options) -> Result<Outcome, StudyError> {
    let dirs = planned
        .iter()
        .map(|p| report::output_dir(&opts.out, &p.source.base.name))
        .collect::<Result<Vec<_>, _>>()?;
    let pool = pool(opts)?;
    let mut outcome = Outcome::default();
    for (p, dir) in planned.iter().zip(&dirs) {
        let result = pool.install(|| sweep(p, opts))?;
        write_one(p, &result, dir, opts.json, &mut outcome)?;
    }
    Ok(outcome)
}

/// Writes the files of the sweep `p` with result `result` into `dir` as one set and adds
/// them and the table (or `sweep.json` when `json`) to `outcome`: the single-machine sweep
/// and the sharded sweep's merge both write here.
pub(crate) fn write_one(
    p: &Planned,
    result: &SweepResult,
    dir: &std::path::Path,
    json: bool,
    outcome: &mut Outcome,
) -> Result<(), StudyError> {
    let mut set = report::OutputSet::begin(dir, is_sweep_file)?;
    let (document, written) = write(&mut set, result)?;
    outcome.written.extend(written);
    let slo = p.source.base.slo.as_ref().map(|s| s.p99.as_millis_f64());
    outcome.written.extend(output::write_charts_and_page(
        &mut set,
        vec![report::charts::render_capacity(result, slo)],
        PAGE,
        |charts| report::html::sweep_report(result, &p.source, slo, charts),
    )?);
    set.commit()?;
    outcome.show(json, &document, || render::sweep(result));
    Ok(())
}

/// Stages `sweep.json` and `sweep.csv` of `r` in `set`; returns the JSON text and the paths.
pub fn write(
    set: &mut report::OutputSet,
    r: &SweepResult,
) -> Result<(String, Vec<PathBuf>), StudyError> {
    let mut json = serde_json::to_string_pretty(r)?;
    json.push('\n');
    let json_path = set.write("sweep.json", json.as_bytes())?;
    let csv_path = set.write("sweep.csv", csv(r).as_bytes())?;
    Ok((json, vec![json_path, csv_path]))
}

/// `sweep.csv`: one row per variant and value (see the module docs).
pub fn csv(r: &SweepResult) -> String {
    let rows = r
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(move |p| (s, p)));
    let mut tiers: Vec<&str> = Vec::new();
    for (_, p) in rows.clone() {
        for t in &p.utilisation {
            if !tiers.contains(&t.tier.as_str()) {
                tiers.push(&t.tier);
            }
        }
    }
    let mut cols: Vec<String> = vec!["variant".into(), "value".into()];
    for c in [
        "offered_per_s",
        "goodput_per_s",
        "p50_ms",
        "p90_ms",
        "p99_ms",
        "p999_ms",
        "error_rate",
    ] {
        cols.push(c.into());
        cols.push(format!("{c}_hw"));
    }
    for t in &tiers {
        let safe: String = t
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        cols.push(format!("util_{safe}"));
        cols.push(format!("util_{safe}_hw"));
    }
    cols.push("slo".into());
    let mut out = cols.join(",");
    out.push('\n');
    for (s, p) in rows {
        let mut cells = vec![quote(&s.label), quote(&p.value)];
        let mut estimates: Vec<(Option<&Estimate>, f64)> = vec![
            (Some(&p.offered_per_s), 1.0),
            (Some(&p.goodput_per_s), 1.0),
            (Some(&p.p50_s), 1e3),
            (Some(&p.p90_s), 1e3),
            (Some(&p.p99_s), 1e3),
            (Some(&p.p999_s), 1e3),
            (Some(&p.error_rate), 1.0),
        ];
        for t in &tiers {
            let u = p.utilisation.iter().find(|u| u.tier == *t);
            estimates.push((u.map(|u| &u.utilisation), 1.0));
        }
        for (e, k) in estimates {
            match e {
                Some(e) => cells.extend([cell(e.mean * k), cell(e.half_width * k)]),
                None => cells.extend([String::new(), String::new()]),
            }
        }
        cells.push(p.slo.clone().unwrap_or_default());
        let _ = writeln!(out, "{}", cells.join(","));
    }
    out
}

/// A number to 9 significant digits (no binary noise such as `7.598078999999999`).
fn cell(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let scale = 10f64.powi(8 - x.abs().log10().floor() as i32);
    format!("{}", (x * scale).round() / scale)
}

/// A CSV cell, quoted when it holds a comma or a quote.
fn quote(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}
