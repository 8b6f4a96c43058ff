//! A shard's partial result file, and the exact merge of a run's parts into its [`Summary`].
//!
//! **The file** (`part-K-of-N.trafsim-part`, CBOR): a [`PartHeader`] — what the part belongs
//! to: the format and its version, the trafsim version and build identity
//! ([`build_identity`]), the scenario (its name, its text as written, the file name it was
//! read as, the command line's overrides `--set` and `--duration` as written, and a hash of
//! the checked scenario after them and the command line's `--seed` and `--replications`), the
//! seed, the replication count, the shard and the shard count —
//! followed by one [`RunResult`] per replication the shard owns, in index order. The whole
//! result of each replication is kept (histograms bucket for bucket, time series window by
//! window, every float bit for bit: CBOR keeps them exactly), because the summary is built by
//! [`SummaryBuilder::push`] from whole results: a field added to [`RunResult`] travels in the
//! part with no change here (or, if its type cannot be serialised, fails to compile), so the
//! merge never drops one silently. The file is written to a temporary name and renamed when
//! complete, so a shard that died leaves no part that looks whole.
//!
//! **The merge** ([`merge_parts`]) checks that the parts belong together — each is a trafsim
//! part of this format version; all have the same trafsim version and build (the merging
//! one's), overrides, scenario hash, seed, replication count and shard count; every shard is
//! there once — then rebuilds the scenario from the text and the overrides (through the
//! [`Resolve`] it is given: the overrides are applied as `trafsim run` applies them) and
//! checks its hash, and then pushes the
//! replications into one [`SummaryBuilder`] in global index order, reading the parts
//! round-robin as the shards dealt them. Floating-point sums depend on their order, and this
//! is the order of a single-machine run, so the summary is the same bit for bit: its
//! `summary.json` is byte-identical.

use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::model::{OverBudget, RunResult};
use crate::runner::build_id::{build_identity, fnv1a};
use crate::runner::builder::SummaryBuilder;
use crate::runner::part_set::{ShardedHeader, check_together, settings_differ};
use crate::runner::shard::{Shard, fold_shard_within_budget};
use crate::runner::summary::Summary;
use crate::scenario::{self, Scenario, ScenarioError};

/// The `format` of every part file.
pub const PART_FORMAT: &str = "trafsim-part";

/// The layout version of part files; a merge reads only its own. 2: the build identity and
/// the command line's overrides in the header.
pub const PART_FORMAT_VERSION: u32 = 2;

/// The extension of part files.
pub const PART_EXTENSION: &str = "trafsim-part";

/// What a part belongs to: everything the merge checks before it reads a replication.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartHeader {
    /// Always [`PART_FORMAT`].
    pub format: String,
    /// [`PART_FORMAT_VERSION`] of the writer.
    pub format_version: u32,
    /// The trafsim version that wrote the part.
    pub trafsim_version: String,
    /// The build identity of the trafsim that wrote the part ([`build_identity`]).
    pub build: String,
    /// The scenario's name (its output folder).
    pub scenario: String,
    /// [`scenario_hash`] of the checked scenario the shard ran.
    pub scenario_hash: String,
    /// The file name the scenario was read as (it names the scenario when the file does not).
    pub origin: String,
    /// The scenario's text as written (the file, without the overrides).
    pub source_text: String,
    /// The command line's overrides as written, in order (`--duration 5m`, `--set
    /// clients.rate=300`), applied on top of the text.
    pub overrides: Vec<String>,
    /// The master seed the shard ran with.
    pub seed: u64,
    /// Replications of the whole run.
    pub replications: u32,
    /// This part's shard index (from 0).
    pub shard: u64,
    /// Shards of the whole run.
    pub shards: u64,
}

/// Rebuilds a part's scenario from its file text, the name it was read as and the command
/// line's overrides as written (see [`PartHeader::overrides`]), as the command that ran the
/// shard built it: `trafsim::study::shard_source::resolve`.
pub type Resolve<'a> = &'a dyn Fn(&str, &str, &[String]) -> Result<Scenario, ScenarioError>;

