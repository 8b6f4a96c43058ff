//! `timeseries.csv` people can use: p50/p90/p99/p99.9 per window end-to-end, and per tier
//! (the ingress, each service, the egress) each tier's completions and its latency quantiles;
//! the columns that were there keep their positions and meaning.
//!
//! Before this change the file had only the end-to-end p50 and p99, and nothing per tier: the
//! per-tier columns below did not exist.

use trafsim::report::csv::timeseries;
use trafsim::runner::{Summary, run_all};
use trafsim::scenario::{Scenario, parse};

/// Clients → web (calls orders on half its requests, and an external API on a tenth) through
/// the NGINX ingress, at low load: each tier's time is mostly its own work.
fn scenario() -> Scenario {
    let text = r#"
[simulation]
duration = "3m"
warmup = "30s"
replications = 2
seed = 5
window = "10s"

[clients]
rate = 300

[network]
zones = ["1"]

[ingress]
kind = "nginx"

[[services]]
name = "web"
pods = { "1" = 4 }
concurrency = 8
service_time = { exponential = { mean = "10ms" } }
calls = [
  { service = "orders", probability = 0.5, timeout = "1s" },
  { destination = "api", probability = 0.1, timeout = "2s" },
]

[[services]]
name = "orders"
pods = { "1" = 2 }
concurrency = 8
service_time = { exponential = { mean = "20ms" } }

[egress]
kind = "nat-gateway"

[[egress.destinations]]
name = "api"
latency = "50ms"
"#;
    parse(text, "timeseries.toml").unwrap_or_else(|e| panic!("{e}"))
}

/// The columns the file had before, in their order (one zone).
const OLD: [&str; 23] = [
    "window_start_s",
    "offered_per_s",
    "completed_per_s",
    "errors_timeout_per_s",
    "errors_rejected_per_s",
    "errors_dead_backend_per_s",
    "errors_snat_exhausted_per_s",
    "errors_upstream_error_per_s",
    "errors_no_backend_per_s",
    "errors_policy_denied_per_s",
    "p50_ms",
    "p99_ms",
    "ready_pods_1",
    "utilisation_1",
    "snat_ports",
    "client_retries_per_s",
    "snat_limit",
    "firewall_instances",
    "ingress_replicas",
    "unfinished_per_s",
    "p90_ms",
    "p999_ms",
    "tier_ingress_completed_per_s",
];

#[test]
fn per_window_quantiles_end_to_end_and_per_tier() {
    let s = scenario();
    let summary = Summary::from_runs(&s, &run_all(&s));
    let csv = timeseries(&summary);
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    // The old columns keep their positions; the new ones follow.
    assert_eq!(header[..OLD.len() - 3], OLD[..OLD.len() - 3]);
    assert_eq!(header[OLD.len() - 3..OLD.len()], OLD[OLD.len() - 3..]);
    let tiers: Vec<&str> = summary.tiers.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(tiers, ["ingress", "web", "orders", "egress"]);
    for t in &tiers {
        for q in ["completed_per_s", "p50_ms", "p90_ms", "p99_ms", "p999_ms"] {
            let col = format!("tier_{t}_{q}");
            assert!(header.contains(&col.as_str()), "{col} missing: {header:?}");
        }
    }
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 18);
    let num = |cell: &str| cell.parse::<f64>().ok();
    for r in &rows {
        assert_eq!(r.len(), header.len());
        // Quantiles in order, end to end and per tier.
        for prefix in [
            "",
            "tier_ingress_",
            "tier_web_",
            "tier_orders_",
            "tier_egress_",
        ] {
            let q: Vec<f64> = ["p50_ms", "p90_ms", "p99_ms", "p999_ms"]
                .iter()
                .filter_map(|q| num(r[col(&format!("{prefix}{q}"))]))
                .collect();
            assert_eq!(q.len(), 4, "{prefix}: {r:?}");
            assert!(q.windows(2).all(|w| w[0] <= w[1]), "{prefix}: {q:?}");
        }
    }
    let measured: Vec<&Vec<&str>> = rows.iter().filter(|r| num(r[0]).unwrap() >= 30.0).collect();
    for t in &summary.tiers {
        // A tier's completions over the measured windows are the table's (per second).
        let rate: f64 = measured
            .iter()
            .map(|r| num(r[col(&format!("tier_{}_completed_per_s", t.name))]).unwrap())
            .sum::<f64>()
            / measured.len() as f64;
        let table = t.throughput.mean;
        assert!(
            (rate - table).abs() <= 0.02 * table,
            "{}: {rate} vs {table}",
            t.name
        );
        // Its median window p50 is the table's p50 (windows keep two significant digits).
        let mut p50: Vec<f64> = measured
            .iter()
            .map(|r| num(r[col(&format!("tier_{}_p50_ms", t.name))]).unwrap())
            .collect();
        p50.sort_by(f64::total_cmp);
        let mid = p50[p50.len() / 2];
        let table = t.latency.p50.mean * 1e3;
        assert!(
            (mid - table).abs() <= 0.1 * table,
            "{}: {mid} vs {table}",
            t.name
        );
    }
    // The egress is the API's fixed 50 ms round trip.
    let egress = num(measured[0][col("tier_egress_p50_ms")]).unwrap();
    assert!((egress - 50.0).abs() < 1.0, "{egress}");
}
