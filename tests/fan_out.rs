//! Parallel fan-out of calls (`fan_out = "label"` on consecutive calls), asserted from the
//! configured latencies: a group costs its slowest call, a sequence the sum of its calls; with
//! exponential calls the group's mean is E[max] = 1/a + 1/b − 1/(a + b); a failing call fails
//! the group after every call of the group is in; a timed-out call's late reply is ignored.
//!
//! Inline scenarios with no ingress, no network latency and no service time, so that a
//! request's latency is exactly its calls'. Fixed seeds; release mode.

use trafsim::model::{ErrorCause, RunResult};
use trafsim::runner::run_all as run;
use trafsim::scenario::{Scenario, parse};

/// Seed of every scenario (5, 6 and 8 were also checked once).
const SEED: u64 = 7;

/// `web` (no service time, ample slots) makes `calls`; destinations `a`, `b`, `c` answer after
/// `la`, `lb`, `lc` (distributions as TOML values) and `b` fails with `b_errors`; `orders` is a
/// service of `orders_time`.
fn scenario(calls: &str, la: &str, lb: &str, lc: &str, b_errors: f64, reps: u32) -> Scenario {
    let text = format!(
        r#"
[simulation]
duration = "70s"
warmup = "10s"
replications = {reps}
seed = {SEED}

[clients]
rate = 200
timeout = "10s"

[network]
zones = ["1"]
in_zone = "0s"
cross_zone = "0s"

[[services]]
name = "web"
pods = {{ "1" = 4 }}
concurrency = 1000
service_time = "0s"
calls = [
{calls}
]

[[services]]
name = "orders"
pods = {{ "1" = 4 }}
concurrency = 1000
service_time = "40ms"

[egress]
kind = "direct"

[[egress.destinations]]
name = "a"
latency = {la}

[[egress.destinations]]
name = "b"
latency = {lb}
error_rate = {b_errors}

[[egress.destinations]]
name = "c"
latency = {lc}
"#
    );
    parse(&text, "inline.toml").unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// Every successful request took exactly `want_ms` (the histogram's exact min and max).
fn assert_every_latency(runs: &[RunResult], want_ms: f64, what: &str) {
    for r in runs {
        assert!(r.succeeded > 1000, "{what}: {} succeeded", r.succeeded);
        assert_eq!(r.failed_total(), 0, "{what}: failures {:?}", r.failed);
        let (lo, hi) = (
            r.latency.min().as_millis_f64(),
            r.latency.max().as_millis_f64(),
        );
        assert_eq!(
            (lo, hi),
            (want_ms, want_ms),
            "{what}: latency range {lo}..{hi} ms"
        );
        assert_eq!(r.latency.min(), r.latency.max(), "{what}: not exact");
    }
}

#[test]
fn a_parallel_group_costs_its_slowest_call_and_a_sequence_the_sum() {
    let (a, b, c) = (r#""30ms""#, r#""50ms""#, r#""20ms""#);
    let parallel = scenario(
        r#"{ destination = "a", fan_out = "g" },
           { destination = "b", fan_out = "g" },
           { destination = "c", fan_out = "g" },"#,
        a,
        b,
        c,
        0.0,
        1,
    );
    assert_eq!(parallel.services[0].fan_outs.len(), 1);
    assert_every_latency(&run(&parallel), 50.0, "parallel a, b, c");
    let sequential = scenario(
        r#"{ destination = "a" }, { destination = "b" }, { destination = "c" },"#,
        a,
        b,
        c,
        0.0,
        1,
    );
    assert!(sequential.services[0].fan_outs.is_empty());
    assert_every_latency(&run(&sequential), 100.0, "sequential a, b, c");
    // Two groups back to back (different labels), then one call on its own:
    // max(a, b) + max(orders 40 ms, c) + a = 50 + 40 + 30.
    let mixed = scenario(
        r#"{ destination = "a", fan_out = "first" },
           { destination = "b", fan_out = "first" },
           { service = "orders", fan_out = "second" },
           { destination = "c", fan_out = "second" },
           { destination = "a" },"#,
        a,
        b,
        c,
        0.0,
        1,
    );
    assert_eq!(mixed.services[0].fan_outs.len(), 2);
    assert_every_latency(&run(&mixed), 120.0, "two groups and a call");
}

#[test]
fn each_call_of_a_group_keeps_its_own_probability() {
    // `b` (50 ms) is made by half the requests, `a` (30 ms) by all: half take 50 ms, half 30.
    let s = scenario(
        r#"{ destination = "a", fan_out = "g" },
           { destination = "b", fan_out = "g", probability = 0.5 },"#,
        r#""30ms""#,
        r#""50ms""#,
        r#""1ms""#,
        0.0,
        2,
    );
    for r in run(&s) {
        let n = r.latency.count() as f64;
        let median = r.latency.quantile(0.5).as_millis_f64();
        assert!(
            (median - 30.0).abs() < 0.1 || (median - 50.0).abs() < 0.1,
            "median {median} ms"
        );
        // Mean = 30 + 20 × share of requests that call b; share ~ Binomial(n, 0.5)/n.
        let share = (r.latency.mean_secs() * 1e3 - 30.0) / 20.0;
        let half = 3.29 * (0.25 / n).sqrt();
        assert!(
            (share - 0.5).abs() <= half,
            "share calling b {share:.4}, expected 0.5 ± {half:.4} (99.9%)"
        );
        assert_eq!(r.latency.min().as_millis_f64(), 30.0);
        assert_eq!(r.latency.max().as_millis_f64(), 50.0);
    }
}

#[test]
fn exponential_calls_in_parallel_cost_the_mean_of_their_maximum() {
    // Rates a = 1/20ms, b = 1/40ms: E[max] = 20 + 40 − 1/(1/20 + 1/40) = 46.67 ms, against
    // 60 ms in sequence and 40 ms for the slower alone.
    let (ma, mb) = (0.020, 0.040);
    let want = ma + mb - 1.0 / (1.0 / ma + 1.0 / mb);
    let s = scenario(
        r#"{ destination = "a", fan_out = "g" },
           { destination = "b", fan_out = "g" },"#,
        r#"{ exponential = { mean = "20ms" } }"#,
        r#"{ exponential = { mean = "40ms" } }"#,
        r#""1ms""#,
        0.0,
        10,
    );
    let means: Vec<f64> = run(&s).iter().map(|r| r.latency.mean_secs()).collect();
    let n = means.len() as f64;
    let mean = means.iter().sum::<f64>() / n;
    let var = means.iter().map(|m| (m - mean).powi(2)).sum::<f64>() / (n - 1.0);
    // Student t, 9 degrees of freedom, two-sided 99.9%.
    let half = 4.781 * (var / n).sqrt();
    assert!(
        (mean - want).abs() <= half,
        "mean {mean:.5} s, expected {want:.5} s ± {half:.5} (99.9%)"
    );
    // Narrow: within 3% of the value, far from the slower call alone (40 ms) and the sum
    // (60 ms).
    assert!(half < 0.03 * want, "interval ±{half:.5} s is not narrow");
    assert!(mean - half > mb + 0.003 && mean + half < ma + mb - 0.003);
}

#[test]
fn a_failing_call_fails_the_group_after_all_its_calls_are_in() {
    // `b` always fails, after 10 ms; `a` answers after 50 ms. The caller waits for both, so
    // the work at `web` lasts 50 ms, and every request fails as upstream-error.
    let s = scenario(
        r#"{ destination = "a", fan_out = "g" },
           { destination = "b", fan_out = "g" },
           { destination = "c" },"#,
        r#""50ms""#,
        r#""10ms""#,
        r#""1ms""#,
        1.0,
        1,
    );
    for r in run(&s) {
        assert_eq!(r.succeeded, 0);
        let upstream = r.failed[ErrorCause::Upstream as usize];
        assert_eq!(upstream, r.failed_total());
        assert!(upstream > 1000, "{upstream} failed");
        let web = r.tiers.iter().find(|t| t.name == "web").unwrap();
        assert_eq!(web.latency.min().as_millis_f64(), 50.0);
        assert_eq!(web.latency.max().as_millis_f64(), 50.0);
        // `c`, after the group, is never called: only a and b reach the egress.
        let egress = r.tiers.iter().find(|t| t.name == "egress").unwrap();
        let made = egress.arrivals as f64 / 2.0;
        assert!(
            (made - r.offered as f64).abs() <= 10.0,
            "{made} vs {}",
            r.offered
        );
    }
}

#[test]
fn a_timed_out_call_fails_the_group_and_its_late_reply_is_ignored() {
    // `b` answers after 300 ms but its call times out at 100 ms: the group fails as a
    // timeout at 100 ms; the late reply (and a's reply) changes nothing.
    let s = scenario(
        r#"{ destination = "a", fan_out = "g" },
           { destination = "b", fan_out = "g", timeout = "100ms" },"#,
        r#""30ms""#,
        r#""300ms""#,
        r#""1ms""#,
        0.0,
        1,
    );
    for r in run(&s) {
        assert_eq!(r.succeeded, 0);
        assert_eq!(r.failed[ErrorCause::Timeout as usize], r.failed_total());
        assert!(r.failed_total() > 1000);
        let web = r.tiers.iter().find(|t| t.name == "web").unwrap();
        assert_eq!(web.latency.min().as_millis_f64(), 100.0);
        assert_eq!(web.latency.max().as_millis_f64(), 100.0);
        // Every piece of work ends (none leaks), up to those in flight at the warm-up's end
        // and at the run's end: about 200/s × 100 ms each.
        let (a, c) = (web.arrivals as i64, web.completed as i64);
        assert!((a - c).abs() <= 60, "arrivals {a}, completed {c}");
    }
}

#[test]
fn a_label_split_by_another_call_is_an_error_naming_the_field() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/mm1.toml"))
        .unwrap();
    let bad = format!(
        "{text}\n[[services.calls]]\ndestination = \"x\"\nfan_out = \"g\"\n\
         [[services.calls]]\ndestination = \"x\"\n\
         [[services.calls]]\ndestination = \"x\"\nfan_out = \"g\"\n\
         [[egress.destinations]]\nname = \"x\"\nlatency = \"1ms\"\n"
    );
    let e = parse(&bad, "split.toml").unwrap_err().to_string();
    assert!(e.contains("services[0].calls[2].fan_out"), "{e}");
    assert!(e.contains("must be consecutive"), "{e}");
}
