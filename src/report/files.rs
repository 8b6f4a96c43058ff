//! The output folder `<out>/<scenario name>/`, atomic file writes, and a run's result files
//! (written as one set, see [`super::OutputSet`]).
//!
//! A result file is written to a temporary file in the same folder (`.<name>.<pid>.tmp`),
//! flushed to disk, then renamed over the final name; a rename within one file system is
//! atomic, so a reader (or a run interrupted half-way) sees the old file or the new one, never a
//! half-written one. The folder is synced after the rename, where the platform allows, so the
//! new name itself survives a crash.
//!
//! Every failure is an [`OutputError`] naming the path, what was being done and the operating
//! system's reason.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::OutputSet;
use crate::report::{charts, csv, html, json};
use crate::runner::Summary;
use crate::scenario::Scenario;

/// A file or folder of the output that could not be created or written.
#[derive(Debug, thiserror::Error)]
#[error("could not {action} '{}': {error}", path.display())]
pub struct OutputError {
    /// The path concerned.
    pub path: PathBuf,
    /// What was being done: "create the output folder", "write", …
    pub action: &'static str,
    /// The operating system's reason.
    pub error: io::Error,
}

/// Creates (if needed) the folder `<out>/<scenario>/` and checks that a file can be written in
/// it, so that a run fails before simulating rather than after. Returns the folder.
pub fn output_dir(out: &Path, scenario: &str) -> Result<PathBuf, OutputError> {
    let dir = out.join(scenario);
    fs::create_dir_all(&dir).map_err(|error| OutputError {
        path: dir.clone(),
        action: "create the output folder",
        error,
    })?;
    let probe = dir.join(format!(".trafsim-probe.{}.tmp", std::process::id()));
    File::create(&probe)
        .and_then(|_| fs::remove_file(&probe))
        .map_err(|error| OutputError {
            path: dir.clone(),
            action: "write in the output folder",
            error,
        })?;
    Ok(dir)
}

/// Writes `bytes` to `path` atomically: temporary file in the same folder, fsync, rename.
/// On failure the temporary file is removed and the previous `path`, if any, is left as it was.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map_or_else(|| "output".into(), |n| n.to_string_lossy());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let written = File::create(&tmp)
        .and_then(|mut f| {
            f.write_all(bytes)?;
            f.sync_all()
        })
        .and_then(|()| fs::rename(&tmp, path));
    if let Err(error) = written {
        let _ = fs::remove_file(&tmp);
        return Err(OutputError {
            path: path.to_path_buf(),
            action: "write",
            error,
        });
    }
    // Best effort: persist the rename itself. Opening a folder fails on some platforms.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Stages `summary.json` and `timeseries.csv` of `summary` in the run's `set`; returns their
/// final paths.
pub fn write_outputs(set: &mut OutputSet, summary: &Summary) -> Result<Vec<PathBuf>, OutputError> {
    let text = json::to_json(summary).map_err(|e| OutputError {
        path: set.dir().join("summary.json"),
        action: "serialise",
        error: io::Error::other(e),
    })?;
    let json_path = set.write("summary.json", text.as_bytes())?;
    let csv_path = set.write("timeseries.csv", csv::timeseries(summary).as_bytes())?;
    Ok(vec![json_path, csv_path])
}

/// Stages the charts (`<name>.svg` and `<name>.png`, see [`charts`]) and `report.html` of
/// `summary`, a run of `scenario`, in the run's `set`; returns their final paths.
///
/// Everything is drawn in memory first: a chart that cannot be drawn fails the call before
/// any of these files is staged. Chart files of an earlier run that this run does not draw
/// are not part of the new set, so they go when it is committed.
pub fn write_charts_and_report(
    set: &mut OutputSet,
    scenario: &Scenario,
    summary: &Summary,
) -> Result<Vec<PathBuf>, OutputError> {
    let dir = set.dir().to_path_buf();
    let drawn = charts::render_all(scenario, summary).map_err(|e| OutputError {
        path: dir.join(format!("{}.svg", e.chart)),
        action: "draw",
        error: io::Error::other(e),
    })?;
    let page = html::render(scenario, summary, &drawn);
    let mut written = Vec::new();
    for chart in &drawn {
        for (ext, bytes) in [("svg", chart.svg.as_bytes()), ("png", chart.png.as_slice())] {
            written.push(set.write(&format!("{}.{ext}", chart.name), bytes)?);
        }
    }
    written.push(set.write("report.html", page.as_bytes())?);
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        write_atomic(&path, b"first").unwrap();
        write_atomic(&path, b"second").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "second");
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn output_dir_under_a_file_names_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("plain");
        fs::write(&file, "x").unwrap();
        let err = output_dir(&file, "mm1").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("create the output folder"), "{msg}");
        assert!(msg.contains("plain"), "{msg}");
    }

    #[test]
    fn failed_write_keeps_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("no-such-folder").join("a.txt");
        let err = write_atomic(&missing, b"x").unwrap_err();
        assert_eq!(err.action, "write");
        assert!(err.to_string().contains("no-such-folder"));
    }
}
