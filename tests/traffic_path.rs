//! The traffic path, asserted from configured parameters: how much traffic crosses zones under
//! each balancing policy, when a NAT Gateway runs out of SNAT ports, and how the three ingress
//! scenarios differ.
//!
//! Inline scenarios (small, fast) or the shipped ones shortened in process; fixed seeds; release
//! mode. Expected values come from the arithmetic of the configuration, never from a recorded
//! output.

use trafsim::model::{ErrorCause, RunResult, simulate};
use trafsim::runner::run_all as run;
use trafsim::scenario::{Scenario, load, parse};

/// Seed of every inline scenario (3, 4 and 5 were also checked once).
const SEED: u64 = 7;

/// Three equal zones, `web` with 3 pods in each, behind `ingress`; `calls` is the `calls = …`
/// line of `web` (or empty), `extra` any further tables.
fn three_zones(ingress: &str, calls: &str, extra: &str) -> Scenario {
    let text = format!(
        r#"
[simulation]
duration = "70s"
warmup = "10s"
replications = 2
seed = {SEED}

[clients]
rate = 300
timeout = "5s"

[network]
zones = ["1", "2", "3"]

[ingress]
{ingress}
instances = {{ "1" = 1, "2" = 1, "3" = 1 }}

[[services]]
name = "web"
pods = {{ "1" = 3, "2" = 3, "3" = 3 }}
concurrency = 8
service_time = {{ exponential = {{ mean = "5ms" }} }}
{calls}

[[services]]
name = "orders"
pods = {{ "1" = 2, "2" = 2, "3" = 2 }}
concurrency = 8
service_time = {{ exponential = {{ mean = "5ms" }} }}
{extra}
"#
    );
    parse(&text, "inline.toml").unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn assert_share(runs: &[RunResult], want: f64, tol: f64, what: &str) {
    for r in runs {
        let got = r.cross_zone_share;
        assert!(
            (got - want).abs() <= tol,
            "{what}: cross-zone share {got:.4}, expected {want:.4} ± {tol}"
        );
    }
}

#[test]
fn locality_aware_istio_keeps_traffic_in_its_zone() {
    // A gateway replica in every zone, pods in every zone, no east-west calls: every hop (to the
    // pod and back) stays in the gateway's zone. Istio's locality takes effect only with
    // outlier detection (a healthy zone keeps all its traffic).
    let s = three_zones(
        r#"kind = "istio"
outlier_detection = {}"#,
        "",
        "",
    );
    assert_share(&run(&s), 0.0, 0.01, "istio, locality-aware");
}

#[test]
fn random_spreading_over_three_equal_zones_crosses_two_thirds() {
    // Each pod equally likely: the pod is in the instance's zone with probability 3/9.
    let s = three_zones(
        r#"kind = "nginx"
balancing = "random""#,
        "",
        "",
    );
    assert_share(&run(&s), 2.0 / 3.0, 0.02, "nginx, random");
}

#[test]
fn kube_proxy_spreads_east_west_calls_regardless_of_locality() {
    // Per request: 2 ingress hops in-zone (locality), and with probability p a call to orders
    // whose 2 hops cross zones with probability 2/3 (kube-proxy ignores zones).
    let p = 0.5;
    let s = three_zones(
        r#"kind = "istio"
outlier_detection = {}"#,
        &format!(r#"calls = [{{ service = "orders", probability = {p} }}]"#),
        "",
    );
    let want = (2.0 * p * 2.0 / 3.0) / (2.0 + 2.0 * p);
    assert_share(&run(&s), want, 0.02, "istio + kube-proxy calls");
}

/// Ports per public IP in the NAT tests: small, so that exhaustion comes within seconds.
const PORTS_PER_IP: f64 = 1000.0;
/// The call to `api` (its latency in the scenario below), seconds.
const CALL_SECS: f64 = 0.020;
/// NAT Gateway port hold-down after a FIN (facts §6) and TCP idle timeout (the default).
const COOLDOWN_SECS: f64 = 65.0;
const IDLE_TIMEOUT_SECS: f64 = 240.0;

/// How long a new connection holds its port: the call, then either the caller's keep-alive and
/// the 65 s cool-down after its FIN, or — when NAT Gateway's 4 min idle timeout ends the idle
/// connection first — just the idle timeout (the flow is dropped silently: no FIN, no
/// cool-down).
fn hold_secs(keep_alive: f64) -> f64 {
    if keep_alive >= IDLE_TIMEOUT_SECS {
        CALL_SECS + IDLE_TIMEOUT_SECS
    } else {
        CALL_SECS + keep_alive + COOLDOWN_SECS
    }
}

/// Every request to `web` opens a call to `api` through a NAT Gateway with `ips` public IPs of
/// [`PORTS_PER_IP`] ports; `reuse` of the calls ride an open connection and the caller keeps a
/// connection idle for `keep_alive` seconds after its call. The run lasts four hold times, to
/// the 5 s window: the failures come in cycles of one hold time, and the measurement (from one
/// hold time on) covers three whole ones.
fn nat(ips: u32, reuse: f64, rate: f64, keep_alive: f64) -> Scenario {
    let duration = (4.0 * hold_secs(keep_alive) / 5.0).round() * 5.0;
    let text = format!(
        r#"
[simulation]
duration = "{duration}s"
warmup = "10s"
replications = 1
seed = {SEED}
window = "5s"

[clients]
rate = {rate}
timeout = "5s"

[[services]]
name = "web"
pods = {{ "1" = 2 }}
concurrency = 8
service_time = {{ exponential = {{ mean = "5ms" }} }}
calls = [{{ destination = "api" }}]

[egress]
kind = "nat-gateway"
public_ips = {ips}
ports_per_ip = {PORTS_PER_IP}

[[egress.destinations]]
name = "api"
latency = "20ms"
connection_reuse = {reuse}
keep_alive = "{keep_alive}s"
"#
    );
    parse(&text, "nat.toml").unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// SNAT failures as a share of requests offered from one hold time on (whole hold cycles),
/// and the peak of ports in use.
fn snat(ips: u32, reuse: f64, rate: f64, keep_alive: f64) -> (f64, u64) {
    let r = simulate(&nat(ips, reuse, rate, keep_alive), 0);
    let ws: Vec<_> = r
        .series
        .windows()
        .iter()
        .filter(|w| w.start.as_secs_f64() >= hold_secs(keep_alive))
        .collect();
    let failed: u64 = ws
        .iter()
        .map(|w| w.errors[ErrorCause::SnatExhausted as usize])
        .sum();
    let offered: u64 = ws.iter().map(|w| w.offered).sum();
    (
        failed as f64 / offered as f64,
        r.snat_peak.expect("a NAT Gateway counts ports"),
    )
}

/// New connections per second `ips` public IPs sustain: ports / hold time.
fn threshold(ips: u32, keep_alive: f64) -> f64 {
    f64::from(ips) * PORTS_PER_IP / hold_secs(keep_alive)
}

/// The arithmetic: of `rate` requests/s, `(1 − reuse) × rate` open a connection; in steady state
/// only `threshold(ips, keep_alive)` of those per second find a port.
fn expected_failures(ips: u32, reuse: f64, rate: f64, keep_alive: f64) -> f64 {
    let new = (1.0 - reuse) * rate;
    (new - threshold(ips, keep_alive)).max(0.0) / rate
}

/// Runs the NAT scenario and checks failures and peak against the arithmetic.
fn assert_snat(ips: u32, reuse: f64, rate: f64, keep_alive: f64) {
    let (got, peak) = snat(ips, reuse, rate, keep_alive);
    let want = expected_failures(ips, reuse, rate, keep_alive);
    let what =
        format!("{ips} IP(s), reuse {reuse}, keep-alive {keep_alive} s, {rate:.1} requests/s");
    let ports = f64::from(ips) * PORTS_PER_IP;
    if want == 0.0 {
        assert_eq!(got, 0.0, "{what}: no SNAT failures expected");
        assert!((peak as f64) < ports, "{what}: peak {peak} of {ports}");
    } else {
        assert!(
            (got - want).abs() < 0.04,
            "{what}: failed share {got:.3}, arithmetic {want:.3}"
        );
        assert_eq!(peak as f64, ports, "{what}: every port taken");
    }
}

#[test]
fn one_nat_ip_exhausts_above_ports_over_hold_time_and_not_below() {
    let t = threshold(1, 0.0); // 1,000 ports / 65.02 s ≈ 15.4 new connections/s
    assert_snat(1, 0.0, 0.8 * t, 0.0);
    assert_snat(1, 0.0, 1.25 * t, 0.0); // a fifth of the new connections fail
    assert!(expected_failures(1, 0.0, 1.25 * t, 0.0) > 0.19);
}

#[test]
fn more_ips_or_more_reuse_move_the_threshold_as_the_arithmetic_says() {
    let rate = 1.25 * threshold(1, 0.0);
    // Two IPs double the ports: the same load fits, 1.25 × twice the threshold does not.
    assert_snat(2, 0.0, rate, 0.0);
    assert_snat(2, 0.0, 2.0 * rate, 0.0);
    // Reuse 0.5 halves the new connections: the same load fits, three times it does not.
    assert_snat(1, 0.5, rate, 0.0);
    assert_snat(1, 0.5, 3.0 * rate, 0.0);
}

#[test]
fn keep_alive_lowers_the_threshold_until_the_idle_timeout_takes_over() {
    // Kept idle 60 s, then closed: the hold is 0.02 + 60 + 65 s, so a load that fits with
    // connections closed after the call (0.8 of that threshold) now exhausts the ports.
    let closed = threshold(1, 0.0);
    assert!(threshold(1, 60.0) < 0.6 * closed);
    assert_snat(1, 0.0, 0.8 * closed, 60.0);
    assert_snat(1, 0.0, 0.8 * threshold(1, 60.0), 60.0);
    // Kept idle past the 4 min idle timeout: NAT Gateway drops the flow at 240 s and frees the
    // port with no cool-down.
    assert_snat(1, 0.0, 0.8 * threshold(1, 600.0), 600.0);
    assert_snat(1, 0.0, 1.25 * threshold(1, 600.0), 600.0);
}

/// A shipped scenario, shortened to `secs` (warm-up and faults scaled alike).
fn shipped(name: &str, secs: f64) -> Scenario {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name);
    let mut s = load(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
    let k = secs / s.simulation.duration.as_secs_f64();
    s.simulation.duration = s.simulation.duration.mul_f64(k);
    s.simulation.warmup = s.simulation.warmup.mul_f64(k);
    s.simulation.replications = 2;
    s.simulation.seed = SEED;
    s
}

/// Mean ingress-tier latency (queue + processing), seconds.
fn ingress_mean(runs: &[RunResult]) -> f64 {
    let t: Vec<f64> = runs
        .iter()
        .map(|r| {
            r.tiers
                .iter()
                .find(|t| t.name == "ingress")
                .expect("an ingress tier")
                .latency
                .mean_secs()
        })
        .collect();
    t.iter().sum::<f64>() / t.len() as f64
}

#[test]
fn the_three_ingress_scenarios_differ_for_the_reasons_configured() {
    let names = [
        "ingress-app-gateway.toml",
        "ingress-nginx.toml",
        "ingress-istio.toml",
    ];
    let scenarios: Vec<Scenario> = names.iter().map(|n| shipped(n, 40.0)).collect();
    let runs: Vec<Vec<RunResult>> = scenarios.iter().map(run).collect();
    // Per-request work at the ingress: processing + new-TLS share × handshake, on paper.
    let paper: Vec<f64> = scenarios
        .iter()
        .map(|s| {
            s.ingress.processing.mean_secs()
                + s.clients.new_tls_share * s.ingress.tls_handshake.mean_secs()
        })
        .collect();
    let measured: Vec<f64> = runs.iter().map(|r| ingress_mean(r)).collect();
    for ((name, p), m) in names.iter().zip(&paper).zip(&measured) {
        // Queueing at ≈ 20% busy adds a little on top of the work itself.
        assert!(
            *m >= 0.95 * p && *m <= 1.5 * p,
            "{name}: ingress {m:.5}s vs {p:.5}s on paper"
        );
    }
    // App Gateway's per-request processing and TLS cost on compute units make its tier slower.
    assert!(
        measured[0] > 3.0 * measured[1],
        "app-gateway {} vs nginx {}",
        measured[0],
        measured[1]
    );
    assert!(
        measured[0] > 3.0 * measured[2],
        "app-gateway {} vs istio {}",
        measured[0],
        measured[2]
    );
    // Round robin over all pods (App Gateway, NGINX) crosses zones 2/3 of the time; Istio's
    // locality-aware gateway keeps its own hops in-zone and only east-west calls cross.
    let p: f64 = scenarios[2].services[0]
        .calls
        .iter()
        .map(|c| c.probability)
        .sum();
    let istio_share = (2.0 * p * 2.0 / 3.0) / (2.0 + 2.0 * p);
    assert_share(&runs[0], 2.0 / 3.0, 0.02, "app-gateway");
    assert_share(&runs[1], 2.0 / 3.0, 0.02, "nginx");
    assert_share(&runs[2], istio_share, 0.02, "istio");
    // Same arrivals (common random numbers): the same requests offered in all three.
    assert_eq!(runs[0][0].offered, runs[1][0].offered);
    assert_eq!(runs[1][0].offered, runs[2][0].offered);
}
