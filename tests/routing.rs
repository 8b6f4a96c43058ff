//! Routing (issue 14 item 3): a weighted choice among call targets (`choose`), request classes
//! with headers (`[[clients.classes]]`) and `match` rules on routes and options, and the results
//! per class, route and call target.
//!
//! Every test here fails on the code before it: `choose`, `classes` and `match` were unknown
//! fields, and the summary had no `routing`. The independent pattern it replaces (two calls
//! with probabilities 0.9 and 0.1) makes 9% of requests call both and 9% neither, which the
//! latency bounds below would catch: with web 10 ms, v1 20 ms and v2 40 ms, a request that
//! called neither takes 10 ms and one that called both 70 ms.
//!
//! Inline scenarios with no ingress and no network latency; fixed seed; release mode.

use trafsim::model::RunResult;
use trafsim::runner::{Summary, run_all as run};
use trafsim::scenario::{Scenario, parse};
use trafsim::stats::Estimate;

/// Seed of every scenario (4, 5 and 6 were also checked once).
const SEED: u64 = 11;

/// z for a two-sided 99.9% normal interval.
const Z999: f64 = 3.29;

/// A one-zone, zero-latency scenario: `web` (10 ms) makes `calls`; `pay-v1` (20 ms) and
/// `pay-v2` (40 ms, `v2_errors`) are its targets; `clients` is appended to `[clients]`.
fn scenario(clients: &str, calls: &str, v2_errors: f64) -> Scenario {
    let text = format!(
        r#"
[simulation]
duration = "65s"
warmup = "5s"
replications = 6
seed = {SEED}

[clients]
rate = 400
{clients}

[network]
zones = ["1"]
in_zone = "0s"
cross_zone = "0s"

[[services]]
name = "web"
pods = {{ "1" = 2 }}
concurrency = 1000
service_time = "10ms"
calls = [{calls}]

[[services]]
name = "web-v2"
pods = {{ "1" = 2 }}
concurrency = 1000
service_time = "10ms"
calls = [{calls}]

[[services]]
name = "pay-v1"
pods = {{ "1" = 2 }}
concurrency = 1000
service_time = "20ms"

[[services]]
name = "pay-v2"
pods = {{ "1" = 2 }}
concurrency = 1000
service_time = "40ms"
error_rate = {v2_errors}
"#
    );
    parse(&text, "routing.toml").unwrap()
}

const WEIGHTED: &str =
    r#"{ choose = [{ service = "pay-v1", weight = 90 }, { service = "pay-v2", weight = 10 }] }"#;

/// Whether `k` of `n` is within the 99.9% normal interval of a binomial share `p`.
fn binomial_ok(k: u64, n: u64, p: f64) -> bool {
    let share = k as f64 / n as f64;
    (share - p).abs() <= Z999 * (p * (1.0 - p) / n as f64).sqrt()
}

#[test]
fn weights_set_the_shares_and_every_request_calls_exactly_one_target() {
    let s = scenario("", WEIGHTED, 0.0);
    let runs = run(&s);
    let (v1, v2): (u64, u64) = runs.iter().fold((0, 0), |(a, b), r| {
        let t = &r.routing.call_targets;
        (a + t[0].offered, b + t[1].offered)
    });
    assert!(binomial_ok(v2, v1 + v2, 0.1), "v2 got {v2} of {}", v1 + v2);
    // Each service's arrivals agree with the per-target counts, but for the calls of requests
    // that arrived in the last 10 ms of the warm-up (the tiers count from the warm-up's end,
    // the targets count requests that arrived after it): 4 on average at 400 rps.
    for r in &runs {
        let arrivals = |name: &str| r.tiers.iter().find(|t| t.name == name).unwrap().arrivals;
        assert!(arrivals("pay-v2").abs_diff(r.routing.call_targets[1].offered) <= 20);
        assert!(arrivals("pay-v1").abs_diff(r.routing.call_targets[0].offered) <= 20);
    }
    // Exactly one call per request: every latency is 10 + 20 or 10 + 40 ms (none 10 ms, none
    // 70 ms). The histogram keeps 3 significant digits.
    for r in &runs {
        assert!(
            r.latency.min().as_millis_f64() >= 30.0 * 0.999,
            "a request called neither"
        );
        assert!(
            r.latency.max().as_millis_f64() <= 50.0 * 1.001,
            "a request called both"
        );
    }
    // The summary's shares: 0.9 and 0.1 within their 99.9% intervals.
    let sum = Summary::from_runs(&s, &runs);
    let t = &sum.routing.call_targets;
    assert_eq!(
        (t[0].name.as_str(), t[1].name.as_str()),
        ("web → pay-v1", "web → pay-v2")
    );
    for (slice, expected) in t.iter().zip([0.9, 0.1]) {
        let e = slice.share;
        assert!(
            (e.mean - expected).abs() <= e.half_width_at(0.999),
            "{}: {e:?}",
            slice.name
        );
    }
    // Each target's own latency is its own: 20 ms and 40 ms.
    let p50 = |i: usize| t[i].latency.p50.mean * 1e3;
    assert!((p50(0) - 20.0).abs() < 0.05 && (p50(1) - 40.0).abs() < 0.05);
}

