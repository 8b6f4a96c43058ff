//! Command-line failures: each gives a clear message (with a line number where one applies),
//! the documented exit code (2 invalid input, 1 runtime failure) and no panic.
//!
//! None of these tests needs the traffic model: every failure happens before a replication runs.

mod common;

use common::trafsim;

use std::path::{Path, PathBuf};

use assert_cmd::assert::Assert;
use predicates::prelude::*;

fn mm1() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/mm1.toml")
}

/// `scenarios/mm1.toml` with `from` replaced by `to`, written as `name` into `dir`.
fn mm1_with(dir: &Path, name: &str, from: &str, to: &str) -> PathBuf {
    let text = std::fs::read_to_string(mm1()).unwrap();
    assert!(text.contains(from), "mm1.toml no longer has {from:?}");
    let path = dir.join(name);
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    path
}

/// `name:LINE:`, where LINE is the 1-based line of `needle` in `scenarios/mm1.toml`: the place
/// a message about that line must name.
fn at(name: &str, needle: &str) -> String {
    let text = std::fs::read_to_string(mm1()).unwrap();
    let line = text.lines().position(|l| l.contains(needle)).unwrap() + 1;
    format!("{name}:{line}:")
}

/// Asserts exit code `code`, a message containing every one of `parts`, and no panic.
fn fails(assert: Assert, code: i32, parts: &[&str]) -> String {
    let out = assert.code(code).get_output().clone();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    for part in parts {
        assert!(stderr.contains(part), "expected {part:?} in:\n{stderr}");
    }
    stderr
}

#[test]
fn typo_in_a_key_names_the_line_and_suggests_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let f = mm1_with(dir.path(), "typo.toml", "replications = 10", "replics = 10");
    for cmd in ["validate", "run"] {
        let stderr = fails(
            trafsim().arg(cmd).arg(&f).assert(),
            2,
            &["replics", "did you mean `replications`?"],
        );
        // file:line:column
        let place = at("typo.toml", "replications = 10");
        assert!(stderr.lines().next().unwrap().contains(&place), "{stderr}");
    }
}

#[test]
fn wrong_type_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let f = mm1_with(dir.path(), "type.toml", "seed = 1", "seed = \"one\"");
    fails(
        trafsim().arg("validate").arg(&f).assert(),
        2,
        &[&at("type.toml", "seed = 1"), "simulation.seed"],
    );
}

#[test]
fn negative_rate_names_the_line_and_the_range() {
    let dir = tempfile::tempdir().unwrap();
    let f = mm1_with(dir.path(), "neg.toml", "rate = 50", "rate = -5");
    fails(
        trafsim().arg("validate").arg(&f).assert(),
        2,
        &[
            &at("neg.toml", "rate = 50"),
            "clients.rate",
            "at least 0",
            "-5",
        ],
    );
}

#[test]
fn missing_file_names_the_path() {
    fails(
        trafsim()
            .args(["validate", "no-such-scenario.toml"])
            .assert(),
        2,
        &["no-such-scenario.toml", "could not read"],
    );
}

#[test]
fn validate_reports_every_invalid_file_and_the_valid_ones() {
    let dir = tempfile::tempdir().unwrap();
    let bad = mm1_with(dir.path(), "bad.toml", "rate = 50", "rate = -5");
    let assert = trafsim()
        .arg("validate")
        .arg(mm1())
        .arg(&bad)
        .arg("missing.toml")
        .assert()
        .stdout(predicate::str::contains("ok: ").and(predicate::str::contains("mm1.toml")));
    fails(
        assert,
        2,
        &[
            &at("bad.toml", "rate = 50"),
            "missing.toml",
            "2 of 3 scenario files are invalid",
        ],
    );
}