/// A [`Resolve`] for parts without overrides: the text as a scenario file. A part with
/// overrides is refused (merge it through `trafsim::study::shard_source`).
pub fn as_written(
    text: &str,
    origin: &str,
    overrides: &[String],
) -> Result<Scenario, ScenarioError> {
    if let Some(first) = overrides.first() {
        return Err(ScenarioError {
            diagnostics: vec![scenario::Diagnostic {
                file: origin.to_string(),
                line: None,
                column: None,
                field: String::new(),
                message: format!(
                    "the part was run with overrides ({first}, …), which this merge cannot apply"
                ),
            }],
        });
    }
    scenario::parse(text, origin)
}

impl PartHeader {
    /// The header of shard `shard` of a run of `scenario`, read from `origin`, with no
    /// overrides from the command line (see [`PartHeader::with_overrides`]).
    pub fn new(scenario: &Scenario, origin: &str, shard: Shard) -> PartHeader {
        PartHeader {
            format: PART_FORMAT.to_string(),
            format_version: PART_FORMAT_VERSION,
            trafsim_version: env!("CARGO_PKG_VERSION").to_string(),
            build: build_identity().to_string(),
            scenario: scenario.name.clone(),
            scenario_hash: scenario_hash(scenario),
            origin: origin.to_string(),
            source_text: scenario.source_text.clone(),
            overrides: Vec::new(),
            seed: scenario.simulation.seed,
            replications: scenario.simulation.replications,
            shard: shard.index,
            shards: shard.count,
        }
    }

    /// This header for a scenario that the command line's `overrides` (as written, in the
    /// order applied) changed: `file_text` is the file as written, without them.
    pub fn with_overrides(mut self, file_text: &str, overrides: Vec<String>) -> PartHeader {
        if !overrides.is_empty() {
            self.source_text = file_text.to_string();
            self.overrides = overrides;
        }
        self
    }

    /// The file name of this part: `part-K-of-N.trafsim-part`.
    pub fn file_name(&self) -> String {
        part_file_name(Shard {
            index: self.shard,
            count: self.shards,
        })
    }

    /// The scenario again, from the text and the overrides in the header (through
    /// `resolve`), with the header's seed and replications; refused if it is not the scenario
    /// the shard ran (its hash differs).
    pub fn scenario(&self, path: &Path, resolve: Resolve) -> Result<Scenario, PartError> {
        let mut s = resolve(&self.source_text, &self.origin, &self.overrides).map_err(|error| {
            PartError::Scenario {
                path: path.to_path_buf(),
                error,
            }
        })?;
        s.simulation.seed = self.seed;
        s.simulation.replications = self.replications;
        let hash = scenario_hash(&s);
        if hash != self.scenario_hash {
            return Err(PartError::mismatch(
                path,
                format!(
                    "its scenario reads here as hash {hash}, not the {} it was run with; merge \
                     with the trafsim that ran it",
                    self.scenario_hash
                ),
            ));
        }
        Ok(s)
    }
}

/// The file name of a shard's part: `part-K-of-N.trafsim-part`.
pub fn part_file_name(shard: Shard) -> String {
    format!("part-{}-of-{}.{PART_EXTENSION}", shard.index, shard.count)
}

/// The folder the parts of scenario `name` go to under `out`: `<out>/<name>.parts/` (beside
/// the run's `<out>/<name>/`, which a merge replaces as one set).
pub fn parts_dir(out: &Path, name: &str) -> PathBuf {
    out.join(format!("{name}.parts"))
}

/// A stable hash (FNV-1a, 64 bits, hexadecimal) of the checked scenario — every resolved
/// field, defaults filled in, the text as written, the command line's seed and replications —
/// but not its warnings (they name the file's path, which differs between machines).
pub fn scenario_hash(s: &Scenario) -> String {
    let mut resolved = s.clone();
    resolved.warnings.clear();
    fnv1a(format!("{resolved:?}").as_bytes())
}

/// Why a part could not be written or parts could not be merged.
#[derive(Debug, thiserror::Error)]
pub enum PartError {
    /// A file that could not be read or written.
    #[error("could not {action} '{}': {error}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done.
        action: &'static str,
        /// The operating system's reason.
        error: io::Error,
    },
    /// A file that is not a part trafsim can read.
    #[error("'{}' is not a trafsim part: {why}", .path.display())]
    NotAPart {
        /// The file.
        path: PathBuf,
        /// Why not.
        why: String,
    },
    /// Parts that do not belong together, or a part that does not hold what it should.
    #[error("'{}' {why}", .path.display())]
    Mismatch {
        /// The part.
        path: PathBuf,
        /// What is wrong with it.
        why: String,
    },
    /// The shards are not each there once.
    #[error("{0}")]
    Coverage(String),
    /// Nothing to merge.
    #[error("{0}")]
    NoParts(String),
    /// The scenario in a part that no longer loads.
    #[error("the scenario in '{}' does not load: {error}", .path.display())]
    Scenario {
        /// The part.
        path: PathBuf,
        /// Why.
        error: ScenarioError,
    },
    /// A replication past its share of the memory budget (while running a shard).
    #[error("{0}")]
    OverBudget(#[from] OverBudget),
}

