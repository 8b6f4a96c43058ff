//! A comparison split over machines (`trafsim compare --shard K/N`) and merged exactly
//! (`trafsim merge`).
//!
//! **Which replications.** Shard `K` of `N` runs the replication indices `i` with
//! `i mod N = K` (see [`Shard`]) of *every* column: common random numbers need replication
//! `i` of each column on the same streams, and each replication seeds itself from (seed, `i`),
//! so a column's replication in a shard is the one a single-machine comparison runs.
//!
//! **The part** (`<out>/compare/<name>.parts/part-K-of-N.trafsim-compare-part`, CBOR): a
//! [`ComparePartHeader`] — the trafsim version and build identity, the comparison's name, every
//! scenario file as read (its name as given and its text, from which the merge rebuilds the
//! columns and their `[[variants]]`), the command line's overrides as written (`--set`,
//! `--duration`, applied on top of every file and variant), the common seed and replication count, each column's label and the
//! [`scenario_hash`] of its checked scenario, the shard and the shard count — then the whole
//! [`RunResult`] of each (replication, column) the shard ran, replication-major: replication
//! `K` of every column in column order, then `K + N`, … It is written under a temporary name
//! and renamed when complete, as a run's part is.
//!
//! **The merge** ([`merge`]) checks the parts belong together (one trafsim version, name,
//! files, seed, replication count, columns and hashes, shard count; every shard once), rebuilds
//! the columns from the files and checks each column's hash, then pushes each column's
//! replications into its [`ColumnFold`] in index order — the order of a single-machine
//! comparison — so `comparison.json` is byte-identical to it, overrides or not.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::model::RunResult;
use crate::report;
use crate::runner::build_id::build_identity;
use crate::runner::part::{
    PartError, PartKind, PartStream, encode, expand_part_paths, is_part_named, scenario_hash,
    write_part,
};
use crate::runner::part_set::{self, PartLayout, ShardedHeader, holds_run_parts, settings_differ};
use crate::runner::{Shard, fold_each_of_within_budget};
use crate::scenario::Scenario;
use crate::study::compare::{self, Column, ColumnFold, Prepared};
use crate::study::shard_source;
use crate::study::sweep_shard::SWEEP_PARTS_FOLDER_EXTENSION;
use crate::study::{COMPARE_FOLDER, Options, Outcome, Source, StudyError, bar, pool};

/// The `format` of every comparison part.
pub const COMPARE_PART_FORMAT: &str = "trafsim-compare-part";

/// The layout version of comparison parts; a merge reads only its own. 2: the build identity
/// and the command line's overrides in the header.
pub const COMPARE_PART_FORMAT_VERSION: u32 = 2;

/// The extension of comparison parts.
pub const COMPARE_PART_EXTENSION: &str = "trafsim-compare-part";

/// A scenario file of the comparison, as read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartFile {
    /// The file's name as given on the command line (the columns' `file`).
    pub origin: String,
    /// Its text as read (without the command line's overrides).
    pub text: String,
}

/// One column of the comparison, as the shard ran it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartColumn {
    /// Its header.
    pub label: String,
    /// [`scenario_hash`] of its checked scenario, with the common seed and replications.
    pub scenario_hash: String,
}

/// What a comparison part belongs to: everything the merge checks before it reads a result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComparePartHeader {
    /// Always [`COMPARE_PART_FORMAT`].
    pub format: String,
    /// [`COMPARE_PART_FORMAT_VERSION`] of the writer.
    pub format_version: u32,
    /// The trafsim version that wrote the part.
    pub trafsim_version: String,
    /// The build identity of the trafsim that wrote the part ([`build_identity`]).
    pub build: String,
    /// The comparison's name (its output folder).
    pub name: String,
    /// The scenario files, in command-line order.
    pub files: Vec<PartFile>,
    /// The command line's overrides as written, in order (`--set …`, `--duration …`).
    pub overrides: Vec<String>,
    /// The common master seed.
    pub seed: u64,
    /// Replications per column of the whole comparison.
    pub replications: u32,
    /// The columns, in order.
    pub columns: Vec<PartColumn>,
    /// This part's shard index (from 0).
    pub shard: u64,
    /// Shards of the whole comparison.
    pub shards: u64,
}

impl ComparePartHeader {
    /// The part's file name: `part-K-of-N.trafsim-compare-part`.
    pub fn file_name(&self) -> String {
        format!(
            "part-{}-of-{}.{COMPARE_PART_EXTENSION}",
            self.shard, self.shards
        )
    }

    /// Everything but the shard index, which must agree between the parts of one comparison.
    fn run_key(&self) -> ComparePartHeader {
        ComparePartHeader {
            shard: 0,
            ..self.clone()
        }
    }
}

