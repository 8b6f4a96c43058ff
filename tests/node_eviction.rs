//! Eviction of pods from lost nodes by the node lifecycle controller (issue 11, item 2): the
//! controller taints NotReady nodes at a rate limit per zone, and a node's pods are evicted
//! 300 s after its taint (their default `unreachable` toleration); only then are replacements
//! created. Defaults (kubernetes.io, Nodes, "Rate limits on eviction"; kube-controller-manager
//! reference): `--node-eviction-rate` 0.1 nodes/s in a normal or fully disrupted zone,
//! `--secondary-node-eviction-rate` 0.01 in an unhealthy zone (≥ 55% and ≥ 3 of its nodes
//! NotReady, some Ready), 0 there if the zone has ≤ 50 nodes, and no evictions while every
//! zone is fully disrupted. NotReady comes 50 s (`node-monitor-grace-period`) after the loss.
//!
//! The old model evicted every lost pod at loss + 50 + 300 s: each test below fails on it.
//! Every figure here is deterministic (no random draw decides an eviction time).

use trafsim::model::result::gauge;
use trafsim::model::{RunResult, simulate};
use trafsim::scenario::parse;

/// Ready pods (all zones) in the 1 s window starting at `t` seconds.
fn ready_at(r: &RunResult, t: f64) -> f64 {
    let w = r
        .series
        .windows()
        .iter()
        .find(|w| w.start.as_secs_f64() >= t)
        .expect("a window at that time");
    (0..3).map(|z| w.gauges[gauge::READY_PODS + z].max).sum()
}

/// 3 zones of `nodes` nodes, `pods` pods of one service in each (start-up 5 s), and `faults`.
fn cluster(nodes: u32, pods: u32, faults: &str) -> String {
    format!(
        r#"
[simulation]
duration = "10m"
warmup = "0s"
replications = 1
window = "1s"
max_windows = 1000                  # 1 s resolution over the whole run
[clients]
rate = 50
timeout = "2s"
[network]
zones = ["1", "2", "3"]
nodes_per_zone = {nodes}
[ingress]
kind = "none"
[[services]]
name = "web"
pods = {{ "1" = {pods}, "2" = {pods}, "3" = {pods} }}
concurrency = 4
service_time = {{ exponential = {{ mean = "10ms" }} }}
startup = "5s"
{faults}
"#
    )
}

/// A 3-zone cluster of 60 nodes (20 per zone, one pod each) loses zone 2 at 30 s. Its 20
/// nodes are NotReady at 80 s; no node of the zone is Ready, so the zone is *fully disrupted*
/// and, the other zones being normal, its tainter runs at the normal rate 0.1/s (the docs: a
/// zone that is wholly down is evicted at `--node-eviction-rate`, so that its work moves to
/// healthy zones; the secondary rate is for partly unhealthy zones). Node k (k = 0..19) is
/// tainted at 80 + 10k s, its pod evicted at 380 + 10k s, and the replacement ready at
/// 385 + 10k s: one more ready pod every 10 s from 40 to 60, the last at 575 s. The old model
/// had all 20 back at 385 s.
#[test]
fn a_lost_zone_is_evicted_one_node_every_ten_seconds() {
    let fault = r#"
[[faults]]
kind = "zone-outage"
zone = "2"
at = "30s"
"#;
    let s = parse(&cluster(20, 20, fault), "zone-20.toml").unwrap();
    let r = simulate(&s, 0);
    assert_eq!(ready_at(&r, 60.0), 40.0);
    assert_eq!(ready_at(&r, 384.0), 40.0, "no replacement before 385 s");
    for k in 0..20 {
        let t = 390.0 + 10.0 * f64::from(k);
        assert_eq!(ready_at(&r, t), 41.0 + f64::from(k), "at {t} s");
    }
    assert_eq!(ready_at(&r, 590.0), 60.0);
}

/// The same outage with 3 nodes in the zone (default packing would give 2 for 20 pods; here 3
/// nodes hold 7, 7 and 6 pods): the nodes are tainted at 80, 90 and 100 s, so the last pods
/// are replaced at 405 s — a zone of 3 nodes is not a zone of 20.
#[test]
fn a_small_zone_is_evicted_sooner() {
    let fault = r#"
[[faults]]
kind = "zone-outage"
zone = "2"
at = "30s"
"#;
    let s = parse(&cluster(3, 20, fault), "zone-3.toml").unwrap();
    let r = simulate(&s, 0);
    assert_eq!(ready_at(&r, 384.0), 40.0);
    assert_eq!(ready_at(&r, 386.0), 47.0, "the first node's 7 pods");
    assert_eq!(ready_at(&r, 396.0), 54.0, "the second node's 7 pods");
    assert_eq!(ready_at(&r, 406.0), 60.0, "the third node's 6 pods");
}