impl PartError {
    /// A part `path` that does not hold what it should, or does not belong with the others.
    pub(crate) fn mismatch(path: &Path, why: String) -> PartError {
        PartError::Mismatch {
            path: path.to_path_buf(),
            why,
        }
    }

    /// The error of `action` on file `path`.
    pub(crate) fn io(path: &Path, action: &'static str) -> impl FnOnce(io::Error) -> PartError {
        let path = path.to_path_buf();
        move |error| PartError::Io {
            path,
            action,
            error,
        }
    }

    /// The process exit code: 1 for a file that could not be read or written, or a
    /// replication over the memory budget; 2 for parts that are not a whole run.
    pub fn exit_code(&self) -> u8 {
        match self {
            PartError::Io { .. } | PartError::OverBudget(_) => 1,
            _ => 2,
        }
    }
}

/// Runs shard `shard` of `scenario` (read from `origin`) and writes its part into `dir`
/// (created if needed); returns the part's path. `progress` hears the replications' simulated time and ends.
pub fn run_shard(
    scenario: &Scenario,
    origin: &str,
    shard: Shard,
    dir: &Path,
    progress: &dyn crate::runner::Progress,
) -> Result<PathBuf, PartError> {
    run_shard_as(
        PartHeader::new(scenario, origin, shard),
        scenario,
        dir,
        progress,
    )
}

/// [`run_shard`] with the part's `header` given (e.g. [`PartHeader::with_overrides`]); the
/// shard is the header's.
pub fn run_shard_as(
    header: PartHeader,
    scenario: &Scenario,
    dir: &Path,
    progress: &dyn crate::runner::Progress,
) -> Result<PathBuf, PartError> {
    let shard = Shard {
        index: header.shard,
        count: header.shards,
    };
    fs::create_dir_all(dir).map_err(PartError::io(dir, "create the parts folder"))?;
    let path = dir.join(header.file_name());
    write_part(&path, |w, tmp| {
        encode(&header, w, tmp)?;
        fold_shard_within_budget::<PartError>(scenario, shard, progress, &mut |run| {
            encode(&run, w, tmp)
        })
    })?;
    Ok(path)
}

/// Writes the part `path` through `write` (given the buffered file and its temporary path)
/// under a temporary name beside it — the shard's own (every pod of a Job may have process
/// id 1) — synced and renamed into place once complete, removed if anything failed, so a
/// folder never holds a cut part under a part's name. Every kind of part writes here.
pub(crate) fn write_part<E: From<PartError>>(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>, &Path) -> Result<(), E>,
) -> Result<(), E> {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let written = (|| {
        let file = File::create(&tmp).map_err(PartError::io(&tmp, "write"))?;
        let mut w = BufWriter::new(file);
        write(&mut w, &tmp)?;
        let file = w
            .into_inner()
            .map_err(|e| PartError::io(&tmp, "write")(e.into_error()))?;
        file.sync_all().map_err(PartError::io(&tmp, "write"))?;
        fs::rename(&tmp, path).map_err(PartError::io(path, "write"))?;
        Ok(())
    })();
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written
}

/// Writes `value` as CBOR to `w`, the part at `path`.
pub(crate) fn encode<T: Serialize>(
    value: &T,
    w: &mut impl Write,
    path: &Path,
) -> Result<(), PartError> {
    ciborium::into_writer(value, w).map_err(|e| match e {
        ciborium::ser::Error::Io(error) => PartError::Io {
            path: path.to_path_buf(),
            action: "write",
            error,
        },
        ciborium::ser::Error::Value(v) => PartError::mismatch(path, format!("cannot hold {v}")),
    })
}