/// The folder the parts of comparison `name` go to under `out`:
/// `<out>/compare/<name>.parts/`.
pub fn parts_dir(out: &Path, name: &str) -> PathBuf {
    out.join(COMPARE_FOLDER).join(format!("{name}.parts"))
}

/// `trafsim compare --shard K/N FILE…`: checks everything as `compare` does, runs shard
/// `shard` of every column and writes its part; the outcome names the part.
pub fn run_shard(
    files: &[PathBuf],
    name: Option<&str>,
    opts: &Options,
    shard: Shard,
) -> Result<Outcome, StudyError> {
    let Prepared {
        sources,
        mut columns,
        name,
        notes,
    } = compare::prepare(files, name, opts)?;
    let (seed, replications) = compare::with_common(&mut columns, opts);
    // A source's text carries a note of the overrides; the part holds the file as written.
    let texts = if opts.flags.is_empty() {
        sources.iter().map(|s| s.text.clone()).collect()
    } else {
        files
            .iter()
            .map(|f| crate::scenario::read_text(f))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| StudyError::Invalid {
                errors: vec![e],
                total: files.len(),
            })?
    };
    let header = ComparePartHeader {
        format: COMPARE_PART_FORMAT.to_string(),
        format_version: COMPARE_PART_FORMAT_VERSION,
        trafsim_version: env!("CARGO_PKG_VERSION").to_string(),
        build: build_identity().to_string(),
        name: name.clone(),
        files: sources
            .iter()
            .zip(texts)
            .map(|(s, text)| PartFile {
                origin: s.origin.clone(),
                text,
            })
            .collect(),
        overrides: shard_source::written(&opts.flags),
        seed,
        replications,
        columns: columns
            .iter()
            .map(|c| PartColumn {
                label: c.label.clone(),
                scenario_hash: scenario_hash(&c.scenario),
            })
            .collect(),
        shard: shard.index,
        shards: shard.count,
    };
    let scenarios: Vec<Scenario> = columns.into_iter().map(|c| c.scenario).collect();
    let own: Vec<u64> = shard.replications(u64::from(replications)).collect();
    let dir = parts_dir(&opts.out, &name);
    fs::create_dir_all(&dir).map_err(PartError::io(&dir, "create the parts folder"))?;
    let path = dir.join(header.file_name());
    let pool = pool(opts)?;
    write_part(&path, |w, tmp| -> Result<(), StudyError> {
        encode(&header, w, tmp)?;
        let progress = bar(&scenarios, &name, opts.quiet);
        pool.install(|| {
            fold_each_of_within_budget::<PartError>(&scenarios, &own, &progress, &mut |_, run| {
                encode(&run, w, tmp)
            })
        })?;
        progress.finish_and_clear();
        Ok(())
    })?;
    let text = format!(
        "{name}: shard {shard}, {} of {replications} replications of {} columns; written: {}\n",
        own.len(),
        scenarios.len(),
        path.display()
    );
    Ok(Outcome {
        text: if opts.json { String::new() } else { text },
        written: vec![path],
        notes,
    })
}

/// A comparison part: [`COMPARE_PART_FORMAT`], results per (replication, column).
const COMPARE_PART: PartKind = PartKind {
    format: COMPARE_PART_FORMAT,
    version: COMPARE_PART_FORMAT_VERSION,
    name: "comparison part",
    record: "result",
};

/// An open comparison part: its header read, its results next.
type Reader = PartStream<ComparePartHeader>;

/// Whether `f` is a comparison part by its name (not a hidden temporary one).
pub fn is_compare_part(f: &Path) -> bool {
    is_part_named(f, COMPARE_PART_EXTENSION)
}

/// Where the comparison's shards put their parts: `<out>/compare/<name>.parts/`.
const COMPARE_LAYOUT: PartLayout = PartLayout {
    ext: COMPARE_PART_EXTENSION,
    under: &[COMPARE_FOLDER],
    folder_ext: Some("parts"),
    holds_others: holds_run_or_sweep_parts,
};

/// Whether `--out` folder `dir` holds a run's parts or a sweep's (`<name>.sweep-parts`
/// folders): sweeps are split off after comparisons, so such a folder must stay among the rest.
fn holds_run_or_sweep_parts(dir: &Path) -> bool {
    holds_run_parts(dir)
        || fs::read_dir(dir).into_iter().flatten().any(|e| {
            e.ok().is_some_and(|e| {
                let f = e.path();
                f.is_dir()
                    && f.extension()
                        .is_some_and(|x| x == SWEEP_PARTS_FOLDER_EXTENSION)
            })
        })
}

