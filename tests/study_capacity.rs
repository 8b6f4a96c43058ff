//! `trafsim capacity` against queueing theory, and its command line.
//!
//! In an M/M/1 queue (FIFO, one server, Poisson arrivals at λ, exponential service at μ) the
//! response time is exponential with rate μ − λ, so its p99 is ln(100)/(μ − λ). The highest
//! load whose p99 meets an SLO T is therefore λ* = μ − ln(100)/T; with μ = 100/s (10 ms) and
//! T = 100 ms, λ* = 100 − 46.05 = 53.95 requests per second.
//!
//! The search's answer sits below λ* by design: a probe meets the SLO only when the *upper*
//! end of the 95% interval of p99 is within it, so the answer is conservative by about the
//! interval's half-width (≈1.3 ms of p99 here, with 20 replications of 1,000 s) divided by the
//! slope of p99 in λ (ln(100)/(μ − λ)² ≈ 2.2 ms per req/s): ≈0.6 req/s, plus the 1% bracket.
//! ±3 req/s is an honest bound for that, and fails if the model or the search is off by more
//! than a few percent.

mod common;

use common::write;

use assert_cmd::Command;
use predicates::prelude::*;
use trafsim::engine::SimDuration;
use trafsim::study::capacity::{self, Query, Tolerance};
use trafsim::study::{Options, Source};

/// λ* = μ − ln(100)/SLO for μ = 100/s, SLO = 100 ms.
const ANALYTIC: f64 = 100.0 - 46.051_701_859_880_914;

/// An M/M/1 (μ = 100/s) offered 50/s, with a 1 h timeout, 20 replications of 1,000 s.
fn mm1() -> String {
    common::one_server(
        r#"name = "mm1-capacity"
duration = "1020s"
warmup = "20s"
replications = 20
seed = 1"#,
        r#"rate = 50
timeout = "1h"
latency = "0s""#,
        1,
        "10ms",
    )
}

#[test]
fn finds_the_mm1_capacity_under_a_p99_slo() {
    let src = Source::parse(&mm1(), "mm1-capacity.toml").unwrap();
    let query = Query {
        slo_p99: Some(SimDuration::from_millis(100)),
        max_error_rate: Some(0.001),
        tolerance: Tolerance::Relative(0.01),
        lose_zones: vec![],
    };
    let pool = rayon::ThreadPoolBuilder::new().build().unwrap();
    let report = pool
        .install(|| capacity::capacity(&src, &query, &Options::default()))
        .unwrap();
    let r = &report.results[0];
    let (found, failing) = (r.capacity_rps.unwrap(), r.failing_rps.unwrap());
    let width = r.tolerance_rps.unwrap();
    assert!(width <= 0.01 * found + 1e-9, "bracket {found}..{failing}");
    assert!(
        (found - ANALYTIC).abs() <= 3.0,
        "found {found} req/s (bracket to {failing}), theory {ANALYTIC:.2}"
    );
    // Conservative: the upper confidence bound keeps it at or below the true capacity.
    assert!(
        found <= ANALYTIC + width,
        "found {found}, theory {ANALYTIC:.2}"
    );
    let at = r.at_capacity.as_ref().unwrap();
    assert!(at.meets && at.p99_s.upper() <= 0.1);
    assert!((at.offered_per_s.mean - found).abs() < 0.02 * found);
    assert!(r.probes.iter().any(|p| !p.meets && p.rate == failing));
}

#[test]
fn command_line_writes_capacity_json_and_checks_zones() {
    let dir = tempfile::tempdir().unwrap();
    let short = mm1()
        .replace("1020s", "60s")
        .replace("replications = 20", "replications = 3");
    let file = write(dir.path(), "mm1.toml", &short);
    let out = dir.path().join("out");
    Command::cargo_bin("trafsim")
        .unwrap()
        .args(["capacity", "--slo-p99", "100ms", "--max-error-rate", "0.1%"])
        .args(["--tolerance", "5%", "--quiet", "--out"])
        .arg(&out)
        .arg(&file)
        .assert()
        .success()
        .stdout(predicate::str::contains("mm1-capacity").and(predicate::str::contains("all")));
    let json: serde_json::Value = serde_json::from_slice(
        &std::fs::read(out.join("capacity/mm1-capacity").join("capacity.json")).unwrap(),
    )
    .unwrap();
    let found = json["results"][0]["capacity_rps"].as_f64().unwrap();
    assert!((40.0..60.0).contains(&found), "{json:#}");

    Command::cargo_bin("trafsim")
        .unwrap()
        .args([
            "capacity",
            "--slo-p99",
            "100ms",
            "--lose-zone",
            "9",
            "-q",
            "--out",
        ])
        .arg(&out)
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no zone named `9`"));
}

#[test]
fn capacity_refuses_too_few_replications() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "mm1.toml", &mm1());
    Command::cargo_bin("trafsim")
        .unwrap()
        .args([
            "capacity",
            "--slo-p99",
            "100ms",
            "--replications",
            "2",
            "-q",
        ])
        .arg("--out")
        .arg(dir.path().join("out"))
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "capacity needs at least 3 replications per probe, got 2",
        ));
    assert!(!dir.path().join("out").exists(), "nothing may be written");
}

/// Issue 12 item 3: a server of 100/s (M/M/1, 10 ms) with a very long SLO (1 h). Before, the
/// search answered 1,069/s: in an overload the few requests that complete in a replication are
/// the early ones, and a p99 from one completion meets any long SLO. Now a probe whose tier is
/// unstable, or whose replication completed fewer than `MIN_COMPLETED` requests, fails, so the
/// answer stays at the server's capacity. (Above 100/s the queue grows without bound; the
/// answer may sit a few percent on either side of 100/s where the growth is too slow to tell
/// from noise in a 60 s run.)
#[test]
fn refuses_unstable_and_censored_probes() {
    let text = mm1()
        .replace("duration = \"1020s\"", "duration = \"70s\"")
        .replace("warmup = \"20s\"", "warmup = \"10s\"")
        .replace("replications = 20", "replications = 3");
    let src = Source::parse(&text, "mm1-long-slo.toml").unwrap();
    let query = Query {
        slo_p99: Some(SimDuration::from_secs(3600)),
        max_error_rate: Some(0.001),
        tolerance: Tolerance::Relative(0.02),
        lose_zones: vec![],
    };
    let pool = rayon::ThreadPoolBuilder::new().build().unwrap();
    let report = pool
        .install(|| capacity::capacity(&src, &query, &Options::default()))
        .unwrap();
    let r = &report.results[0];
    let found = r.capacity_rps.unwrap();
    assert!(found <= 110.0, "found {found} req/s for a server of 100/s");
    assert!(found >= 50.0, "found {found} req/s");
    let refused: Vec<_> = r.probes.iter().filter(|p| p.refused.is_some()).collect();
    assert!(!refused.is_empty());
    assert!(
        refused.iter().all(
            |p| !p.meets && p.refused.as_deref().unwrap().starts_with("unstable")
                || p.completed_min < capacity::MIN_COMPLETED
        ),
        "{refused:?}"
    );
}
