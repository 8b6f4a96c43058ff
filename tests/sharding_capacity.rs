//! A capacity search whose probes run sharded (issue #17): `trafsim capacity FILE
//! --probe-results DIR` reads the probes merged so far and prints the next probe to run;
//! `--probe RATE --shard K/N` runs a shard of it and `trafsim merge` merges it into DIR; run
//! to its end, the search writes `capacity.json`, `capacity.html` and the probes' chart
//! byte-identical to `trafsim capacity FILE` on one machine. A search with another seed than
//! the merged probes' is refused. Before this change `capacity` refused `--shard` and had
//! neither `--probe` nor `--probe-results`, so this test failed.
//!
//! The scenario is mm1 (an M/M/1 queue, μ = 100/s) under a 100 ms p99 objective, 60 s long at
//! 3 replications per probe and a 5% tolerance: about eight probes.

mod common;

use common::trafsim;

use std::fs;
use std::path::Path;

/// The objective and the settings every invocation shares.
const FLAGS: [&str; 14] = [
    "--slo-p99",
    "100ms",
    "--duration",
    "60s",
    "--set",
    "simulation.warmup=10s",
    "--replications",
    "3",
    "--seed",
    "2",
    "--tolerance",
    "5%",
    "--threads",
    "2",
];

/// The files a capacity search writes.
const FILES: [&str; 3] = ["capacity.json", "capacity.html", "capacity-probes.svg"];

#[test]
fn a_search_over_sharded_probes_ends_with_the_single_machine_answer() {
    let mm1 = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/mm1.toml");
    let work = tempfile::tempdir().unwrap();
    let whole = work.path().join("whole");
    trafsim()
        .arg("capacity")
        .arg(&mm1)
        .args(FLAGS)
        .args(["--quiet", "--out"])
        .arg(&whole)
        .assert()
        .success();
    let dist = work.path().join("dist");
    let answer = dist.join("capacity/mm1/capacity.json");
    let mut probes = 0;
    while !answer.exists() {
        assert!(probes < 40, "the search does not end");
        let out = trafsim()
            .arg("capacity")
            .arg(&mm1)
            .args(FLAGS)
            .args(["--quiet", "--probe-results"])
            .arg(&dist)
            .arg("--out")
            .arg(&dist)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let text = String::from_utf8(out.stdout).unwrap();
        if answer.exists() {
            break;
        }
        let rate = text
            .split_whitespace()
            .skip_while(|w| *w != "--probe")
            .nth(1)
            .unwrap_or_else(|| panic!("no next probe in: {text}"))
            .to_string();
        assert!(
            text.contains(&format!("({probes} merged probes read)")),
            "{text}"
        );
        for k in 0..3 {
            trafsim()
                .arg("capacity")
                .arg(&mm1)
                .args(FLAGS)
                .args([
                    "--quiet",
                    "--probe",
                    &rate,
                    "--shard",
                    &format!("{k}/3"),
                    "--out",
                ])
                .arg(&dist)
                .assert()
                .success();
        }
        trafsim()
            .arg("merge")
            .arg(&dist)
            .args(["--quiet", "--out"])
            .arg(&dist)
            .assert()
            .success();
        probes += 1;
    }
    assert!(probes >= 4, "{probes} probes");
    for name in FILES {
        let a = fs::read(whole.join("capacity/mm1").join(name)).unwrap();
        let b = fs::read(dist.join("capacity/mm1").join(name)).unwrap();
        assert!(a == b, "{name} differs");
    }
    // The merged probes are of seed 2: a search with seed 3 is refused, naming the file.
    let mut other = FLAGS;
    other[9] = "3";
    let out = trafsim()
        .arg("capacity")
        .arg(&mm1)
        .args(other)
        .args(["--quiet", "--probe-results"])
        .arg(&dist)
        .arg("--out")
        .arg(work.path().join("other"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("another scenario") && err.contains(".trafsim-probe"),
        "{err}"
    );
}
