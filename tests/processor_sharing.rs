//! A pod's CPU shared by processor sharing (`cpu`), service time that grows with concurrency
//! (`contention`), and the HPA reading CPU: each against its arithmetic.
//!
//! - M/M/1-PS has the mean response time of M/M/1-FCFS, `1/(μ − λ)`;
//! - M/G/1-PS is *insensitive*: with deterministic or high-variance service of the same mean
//!   the mean stays `1/(μ − λ)`, while FCFS's M/D/1 differs (Pollaczek–Khinchine);
//! - a CPU limit of 500m halves a lone request's speed (the CFS quota);
//! - Brooker's overload collapse (scenarios/overload-collapse.toml);
//! - the HPA scales on CPU used over CPU requested.
//!
//! Every test fails on the code before `cpu` and `contention` existed: those keys were unknown
//! (the scenarios did not load), and the slot model has no sharing — a pod with one slot is
//! FCFS (M/D/1: 15 ms, not 20 ms) and the HPA read slots, which an unbounded pod never fills.
//! Statistical checks use 99.9% intervals of the replication means (see `model_theory.rs`).

mod common;

use common::DIRECT;
use rayon::prelude::*;
use trafsim::model::result::gauge;
use trafsim::model::{RunResult, simulate};
use trafsim::scenario::{Scenario, load, parse};
use trafsim::stats::Estimate;

/// One pod, no ingress, no latency: λ = 50/s, service of mean 10 ms (μ = 100/s).
fn single_server(service_time: &str, pod: &str, arrival: &str, rate: f64) -> Scenario {
    let text = format!(
        r#"
[simulation]
duration = "6m"
warmup = "30s"
replications = 10
seed = 16
[clients]
rate = {rate}
arrival = "{arrival}"
new_tls_connection_share = 0
timeout = "1h"
retries = {{ attempts = 0 }}
latency = "0s"
{DIRECT}
[[services]]
name = "server"
pods = {{ "1" = 1 }}
service_time = {service_time}
{pod}
"#
    );
    parse(&text, "ps.toml").expect("scenario loads")
}

fn mean_response(s: &Scenario) -> Vec<f64> {
    (0..u64::from(s.simulation.replications))
        .into_par_iter()
        .map(|r| simulate(s, r).latency.mean_secs())
        .collect()
}

fn assert_in_ci(what: &str, values: &[f64], truth: f64, max_rel: f64) {
    let e = Estimate::from_samples(values);
    let hw = e.half_width_at(0.999);
    assert!(
        (e.mean - truth).abs() <= hw,
        "{what}: simulated {:.6} ± {hw:.6} (99.9%), theory {truth:.6}",
        e.mean
    );
    assert!(hw <= max_rel * truth, "{what}: interval ±{hw:.6} too wide");
}

const ONE_CORE: &str = r#"cpu = { limit = "1" }"#;

#[test]
fn mm1_ps_mean_response_is_one_over_mu_minus_lambda() {
    let s = single_server(
        r#"{ exponential = { mean = "10ms" } }"#,
        ONE_CORE,
        "poisson",
        50.0,
    );
    assert_in_ci("M/M/1-PS", &mean_response(&s), 1.0 / (100.0 - 50.0), 0.05);
    // The tier's utilisation is the CPU's (ρ = 0.5), not the unbounded worker slots' (~0).
    let tier = &simulate(&s, 0).tiers[0];
    assert!(
        (tier.utilisation - 0.5).abs() < 0.03,
        "{}",
        tier.utilisation
    );
    assert!((tier.mean_busy - 0.5).abs() < 0.03, "{}", tier.mean_busy);
    assert!((tier.offered_load.unwrap() - 0.5).abs() < 0.03);
}