/// A part file opened for reading: its header checked and read, its records next (each a
/// CBOR value). The one reader of both kinds of part, a run's ([`PartHeader`], replications)
/// and a comparison's (results per column).
pub(crate) struct PartStream<H> {
    /// The file.
    pub path: PathBuf,
    /// Its header.
    pub header: H,
    reader: BufReader<File>,
}

/// What a kind of part file is called and which header it starts with.
pub(crate) struct PartKind {
    /// The header's `format` value.
    pub format: &'static str,
    /// The format version this trafsim reads.
    pub version: u32,
    /// Its name in messages: "part", "comparison part".
    pub name: &'static str,
    /// What each record is, in messages: "replication", "result".
    pub record: &'static str,
}

/// The run's part: [`PART_FORMAT`].
const RUN_PART: PartKind = PartKind {
    format: PART_FORMAT,
    version: PART_FORMAT_VERSION,
    name: "part",
    record: "replication",
};

impl<H: serde::de::DeserializeOwned + ShardedHeader> PartStream<H> {
    /// Opens each of `files` as a part of `kind` (see [`PartStream::open`]), refuses them
    /// unless they make one set ([`check_together`]), and returns them in shard order: the
    /// first step of every merge.
    pub(crate) fn open_all(files: &[PathBuf], kind: &PartKind) -> Result<Vec<Self>, PartError> {
        let mut readers = files
            .iter()
            .map(|f| Self::open(f, kind, H::format_version))
            .collect::<Result<Vec<_>, _>>()?;
        check_together(&readers)?;
        readers.sort_by_key(|r| r.header.shard());
        Ok(readers)
    }
}

impl<H: serde::de::DeserializeOwned> PartStream<H> {
    /// Opens `path` as a part of `kind`, with `version_of` giving a header's format version.
    pub(crate) fn open(
        path: &Path,
        kind: &PartKind,
        version_of: impl Fn(&H) -> u32,
    ) -> Result<Self, PartError> {
        let file = File::open(path).map_err(PartError::io(path, "read"))?;
        let mut reader = BufReader::new(file);
        let not_a_part = |why: String| PartError::NotAPart {
            path: path.to_path_buf(),
            why,
        };
        let name = kind.name;
        let value: ciborium::Value = ciborium::from_reader(&mut reader)
            .map_err(|e| not_a_part(format!("it does not start with a {name} header ({e})")))?;
        let field = |key: &str| {
            value.as_map().and_then(|m| {
                m.iter()
                    .find(|(k, _)| k.as_text() == Some(key))
                    .map(|(_, v)| v.clone())
            })
        };
        let text_of = |key: &str| {
            field(key)
                .and_then(|v| v.as_text().map(str::to_string))
                .unwrap_or_default()
        };
        let format = text_of("format");
        if format != kind.format {
            return Err(not_a_part(format!(
                "it does not start with a {name} header (format `{format}`)"
            )));
        }
        // The format version first: an older or newer header may not read as this one.
        let version = field("format_version")
            .and_then(|v| v.as_integer())
            .and_then(|v| u32::try_from(v).ok());
        if version != Some(kind.version) {
            let written = text_of("trafsim_version");
            return Err(PartError::mismatch(
                path,
                format!(
                    "is in {name} format {}, written by trafsim {written}; this trafsim ({} \
                     build {}) reads {name} format {} only: merge with the trafsim that ran \
                     the shards",
                    version.map_or_else(|| "?".to_string(), |v| v.to_string()),
                    env!("CARGO_PKG_VERSION"),
                    build_identity(),
                    kind.version
                ),
            ));
        }
        let header: H = value.deserialized().map_err(|e| {
            not_a_part(format!(
                "its header is not one this trafsim ({}) reads: {e}",
                env!("CARGO_PKG_VERSION")
            ))
        })?;
        debug_assert_eq!(version_of(&header), kind.version);
        Ok(PartStream {
            path: path.to_path_buf(),
            header,
            reader,
        })
    }

    /// The next record (a `kind.record`), or `None` at the end of the file.
    pub(crate) fn next<T: serde::de::DeserializeOwned>(
        &mut self,
        kind: &PartKind,
    ) -> Result<Option<T>, PartError> {
        use std::io::BufRead;
        let at_end = self
            .reader
            .fill_buf()
            .map_err(PartError::io(&self.path, "read"))?
            .is_empty();
        if at_end {
            return Ok(None);
        }
        ciborium::from_reader(&mut self.reader)
            .map(Some)
            .map_err(|e| {
                PartError::mismatch(
                    &self.path,
                    format!("holds a {} this trafsim cannot read: {e}", kind.record),
                )
            })
    }
}

