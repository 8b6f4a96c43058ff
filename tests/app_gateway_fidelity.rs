//! Application Gateway as the real one behaves (issue 10, items 4, 6 and 7): its health probe
//! comes from the pod's readiness probe and fails a black hole only at the probe's timeout;
//! its instances' capacity is the capacity-unit figure its bill uses; connection draining on
//! scale-down.
//!
//! Scenarios are inline and small; assertions come from the configured parameters and the
//! documented rules, never from a recorded output.

mod common;

use common::agw_scale_down;

use trafsim::model::RunResult;
use trafsim::runner::run_all as run;
use trafsim::scenario::{Scenario, defaults as d, parse};
use trafsim::stats::Estimate;

/// Zone 2 (3 pods) is lost at 60 s.
const FAULT_AT: f64 = 60.0;

fn outage(mode: &str) -> String {
    format!(
        r#"
[[faults]]
kind = "zone-outage"
zone = "2"
at = "60s"
duration = "1m30s"
mode = "{mode}"
"#
    )
}

/// Nine pods over three zones behind App Gateway; AGIC's update lag is long, so only the
/// gateway's own probes can take the lost pods out.
fn probed(readiness: &str, faults: &str, seed: u64) -> Scenario {
    let text = format!(
        r#"
[simulation]
duration = "4m"
warmup = "10s"
replications = 2
seed = {seed}
window = "5s"

[clients]
rate = 300
timeout = "2s"

[network]
zones = ["1", "2", "3"]

[ingress]
kind = "app-gateway"
instances = {{ "1" = 1, "3" = 1 }}
agic_update_lag = "10m"

[[services]]
name = "web"
pods = {{ "1" = 3, "2" = 3, "3" = 3 }}
concurrency = 8
service_time = {{ exponential = {{ mean = "5ms" }} }}
startup = "20s"
{readiness}

{faults}
"#
    );
    parse(&text, "inline.toml").unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// Seconds from the fault to the last request sent to a lost pod, per replication.
fn last_dead_send(rs: &[RunResult]) -> Vec<f64> {
    rs.iter()
        .map(|r| r.dead_sends.last_secs.expect("dead sends") - FAULT_AT)
        .collect()
}

/// A service with a 3 s × 3 readiness probe is taken out of App Gateway in 6–9 s (a reset
/// fails each probe at once: phase × 3 s + 2 × 3 s), not in the 90 s of the gateway-wide
/// 30 s × 3 default that the old model applied to every service (it would fail here: the
/// last dead send would be 90 s after the fault).
#[test]
fn the_gateway_probe_follows_the_pods_readiness_probe() {
    let s = probed(
        "readiness = { period = \"3s\", timeout = \"1s\", failure_threshold = 3 }",
        &outage("reset"),
        11,
    );
    for last in last_dead_send(&run(&s)) {
        assert!(
            (6.0..9.1).contains(&last),
            "last dead send {last:.2} s after the fault"
        );
    }
}

/// A container with no readiness probe (`readiness = "none"`) gets AGIC's fallback, 30 s /
/// 30 s / 3: with a reset 60–90 s. (The old model gave 90 s, at the end of the range.)
#[test]
fn a_pod_without_a_probe_gets_agics_30s_fallback() {
    let s = probed("readiness = \"none\"", &outage("reset"), 12);
    for last in last_dead_send(&run(&s)) {
        assert!(
            (60.0..90.1).contains(&last),
            "last dead send {last:.2} s after the fault"
        );
    }
}

/// A black hole fails each probe only at its timeout: with a 10 s / 5 s / 3 readiness probe
/// the pods leave 20–30 s after a reset and 25–35 s after a black hole. The probe phases come
/// from their own random stream, so both variants draw the same ones and the difference is
/// the 5 s timeout in every replication (the old model gave 90 s for both).
#[test]
fn a_black_hole_is_noticed_one_probe_timeout_later_than_a_reset() {
    let readiness = "readiness = { period = \"10s\", timeout = \"5s\", failure_threshold = 3 }";
    for seed in [13, 14] {
        let reset = last_dead_send(&run(&probed(readiness, &outage("reset"), seed)));
        let hole = last_dead_send(&run(&probed(readiness, &outage("black-hole"), seed)));
        for (r, h) in reset.iter().zip(&hole) {
            assert!((20.0..30.1).contains(r), "reset: {r:.2} s");
            assert!((25.0..35.1).contains(h), "black hole: {h:.2} s");
            assert!(
                (h - r - 5.0).abs() < 0.1,
                "black hole {h:.2} s vs reset {r:.2} s"
            );
        }
    }
}

/// A WAF_v2 gateway with `instances` instances at `rate` requests/s (1 KiB each, no new TLS
/// connections: compute units are the only capacity-unit term that matters), autoscaling up
/// to `max` instances with a 30 s scale-out.
fn waf(rate: u32, instances: u32, max: u32, reps: u32) -> Scenario {
    let text = format!(
        r#"
[simulation]
duration = "3m"
warmup = "30s"
replications = {reps}
seed = 21

[clients]
rate = {rate}
new_tls_connection_share = 0
kib_per_request = 1
timeout = "30s"

[network]
zones = ["1"]

[ingress]
kind = "app-gateway"
sku = "WAF_v2"
instances = {{ "1" = {instances} }}
max_instances = {max}
scale_out_time = "30s"

[[services]]
name = "web"
pods = {{ "1" = 4 }}
concurrency = 64
service_time = {{ exponential = {{ mean = "2ms" }} }}
"#
    );
    parse(&text, "inline.toml").unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn ingress_utilisation(r: &RunResult) -> f64 {
    r.tiers
        .iter()
        .find(|t| t.kind.starts_with("ingress"))
        .map(|t| t.utilisation)
        .expect("an ingress tier")
}

/// The bill and the simulated gateway are one gateway: 160 WAF requests/s are 16 compute
/// units on the pricing page's ≈10 requests/s per compute unit, and they keep two 10-CU
/// instances 16/20 = 80% busy (99.9% interval over replications). The old model served a
/// WAF request in 10 ms of a slot: 8% busy while the bill said 80%.
#[test]
fn billed_compute_units_and_busy_instances_agree() {
    let rate = 160.0;
    let billed_cu = rate / d::APP_GATEWAY_WAF_RPS_PER_COMPUTE_UNIT;
    let instance_cu = f64::from(d::APP_GATEWAY_CU_PER_INSTANCE);
    let u: Vec<f64> = run(&waf(160, 2, 2, 6))
        .iter()
        .map(ingress_utilisation)
        .collect();
    let e = Estimate::from_samples(&u);
    let expect = billed_cu / (2.0 * instance_cu);
    let hw = e.half_width_at(0.999).max(0.005);
    assert!(
        (e.mean - expect).abs() <= hw,
        "utilisation {:.3} ± {hw:.3}, billed {billed_cu} CU of {}",
        e.mean,
        2.0 * instance_cu
    );
}

/// Autoscaling adds an instance when the compute-unit demand passes the target share (75%)
/// of the instances' compute units (2 × 10 × 0.75 = 15), and not below it: 130 requests/s
/// (13 CU) keep 2 instances, 180 (18 CU) get a third. The old model, at 10 ms a request,
/// saw 1.8 busy slots and never scaled.
#[test]
fn autoscaling_follows_the_compute_unit_demand() {
    for r in run(&waf(130, 2, 6, 2)) {
        let n = r.usage.ingress_instances();
        assert!((n - 2.0).abs() < 1e-9, "130 rps: {n} instances on average");
    }
    for r in run(&waf(180, 2, 6, 2)) {
        let n = r.usage.ingress_instances();
        assert!(n > 2.5, "180 rps: {n} instances on average");
    }
}

/// A deleted pod gets SIGTERM at once (no preStop hook) and refuses new work; AGIC takes it out
/// of the gateway's pool 1 s + 40 s after the deletion, so App Gateway sends to the 3 deleted
/// pods for 41 s: 3 × 25 requests/s (round robin over the 4 in its pool) × 41 s ≈ 3,075 sends
/// (99.9%: ± 3.29 √3,075 ≈ 182, plus up to 1 s of arrivals for where the deletion falls). The
/// old model dropped AGIC's update when the pod stopped (its epoch changed at the kill, 30 s
/// after the deletion) and waited for the next detection after the stop (probes 20–30 s more,
/// before: AGIC's 41 s more): 50 s or more of sends, 3,750 or more.
#[test]
fn agic_removes_a_deleted_pod_on_its_own_clock_even_after_it_stopped() {
    for r in run(&agw_scale_down("", 31)) {
        let n = r.sends_after_scale_down as f64;
        assert!(
            (2_800.0..3_350.0).contains(&n),
            "{n} sends to stopped pods; ≈3,075 expected"
        );
    }
}