#[test]
fn run_checks_every_file_before_running_any() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let bad = mm1_with(
        dir.path(),
        "third.toml",
        "replications = 10",
        "replics = 10",
    );
    let assert = trafsim()
        .arg("run")
        .arg(mm1())
        .arg(mm1_with(
            dir.path(),
            "second.toml",
            "name = \"mm1\"",
            "name = \"other\"",
        ))
        .arg(&bad)
        .arg("--out")
        .arg(&out)
        .assert()
        .stdout("");
    let place = at("third.toml", "replications = 10");
    fails(assert, 2, &[&place, "nothing was run"]);
    assert!(
        !out.exists(),
        "no output may be written when a file is invalid"
    );
}

#[test]
fn two_scenarios_with_one_name_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let copy = mm1_with(dir.path(), "copy.toml", "seed = 1", "seed = 2");
    fails(
        trafsim().arg("run").arg(mm1()).arg(&copy).assert(),
        2,
        &["both named `mm1`", "copy.toml"],
    );
}

#[test]
fn output_folder_under_a_regular_file_is_a_runtime_failure() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain-file");
    std::fs::write(&file, "not a folder").unwrap();
    let assert = trafsim()
        .arg("run")
        .arg(mm1())
        .arg("--out")
        .arg(file.join("results"))
        .assert()
        .stdout("");
    fails(
        assert,
        1,
        &[
            "could not create the output folder",
            "plain-file",
            "os error",
        ],
    );
}

#[test]
fn zero_counts_and_precision_are_refused_by_name() {
    for (flag, value, message) in [
        ("--threads", "0", "must be at least 1"),
        ("--replications", "0", "must be at least 1"),
        ("--precision", "0%", "more than 0%"),
        ("--precision", "5", "such as `5%`"),
    ] {
        fails(
            trafsim().arg("run").arg(mm1()).args([flag, value]).assert(),
            2,
            &[flag, message],
        );
    }
}

#[test]
fn max_replications_needs_precision() {
    fails(
        trafsim()
            .arg("run")
            .arg(mm1())
            .args(["--max-replications", "5"])
            .assert(),
        2,
        &["--precision"],
    );
}

#[test]
fn unknown_subcommand_and_missing_files_are_usage_errors() {
    fails(trafsim().arg("simulate").assert(), 2, &["simulate"]);
    fails(trafsim().arg("run").assert(), 2, &["FILE"]);
}

#[test]
fn an_endless_file_is_refused_not_read_forever() {
    // Before: `validate /dev/zero` read until memory ran out.
    let zero = Path::new("/dev/zero");
    if !zero.exists() {
        return;
    }
    fails(
        trafsim().arg("validate").arg(zero).assert(),
        2,
        &["/dev/zero: ", "larger than 16 MiB"],
    );
}

#[test]
fn a_name_run_cannot_use_is_refused_by_validate() {
    // Before: `validate` said ok, and `run` failed (exit 1) creating the output folder.
    let dir = tempfile::tempdir().unwrap();
    let f = mm1_with(
        dir.path(),
        "nul.toml",
        "name = \"mm1\"",
        "name = \"mm\\u0000one\"",
    );
    let place = at("nul.toml", "name = \"mm1\"");
    let out = dir.path().join("out");
    for args in [
        vec!["validate"],
        vec!["run", "--out", out.to_str().unwrap()],
    ] {
        fails(
            trafsim().args(&args).arg(&f).assert(),
            2,
            &[
                &place,
                "simulation.name",
                "control characters",
                "output folder",
            ],
        );
    }
}

#[test]
fn too_many_threads_are_lowered_with_a_note() {
    // Before: `--threads 10000` started 10,000 threads on a few cores and spun for minutes.
    let dir = tempfile::tempdir().unwrap();
    let f = mm1_with(
        dir.path(),
        "short.toml",
        "duration = \"20m\"",
        "duration = \"2m\"",
    );
    let out = trafsim()
        .arg("run")
        .arg(&f)
        .args(["--threads", "10000", "--replications", "2", "--out"])
        .arg(dir.path())
        .assert()
        .success()
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let max = trafsim::scenario::limits::max_threads();
    assert!(
        stderr.contains(&format!(
            "note: --threads 10000 is more than 4 per CPU on this machine; using {max}"
        )),
        "{stderr}"
    );
}
