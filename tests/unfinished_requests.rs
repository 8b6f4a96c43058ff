//! Unfinished requests (issue 12 item 1): a request still in flight when the run ends is
//! neither a success nor an error, and it must not vanish. Each test is one of the issue's
//! examples; each failed on the code before this change, as its doc comment says.

mod common;

use trafsim::model::simulate;
use trafsim::report::{html, json, terminal};
use trafsim::runner::{Summary, Verdict, run_all};
use trafsim::scenario::{Scenario, parse};

fn load(text: &str) -> Scenario {
    parse(text, "test.toml").unwrap()
}

/// An M/M/1 (μ = 100/s) offered 1,100 requests/s with a 500 ms p99 SLO. The queue built in the
/// warm-up holds the server for the whole measured minute, so no counted request completes.
/// Before: `errors: none`, p99 `0`, `SLO met`, offered ≫ succeeded + failed = 0.
#[test]
fn an_overloaded_queue_misses_its_slo_and_reports_no_latency() {
    let mm1 = common::one_server(
        r#"name = "mm1-11x"
duration = "70s"
warmup = "10s"
replications = 3
seed = 5"#,
        r#"rate = 1100
timeout = "1h"
retries = { attempts = 0 }
latency = "0s""#,
        1,
        "10ms",
    );
    let s = load(&format!(
        "{mm1}\n[slo]\np99 = \"500ms\"\nerror_rate = 0.01\n"
    ));
    let summary = Summary::from_runs(&s, &run_all(&s));
    let r = &summary.requests;
    assert_eq!(r.offered, r.succeeded + r.failed + r.unfinished, "{r:?}");
    assert_eq!(r.succeeded, 0, "{r:?}");
    // About 1,100/s × 60 s × 3 replications, all still queued.
    assert!(r.unfinished > 150_000, "{r:?}");
    let slo = summary.slo.as_ref().unwrap();
    assert_eq!(slo.verdict, Verdict::Missed, "{slo:?}");
    assert_eq!(slo.p99_verdict, Verdict::Missed, "{slo:?}");
    assert!(slo.unfinished_misses > 0);
    // No completion: no latency, no error rate — "n/a" / null, never 0.
    assert_eq!(summary.latency.p99.n, 0);
    assert_eq!(summary.errors.rate.n, 0);
    let text = terminal::render(&summary);
    assert!(text.contains("SLO missed"), "{text}");
    assert!(text.contains("unfinished at the end: "), "{text}");
    assert!(text.contains("errors: n/a"), "{text}");
    assert!(!text.contains("errors: none"), "{text}");
    let end_to_end = text.lines().find(|l| l.starts_with("end-to-end")).unwrap();
    assert!(end_to_end.contains("n/a"), "{end_to_end}");
    let value: serde_json::Value = serde_json::from_str(&json::to_json(&summary).unwrap()).unwrap();
    assert!(value["latency"]["p99"].is_null(), "{}", value["latency"]);
    assert!(value["latency"]["pooled"].is_null());
    assert!(value["errors"]["rate"].is_null());
    assert_eq!(value["requests"]["unfinished"], r.unfinished);
    assert!(value["unfinished"]["max_age_secs"].as_f64().unwrap() > 50.0);
    let page = html::render(&s, &summary, &[]);
    assert!(page.contains("Unfinished at the end"), "report.html");
    assert!(page.contains("n/a"), "report.html");
}

/// Every ingress instance lost (black hole) for the last 15 s: the load balancer needs 10 s to
/// notice, and what it sent to the dead instances waits for the clients' 30 s timeout, beyond
/// the end. Before: those requests were neither succeeded nor failed (offered ≠ succeeded +
/// failed), and nothing said so.
#[test]
fn requests_sent_to_lost_ingress_at_the_end_are_counted_unfinished() {
    let rate = 400.0;
    let s = load(&format!(
        r#"
[simulation]
duration = "60s"
warmup = "5s"
replications = 2
seed = 3

[clients]
rate = {rate}
timeout = "30s"
retries = {{ attempts = 0 }}

[network]
zones = ["1", "2"]

[ingress]
kind = "nginx"
instances = {{ "1" = 1, "2" = 1 }}
# The Load Balancer probes the gateway pods' nodes (10 s); under "cluster" the black-holed
# replicas would stay in the endpoints for the 50 s node-monitor grace period.
external_traffic_policy = "local"

[[services]]
name = "web"
pods = {{ "1" = 2, "2" = 2 }}
concurrency = 8
service_time = {{ exponential = {{ mean = "10ms" }} }}

[[faults]]
kind = "ingress-instance-loss"
count = 2
at = "45s"
mode = "black-hole"
"#
    ));
    for rep in 0..2 {
        let r = simulate(&s, rep);
        assert_eq!(
            r.offered,
            r.succeeded + r.failed_total() + r.unfinished_total()
        );
        // About 10 s of arrivals (until the load balancer's probes notice) are black-holed.
        let expected = rate * 10.0;
        let u = r.unfinished_total() as f64;
        assert!(
            u > 0.7 * expected && u < 1.3 * expected,
            "{u} vs {expected}"
        );
        assert!(r.unfinished.max().as_secs_f64() > 14.0);
    }
    let summary = Summary::from_runs(&s, &run_all(&s));
    let text = terminal::render(&summary);
    assert!(text.contains("unfinished at the end: "), "{text}");
    // The failover story counts them: they arrived during the fault.
    let f = &summary.failover[0];
    assert!(
        f.failed_during_fault.mean > 0.7 * rate * 10.0,
        "{:?}",
        f.failed_during_fault
    );
}

/// A 5 s zone outage (black hole) 10 s before the end, clients with a 30 s timeout: the work
/// sent to the dead zone's pods is still waiting when the run ends. Before: "0 requests failed
/// meanwhile" — the black-holed requests had not failed yet, and unfinished ones counted
/// nowhere.
#[test]
fn a_short_zone_outage_counts_its_unfinished_requests_meanwhile() {
    let rate = 300.0;
    let s = load(&format!(
        r#"
[simulation]
duration = "60s"
warmup = "5s"
replications = 2
seed = 9

[clients]
rate = {rate}
timeout = "30s"
retries = {{ attempts = 0 }}

[network]
zones = ["1", "2", "3"]

[ingress]
kind = "nginx"
instances = {{ "1" = 1, "2" = 1, "3" = 1 }}

[[services]]
name = "web"
pods = {{ "1" = 2, "2" = 2, "3" = 2 }}
concurrency = 8
service_time = {{ exponential = {{ mean = "10ms" }} }}

[[faults]]
kind = "zone-outage"
zone = "2"
at = "45s"
duration = "5s"
mode = "black-hole"
"#
    ));
    let runs = run_all(&s);
    for r in &runs {
        assert_eq!(
            r.offered,
            r.succeeded + r.failed_total() + r.unfinished_total()
        );
        assert!(r.unfinished_total() > 0);
    }
    let summary = Summary::from_runs(&s, &runs);
    let f = &summary.failover[0];
    let d = f.detection.as_ref().expect("work reached the dead zone");
    // A third of the traffic went to the dead zone while it was down (5 s), and none of it
    // finished by the end.
    assert!(
        d.failed_requests.mean > 0.0 && f.failed_during_fault.mean > 0.25 * rate * 5.0,
        "{:?} {:?}",
        d.failed_requests,
        f.failed_during_fault
    );
    let text = terminal::render(&summary);
    assert!(
        text.contains("requests failed or unfinished meanwhile"),
        "{text}"
    );
    assert!(!text.contains(" 0 requests failed"), "{text}");
}
