//! Egress connection pools (`pool` on a destination): SNAT counts connections, not calls, so
//! a pod's pool of connections to an external API is the documented fix for SNAT exhaustion
//! (Microsoft Learn, "Source Network Address Translation (SNAT) with NAT gateway": a distinct
//! port per connection; "use connection pooling"; facts §6). Ports in use are the connections
//! open plus the connections in their 65 s cool-down after a FIN, however many calls ride
//! them; a pool at `max_connections` makes calls wait for a connection.
//!
//! Before this change a destination had no `pool` (an unknown key: every scenario here failed
//! to load), and a call on a kept-alive connection was a `connection_reuse` share that held no
//! port: ports followed calls × hold, never open connections.

use trafsim::model::result::gauge;
use trafsim::model::{
    ConnectionStats, ErrorCause, RunResult, TierResult, simulate, simulate_with_connections,
};
use trafsim::scenario::{Scenario, parse};
use trafsim::stats::Estimate;

/// Pods of `checkout`, and worker slots per pod (each call holds one: a pod has at most this
/// many calls, so at most this many busy connections, at once).
const PODS: u32 = 9;
const SLOTS: u32 = 20;

/// The snat-exhaustion.toml load on one zone: 2,000 rps → `checkout` (9 pods × 20 slots, 10 ms)
/// → one call each to `payments-api` (lognormal, mean 50 ms) through a NAT Gateway with one
/// public IP (64,512 ports). `dest` adds lines to the destination; `extra` adds whole tables.
fn checkout(duration: &str, warmup: &str, dest: &str, extra: &str) -> Scenario {
    let text = format!(
        r#"
[simulation]
duration = "{duration}"
warmup = "{warmup}"
replications = 2
seed = 11
window = "5s"
[clients]
rate = 2000
timeout = "10s"
retries = {{ attempts = 0 }}
[network]
zones = ["1"]
[ingress]
kind = "none"
[[services]]
name = "checkout"
pods = {{ "1" = {PODS} }}
concurrency = {SLOTS}
queue_limit = 64
service_time = {{ exponential = {{ mean = "10ms" }} }}
calls = [{{ destination = "payments-api", timeout = "8s" }}]
[egress]
kind = "nat-gateway"
zone = "1"
public_ips = 1
[[egress.destinations]]
name = "payments-api"
latency = {{ lognormal = {{ mean = "50ms", p99 = "250ms" }} }}
{dest}
{extra}
"#
    );
    parse(&text, "pool.toml").unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn egress(r: &RunResult) -> &TierResult {
    r.tiers
        .iter()
        .find(|t| t.name == "egress")
        .expect("egress tier")
}

/// The egress tier conserves its calls: each ends in exactly one count.
fn assert_conserved(r: &RunResult) {
    let e = egress(r);
    assert_eq!(
        e.carried_in + e.arrivals,
        e.completed + e.rejected + e.lost + e.in_flight,
        "{:?}",
        (e.arrivals, e.completed, e.rejected, e.lost, e.in_flight)
    );
}

fn run(s: &Scenario, rep: u64) -> (RunResult, ConnectionStats) {
    let out = simulate_with_connections(s, rep);
    assert_conserved(&out.0);
    out
}

/// NAT Gateway's port cool-down after a FIN, seconds (facts §6).
const COOLDOWN: f64 = 65.0;

#[test]
fn pooled_ports_are_the_open_connections_and_the_same_load_without_a_pool_exhausts_snat() {
    // Without a pool (snat-exhaustion.toml: 40% of calls on an open connection), 1,200 new
    // connections/s each hold a port ≈ 65.05 s: 78,000 wanted of 64,512, and calls fail once
    // the ports are full (≈ 54 s in).
    let without = checkout("2m", "0s", "connection_reuse = 0.4", "");
    // With a pool of at most 16 connections per pod: ports = connections open ≤ 9 × 16 = 144.
    // The connections are busy often enough that none idles out (closed = 0), so no port is in
    // its cool-down and ports in use equal open connections exactly.
    let with = checkout("2m", "0s", "pool = { max_connections = 16 }", "");
    for rep in 0..2 {
        let (r, _) = run(&without, rep);
        assert_eq!(r.snat_peak, Some(64_512), "without a pool the ports fill");
        assert!(
            r.failed[ErrorCause::SnatExhausted as usize] > 5_000,
            "{:?}",
            r.failed
        );
        let (r, c) = run(&with, rep);
        assert_eq!(r.failed[ErrorCause::SnatExhausted as usize], 0);
        assert_eq!(c.closed + c.dropped, 0, "{c:?}");
        let peak = r.snat_peak.expect("a NAT Gateway counts ports");
        assert_eq!(peak, c.peak_open, "ports in use = connections open: {c:?}");
        assert!(peak <= u64::from(PODS) * 16, "{peak} ports");
        // Calls, not connections, are what the pool multiplies: ≈ 240,000 calls rode 144.
        assert!(c.reused > 1_000 * c.opened, "{c:?}");
        // 16 connections for up to 20 concurrent calls per pod: some calls wait.
        assert!(c.waited > 0, "{c:?}");
    }
}

#[test]
fn a_default_pool_keeps_one_connection_per_concurrent_call() {
    // .NET's defaults (no connection limit, 1 min idle timeout): a pod opens a connection for
    // each call beyond those already open, so connections open ≤ calls at once ≤ its 20 worker
    // slots, and none idles a minute at this load: 9 pods × at most 20 = 180 ports, against
    // 64,512 with no pool.
    let s = checkout("2m", "0s", "pool = {}", "");
    for rep in 0..2 {
        let (r, c) = run(&s, rep);
        let peak = r.snat_peak.expect("ports");
        assert_eq!(r.failed[ErrorCause::SnatExhausted as usize], 0);
        assert!(c.peak_open <= u64::from(PODS * SLOTS), "{c:?}");
        // Ports = open + in cool-down; every port in its cool-down was closed in the run.
        assert!(
            c.peak_open <= peak && peak <= c.peak_open + c.closed,
            "{peak} ports, {c:?}"
        );
    }
}

#[test]
fn a_go_client_keeping_two_idle_connections_holds_ports_for_the_rest_in_cool_down() {
    // Go's `MaxIdleConnsPerHost` is 2: a freed connection beyond two idle ones closes (FIN),
    // and its port stays in the 65 s cool-down. Ports in use = connections open (≤ 180) +
    // closes in the last 65 s; by Little's law the time-average of the latter is the close
    // rate × 65 s (≈ 42,000 here, near exhaustion: the pool barely helps).
    let s = checkout(
        "200s",
        "70s",
        "pool = { max_idle = 2, idle_timeout = \"90s\" }",
        "",
    );
    let measured = 130.0;
    for rep in 0..2 {
        let (r, c) = run(&s, rep);
        let rate = c.closed as f64 / measured;
        let cooling = rate * COOLDOWN;
        // Windows whose end is a full cool-down into the measured span.
        let ports: Vec<f64> = r
            .series
            .windows()
            .iter()
            .filter(|w| w.end.as_secs_f64() >= 70.0 + COOLDOWN)
            .filter(|w| w.gauges[gauge::SNAT_PORTS].n > 0)
            .map(|w| w.gauges[gauge::SNAT_PORTS].last)
            .collect();
        assert!(ports.len() >= 10, "{} windows", ports.len());
        let mean = ports.iter().sum::<f64>() / ports.len() as f64;
        let slack = f64::from(PODS * SLOTS) + 0.03 * cooling;
        assert!(
            (mean - cooling).abs() <= slack,
            "ports {mean:.0}, close rate {rate:.0}/s × 65 s = {cooling:.0} (± {slack:.0})"
        );
        assert!(cooling > 20_000.0, "{c:?}");
    }
}

/// One pod (ample slots, 1 µs of work) → calls to `api` (a constant `call_ms`) through direct
/// egress, with `pool` on the destination; Poisson arrivals at `rate`; `calls` is the
/// service's list of calls.
fn single(rate: f64, call_ms: u32, pool: &str, calls: &str) -> Scenario {
    let text = format!(
        r#"
[simulation]
duration = "30m"
warmup = "1m"
replications = 6
seed = 3
[clients]
rate = {rate}
timeout = "60s"
retries = {{ attempts = 0 }}
[network]
zones = ["1"]
in_zone = "0s"
[ingress]
kind = "none"
[[services]]
name = "web"
pods = {{ "1" = 1 }}
concurrency = 256
service_time = "1us"
calls = [{calls}]
[egress]
kind = "direct"
[[egress.destinations]]
name = "api"
latency = "{call_ms}ms"
pool = {pool}
"#
    );
    parse(&text, "single.toml").unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// One call to `api` per request.
const ONE_CALL: &str = "{ destination = \"api\" }";

#[test]
fn one_connection_per_pod_queues_calls_like_an_m_d_1_line() {
    // max_connections = 1: calls to a 100 ms API share one connection, first come first
    // served: an M/D/1 queue with ρ = 5/s × 0.1 s = 0.5, whose mean wait is
    // ρ D / (2 (1 − ρ)) = 50 ms (Pollaczek–Khinchine). With no limit a call never waits.
    let limited = single(5.0, 100, "{ max_connections = 1 }", ONE_CALL);
    let free = single(5.0, 100, "{}", ONE_CALL);
    let reps = u64::from(limited.simulation.replications);
    let mean = |s: &Scenario| -> Vec<f64> {
        (0..reps)
            .map(|rep| run(s, rep).0.latency.mean_secs())
            .collect()
    };
    let e = Estimate::from_samples(&mean(&limited));
    let half = e.half_width_at(0.999);
    let want = 0.100 + 0.050;
    assert!(
        (e.mean - want).abs() <= half + 0.002,
        "mean latency {:.4} ± {half:.4} s, M/D/1 {want:.3} s",
        e.mean
    );
    let e = Estimate::from_samples(&mean(&free));
    assert!((e.mean - 0.100).abs() < 0.001, "no wait: {:.4} s", e.mean);
}

#[test]
fn a_call_that_waits_past_its_timeout_is_turned_away_and_counted_once() {
    // Each request calls a 5 s API twice on one connection: first with a 10 s timeout, which
    // holds the connection 5 s, then with a 1 s timeout. At 1/s the second calls wait behind
    // the first ones longer than their 1 s, and give up waiting. The egress tier counts each
    // call once: a call whose wait ended at its timeout is `rejected`.
    let calls = "{ destination = \"api\", timeout = \"10s\" }, \
                 { destination = \"api\", timeout = \"1s\" }";
    let s = single(1.0, 5_000, "{ max_connections = 1 }", calls);
    let (r, c) = run(&s, 0);
    let e = egress(&r);
    let counts = (e.arrivals, e.completed, e.rejected, e.lost, e.in_flight);
    assert!(c.waited > 0 && e.rejected > 0, "{counts:?} {c:?}");
    assert!(r.failed[ErrorCause::Timeout as usize] > 0);
}

#[test]
fn a_crashed_pod_closes_its_connections_and_their_ports_cool_down() {
    // A pod with 8 connections open crashes at 120 s and stays down (start-up 10 min): its
    // node closes its sockets (FIN), so the 8 ports stay held for the 65 s cool-down, then
    // are free. Without the close the pool's connections would have stayed "open" forever.
    let extra =
        "startup = \"10m\"\n[[faults]]\nkind = \"pod-crash\"\nservice = \"web\"\nat = \"120s\"";
    let text = format!(
        r#"
[simulation]
duration = "4m"
warmup = "0s"
replications = 1
seed = 3
window = "5s"
[clients]
rate = 40
timeout = "60s"
retries = {{ attempts = 0 }}
[network]
zones = ["1"]
[ingress]
kind = "none"
[[services]]
name = "web"
pods = {{ "1" = 1 }}
concurrency = 8
queue_limit = 100
service_time = "1us"
calls = [{{ destination = "api" }}]
{extra}
[egress]
kind = "nat-gateway"
zone = "1"
[[egress.destinations]]
name = "api"
latency = "1s"
pool = {{ max_connections = 8 }}
"#
    );
    let s = parse(&text, "crash.toml").unwrap_or_else(|e| panic!("{e}\n{text}"));
    let (r, c) = run(&s, 0);
    assert_eq!(c.peak_open, 8, "{c:?}");
    assert_eq!(c.closed_at_pod_stop, 8, "{c:?}");
    let ports_at = |t: f64| {
        let w = r
            .series
            .windows()
            .iter()
            .find(|w| w.start.as_secs_f64() <= t && t < w.end.as_secs_f64())
            .expect("window");
        w.gauges[gauge::SNAT_PORTS].last
    };
    assert_eq!(ports_at(115.0), 8.0, "8 open connections before the crash");
    assert_eq!(
        ports_at(150.0),
        8.0,
        "their ports in the cool-down after it"
    );
    assert_eq!(ports_at(200.0), 0.0, "free 65 s after the crash");
}

#[test]
fn a_scenario_with_no_outbound_call_has_no_snat_figure() {
    // mm1.toml calls nothing outside: its SNAT peak has no data (not a peak of 0).
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut s = trafsim::scenario::load(&root.join("scenarios/mm1.toml")).unwrap();
    s.simulation.duration = s.simulation.warmup + trafsim::engine::SimDuration::from_secs(30);
    let runs = trafsim::runner::run_replications(&s, 0..2, &|_| {});
    assert!(runs.iter().all(|r| r.snat_peak.is_none()));
    let summary = trafsim::runner::Summary::from_runs(&s, &runs);
    let json = serde_json::to_value(&summary).unwrap();
    assert!(json["snat_peak"].is_null(), "{}", json["snat_peak"]);
    let table = trafsim::report::terminal::render(&summary);
    assert!(
        table.contains("SNAT ports in use: n/a (no outbound calls)"),
        "{table}"
    );
    // With calls, the figure is there.
    let r = simulate(&checkout("20s", "0s", "pool = {}", ""), 0);
    assert!(r.snat_peak.is_some_and(|p| p > 0));
}

#[test]
fn pool_beside_connection_reuse_or_keep_alive_and_bad_pool_values_are_refused() {
    let base = "[simulation]\nduration = \"1m\"\n[clients]\nrate = 1\n[[services]]\nname = \"w\"\n\
                pods = { \"1\" = 1 }\nservice_time = \"1ms\"\ncalls = [{ destination = \"api\" }]\n[egress]\n\
                kind = \"nat-gateway\"\n[[egress.destinations]]\nname = \"api\"\nlatency = \"10ms\"\n";
    for (lines, wants) in [
        (
            "pool = {}\nconnection_reuse = 0.5",
            &[
                "pool.toml",
                "egress.destinations[0].connection_reuse",
                "not both",
            ][..],
        ),
        (
            "pool = {}\nkeep_alive = \"30s\"",
            &["egress.destinations[0].keep_alive", "not both"][..],
        ),
        (
            "pool = { max_connections = 0 }",
            &["pool.max_connections", "at least 1, got 0"][..],
        ),
        (
            "pool = { idle_timeout = \"0s\" }",
            &["pool.idle_timeout", "longer than 0"][..],
        ),
        ("pool = { max_conns = 4 }", &["max_conns"][..]),
    ] {
        let text = format!("{base}{lines}\n");
        let err = parse(&text, "pool.toml").expect_err(lines).to_string();
        for w in wants {
            assert!(err.contains(w), "{lines}: {err}");
        }
        assert!(err.contains("pool.toml"), "{err}");
    }
}

/// One pod calling `api` (a constant 100 ms) at `rate` through a NAT Gateway (4 min idle
/// timeout) with `pool` on the destination, for `duration` after a 1 min warm-up.
fn nat_single(rate: f64, duration: &str, pool: &str) -> Scenario {
    let text = format!(
        r#"
[simulation]
duration = "{duration}"
warmup = "1m"
replications = 1
seed = 9
[clients]
rate = {rate}
timeout = "10s"
retries = {{ attempts = 0 }}
[network]
zones = ["1"]
[ingress]
kind = "none"
[[services]]
name = "web"
pods = {{ "1" = 1 }}
concurrency = 64
service_time = "1us"
calls = [{{ destination = "api" }}]
[egress]
kind = "nat-gateway"
zone = "1"
[[egress.destinations]]
name = "api"
latency = "100ms"
pool = {pool}
"#
    );
    parse(&text, "nat-single.toml").unwrap_or_else(|e| panic!("{e}\n{text}"))
}

#[test]
fn max_lifetime_retires_a_busy_connection_and_its_port_cools_down() {
    // 5 calls/s on one connection (max_connections = 1) retired at 30 s: it closes at the end
    // of the first call after its 30th second, so over 10 measured minutes ≈ 20 connections
    // open and close, and ports in use are the open one plus those closed in the last 65 s
    // (at most 3).
    let s = nat_single(
        5.0,
        "11m",
        "{ max_connections = 1, max_lifetime = \"30s\" }",
    );
    let (r, c) = run(&s, 0);
    assert!((19..=21).contains(&c.opened), "{c:?}");
    assert!(
        c.closed + 1 >= c.opened && c.closed <= c.opened + 1,
        "{c:?}"
    );
    let peak = r.snat_peak.expect("ports");
    assert!((2..=4).contains(&peak), "{peak} ports, {c:?}");
}

#[test]
fn an_idle_connection_is_closed_by_its_pod_or_dropped_by_the_device_whichever_first() {
    // One call every ≈ 8 min: the connection always idles out. With the pool's 1 min idle
    // timeout the pod closes it (FIN, then the 65 s cool-down); with 1 h, NAT Gateway's 4 min
    // idle timeout ends it first, silently, and frees its port at once.
    let rate = 1.0 / 480.0;
    let (_, c) = run(&nat_single(rate, "2h", "{ idle_timeout = \"1m\" }"), 0);
    assert!(c.closed >= 5 && c.dropped == 0, "{c:?}");
    let (_, c) = run(&nat_single(rate, "2h", "{ idle_timeout = \"1h\" }"), 0);
    assert!(c.dropped >= 5 && c.closed == 0, "{c:?}");
}
