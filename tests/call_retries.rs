//! Retries in the services' own code (`retries` on a call), checked against the binomial
//! arithmetic: with a dependency that fails each call with probability p and r retries, a call
//! fails with probability p^(r+1) and is made 1 + p + … + p^r times on average.
//!
//! Inline scenarios with no ingress and no network latency; fixed seed (4, 5 and 6 were also
//! checked once); release mode.

mod common;

use common::interval_999;

use trafsim::model::{ErrorCause, RunResult};
use trafsim::runner::run_all as run;
use trafsim::scenario::parse;

const SEED: u64 = 3;

/// `web` calls `orders` on every request, with `retries`; `orders` fails half its requests.
fn scenario(retries: &str) -> String {
    format!(
        r#"
[simulation]
duration = "70s"
warmup = "10s"
replications = 10
seed = {SEED}
[clients]
rate = 500
timeout = "10s"
[network]
zones = ["1"]
in_zone = "0s"
cross_zone = "0s"
[[services]]
name = "web"
pods = {{ "1" = 2 }}
concurrency = 500
service_time = "1ms"
calls = [{{ service = "orders", timeout = "1s"{retries} }}]
[[services]]
name = "orders"
pods = {{ "1" = 2 }}
concurrency = 500
service_time = "2ms"
error_rate = 0.5
"#
    )
}

fn orders_calls_per_request(r: &RunResult) -> f64 {
    let orders = r.tiers.iter().find(|t| t.name == "orders").unwrap();
    orders.arrivals as f64 / r.offered as f64
}

#[test]
fn retried_calls_fail_and_multiply_as_the_binomial_arithmetic_says() {
    for (retries, text) in [
        (0, String::new()),
        (2, ", retries = 2, backoff = \"5ms\"".into()),
    ] {
        let runs = run(&parse(&scenario(&text), "retries.toml").unwrap());
        let p: f64 = 0.5;
        let fail = p.powi(retries + 1);
        let calls: f64 = (0..=retries).map(|k| p.powi(k)).sum();
        let (m, hw) = interval_999(&runs.iter().map(RunResult::error_rate).collect::<Vec<_>>());
        assert!(
            (m - fail).abs() <= hw && hw < 0.05 * fail,
            "retries {retries}: error rate {m} ± {hw}, expected {fail}"
        );
        let (m, hw) = interval_999(
            &runs
                .iter()
                .map(orders_calls_per_request)
                .collect::<Vec<_>>(),
        );
        assert!(
            (m - calls).abs() <= hw && hw < 0.01 * calls,
            "retries {retries}: {m} ± {hw} calls per request, expected {calls}"
        );
        for r in &runs {
            assert_eq!(r.failed_total(), r.failed[ErrorCause::Upstream as usize]);
            let orders = r
                .tiers
                .iter()
                .find(|t| t.name == "orders")
                .unwrap()
                .arrivals;
            let retried = orders as f64 - r.offered as f64;
            // Every arrival at orders beyond the first call of each request is a retry (within
            // the requests that straddle the warm-up or the end).
            let diff = (r.call_retries as f64 - retried).abs();
            assert!(
                diff <= 0.01 * r.offered as f64,
                "{} retries vs {retried}",
                r.call_retries
            );
        }
    }
}

#[test]
fn a_backoff_needs_retries() {
    let e = parse(&scenario(", backoff = \"5ms\""), "bad.toml")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("services[0].calls[0].backoff: applies only with `retries` above 0"),
        "{e}"
    );
}
