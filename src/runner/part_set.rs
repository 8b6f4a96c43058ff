//! What every kind of part file (a run's, a comparison's, a sweep's, a capacity probe's) has in
//! common when parts are gathered into one set: the [`ShardedHeader`] trait over their headers,
//! the one [`check_together`] that refuses parts of different sets, of another build, and a
//! shard missing or twice, and the one [`split_merge_paths`] that picks a kind's parts out of
//! what `trafsim merge` was given, parametrised by the kind's folder [`PartLayout`].

use std::fs;
use std::path::{Path, PathBuf};

use crate::runner::part::{
    PartError, PartStream, check_build, check_coverage, is_part_named, part_files_in,
};

/// The header of a kind of part file, as the merge checks a set of them: its format version,
/// which shard of how many it is, the build that wrote it, and whether it belongs to the same
/// set (run, sweep, probe, comparison) as another part.
pub(crate) trait ShardedHeader {
    /// What one set of these parts is, in messages: "run", "sweep", "probe", "comparison".
    const NOUN: &'static str;

    /// The header's format version.
    fn format_version(&self) -> u32;

    /// This part's shard index (from 0).
    fn shard(&self) -> u64;

    /// Shards of the whole set.
    fn shards(&self) -> u64;

    /// The trafsim version and the build identity that wrote the part.
    fn written_by(&self) -> (&str, &str);

    /// The settings every set shares (seed, replications, shards, overrides).
    fn settings(&self) -> SetSettings<'_>;

    /// `None` when this part belongs to the same set as `first` (the part at `first_path`):
    /// everything but the shard index agrees. Otherwise what differs, as the text after "is of
    /// another {NOUN}" (e.g. ": its seed is 2, but 'a' has 1").
    fn differs_from(&self, first: &Self, first_path: &Path) -> Option<String>;

    /// The set in the message for a missing shard ("`zone-outage`", "the sweep of `web`").
    fn set_name(&self) -> String;

    /// The file name shard `k` of this set writes.
    fn part_name(&self, k: u64) -> String;
}

/// The settings every set of parts shares: seed, replication count, shard count and
/// command-line overrides, compared in [`settings_differ`].
pub(crate) type SetSettings<'a> = (u64, u32, u64, &'a [String]);

/// What differs between a part's shared settings and those of the part at `first`, as
/// [`ShardedHeader::differs_from`] words it (": its seed is 2, but 'a' has 1"), or `None`.
pub(crate) fn settings_differ(
    (seed, replications, shards, overrides): SetSettings,
    (seed0, replications0, shards0, overrides0): SetSettings,
    first: &Path,
) -> Option<String> {
    let differs = |what: &str, a: &dyn std::fmt::Display, b: &dyn std::fmt::Display| {
        Some(format!(
            ": its {what} is {a}, but '{}' has {b}",
            first.display()
        ))
    };
    let list = |o: &[String]| {
        if o.is_empty() {
            "none".to_string()
        } else {
            o.join(" ")
        }
    };
    if seed != seed0 {
        differs("seed", &seed, &seed0)
    } else if replications != replications0 {
        differs("replication count", &replications, &replications0)
    } else if shards != shards0 {
        differs("shard count", &shards, &shards0)
    } else if overrides != overrides0 {
        differs(
            "command-line overrides",
            &list(overrides),
            &list(overrides0),
        )
    } else {
        None
    }
}

/// The accessors of [`ShardedHeader`] for a header with the fields every part header has:
/// `format_version`, `shard`, `shards`, `trafsim_version`, `build`, `seed`, `replications` and
/// `overrides` (written inside its
/// `impl ShardedHeader`).
macro_rules! header_fields {
    () => {
        fn format_version(&self) -> u32 {
            self.format_version
        }

        fn shard(&self) -> u64 {
            self.shard
        }

        fn shards(&self) -> u64 {
            self.shards
        }

        fn written_by(&self) -> (&str, &str) {
            (&self.trafsim_version, &self.build)
        }

        fn settings(&self) -> $crate::runner::part_set::SetSettings<'_> {
            (self.seed, self.replications, self.shards, &self.overrides)
        }
    };
}
pub(crate) use header_fields;

