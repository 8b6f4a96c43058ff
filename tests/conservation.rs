//! Conservation (issue 12 item 4): every request ends in exactly one class, and every tier
//! accounts for every attempt that reached it.
//!
//! - request level: `offered = succeeded + failed + unfinished`;
//! - per tier (the ingress and each service): `carried_in + arrivals = completed + rejected +
//!   lost + in_flight`, where `carried_in` is what the tier held when the warm-up ended (the
//!   counts start there) and `in_flight` what it holds when the run ends;
//! - the time series agrees: its windows' unfinished counts add up to the run's.
//!
//! Checked over every shipped scenario (`scenarios/*.toml`, shortened to 40 s with a 10 s
//! warm-up and one replication, so faults that start later do not happen) and over scenarios
//! drawn by a seeded generator: random loads from light to 20× overload, bounded and
//! unbounded queues, every ingress kind, calls between services, retries and the faults that
//! kill pods and instances (black hole and reset). Before this test, `unfinished`,
//! `carried_in`, `lost` and `in_flight` did not exist: the identities could not even be
//! written, and an overloaded run lost its unfinished requests from every count.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use trafsim::engine::SimDuration;
use trafsim::model::{RunResult, simulate};
use trafsim::scenario::{Scenario, load, parse};

/// Checks both identities for one replication of `s`.
fn check(s: &Scenario, what: &str) {
    let r = simulate(s, 0);
    assert_conserved(&r, what);
}

fn assert_conserved(r: &RunResult, what: &str) {
    assert_eq!(
        r.offered,
        r.succeeded + r.failed_total() + r.unfinished_total(),
        "{what}: offered {} ≠ succeeded {} + failed {} + unfinished {}",
        r.offered,
        r.succeeded,
        r.failed_total(),
        r.unfinished_total()
    );
    let in_series: u64 = r.series.windows().iter().map(|w| w.unfinished).sum();
    assert_eq!(in_series, r.unfinished_total(), "{what}: series unfinished");
    for t in &r.tiers {
        assert_eq!(
            t.carried_in + t.arrivals,
            t.completed + t.rejected + t.lost + t.in_flight,
            "{what}, tier {}: carried in {} + arrivals {} ≠ completed {} + rejected {} + lost {} \
             + in flight {}",
            t.name,
            t.carried_in,
            t.arrivals,
            t.completed,
            t.rejected,
            t.lost,
            t.in_flight
        );
    }
}

/// `s` shortened: 40 s with a 10 s warm-up, one replication.
fn shortened(mut s: Scenario) -> Scenario {
    s.simulation.duration = s.simulation.duration.min(SimDuration::from_secs(40));
    s.simulation.warmup = s.simulation.warmup.min(SimDuration::from_secs(10));
    s.simulation.replications = 1;
    s
}

#[test]
fn every_shipped_scenario_conserves_requests_and_attempts() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 10, "{paths:?}");
    for p in paths {
        let s = load(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        check(&shortened(s), &p.display().to_string());
    }
}

/// One random scenario from `rng`.
fn generated(rng: &mut StdRng, k: usize) -> String {
    let zones = rng.random_range(1..=3usize);
    let zone_names: Vec<String> = (1..=zones).map(|z| z.to_string()).collect();
    let per_zone = |rng: &mut StdRng, max: u32| {
        let parts: Vec<String> = zone_names
            .iter()
            .map(|z| format!("\"{z}\" = {}", rng.random_range(1..=max)))
            .collect();
        format!("{{ {} }}", parts.join(", "))
    };
    let pods = per_zone(rng, 2);
    let concurrency = rng.random_range(1..=4u32);
    let service_ms = rng.random_range(2..=40u32);
    let slots_guess = f64::from(concurrency) * zones as f64 * 1.5;
    // From 0.2× to 20× the slots' capacity.
    let load = [0.2, 0.7, 1.5, 5.0, 20.0][rng.random_range(0..5usize)];
    let rate = (load * slots_guess * 1000.0 / f64::from(service_ms)).max(1.0);
    let queue = if rng.random_bool(0.5) {
        format!("queue_limit = {}", rng.random_range(0..=20u32))
    } else {
        String::new()
    };
    let timeout_ms = [50, 300, 2000][rng.random_range(0..3usize)];
    let attempts = rng.random_range(0..=2u32);
    let ingress = match rng.random_range(0..5u32) {
        0 => "kind = \"none\"".to_string(),
        1 => "kind = \"load-balancer\"".to_string(),
        2 => format!("kind = \"nginx\"\ninstances = {}", per_zone(rng, 2)),
        3 => format!("kind = \"istio\"\ninstances = {}", per_zone(rng, 2)),
        _ => format!("kind = \"app-gateway\"\ninstances = {}", per_zone(rng, 2)),
    };
    let has_instances = ingress.contains("instances");
    let call = if rng.random_bool(0.5) {
        format!(
            "calls = [{{ service = \"b\", probability = 0.5, timeout = \"{}ms\" }}]",
            rng.random_range(20..=500u32)
        )
    } else {
        String::new()
    };
    let mode = if rng.random_bool(0.5) {
        "reset"
    } else {
        "black-hole"
    };
    let at = rng.random_range(5..=25u32);
    let fault = match rng.random_range(0..4u32) {
        0 => String::new(),
        1 => format!("[[faults]]\nkind = \"pod-crash\"\nservice = \"a\"\nat = \"{at}s\"\n"),
        2 if has_instances => format!(
            "[[faults]]\nkind = \"ingress-instance-loss\"\nat = \"{at}s\"\nmode = \"{mode}\"\n"
        ),
        _ => format!(
            "[[faults]]\nkind = \"zone-outage\"\nzone = \"1\"\nat = \"{at}s\"\nduration = \"{}s\"\nmode = \"{mode}\"\n",
            rng.random_range(1..=(30 - at).min(20))
        ),
    };
    let zones_list = zone_names
        .iter()
        .map(|z| format!("\"{z}\""))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        r#"
[simulation]
name = "gen-{k}"
duration = "30s"
warmup = "{warm}s"
replications = 1
seed = {seed}
window = "5s"

[clients]
rate = {rate}
timeout = "{timeout_ms}ms"
retries = {{ attempts = {attempts}, backoff = "10ms" }}

[network]
zones = [{zones_list}]

[ingress]
{ingress}

[[services]]
name = "a"
pods = {pods}
concurrency = {concurrency}
{queue}
service_time = {{ exponential = {{ mean = "{service_ms}ms" }} }}
{call}

[[services]]
name = "b"
pods = {pods}
concurrency = {concurrency}
service_time = {{ exponential = {{ mean = "{service_ms}ms" }} }}

{fault}
"#,
        warm = rng.random_range(0..=5u32),
        seed = rng.random_range(1..1000u64),
    )
}

#[test]
fn generated_scenarios_conserve_requests_and_attempts() {
    let mut rng = StdRng::seed_from_u64(12);
    for k in 0..20 {
        let text = generated(&mut rng, k);
        let s = parse(&text, &format!("gen-{k}.toml"))
            .unwrap_or_else(|e| panic!("generated scenario {k} does not load: {e}\n{text}"));
        check(&s, &format!("generated scenario {k}:\n{text}"));
    }
}
