//! NAT Gateway SKUs and zones, a NAT Gateway on the Azure Firewall subnet, and the egress
//! tier's own counts.
//!
//! - A Standard NAT Gateway is always zonal: without a zone Azure places it in one the user
//!   does not see, and it fails with that zone; only StandardV2 is zone-redundant (Microsoft
//!   Learn, "NAT gateway and availability zones"; "Reliability in Azure NAT Gateway"; facts
//!   §10). Before this change a gateway without a zone survived every zone outage.
//! - A NAT Gateway on the firewall subnet does the SNAT (64,512 ports per IP, per destination),
//!   not the firewall's 2,496 per IP per instance (facts §7).
//! - The egress tier conserves its calls: arrivals = completed + rejected (SNAT exhausted) +
//!   lost (sent to a dead NAT Gateway) + in flight at the end. Before, the lost calls were
//!   counted as completed.

use trafsim::model::{ErrorCause, RunResult, TierResult, simulate};
use trafsim::scenario::{EgressKind, Scenario, parse};

/// Clients at 50/s → `web` in three zones → one call to `api`; zone 1 is lost from 2 min to
/// the end when `outage` is set. `egress` holds the `[egress]` table's lines.
fn scenario(egress: &str, outage: bool) -> Result<Scenario, String> {
    let fault = if outage {
        "[[faults]]\nkind = \"zone-outage\"\nzone = \"1\"\nat = \"2m\"\n"
    } else {
        ""
    };
    let text = format!(
        r#"
[simulation]
duration = "4m"
warmup = "1m"
replications = 1
seed = 4
[clients]
rate = 50
timeout = "5s"
[network]
zones = ["1", "2", "3"]
[ingress]
kind = "none"
[[services]]
name = "web"
pods = {{ "1" = 2, "2" = 2, "3" = 2 }}
concurrency = 16
service_time = "1ms"
calls = [{{ destination = "api", timeout = "2s" }}]
[egress]
{egress}
[[egress.destinations]]
name = "api"
latency = "20ms"
{fault}
"#
    );
    parse(&text, "nat.toml").map_err(|e| e.to_string())
}

fn egress(r: &RunResult) -> &TierResult {
    r.tiers
        .iter()
        .find(|t| t.name == "egress")
        .expect("egress tier")
}

/// Every egress call ends in exactly one count.
fn assert_conserved(t: &TierResult) {
    assert_eq!(
        t.arrivals,
        t.completed + t.rejected + t.lost + t.in_flight,
        "arrivals {}, completed {}, rejected {}, lost {}, in flight {}",
        t.arrivals,
        t.completed,
        t.rejected,
        t.lost,
        t.in_flight
    );
}

/// With the gateway lost at 2 min, only the calls of the first measured minute (50/s × 60 s,
/// give or take the Poisson noise) complete, and every later one is lost (fewer than before
/// the outage reach the egress: pods in zone 1 died with it).
fn assert_lost_from_the_outage(t: &TierResult) {
    assert_conserved(t);
    assert!(
        (2_700..3_300).contains(&t.completed),
        "completed {} of {}",
        t.completed,
        t.arrivals
    );
    assert!(t.lost > 2_000, "lost {} of {}", t.lost, t.arrivals);
}

#[test]
fn a_standard_gateway_without_a_zone_fails_with_its_hidden_zone() {
    let s = scenario("kind = \"nat-gateway\"", true).unwrap();
    let EgressKind::NatGateway { zones, .. } = &s.egress.kind else {
        panic!("{:?}", s.egress.kind)
    };
    assert_eq!(zones, &[0], "placed in the first zone by default");
    let w = &s.warnings;
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].field, "egress.zone");
    for part in ["zonal", "hidden_zone", "standard-v2"] {
        assert!(w[0].message.contains(part), "{}", w[0].message);
    }
    // From the outage on (2 of the 3 measured minutes) every call is lost, from all zones.
    let r = simulate(&s, 0);
    let t = egress(&r);
    assert_lost_from_the_outage(t);
    // The callers see timeouts; the egress row names the cause.
    assert!(r.failed[ErrorCause::Timeout as usize] >= t.lost * 9 / 10);
    // Hidden in zone 2 instead, the gateway survives the loss of zone 1.
    let s = scenario("kind = \"nat-gateway\"\nhidden_zone = \"2\"", true).unwrap();
    assert_eq!(egress(&simulate(&s, 0)).lost, 0);
}

#[test]
fn a_standard_v2_gateway_is_zone_redundant() {
    let s = scenario("kind = \"nat-gateway\"\nsku = \"standard-v2\"", true).unwrap();
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    let r = simulate(&s, 0);
    let t = egress(&r);
    assert_conserved(t);
    assert_eq!(t.lost, 0, "no zone takes a StandardV2 gateway down");
    assert!(t.completed > 0);
    // It takes no zone.
    let e = scenario(
        "kind = \"nat-gateway\"\nsku = \"standard-v2\"\nzone = \"1\"",
        false,
    )
    .unwrap_err();
    assert!(
        e.contains("egress.zone") && e.contains("zone-redundant"),
        "{e}"
    );
    let e = scenario("kind = \"nat-gateway\"\nsku = \"v3\"", false).unwrap_err();
    assert!(e.contains("standard-v2"), "{e}");
}

#[test]
fn an_explicit_zone_loads_without_a_warning() {
    let s = scenario("kind = \"nat-gateway\"\nzone = \"3\"", true).unwrap();
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    assert_eq!(egress(&simulate(&s, 0)).lost, 0, "zone 3 survives");
}

#[test]
fn a_nat_gateway_on_the_firewall_subnet_does_the_snat_and_is_zonal() {
    // A firewall with 1 IP and 2 instances has 4,992 ports for all destinations. With 100 new
    // connections/s held ≈ 65 s (≈ 6,500 ports) calls fail; with a NAT Gateway on its subnet
    // the gateway's 64,512 per destination serve them.
    let fw = "kind = \"firewall\"\npublic_ips = 1";
    let busy = |egress: &str| {
        let text = scenario(egress, false)
            .unwrap()
            .source_text
            .replace("rate = 50", "rate = 100");
        simulate(&parse(&text, "fw.toml").unwrap(), 0)
    };
    let r = busy(fw);
    assert!(egress(&r).rejected > 0, "the firewall's own SNAT runs out");
    assert_eq!(r.snat_peak, Some(4_992));
    let r = busy(&format!(
        "{fw}\nnat_gateway = {{ public_ips = 1, zone = \"2\" }}"
    ));
    assert_eq!(egress(&r).rejected, 0, "the NAT Gateway's ports");
    assert!(r.snat_peak.unwrap() > 5_000);
    // The gateway is zonal: in zone 1, lost with it; the calls count as lost, not completed.
    let s = scenario(&format!("{fw}\nnat_gateway = {{ zone = \"1\" }}"), true).unwrap();
    assert_lost_from_the_outage(egress(&simulate(&s, 0)));
    // Without a zone, a Standard gateway is in the hidden zone, with the warning.
    let s = scenario(&format!("{fw}\nnat_gateway = {{ public_ips = 2 }}"), false).unwrap();
    assert_eq!(s.warnings.len(), 1);
    assert_eq!(s.warnings[0].field, "egress.nat_gateway.zone");
    let e = scenario(
        "kind = \"nat-gateway\"\nnat_gateway = { public_ips = 2 }",
        false,
    )
    .unwrap_err();
    assert!(e.contains("applies only to kind = \"firewall\""), "{e}");
}