/// `paths` given to `trafsim merge`, split into the comparisons to merge (each a list of
/// paths for [`merge`]) and the rest (runs' parts). Comparison part files and folders holding
/// some make one comparison, given first; a folder with a `compare/` folder of
/// `<name>.parts` folders of comparison parts (the shards' `--out` folder) gives one
/// comparison per such folder, in name order, and stays among the rest only if it holds
/// runs' or sweeps' parts too (part files, `<name>.parts` or `<name>.sweep-parts` folders of
/// its own).
pub fn split_merge_paths(paths: &[PathBuf]) -> (Vec<Vec<PathBuf>>, Vec<PathBuf>) {
    part_set::split_merge_paths(paths, &COMPARE_LAYOUT)
}

/// Merges the parts of one sharded comparison (files, or folders of them) and writes what
/// `trafsim compare` writes into `<out>/compare/<name>/`; `json` prints `comparison.json`.
pub fn merge(paths: &[PathBuf], out: &Path, json: bool) -> Result<Outcome, StudyError> {
    let files = expand_part_paths(paths, COMPARE_PART_EXTENSION, "comparison parts")?;
    let mut readers = Reader::open_all(&files, &COMPARE_PART)?;
    let h = readers[0].header.clone();
    let at = readers[0].path.clone();
    let scenario_error = |error| PartError::Scenario {
        path: at.clone(),
        error,
    };
    let sources = h
        .files
        .iter()
        .map(|f| {
            let flags = shard_source::parse_flags(&h.overrides, &f.origin)?;
            Source::parse_with(&f.text, &f.origin, &flags)
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(scenario_error)?;
    let mut columns: Vec<Column> = compare::columns(&sources)?;
    let scenarios_as_written: Vec<Scenario> = columns.iter().map(|c| c.scenario.clone()).collect();
    let common = (h.seed, h.replications);
    for c in &mut columns {
        crate::study::set_common(&mut c.scenario, common);
    }
    let same = columns.len() == h.columns.len()
        && columns
            .iter()
            .zip(&h.columns)
            .all(|(c, p)| c.label == p.label && scenario_hash(&c.scenario) == p.scenario_hash);
    if !same {
        return Err(PartError::mismatch(
            &at,
            "names columns that its scenario files no longer give (another trafsim, or a \
             changed default): merge with the trafsim that ran the shards"
                .into(),
        )
        .into());
    }
    let scenarios: Vec<Scenario> = columns.iter().map(|c| c.scenario.clone()).collect();
    let mut folds: Vec<ColumnFold> = scenarios.iter().map(ColumnFold::new).collect();
    let shards = h.shards;
    let reps = u64::from(h.replications);
    for i in 0..reps {
        let part = &mut readers[(i % shards) as usize];
        for fold in &mut folds {
            let run = part.next::<RunResult>(&COMPARE_PART)?.ok_or_else(|| {
                PartError::mismatch(
                    &part.path,
                    format!("ends before replication {i} of every column: it is incomplete"),
                )
            })?;
            if run.replication != i {
                return Err(PartError::mismatch(
                    &part.path,
                    format!(
                        "holds replication {} where replication {i} belongs",
                        run.replication
                    ),
                )
                .into());
            }
            fold.push(&run);
        }
    }
    for part in &mut readers {
        if part.next::<RunResult>(&COMPARE_PART)?.is_some() {
            return Err(PartError::mismatch(
                &part.path,
                "holds more results than its shard owns".into(),
            )
            .into());
        }
    }
    let comparison = compare::assemble(&h.name, common, &columns, &scenarios, folds);
    let dir = report::output_dir(&out.join(COMPARE_FOLDER), &h.name)?;
    compare::write_outputs(
        &dir,
        &comparison,
        &scenarios_as_written,
        &sources,
        json,
        Vec::new(),
    )
}

impl ShardedHeader for ComparePartHeader {
    const NOUN: &'static str = "comparison";

    crate::runner::part_set::header_fields!();

    fn differs_from(&self, first: &Self, first_path: &Path) -> Option<String> {
        let (h, key) = (self, first.run_key());
        if h.run_key() == key {
            return None;
        }
        let other = first_path.display();
        let what = if h.name != key.name {
            format!("its name is `{}`, but '{other}' has `{}`", h.name, key.name)
        } else if let Some(what) = settings_differ(h.settings(), key.settings(), first_path) {
            return Some(what);
        } else {
            format!("its scenario files or columns differ from those of '{other}'")
        };
        Some(format!(": {what}"))
    }

    fn set_name(&self) -> String {
        format!("comparison `{}`", self.name)
    }

    fn part_name(&self, k: u64) -> String {
        format!("part-{k}-of-{}.{COMPARE_PART_EXTENSION}", self.shards)
    }
}
