//! Sweeps: `trafsim run --sweep` and `[sweep]`, their files, and independence from the thread
//! count.

mod common;

use common::write;

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

/// A short M/M/1 queue (μ = 100/s).
const MM1: &str = r#"
[simulation]
name = "mm1-sweep"
duration = "110s"
warmup = "10s"
replications = 3
seed = 5

[clients]
rate = 50
timeout = "1h"

[network]
zones = ["1"]
in_zone = "0s"
cross_zone = "0s"

[[services]]
name = "server"
pods = { "1" = 1 }
service_time = { exponential = { mean = "10ms" } }
"#;

/// Runs `trafsim run FILE --threads N --out OUT extra…` and returns sweep.json and sweep.csv.
fn sweep(file: &Path, out: &Path, threads: &str, extra: &[&str]) -> (serde_json::Value, String) {
    Command::cargo_bin("trafsim")
        .unwrap()
        .args(["run", "--quiet", "--threads", threads, "--out"])
        .arg(out)
        .arg(file)
        .args(extra)
        .assert()
        .success()
        .stdout(predicate::str::contains("sweep of clients.rate"));
    let dir = out.join("mm1-sweep");
    let json = serde_json::from_slice(&std::fs::read(dir.join("sweep.json")).unwrap()).unwrap();
    (
        json,
        std::fs::read_to_string(dir.join("sweep.csv")).unwrap(),
    )
}

#[test]
fn each_point_offers_its_rate_and_threads_do_not_change_results() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "mm1.toml", MM1);
    let flag = ["--sweep", "clients.rate=20..80:20"];
    let (one, csv_one) = sweep(&file, &dir.path().join("one"), "1", &flag);
    let (two, csv_two) = sweep(&file, &dir.path().join("two"), "2", &flag);
    assert_eq!(one, two);
    assert_eq!(csv_one, csv_two);
    assert_eq!(one["field"], "clients.rate");
    let points = one["series"][0]["points"].as_array().unwrap();
    let values: Vec<f64> = points.iter().map(|p| p["x"].as_f64().unwrap()).collect();
    assert_eq!(values, [20.0, 40.0, 60.0, 80.0]);
    for p in points {
        let rate = p["x"].as_f64().unwrap();
        let offered = p["offered_per_s"]["mean"].as_f64().unwrap();
        // Poisson counts over 3 × 100 s: standard error √(rate / 300).
        let tolerance = 4.0 * (rate / 300.0).sqrt();
        assert!((offered - rate).abs() <= tolerance, "{rate}: {offered}");
        assert_eq!(p["offered_per_s"]["n"], 3);
        assert!(p["p99_s"]["half_width"].as_f64().unwrap() > 0.0);
    }
    // Latency grows with the load (M/M/1 p99 = ln(100)/(μ − λ): 58 ms at 20/s, 230 ms at 80/s).
    let p99: Vec<f64> = points
        .iter()
        .map(|p| p["p99_s"]["mean"].as_f64().unwrap())
        .collect();
    assert!(p99.windows(2).all(|w| w[0] < w[1]), "{p99:?}");
    let lines: Vec<&str> = csv_one.lines().collect();
    assert_eq!(lines.len(), 5);
    assert!(lines[0].starts_with("variant,value,offered_per_s,offered_per_s_hw,"));
    assert!(lines[1].starts_with("mm1-sweep,20,"));
}

#[test]
fn a_sweep_table_in_the_file_runs_without_the_flag_and_other_files_run_plainly() {
    let dir = tempfile::tempdir().unwrap();
    let swept = MM1.to_string() + "\n[sweep]\nfield = \"clients.rate\"\nvalues = [30, 60]\n";
    let file = write(dir.path(), "mm1.toml", &swept);
    let plain = write(
        dir.path(),
        "plain.toml",
        &MM1.replace("mm1-sweep", "mm1-plain"),
    );
    let out = dir.path().join("out");
    Command::cargo_bin("trafsim")
        .unwrap()
        .args(["run", "--quiet", "--out"])
        .arg(&out)
        .args([&file, &plain])
        .assert()
        .success();
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("mm1-sweep").join("sweep.json")).unwrap())
            .unwrap();
    assert_eq!(json["series"][0]["points"].as_array().unwrap().len(), 2);
    assert!(out.join("mm1-plain").join("summary.json").exists());
    assert!(!out.join("mm1-sweep").join("summary.json").exists());
}

#[test]
fn a_point_the_scenario_does_not_allow_stops_everything_before_it_runs() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "mm1.toml", MM1);
    let out = dir.path().join("out");
    Command::cargo_bin("trafsim")
        .unwrap()
        .args(["run", "--sweep", "services[0].concurrency=0..2:1", "--out"])
        .arg(&out)
        .arg(&file)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("services[0].concurrency").and(predicate::str::contains(
                "sweep point services[0].concurrency = 0",
            )),
        );
    assert!(!out.join("mm1-sweep").exists());
}
