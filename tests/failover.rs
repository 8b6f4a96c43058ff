//! Failover mechanisms: each detection path stops traffic to a dead backend after the time its
//! configured parameters imply, and not before; zonal NAT Gateways; retry amplification.
//!
//! The scenarios are written inline (small, fast) and run in release mode. Assertions come from
//! the configured parameters (grace periods, probe intervals, failure probabilities), never from
//! a recorded output.

use trafsim::model::RunResult;
use trafsim::runner::run_all as run;
use trafsim::scenario::{Scenario, parse};

/// Node-monitor grace period (50 s) plus endpoint propagation (1 s): see `model::detection`.
const NODE_LOST_DETECTION: f64 = 51.0;
/// Endpoint propagation after a container crash.
const CRASH_DETECTION: f64 = 1.0;

fn scenario(ingress: &str, extra: &str) -> Scenario {
    let text = format!(
        r#"
[simulation]
duration = "4m"
warmup = "10s"
replications = 2
seed = 7
window = "5s"

[clients]
rate = 300
timeout = "2s"

[network]
zones = ["1", "2", "3"]

[ingress]
{ingress}

[[services]]
name = "web"
pods = {{ "1" = 3, "2" = 3, "3" = 3 }}
concurrency = 8
service_time = {{ exponential = {{ mean = "5ms" }} }}
startup = "20s"

{extra}
"#
    );
    parse(&text, "inline.toml").unwrap_or_else(|e| panic!("{e}\n{text}"))
}

const ZONE2_RESET_AT_60: &str = r#"
[[faults]]
kind = "zone-outage"
zone = "2"
at = "60s"
duration = "1m30s"
mode = "reset"
"#;

/// Asserts that dead-backend sends began at the fault and ended at `at + window` (± tolerance).
fn assert_window(rs: &[RunResult], at: f64, window: f64, tol: f64) {
    for r in rs {
        let d = r.dead_sends;
        let (first, last) = (d.first_secs.expect("sends"), d.last_secs.expect("sends"));
        assert!(
            first >= at && first < at + 0.5,
            "first dead send at {first:.2}s, fault at {at}s"
        );
        assert!(
            (last - (at + window)).abs() <= tol,
            "last dead send at {last:.2}s, expected {:.2}s ± {tol}",
            at + window
        );
    }
}

#[test]
fn lost_zone_is_removed_from_endpoints_after_the_grace_period() {
    // NGINX replicas in zones 1 and 3, so only backends are lost: with
    // `externalTrafficPolicy: Local` the load balancer sends only to the replicas' nodes (under
    // `Cluster` it would also send to the lost zone's nodes until its probe notices).
    let nginx = |tries: u32| {
        format!(
            "kind = \"nginx\"\ninstances = {{ \"1\" = 1, \"3\" = 1 }}\nnext_upstream_tries = {tries}\nexternal_traffic_policy = \"local\""
        )
    };
    let retried = run(&scenario(&nginx(3), ZONE2_RESET_AT_60));
    let single = run(&scenario(&nginx(1), ZONE2_RESET_AT_60));
    assert_window(&retried, 60.0, NODE_LOST_DETECTION, 0.5);
    assert_window(&single, 60.0, NODE_LOST_DETECTION, 0.5);
    for (r, s) in retried.iter().zip(&single) {
        // Without next-upstream retries, a third of the requests in the 51 s window fail.
        let dead_share = 3.0 / 9.0 * NODE_LOST_DETECTION / 230.0;
        let e1 = s.error_rate();
        assert!(
            (e1 - dead_share).abs() < 0.2 * dead_share,
            "{e1} vs {dead_share}"
        );
        // proxy_next_upstream retries the refused connections on other pods.
        assert!(r.error_rate() < e1 / 5.0, "{} vs {e1}", r.error_rate());
    }
}

#[test]
fn crashed_container_is_removed_at_once() {
    let s = scenario(
        r#"kind = "nginx""#,
        r#"
[[faults]]
kind = "pod-crash"
service = "web"
count = 2
at = "60s"
"#,
    );
    assert_window(&run(&s), 60.0, CRASH_DETECTION, 0.1);
}

