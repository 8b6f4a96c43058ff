//! Node CPU (`[network] node_cores`): the CPU-bound pods on one node share its cores the way
//! the Linux CFS shares them between cgroups — by CPU request (`cpu.shares`), each capped at
//! its limit (the CFS quota), idle capacity going to the others — each against its arithmetic:
//!
//! - two saturated pods without limits on a 4-core node, requests 500m and 1500m, get 1 and 3
//!   cores (their throughput ratio 1 : 3), and requests 1 and 3 get the same;
//! - alone on the node (its neighbour idle) a pod without a limit bursts to all 4 cores, and
//!   a limit of 2 caps it at 2;
//! - a pod alone on a 1-core node is M/M/1-PS with the node's core: mean response
//!   `S / (1 − ρ)`, though its request is 100m.
//!
//! Every test fails on the code before `node_cores`: the key was unknown (the scenarios did not
//! load), and a pod's CPU was its own — its request without a limit — so the pods of the first
//! test got 0.5 and 1.5 cores, the lone pod 0.5 instead of 4, and the 100m pod was overloaded
//! (ρ = 5) instead of at ρ = 0.5. The saturated runs use evenly spaced arrivals and fixed
//! service times, so their figures are exact up to the edges of the measured window.

use rayon::prelude::*;
use trafsim::model::{TierResult, simulate};
use trafsim::scenario::{Scenario, parse};
use trafsim::stats::Estimate;

/// `web` (no work) calls `a` and `b` at once for each of `rate` evenly spaced requests/s; `a`
/// and `b` have one pod each with `cpu_a`/`cpu_b`, on the zone's one node of `cores`.
fn pair(rate: f64, cores: f64, a: (&str, &str), b: (&str, &str)) -> Scenario {
    let text = format!(
        r#"
[simulation]
duration = "40s"
warmup = "10s"
replications = 1
seed = 5
[clients]
rate = {rate}
arrival = "constant"
new_tls_connection_share = 0
timeout = "1h"
retries = {{ attempts = 0 }}
latency = "0s"
[network]
zones = ["1"]
in_zone = "0s"
cross_zone = "0s"
nodes_per_zone = 1
node_cores = {cores}
[ingress]
kind = "none"
[[services]]
name = "web"
pods = {{ "1" = 1 }}
concurrency = 10000
service_time = "0s"
calls = [
  {{ service = "a", fan_out = "both" }},
  {{ service = "b", fan_out = "both" }},
]
[[services]]
name = "a"
pods = {{ "1" = 1 }}
service_time = "{}"
cpu = {}
[[services]]
name = "b"
pods = {{ "1" = 1 }}
service_time = "{}"
cpu = {}
"#,
        a.0, a.1, b.0, b.1
    );
    parse(&text, "node_cpu.toml").unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn tier<'r>(tiers: &'r [TierResult], name: &str) -> &'r TierResult {
    tiers
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("no tier {name}"))
}

fn close(what: &str, got: f64, want: f64, tol: f64) {
    assert!(
        (got - want).abs() <= tol,
        "{what}: {got:.4}, want {want} ± {tol}"
    );
}

#[test]
fn two_busy_pods_share_a_node_by_their_requests() {
    // λ = 200/s; a needs 10 ms (2 cores offered), b 20 ms (4 cores offered): both saturated,
    // so the node's 4 cores go 1 : 3 by request, the idle share redistributed by weight too.
    for (ra, rb) in [("500m", "1500m"), ("1", "3")] {
        let s = pair(
            200.0,
            4.0,
            ("10ms", &format!(r#"{{ request = "{ra}" }}"#)),
            ("20ms", &format!(r#"{{ request = "{rb}" }}"#)),
        );
        let r = simulate(&s, 0);
        let (a, b) = (tier(&r.tiers, "a"), tier(&r.tiers, "b"));
        close(&format!("a's cores ({ra})"), a.mean_busy, 1.0, 0.01);
        close(&format!("b's cores ({rb})"), b.mean_busy, 3.0, 0.01);
        // Their CPU throughput (core-seconds of work done per second) is 1 : 3. Completed
        // requests are not: an overloaded PS server spreads its cores over ever more
        // half-done requests, so its completions lag its cores / S.
        close(
            &format!("b : a ({ra}, {rb})"),
            b.mean_busy / a.mean_busy,
            3.0,
            0.03,
        );
    }
}

#[test]
fn a_pod_alone_bursts_into_idle_node_cpu_up_to_its_limit() {
    // λ = 600/s of 10 ms at `a` (6 cores offered); `b` has a request too but no work here.
    let burst = |cpu_a: &str| {
        let s = pair(600.0, 4.0, ("10ms", cpu_a), ("0s", r#"{ request = "3" }"#));
        let r = simulate(&s, 0);
        tier(&r.tiers, "a").mean_busy
    };
    close("no limit", burst(r#"{ request = "500m" }"#), 4.0, 0.02);
    close(
        "limit 2",
        burst(r#"{ request = "500m", limit = "2" }"#),
        2.0,
        0.02,
    );
}

#[test]
fn mm1_ps_on_the_nodes_core_for_a_lone_pod() {
    // One pod (request 100m, no limit) alone on a 1-core node: λ = 50/s, S = 10 ms
    // exponential, ρ = 0.5, mean response S / (1 − ρ) = 20 ms.
    let text = r#"
[simulation]
duration = "6m"
warmup = "30s"
replications = 10
seed = 16
[clients]
rate = 50
arrival = "poisson"
new_tls_connection_share = 0
timeout = "1h"
retries = { attempts = 0 }
latency = "0s"
[network]
zones = ["1"]
in_zone = "0s"
cross_zone = "0s"
nodes_per_zone = 1
node_cores = 1
[ingress]
kind = "none"
[[services]]
name = "server"
pods = { "1" = 1 }
service_time = { exponential = { mean = "10ms" } }
cpu = { request = "100m" }
"#;
    let s = parse(text, "mm1.toml").expect("loads");
    // The tier reads the CPU it can reach (the node's core), not its 100m request: ρ = 0.5.
    let tier = &simulate(&s, 0).tiers[0];
    close("utilisation", tier.utilisation, 0.5, 0.03);
    close("offered load", tier.offered_load.unwrap_or(0.0), 0.5, 0.03);
    let means: Vec<f64> = (0..u64::from(s.simulation.replications))
        .into_par_iter()
        .map(|r| simulate(&s, r).latency.mean_secs())
        .collect();
    let e = Estimate::from_samples(&means);
    let hw = e.half_width_at(0.999);
    let truth = 0.010 / (1.0 - 0.5);
    assert!(
        (e.mean - truth).abs() <= hw && hw <= 0.05 * truth,
        "M/M/1-PS on the node: {:.6} ± {hw:.6}, theory {truth}",
        e.mean
    );
}

#[test]
fn node_cores_must_be_a_positive_number() {
    let text = r#"
[simulation]
duration = "1m"
[clients]
rate = 1
[network]
zones = ["1"]
node_cores = 0
[[services]]
name = "s"
pods = { "1" = 1 }
service_time = "1ms"
"#;
    let e = parse(text, "bad.toml").expect_err("0 cores is refused");
    let msg = e.to_string();
    assert!(
        msg.contains("bad.toml") && msg.contains("node_cores") && msg.contains("got 0"),
        "{msg}"
    );
}