/// Refuses parts of different sets, of another trafsim build, a shard that does not exist, and
/// a shard missing or twice: every merge checks its parts here before reading a record.
pub(crate) fn check_together<H: ShardedHeader>(readers: &[PartStream<H>]) -> Result<(), PartError> {
    let Some(first) = readers.first() else {
        return Err(PartError::NoParts(format!("no {} parts given", H::NOUN)));
    };
    for r in readers {
        let h = &r.header;
        let (version, build) = h.written_by();
        check_build(&r.path, version, build)?;
        if let Some(what) = h.differs_from(&first.header, &first.path) {
            return Err(PartError::mismatch(
                &r.path,
                format!(
                    "is of another {}{what}; parts of one {} only",
                    H::NOUN,
                    H::NOUN
                ),
            ));
        }
        if h.shard() >= h.shards() {
            return Err(PartError::mismatch(
                &r.path,
                format!(
                    "claims shard {} of {}, which does not exist",
                    h.shard(),
                    h.shards()
                ),
            ));
        }
    }
    let h0 = &first.header;
    let shards = readers.iter().map(|r| (r.header.shard(), r.path.as_path()));
    check_coverage(h0.shards(), shards, &h0.set_name(), |k| h0.part_name(k))
}

/// Where the shards of one kind of study put their parts under their `--out` folder, and how to
/// tell that such a folder holds other parts too.
pub(crate) struct PartLayout {
    /// The extension of the part files (`trafsim-sweep-part`).
    pub ext: &'static str,
    /// The folders under `--out` that hold the parts folders (`["compare"]`, none for sweeps).
    pub under: &'static [&'static str],
    /// The extension a parts folder must have (`parts`, `sweep-parts`), if any.
    pub folder_ext: Option<&'static str>,
    /// Whether `--out` folder `dir` holds parts of another kind too (it then also stays among
    /// the rest).
    pub holds_others: fn(&Path) -> bool,
}

/// Whether `dir` holds a run's parts: `<name>.parts` folders or `*.trafsim-part` files.
pub(crate) fn holds_run_parts(dir: &Path) -> bool {
    fs::read_dir(dir).into_iter().flatten().any(|e| {
        e.ok().is_some_and(|e| {
            let f = e.path();
            (f.is_dir() && f.extension().is_some_and(|x| x == "parts"))
                || (f.is_file() && f.extension().is_some_and(|x| x == "trafsim-part"))
        })
    })
}

/// `paths` given to `trafsim merge`, split into the sets of `layout`'s parts to merge (each a
/// list of paths) and the rest. Part files and folders holding some make one set, given
/// first; a `--out` folder with parts folders under `layout.under` gives one set per such
/// folder, in name order, and stays among the rest only if it holds other parts too
/// (`layout.holds_others`).
pub(crate) fn split_merge_paths(
    paths: &[PathBuf],
    layout: &PartLayout,
) -> (Vec<Vec<PathBuf>>, Vec<PathBuf>) {
    let parts_in = |dir: &Path| part_files_in(dir, layout.ext).unwrap_or_default();
    let mut plain = Vec::new();
    let mut sets = Vec::new();
    let mut rest = Vec::new();
    for p in paths {
        if is_part_named(p, layout.ext) || (p.is_dir() && !parts_in(p).is_empty()) {
            plain.push(p.clone());
            continue;
        }
        let folder = layout.under.iter().fold(p.clone(), |d, sub| d.join(sub));
        let mut inner: Vec<PathBuf> = fs::read_dir(folder)
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|d| {
                d.is_dir()
                    && layout
                        .folder_ext
                        .is_none_or(|x| d.extension().is_some_and(|e| e == x))
                    && !parts_in(d).is_empty()
            })
            .collect();
        if inner.is_empty() {
            rest.push(p.clone());
            continue;
        }
        inner.sort();
        sets.extend(inner.into_iter().map(|d| vec![d]));
        if (layout.holds_others)(p) {
            rest.push(p.clone());
        }
    }
    if !plain.is_empty() {
        sets.insert(0, plain);
    }
    (sets, rest)
}
