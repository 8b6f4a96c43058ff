//! A capacity search spread over machines: each probe is a sharded run, the search itself
//! stays on one machine and resumes from the probes merged so far.
//!
//! **The loop.** `trafsim capacity FILE --probe-results DIR` runs the search of
//! [`capacity`](super::capacity) with every probe read from `DIR/capacity/probes/` instead of
//! run. At the first probe not there, that case's search stops and the command prints the
//! probe to run next — its rate exactly as the search computed it — and the command lines
//! that run it: `trafsim capacity FILE --probe RATE --shard K/N` on each machine (pod `K`
//! runs the replications `i mod N = K` of that probe, as a run's shard does) and `trafsim
//! merge … --out DIR`. Run again, the search reads one more probe and asks for the next, until
//! it ends; then it writes `capacity.json`, the chart and the page, byte-identical to
//! `trafsim capacity FILE` on one machine: each probe is judged on the same per-replication
//! samples in the same order, and the search takes the same path.
//!
//! **The part** (`<out>/capacity/probe-parts/<key>/part-K-of-N.trafsim-probe-part`, CBOR): a
//! [`ProbePartHeader`] — format and version, trafsim version and build identity, the scenario
//! (name, file as written, the name it was read as, the command line's overrides as written),
//! the variant, the lost zone, the rate, the common seed and replications, the hash of the
//! probe's checked scenario, the shard and the shard count — then one [`ProbeSample`] per
//! replication the shard owns, in index order. **The merged probe**
//! (`<out>/capacity/probes/<key>.trafsim-probe`) holds the same identity and every sample in
//! index order; the search checks its hash against the scenario it would probe (same file,
//! overrides, seed, replications, variant, zone and rate) and its build.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::runner::build_id::build_identity;
use crate::runner::part::{
    PartError, PartKind, PartStream, check_build, encode, expand_part_paths, is_part_named,
    scenario_hash, write_part,
};
use crate::runner::part_set::{self, PartLayout, ShardedHeader};
use crate::runner::shard::fold_shard_within_budget;
use crate::runner::{Shard, SimProgress};
use crate::scenario::Scenario;
use crate::study::capacity::{Case, MergedSearch, ProbeKey, ProbeSample, Probes, Query, run_with};
use crate::study::{
    CAPACITY_FOLDER, Options, Outcome, Source, StudyError, common_settings, load_sources, pool,
    shard_source,
};

/// The `format` of a probe's part.
pub const PROBE_PART_FORMAT: &str = "trafsim-probe-part";
/// The `format` of a merged probe.
pub const MERGED_PROBE_FORMAT: &str = "trafsim-probe";
/// The layout version of both; a merge or a search reads only its own.
pub const PROBE_FORMAT_VERSION: u32 = 1;
/// The extension of a probe's parts.
pub const PROBE_PART_EXTENSION: &str = "trafsim-probe-part";
/// The folder under `<out>/capacity/` of the probes' parts, one folder per probe.
pub const PROBE_PARTS_FOLDER: &str = "probe-parts";
/// The folder under `<out>/capacity/` of the merged probes.
pub const PROBES_FOLDER: &str = "probes";

/// What a probe's part belongs to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProbePartHeader {
    /// Always [`PROBE_PART_FORMAT`].
    pub format: String,
    /// [`PROBE_FORMAT_VERSION`] of the writer.
    pub format_version: u32,
    /// The trafsim version that wrote the part.
    pub trafsim_version: String,
    /// The build identity of the trafsim that wrote the part ([`build_identity`]).
    pub build: String,
    /// The scenario's name.
    pub scenario: String,
    /// The file name the scenario was read as.
    pub origin: String,
    /// The file as written (without the command line's overrides).
    pub text: String,
    /// The command line's overrides as written, in order.
    pub overrides: Vec<String>,
    /// The variant probed, if any.
    pub variant: Option<String>,
    /// The zone lost for the whole run, if any.
    pub lost_zone: Option<String>,
    /// `clients.rate` of the probe.
    pub rate: f64,
    /// The common master seed.
    pub seed: u64,
    /// Replications of the probe.
    pub replications: u32,
    /// [`scenario_hash`] of the probe's checked scenario.
    pub scenario_hash: String,
    /// This part's shard index (from 0).
    pub shard: u64,
    /// Shards of the probe.
    pub shards: u64,
}

