//! Egress fidelity: Azure Firewall instances as throughput-limited queues that autoscale, and
//! how long a new outbound connection holds its SNAT port, checked against queueing theory
//! and the port arithmetic.

use trafsim::model::result::gauge;
use trafsim::model::{RunResult, simulate};
use trafsim::scenario::{Scenario, parse};
use trafsim::stats::Estimate;

const SEED: u64 = 3;

/// Size of every call, KiB, and the instance throughput in the firewall tests, Gbps: a call
/// takes 10 × 8,192 bits / 1 Mbps = 81.92 ms of its instance (a slow instance keeps the runs
/// short; only the ratio of load to throughput matters).
const KIB: f64 = 10.0;
const GBPS: f64 = 0.001;

/// Service time of one call at one instance, seconds.
fn service_secs() -> f64 {
    KIB * 8192.0 / (GBPS * 1e9)
}

fn run(text: &str, rep: u64) -> RunResult {
    let s: Scenario = parse(text, "egress.toml").unwrap_or_else(|e| panic!("{e}\n{text}"));
    simulate(&s, rep)
}

/// Clients (`clients`: a `rate` or `profile` line) → `web` pods with ample worker slots and a
/// constant 1 ms → one call each to `api` through `egress`.
fn scenario(duration: &str, warmup: &str, clients: &str, egress: &str, dest: &str) -> String {
    format!(
        r#"
[simulation]
duration = "{duration}"
warmup = "{warmup}"
replications = 1
seed = {SEED}
window = "10s"
[clients]
{clients}
timeout = "30s"
[network]
zones = ["1"]
[[services]]
name = "web"
pods = {{ "1" = 4 }}
concurrency = 256
service_time = "1ms"
calls = [{{ destination = "api" }}]
[egress]
{egress}
[[egress.destinations]]
name = "api"
latency = "20ms"
kib_per_call = {KIB}
{dest}
"#
    )
}

/// The mean of `samples` with a 99.9% Student t interval: (mean, half-width).
fn interval_999(samples: &[f64]) -> (f64, f64) {
    let e = Estimate::from_samples(samples);
    (e.mean, e.half_width_at(0.999))
}

#[test]
fn one_firewall_instance_is_an_m_d_1_queue() {
    // Poisson calls (the pods add a constant 1 ms and the clients an independent delay, which
    // keeps them Poisson) of a fixed size at one instance with no autoscaling: M/D/1, whose
    // mean wait is ρ / (2μ(1 − ρ)).
    let mu = 1.0 / service_secs();
    let rho = 0.7;
    let egress = format!(
        "kind = \"firewall\"\ninstances = 1\nmax_instances = 1\ngbps_per_instance = {GBPS}"
    );
    let text = scenario(
        "4000s",
        "100s",
        &format!("rate = {}", rho * mu),
        &egress,
        "",
    );
    let waits: Vec<f64> = (0..16)
        .map(|rep| {
            let fw = run(&text, rep)
                .firewall
                .expect("a firewall egress reports itself");
            assert_eq!(fw.peak_instances, 1);
            fw.mean_queueing_secs
        })
        .collect();
    let theory = rho / (2.0 * mu * (1.0 - rho));
    let (mean, half) = interval_999(&waits);
    assert!(
        (mean - theory).abs() <= half,
        "mean wait {mean:.5} s ± {half:.5}, M/D/1 {theory:.5} s"
    );
    assert!(half < 0.06 * theory, "interval ±{half:.5} s is too wide");
}

/// Load at 70% of two instances until 10 min, then 5% of three: the firewall scales out at
/// the first evaluation (60 s), the instance takes traffic 6 min later, and it scales in at the
/// first evaluation after the load drops.
fn scaling_run() -> RunResult {
    let high = 0.7 * 2.0 / service_secs();
    let low = 0.05 * 3.0 / service_secs();
    let clients = format!(
        "profile = [{{ at = \"0s\", rps = {high} }}, {{ at = \"10m\", rps = {low}, shape = \"step\" }}]"
    );
    let egress = format!("kind = \"firewall\"\ngbps_per_instance = {GBPS}\npublic_ips = 1");
    run(&scenario("15m", "30s", &clients, &egress, ""), 0)
}

/// Per window: (start seconds, most firewall instances, SNAT limit at the end).
fn instances_over_time(r: &RunResult) -> Vec<(f64, f64, f64)> {
    (0..r.series.windows().len())
        .map(|i| {
            let w = &r.series.windows()[i];
            let n = r.series.gauge(i, gauge::FIREWALL_INSTANCES);
            let limit = r.series.gauge(i, gauge::SNAT_LIMIT);
            (
                w.start.as_secs_f64(),
                n.mean_max().expect("sampled"),
                limit.mean_last().expect("sampled"),
            )
        })
        .collect()
}

