//! A sweep split over machines (`trafsim run FILE --sweep … --shard K/N`, or a file with
//! `[sweep]`) and merged exactly (`trafsim merge`).
//!
//! **Which runs.** A sweep of `P` points (every value of every curve, curve-major: the
//! order of `sweep.csv`) at `R` replications is `P × R` runs, numbered point-major:
//! run `t = p·R + i` is replication `i` of point `p`. Shard `K` of `N` owns the runs with
//! `t mod N = K`, dealt round-robin, so the shards stay within one run of each other even
//! when `N` exceeds the replication count (40 loads × 30 replications spread over 100 pods).
//! Each replication seeds itself from (seed, `i`) and every point uses the same seed, so a
//! run in a shard is the run of a single-machine sweep (common random numbers kept).
//!
//! **The part** (`<out>/<name>.sweep-parts/part-K-of-N.trafsim-sweep-part`, CBOR): a
//! [`SweepPartHeader`] — the format and its version, the trafsim version and build identity,
//! the scenario's name, its file as written and the name it was read as, the command line's
//! overrides as written, the sweep (field, and each value as written with its x and label),
//! the common seed and replication count, the [`scenario_hash`] of each point's checked
//! scenario, the shard and the shard count — then, for each run it owns in order of `t`, the
//! point index and the whole [`RunResult`]. Written under a temporary name and renamed when
//! complete, as a run's part is.
//!
//! **The merge** ([`merge`]) checks the parts belong together (one format version, build,
//! scenario, file, overrides, sweep, seed, replications, hashes and shard count; every shard
//! once), plans the sweep again from the file and checks every point's hash, then pushes the
//! runs in order of `t` — each point's replications in index order — into one
//! [`SummaryBuilder`] per point and writes what the single-machine sweep writes:
//! `sweep.json`, `sweep.csv`, the capacity curve and `sweep.html`, byte-identical.

use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::model::{self, OverBudget, RunResult};
use crate::report;
use crate::runner::build_id::build_identity;
use crate::runner::part::{
    PartError, PartKind, PartStream, encode, expand_part_paths, is_part_named, scenario_hash,
    write_part,
};
use crate::runner::part_set::{self, PartLayout, ShardedHeader, holds_run_parts, settings_differ};
use crate::runner::{CHUNK_PER_THREAD, Shard, SimProgress, SummaryBuilder, memory_budget};
use crate::scenario::Scenario;
use crate::study::overrides::FieldPath;
use crate::study::shard_source;
use crate::study::sweep::{Sweep, SweepValue};
use crate::study::sweep_run::{self, Planned};
use crate::study::{Options, Outcome, Source, StudyError, common_settings, pool, set_common};

/// The `format` of every sweep part.
pub const SWEEP_PART_FORMAT: &str = "trafsim-sweep-part";

/// The layout version of sweep parts; a merge reads only its own.
pub const SWEEP_PART_FORMAT_VERSION: u32 = 1;

/// The extension of sweep parts.
pub const SWEEP_PART_EXTENSION: &str = "trafsim-sweep-part";

/// The extension of the folder of a sweep's parts: `<out>/<name>.sweep-parts/`.
pub const SWEEP_PARTS_FOLDER_EXTENSION: &str = "sweep-parts";

/// One value of the sweep as the part holds it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartSweepValue {
    /// The value as written into the file, as a TOML value (`500`, `"10ms"`).
    pub value: String,
    /// Its number on the x axis.
    pub x: f64,
    /// As shown.
    pub label: String,
}

/// What a sweep part belongs to: everything the merge checks before it reads a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepPartHeader {
    /// Always [`SWEEP_PART_FORMAT`].
    pub format: String,
    /// [`SWEEP_PART_FORMAT_VERSION`] of the writer.
    pub format_version: u32,
    /// The trafsim version that wrote the part.
    pub trafsim_version: String,
    /// The build identity of the trafsim that wrote the part ([`build_identity`]).
    pub build: String,
    /// The scenario's name (its output folder).
    pub scenario: String,
    /// The file name the scenario was read as.
    pub origin: String,
    /// The file as written (without the command line's overrides).
    pub text: String,
    /// The command line's overrides as written, in order.
    pub overrides: Vec<String>,
    /// The swept field.
    pub field: String,
    /// The values, in order.
    pub values: Vec<PartSweepValue>,
    /// The common master seed.
    pub seed: u64,
    /// Replications per point.
    pub replications: u32,
    /// [`scenario_hash`] of each point's checked scenario, curve-major.
    pub points: Vec<String>,
    /// This part's shard index (from 0).
    pub shard: u64,
    /// Shards of the whole sweep.
    pub shards: u64,
}

