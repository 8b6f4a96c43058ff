//! Bounded memory: stale timeouts do not pile up in the calendar, a run whose state passes
//! the memory budget stops with a clear error, exit code 1 and nothing written, and a run of
//! many replications — or a comparison of several columns — holds a few per thread at once,
//! not all of them.

mod common;

use common::one_server;

use std::path::Path;

use assert_cmd::Command;
use std::sync::atomic::{AtomicU64, Ordering};

use trafsim::model::{self, OverBudget};
use trafsim::runner::{CHUNK_PER_THREAD, fold_each_within_budget, fold_replications_within_budget};
use trafsim::scenario::{self, Scenario};

/// A single server with exponential service (mean `service`) under Poisson arrivals at
/// `rate`/s, an unbounded FIFO line and a client timeout of `timeout`; one replication.
fn single_server(name: &str, rate: f64, service: &str, timeout: &str, duration: &str) -> String {
    one_server(
        &format!(
            r#"
name = "{name}"
duration = "{duration}"
warmup = "0s"
replications = 1
seed = 7
window = "10s""#
        ),
        &format!(
            r#"
rate = {rate}
timeout = "{timeout}"
retries = {{ attempts = 0 }}
latency = "0s"
new_tls_connection_share = 0"#
        ),
        1,
        service,
    )
}

fn parse(text: &str) -> Scenario {
    scenario::parse(text, "memory_bounds").unwrap()
}

/// Stale timeouts cost nothing lasting. 5,000 requests/s for a minute at a server that answers
/// in 0.1 ms, each with a 1 h client timeout: almost every timeout goes stale at once, but
/// none would fire before the run ends. On the code before timer lanes every one of the
/// 300,000 stayed in the calendar's heap to the end (32 bytes each, in a buffer that doubles:
/// 8–16 MiB), so a 4 MiB budget stopped the run; with a lane per fixed timeout that drops
/// stale entries, the calendar holds about twice the live timers (a few), and the run ends
/// within the budget with exactly the result of an unbudgeted run.
#[test]
fn stale_timeouts_do_not_grow_the_calendar() {
    let s = parse(&single_server("stale", 5000.0, "0.1ms", "1h", "1m"));
    let budget = 4 << 20;
    let within = model::simulate_within(&s, 0, budget);
    let plain = model::simulate(&s, 0);
    let within = match within {
        Ok(r) => r,
        Err(e) => panic!("a run of short requests with a long timeout passed 4 MiB: {e}"),
    };
    assert!(plain.offered > 250_000, "offered {}", plain.offered);
    assert_eq!(within.offered, plain.offered);
    assert_eq!(within.succeeded, plain.succeeded);
    assert_eq!(within.events, plain.events);
    assert_eq!(within.latency.quantile(0.99), plain.latency.quantile(0.99));
}

/// The same run with a 10 ms timeout gives the same figures bar the timeouts (none fire at
/// this load either way): the lane changes what the calendar holds, not what happens.
#[test]
fn a_long_and_a_short_timeout_agree_when_none_fires() {
    let long = model::simulate(&parse(&single_server("l", 2000.0, "0.1ms", "1h", "20s")), 0);
    let short = model::simulate(
        &parse(&single_server("s", 2000.0, "0.1ms", "50ms", "20s")),
        0,
    );
    assert_eq!(long.failed_total(), 0);
    assert_eq!(short.failed_total(), 0);
    assert_eq!(long.succeeded, short.succeeded);
    assert_eq!(long.latency.quantile(0.99), short.latency.quantile(0.99));
}

/// 100× overload into an unbounded line, with a small budget: the replication stops when its
/// state passes the budget and says which tier's line grew and how many requests were in
/// flight. (Before the budget, this ran to its end holding every waiting request: about
/// 1.2 million of them after two minutes.)
#[test]
fn overload_stops_at_the_budget_in_the_library() {
    let s = parse(&single_server("overload", 10_000.0, "10ms", "1h", "2m"));
    let err: OverBudget = match model::simulate_within(&s, 3, 8 << 20) {
        Ok(_) => panic!("a 100x overload into an unbounded queue stayed within 8 MiB"),
        Err(e) => e,
    };
    assert_eq!(err.replication, 3);
    assert!(err.held > err.budget);
    assert!(err.in_flight > 10_000, "{err:?}");
    let (tier, len) = err.longest_queue.clone().expect("a waiting line");
    assert_eq!(tier, "server");
    assert!(len > 10_000, "{err:?}");
    // It stopped soon after the budget was passed (checks every few thousand events), long
    // before the run's end.
    assert!(err.at_secs < 60.0, "{err:?}");
    let text = err.to_string();
    for part in [
        "replication 3",
        "memory budget",
        "in flight",
        "`server`",
        "queue_limit",
    ] {
        assert!(text.contains(part), "{part:?} not in {text}");
    }
}

