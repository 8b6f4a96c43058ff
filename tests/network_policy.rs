//! Network policies (`[[network_policies]]`): a denied call is dropped, fails as policy-denied
//! at its timeout and is counted; services no policy selects accept every caller; `trafsim
//! validate` and `trafsim run` warn about calls the scenario's own policies deny; unknown names
//! in a policy are errors naming the field.
//!
//! Expected counts come from the arithmetic of the configuration (rate × probability × time).
//! Fixed seeds; release mode.

mod common;

use common::write;

use assert_cmd::Command;
use trafsim::model::ErrorCause;
use trafsim::runner::run_all as run;
use trafsim::scenario::{Scenario, parse};

/// Seed of every scenario (5, 6 and 8 were also checked once).
const SEED: u64 = 7;

/// `web` calls `orders` with probability `p` (timeout 200 ms) and `api`; `api` calls
/// `orders`; `policies` are the `[[network_policies]]` tables.
fn text(p: f64, policies: &str) -> String {
    format!(
        r#"
[simulation]
duration = "70s"
warmup = "10s"
replications = 4
seed = {SEED}

[clients]
rate = 100
timeout = "10s"

[network]
zones = ["1"]
in_zone = "0s"
cross_zone = "0s"

[[services]]
name = "web"
pods = {{ "1" = 4 }}
concurrency = 1000
service_time = "0s"
calls = [
  {{ service = "orders", probability = {p}, timeout = "200ms" }},
  {{ service = "api" }},
]

[[services]]
name = "api"
pods = {{ "1" = 4 }}
concurrency = 1000
service_time = "2ms"
calls = [{{ service = "orders" }}]

[[services]]
name = "orders"
pods = {{ "1" = 4 }}
concurrency = 1000
service_time = "3ms"

[egress]
kind = "direct"

[[egress.destinations]]
name = "bank"
latency = "10ms"

{policies}
"#
    )
}

fn scenario(p: f64, policies: &str) -> Scenario {
    let t = text(p, policies);
    parse(&t, "inline.toml").unwrap_or_else(|e| panic!("{e}\n{t}"))
}

/// Only `api` may call `orders`.
const ORDERS_FROM_API: &str = r#"
[[network_policies]]
name = "orders-from-api"
service = "orders"
allow_from = ["api"]
"#;

#[test]
fn a_denied_call_fails_as_policy_denied_after_its_timeout() {
    let s = scenario(1.0, ORDERS_FROM_API);
    assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
    for r in run(&s) {
        assert_eq!(r.succeeded, 0);
        let denied = r.failed[ErrorCause::PolicyDenied as usize];
        assert_eq!(denied, r.failed_total(), "{:?}", r.failed);
        assert!(denied > 4000, "{denied}");
        // The caller saw nothing until its 200 ms call timeout.
        let web = r.tiers.iter().find(|t| t.name == "web").unwrap();
        assert_eq!(web.latency.min().as_millis_f64(), 200.0);
        assert_eq!(web.latency.max().as_millis_f64(), 200.0);
        // Dropped at the source: nothing reached `orders`, and `api` was never called.
        let orders = r.tiers.iter().find(|t| t.name == "orders").unwrap();
        assert_eq!(orders.arrivals, 0);
        assert_eq!(r.policy_denied.len(), 1);
        let pair = &r.policy_denied[0];
        assert_eq!(
            (
                pair.caller.as_str(),
                pair.target.as_str(),
                pair.policy.as_str()
            ),
            ("web", "orders", "orders-from-api")
        );
        // Every counted denied call failed a request, but those made in the last 200 ms fail
        // after the end of the run.
        assert!(
            pair.count >= denied && pair.count - denied <= 60,
            "{pair:?} {denied}"
        );
    }
}

#[test]
fn denied_calls_are_counted_at_rate_times_probability_times_time() {
    let p = 0.3;
    let s = scenario(p, ORDERS_FROM_API);
    let runs = run(&s);
    let measured: f64 = runs.iter().map(|r| r.measured_secs).sum();
    // Calls made after the warm-up by a Poisson stream thinned with p: Poisson(100 × p × T).
    let want = 100.0 * p * measured;
    let got: u64 = runs.iter().map(|r| r.policy_denied[0].count).sum();
    let half = 3.29 * want.sqrt();
    assert!(
        (got as f64 - want).abs() <= half,
        "denied {got}, expected {want} ± {half:.0} (99.9%)"
    );
    for r in &runs {
        // The others went on to `api`, which may call `orders`.
        let ok = r.succeeded as f64 / r.offered as f64;
        assert!((ok - (1.0 - p)).abs() < 0.03, "success share {ok}");
        let orders = r.tiers.iter().find(|t| t.name == "orders").unwrap();
        assert!(orders.arrivals > 0);
    }
}