impl SweepPartHeader {
    /// The part's file name: `part-K-of-N.trafsim-sweep-part`.
    pub fn file_name(&self) -> String {
        part_name(self.shard, self.shards)
    }

    /// Everything but the shard index, which must agree between the parts of one sweep.
    fn run_key(&self) -> SweepPartHeader {
        SweepPartHeader {
            shard: 0,
            ..self.clone()
        }
    }

    /// The sweep again, from the field and values as written.
    fn sweep(&self) -> Result<Sweep, String> {
        let path = FieldPath::parse(&self.field)?;
        let values = self
            .values
            .iter()
            .map(|v| {
                let value = format!("v = {}", v.value)
                    .parse::<toml::Table>()
                    .ok()
                    .and_then(|mut t| t.remove("v"))
                    .ok_or_else(|| format!("the sweep value `{}` does not read", v.value))?;
                Ok(SweepValue {
                    value,
                    x: v.x,
                    label: v.label.clone(),
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(Sweep { path, values })
    }
}

/// `part-K-of-N.trafsim-sweep-part`.
fn part_name(shard: u64, shards: u64) -> String {
    format!("part-{shard}-of-{shards}.{SWEEP_PART_EXTENSION}")
}

/// The folder the parts of the sweep of scenario `name` go to under `out`.
pub fn parts_dir(out: &Path, name: &str) -> PathBuf {
    out.join(format!("{name}.{SWEEP_PARTS_FOLDER_EXTENSION}"))
}

/// Every point's scenario of `p`, curve-major, with the common settings.
fn points(p: &Planned, common: (u64, u32)) -> Vec<Scenario> {
    let mut all: Vec<Scenario> = p.curves.iter().flat_map(|(_, s)| s.clone()).collect();
    for s in &mut all {
        set_common(s, common);
    }
    all
}

/// The runs `t = p·R + i` shard `shard` owns among `points × reps`, as (point, replication).
fn owned(shard: Shard, points: u64, reps: u64) -> Vec<(usize, u64)> {
    let total = points.saturating_mul(reps);
    (shard.index..total)
        .step_by(shard.count as usize)
        .map(|t| ((t / reps) as usize, t % reps))
        .collect()
}

/// `trafsim run --shard K/N` of the sweeps `planned`: runs shard `shard` of each and writes
/// its part; `files` are the files as given (the part holds each as written, without the
/// command line's overrides). The outcome names the parts.
pub fn run_shard(
    planned: &[Planned],
    files: &[PathBuf],
    opts: &Options,
    shard: Shard,
) -> Result<Outcome, StudyError> {
    let pool = pool(opts)?;
    let mut outcome = Outcome::default();
    for p in planned {
        let base = &p.source.base;
        let file = files
            .iter()
            .find(|f| f.display().to_string() == p.source.origin);
        let text = match (opts.flags.is_empty(), file) {
            (true, _) | (false, None) => p.source.text.clone(),
            (false, Some(f)) => crate::scenario::read_text(f).map_err(|e| StudyError::Invalid {
                errors: vec![e],
                total: files.len(),
            })?,
        };
        let common = common_settings(base, opts);
        let scenarios = points(p, common);
        let reps = u64::from(common.1);
        let header = SweepPartHeader {
            format: SWEEP_PART_FORMAT.to_string(),
            format_version: SWEEP_PART_FORMAT_VERSION,
            trafsim_version: env!("CARGO_PKG_VERSION").to_string(),
            build: build_identity().to_string(),
            scenario: base.name.clone(),
            origin: p.source.origin.clone(),
            text,
            overrides: shard_source::written(&opts.flags),
            field: p.sweep.path.to_string(),
            values: p
                .sweep
                .values
                .iter()
                .map(|v| PartSweepValue {
                    value: v.value.to_string(),
                    x: v.x,
                    label: v.label.clone(),
                })
                .collect(),
            seed: common.0,
            replications: common.1,
            points: scenarios.iter().map(scenario_hash).collect(),
            shard: shard.index,
            shards: shard.count,
        };
        let own = owned(shard, scenarios.len() as u64, reps);
        let longest = scenarios
            .iter()
            .map(|s| s.simulation.duration)
            .max()
            .unwrap_or_default();
        let progress = SimProgress::new(own.len() as u64, longest, &base.name, opts.quiet);
        let dir = parts_dir(&opts.out, &base.name);
        fs::create_dir_all(&dir).map_err(PartError::io(&dir, "create the parts folder"))?;
        let path = dir.join(header.file_name());
        write_part(&path, |w, tmp| -> Result<(), PartError> {
            encode(&header, w, tmp)?;
            pool.install(|| {
                run_owned(&scenarios, &own, &progress, &mut |point, run| {
                    encode(&(point as u64), w, tmp)?;
                    encode(&run, w, tmp)
                })
            })
        })?;
        progress.finish_and_clear();
        if !opts.json {
            outcome.text.push_str(&format!(
                "{}: sweep shard {shard}, {} of {} runs ({} points × {reps} replications); \
                 written: {}\n",
                base.name,
                own.len(),
                scenarios.len() as u64 * reps,
                scenarios.len(),
                path.display()
            ));
        }
        outcome.written.push(path);
    }
    Ok(outcome)
}

/// Runs the (point, replication) pairs `own` of `scenarios` on the current pool, a chunk of
/// [`CHUNK_PER_THREAD`] × threads at a time, each within its share of the memory budget, and
/// hands the results to `fold` in the order of `own`.
fn run_owned(
    scenarios: &[Scenario],
    own: &[(usize, u64)],
    progress: &SimProgress,
    fold: &mut dyn FnMut(usize, RunResult) -> Result<(), PartError>,
) -> Result<(), PartError> {
    let threads = (rayon::current_num_threads() as u64).max(1);
    let chunk = (CHUNK_PER_THREAD * threads) as usize;
    let share = memory_budget() / threads.clamp(1, (own.len() as u64).max(1));
    for pairs in own.chunks(chunk.max(1)) {
        let results: Vec<(usize, RunResult)> = pairs
            .par_iter()
            .map(|&(point, replication)| {
                let advance = |by| crate::runner::Progress::advanced(progress, by);
                let run =
                    model::simulate_reporting(&scenarios[point], replication, share, &advance)?;
                crate::runner::Progress::finished(progress, replication);
                Ok((point, run))
            })
            .collect::<Result<_, OverBudget>>()?;
        for (point, run) in results {
            fold(point, run)?;
        }
    }
    Ok(())
}

/// A sweep part: [`SWEEP_PART_FORMAT`], (point, run) records.
const SWEEP_PART: PartKind = PartKind {
    format: SWEEP_PART_FORMAT,
    version: SWEEP_PART_FORMAT_VERSION,
    name: "sweep part",
    record: "run",
};

/// An open sweep part.
type Reader = PartStream<SweepPartHeader>;

/// Whether `f` is a sweep part by its name (not a hidden temporary one).
pub fn is_sweep_part(f: &Path) -> bool {
    is_part_named(f, SWEEP_PART_EXTENSION)
}

/// Where the sweep's shards put their parts: `<out>/<name>.sweep-parts/`.
const SWEEP_LAYOUT: PartLayout = PartLayout {
    ext: SWEEP_PART_EXTENSION,
    under: &[],
    folder_ext: Some(SWEEP_PARTS_FOLDER_EXTENSION),
    holds_others: holds_run_parts,
};

/// `paths` given to `trafsim merge`, split into the sweeps to merge (each a list of paths
/// for [`merge`]) and the rest. Sweep part files and folders holding some make one sweep,
/// given first; a folder with `<name>.sweep-parts` folders inside (the shards' `--out`)
/// gives one sweep per such folder, in name order, and stays among the rest only if it holds
/// other parts too (`<name>.parts` folders or part files).
pub fn split_merge_paths(paths: &[PathBuf]) -> (Vec<Vec<PathBuf>>, Vec<PathBuf>) {
    part_set::split_merge_paths(paths, &SWEEP_LAYOUT)
}

/// Merges the parts of one sharded sweep (files, or folders of them) and writes what the
/// single-machine sweep writes into `<out>/<scenario>/`; `json` prints `sweep.json`.
pub fn merge(paths: &[PathBuf], out: &Path, json: bool) -> Result<Outcome, StudyError> {
    let files = expand_part_paths(paths, SWEEP_PART_EXTENSION, "sweep parts")?;
    let mut readers = Reader::open_all(&files, &SWEEP_PART)?;
    let h = readers[0].header.clone();
    let at = readers[0].path.clone();
    let scenario_error = |error| PartError::Scenario {
        path: at.clone(),
        error,
    };
    let flags = shard_source::parse_flags(&h.overrides, &h.origin).map_err(scenario_error)?;
    let source = Source::parse_with(&h.text, &h.origin, &flags).map_err(scenario_error)?;
    let sweep = h.sweep().map_err(|why| PartError::mismatch(&at, why))?;
    let planned = sweep_run::plan(source, sweep).map_err(scenario_error)?;
    let common = (h.seed, h.replications);
    let scenarios = points(&planned, common);
    let same = scenarios.len() == h.points.len()
        && scenarios
            .iter()
            .zip(&h.points)
            .all(|(s, hash)| &scenario_hash(s) == hash);
    if !same {
        return Err(PartError::mismatch(
            &at,
            "names sweep points that its scenario file no longer gives (another trafsim, or a \
             changed default): merge with the trafsim that ran the shards"
                .into(),
        )
        .into());
    }
    let mut builders: Vec<SummaryBuilder> = scenarios.iter().map(SummaryBuilder::new).collect();
    let shards = h.shards;
    let reps = u64::from(h.replications);
    let total = scenarios.len() as u64 * reps;
    for t in 0..total {
        let part = &mut readers[(t % shards) as usize];
        let (point, replication) = ((t / reps) as usize, t % reps);
        let incomplete = |part: &Reader| {
            PartError::mismatch(
                &part.path,
                format!(
                    "ends before run {t} (point {point}, replication {replication}): it is \
                     incomplete"
                ),
            )
        };
        let p = part
            .next::<u64>(&SWEEP_PART)?
            .ok_or_else(|| incomplete(part))?;
        let run = part
            .next::<RunResult>(&SWEEP_PART)?
            .ok_or_else(|| incomplete(part))?;
        if p != point as u64 || run.replication != replication {
            return Err(PartError::mismatch(
                &part.path,
                format!(
                    "holds point {p}, replication {} where point {point}, replication \
                     {replication} belongs",
                    run.replication
                ),
            )
            .into());
        }
        builders[point].push(&run);
    }
    for part in &mut readers {
        if part.next::<u64>(&SWEEP_PART)?.is_some() {
            return Err(PartError::mismatch(
                &part.path,
                "holds more runs than its shard owns".into(),
            )
            .into());
        }
    }
    let summaries: Vec<_> = builders.into_iter().map(SummaryBuilder::finish).collect();
    let result = sweep_run::assemble(&planned, common, &summaries);
    let dir = report::output_dir(out, &planned.source.base.name)?;
    let mut outcome = Outcome::default();
    sweep_run::write_one(&planned, &result, &dir, json, &mut outcome)?;
    Ok(outcome)
}

impl ShardedHeader for SweepPartHeader {
    const NOUN: &'static str = "sweep";

    crate::runner::part_set::header_fields!();

    fn differs_from(&self, first: &Self, first_path: &Path) -> Option<String> {
        let (h, key) = (self, first.run_key());
        if h.run_key() == key {
            return None;
        }
        let other = first_path.display();
        let what = if h.scenario != key.scenario {
            format!(
                "its scenario is `{}`, but '{other}' has `{}`",
                h.scenario, key.scenario
            )
        } else if let Some(what) = settings_differ(h.settings(), key.settings(), first_path) {
            return Some(what);
        } else if h.field != key.field || h.values != key.values {
            format!("its sweep differs from that of '{other}'")
        } else {
            format!("its scenario file or points differ from those of '{other}'")
        };
        Some(format!(": {what}"))
    }

    fn set_name(&self) -> String {
        format!("the sweep of `{}`", self.scenario)
    }

    fn part_name(&self, k: u64) -> String {
        part_name(k, self.shards)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_deal_every_run_once_point_major() {
        for count in 1..9 {
            let mut seen = Vec::new();
            for index in 0..count {
                let own = owned(Shard { index, count }, 4, 3);
                assert!(own.windows(2).all(|w| w[0] < w[1]));
                seen.extend(own);
            }
            seen.sort_unstable();
            let all: Vec<(usize, u64)> = (0..4).flat_map(|p| (0..3).map(move |i| (p, i))).collect();
            assert_eq!(seen, all, "{count} shards");
        }
    }
}