/// A probe merged from its parts: what the search reads.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MergedProbe {
    /// Always [`MERGED_PROBE_FORMAT`].
    pub format: String,
    /// [`PROBE_FORMAT_VERSION`].
    pub format_version: u32,
    /// The trafsim version of the parts.
    pub trafsim_version: String,
    /// Their build identity.
    pub build: String,
    /// The scenario's name.
    pub scenario: String,
    /// The variant probed, if any.
    pub variant: Option<String>,
    /// The zone lost, if any.
    pub lost_zone: Option<String>,
    /// `clients.rate`.
    pub rate: f64,
    /// [`scenario_hash`] of the probe's checked scenario.
    pub scenario_hash: String,
    /// Every replication's sample, in index order.
    pub samples: Vec<ProbeSample>,
}

/// The name of a probe's parts folder and merged file: `<scenario>~<variant>~<zone>~<rate>`
/// (`-` without a variant, `all` with every zone; the rate exactly as the search gives it).
pub fn key_name(k: &ProbeKey) -> String {
    format!(
        "{}~{}~{}~{}",
        k.scenario,
        k.variant.as_deref().unwrap_or("-"),
        k.lost_zone.as_deref().unwrap_or("all"),
        k.rate
    )
}

/// The merged probe `k` under `out` (a `trafsim merge --out`).
pub fn merged_path(out: &Path, k: &ProbeKey) -> PathBuf {
    out.join(CAPACITY_FOLDER)
        .join(PROBES_FOLDER)
        .join(format!("{}.{MERGED_PROBE_FORMAT}", key_name(k)))
}

/// `part-K-of-N.trafsim-probe-part`.
fn part_name(shard: u64, shards: u64) -> String {
    format!("part-{shard}-of-{shards}.{PROBE_PART_EXTENSION}")
}

