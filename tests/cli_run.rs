//! `trafsim run`, `validate` and `schema` on their happy paths, and every shipped scenario
//! through the runner and the reports (shortened).
//!
//! The tests that run a scenario need the traffic model; the `validate` and `schema` tests do
//! not.

mod common;

use common::trafsim;

use std::path::{Path, PathBuf};

use predicates::prelude::*;
use trafsim::engine::SimDuration;
use trafsim::report;
use trafsim::runner::{Summary, run_replications};
use trafsim::scenario::{self, Scenario};

fn scenario_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name)
}

fn shipped_scenarios() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(scenario_path(""))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    files
}

#[test]
fn validate_accepts_every_shipped_scenario() {
    let files = shipped_scenarios();
    let mut cmd = trafsim();
    cmd.arg("validate").args(&files);
    let mut assert = cmd.assert().success().stderr("");
    for f in &files {
        assert = assert.stdout(predicate::str::contains(format!("ok: {}", f.display())));
    }
}

#[test]
fn schema_prints_the_scenario_json_schema() {
    let out = trafsim()
        .arg("schema")
        .assert()
        .success()
        .get_output()
        .clone();
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(schema["properties"]["simulation"].is_object(), "{schema:#}");
}

#[test]
fn run_prints_a_table_and_writes_the_results() {
    let out = tempfile::tempdir().unwrap();
    trafsim()
        .arg("run")
        .arg(scenario_path("mm1.toml"))
        .args(["--replications", "2", "--quiet", "--out"])
        .arg(out.path())
        .assert()
        .success()
        .stderr("")
        .stdout(predicate::str::contains("mm1: 2 replications, seed 1"))
        .stdout(predicate::str::contains("end-to-end"))
        .stdout(predicate::str::contains("server"))
        .stdout(predicate::str::contains("summary.json"));
    let dir = out.path().join("mm1");
    assert!(dir.join("summary.json").is_file());
    assert!(dir.join("timeseries.csv").is_file());
    // Atomic writes leave no temporary files behind.
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.ends_with(".tmp")), "{names:?}");
    // summary.json, timeseries.csv, latency, goodput and zones charts (SVG, PNG), report.html.
    assert_eq!(names.len(), 9, "{names:?}");
}

#[test]
fn run_json_prints_only_the_summary() {
    let out = tempfile::tempdir().unwrap();
    let output = trafsim()
        .arg("run")
        .arg(scenario_path("mm1.toml"))
        .args([
            "--replications",
            "2",
            "--seed",
            "7",
            "--format",
            "json",
            "--out",
        ])
        .arg(out.path())
        .assert()
        .success()
        .stderr(predicate::str::contains("results in"))
        .get_output()
        .clone();
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["scenario"], "mm1");
    assert_eq!(summary["seed"], 7);
    assert_eq!(summary["replications"], 2);
    let written = std::fs::read(out.path().join("mm1").join("summary.json")).unwrap();
    assert_eq!(written, output.stdout);
}

#[test]
fn run_with_precision_records_the_replications_needed() {
    let out = tempfile::tempdir().unwrap();
    let output = trafsim()
        .arg("run")
        .arg(scenario_path("mm1.toml"))
        .args([
            "--precision",
            "50%",
            "--max-replications",
            "4",
            "--threads",
            "2",
        ])
        .args(["--format", "json", "--quiet", "--out"])
        .arg(out.path())
        .assert()
        .success()
        .get_output()
        .clone();
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let reps = summary["replications"].as_u64().unwrap();
    assert!((3..=4).contains(&reps), "{reps}");
    assert_eq!(summary["precision"]["target"], 0.5);
    assert_eq!(summary["precision"]["max_replications"], 4);
    let met = summary["precision"]["met"].as_bool().unwrap();
    // Either the target was met (after at least 3) or the bound of 4 ran out.
    assert!(met || reps == 4, "{summary:#}");
    if met {
        assert!(summary["precision"]["achieved"].as_f64().unwrap() <= 0.5);
    }
}

#[test]
fn run_several_scenarios_one_table_each() {
    let out = tempfile::tempdir().unwrap();
    trafsim()
        .arg("run")
        .arg(scenario_path("mm1.toml"))
        .arg(scenario_path("mmc.toml"))
        .args(["--replications", "1", "--quiet", "--out"])
        .arg(out.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("mm1: 1 replication"))
        .stdout(predicate::str::contains("no confidence intervals"));
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 2);
}

/// `s` with its timeline (run, warm-up, window, faults) scaled to last `target` in all.
fn shortened(mut s: Scenario, target: SimDuration) -> Scenario {
    let k = (target.as_secs_f64() / s.simulation.duration.as_secs_f64()).min(1.0);
    let sim = &mut s.simulation;
    sim.duration = sim.duration.mul_f64(k);
    sim.warmup = sim.warmup.mul_f64(k);
    sim.window = sim.window.mul_f64(k).max(SimDuration::from_secs(1));
    sim.replications = 1;
    for f in &mut s.faults {
        f.at = f.at.mul_f64(k);
        f.duration = f.duration.map(|d| d.mul_f64(k));
    }
    s
}

#[test]
fn every_shipped_scenario_runs_shortened() {
    for file in shipped_scenarios() {
        let s = shortened(scenario::load(&file).unwrap(), SimDuration::from_secs(60));
        let runs = run_replications(&s, 0..1, &|_| {});
        let summary = Summary::from_runs(&s, &runs);
        assert_eq!(summary.replications, 1);
        assert!(summary.requests.offered > 0, "{}", file.display());
        let table = report::terminal::render(&summary);
        assert!(table.contains("end-to-end"), "{table}");
        let json = report::json::to_json(&summary).unwrap();
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["scenario"], s.name.as_str());
        assert!(report::csv::timeseries(&summary).lines().count() > 1);
    }
}
