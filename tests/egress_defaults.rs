//! The egress default is what AKS gives: `outboundType: loadBalancer` with 1 managed outbound
//! IP, `allocatedOutboundPorts` 0 (the automatic table by node count, per destination) and a
//! 30 min idle timeout (facts §6, §10); default outbound access is retired (facts §9). A
//! scenario written before still loads, with a warning naming `egress.kind` and the fix;
//! `direct` stays when asked for. Before this change a scenario without `kind` went out
//! `direct`, with no SNAT limit: the limit test below failed none of its calls.

use trafsim::model::{ErrorCause, simulate};
use trafsim::scenario::{EgressKind, Scenario, parse};

/// Clients at `rate` → `web` (6 pods) → one call to `api` (1 ms); `egress` is the `[egress]`
/// table's lines above its destination.
fn scenario(rate: f64, egress: &str) -> Result<Scenario, String> {
    let text = format!(
        r#"
[simulation]
duration = "3m"
warmup = "90s"
replications = 1
seed = 9
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
{egress}
[[egress.destinations]]
name = "api"
latency = "1ms"
"#
    );
    parse(&text, "defaults.toml").map_err(|e| e.to_string())
}

#[test]
fn without_a_kind_the_egress_is_aks_load_balancer_outbound_with_a_warning() {
    let s = scenario(10.0, "").unwrap();
    let EgressKind::LoadBalancer {
        outbound_ips,
        nodes,
        ports_per_node,
        idle_timeout,
    } = &s.egress.kind
    else {
        panic!("default egress: {:?}", s.egress.kind)
    };
    assert_eq!(*outbound_ips, 1, "1 managed outbound IP");
    assert_eq!(*nodes, 1, "6 pods at 10 per node, at least one per zone");
    assert_eq!(
        *ports_per_node, 1_024,
        "the automatic table: 1–50 nodes get 1,024"
    );
    assert_eq!(idle_timeout.as_secs_f64(), 30.0 * 60.0, "AKS: 30 min");
    let w = &s.warnings;
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].field, "egress.kind");
    for part in ["load-balancer", "direct", "before"] {
        assert!(w[0].message.contains(part), "{}", w[0].message);
    }
    // Asked for explicitly, either kind loads without the warning.
    for kind in ["load-balancer", "direct"] {
        let s = scenario(10.0, &format!("kind = \"{kind}\"")).unwrap();
        assert!(s.warnings.is_empty(), "{kind}: {:?}", s.warnings);
    }
    assert!(matches!(
        scenario(10.0, "kind = \"direct\"").unwrap().egress.kind,
        EgressKind::Direct
    ));
}

#[test]
fn the_default_egress_limits_snat_ports_per_node_and_destination() {
    // One node with 1,024 ports to `api`: each call opens a connection held ≈ 65 s. At 20/s it
    // needs ≈ 1,300 ports, above the allocation: calls fail (the old `direct` default failed
    // none). At 12/s it needs ≈ 780: none fail.
    let r = simulate(&scenario(20.0, "").unwrap(), 0);
    assert!(
        r.failed[ErrorCause::SnatExhausted as usize] > 0,
        "{:?}",
        r.failed
    );
    assert_eq!(r.snat_peak, Some(1_024));
    let r = simulate(&scenario(12.0, "").unwrap(), 0);
    assert_eq!(r.failed[ErrorCause::SnatExhausted as usize], 0);
    let r = simulate(&scenario(20.0, "kind = \"direct\"").unwrap(), 0);
    assert_eq!(
        r.failed[ErrorCause::SnatExhausted as usize],
        0,
        "direct: no SNAT"
    );
    assert_eq!(r.snat_peak, None);
}

#[test]
fn allocated_outbound_ports_and_outbound_ips_set_the_allocation() {
    // 4,000 ports on the one node: 20/s (≈ 1,300 ports) no longer fails.
    let s = scenario(
        20.0,
        "kind = \"load-balancer\"\nallocated_outbound_ports = 4000",
    )
    .unwrap();
    let r = simulate(&s, 0);
    assert_eq!(r.failed[ErrorCause::SnatExhausted as usize], 0);
    // 2 nodes × 40,000 > 1 IP × 64,000: Azure rejects it; with 2 IPs it fits.
    let lines = "kind = \"load-balancer\"\nnodes = 2\nallocated_outbound_ports = 40000";
    let e = scenario(20.0, lines).unwrap_err();
    for part in ["egress.allocated_outbound_ports", "64000", "40000"] {
        assert!(e.contains(part), "{e}");
    }
    assert!(scenario(20.0, &format!("{lines}\noutbound_ips = 2")).is_ok());
    // Not a multiple of 8; and out of range IP counts.
    let e = scenario(
        20.0,
        "kind = \"load-balancer\"\nallocated_outbound_ports = 1001",
    )
    .unwrap_err();
    assert!(e.contains("multiple of 8"), "{e}");
    let e = scenario(20.0, "kind = \"load-balancer\"\noutbound_ips = 0").unwrap_err();
    assert!(
        e.contains("egress.outbound_ips") && e.contains("between 1 and 100"),
        "{e}"
    );
    // A destination has 1 to 64 addresses.
    let e = scenario(20.0, "kind = \"load-balancer\"\n[[egress.destinations]]\nname = \"x\"\nlatency = \"1ms\"\naddresses = 0").unwrap_err();
    assert!(
        e.contains("addresses") && e.contains("between 1 and 64"),
        "{e}"
    );
    // The settings belong to the load balancer only.
    let e = scenario(
        20.0,
        "kind = \"nat-gateway\"\nzone = \"1\"\noutbound_ips = 2",
    )
    .unwrap_err();
    assert!(
        e.contains("applies only to kind = \"load-balancer\""),
        "{e}"
    );
}

#[test]
fn outbound_ips_are_priced() {
    let s = scenario(10.0, "kind = \"load-balancer\"\noutbound_ips = 3").unwrap();
    let r = simulate(&s, 0);
    let e = trafsim::cost::estimate(&s, &r);
    let ips = e
        .lines
        .iter()
        .find(|l| l.name == "Load Balancer public IPs")
        .expect("an IP line");
    assert_eq!(ips.quantity, 3.0 * 730.0, "no inbound IP here, 3 outbound");
}
