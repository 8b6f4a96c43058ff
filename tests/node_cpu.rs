//! Node CPU (`[network] node_cores`): the CPU-bound pods on one node share its allocatable
//! cores (its cores less AKS's kube-reserved CPU: 140m of 4, 60m of 1) the way the Linux CFS
//! shares them between cgroups — by CPU request (`cpu.shares`), each capped at its limit (the
//! CFS quota), idle capacity going to the others — each against its arithmetic:
//!
//! - two saturated pods without limits on a 4-core node, requests 500m and 1500m, get 1/4 and
//!   3/4 of its 3.86 allocatable cores (their throughput ratio 1 : 3), and requests 1 and 3 get
//!   the same;
//! - alone on the node (its neighbour idle) a pod without a limit bursts to all 3.86 cores,
//!   and a limit of 2 caps it at 2;
//! - a pod alone on a 1-core node is M/M/1-PS with the node's 0.94 allocatable cores: mean
//!   response `S' / (1 − ρ)`, `S' = S / 0.94`, though its request is 100m;
//! - requests that fill the allocatable CPU are what the pods get, and `kube_reserved_cpu`
//!   replaces the table.
//!
//! Every test fails on the code before `node_cores`: the key was unknown (the scenarios did not
//! load), and a pod's CPU was its own — its request without a limit — so the pods of the first
//! test got 0.5 and 1.5 cores, the lone pod 0.5 instead of 3.86, and the 100m pod was
//! overloaded (ρ = 5) instead of at ρ ≈ 0.53. The expectations of the first three changed with
//! the kube-reserved CPU (they had the node's 4 and 1 cores); the code before it fails the
//! fourth (the pods got 1.036 and 2.964). The saturated runs use evenly spaced arrivals and
//! fixed service times, so their figures are exact up to the edges of the measured window.

use rayon::prelude::*;
use trafsim::model::{TierResult, simulate};
use trafsim::scenario::{Scenario, parse};
use trafsim::stats::Estimate;