#[test]
fn a_zero_weight_option_gets_nothing_and_probability_skips_the_whole_choice() {
    let calls = r#"{ probability = 0.5, choose = [{ service = "pay-v1" }, { service = "pay-v2", weight = 0 }] }"#;
    let s = scenario("", calls, 0.0);
    let runs = run(&s);
    let v2: u64 = runs.iter().map(|r| r.routing.call_targets[1].offered).sum();
    assert_eq!(v2, 0);
    let made: u64 = runs.iter().map(|r| r.routing.call_targets[0].offered).sum();
    let offered: u64 = runs.iter().map(|r| r.offered).sum();
    assert!(binomial_ok(made, offered, 0.5), "{made} of {offered}");
}

const BETA: &str = r#"
[[clients.classes]]
name = "beta"
share = 0.05
headers = { "X-Canary" = "always" }

[[clients.routes]]
path = "/canary"
service = "web-v2"
match = { header = "x-canary", value = "always" }

[[clients.routes]]
path = "/"
service = "web"
"#;

#[test]
fn a_header_class_takes_its_route_and_only_it() {
    let s = scenario(BETA, r#"{ service = "pay-v1" }"#, 0.0);
    assert_eq!(s.clients.classes.len(), 2, "beta and default");
    let runs = run(&s);
    let (mut beta, mut all) = (0, 0);
    for r in &runs {
        let (classes, routes) = (&r.routing.classes, &r.routing.routes);
        // The canary route's requests are exactly the beta class's.
        assert_eq!(classes[0].offered, routes[0].offered);
        assert_eq!(classes[1].offered, routes[1].offered);
        let web_v2 = r.tiers.iter().find(|t| t.name == "web-v2").unwrap();
        assert!(web_v2.arrivals.abs_diff(classes[0].offered) <= 2);
        beta += classes[0].offered;
        all += r.offered;
    }
    assert!(binomial_ok(beta, all, 0.05), "beta {beta} of {all}");
}

#[test]
fn a_class_rule_on_a_call_option_sends_that_class_there_and_the_rest_by_weight() {
    let calls = r#"{ choose = [{ service = "pay-v2", match = { class = "beta" } }, { service = "pay-v1" }] }"#;
    let s = scenario(BETA, calls, 0.0);
    let runs = run(&s);
    for r in &runs {
        // Both web and web-v2 make the call; beta requests only reach web-v2, so all of
        // web-v2's calls and none of web's go to pay-v2.
        // Options in order: web → pay-v2, web → pay-v1, web-v2 → pay-v2, web-v2 → pay-v1.
        let t = &r.routing.call_targets;
        assert_eq!(t[0].offered, 0, "web sent a non-beta request to pay-v2");
        assert_eq!(t[3].offered, 0, "web-v2 sent a beta request to pay-v1");
        assert!(t[2].offered.abs_diff(r.routing.classes[0].offered) <= 2);
    }
}

/// The canary: beta users reach web-v2 by header, every page calls pay-v1 or pay-v2 by
/// 90/10, and pay-v2 fails 20% of its calls. Per class: beta sees web-v2 and the same payments
/// split, so both classes fail 10% × 20% = 2%; per target, pay-v2 fails 20% and pay-v1 none.
/// A web-v2 that fails on its own shows in the beta class only.
#[test]
fn per_class_and_per_target_results_show_the_canary_apart() {
    let mut s = scenario(BETA, WEIGHTED, 0.2);
    s.services[1].error_rate = 0.1; // web-v2, the beta users' version
    let runs = run(&s);
    let sum = Summary::from_runs(&s, &runs);
    let r = &sum.routing;
    let close = |e: Estimate, x: f64| (e.mean - x).abs() <= e.half_width_at(0.999);
    // Targets: pay-v2's own error rate is 20%, pay-v1's none (calls from web).
    assert_eq!(r.call_targets[0].failed, 0);
    assert!(
        close(r.call_targets[1].error_rate, 0.2),
        "{:?}",
        r.call_targets[1]
    );
    // Classes: default 2%; beta 1 − (1 − 0.1)(1 − 0.02) = 11.8%.
    let (beta, default) = (&r.classes[0], &r.classes[1]);
    assert_eq!(
        (beta.name.as_str(), default.name.as_str()),
        ("beta", "default")
    );
    assert!(close(default.error_rate, 0.02), "{:?}", default.error_rate);
    assert!(
        close(beta.error_rate, 1.0 - 0.9 * 0.98),
        "{:?}",
        beta.error_rate
    );
    // The overall rate mixes them: it is neither.
    let overall = sum.errors.rate.mean;
    assert!(overall > 0.02 && overall < 0.118 / 2.0, "{overall}");
    // Routes name the same requests as the classes here.
    assert_eq!(r.routes[0].offered, beta.offered);
    // Latency per target: pay-v2's successes take 40 ms, pay-v1's 20 ms.
    assert!((r.call_targets[1].latency.p99.mean * 1e3 - 40.0).abs() < 0.1);
    assert!((r.call_targets[0].latency.p99.mean * 1e3 - 20.0).abs() < 0.1);
}

#[test]
fn routing_results_are_the_same_whatever_the_thread_count() {
    let s = scenario(BETA, WEIGHTED, 0.2);
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| run(&s));
    let two = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap()
        .install(|| run(&s));
    let key = |runs: &[RunResult]| {
        let sum = Summary::from_runs(&s, runs);
        serde_json::to_string(&sum.routing).unwrap()
    };
    assert_eq!(key(&one), key(&two));
}

