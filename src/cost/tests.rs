//! The line items from known inputs: made-up runs of small scenarios.

use super::*;
use crate::runner::fake;
use crate::scenario::defaults as d;

const BASE: &str = "[simulation]\nwarmup = \"10s\"\n[clients]\nrate = 10\n\
    [network]\nzones = [\"1\", \"2\"]\n\
    [[services]]\nname = \"a\"\npods = { \"1\" = 2, \"2\" = 2 }\nservice_time = \"1ms\"\n\
    calls = [{ destination = \"x\" }]\n";

fn scenario(extra: &str) -> Scenario {
    let text = format!("{BASE}{extra}");
    crate::scenario::parse(&text, "t.toml").unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// A run of `s` over 100 measured seconds with the given pods-tier arrivals, mesh calls and
/// egress calls, and `pods` pods and `instances` instances on average.
fn run(
    s: &Scenario,
    arrivals: u64,
    mesh: u64,
    egress: u64,
    pods: f64,
    instances: f64,
) -> RunResult {
    let mut r = fake::run(0, s);
    r.measured_secs = 100.0;
    r.client_attempts = arrivals;
    r.tiers[0].arrivals = arrivals;
    r.usage.samples = 2;
    r.usage.pod_samples = 2.0 * pods;
    r.usage.ingress_instance_samples = 2.0 * instances;
    r.usage.mesh_calls = mesh;
    r.usage.egress_calls = vec![egress; s.egress.destinations.len()];
    r
}

const DEST: &str = "[[egress.destinations]]\nname = \"x\"\nlatency = \"10ms\"\n";

#[test]
fn a_line_is_quantity_times_price_and_the_total_their_sum() {
    let l = CostLine::new("x", 730.0, "hour", 0.5);
    assert_eq!(l.monthly_usd, 365.0);
    let e = CostEstimate {
        lines: vec![l.clone(), CostLine::new("y", 2.0, "GB", 3.0)],
    };
    assert_eq!(e.total(), 371.0);
    assert_eq!(e.line("y").map(|l| l.quantity), Some(2.0));
}

#[test]
fn nothing_billed_without_ingress_or_egress_device() {
    let s = scenario(&format!("[egress]\nkind = \"direct\"\n{DEST}"));
    assert!(
        estimate(&s, &run(&s, 1_000, 0, 1_000, 4.0, 0.0))
            .lines
            .is_empty()
    );
}

#[test]
fn private_endpoints_are_one_per_destination_with_their_data() {
    let s = scenario(&format!(
        "[egress]\nkind = \"private-endpoint\"\n{DEST}\
         [[egress.destinations]]\nname = \"y\"\nlatency = \"10ms\"\nkib_per_call = 32\n"
    ));
    let e = estimate(&s, &run(&s, 1_000, 0, 1_000, 4.0, 0.0));
    let hours = e.line("Private endpoints").unwrap();
    assert_eq!(hours.quantity, 2.0 * d::HOURS_PER_MONTH);
    // 10 calls/s to each: (16 + 32) KiB × 10/s over the month.
    let gb = 48.0 * 10.0 * 3_600.0 * d::HOURS_PER_MONTH / d::KIB_PER_GB;
    let data = e.line("Private endpoint data processed").unwrap();
    assert!((data.quantity - gb).abs() < 1e-9 * gb, "{data:?}");
    assert_eq!(data.unit_price, d::PRIVATE_ENDPOINT_GB);
}

#[test]
fn sidecars_cost_their_requests_or_their_use_whichever_is_larger() {
    let s = scenario(&format!(
        "[ingress]\nkind = \"istio\"\nmesh = true\n[egress]\nkind = \"direct\"\n{DEST}"
    ));
    let hours = d::HOURS_PER_MONTH;
    // Light load: 10 pods × 0.1 vCPU requested beats 30 passes/s × 0.2 / 1,000.
    let light = estimate(&s, &run(&s, 1_000, 1_000, 1_000, 10.0, 2.0));
    let line = light.line("Istio sidecars").unwrap();
    assert!((line.quantity - 10.0 * d::SIDECAR_VCPU * hours).abs() < 1e-9);
    // Heavy load: (10,000 + 5,000 + 5,000) passes/s × 0.2 / 1,000 = 4 vCPU beats 1.
    let heavy = estimate(&s, &run(&s, 1_000_000, 500_000, 500_000, 10.0, 2.0));
    let line = heavy.line("Istio sidecars").unwrap();
    assert!((line.quantity - 4.0 * hours).abs() < 1e-9, "{line:?}");
    // Without the mesh, no sidecars.
    let s = scenario(&format!(
        "[ingress]\nkind = \"istio\"\n[egress]\nkind = \"direct\"\n{DEST}"
    ));
    assert!(
        estimate(&s, &run(&s, 1_000, 0, 0, 10.0, 2.0))
            .line("Istio sidecars")
            .is_none()
    );
}

#[test]
fn one_load_balancer_serves_ingress_and_outbound() {
    let s = scenario(&format!(
        "[ingress]\nkind = \"nginx\"\n[egress]\nkind = \"load-balancer\"\n{DEST}"
    ));
    let e = estimate(&s, &run(&s, 1_000, 0, 1_000, 4.0, 2.0));
    assert_eq!(
        e.line("Load Balancer (first 5 rules)").unwrap().quantity,
        d::HOURS_PER_MONTH
    );
    assert_eq!(
        e.line("Load Balancer public IPs").unwrap().quantity,
        2.0 * d::HOURS_PER_MONTH
    );
    // 10 attempts/s × 8 KiB in, 10 calls/s × 16 KiB out.
    let gb = (80.0 + 160.0) * 3_600.0 * d::HOURS_PER_MONTH / d::KIB_PER_GB;
    let data = e.line("Load Balancer data processed").unwrap();
    assert!((data.quantity - gb).abs() < 1e-9 * gb);
    // NGINX replicas: 2 on average × 2 vCPU (its concurrency).
    let nginx = e.line("NGINX replicas").unwrap();
    assert!((nginx.quantity - 4.0 * d::HOURS_PER_MONTH).abs() < 1e-9);
}

#[test]
fn a_summary_averages_lines_and_totals_over_replications() {
    let s = scenario(&format!("[egress]\nkind = \"nat-gateway\"\n{DEST}"));
    let a = estimate(&s, &run(&s, 1_000, 0, 1_000, 4.0, 0.0));
    let b = estimate(&s, &run(&s, 1_000, 0, 3_000, 4.0, 0.0));
    let summary = CostSummary::from_estimates(&s, &[a.clone(), b.clone()]);
    assert_eq!(summary.lines.len(), 3);
    assert!((summary.total.mean - (a.total() + b.total()) / 2.0).abs() < 1e-9);
    assert_eq!(summary.total.n, 2);
    assert!(summary.total.half_width > 0.0);
    let data = &summary.lines[2];
    assert_eq!(data.name, "NAT Gateway data processed");
    let mean = (a.lines[2].quantity + b.lines[2].quantity) / 2.0;
    assert!((data.quantity - mean).abs() < 1e-9);
    assert!(summary.overridden.is_empty());
}