/// `web` (no work) calls `a` and `b` at once for each of `rate` evenly spaced requests/s; `a`
/// and `b` have one pod each with `cpu_a`/`cpu_b`, on the zone's one node (`node`: its
/// `[network]` lines, `node_cores` and perhaps `kube_reserved_cpu`).
fn pair(rate: f64, node: &str, a: (&str, &str), b: (&str, &str)) -> Scenario {
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
{node}
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

/// A 4-core node's allocatable CPU on AKS: 4 cores less 140m kube-reserved (Microsoft Learn,
/// "Node resource reservations").
const ALLOCATABLE_4: f64 = 4.0 - 0.140;

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
    // so the node's allocatable 3.86 cores (4 less AKS's 140m) go 1 : 3 by request, the idle
    // share redistributed by weight too.
    for (ra, rb) in [("500m", "1500m"), ("1", "3")] {
        let s = pair(
            200.0,
            "node_cores = 4",
            ("10ms", &format!(r#"{{ request = "{ra}" }}"#)),
            ("20ms", &format!(r#"{{ request = "{rb}" }}"#)),
        );
        let r = simulate(&s, 0);
        let (a, b) = (tier(&r.tiers, "a"), tier(&r.tiers, "b"));
        close(
            &format!("a's cores ({ra})"),
            a.mean_busy,
            ALLOCATABLE_4 / 4.0,
            0.01,
        );
        close(
            &format!("b's cores ({rb})"),
            b.mean_busy,
            ALLOCATABLE_4 * 0.75,
            0.01,
        );
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
        let s = pair(
            600.0,
            "node_cores = 4",
            ("10ms", cpu_a),
            ("0s", r#"{ request = "3" }"#),
        );
        let r = simulate(&s, 0);
        tier(&r.tiers, "a").mean_busy
    };
    close(
        "no limit",
        burst(r#"{ request = "500m" }"#),
        ALLOCATABLE_4,
        0.02,
    );
    close(
        "limit 2",
        burst(r#"{ request = "500m", limit = "2" }"#),
        2.0,
        0.02,
    );
}

#[test]
fn mm1_ps_on_the_nodes_core_for_a_lone_pod() {
    // One pod (request 100m, no limit) alone on a 1-core node (kube-reserved 60m: 0.94 cores
    // allocatable): λ = 50/s, S = 10 ms exponential on one core, 10 / 0.94 ms on 0.94,
    // ρ = 0.5 / 0.94, mean response S' / (1 − ρ) ≈ 22.7 ms.
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
    // The tier reads the CPU it can reach (the node's allocatable 0.94), not its 100m request.
    let cores = 1.0 - 0.060;
    let rho = 0.5 / cores;
    let tier = &simulate(&s, 0).tiers[0];
    close("utilisation", tier.utilisation, rho, 0.03);
    close("offered load", tier.offered_load.unwrap_or(0.0), rho, 0.03);
    let means: Vec<f64> = (0..u64::from(s.simulation.replications))
        .into_par_iter()
        .map(|r| simulate(&s, r).latency.mean_secs())
        .collect();
    let e = Estimate::from_samples(&means);
    let hw = e.half_width_at(0.999);
    let truth = 0.010 / cores / (1.0 - rho);
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

/// The pods share the node's *allocatable* CPU: AKS keeps 140m of a 4-core node for the kubelet
/// and system daemons (Microsoft Learn, "Node resource reservations"), so two saturated pods
/// whose requests fill the 3.86 allocatable cores (1 and 2.86) get exactly their requests, as
/// Kubernetes promises a pod its request. Before, they split all 4 cores 1 : 2.86 (1.036 and
/// 2.964), beyond the tolerance. With `kube_reserved_cpu = "1"` the pods share 3 cores: requests
/// 1 and 3 get 0.75 and 2.25.
#[test]
fn pods_whose_requests_fill_allocatable_get_their_requests() {
    let s = pair(
        200.0,
        "node_cores = 4",
        ("10ms", r#"{ request = "1" }"#),
        ("20ms", r#"{ request = "2860m" }"#),
    );
    let r = simulate(&s, 0);
    close("a (request 1)", tier(&r.tiers, "a").mean_busy, 1.0, 0.01);
    close(
        "b (request 2860m)",
        tier(&r.tiers, "b").mean_busy,
        2.86,
        0.01,
    );
    let s = pair(
        200.0,
        "node_cores = 4\nkube_reserved_cpu = \"1\"",
        ("10ms", r#"{ request = "1" }"#),
        ("20ms", r#"{ request = "3" }"#),
    );
    let r = simulate(&s, 0);
    close(
        "a, 3 cores allocatable",
        tier(&r.tiers, "a").mean_busy,
        0.75,
        0.01,
    );
    close(
        "b, 3 cores allocatable",
        tier(&r.tiers, "b").mean_busy,
        2.25,
        0.01,
    );
}

#[test]
fn kube_reserved_cpu_must_leave_the_pods_some_cpu_and_needs_node_cores() {
    let text = |network: &str| {
        format!(
            r#"
[simulation]
duration = "1m"
[clients]
rate = 1
[network]
zones = ["1"]
{network}
[[services]]
name = "s"
pods = {{ "1" = 1 }}
service_time = "1ms"
"#
        )
    };
    let e = parse(
        &text("node_cores = 4\nkube_reserved_cpu = \"4\""),
        "bad.toml",
    )
    .expect_err("no allocatable CPU is refused");
    let msg = e.to_string();
    assert!(
        msg.contains("bad.toml") && msg.contains("kube_reserved_cpu") && msg.contains("got 4"),
        "{msg}"
    );
    let e = parse(&text("kube_reserved_cpu = \"100m\""), "bad.toml")
        .expect_err("a reserve without node CPU is refused");
    let msg = e.to_string();
    assert!(
        msg.contains("kube_reserved_cpu") && msg.contains("node_cores") && msg.contains("0.1"),
        "{msg}"
    );
}
