//! A canary split written as two services behind weighted routes (90% to `web-v1`, 10% to
//! `web-v2`), where v2 has its own service time and its own `error_rate`: the request error rate
//! is share × error rate, and v2's own errors combine with a fault's as independent failures.
//!
//! Inline scenarios with no ingress and no network latency; fixed seed; release mode.

mod common;

use common::interval_999;

use trafsim::model::{ErrorCause, RunResult};
use trafsim::runner::run_all as run;
use trafsim::scenario::{Scenario, parse};

/// Seed of every scenario (3, 4 and 5 were also checked once).
const SEED: u64 = 11;

/// The canary scenario; `extra` is appended (faults).
fn scenario(v2_errors: f64, extra: &str) -> Scenario {
    let text = format!(
        r#"
[simulation]
duration = "110s"
warmup = "10s"
replications = 10
seed = {SEED}

[clients]
rate = 500
routes = [
  {{ path = "/v1", service = "web-v1", share = 0.9 }},
  {{ path = "/v2", service = "web-v2", share = 0.1 }},
]

[network]
zones = ["1"]
in_zone = "0s"
cross_zone = "0s"

[[services]]
name = "web-v1"
pods = {{ "1" = 4 }}
concurrency = 1000
service_time = "10ms"

[[services]]
name = "web-v2"
pods = {{ "1" = 2 }}
concurrency = 1000
service_time = "30ms"
error_rate = {v2_errors}
{extra}
"#
    );
    parse(&text, "canary.toml").unwrap()
}

#[test]
fn the_request_error_rate_is_the_canary_share_times_its_error_rate() {
    let runs = run(&scenario(0.2, ""));
    let rates: Vec<f64> = runs.iter().map(RunResult::error_rate).collect();
    let (mean, hw) = interval_999(&rates);
    let expected = 0.1 * 0.2;
    assert!(
        (mean - expected).abs() <= hw,
        "error rate {mean} ± {hw}, expected {expected}"
    );
    assert!(hw < 0.1 * expected, "interval too wide: ±{hw}");
    // The service's own errors are 5xx from upstream, not timeouts or rejections.
    for r in &runs {
        assert_eq!(r.failed_total(), r.failed[ErrorCause::Upstream as usize]);
    }
    // v2's own latency shows in the mean: 0.9 × 10 ms + 0.1 × 30 ms over the successes (v2's
    // failures take as long as its successes, so the mix among successes is 0.9 : 0.08).
    // The histogram keeps 3 significant digits, hence the 0.1% allowance.
    let mean_ms: Vec<f64> = runs.iter().map(|r| r.latency.mean_secs() * 1e3).collect();
    let (m, hw) = interval_999(&mean_ms);
    let expected = (0.9 * 10.0 + 0.08 * 30.0) / 0.98;
    assert!(
        (m - expected).abs() <= hw + 1e-3 * expected,
        "mean {m} ± {hw} ms, expected {expected}"
    );
}

#[test]
fn own_errors_and_a_fault_fail_independently() {
    let fault = r#"
[[faults]]
kind = "dependency-degradation"
service = "web-v2"
at = "0s"
error_rate = 0.5
"#;
    let runs = run(&scenario(0.2, fault));
    let rates: Vec<f64> = runs.iter().map(RunResult::error_rate).collect();
    let (mean, hw) = interval_999(&rates);
    // 1 − (1 − 0.2)(1 − 0.5) = 0.6 of v2's requests.
    let expected = 0.1 * 0.6;
    assert!(
        (mean - expected).abs() <= hw,
        "error rate {mean} ± {hw}, expected {expected}"
    );
    assert!(hw < 0.1 * expected, "interval too wide: ±{hw}");
}

#[test]
fn an_error_rate_above_one_is_refused() {
    let text = "[clients]\nrate = 1\n\n[[services]]\nname = \"web\"\npods = { \"1\" = 1 }\n\
                service_time = \"1ms\"\nerror_rate = 1.5\n";
    let e = parse(text, "bad.toml").unwrap_err().to_string();
    assert!(
        e.contains("bad.toml:8:1: services[0].error_rate: must be between 0 and 1, got 1.5"),
        "{e}"
    );
}