#[test]
fn services_no_policy_selects_accept_every_caller() {
    // The policy selects only `api` (an egress rule: it may call `orders`); `web` and `orders`
    // are selected by none, so web → orders, web → api and api → orders are all allowed.
    let s = scenario(
        1.0,
        r#"
[[network_policies]]
name = "api-egress"
service = "api"
allow_to = ["orders"]
"#,
    );
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    for r in run(&s) {
        assert_eq!(r.failed_total(), 0, "{:?}", r.failed);
        assert!(r.succeeded > 4000);
        assert!(r.policy_denied.is_empty());
    }
}

#[test]
fn an_egress_rule_denies_destinations_it_does_not_list() {
    // `orders` may reach no external destination; it calls `bank` anyway.
    let t = text(0.0, "").replace(
        r#"service_time = "3ms""#,
        r#"service_time = "3ms"
calls = [{ destination = "bank", timeout = "150ms" }]"#,
    ) + r#"
[[network_policies]]
name = "orders-no-egress"
service = "orders"
allow_destinations = []
"#;
    let s = parse(&t, "inline.toml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.warnings.len(), 1);
    assert!(
        s.warnings[0]
            .field
            .contains("services[2].calls[0].destination")
    );
    for r in run(&s) {
        let denied = r.failed[ErrorCause::PolicyDenied as usize];
        assert_eq!(denied, r.failed_total());
        assert!(denied > 4000);
        assert!(r.tiers.iter().all(|t| t.name != "egress"));
    }
}

#[test]
fn validate_and_run_warn_about_calls_the_policies_deny() {
    let dir = tempfile::tempdir().unwrap();
    let short = text(0.5, ORDERS_FROM_API)
        .replace(r#"duration = "70s""#, r#"duration = "3s""#)
        .replace(r#"warmup = "10s""#, r#"warmup = "1s""#)
        .replace("replications = 4", "replications = 2");
    let f = write(dir.path(), "denied.toml", &short);
    let out = Command::cargo_bin("trafsim")
        .unwrap()
        .arg("validate")
        .arg(&f)
        .assert()
        .code(0)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = short
        .lines()
        .position(|l| l.contains("\"orders\", probability"))
        .unwrap()
        + 1;
    assert!(stderr.starts_with("warning: "), "{stderr}");
    for part in [
        format!("denied.toml:{line}:"),
        "services[0].calls[0].service".into(),
        "`web` to `orders`".into(),
        "`orders-from-api`".into(),
    ] {
        assert!(stderr.contains(&part), "expected {part:?} in {stderr}");
    }
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("ok: "));

    let out = Command::cargo_bin("trafsim")
        .unwrap()
        .arg("run")
        .arg(&f)
        .args(["--format", "json", "--quiet", "--out"])
        .arg(dir.path())
        .assert()
        .success()
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning: ") && stderr.contains("orders-from-api"),
        "{stderr}"
    );
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/schemas/summary.schema.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&summary)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let pairs = summary["policy_denied"].as_array().unwrap();
    assert_eq!(pairs.len(), 1);
    assert_eq!(pairs[0]["caller"], "web");
    assert!(pairs[0]["count"].as_u64().unwrap() > 0);
    assert!(
        summary["errors"]["by_cause"]["policy-denied"]["count"]
            .as_u64()
            .unwrap()
            > 0
    );
}

#[test]
fn an_unknown_service_in_a_policy_is_an_error_naming_the_field() {
    let t = text(
        1.0,
        r#"
[[network_policies]]
name = "typo"
service = "ordres"
allow_from = ["webb"]
allow_destinations = ["bnak"]
"#,
    );
    let e = parse(&t, "typo.toml").unwrap_err().to_string();
    for part in [
        "network_policies[0].service: no service named `ordres`; did you mean `orders`?",
        "network_policies[0].allow_from[0]: no service named `webb`; did you mean `web`?",
        "network_policies[0].allow_destinations[0]: no destination named `bnak`; did you mean `bank`?",
    ] {
        assert!(e.contains(part), "expected {part:?} in\n{e}");
    }
    let line = t.lines().position(|l| l.contains("\"ordres\"")).unwrap() + 1;
    assert!(e.contains(&format!("typo.toml:{line}:")), "{e}");
}