/// A run's part, open.
type PartReader = PartStream<PartHeader>;

/// The runs that `paths` name, each as the paths to give [`merge_parts`]: a folder with no
/// part files of its own but with `<name>.parts` folders inside (the `--out` folder of the
/// shards) is one run per such folder, in name order; every other path (part files, a parts
/// folder) belongs to one run, given first.
pub fn runs_in(paths: &[PathBuf]) -> Result<Vec<Vec<PathBuf>>, PartError> {
    let mut plain = Vec::new();
    let mut runs = Vec::new();
    for p in paths {
        if p.is_dir() && !holds_parts(p)? {
            let mut inner: Vec<PathBuf> = fs::read_dir(p)
                .map_err(PartError::io(p, "read the folder"))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|d| d.is_dir() && d.extension().is_some_and(|e| e == "parts"))
                .collect();
            if !inner.is_empty() {
                inner.sort();
                runs.extend(inner.into_iter().map(|d| vec![d]));
                continue;
            }
        }
        plain.push(p.clone());
    }
    if !plain.is_empty() {
        runs.insert(0, plain);
    }
    Ok(runs)
}

/// Whether folder `dir` holds part files itself.
fn holds_parts(dir: &Path) -> Result<bool, PartError> {
    Ok(fs::read_dir(dir)
        .map_err(PartError::io(dir, "read the folder"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .any(|f| is_part_file(&f)))
}

/// Whether `f` is a part file by its name (`*.trafsim-part`, not a hidden temporary one).
fn is_part_file(f: &Path) -> bool {
    is_part_named(f, PART_EXTENSION)
}

/// Whether `f` is a file whose name ends in `.{ext}` and is not a hidden temporary one: how
/// every kind of part (run, comparison, sweep, capacity probe) is recognised.
pub(crate) fn is_part_named(f: &Path, ext: &str) -> bool {
    f.is_file()
        && f.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| !n.starts_with('.') && n.ends_with(&format!(".{ext}")))
}

/// The part files of extension `ext` in folder `dir`, sorted by name.
pub(crate) fn part_files_in(dir: &Path, ext: &str) -> Result<Vec<PathBuf>, PartError> {
    let mut found: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(PartError::io(dir, "read the folder"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|f| is_part_named(f, ext))
        .collect();
    found.sort();
    Ok(found)
}

/// The part files that `paths` name: files as given, and in each folder its files of
/// extension `ext` (sorted by name; other files are left alone). A folder with none is an
/// error that calls them `what` ("part files", "sweep parts", …).
pub(crate) fn expand_part_paths(
    paths: &[PathBuf],
    ext: &str,
    what: &str,
) -> Result<Vec<PathBuf>, PartError> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let found = part_files_in(p, ext)?;
            if found.is_empty() {
                return Err(PartError::NoParts(format!(
                    "'{}' holds no {what} (part-K-of-N.{ext})",
                    p.display()
                )));
            }
            files.extend(found);
        } else {
            files.push(p.clone());
        }
    }
    Ok(files)
}

/// The part files that `paths` name: files as given, and in each folder the files ending in
/// `.trafsim-part` (sorted by name); other files in a folder are left alone.
pub fn collect_part_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, PartError> {
    let files = expand_part_paths(paths, PART_EXTENSION, "part files")?;
    if files.is_empty() {
        return Err(PartError::NoParts("no part files given".into()));
    }
    Ok(files)
}

