//! The same scenario and seed give bit-identical results whatever the number of threads; another
//! seed gives other results. Needs the traffic model.
//!
//! Each replication seeds its random streams from (seed, replication index) and the runner
//! merges replications in index order, so `--threads 1` and `--threads 2` must print the same
//! bytes. `--precision` must too: it decides where to stop by looking at replications in index
//! order, not at whole batches, and the batch size follows the thread count.

use std::path::Path;

use assert_cmd::Command;
use trafsim::engine::SimDuration;
use trafsim::report;
use trafsim::runner::{
    Summary, run_replications, run_until_precise, summarise_replications_within_budget,
};
use trafsim::scenario::{self, Scenario};

fn mm1() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/mm1.toml")
}

/// `trafsim run mm1.toml --format json` with `extra` flags: (stdout, timeseries.csv).
fn run_cli(extra: &[&str]) -> (Vec<u8>, String) {
    let out = tempfile::tempdir().unwrap();
    let output = Command::cargo_bin("trafsim")
        .unwrap()
        .arg("run")
        .arg(mm1())
        .args([
            "--replications",
            "3",
            "--format",
            "json",
            "--quiet",
            "--out",
        ])
        .arg(out.path())
        .args(extra)
        .assert()
        .success()
        .get_output()
        .clone();
    let csv = std::fs::read_to_string(out.path().join("mm1/timeseries.csv")).unwrap();
    (output.stdout, csv)
}

#[test]
fn same_seed_same_bytes_at_one_and_two_threads() {
    let (json1, csv1) = run_cli(&["--threads", "1"]);
    let (json2, csv2) = run_cli(&["--threads", "2"]);
    assert_eq!(
        String::from_utf8_lossy(&json1),
        String::from_utf8_lossy(&json2)
    );
    assert_eq!(csv1, csv2);
}

#[test]
fn another_seed_gives_another_result() {
    let (json1, csv1) = run_cli(&["--seed", "1"]);
    let (json2, csv2) = run_cli(&["--seed", "2"]);
    assert_ne!(json1, json2);
    assert_ne!(csv1, csv2);
    let a: serde_json::Value = serde_json::from_slice(&json1).unwrap();
    let b: serde_json::Value = serde_json::from_slice(&json2).unwrap();
    assert_ne!(a["latency"]["p99"], b["latency"]["p99"]);
    assert_ne!(a["requests"]["offered"], b["requests"]["offered"]);
}

/// mm1 shortened to two minutes (precision runs need many replications).
fn short_mm1() -> Scenario {
    let mut s = scenario::load(&mm1()).unwrap();
    s.simulation.duration = SimDuration::from_secs(120);
    s.simulation.warmup = SimDuration::from_secs(10);
    s
}

fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

/// The summary as JSON plus the time series as CSV: everything a run reports.
fn report_of(summary: &Summary) -> String {
    report::json::to_json(summary).unwrap() + &report::csv::timeseries(summary)
}

#[test]
fn replications_merge_in_index_order_in_process() {
    let s = short_mm1();
    let one = in_pool(1, || run_replications(&s, 0..6, &|_| {}));
    let four = in_pool(4, || run_replications(&s, 0..6, &|_| {}));
    let indices: Vec<u64> = four.iter().map(|r| r.replication).collect();
    assert_eq!(indices, [0, 1, 2, 3, 4, 5]);
    assert_eq!(
        report_of(&Summary::from_runs(&s, &one)),
        report_of(&Summary::from_runs(&s, &four))
    );
}

#[test]
fn precision_runs_stop_at_the_same_replication_whatever_the_batch() {
    let s = short_mm1();
    let precise = |threads: usize| {
        in_pool(threads, || {
            let batch = rayon::current_num_threads() as u64;
            let (summary, outcome) = run_until_precise(&s, 0.10, 20, batch, &|_| {}).unwrap();
            assert_eq!(summary.precision, Some(outcome));
            (summary.replications, report_of(&summary))
        })
    };
    let (n2, a) = precise(2);
    let (n3, b) = precise(3);
    let (n5, c) = precise(5);
    assert_eq!((n2, n3), (n3, n5));
    assert!((3..=20).contains(&n2), "{n2}");
    assert_eq!(a, b);
    assert_eq!(b, c);
}

/// zone-outage shortened to two minutes, its outage moved inside them: a scenario with a fault,
/// whose summary also needs each replication's series (the failover story).
fn short_zone_outage() -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/zone-outage.toml");
    let mut s = scenario::load(&path).unwrap();
    s.simulation.duration = SimDuration::from_secs(120);
    s.simulation.warmup = SimDuration::from_secs(20);
    s.faults[0].at = SimDuration::from_secs(50);
    s.faults[0].duration = Some(SimDuration::from_secs(30));
    s
}

/// The streamed summary (replications folded a chunk at a time into the summary builder, as
/// `trafsim run` does) is the summary of all the runs at once, byte for byte, whatever the
/// thread count and so wherever the chunks fall (one thread: chunks of 4, so 4 + 1; three:
/// one chunk) — with and without faults.
#[test]
fn streamed_summaries_equal_summaries_of_all_runs() {
    for s in [short_mm1(), short_zone_outage()] {
        let all = in_pool(2, || run_replications(&s, 0..5, &|_| {}));
        let whole = report_of(&Summary::from_runs(&s, &all));
        for threads in [1, 3] {
            let streamed = in_pool(threads, || {
                summarise_replications_within_budget(&s, 0..5, &|_| {}).unwrap()
            });
            assert_eq!(streamed.replications, 5);
            assert_eq!(
                whole,
                report_of(&streamed),
                "{} at {threads} threads",
                s.name
            );
        }
    }
}