/// The case of `src` a probe names: its variant (by name) and its lost zone.
fn case_of<'a>(
    src: &'a Source,
    variant: Option<&str>,
    lost_zone: Option<String>,
) -> Result<Case<'a>, StudyError> {
    let variant = match variant {
        None if src.variants.is_empty() => None,
        None => {
            return Err(StudyError::Usage(format!(
                "`{}` has [[variants]]; name the one to probe with --variant ({})",
                src.origin,
                src.variants
                    .iter()
                    .map(|v| v.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        Some(name) => Some(
            src.variants
                .iter()
                .find(|v| v.name == name)
                .ok_or_else(|| {
                    StudyError::Usage(format!(
                        "--variant: `{}` has no variant `{name}`",
                        src.origin
                    ))
                })?,
        ),
    };
    check_key_parts(variant.map(|v| v.name.as_str()), lost_zone.as_deref())?;
    Ok(Case {
        src,
        variant,
        lost_zone,
    })
}

/// Refuses a probe whose variant or lost zone cannot be part of the name of its parts folder
/// and merged file ([`key_name`]): a name with `/` (or `\`, or one that is `.` or `..`) would
/// put them in another folder, or outside `--out`.
fn check_key_parts(variant: Option<&str>, zone: Option<&str>) -> Result<(), StudyError> {
    for (what, name) in [("variant", variant), ("zone", zone)] {
        let Some(name) = name else { continue };
        if let Err(why) = crate::scenario::folder_name(name) {
            return Err(StudyError::Usage(format!(
                "{what} `{name}` cannot be part of a probe's folder name \
                 (<out>/capacity/probe-parts/<scenario>~<variant>~<zone>~<rate>/): it {why}; \
                 rename it in the scenario"
            )));
        }
    }
    Ok(())
}

/// `trafsim capacity FILE --probe RATE --shard K/N`: runs shard `shard` of the probe at
/// `rate` of `variant` (and of the zone lost by the query's one `--lose-zone`, if any) and
/// writes its part.
pub fn run_probe_shard(
    files: &[PathBuf],
    q: &Query,
    opts: &Options,
    rate: f64,
    variant: Option<&str>,
    shard: Shard,
) -> Result<Outcome, StudyError> {
    let [file] = files else {
        return Err(StudyError::Usage(
            "--probe runs one probe of one file; give one scenario file".into(),
        ));
    };
    if q.lose_zones.len() > 1 {
        return Err(StudyError::Usage(
            "--probe runs one probe: give at most one --lose-zone".into(),
        ));
    }
    if !(rate.is_finite() && rate > 0.0) {
        return Err(StudyError::Usage(format!(
            "--probe must be a rate above 0, got {rate}"
        )));
    }
    let sources = load_sources(std::slice::from_ref(file), &opts.flags)?;
    let src = &sources[0];
    let case = case_of(src, variant, q.lose_zones.first().cloned())?;
    let common = common_settings(&src.base, opts);
    let s = case.at(rate, common)?;
    let text = if opts.flags.is_empty() {
        src.text.clone()
    } else {
        crate::scenario::read_text(file).map_err(|e| StudyError::Invalid {
            errors: vec![e],
            total: 1,
        })?
    };
    let key = ProbeKey {
        scenario: src.base.name.clone(),
        variant: case.variant.map(|v| v.name.clone()),
        lost_zone: case.lost_zone.clone(),
        rate,
    };
    let header = ProbePartHeader {
        format: PROBE_PART_FORMAT.to_string(),
        format_version: PROBE_FORMAT_VERSION,
        trafsim_version: env!("CARGO_PKG_VERSION").to_string(),
        build: build_identity().to_string(),
        scenario: key.scenario.clone(),
        origin: src.origin.clone(),
        text,
        overrides: shard_source::written(&opts.flags),
        variant: key.variant.clone(),
        lost_zone: key.lost_zone.clone(),
        rate,
        seed: common.0,
        replications: common.1,
        scenario_hash: scenario_hash(&s),
        shard: shard.index,
        shards: shard.count,
    };
    let dir = opts
        .out
        .join(CAPACITY_FOLDER)
        .join(PROBE_PARTS_FOLDER)
        .join(key_name(&key));
    fs::create_dir_all(&dir).map_err(PartError::io(&dir, "create the parts folder"))?;
    let path = dir.join(part_name(shard.index, shard.count));
    let reps = u64::from(common.1);
    let progress = SimProgress::new(
        shard.share_of(reps),
        s.simulation.duration,
        &key_name(&key),
        opts.quiet,
    );
    let pool = pool(opts)?;
    write_part(&path, |w, tmp| -> Result<(), PartError> {
        encode(&header, w, tmp)?;
        pool.install(|| {
            fold_shard_within_budget::<PartError>(&s, shard, &progress, &mut |run| {
                encode(&ProbeSample::of(&run), w, tmp)
            })
        })
    })?;
    progress.finish_and_clear();
    let text = if opts.json {
        String::new()
    } else {
        format!(
            "{}: probe at {rate} req/s, shard {shard}, {} of {reps} replications; written: {}\n",
            key.scenario,
            shard.share_of(reps),
            path.display()
        )
    };
    Ok(Outcome {
        text,
        written: vec![path],
        notes: Vec::new(),
    })
}

/// `trafsim capacity FILE… --probe-results DIR`: the search with every probe read from
/// `DIR/capacity/probes/`; a file whose search needs a probe not merged yet writes nothing and
/// prints the probe to run next and how.
pub fn run_search(
    files: &[PathBuf],
    q: &Query,
    opts: &Options,
    dir: &Path,
) -> Result<Outcome, StudyError> {
    let lookup = |key: &ProbeKey, s: &Scenario| read_merged(dir, key, s);
    let next = |src: &Source, missing: &[(ProbeKey, usize)]| next_text(src, missing, opts, dir);
    let merged = MergedSearch {
        probes: Probes::Merged(&lookup),
        next: &next,
    };
    run_with(files, q, opts, Some(&merged))
}

/// The merged probe `key` under `dir`, checked against the scenario `s` the search would
/// probe; `None` if it is not there.
fn read_merged(
    dir: &Path,
    key: &ProbeKey,
    s: &Scenario,
) -> Result<Option<Vec<ProbeSample>>, StudyError> {
    check_key_parts(key.variant.as_deref(), key.lost_zone.as_deref())?;
    let path = merged_path(dir, key);
    if !path.is_file() {
        return Ok(None);
    }
    let file = fs::File::open(&path).map_err(PartError::io(&path, "read"))?;
    let m: MergedProbe =
        ciborium::from_reader(std::io::BufReader::new(file)).map_err(|e| PartError::NotAPart {
            path: path.clone(),
            why: format!("it is not a merged probe this trafsim reads ({e})"),
        })?;
    if m.format != MERGED_PROBE_FORMAT || m.format_version != PROBE_FORMAT_VERSION {
        return Err(PartError::mismatch(
            &path,
            format!(
                "is {} version {}; this trafsim reads {MERGED_PROBE_FORMAT} version \
                 {PROBE_FORMAT_VERSION}",
                m.format, m.format_version
            ),
        )
        .into());
    }
    check_build(&path, &m.trafsim_version, &m.build)?;
    let hash = scenario_hash(s);
    if m.scenario_hash != hash || m.rate != key.rate {
        return Err(PartError::mismatch(
            &path,
            format!(
                "is a probe of another scenario (hash {}) than this search's at {} req/s \
                 (hash {hash}): another file, --set, --duration, --seed or --replications; \
                 search with those the probes were run with, or give another --probe-results",
                m.scenario_hash, key.rate
            ),
        )
        .into());
    }
    Ok(Some(m.samples))
}

/// What to run next for `src`: per case, the probe and its command lines.
fn next_text(src: &Source, missing: &[(ProbeKey, usize)], opts: &Options, dir: &Path) -> String {
    let common = common_settings(&src.base, opts);
    // Each flag as written (`--set PATH=VALUE`), its value quoted for the shell if need be.
    let mut flags: Vec<String> = opts
        .flags
        .iter()
        .map(|f| match f.flag.split_once(' ') {
            Some((name, value)) => format!("{name} {}", shell_word(value)),
            None => shell_word(&f.flag),
        })
        .collect();
    flags.push(format!("--seed {} --replications {}", common.0, common.1));
    let flags = flags.join(" ");
    let mut out = String::new();
    for (key, read) in missing {
        let mut case = String::new();
        if let Some(v) = &key.variant {
            case.push_str(&format!(" --variant {}", shell_word(v)));
        }
        if let Some(z) = &key.lost_zone {
            case.push_str(&format!(" --lose-zone {}", shell_word(z)));
        }
        out.push_str(&format!(
            "{}: next probe at {} req/s ({read} merged probes read); run it on N machines \
             (K = 0 … N-1), merge it, then run this search again:\n  trafsim capacity {} \
             --probe {}{case} {flags} --shard K/N --out {}\n  trafsim merge {} --out {}\n",
            key_name(key),
            key.rate,
            shell_word(&src.origin),
            key.rate,
            shell_word(&dir.display().to_string()),
            shell_word(&dir.display().to_string()),
            shell_word(&dir.display().to_string()),
        ));
    }
    out
}

/// `text` quoted for a POSIX shell when it holds anything but plain characters.
fn shell_word(text: &str) -> String {
    let plain = text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
    if plain && !text.is_empty() {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// A probe's part.
const PROBE_PART: PartKind = PartKind {
    format: PROBE_PART_FORMAT,
    version: PROBE_FORMAT_VERSION,
    name: "probe part",
    record: "replication",
};

/// An open probe part.
type Reader = PartStream<ProbePartHeader>;

/// Whether `f` is a probe's part by its name (not a hidden temporary one).
pub fn is_probe_part(f: &Path) -> bool {
    is_part_named(f, PROBE_PART_EXTENSION)
}

/// Where the probes' shards put their parts: `<out>/capacity/probe-parts/<key>/`.
const PROBE_LAYOUT: PartLayout = PartLayout {
    ext: PROBE_PART_EXTENSION,
    under: &[CAPACITY_FOLDER, PROBE_PARTS_FOLDER],
    folder_ext: None,
    holds_others: holds_more_than_capacity,
};

/// Whether `--out` folder `dir` holds anything besides `capacity/`.
fn holds_more_than_capacity(dir: &Path) -> bool {
    fs::read_dir(dir).into_iter().flatten().any(|e| {
        e.ok()
            .is_some_and(|e| e.file_name().to_str() != Some(CAPACITY_FOLDER))
    })
}

/// `paths` given to `trafsim merge`, split into the probes to merge (each a list of paths for
/// [`merge`]) and the rest. Probe part files and folders holding some make one probe, given
/// first; a folder with `capacity/probe-parts/<key>/` folders of parts (the shards' `--out`)
/// gives one probe per such folder, in name order, and stays among the rest unless
/// `capacity/` is all it holds.
pub fn split_merge_paths(paths: &[PathBuf]) -> (Vec<Vec<PathBuf>>, Vec<PathBuf>) {
    part_set::split_merge_paths(paths, &PROBE_LAYOUT)
}

/// Merges the parts of one sharded probe (files, or folders of them) into
/// `<out>/capacity/probes/<key>.trafsim-probe`, after checking they belong together and that
/// the probe's scenario, rebuilt from the part, has the hash it was run with.
pub fn merge(paths: &[PathBuf], out: &Path, json: bool) -> Result<Outcome, StudyError> {
    let files = expand_part_paths(paths, PROBE_PART_EXTENSION, "probe parts")?;
    let mut readers = Reader::open_all(&files, &PROBE_PART)?;
    let h = readers[0].header.clone();
    let at = readers[0].path.clone();
    let scenario_error = |error| PartError::Scenario {
        path: at.clone(),
        error,
    };
    let flags = shard_source::parse_flags(&h.overrides, &h.origin).map_err(scenario_error)?;
    let src = Source::parse_with(&h.text, &h.origin, &flags).map_err(scenario_error)?;
    let case = case_of(&src, h.variant.as_deref(), h.lost_zone.clone())?;
    let s = case.at(h.rate, (h.seed, h.replications))?;
    if scenario_hash(&s) != h.scenario_hash {
        return Err(PartError::mismatch(
            &at,
            "names a probe its scenario file no longer gives (another trafsim, or a changed \
             default): merge with the trafsim that ran the shards"
                .into(),
        )
        .into());
    }
    let shards = h.shards;
    let mut samples = Vec::new();
    for i in 0..u64::from(h.replications) {
        let part = &mut readers[(i % shards) as usize];
        let sample = part.next::<ProbeSample>(&PROBE_PART)?.ok_or_else(|| {
            PartError::mismatch(
                &part.path,
                format!("ends before replication {i}: it is incomplete"),
            )
        })?;
        if sample.replication != i {
            return Err(PartError::mismatch(
                &part.path,
                format!(
                    "holds replication {} where replication {i} belongs",
                    sample.replication
                ),
            )
            .into());
        }
        samples.push(sample);
    }
    for part in &mut readers {
        if part.next::<ProbeSample>(&PROBE_PART)?.is_some() {
            return Err(PartError::mismatch(
                &part.path,
                "holds more replications than its shard owns".into(),
            )
            .into());
        }
    }
    let key = ProbeKey {
        scenario: h.scenario.clone(),
        variant: h.variant.clone(),
        lost_zone: h.lost_zone.clone(),
        rate: h.rate,
    };
    let merged = MergedProbe {
        format: MERGED_PROBE_FORMAT.to_string(),
        format_version: PROBE_FORMAT_VERSION,
        trafsim_version: h.trafsim_version.clone(),
        build: h.build.clone(),
        scenario: h.scenario.clone(),
        variant: h.variant.clone(),
        lost_zone: h.lost_zone.clone(),
        rate: h.rate,
        scenario_hash: h.scenario_hash.clone(),
        samples,
    };
    let path = merged_path(out, &key);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(PartError::io(parent, "create the probes folder"))?;
    }
    write_part(&path, |w, tmp| -> Result<(), PartError> {
        encode(&merged, w, tmp)
    })?;
    let text = if json {
        String::new()
    } else {
        format!(
            "{}: probe at {} req/s merged from {shards} shards\n",
            key_name(&key),
            h.rate
        )
    };
    Ok(Outcome {
        text,
        written: vec![path],
        notes: Vec::new(),
    })
}

impl ShardedHeader for ProbePartHeader {
    const NOUN: &'static str = "probe";

    crate::runner::part_set::header_fields!();

    fn differs_from(&self, first: &Self, first_path: &Path) -> Option<String> {
        let key = |h: &Self| ProbePartHeader {
            shard: 0,
            ..h.clone()
        };
        if key(self) == key(first) {
            return None;
        }
        Some(format!(
            " than '{}' (scenario, overrides, variant, zone, rate {} vs {}, seed, replications \
             or shard count differ)",
            first_path.display(),
            self.rate,
            first.rate
        ))
    }

    fn set_name(&self) -> String {
        let name = ProbeKey {
            scenario: self.scenario.clone(),
            variant: self.variant.clone(),
            lost_zone: self.lost_zone.clone(),
            rate: self.rate,
        };
        format!("probe `{}`", key_name(&name))
    }

    fn part_name(&self, k: u64) -> String {
        part_name(k, self.shards)
    }
}
