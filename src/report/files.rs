//! The output folder `<out>/<scenario name>/` and atomic file writes.
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

/// Writes `summary.json` and `timeseries.csv` of `summary` into `dir`; returns their paths.
pub fn write_outputs(dir: &Path, summary: &Summary) -> Result<Vec<PathBuf>, OutputError> {
    let json_path = dir.join("summary.json");
    let text = json::to_json(summary).map_err(|e| OutputError {
        path: json_path.clone(),
        action: "serialise",
        error: io::Error::other(e),
    })?;
    write_atomic(&json_path, text.as_bytes())?;
    let csv_path = dir.join("timeseries.csv");
    write_atomic(&csv_path, csv::timeseries(summary).as_bytes())?;
    Ok(vec![json_path, csv_path])
}

/// Writes the charts (`<name>.svg` and `<name>.png`, see [`charts`]) and `report.html` of
/// `summary`, a run of `scenario`, into `dir`; returns their paths.
///
/// Everything is drawn in memory first: a chart that cannot be drawn fails the call before
/// any of these files is touched, and each file is then written with [`write_atomic`]. Chart
/// files left by an earlier run that this run does not draw are removed.
pub fn write_charts_and_report(
    dir: &Path,
    scenario: &Scenario,
    summary: &Summary,
) -> Result<Vec<PathBuf>, OutputError> {
    let drawn = charts::render_all(scenario, summary).map_err(|e| OutputError {
        path: dir.join(format!("{}.svg", e.chart)),
        action: "draw",
        error: io::Error::other(e),
    })?;
    let page = html::render(scenario, summary, &drawn);
    let mut written = Vec::new();
    for chart in &drawn {
        for (ext, bytes) in [("svg", chart.svg.as_bytes()), ("png", chart.png.as_slice())] {
            let path = dir.join(format!("{}.{ext}", chart.name));
            write_atomic(&path, bytes)?;
            written.push(path);
        }
    }
    let path = dir.join("report.html");
    write_atomic(&path, page.as_bytes())?;
    written.push(path);
    // A chart this run does not draw (no NAT Gateway, no SNAT chart) must not linger from an
    // earlier run of the same name.
    for stale in charts::NAMES
        .iter()
        .filter(|n| !drawn.iter().any(|c| c.name == **n))
    {
        for ext in ["svg", "png"] {
            let _ = fs::remove_file(dir.join(format!("{stale}.{ext}")));
        }
    }
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