/// A file with one `web` service calling `calls`, and `extra` appended.
fn file(calls: &str, extra: &str) -> String {
    format!(
        "[clients]\nrate = 1\n\n[[services]]\nname = \"web\"\npods = {{ \"1\" = 1 }}\n\
         service_time = \"1ms\"\ncalls = [\n{calls}\n]\n\n[[services]]\nname = \"pay-v1\"\n\
         pods = {{ \"1\" = 1 }}\nservice_time = \"1ms\"\n\n[[services]]\nname = \"pay-v2\"\n\
         pods = {{ \"1\" = 1 }}\nservice_time = \"1ms\"\n{extra}"
    )
}

#[test]
fn independent_calls_that_look_like_a_split_are_warned_about() {
    let calls = "{ service = \"pay-v1\", probability = 0.9 },\n\
                 { service = \"pay-v2\", probability = 0.1 },";
    let s = parse(&file(calls, ""), "split.toml").unwrap();
    assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
    let w = s.warnings[0].to_string();
    assert!(
        w.starts_with("split.toml:9:") && w.contains("services[0].calls[0].probability"),
        "{w}"
    );
    assert!(
        w.contains("9.0% of requests make both and 9.0% neither"),
        "{w}"
    );
    let fix =
        r#"choose = [{ service = "pay-v1", weight = 90 }, { service = "pay-v2", weight = 10 }]"#;
    assert!(w.contains(fix), "{w}");
    // Versions of one service with probabilities that do not sum to 1 are warned about too.
    let calls = "{ service = \"pay-v1\", probability = 0.5 },\n\
                 { service = \"pay-v2\", probability = 0.2 },";
    let s = parse(&file(calls, ""), "split.toml").unwrap();
    assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
    // The weighted choice is not.
    let s = parse(&file(WEIGHTED, ""), "split.toml").unwrap();
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
}

/// The error for `calls` (and `extra`), which must name `expected`.
fn error(calls: &str, extra: &str) -> String {
    parse(&file(calls, extra), "bad.toml")
        .unwrap_err()
        .to_string()
}

