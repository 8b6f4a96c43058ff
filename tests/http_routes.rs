//! Gateway API HTTPRoute rules (`[[ingress.http_routes]]`, issue 18) on the kinds that
//! implement Gateway API: weighted `backend_refs` split a rule's requests by weight, a header
//! match takes exactly the requests whose class carries the header, results come per route,
//! and the other kinds refuse the table by name.
//!
//! Inline scenarios with no network latency; fixed seed (3, 4 and 5 also checked once by
//! hand). Each test fails on the code before this table existed: `http_routes` was an unknown
//! key.

use trafsim::runner::run_all as run;
use trafsim::scenario::{Scenario, parse};

/// Seed of every scenario.
const SEED: u64 = 21;

/// z at 99.9%, two-sided.
const Z999: f64 = 3.290_526_7;

/// `k` of `n` is within the 99.9% normal interval of a binomial share `p`.
fn binomial_ok(k: u64, n: u64, p: f64) -> bool {
    let share = k as f64 / n as f64;
    (share - p).abs() <= Z999 * (p * (1.0 - p) / n as f64).sqrt()
}

/// Three services (web, web-canary, web-beta) behind `kind`, with `extra` (classes and
/// rules).
fn text(kind: &str, extra: &str) -> String {
    format!(
        r#"
[simulation]
duration = "40s"
warmup = "5s"
replications = 4
seed = {SEED}

[clients]
rate = 400

[network]
zones = ["1"]
in_zone = "0s"
cross_zone = "0s"

[ingress]
kind = "{kind}"

[[services]]
name = "web"
pods = {{ "1" = 2 }}
concurrency = 100
service_time = "2ms"

[[services]]
name = "web-canary"
pods = {{ "1" = 1 }}
concurrency = 100
service_time = "2ms"

[[services]]
name = "web-beta"
pods = {{ "1" = 1 }}
concurrency = 100
service_time = "2ms"
{extra}
"#
    )
}

fn load(kind: &str, extra: &str) -> Scenario {
    let t = text(kind, extra);
    parse(&t, "http-routes.toml").unwrap_or_else(|e| panic!("{e}\n{t}"))
}

fn error(kind: &str, extra: &str) -> String {
    match parse(&text(kind, extra), "http-routes.toml") {
        Ok(_) => panic!("expected an error for {extra}"),
        Err(e) => e.to_string(),
    }
}

/// A 90/10 canary and a beta cohort routed by header, the Gateway API way.
const CANARY_AND_BETA: &str = r#"
[[clients.classes]]
name = "beta"
share = 0.05
headers = { "X-Beta" = "1" }

[[ingress.http_routes]]
matches = [{ path = { type = "PathPrefix", value = "/" }, headers = [{ name = "x-beta", value = "1" }] }]
backend_refs = [{ name = "web-beta" }]

[[ingress.http_routes]]
matches = [{ path = { type = "PathPrefix", value = "/" } }]
backend_refs = [{ name = "web", weight = 90 }, { name = "web-canary", weight = 10 }]
"#;

/// The weighted backendRefs split the requests no header matches 90/10, within the 99.9%
/// binomial interval, on both Gateway API kinds; each backend is a route with its results.
#[test]
fn backend_ref_weights_split_the_rule_within_the_999_interval() {
    for kind in ["app-gateway-for-containers", "istio"] {
        let s = load(kind, CANARY_AND_BETA);
        let names: Vec<&str> = s.clients.routes.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            ["/ (x-beta: 1)", "/ → web", "/ → web-canary"],
            "{kind}"
        );
        let runs = run(&s);
        let (mut web, mut canary) = (0u64, 0u64);
        for r in &runs {
            let routes = &r.routing.routes;
            web += routes[1].offered;
            canary += routes[2].offered;
            // Each route's requests reach its service: the counts differ only by the requests
            // between the client and the pod at the warm-up and end boundaries (≈ 400 rps ×
            // 3 ms of gateway work, about one each; 10 is far in the Poisson tail).
            let arrivals = |name: &str| r.tiers.iter().find(|t| t.name == name).unwrap().arrivals;
            assert!(
                arrivals("web-canary").abs_diff(routes[2].offered) <= 10,
                "{kind}: {} vs {}",
                arrivals("web-canary"),
                routes[2].offered
            );
            assert!(
                arrivals("web").abs_diff(routes[1].offered) <= 10,
                "{kind}: {} vs {}",
                arrivals("web"),
                routes[1].offered
            );
        }
        assert!(canary > 0, "{kind}");
        assert!(
            binomial_ok(canary, web + canary, 0.1),
            "{kind}: canary {canary} of {}",
            web + canary
        );
    }
}

/// The header rule takes exactly the beta class's requests, and they reach web-beta only.
#[test]
fn a_header_match_routes_exactly_its_class() {
    let s = load("istio", CANARY_AND_BETA);
    for r in &run(&s) {
        let (classes, routes) = (&r.routing.classes, &r.routing.routes);
        assert_eq!(classes[0].offered, routes[0].offered);
        let beta = r.tiers.iter().find(|t| t.name == "web-beta").unwrap();
        assert!(
            beta.arrivals.abs_diff(classes[0].offered) <= 10,
            "boundary requests"
        );
        assert!(classes[0].offered > 0);
    }
}

/// A kind without Gateway API refuses the table, naming it and the kinds that take it;
/// errors inside it name the HTTPRoute field.
#[test]
fn kinds_without_gateway_api_refuse_it_and_errors_name_the_field() {
    let e = error("nginx", CANARY_AND_BETA);
    assert!(e.contains("ingress.http_routes"), "{e}");
    assert!(
        e.contains("Gateway API") && e.contains("app-gateway-for-containers"),
        "{e}"
    );
    let e = error(
        "istio",
        "[[ingress.http_routes]]\nbackend_refs = [{ name = \"web\" }, { name = \"wbe\" }]\n",
    );
    assert!(
        e.contains("ingress.http_routes[0].backend_refs[1].name"),
        "{e}"
    );
    assert!(e.contains("wbe"), "{e}");
    let e = error(
        "istio",
        "[[ingress.http_routes]]\nmatches = [{ headers = [{ name = \"x-beta\", value = \"1\" }] }]\nbackend_refs = [{ name = \"web-beta\" }]\n[[ingress.http_routes]]\nbackend_refs = [{ name = \"web\" }]\n",
    );
    assert!(
        e.contains("ingress.http_routes[0].matches[0].headers[0]"),
        "{e}"
    );
    assert!(e.contains("no request class carries header"), "{e}");
    let e = error(
        "istio",
        "[[ingress.http_routes]]\nmatches = [{ path = { type = \"RegularExpression\", value = \"/a.*\" } }]\nbackend_refs = [{ name = \"web\" }]\n",
    );
    assert!(e.contains("RegularExpression"), "{e}");
    let e = error(
        "istio",
        "[[clients.routes]]\npath = \"/\"\nservice = \"web\"\n[[ingress.http_routes]]\nbackend_refs = [{ name = \"web\" }]\n",
    );
    assert!(
        e.contains("ingress.http_routes") && e.contains("not both"),
        "{e}"
    );
}