#[test]
fn app_gateway_finds_out_by_probes_or_agic_whichever_first() {
    // Probes (interval 30 s annotated, threshold 3): the pods refuse connections (reset), so
    // the third failed probe comes phase × 30 s + 60 s after the fault, phase uniform in
    // [0, 1) per pod (`model::agw_probe`): the last of the zone's pods leaves between 60 s and
    // 90 s. AGIC: 51 s + lag, always first with a 5 s lag.
    let ingress = |lag: &str| {
        format!(
            r#"kind = "app-gateway"
agic_update_lag = "{lag}"
probe = {{ interval = "30s", unhealthy_threshold = 3 }}"#
        )
    };
    let s = scenario(&ingress("5s"), ZONE2_RESET_AT_60);
    assert_window(&run(&s), 60.0, 56.0, 0.5);
    for r in run(&scenario(&ingress("40s"), ZONE2_RESET_AT_60)) {
        let last = r.dead_sends.last_secs.expect("sends") - 60.0;
        assert!(
            (60.0..90.5).contains(&last),
            "last dead send {last:.1} s after the fault"
        );
    }
}

#[test]
fn outlier_detection_ejects_dead_pods_long_before_endpoints_change() {
    let with = scenario(
        r#"kind = "istio"
locality_aware = false
outlier_detection = { consecutive_errors = 5, max_ejection_percent = 100 }"#,
        ZONE2_RESET_AT_60,
    );
    let without = scenario(
        r#"kind = "istio"
locality_aware = false"#,
        ZONE2_RESET_AT_60,
    );
    for (a, b) in run(&with).iter().zip(run(&without).iter()) {
        // Three dead pods, five consecutive errors each before ejection (a few more may be in
        // flight at the moment of ejection). Ejection lasts 30 s, then each pod is tried again.
        let first_ejection_round = a.dead_sends.count;
        assert!(
            first_ejection_round < b.dead_sends.count / 10,
            "with outlier detection {} dead sends, without {}",
            a.dead_sends.count,
            b.dead_sends.count
        );
        // Without outlier detection, the endpoints path applies.
        let last = b.dead_sends.last_secs.unwrap();
        assert!((last - (60.0 + NODE_LOST_DETECTION)).abs() < 0.5, "{last}");
    }
}

fn nat_scenario(nat_zones: &str) -> Scenario {
    scenario(
        r#"kind = "nginx""#,
        &format!(
            r#"
[egress]
kind = "nat-gateway"
{nat_zones}

[[egress.destinations]]
name = "api"
latency = "20ms"

[[faults]]
kind = "zone-outage"
zone = "2"
at = "60s"
duration = "1m30s"
mode = "reset"
"#
        ),
    )
    .with_call_to_api()
}

trait WithCall {
    fn with_call_to_api(self) -> Self;
}

impl WithCall for Scenario {
    /// Every `web` request calls the `api` destination.
    fn with_call_to_api(mut self) -> Self {
        self.services[0].calls = vec![trafsim::scenario::Call {
            target: trafsim::scenario::CallTarget::Destination(0),
            probability: 1.0,
            timeout: None,
            retries: 0,
            backoff: trafsim::engine::SimDuration::ZERO,
            connections: None,
        }];
        self
    }
}

/// Errors per second in windows that start at or after `from` and end by `to`.
fn error_rate_between(r: &RunResult, from: f64, to: f64) -> f64 {
    let ws: Vec<_> = r
        .series
        .windows()
        .iter()
        .filter(|w| w.start.as_secs_f64() >= from && w.end.as_secs_f64() <= to)
        .collect();
    let errors: u64 = ws.iter().map(|w| w.errors.iter().sum::<u64>()).sum();
    let offered: u64 = ws.iter().map(|w| w.offered).sum();
    errors as f64 / offered.max(1) as f64
}