/// The command line: a clear error naming the cause, exit code 1, and no results written
/// (no folder for the scenario, no temporary files).
#[test]
fn overload_stops_at_the_budget_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("overload.toml");
    std::fs::write(
        &file,
        single_server("overload", 10_000.0, "10ms", "1h", "2m"),
    )
    .unwrap();
    let out = dir.path().join("out");
    let assert = Command::cargo_bin("trafsim")
        .unwrap()
        .args([
            "run",
            "--quiet",
            "--threads",
            "1",
            "--memory-budget",
            "8MiB",
            "--out",
        ])
        .arg(&out)
        .arg(&file)
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(
        stderr.starts_with("error: replication 0 stopped"),
        "{stderr}"
    );
    assert!(stderr.contains("memory budget (8 MiB)"), "{stderr}");
    assert!(stderr.contains("the longest waiting line"), "{stderr}");
    assert!(stderr.contains("`server`"), "{stderr}");
    assert!(files_under(&out).is_empty(), "{:?}", files_under(&out));
}

/// A bad `--memory-budget` is refused by the parser (exit 2), naming the allowed units.
#[test]
fn a_bad_budget_is_refused() {
    let assert = Command::cargo_bin("trafsim")
        .unwrap()
        .args(["run", "--memory-budget", "4 parsecs", "x.toml"])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains("--memory-budget"), "{stderr}");
    assert!(stderr.contains("such as `512MiB`"), "{stderr}");
}

/// Every file below `dir` (none if it does not exist).
fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            found.extend(files_under(&p));
        } else {
            found.push(p);
        }
    }
    found
}

/// Replication results stream into the summary: while replications run, at most one chunk
/// ([`CHUNK_PER_THREAD`] × threads) of results is alive — finished but not yet folded into the
/// summary and dropped. 64 one-second replications on 2 threads: when each result is folded,
/// the replications finished so far minus those already folded are at most 8, and the fold
/// sees them in index order. On the code before streaming, `trafsim run` collected every
/// result (`run_replications_within_budget`) before summarising: the first result reached the
/// summary after all 64 had finished, 64 alive at once — memory grew by a whole `RunResult`
/// (about 390 KB for this M/M/1 at 10 s) per replication. Counts, not time: nothing here
/// depends on how fast the threads run.
#[test]
fn a_run_holds_a_chunk_of_results_not_all_of_them() {
    let mut s = parse(&single_server("stream", 50.0, "10ms", "1h", "1s"));
    s.simulation.replications = 64;
    let finished = AtomicU64::new(0);
    let mut folded = 0u64;
    let mut most_alive = 0u64;
    let mut order = Vec::new();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    pool.install(|| {
        fold_replications_within_budget(
            &s,
            0..64,
            &|_| {
                finished.fetch_add(1, Ordering::SeqCst);
            },
            &mut |run| {
                most_alive = most_alive.max(finished.load(Ordering::SeqCst) - folded);
                folded += 1;
                order.push(run.replication);
                true
            },
        )
    })
    .unwrap();
    assert_eq!(order, (0..64).collect::<Vec<_>>());
    assert!(
        most_alive <= CHUNK_PER_THREAD * 2,
        "{most_alive} results alive at once (at most {} expected)",
        CHUNK_PER_THREAD * 2
    );
}

/// A fold that wants no more stops the run after that result: no further chunk runs.
#[test]
fn a_fold_that_is_done_stops_the_run() {
    let s = parse(&single_server("stop", 50.0, "10ms", "1h", "1s"));
    let finished = AtomicU64::new(0);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    pool.install(|| {
        fold_replications_within_budget(
            &s,
            0..100,
            &|_| {
                finished.fetch_add(1, Ordering::SeqCst);
            },
            &mut |run| run.replication < 2,
        )
    })
    .unwrap();
    assert!(finished.load(Ordering::SeqCst) <= CHUNK_PER_THREAD * 2);
}

