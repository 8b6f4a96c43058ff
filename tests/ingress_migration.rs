//! The migration off the managed NGINX add-on (issue 18): `scenarios/ingress-migration.toml`
//! loads and its four designs resolve to what they claim; the add-on's sourced defaults
//! (`managed = "app-routing"`); and Application Gateway for Containers' WAF, which adds its
//! inspection time to every request and its two lines to the bill.
//!
//! Cheap: the migration scenario is only loaded here (its run is in the README); the other
//! scenarios are short, with constant times and fixed seeds (3, 4 and 5 also checked once).
//! Each test fails on the code before this change: `managed` and `waf` were unknown keys and
//! the scenario file did not exist.

mod common;

use common::load;

use std::path::Path;

use trafsim::cost::estimate;
use trafsim::model::simulate;
use trafsim::scenario::{IngressKind, TrafficPolicy, defaults as d, parse};
use trafsim::study::Source;
use trafsim::study::compare::columns;

/// The migration scenario validates, and its variants are the four designs of the question:
/// the add-on's NGINX (its operator's HPA and Service), self-managed NGINX (fixed replicas,
/// the chart's Cluster policy), Application Gateway for Containers, and the Istio add-on
/// gateway (its HPA 2–5); every column sees the same traffic and the same zone loss.
#[test]
fn the_migration_scenario_validates_and_its_four_designs_resolve() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/ingress-migration.toml");
    let src = Source::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let cols = columns(std::slice::from_ref(&src)).unwrap();
    let labels: Vec<&str> = cols.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(labels, ["managed-nginx", "self-nginx", "agc", "istio"]);
    let [managed, own, agc, istio] = [0, 1, 2, 3].map(|i| &cols[i].scenario);

    assert!(matches!(&managed.ingress.kind, IngressKind::Nginx(n) if n.app_routing));
    let h = managed.ingress.hpa.as_ref().expect("the add-on's HPA");
    // 80% of the 0.5 vCPU request, as a share of 2 worker slots (CPUs).
    assert_eq!((h.min, h.max, h.target), (2, 100, 0.2));
    assert_eq!(
        managed.ingress.external_traffic_policy,
        Some(TrafficPolicy::Local)
    );
    assert_eq!(managed.costs.ingress_vcpu_per_replica, 0.5);

    assert!(matches!(&own.ingress.kind, IngressKind::Nginx(n) if !n.app_routing));
    assert!(own.ingress.hpa.is_none());
    assert_eq!(own.ingress.instances, [1, 1, 1]);
    assert_eq!(
        own.ingress.external_traffic_policy,
        Some(TrafficPolicy::Cluster)
    );

    assert!(matches!(&agc.ingress.kind, IngressKind::AppGateway(a) if a.for_containers.is_some()));
    let h = istio
        .ingress
        .hpa
        .as_ref()
        .expect("the Istio add-on gateway's HPA");
    assert!(matches!(istio.ingress.kind, IngressKind::Istio(_)));
    assert_eq!((h.min, h.max), (2, 5));

    for c in &cols {
        assert_eq!(c.scenario.faults.len(), 1, "{}", c.label);
        assert_eq!(
            format!("{:?}", c.scenario.clients.arrivals),
            format!("{:?}", managed.clients.arrivals),
            "{}",
            c.label
        );
    }
}

/// `managed = "app-routing"` takes the add-on operator's defaults, fields given still win, and
/// it is refused on another kind.
#[test]
fn the_app_routing_add_on_takes_its_operators_defaults() {
    let base = r#"
[clients]
rate = 10
[network]
zones = ["1", "2", "3"]
[[services]]
name = "web"
pods = { "1" = 1 }
service_time = "1ms"
"#;
    let s = load(
        &format!("{base}[ingress]\nkind = \"nginx\"\nmanaged = \"app-routing\"\n"),
        "inline.toml",
    );
    let h = s.ingress.hpa.as_ref().unwrap();
    // The target is 80% of the 0.5 vCPU request over the 2 worker slots (CPUs) of a replica.
    let target = d::APP_ROUTING_HPA_TARGET * d::APP_ROUTING_REPLICA_VCPU / 2.0;
    assert_eq!(
        (h.min, h.max, h.target),
        (d::APP_ROUTING_HPA_MIN, d::APP_ROUTING_HPA_MAX, target)
    );
    // The HPA starts at its minimum, spread over the zones in turn.
    assert_eq!(s.ingress.instances, [1, 1, 0]);
    let s = load(
        &format!(
            "{base}[ingress]\nkind = \"nginx\"\nmanaged = \"app-routing\"\nhpa = {{ min = 3, max = 6 }}\nexternal_traffic_policy = \"cluster\"\n"
        ),
        "inline.toml",
    );
    let h = s.ingress.hpa.as_ref().unwrap();
    assert_eq!((h.min, h.max, h.target), (3, 6, target));
    assert_eq!(
        s.ingress.external_traffic_policy,
        Some(TrafficPolicy::Cluster)
    );
    let text = format!("{base}[ingress]\nkind = \"istio\"\nmanaged = \"app-routing\"\n");
    let e = parse(&text, "inline.toml").unwrap_err().to_string();
    assert!(e.contains("managed") && e.contains("nginx"), "{e}");
}

/// AGC with a WAF: each request spends the inspection time in its gateway slot (mean latency
/// up by it, at a load far from queueing), and the bill gains the WAF resource by the hour and
/// its requests per million per ruleset, at the sourced example prices.
#[test]
fn agc_waf_adds_its_inspection_time_and_its_two_bill_lines() {
    let text = |waf: &str| {
        format!(
            r#"
[simulation]
duration = "70s"
warmup = "10s"
replications = 1
seed = 9
[clients]
rate = 400
[network]
zones = ["1"]
in_zone = "0s"
cross_zone = "0s"
[ingress]
kind = "app-gateway-for-containers"
{waf}
[[services]]
name = "web"
pods = {{ "1" = 4 }}
concurrency = 64
service_time = "2ms"
"#
        )
    };
    let plain = load(&text(""), "inline.toml");
    let waf = load(
        &text("waf = { rulesets = 2, inspection = \"5ms\" }"),
        "inline.toml",
    );
    let (a, b) = (simulate(&plain, 0), simulate(&waf, 0));
    let mean_ms = |r: &trafsim::model::RunResult| r.latency.mean_secs() * 1e3;
    let added = mean_ms(&b) - mean_ms(&a);
    // 5 ms of inspection; the rest of the two runs differs only by sampling noise of the
    // exponential processing (≈1 ms / √24,000 ≈ 0.01 ms) and histogram rounding (0.1%).
    assert!(
        (added - 5.0).abs() < 0.1,
        "WAF added {added} ms, expected 5"
    );
    assert_eq!(a.failed_total() + b.failed_total(), 0);

    let hours = d::HOURS_PER_MONTH;
    let e = estimate(&waf, &b);
    let close = |x: f64, y: f64| (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0);
    let hour = e.line("App Gateway for Containers WAF").expect("WAF line");
    assert!(close(hour.monthly_usd, hours * d::AGC_WAF_HOUR));
    let requests = e
        .line("App Gateway for Containers WAF requests")
        .expect("WAF requests");
    let millions = b.client_attempts as f64 / b.measured_secs * 3_600.0 * hours / 1e6;
    assert!(close(requests.quantity, 2.0 * millions));
    assert!(close(
        requests.monthly_usd,
        2.0 * millions * d::AGC_WAF_MILLION_REQUESTS
    ));
    let plain_bill = estimate(&plain, &a);
    assert!(plain_bill.line("App Gateway for Containers WAF").is_none());
}