#[test]
fn a_single_zonal_nat_gateway_takes_every_zones_egress_with_it() {
    // After detection (60 s + 51 s) the lost zone's pods get no traffic; what still fails is
    // egress through the lost zone's NAT Gateway.
    let single = run(&nat_scenario(r#"zone = "2""#));
    let per_zone = run(&nat_scenario(r#"zones = ["1", "2", "3"]"#));
    for (a, b) in single.iter().zip(&per_zone) {
        let during_single = error_rate_between(a, 120.0, 150.0);
        let during_per_zone = error_rate_between(b, 120.0, 150.0);
        assert!(during_single > 0.99, "single zonal NAT: {during_single}");
        assert!(
            during_per_zone < 0.001,
            "one NAT per zone: {during_per_zone}"
        );
        // After the zone is back, the single NAT works again.
        // (The backlog built during the outage drains first.)
        let after = error_rate_between(a, 200.0, 240.0);
        assert!(after < 0.001, "after recovery: {after}");
    }
}

#[test]
fn retry_amplification_matches_the_arithmetic() {
    let p: f64 = 0.3;
    let text = format!(
        r#"
[simulation]
duration = "2m"
warmup = "10s"
replications = 2
[clients]
rate = 500
timeout = "10s"
retries = {{ attempts = 3, backoff = "1ms", jitter = "none" }}
[ingress]
kind = "none"
[[services]]
name = "web"
pods = {{ "1" = 4, "2" = 4, "3" = 4 }}
concurrency = 8
service_time = {{ exponential = {{ mean = "2ms" }} }}
calls = [{{ destination = "api" }}]
[egress]
kind = "direct"
[[egress.destinations]]
name = "api"
latency = "5ms"
error_rate = {p}
"#
    );
    let s = parse(&text, "retry.toml").unwrap();
    for r in run(&s) {
        let multiplier = r.client_attempts as f64 / r.offered as f64;
        let success = r.succeeded as f64 / r.offered as f64;
        let want_mult = (1.0 - p.powi(4)) / (1.0 - p);
        let want_success = 1.0 - p.powi(4);
        // ~55,000 requests: binomial standard errors are well under 0.005.
        assert!(
            (multiplier - want_mult).abs() < 0.01,
            "{multiplier} vs {want_mult}"
        );
        assert!(
            (success - want_success).abs() < 0.005,
            "{success} vs {want_success}"
        );
    }
    // A retry budget of 10% caps the amplification.
    let budgeted = parse(
        &text.replace(r#"jitter = "none" }"#, r#"jitter = "none", budget = 0.1 }"#),
        "budget.toml",
    )
    .unwrap();
    for r in run(&budgeted) {
        let multiplier = r.client_attempts as f64 / r.offered as f64;
        assert!(multiplier <= 1.101, "budgeted multiplier {multiplier}");
    }
}

#[test]
fn a_lost_node_is_detected_like_a_lost_zone() {
    let s = scenario(
        r#"kind = "nginx""#,
        r#"
[[faults]]
kind = "node-failure"
zone = "1"
count = 2
at = "60s"
mode = "reset"
"#,
    );
    assert_window(&run(&s), 60.0, NODE_LOST_DETECTION, 0.5);
}

#[test]
fn a_lost_ingress_instance_fails_requests_until_the_load_balancer_probe_notices() {
    // Reset: clients sent to the lost instance fail at once, until the Azure Load Balancer's
    // probe takes it out (10 s, `model::detection::LB_PROBE_DETECTION`): the load balancer
    // reaches the replicas directly with `externalTrafficPolicy: Local` (under `Cluster`
    // kube-proxy drops a crashed replica after 1 s, tests/traffic_policy.rs).
    let s = scenario(
        r#"kind = "nginx"
instances = { "1" = 1, "2" = 1 }
external_traffic_policy = "local""#,
        r#"
[[faults]]
kind = "ingress-instance-loss"
zone = "1"
at = "60s"
duration = "1m"
mode = "reset"
"#,
    );
    for r in run(&s) {
        let during = error_rate_between(&r, 60.0, 70.0);
        let after = error_rate_between(&r, 75.0, 115.0);
        // Half the connections go to the lost instance for the first 10 s.
        assert!(
            (during - 0.5).abs() < 0.05,
            "error rate while undetected: {during}"
        );
        assert!(after < 0.001, "error rate after detection: {after}");
    }
}

#[test]
fn a_hung_container_is_removed_after_its_readiness_probe_fails() {
    // Readiness every 5 s, unready after 4 failures: 20 s, then 1 s of endpoint propagation.
    let mut s = scenario(
        r#"kind = "nginx""#,
        r#"
[[faults]]
kind = "pod-hang"
service = "web"
count = 2
at = "60s"
duration = "1m"
"#,
    );
    let readiness = s.services[0].readiness.as_mut().expect("a readiness probe");
    readiness.interval = trafsim::engine::SimDuration::from_secs(5);
    readiness.failure_threshold = 4;
    assert_window(&run(&s), 60.0, 21.0, 0.5);
}
