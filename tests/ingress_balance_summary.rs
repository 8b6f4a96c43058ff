//! `summary.json`'s `ingress_balance` and the terminal's ingress-balance line (issue 16): the
//! per-replication [`IngressBalance`] that `model::client_conn` fills, merged over the
//! replications like `pod_balance`.
//!
//! Before this, the figure was computed in every `RunResult` but left out of the summary: the
//! summary had no `ingress_balance` key (so `summary["ingress_balance"]` is JSON null and the
//! first test's `as_f64().expect(..)` fails), and the terminal printed no such line.
//!
//! Inline scenario: an Istio gateway (no request limit, 1 h idle timeout: a connection lives
//! as long as the clients keep it) in one zone with no network latency; fixed seed (24–26
//! tried once by hand); release mode.

#[path = "support/occupancy.rs"]
mod occupancy;

use trafsim::model::RunResult;
use trafsim::runner::{Summary, run_all};
use trafsim::scenario::{Scenario, parse};
use trafsim::stats::Estimate;

const SEED: u64 = 23;

/// 16 Istio gateway replicas taking 4000 rps, the clients' `connections` line as given ("" for
/// none), `ingress` the ingress kind.
fn scenario(connections: &str, ingress: &str) -> Scenario {
    let text = format!(
        r#"
[simulation]
duration = "1500ms"
warmup = "500ms"
replications = 150
seed = {SEED}
[clients]
rate = 4000
timeout = "30s"
{connections}
[network]
zones = ["1"]
in_zone = "0s"
cross_zone = "0s"
{ingress}
[[services]]
name = "web"
pods = {{ "1" = 4 }}
concurrency = 1000
service_time = "1ms"
"#
    );
    parse(&text, "inline").unwrap_or_else(|e| panic!("{e}"))
}

const ISTIO: &str = r#"[ingress]
kind = "istio"
instances = { "1" = 16 }
concurrency = 1000
processing = "0s"
tls_handshake = "0s""#;

const HTTP2: &str = r#"connections = { count = 8, protocol = "http2" }"#;

fn summary_json(s: &Scenario, runs: &[RunResult]) -> serde_json::Value {
    serde_json::to_value(Summary::from_runs(s, runs)).unwrap()
}

fn validator() -> jsonschema::Validator {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("schemas/summary.schema.json")).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    jsonschema::draft202012::new(&schema).expect("the summary schema is a valid 2020-12 schema")
}

fn assert_valid(summary: &serde_json::Value) {
    let errors: Vec<String> = validator()
        .iter_errors(summary)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

/// c = 8 HTTP/2 connections over n = 16 replicas: `summary.json`'s busiest share is the mean
/// of the replications' figures (the same arithmetic, bit for bit up to rounding), and that
/// mean holds the occupancy arithmetic E[M]/8 = 0.258 (M the most of 8 balls in 16 bins) in
/// its 99.9% interval, far from the even 1/16. The terminal says so on its own line.
#[test]
fn summary_carries_the_busiest_replica_share() {
    let s = scenario(HTTP2, ISTIO);
    let runs = run_all(&s);
    let json = summary_json(&s, &runs);
    assert_valid(&json);
    let b = &json["ingress_balance"];
    assert_eq!(b["per_connection"], true, "{b:#}");
    assert_eq!(b["replicas"]["mean"].as_f64(), Some(16.0), "{b:#}");

    let shares: Vec<f64> = runs
        .iter()
        .map(|r| {
            let ib = r
                .ingress_balance
                .as_ref()
                .expect("an ingress with replicas");
            ib.busiest_share.expect("attempts were sent")
        })
        .collect();
    let e = Estimate::from_samples(&shares);
    let mean = b["busiest_share"]["mean"]
        .as_f64()
        .expect("summary.json has ingress_balance.busiest_share");
    assert!((mean - e.mean).abs() < 1e-12, "{mean} vs {}", e.mean);
    assert_eq!(b["busiest_share"]["n"].as_u64(), Some(shares.len() as u64));

    let want = occupancy::expected_max(8, 16) / 8.0;
    let hw = e.half_width_at(0.999);
    assert!(
        (mean - want).abs() <= hw,
        "busiest share {mean:.4} ± {hw:.4}, occupancy arithmetic {want:.4}"
    );
    // No scaling: nothing went to added replicas; nothing recycled the connections.
    assert_eq!(b["added_share"]["mean"].as_f64(), Some(0.0), "{b:#}");
    assert_eq!(b["connections_opened"].as_u64(), Some(0), "{b:#}");

    let table = trafsim::report::terminal::render(&Summary::from_runs(&s, &runs));
    let line = table
        .lines()
        .find(|l| l.starts_with("ingress balance:"))
        .unwrap_or_else(|| panic!("no ingress balance line:\n{table}"));
    assert!(
        line.contains("replicas took") && line.contains("(even: 6."),
        "{line}"
    );
}

/// Without `[clients] connections` each attempt picks a replica: the entry is there (with
/// `per_connection` false, busiest ≈ 1/16) but the terminal prints no line; without an
/// ingress it is null, not a zero.
#[test]
fn without_connections_no_line_and_without_replicas_null() {
    let s = scenario("", ISTIO);
    let runs = run_all(&s);
    let json = summary_json(&s, &runs);
    assert_valid(&json);
    let b = &json["ingress_balance"];
    assert_eq!(b["per_connection"], false, "{b:#}");
    let busiest = b["busiest_share"]["mean"].as_f64().unwrap();
    assert!(busiest > 1.0 / 16.0 && busiest < 0.08, "{busiest}");
    let table = trafsim::report::terminal::render(&Summary::from_runs(&s, &runs));
    assert!(!table.contains("ingress balance:"), "{table}");

    let mut s = scenario("", "");
    s.simulation.replications = 2;
    let json = summary_json(&s, &run_all(&s));
    assert_valid(&json);
    assert!(
        json["ingress_balance"].is_null(),
        "{:#}",
        json["ingress_balance"]
    );
}
