//! A run's results are written as one set: a run killed while it writes leaves the complete
//! old set in `<out>/<name>/`, the next run replaces it with its complete set and leaves no
//! temporaries behind, and files of other commands in the shared folder are kept.

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Stdio};

mod common;

use assert_cmd::Command;
use assert_cmd::cargo::cargo_bin;

/// A short M/M/1 run.
fn scenario() -> String {
    common::one_server(
        r#"name = "sets"
duration = "20s"
warmup = "0s"
replications = 2
seed = 1
window = "5s""#,
        r#"rate = 50
timeout = "1h"
retries = { attempts = 0 }
latency = "0s"
new_tls_connection_share = 0"#,
        1,
        "10ms",
    )
}

/// Name → (length, hash of the bytes) of every result file directly in `dir` (names that do
/// not start with a dot).
fn snapshot(dir: &Path) -> BTreeMap<String, (usize, u64)> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .filter_map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let bytes = std::fs::read(&p).unwrap();
            let mut h = DefaultHasher::new();
            bytes.hash(&mut h);
            (!name.starts_with('.')).then_some((name, (bytes.len(), h.finish())))
        })
        .collect()
}

/// Names in `dir` that look like leftovers: staging or old folders, temporary files.
fn leftovers(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with('.') {
            found.push(p.clone());
        }
        if p.is_dir() {
            found.extend(leftovers(&p));
        }
    }
    found
}

fn run(file: &Path, out: &Path, seed: &str) {
    Command::cargo_bin("trafsim")
        .unwrap()
        .args(["run", "--quiet", "--threads", "1", "--seed", seed, "--out"])
        .arg(out)
        .arg(file)
        .assert()
        .success();
}

/// The seed recorded in the folder's `summary.json`.
fn seed_of(dir: &Path) -> u64 {
    let text = std::fs::read(dir.join("summary.json")).unwrap();
    let summary: serde_json::Value = serde_json::from_slice(&text).unwrap();
    summary["seed"].as_u64().unwrap()
}

/// Kill a run (SIGKILL) after it has staged its first files, with the writer pausing between
/// files (the test hook): the folder still holds exactly the old set. On the code before
/// output sets, the killed run had already replaced `summary.json` and `timeseries.csv`
/// with its own beside the old charts and report (and an interrupted atomic write left a
/// `.summary.json.<pid>.tmp` that no later run removed). The next run leaves its complete set
/// and no temporaries; a file of another command in the folder survives both.
#[test]
fn a_run_killed_mid_write_leaves_the_old_set_and_the_next_run_cleans_up() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("sets.toml");
    std::fs::write(&file, scenario()).unwrap();
    let out = tmp.path().join("out");
    let dir = out.join("sets");

    run(&file, &out, "1");
    // A file another command wrote into the shared folder, and a temporary of an old-style
    // interrupted write.
    std::fs::write(dir.join("sweep.json"), "{}").unwrap();
    std::fs::write(dir.join(".summary.json.999999.tmp"), "half").unwrap();
    let old = snapshot(&dir);
    assert_eq!(seed_of(&dir), 1);
    assert!(old.contains_key("latency.svg") && old.contains_key("report.html"));

    // Seed 2, pausing 30 s after each staged file: killed while it writes.
    let mut child = Process::new(cargo_bin("trafsim"))
        .args(["run", "--quiet", "--threads", "1", "--seed", "2", "--out"])
        .arg(&out)
        .arg(&file)
        .env("TRAFSIM_PAUSE_BETWEEN_OUTPUT_FILES_MS", "30000")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait (polling, no fixed delay) until the run has staged a file.
    let staged = loop {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the run ended before it was killed: {status}");
        }
        let staging: Vec<PathBuf> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.to_string_lossy().ends_with(".staging"))
            .collect();
        if let Some(s) = staging.first()
            && std::fs::read_dir(s).unwrap().count() > 0
        {
            break s.clone();
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(staged.exists());
    let after_kill = snapshot(&dir);
    assert!(
        after_kill == old,
        "the folder changed under a killed run:\n{old:?}\n{after_kill:?}"
    );
    assert_eq!(seed_of(&dir), 1);

    // The next run: its complete set, the other command's file, no temporaries.
    run(&file, &out, "2");
    let new = snapshot(&dir);
    assert_eq!(seed_of(&dir), 2);
    let mut names: Vec<&String> = new.keys().collect();
    names.sort();
    assert_eq!(
        names,
        [
            "goodput.png",
            "goodput.svg",
            "latency.png",
            "latency.svg",
            "report.html",
            "summary.json",
            "sweep.json",
            "timeseries.csv",
            "zones.png",
            "zones.svg"
        ]
    );
    assert_ne!(new["timeseries.csv"], old["timeseries.csv"]);
    assert!(leftovers(&out).is_empty(), "{:?}", leftovers(&out));
}

/// A run folder whose old set held a chart this run does not draw loses it with the swap.
#[test]
fn charts_of_an_earlier_run_do_not_linger() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("sets.toml");
    std::fs::write(&file, scenario()).unwrap();
    let out = tmp.path().join("out");
    run(&file, &out, "1");
    let dir = out.join("sets");
    std::fs::write(dir.join("snat.svg"), "<svg/>").unwrap();
    std::fs::write(dir.join("snat.png"), "png").unwrap();
    run(&file, &out, "1");
    assert!(!dir.join("snat.svg").exists());
    assert!(!dir.join("snat.png").exists());
    assert!(leftovers(&out).is_empty(), "{:?}", leftovers(&out));
}

/// A run and a sweep of one scenario share its folder: each replaces its own set and keeps the
/// other's files, and neither leaves temporaries.
#[test]
fn a_run_and_a_sweep_keep_each_others_files() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("sets.toml");
    std::fs::write(&file, scenario()).unwrap();
    let out = tmp.path().join("out");
    let dir = out.join("sets");
    run(&file, &out, "1");
    Command::cargo_bin("trafsim")
        .unwrap()
        .args([
            "run",
            "--quiet",
            "--threads",
            "1",
            "--sweep",
            "clients.rate=40,50",
        ])
        .arg("--out")
        .arg(&out)
        .arg(&file)
        .assert()
        .success();
    let both = snapshot(&dir);
    for name in [
        "summary.json",
        "report.html",
        "sweep.json",
        "sweep.csv",
        "sweep.html",
    ] {
        assert!(both.contains_key(name), "{name} missing: {both:?}");
    }
    run(&file, &out, "2");
    let after = snapshot(&dir);
    assert_eq!(seed_of(&dir), 2);
    for name in ["sweep.json", "sweep.csv", "sweep.html"] {
        assert_eq!(after[name], both[name], "{name} changed");
    }
    assert!(leftovers(&out).is_empty(), "{:?}", leftovers(&out));
}