/// Merges the parts of one sharded run (files, or folders of them: see
/// [`collect_part_files`]) into the scenario it ran and the [`Summary`] a single-machine run
/// gives, after checking the parts belong together (see the module doc).
///
/// `resolve` rebuilds the scenario from a part's text and overrides (see [`Resolve`]).
pub fn merge_parts(paths: &[PathBuf], resolve: Resolve) -> Result<(Scenario, Summary), PartError> {
    let files = collect_part_files(paths)?;
    let mut readers = PartReader::open_all(&files, &RUN_PART)?;
    let first = &readers[0];
    let scenario = first.header.scenario(&first.path, resolve)?;
    let shards = first.header.shards;
    let reps = u64::from(first.header.replications);
    let mut builder = SummaryBuilder::new(&scenario);
    for i in 0..reps {
        let part = &mut readers[(i % shards) as usize];
        let share = Shard {
            index: part.header.shard,
            count: shards,
        }
        .share_of(reps);
        let run = part.next::<RunResult>(&RUN_PART)?.ok_or_else(|| {
            PartError::mismatch(
                &part.path,
                format!(
                    "ends after {} of its {share} replications: it is incomplete",
                    i / shards
                ),
            )
        })?;
        if run.replication != i {
            return Err(PartError::mismatch(
                &part.path,
                format!(
                    "holds replication {} where replication {i} belongs",
                    run.replication
                ),
            ));
        }
        builder.push(&run);
    }
    for part in &mut readers {
        if part.next::<RunResult>(&RUN_PART)?.is_some() {
            return Err(PartError::mismatch(
                &part.path,
                "holds more replications than its shard owns".into(),
            ));
        }
    }
    let summary = builder.finish();
    Ok((scenario, summary))
}

impl ShardedHeader for PartHeader {
    const NOUN: &'static str = "run";

    crate::runner::part_set::header_fields!();

    fn differs_from(&self, h0: &Self, first: &Path) -> Option<String> {
        let h = self;
        let differs = |what: &str, a: &dyn std::fmt::Display, b: &dyn std::fmt::Display| {
            Some(format!(
                ": its {what} is {a}, but '{}' has {b}",
                first.display()
            ))
        };
        if h.scenario != h0.scenario {
            return differs("scenario", &h.scenario, &h0.scenario);
        }
        if let Some(what) = settings_differ(h.settings(), h0.settings(), first) {
            return Some(what);
        }
        if h.scenario_hash != h0.scenario_hash {
            return differs(
                "scenario (the same name, another content: hash)",
                &h.scenario_hash,
                &h0.scenario_hash,
            );
        }
        None
    }

    fn set_name(&self) -> String {
        format!("`{}`", self.scenario)
    }

    fn part_name(&self, k: u64) -> String {
        part_file_name(Shard {
            index: k,
            count: self.shards,
        })
    }
}

/// Refuses a part (at `path`) written by another trafsim version or another build of this
/// version ([`build_identity`]): a model change between two commits changes the results while
/// the version stays. Every kind of part checks here (through
/// [`check_together`]).
pub(crate) fn check_build(path: &Path, version: &str, build: &str) -> Result<(), PartError> {
    let own = build_identity();
    if version != env!("CARGO_PKG_VERSION") || build != own {
        return Err(PartError::mismatch(
            path,
            format!(
                "was written by another trafsim build ({build}); this is {own}: merge with \
                 the same binary that ran the shards (parts of different builds are never \
                 mixed, their results may differ)"
            ),
        ));
    }
    Ok(())
}

/// Checks that `shards` — (shard index, its file), indices already known to be below `n` —
/// hold each of the `n` shards exactly once; `of` names the run in messages (e.g.
/// "`zone-outage`") and `file_of` the file a missing shard would write. Every kind of part
/// checks here (through [`check_together`]).
pub(crate) fn check_coverage<'a>(
    n: u64,
    shards: impl Iterator<Item = (u64, &'a Path)>,
    of: &str,
    file_of: impl Fn(u64) -> String,
) -> Result<(), PartError> {
    let mut seen: Vec<Option<&Path>> = vec![None; n as usize];
    for (k, path) in shards {
        let slot = &mut seen[k as usize];
        if let Some(other) = slot {
            return Err(PartError::Coverage(format!(
                "shard {k}/{n} is there twice: '{}' and '{}'",
                other.display(),
                path.display()
            )));
        }
        *slot = Some(path);
    }
    let missing: Vec<u64> = (0..n).filter(|&k| seen[k as usize].is_none()).collect();
    if !missing.is_empty() {
        let mut list = String::new();
        for (i, k) in missing.iter().take(10).enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            let _ = write!(list, "{sep}{k}");
        }
        if missing.len() > 10 {
            let _ = write!(list, ", … ({} in all)", missing.len());
        }
        return Err(PartError::Coverage(format!(
            "{} of the {n} shards of {of} {} missing: shard {list} (expected {}, …); run them, \
             or wait for them to finish",
            missing.len(),
            if missing.len() == 1 { "is" } else { "are" },
            file_of(missing[0])
        )));
    }
    Ok(())
}
