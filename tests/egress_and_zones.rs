//! Zone-aware routing of east-west calls and Azure Firewall SNAT, asserted from parameters.

use trafsim::model::{ErrorCause, simulate};
use trafsim::scenario::parse;

fn scenario(network: &str, egress: &str, rate: f64) -> trafsim::scenario::Scenario {
    let text = format!(
        r#"
[simulation]
duration = "3m"
warmup = "30s"
replications = 1
seed = 5
[clients]
rate = {rate}
timeout = "5s"
[network]
zones = ["1", "2", "3"]
{network}
[ingress]
kind = "none"
[[services]]
name = "web"
pods = {{ "1" = 3, "2" = 3, "3" = 3 }}
concurrency = 16
service_time = "1ms"
calls = [{{ service = "orders" }}, {{ destination = "api" }}]
[[services]]
name = "orders"
pods = {{ "1" = 3, "2" = 3, "3" = 3 }}
concurrency = 16
service_time = "1ms"
{egress}
[[egress.destinations]]
name = "api"
latency = "1ms"
"#
    );
    parse(&text, "inline.toml").unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn topology_aware_routing_keeps_east_west_calls_in_the_zone() {
    // Without an ingress, the only hops counted are web → orders calls.
    let random = simulate(&scenario("", "", 200.0), 0);
    let local = simulate(&scenario("topology_aware_routing = true", "", 200.0), 0);
    assert!(
        (random.cross_zone_share - 2.0 / 3.0).abs() < 0.02,
        "{}",
        random.cross_zone_share
    );
    assert!(local.cross_zone_share < 0.001, "{}", local.cross_zone_share);
}

#[test]
fn firewall_snat_ports_are_per_ip_per_instance() {
    // 2,496 ports per IP per instance; every call opens a new connection and holds its port
    // for the call (≈2 ms: 1 ms destination, 1 ms firewall, 0.1 ms transfer) and then the 65 s
    // cool-down after its FIN: the port need is rate × 65.002 s.
    let fw = |ips: u32| format!("[egress]\nkind = \"firewall\"\npublic_ips = {ips}\ninstances = 2");
    // 1 IP × 2 instances = 4,992 ports; 100 calls/s × 65.002 s ≈ 6,500 > 4,992: exhaustion.
    let r = simulate(&scenario("", &fw(1), 100.0), 0);
    assert!(r.failed[ErrorCause::SnatExhausted as usize] > 0);
    assert_eq!(r.snat_peak, Some(4_992));
    // 2 IPs: 9,984 ports > 6,500: none.
    let r = simulate(&scenario("", &fw(2), 100.0), 0);
    assert_eq!(r.failed[ErrorCause::SnatExhausted as usize], 0);
    let peak = r.snat_peak.unwrap();
    // Ports in use are the calls of the last 65.002 s: Poisson, mean 6,500, standard deviation
    // ≈ 81; the peak over the run is a few sd above.
    assert!((6_300..=6_900).contains(&peak), "peak ports {peak}");
}

#[test]
fn load_balancer_outbound_exhausts_per_node_not_per_cluster() {
    // 6 pods over 4 nodes in turn: nodes 0 and 1 hold two pods each, nodes 2 and 3 one each, so
    // nodes 0 and 1 carry a third of the calls each. With 4 nodes each gets 1,024 ports (pool
    // up to 50 nodes). A port is held for the call (1 ms) and the 65 s cool-down after its FIN
    // (the 30 min idle timeout plays no part: connections close after the call). At 55 new
    // connections/s, node 0 needs 55 / 3 × 65.001 ≈ 1,192 ports > 1,024 and fails some,
    // although the cluster as a whole needs 3,575 of its 4,096.
    let text = |rate: f64| {
        format!(
            r#"
[simulation]
duration = "3m"
warmup = "90s"
replications = 1
[clients]
rate = {rate}
[network]
zones = ["1"]
[ingress]
kind = "none"
[[services]]
name = "web"
pods = {{ "1" = 6 }}
concurrency = 16
service_time = "1ms"
calls = [{{ destination = "api" }}]
[egress]
kind = "load-balancer"
nodes = 4
[[egress.destinations]]
name = "api"
latency = "1ms"
"#
        )
    };
    // Pods are picked at random per request, so each node's share is only on average a third.
    let r = simulate(&parse(&text(55.0), "lb.toml").unwrap(), 0);
    assert!(r.failed[ErrorCause::SnatExhausted as usize] > 0);
    assert_eq!(r.snat_peak, Some(1_024), "a node's allocation is the limit");
    // At 40/s a third is 867 ports per node: none fail.
    let r = simulate(&parse(&text(40.0), "lb.toml").unwrap(), 0);
    assert_eq!(r.failed[ErrorCause::SnatExhausted as usize], 0);
}