#[test]
fn sustained_load_above_60_percent_adds_an_instance_after_the_delay_and_not_before() {
    let r = scaling_run();
    let series = instances_over_time(&r);
    // The first evaluation (60 s) sees ≈70%: the instance is ready at 60 s + 6 min = 420 s.
    for &(start, n, limit) in &series {
        if start < 420.0 {
            assert_eq!(
                n, 2.0,
                "window at {start} s: {n} instances before the delay"
            );
            assert_eq!(
                limit,
                2.0 * 2_496.0,
                "window at {start} s: SNAT limit {limit}"
            );
        } else if (430.0..600.0).contains(&start) {
            // 70% of two instances is 47% of three: between the thresholds, it stays.
            assert_eq!(n, 3.0, "window at {start} s: {n} instances after the delay");
            assert_eq!(
                limit,
                3.0 * 2_496.0,
                "window at {start} s: SNAT limit {limit}"
            );
        }
    }
    let fw = r.firewall.unwrap();
    assert_eq!(fw.peak_instances, 3);
}

#[test]
fn load_below_20_percent_removes_the_instance_again() {
    let r = scaling_run();
    let series = instances_over_time(&r);
    // The load drops at 600 s; the evaluation at 660 s sees ≈5% and removes one instance
    // (down to the minimum of 2, where it stays).
    for &(start, n, limit) in &series {
        if (430.0..660.0).contains(&start) {
            assert_eq!(n, 3.0, "window at {start} s");
        } else if start >= 670.0 {
            // (The window from 660 s still carries the level of 3 at its start.)
            assert_eq!(n, 2.0, "window at {start} s: {n} instances after scale-in");
            assert_eq!(
                limit,
                2.0 * 2_496.0,
                "window at {start} s: SNAT limit {limit}"
            );
        }
    }
    // Time-averaged over the measured 870 s: 2 until 420 s, 3 until 660 s, then 2.
    let want = (2.0 * (420.0 - 30.0) + 3.0 * 240.0 + 2.0 * (900.0 - 660.0)) / 870.0;
    let got = r.firewall.unwrap().mean_instances;
    assert!(
        (got - want).abs() < 1e-6,
        "mean instances {got}, want {want}"
    );
}

/// NAT Gateway ports in use in steady state, averaged over the samples from `from` seconds on
/// (the gauge is sampled 4 times per window; its level at each window's end is one sample).
fn ports_in_use(r: &RunResult, from: f64) -> f64 {
    let levels: Vec<f64> = (0..r.series.windows().len())
        .filter(|&i| r.series.windows()[i].start.as_secs_f64() >= from)
        .filter_map(|i| r.series.gauge(i, gauge::SNAT_PORTS).mean_last())
        .collect();
    levels.iter().sum::<f64>() / levels.len() as f64
}

/// Ports in use through a NAT Gateway with `keep_alive` seconds, against new connections/s ×
/// hold time (Little's law: every new connection holds one port for the hold time).
fn assert_ports_match_rate_times_hold(keep_alive: f64, hold: f64) {
    let rate = 50.0;
    let reuse = 0.2;
    let warmup = (hold + 10.0).ceil();
    let duration = warmup + 300.0;
    let dest = format!("connection_reuse = {reuse}\nkeep_alive = \"{keep_alive}s\"");
    let text = scenario(
        &format!("{duration}s"),
        &format!("{warmup}s"),
        &format!("rate = {rate}"),
        "kind = \"nat-gateway\"",
        &dest,
    );
    let levels: Vec<f64> = (0..12)
        .map(|rep| ports_in_use(&run(&text, rep), warmup))
        .collect();
    let want = (1.0 - reuse) * rate * hold;
    let (mean, half) = interval_999(&levels);
    assert!(
        (mean - want).abs() <= half,
        "keep-alive {keep_alive} s: ports {mean:.0} ± {half:.0}, rate × hold {want:.0}"
    );
    assert!(half < 0.03 * want, "interval ±{half:.0} is too wide");
}

#[test]
fn a_connection_closed_after_the_call_holds_its_port_for_the_call_and_the_cooldown() {
    // 20 ms call + 65 s after the FIN.
    assert_ports_match_rate_times_hold(0.0, 0.020 + 65.0);
}

#[test]
fn a_kept_alive_connection_holds_its_port_while_idle_then_for_the_cooldown() {
    // Closed by the caller 30 s after the call: 20 ms + 30 s + 65 s.
    assert_ports_match_rate_times_hold(30.0, 0.020 + 30.0 + 65.0);
}

#[test]
fn the_nat_idle_timeout_frees_the_port_of_a_connection_kept_longer() {
    // Kept idle 10 min, but NAT Gateway drops the flow at its 4 min idle timeout and frees the
    // port then, with no cool-down: 20 ms + 240 s.
    assert_ports_match_rate_times_hold(600.0, 0.020 + 240.0);
}
