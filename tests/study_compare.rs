//! `trafsim compare`: common random numbers, paired differences, variants and their errors.

mod common;

use common::{trafsim, write};

use predicates::prelude::*;
use trafsim::runner::Verdict;
use trafsim::study::better::Change;
use trafsim::study::compare::{self, Comparison};
use trafsim::study::{Options, Source};

/// An M/M/1 queue at 50 req/s with variants that differ only in the mean service time, and an
/// SLO (p99 ≤ 120 ms) that the fast one meets (theory: p99 = ln(100)/(μ − λ) = 92 ms), the
/// slow one does not meet (138 ms; its interval may still straddle the target) and the slower
/// one misses (15 ms: 276 ms).
const TWO_SPEEDS: &str = r#"
[simulation]
name = "two-speeds"
duration = "200s"
warmup = "10s"
replications = 6
seed = 3

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

[slo]
p99 = "120ms"
error_rate = 0.001

[[variants]]
name = "fast"

[[variants]]
name = "slow"
set = { "services[0].service_time" = { exponential = { mean = "12ms" } } }

[[variants]]
name = "slower"
set = { "services[0].service_time" = { exponential = { mean = "15ms" } } }
"#;

fn metric<'a>(c: &'a Comparison, column: usize, key: &str) -> &'a compare::MetricResult {
    c.columns[column]
        .metrics
        .iter()
        .find(|m| m.key == key)
        .unwrap_or_else(|| panic!("no {key}"))
}

#[test]
fn variants_differing_in_service_time_share_arrivals_and_differ_significantly() {
    let src = Source::parse(TWO_SPEEDS, "two-speeds.toml").unwrap();
    let columns = compare::columns(std::slice::from_ref(&src)).unwrap();
    let labels: Vec<&str> = columns.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(labels, ["fast", "slow", "slower"]);
    let pool = rayon::ThreadPoolBuilder::new().build().unwrap();
    let c = pool
        .install(|| compare::compare("two-speeds", columns, &Options::default()))
        .unwrap();
    assert_eq!(
        (c.replications, c.seed, c.reference.as_str()),
        (6, 3, "fast")
    );
    // Common random numbers: the same requests offered in every replication.
    let (fast, slow) = (&c.columns[0], &c.columns[1]);
    assert_eq!(fast.offered_per_replication, slow.offered_per_replication);
    assert!(
        fast.offered_per_replication
            .windows(2)
            .any(|w| w[0] != w[1])
    );
    // p99: theory ln(100)/(μ − λ) = 92 ms at 10 ms, 138 ms at 12 ms.
    let p99 = metric(&c, 1, "latency_p99");
    let d = p99.difference.unwrap();
    assert!(d.significant, "{d:?}");
    assert!((0.025..0.07).contains(&d.estimate.mean), "{d:?}");
    // Pairing cancels the noise the columns share: the paired interval is narrower than the
    // two columns' intervals combined as if they were independent.
    let unpaired = metric(&c, 0, "latency_p99")
        .estimate
        .half_width
        .hypot(p99.estimate.half_width);
    assert!(d.estimate.half_width < unpaired, "{d:?} vs {unpaired}");
    let offered = metric(&c, 1, "offered").difference.unwrap();
    assert_eq!((offered.estimate.mean, offered.significant), (0.0, false));
    assert!(metric(&c, 0, "latency_p99").difference.is_none());
    // Higher latency is worse; the offered load has no better direction (issue 13).
    assert_eq!(d.change, Change::Worse);
    assert_eq!(offered.change, Change::Neutral);
    // An SLO verdict per column, judged as `trafsim run` judges it.
    let verdicts: Vec<Verdict> = c
        .columns
        .iter()
        .map(|col| col.slo.as_ref().unwrap().verdict)
        .collect();
    assert_eq!((verdicts[0], verdicts[2]), (Verdict::Met, Verdict::Missed));
    assert_ne!(verdicts[1], Verdict::Met);
}

#[test]
fn files_with_different_seeds_are_run_with_one_and_written_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let base = TWO_SPEEDS.split("[[variants]]").next().unwrap();
    let a = write(
        dir.path(),
        "a.toml",
        &base.replace("two-speeds", "ingress-a"),
    );
    let b_text = base
        .replace("two-speeds", "ingress-b")
        .replace("seed = 3", "seed = 99")
        .replace("\"10ms\"", "\"12ms\"");
    let b = write(dir.path(), "b.toml", &b_text);
    let out = dir.path().join("out");
    trafsim()
        .args(["compare", "--replications", "3", "--out"])
        .arg(&out)
        .args([&a, &b])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("ingress-a")
                .and(predicate::str::contains("Δ"))
                // The slower service is worse in p50 and an SLO row closes the table.
                .and(predicate::str::is_match(r"p50 latency \(ms\) .* worse\n").unwrap())
                .and(predicate::str::is_match(r"\nSLO verdict +met +\S+\n").unwrap())
                .and(predicate::str::contains(
                    "SLO: p99 ≤ 120 ms and error rate ≤ 0.100%",
                )),
        )
        .stderr(predicate::str::contains("all columns use 3"));
    let path = out
        .join("compare/ingress-comparison")
        .join("comparison.json");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(json["seed"], 3);
    assert_eq!(json["replications"], 3);
    let offered = |i: usize| json["columns"][i]["offered_per_replication"].clone();
    assert_eq!(offered(0), offered(1));
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../schemas/comparison.schema.json")).unwrap();
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&json)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // Only the finished files: no temporary file is left behind.
    let mut leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    leftovers.sort();
    assert_eq!(
        leftovers,
        [
            "comparison.html",
            "comparison.json",
            "comparison.png",
            "comparison.svg"
        ]
    );
}

#[test]
fn an_unknown_override_path_is_an_error_naming_the_variant_and_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let text = TWO_SPEEDS.replace(
        "set = { \"services[0].service_time\"",
        "set = { \"services[0].servce_time\"",
    );
    let file = write(dir.path(), "typo.toml", &text);
    for command in ["compare", "validate"] {
        trafsim()
            .arg(command)
            .arg(&file)
            .assert()
            .code(2)
            .stdout("")
            .stderr(
                predicate::str::contains("services[0].servce_time")
                    .and(predicate::str::contains("variant `slow`"))
                    .and(predicate::str::contains("did you mean `service_time`?")),
            );
    }
    let text = TWO_SPEEDS.replace("services[0].service_time", "services[4].service_time");
    let file = write(dir.path(), "index.toml", &text);
    trafsim().arg("compare").arg(&file).assert().code(2).stderr(
        predicate::str::contains("variant `slow`")
            .and(predicate::str::contains("`services` has 1 element"))
            .and(predicate::str::contains("nothing was run")),
    );
}

#[test]
fn one_column_is_nothing_to_compare() {
    let dir = tempfile::tempdir().unwrap();
    let text = TWO_SPEEDS.split("[[variants]]").next().unwrap();
    let file = write(dir.path(), "one.toml", text);
    trafsim()
        .arg("compare")
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nothing to compare"));
}
