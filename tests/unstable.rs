//! Unstable tiers (issue 12 item 2): a tier offered more work than its slots can do, with an
//! unbounded queue, is called unstable — in the summary, the terminal, `summary.json` and the
//! report — and a stable tier, a busy one or a saturated one with a bounded queue is not.
//! Before this change no output said *unstable* at all: the first test failed.

use trafsim::report::{html, json, terminal};
use trafsim::runner::{Summary, run_all};
use trafsim::scenario::{Scenario, parse};

/// One pod of one slot (10 ms exponential, μ = 100/s) behind an NGINX ingress of two
/// instances, clients at `rate`, and `queue` (e.g. a queue limit) added to the service.
fn scenario(rate: f64, queue: &str) -> Scenario {
    parse(
        &format!(
            r#"
[simulation]
duration = "40s"
warmup = "5s"
replications = 3
seed = 21

[clients]
rate = {rate}
timeout = "1h"
retries = {{ attempts = 0 }}

[network]
zones = ["1"]

[ingress]
kind = "nginx"
instances = {{ "1" = 2 }}

[[services]]
name = "server"
pods = {{ "1" = 1 }}
concurrency = 1
{queue}
service_time = {{ exponential = {{ mean = "10ms" }} }}
"#
        ),
        "test.toml",
    )
    .unwrap()
}

fn summarise(s: &Scenario) -> Summary {
    Summary::from_runs(s, &run_all(s))
}

#[test]
fn overload_into_an_unbounded_queue_is_called_unstable() {
    // 50× its capacity, and 3×.
    for rate in [5_000.0, 300.0] {
        let s = scenario(rate, "");
        let summary = summarise(&s);
        let server = summary.tiers.iter().find(|t| t.name == "server").unwrap();
        assert!(server.unstable, "{rate}/s: {server:?}");
        assert_eq!(server.unstable_replications, 3);
        // Offered load = λ × 10 ms: 100 and 3 (measured arrival rate: within 5%).
        let expected = rate / 100.0;
        assert!(
            (server.offered_load.mean / expected - 1.0).abs() < 0.05,
            "{:?}",
            server.offered_load
        );
        // The ingress keeps up.
        let ingress = summary.tiers.iter().find(|t| t.name == "ingress").unwrap();
        assert!(!ingress.unstable, "{ingress:?}");
        let text = terminal::render(&summary);
        assert!(text.contains("UNSTABLE: server is offered "), "{text}");
        assert!(
            text.contains("its queue grew through the run (in 3 of 3"),
            "{text}"
        );
        let value: serde_json::Value =
            serde_json::from_str(&json::to_json(&summary).unwrap()).unwrap();
        let tiers = value["tiers"].as_array().unwrap();
        let server = tiers.iter().find(|t| t["name"] == "server").unwrap();
        assert_eq!(server["unstable"], true);
        let page = html::render(&s, &summary, &[]);
        assert!(
            page.contains("UNSTABLE (3 of 3 replications)"),
            "report.html"
        );
    }
}

#[test]
fn stable_busy_and_bounded_tiers_are_not_unstable() {
    // ρ = 0.5 and ρ = 0.9: stable, however the queue wanders.
    for rate in [50.0, 90.0] {
        let summary = summarise(&scenario(rate, ""));
        for t in &summary.tiers {
            assert!(!t.unstable, "{rate}/s: {t:?}");
        }
        assert!(!terminal::render(&summary).contains("UNSTABLE"));
    }
    // 3× overload into a queue of 20: saturated, turning work away, but bounded.
    let summary = summarise(&scenario(300.0, "queue_limit = 20"));
    let server = summary.tiers.iter().find(|t| t.name == "server").unwrap();
    assert!(!server.unstable, "{server:?}");
    assert!(server.offered_load.mean > 2.5);
    assert!(server.rejection_rate.mean > 0.5);
}
