//! Connect timeouts (issue 10, item 2): a gateway's try to a black-holed pod fails at the
//! connect timeout when it opens a new connection — a connection error that NGINX's
//! `proxy_next_upstream error` and Istio's `connect-failure` retry on another pod — and hangs
//! until the read timeout when it rides an open keep-alive connection.
//!
//! Before connect timeouts were modelled every try to a black hole hung until a timeout, so
//! NGINX with 3 tries and with 1 try gave the same error rate (the client's timeout came first),
//! and no retried request finished at 5 s or 10 s: each test below fails on that code.
//!
//! Inline scenarios, one zone with no network latency, `random` balancing (so a first try meets
//! the hung pod with probability exactly 1/4), a readiness probe too slow to ever remove the
//! hung pod; fixed seed (seeds 12, 13 and 14 were also checked once); release mode.

use trafsim::runner::run_all as run;
use trafsim::scenario::parse;

const SEED: u64 = 11;

/// Four `web` pods behind `ingress`, one hung from 5 s until `hang_end` (a black hole that its
/// readiness probe, every hour, never reports).
fn scenario(ingress: &str, client_timeout: &str, hang: &str, reps: u32) -> String {
    format!(
        r#"
[simulation]
duration = "130s"
warmup = "10s"
replications = {reps}
seed = {SEED}
[clients]
rate = 200
timeout = "{client_timeout}"
[network]
zones = ["1"]
in_zone = "0s"
cross_zone = "0s"
[ingress]
{ingress}
instances = {{ "1" = 2 }}
concurrency = 50
balancing = "random"
[[services]]
name = "web"
pods = {{ "1" = 4 }}
concurrency = 50
service_time = "1ms"
startup = "1ms"
readiness = {{ period = "1h" }}
[[faults]]
kind = "pod-hang"
service = "web"
count = 1
at = "5s"
{hang}
"#
    )
}

/// The 90th percentile of successful requests' latency, seconds, in each replication. A
/// quarter of the requests meet the hung pod first, so the p90 falls among them: it is the
/// time the gateway took to give up on the hung pod (plus a millisecond of service).
fn p90s(text: &str) -> Vec<f64> {
    run(&parse(text, "connect.toml").unwrap())
        .iter()
        .map(|r| r.latency.quantile(0.9).as_secs_f64())
        .collect()
}

fn assert_near(values: &[f64], at: f64, what: &str) {
    for &v in values {
        assert!(
            v >= at && v < at + 0.05,
            "{what}: p90 {v:.3} s, expected {at} s (+ service)"
        );
    }
}

#[test]
fn a_new_connection_fails_at_the_connect_timeout() {
    // NGINX without keep-alive (a connection carries one request): every try opens a new
    // connection → retried after the 5 s proxy-connect-timeout. (How many tries ride a kept
    // connection and hang until the read timeout instead is `upstream_pools.rs`.)
    let nginx = "kind = \"nginx\"\nbackend_timeout = \"7s\"\nupstream = { max_requests = 1 }";
    assert_near(
        &p90s(&scenario(nginx, "15s", "", 2)),
        5.0,
        "nginx, new connections",
    );
    // Istio: Envoy's 10 s connect timeout, then a connect-failure retry.
    let istio = "kind = \"istio\"\nupstream = { max_requests = 1 }";
    assert_near(
        &p90s(&scenario(istio, "15s", "", 2)),
        10.0,
        "istio, new connections",
    );
}

#[test]
fn mesh_sidecars_fail_new_connections_at_envoys_connect_timeout() {
    // `front` (the first service, so the clients' route) calls `web` through the sidecars (no
    // sidecar latency); a quarter of the calls meet the hung pod and, on a new connection,
    // fail at Envoy's 10 s connect timeout and are retried on another pod.
    let text = scenario(
        "kind = \"istio\"\nupstream = { max_requests = 1 }\nmesh = true\nsidecar_latency = \"0s\"",
        "15s",
        "",
        2,
    )
    .replace(
        "[[services]]\nname = \"web\"",
        r#"[[services]]
name = "front"
pods = { "1" = 2 }
concurrency = 500
service_time = "1ms"
calls = [{ service = "web", timeout = "14s" }]
[[services]]
name = "web""#,
    );
    assert_near(&p90s(&text), 10.0, "mesh call, new connections");
}

/// The default pools (`upstream-keepalive-*`): each of the 2 replicas holds the few idle
/// connections to the pod that its ~25 tries/s to it keep busy at once (1 ms of service). When
/// the pod hangs, the tries that meet it first ride those and hang until the read timeout
/// (60 s, so past the client's 8 s); the pools do not refill, so every later try opens a new
/// connection, fails at the 5 s connect timeout and goes to the next upstream. The pod hangs
/// from 5 s to 115 s; requests are counted from 10 s to 130 s, so a share h = 105/120 of them
/// arrive while it hangs, and a first try meets it with probability 1/4 (`random`). With 1 try
/// every request that meets the hung pod fails (h/4 = 0.219); with 3 tries only the handful
/// that rode a kept connection do (well under 0.4% of the 24,000 requests counted). Before
/// connect timeouts were modelled, 3 tries failed as often as 1.
#[test]
fn the_idle_pool_runs_dry_and_later_tries_fail_over_at_the_connect_timeout() {
    let h = 105.0 / 120.0 / 4.0;
    for (tries, low, high) in [(1, 0.95 * h, 1.05 * h), (3, 0.0, 0.004)] {
        let ingress = format!("kind = \"nginx\"\nnext_upstream_tries = {tries}");
        let text = scenario(&ingress, "8s", "duration = \"110s\"", 4);
        let runs = run(&parse(&text, "connect.toml").unwrap());
        for r in &runs {
            let e = r.error_rate();
            assert!(
                (low..=high).contains(&e),
                "{tries} tries: error rate {e}, expected {low} to {high}"
            );
        }
        if tries == 3 {
            // The requests that met the hung pod first took the 5 s connect timeout.
            for r in &runs {
                let p90 = r.latency.quantile(0.9).as_secs_f64();
                assert!((5.0..5.05).contains(&p90), "p90 {p90} s, expected 5 s");
            }
        }
    }
}
