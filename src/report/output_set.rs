//! A run's result files written as one set: all into a staging folder beside the output
//! folder, then swapped into place, so that the folder holds the complete old set or the
//! complete new one — never a new `summary.json` beside charts of an earlier run.
//!
//! `<out>/<name>/` is shared: `trafsim run` of a scenario and its studies (sweep, capacity,
//! comparison) write into the same folder. A set therefore *owns* some file names (a run:
//! `summary.json`, `timeseries.csv`, `report.html` and every chart name); on commit the files
//! of the old folder that it does not own are carried into the staging folder as hard links
//! (copies where links fail), and then:
//!
//! 1. the old folder is renamed to `<out>/.<name>.<pid>.old`,
//! 2. the staging folder `<out>/.<name>.<pid>.staging` is renamed to `<out>/<name>`,
//! 3. the old folder is removed.
//!
//! Each rename is atomic. An interruption while the files are written leaves the old set in
//! place and a staging folder behind; one between the two renames (two system calls apart)
//! leaves no folder but the old set in `.old`. The next set of that folder cleans up first
//! ([`OutputSet::begin`]): it puts a lone `.old` back, removes every other staging and old
//! folder of that name and the temporary files of interrupted atomic writes
//! (`.<file>.<pid>.tmp`).
//!
//! Test hook: with `TRAFSIM_PAUSE_BETWEEN_OUTPUT_FILES_MS` set, the writer sleeps that long
//! after each file it stages, so a test can interrupt a run mid-write.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::files::OutputError;

/// The environment variable of the test hook (see the module doc).
pub const PAUSE_ENV: &str = "TRAFSIM_PAUSE_BETWEEN_OUTPUT_FILES_MS";

/// A set of result files being written (see the module doc).
pub struct OutputSet {
    /// The output folder, `<out>/<name>`.
    dir: PathBuf,
    /// Where the new set is written first.
    staging: PathBuf,
    /// Whether a file name belongs to this kind of set.
    owns: fn(&str) -> bool,
    /// Milliseconds to sleep after each staged file (the test hook).
    pause_ms: u64,
}

/// The file names a run's set owns: `summary.json`, `timeseries.csv`, `report.html` and every
/// chart (`<chart>.svg`, `<chart>.png`).
pub fn is_run_file(name: &str) -> bool {
    matches!(name, "summary.json" | "timeseries.csv" | "report.html")
        || super::charts::NAMES.iter().any(|chart| {
            name.strip_prefix(chart)
                .is_some_and(|ext| ext == ".svg" || ext == ".png")
        })
}

fn err(path: &Path, action: &'static str) -> impl FnOnce(io::Error) -> OutputError {
    let path = path.to_path_buf();
    move |error| OutputError {
        path,
        action,
        error,
    }
}

impl OutputSet {
    /// Starts a set for the folder `dir` (made by [`output_dir`](super::output_dir)) whose
    /// file names `owns` tells; cleans what interrupted sets and writes left behind first.
    pub fn begin(dir: &Path, owns: fn(&str) -> bool) -> Result<OutputSet, OutputError> {
        let parent = match dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = dir
            .file_name()
            .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
        clean_up(dir, &parent, &name)?;
        let staging = parent.join(format!(".{name}.{}.staging", std::process::id()));
        fs::create_dir(&staging).map_err(err(&staging, "create the staging folder"))?;
        let pause_ms = std::env::var(PAUSE_ENV)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        Ok(OutputSet {
            dir: dir.to_path_buf(),
            staging,
            owns,
            pause_ms,
        })
    }

    /// The output folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Stages the file `name` with `bytes`; returns the path it will have once committed.
    pub fn write(&mut self, name: &str, bytes: &[u8]) -> Result<PathBuf, OutputError> {
        let final_path = self.dir.join(name);
        let path = self.staging.join(name);
        File::create(&path)
            .and_then(|mut f| {
                f.write_all(bytes)?;
                f.sync_all()
            })
            .map_err(err(&final_path, "write"))?;
        if self.pause_ms > 0 {
            std::thread::sleep(std::time::Duration::from_millis(self.pause_ms));
        }
        Ok(final_path)
    }

    /// Swaps the staged set into place (see the module doc), keeping the old folder's files
    /// that this set does not own.
    pub fn commit(self) -> Result<(), OutputError> {
        let old = self.staging.with_extension("old");
        if self.dir.exists() {
            carry_over(&self.dir, &self.staging, self.owns)?;
            fs::rename(&self.dir, &old).map_err(err(&self.dir, "move aside the old results in"))?;
        }
        fs::rename(&self.staging, &self.dir)
            .map_err(err(&self.dir, "move the new results into"))?;
        if old.exists() {
            fs::remove_dir_all(&old).map_err(err(&old, "remove the old results"))?;
        }
        if let Some(parent) = self.dir.parent()
            && let Ok(d) = File::open(if parent.as_os_str().is_empty() {
                Path::new(".")
            } else {
                parent
            })
        {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

/// Hard-links (or copies) into `to` every entry of `from` that the set does not own, except
/// temporary files; folders recursively.
fn carry_over(from: &Path, to: &Path, owns: fn(&str) -> bool) -> Result<(), OutputError> {
    let entries = fs::read_dir(from).map_err(err(from, "read"))?;
    for entry in entries {
        let entry = entry.map_err(err(from, "read"))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if owns(&name) || is_temporary(&name) {
            continue;
        }
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        if entry.file_type().map_err(err(&src, "read"))?.is_dir() {
            fs::create_dir(&dst).map_err(err(&dst, "create"))?;
            carry_over(&src, &dst, |_| false)?;
        } else if fs::hard_link(&src, &dst).is_err() {
            fs::copy(&src, &dst).map_err(err(&src, "copy"))?;
        }
    }
    Ok(())
}

/// A temporary file of an atomic write (`.<file>.<pid>.tmp`) or of the folder check.
fn is_temporary(name: &str) -> bool {
    name.starts_with('.') && name.ends_with(".tmp")
}

/// Removes what interrupted sets of `<parent>/<name>` left: puts a lone `.old` back when the
/// folder is missing, removes the other staging and old folders and the temporary files of
/// interrupted atomic writes in the folder.
fn clean_up(dir: &Path, parent: &Path, name: &str) -> Result<(), OutputError> {
    let prefix = format!(".{name}.");
    let mut leftovers: Vec<PathBuf> = Vec::new();
    if let Ok(entries) = fs::read_dir(parent) {
        for e in entries.flatten() {
            let n = e.file_name().to_string_lossy().into_owned();
            let Some(rest) = n.strip_prefix(&prefix) else {
                continue;
            };
            let kind = rest.rsplit_once('.');
            if let Some((pid, "staging" | "old")) = kind
                && pid.bytes().all(|b| b.is_ascii_digit())
            {
                leftovers.push(e.path());
            }
        }
    }
    leftovers.sort();
    if !dir.exists()
        && let Some(old) = leftovers
            .iter()
            .find(|p| p.extension().is_some_and(|x| x == "old"))
            .cloned()
    {
        fs::rename(&old, dir).map_err(err(dir, "restore the previous results into"))?;
        leftovers.retain(|p| *p != old);
    }
    for p in leftovers {
        fs::remove_dir_all(&p).map_err(err(&p, "remove the leftover folder"))?;
    }
    if let Ok(entries) = fs::read_dir(dir) {
        for e in entries.flatten() {
            if is_temporary(&e.file_name().to_string_lossy()) {
                let _ = fs::remove_file(e.path());
            }
        }
    }
    Ok(())
}