/// A comparison streams too: `trafsim compare` runs its columns through
/// [`fold_each_within_budget`], which holds at most one chunk ([`CHUNK_PER_THREAD`] × threads)
/// of (replication, column) results at once and hands each column its results in index order.
/// 2 columns × 64 one-second replications on 2 threads: when each result is folded, the runs
/// finished so far minus those already folded are at most 8. On the code before, `compare`
/// collected each column's 64 results (`run_each` → `run_replications_within_budget`) before
/// computing its metrics, with both columns in flight at once: a column's first result was
/// digested only after its 64th had finished, so all 128 results were alive at once (128 when checked against that code) —
/// memory grew with columns × replications. Counts, not time.
#[test]
fn a_comparison_holds_a_chunk_of_results_not_all_of_them() {
    let mut a = parse(&single_server("a", 50.0, "10ms", "1h", "1s"));
    let mut b = parse(&single_server("b", 50.0, "20ms", "1h", "1s"));
    a.simulation.replications = 64;
    b.simulation.replications = 64;
    let finished = AtomicU64::new(0);
    let mut folded = 0u64;
    let mut most_alive = 0u64;
    let mut order: [Vec<u64>; 2] = [Vec::new(), Vec::new()];
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    pool.install(|| {
        fold_each_within_budget(
            &[a, b],
            0..64,
            &|_| {
                finished.fetch_add(1, Ordering::SeqCst);
            },
            &mut |column, run| {
                most_alive = most_alive.max(finished.load(Ordering::SeqCst) - folded);
                folded += 1;
                order[column].push(run.replication);
            },
        )
    })
    .unwrap();
    for column in &order {
        assert_eq!(*column, (0..64).collect::<Vec<_>>());
    }
    assert!(
        most_alive <= CHUNK_PER_THREAD * 2,
        "{most_alive} results alive at once (at most {} expected)",
        CHUNK_PER_THREAD * 2
    );
}

/// 200 pods, each request calling 20 destinations (1 ms each, direct egress) at 200
/// requests/s for 10 s, with `pool` on every destination if given: with a pool, each pod
/// keeps a pool per destination and an idle connection in it (4,000 of each) while little
/// is in flight at once.
fn calling(pool: &str) -> Scenario {
    let dests: String = (0..20)
        .map(|d| format!("[[egress.destinations]]\nname = \"api{d}\"\nlatency = \"1ms\"\n{pool}\n"))
        .collect();
    let calls: Vec<String> = (0..20)
        .map(|d| format!("{{ destination = \"api{d}\" }}"))
        .collect();
    parse(&format!(
        r#"
[simulation]
duration = "10s"
warmup = "0s"
replications = 1
seed = 5
[clients]
rate = 200
timeout = "1h"
retries = {{ attempts = 0 }}
[network]
zones = ["1"]
in_zone = "0s"
[ingress]
kind = "none"
[[services]]
name = "web"
pods = {{ "1" = 200 }}
concurrency = 100
service_time = "1us"
calls = [{}]
[egress]
kind = "direct"
{dests}
"#,
        calls.join(", ")
    ))
}

/// The memory budget counts the egress connection pools: with a pool on each of 20
/// destinations, 200 pods keep 4,000 pools, each with an idle connection, while little is in
/// flight; the state the budget counts then holds at least 88 bytes more per pool than the
/// same calls without pools (a pool is at least its count, a Vec and a VecDeque: 60 bytes; a
/// connection at least two instants and four 32-bit fields: 32 bytes). Before, the pools were
/// left out and the two counted peaks differed by the calendar's idle checks alone.
#[test]
fn the_budget_counts_egress_connection_pools() {
    let pooled = calling("pool = { idle_timeout = \"1h\" }");
    let (_, stats) = model::simulate_with_connections(&pooled, 0);
    assert!(stats.opened >= 4_000, "{stats:?}");
    let with = model::simulate_with_footprint(&pooled, 0).1.peak_bytes;
    let without = model::simulate_with_footprint(&calling(""), 0).1.peak_bytes;
    assert!(
        with >= without + 88 * 4_000,
        "pooled peak {with} B, unpooled {without} B, {} connections opened",
        stats.opened
    );
}
