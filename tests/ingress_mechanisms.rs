//! What differs between the ingress options, asserted from their parameters: Istio's outlier
//! detection against a gray-failing pod, the mesh's sidecar latency on every pod hop, NGINX's
//! rate limit. Inline scenarios, fixed seeds, release mode.

use trafsim::model::ErrorCause;
use trafsim::runner::run_all as run;
use trafsim::scenario::{Scenario, parse};

fn scenario(ingress: &str, rate: f64, extra: &str) -> Scenario {
    let text = format!(
        r#"
[simulation]
duration = "3m"
warmup = "10s"
replications = 2
seed = 11

[clients]
rate = {rate}
timeout = "5s"

[network]
zones = ["1", "2", "3"]
in_zone = "0s"
cross_zone = "0s"

[ingress]
{ingress}

[[services]]
name = "web"
pods = {{ "1" = 3, "2" = 3, "3" = 3 }}
concurrency = 8
service_time = {{ exponential = {{ mean = "5ms" }} }}
{extra}
"#
    );
    parse(&text, "inline.toml").unwrap_or_else(|e| panic!("{e}\n{text}"))
}

const ONE_POD_FAILS_EVERYTHING: &str = r#"
[[faults]]
kind = "gray-failure"
service = "web"
count = 1
error_rate = 1.0
at = "10s"
"#;

#[test]
fn outlier_detection_stops_a_gray_failure_that_round_robin_keeps_hitting() {
    // Round robin (NGINX does not retry a 500) keeps sending 1/N of requests to the pod that
    // passes its health checks but fails everything.
    let rr = scenario(r#"kind = "nginx""#, 400.0, ONE_POD_FAILS_EVERYTHING);
    for r in run(&rr) {
        let e = r.error_rate();
        assert!((e - 1.0 / 9.0).abs() < 0.01, "round robin error rate {e}");
        assert_eq!(r.failed_total(), r.failed[ErrorCause::Upstream as usize]);
    }
    // Istio ejects it after 5 consecutive errors, for 30 s × the number of ejections.
    let istio = scenario(
        r#"kind = "istio"
retries = 0
locality_aware = false
outlier_detection = { consecutive_errors = 5, base_ejection_time = "30s", max_ejection_percent = 100 }"#,
        400.0,
        ONE_POD_FAILS_EVERYTHING,
    );
    for r in run(&istio) {
        // 170 s of fault: ejections after 0, ~30 s, ~90 s (30 s, 60 s, 90 s of ejection), so at
        // most 4 rounds of 5 errors, plus requests in flight when each ejection happens.
        let failed = r.failed_total();
        assert!(
            failed <= 4 * 5 + 20,
            "{failed} requests failed with outlier detection"
        );
        assert!(
            failed >= 5,
            "the first 5 errors happen before ejection: {failed}"
        );
    }
}

/// Three sidecar passes per request: web's inbound (from the gateway), then the east-west
/// call's two (web's outbound, orders' inbound).
#[test]
fn the_mesh_adds_a_sidecar_pass_per_hop_into_or_out_of_a_pod() {
    let calls = r#"calls = [{ service = "orders" }]

[[services]]
name = "orders"
pods = { "1" = 2, "2" = 2, "3" = 2 }
concurrency = 8
service_time = "2ms""#;
    let istio = |mesh: &str| {
        scenario(
            &format!("kind = \"istio\"\nprocessing = \"0s\"\n{mesh}"),
            100.0,
            calls,
        )
    };
    let off = run(&istio(""));
    let on = run(&istio(
        r#"mesh = true
sidecar_latency = "1.35ms""#,
    ));
    for (a, b) in off.iter().zip(&on) {
        let diff = b.latency.mean_secs() - a.latency.mean_secs();
        // Load is light (web ≈ 6% busy), so queueing differs by far less than the tolerance.
        assert!(
            (diff - 3.0 * 0.00135).abs() < 0.0002,
            "mesh adds {diff} s per request"
        );
    }
}

#[test]
fn nginx_rate_limit_rejects_the_excess_per_replica() {
    // Two replicas (one in each of two zones), 100 rps each with a burst of 5: 200 rps pass.
    let nginx = r#"kind = "nginx"
instances = { "1" = 1, "2" = 1 }
limit_rps = 100
limit_burst = 5"#;
    for r in run(&scenario(nginx, 300.0, "")) {
        let rejected = r.failed[ErrorCause::Rejected as usize] as f64 / r.offered as f64;
        // Poisson arrivals split at random: slightly more than 1/3 is turned away.
        assert!(
            (0.33..0.38).contains(&rejected),
            "rejected share {rejected} at 1.5× the limit"
        );
    }
    // Below the limit only Poisson clumps beyond the 5-request burst are turned away …
    for r in run(&scenario(nginx, 120.0, "")) {
        let rejected = r.failed[ErrorCause::Rejected as usize] as f64 / r.offered as f64;
        assert!(
            rejected < 0.01,
            "rejected share {rejected} at 0.6× the limit"
        );
    }
    // … and with ingress-nginx's default burst (5 × the limit) none are.
    let default_burst = nginx.replace("limit_burst = 5", "");
    for r in run(&scenario(&default_burst, 120.0, "")) {
        assert_eq!(r.failed[ErrorCause::Rejected as usize], 0);
    }
}

#[test]
fn a_gray_zone_hurts_only_the_pods_in_it() {
    // Every pod of zone 2 fails every request while passing its health checks: with random
    // spreading a third of the requests fail.
    let s = scenario(
        r#"kind = "load-balancer""#,
        300.0,
        r#"
[[faults]]
kind = "gray-failure"
service = "web"
zone = "2"
count = 3
error_rate = 1.0
at = "10s"
"#,
    );
    for r in run(&s) {
        let e = r.error_rate();
        assert!((e - 1.0 / 3.0).abs() < 0.02, "error rate {e}");
    }
}