#[test]
fn mg1_ps_is_insensitive_to_the_service_distribution_unlike_fcfs() {
    let w_ps = 1.0 / (100.0 - 50.0);
    // Deterministic service: PS still 20 ms ...
    let d = single_server(r#""10ms""#, ONE_CORE, "poisson", 50.0);
    assert_in_ci("M/D/1-PS", &mean_response(&d), w_ps, 0.05);
    // ... and with a high-variance service (lognormal, coefficient of variation ≈ 1.9).
    let h = single_server(
        r#"{ lognormal = { mean = "10ms", p99 = "70ms" } }"#,
        ONE_CORE,
        "poisson",
        50.0,
    );
    assert_in_ci("M/G/1-PS (lognormal)", &mean_response(&h), w_ps, 0.06);
    // FCFS in one worker slot, the same deterministic service: Pollaczek–Khinchine gives
    // W = S + ρS / (2(1 − ρ)) = 10 + 5 = 15 ms, not 20.
    let fcfs = single_server(r#""10ms""#, "concurrency = 1", "poisson", 50.0);
    assert_in_ci("M/D/1-FCFS", &mean_response(&fcfs), 0.015, 0.05);
}

#[test]
fn a_500m_limit_halves_the_speed_of_a_lone_request() {
    // Evenly spaced arrivals 1 s apart and 10 ms of work: requests never overlap.
    let lone = |limit: &str| {
        let pod = format!(r#"cpu = {{ request = "250m", limit = "{limit}" }}"#);
        let s = single_server(r#""10ms""#, &pod, "constant", 1.0);
        let r = simulate(&s, 0);
        assert!(r.succeeded > 300, "{} requests", r.succeeded);
        r.latency.mean_secs()
    };
    let close = |got: f64, want: f64| (got - want).abs() < 1e-4;
    let half = lone("500m");
    assert!(close(half, 0.020), "500m: {half} s, want 20 ms");
    let one = lone("1");
    assert!(close(one, 0.010), "1 core: {one} s, want 10 ms");
    // One request runs on one core at most: a 2-core limit does not make it faster.
    let two = lone("2");
    assert!(close(two, 0.010), "2 cores: {two} s, want 10 ms");
}

fn goodput_and_offered(s: &Scenario) -> (f64, f64) {
    let rs: Vec<RunResult> = (0..u64::from(s.simulation.replications))
        .into_par_iter()
        .map(|r| simulate(s, r))
        .collect();
    let n = rs.len() as f64;
    (
        rs.iter().map(RunResult::goodput).sum::<f64>() / n,
        rs.iter().map(RunResult::throughput).sum::<f64>() / n,
    )
}

#[test]
fn brookers_overload_collapse_with_retries_and_recovery_without() {
    // Service time 1 s × (1 + 0.01 × in service), 3 s timeout, 3 tries, 40/s with a 15 s
    // spike to 100/s; measured from 45 s after the spike. See the scenario's arithmetic.
    let s = load(std::path::Path::new("scenarios/overload-collapse.toml")).expect("loads");
    assert_eq!(s.clients.retries.attempts, 2, "3 tries");
    let (good, offered) = goodput_and_offered(&s);
    // Retries: 120 attempts/s against at most 100/s at any concurrency — stuck.
    assert!(
        good < 0.1 * offered,
        "with retries goodput {good:.1}/s of {offered:.1}/s offered: no collapse"
    );
    let mut without = s.clone();
    without.clients.retries.attempts = 0;
    let (good_nr, offered_nr) = goodput_and_offered(&without);
    assert!(
        good_nr > 0.9 * offered_nr,
        "without retries goodput {good_nr:.1}/s of {offered_nr:.1}/s: no recovery"
    );
    assert!(good_nr > 5.0 * good.max(1.0));
    // The same clients, retries included, are healthy without the spike: the spike is only
    // the trigger, the retries sustain the failure (metastability).
    let mut calm = s.clone();
    let mut text = std::fs::read_to_string("scenarios/overload-collapse.toml").unwrap();
    text = text.replace("rps = 100 }", "rps = 40 }");
    calm.clients = parse(&text, "calm.toml").unwrap().clients;
    let (good_calm, offered_calm) = goodput_and_offered(&calm);
    assert!(
        good_calm > 0.9 * offered_calm,
        "no spike: goodput {good_calm:.1}/s of {offered_calm:.1}/s"
    );
}

#[test]
fn hpa_scales_on_cpu_used_over_cpu_requested() {
    // 2 pods requesting 500m each (limit 2 cores), 100 rps × 10 ms = 1 core of work: each pod
    // uses 0.5 core = 100% of its request against a 50% target, so the HPA wants
    // ceil(2 × 1.0 / 0.5) = 4 pods, and at 4 pods each uses 0.25 core = 50%: it stays there.
    // Worker slots (unbounded with `cpu`) would read ~0% and never scale.
    let text = r#"
[simulation]
duration = "3m"
warmup = "0s"
replications = 1
seed = 4
window = "5s"
[clients]
rate = 100
timeout = "10s"
[network]
zones = ["1"]
[ingress]
kind = "none"
[[services]]
name = "web"
pods = { "1" = 2 }
cpu = { request = "500m", limit = "2" }
service_time = { exponential = { mean = "10ms" } }
startup = "10s"
hpa = { min = 2, max = 10, target_utilisation = 0.5, sync_period = "15s" }
"#;
    let s = parse(text, "hpa-cpu.toml").unwrap();
    let r = simulate(&s, 0);
    let ready: Vec<f64> = r
        .series
        .windows()
        .iter()
        .map(|w| w.gauges[gauge::READY_PODS].max)
        .collect();
    assert_eq!(ready[0], 2.0);
    let last = *ready.last().unwrap();
    assert!(
        (4.0..=5.0).contains(&last),
        "{last} ready pods at the end, want 4 (5 within tolerance noise); {ready:?}"
    );
}

#[test]
fn bad_cpu_and_contention_values_are_named_with_what_is_allowed() {
    let error = |pod: &str| {
        let text = format!(
            "[clients]\nrate = 1\n[[services]]\nname = \"a\"\npods = {{ \"1\" = 1 }}\nservice_time = \"1ms\"\n{pod}\n"
        );
        match parse(&text, "bad.toml") {
            Ok(_) => panic!("expected an error for {pod}"),
            Err(e) => e.to_string(),
        }
    };
    let e = error(r#"cpu = { request = "half" }"#);
    assert!(
        e.contains("bad.toml") && e.contains("\"half\"") && e.contains("\"500m\""),
        "{e}"
    );
    let e = error(r#"cpu = { request = "2", limit = "1" }"#);
    assert!(
        e.contains("services[0].cpu.request") && e.contains("must not exceed"),
        "{e}"
    );
    let e = error("cpu = {}");
    assert!(
        e.contains("services[0].cpu") && e.contains("request"),
        "{e}"
    );
    let e = error(r#"cpu = { requests = "1" }"#);
    assert!(e.contains("requests"), "{e}");
    let e = error("contention = -1");
    assert!(
        e.contains("services[0].contention") && e.contains("at least 0"),
        "{e}"
    );
}

#[test]
fn worker_slots_still_bound_the_requests_sharing_the_cpu() {
    // One slot in front of one core: one request on the CPU at a time, the rest wait in line,
    // so deterministic service is M/D/1-FCFS again (15 ms), not PS (20 ms).
    let pod = "cpu = { limit = \"1\" }\nconcurrency = 1";
    let s = single_server(r#""10ms""#, pod, "poisson", 50.0);
    assert_in_ci("M/D/1 (slot + cpu)", &mean_response(&s), 0.015, 0.05);
}