/// `n` node-failure faults in zone 1 at 30 s, one pod on each node.
fn node_failures(n: u32) -> String {
    (0..n)
        .map(|_| "[[faults]]\nkind = \"node-failure\"\nzone = \"1\"\nat = \"30s\"\ncount = 1\n")
        .collect()
}

/// 15 nodes (5 per zone, one pod each); 3 nodes of zone 1 fail at 30 s. At 80 s 3 of its 5
/// nodes are NotReady: 60% ≥ 55% and ≥ 3, some Ready → the zone is unhealthy; it has 5 ≤ 50
/// nodes, so its rate is 0: the 3 pods are never evicted and never replaced (12 ready pods to
/// the end). With 2 failed nodes (fewer than 3 NotReady) the zone stays normal: tainted at 80
/// and 90 s, replaced at 385 and 395 s. The old model replaced the 3 at 385 s.
#[test]
fn an_unhealthy_zone_of_a_small_cluster_evicts_nothing() {
    let s = parse(&cluster(5, 5, &node_failures(3)), "small-3.toml").unwrap();
    let r = simulate(&s, 0);
    assert_eq!(ready_at(&r, 60.0), 12.0);
    assert_eq!(
        ready_at(&r, 590.0),
        12.0,
        "no eviction in an unhealthy small zone"
    );

    let s = parse(&cluster(5, 5, &node_failures(2)), "small-2.toml").unwrap();
    let r = simulate(&s, 0);
    assert_eq!(ready_at(&r, 384.0), 13.0);
    assert_eq!(
        ready_at(&r, 386.0),
        14.0,
        "a normal zone evicts at 0.1/s: one node"
    );
    assert_eq!(ready_at(&r, 396.0), 15.0, "and the other 10 s later");
}

/// 180 nodes (60 per zone, one pod each); 34 nodes of zone 1 fail at 30 s: 34 / 60 = 57% ≥ 55%
/// → unhealthy, and 60 > 50 nodes → the secondary rate 0.01/s: taints at 80, 180, 280, 380 s,
/// evictions at 380, 480, 580 s (within the 10-minute run), replacements ready 5 s later. The
/// old model replaced all 34 at 385 s.
#[test]
fn an_unhealthy_zone_of_a_large_cluster_evicts_at_the_secondary_rate() {
    let s = parse(&cluster(60, 60, &node_failures(34)), "large-34.toml").unwrap();
    let r = simulate(&s, 0);
    assert_eq!(ready_at(&r, 60.0), 146.0);
    assert_eq!(ready_at(&r, 384.0), 146.0);
    assert_eq!(ready_at(&r, 386.0), 147.0);
    assert_eq!(ready_at(&r, 484.0), 147.0);
    assert_eq!(ready_at(&r, 486.0), 148.0);
    assert_eq!(ready_at(&r, 586.0), 149.0);
}

/// Every zone lost at once (each of 1 node, 2 pods) for 7 minutes: at 80 s every zone is fully
/// disrupted, so the controller evicts nothing (it suspects its own connectivity). The pods
/// stay replicas and start again when their zones return at 450 s: nothing is ever pending.
/// The old model evicted all 6 at 380 s; their replacements had no zone to go to and were
/// pending until the zones returned.
#[test]
fn every_zone_down_evicts_nothing() {
    let faults: String = ["1", "2", "3"]
        .iter()
        .map(|z| {
            format!(
                "[[faults]]\nkind = \"zone-outage\"\nzone = \"{z}\"\nat = \"30s\"\nduration = \"7m\"\n"
            )
        })
        .collect();
    let s = parse(&cluster(1, 2, &faults), "all-down.toml").unwrap();
    let r = simulate(&s, 0);
    assert_eq!(ready_at(&r, 400.0), 0.0);
    assert_eq!(r.pending_pods_peak, 0, "evicted pods had nowhere to go");
    assert_eq!(
        ready_at(&r, 460.0),
        6.0,
        "the same pods back after start-up"
    );
}