#[test]
fn bad_weights_targets_and_class_names_are_errors_naming_file_line_and_field() {
    let e = error(
        r#"{ choose = [{ service = "pay-v1", weight = 90 }, { service = "pay-v2", weight = -1 }] }"#,
        "",
    );
    assert!(
        e.contains("bad.toml:9:")
            && e.contains(
                "services[0].calls[0].choose[1].weight: must be a finite number, at least 0, got -1"
            ),
        "{e}"
    );
    let e = error(
        r#"{ choose = [{ service = "pay-v1", weight = 0 }, { service = "pay-v2", weight = 0 }] }"#,
        "",
    );
    assert!(
        e.contains("bad.toml:9:")
            && e.contains("services[0].calls[0].choose: the weights of the options without `match` must not all be 0 (got 0, 0)"),
        "{e}"
    );
    let e = error(
        r#"{ choose = [{ service = "pay-v1" }, { service = "pay-v3" }] }"#,
        "",
    );
    assert!(
        e.contains("bad.toml:9:")
            && e.contains(
                "services[0].calls[0].choose[1].service: no service named `pay-v3`; did you mean"
            ),
        "{e}"
    );
    let e = error(
        r#"{ choose = [{ service = "pay-v2", match = { class = "bta" } }, { service = "pay-v1" }] }"#,
        "[[clients.classes]]\nname = \"beta\"\nshare = 0.1\n",
    );
    assert!(
        e.contains("services[0].calls[0].choose[0].match.class: no request class named `bta`; did you mean `beta`?"),
        "{e}"
    );
    let e = error(
        r#"{ choose = [{ service = "pay-v2", match = { header = "x-canary", value = "true" } }, { service = "pay-v1" }] }"#,
        "",
    );
    assert!(
        e.contains("match.header: no request class carries header `x-canary` = \"true\""),
        "{e}"
    );
    let e = error(
        r#"{ service = "pay-v1", choose = [{ service = "pay-v2" }] }"#,
        "",
    );
    assert!(
        e.contains("give `service`, `destination` or `choose`, only one"),
        "{e}"
    );
    // Class shares, and an unknown field of a class.
    let e = error(
        r#"{ service = "pay-v1" }"#,
        "[[clients.classes]]\nname = \"a\"\nshare = 0.7\n[[clients.classes]]\nname = \"b\"\nshare = 0.6\n",
    );
    assert!(
        e.contains("clients.classes: class shares must sum to at most 1"),
        "{e}"
    );
    let e = error(
        r#"{ service = "pay-v1" }"#,
        "[[clients.classes]]\nname = \"a\"\nshare = 0.1\nheader = { x = \"1\" }\n",
    );
    assert!(
        e.contains("clients.classes[0].header: unknown field `header`"),
        "{e}"
    );
}

#[test]
fn a_choice_in_a_fan_out_group_makes_one_option_beside_the_other_calls() {
    // The group: pay-v1 or pay-v2 (90/10) and, at the same time, pay-v1. A request takes
    // 10 ms + max(20, 20 or 40) ms: 30 ms or 50 ms, never 70 (both options) or 10 (neither).
    let calls = r#"{ choose = [{ service = "pay-v1", weight = 9 }, { service = "pay-v2", weight = 1 }], fan_out = "page" },
                   { service = "pay-v1", fan_out = "page" }"#;
    let s = scenario("", calls, 0.0);
    let runs = run(&s);
    let (v2, all): (u64, u64) = runs.iter().fold((0, 0), |(a, b), r| {
        let t = &r.routing.call_targets;
        (a + t[1].offered, b + t[0].offered + t[1].offered)
    });
    assert!(binomial_ok(v2, all, 0.1), "v2 got {v2} of {all}");
    for r in &runs {
        assert!(r.latency.min().as_millis_f64() >= 30.0 * 0.999);
        assert!(r.latency.max().as_millis_f64() <= 50.0 * 1.001);
        // pay-v1 gets the plain call of every request and 90% of the choices.
        let offered = r.offered as f64;
        let v1 = r
            .tiers
            .iter()
            .find(|t| t.name == "pay-v1")
            .unwrap()
            .arrivals as f64;
        assert!((v1 / offered - 1.9).abs() < 0.05, "{v1} for {offered}");
    }
}
