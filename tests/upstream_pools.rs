//! The L7 gateways' and sidecars' keep-alive pools to the pods (issue 16, "Pools"), each
//! against its arithmetic: which tries open a new connection follows from the pool (each
//! (replica, pod) pair opens once and reuses; `max_requests`; `idle_timeout` against the gap
//! between a pair's tries), tries to a black-holed pod hang on exactly the idle connections
//! held to it, and the sidecars' mTLS CPU is the connections actually opened.
//!
//! Every test fails on the code before the pools: there a fixed `new_connection_share`
//! (0.0001 by default) decided whether a try opened a connection, whatever the load, the
//! timeouts or `max_requests`, and a black-holed pod had the pod's worker slots (50 here) as
//! idle connections, not what the replicas held. Inline scenarios in one zone with no network
//! latency; fixed seeds (seeds 5, 6 and 7 were also tried once by hand).

use trafsim::model::{ErrorCause, RunResult, simulate};
use trafsim::scenario::parse;

const SEED: u64 = 4;

/// `replicas` NGINX replicas (no processing time) in front of 4 `web` pods (`service`
/// each, `random` balancing), `rate` requests/s, `upstream` and `extra` lines in `[ingress]`,
/// `faults` appended.
fn scenario(
    replicas: u32,
    rate: f64,
    service: &str,
    ingress: &str,
    faults: &str,
    seed: u64,
) -> String {
    format!(
        r#"
[simulation]
duration = "100s"
warmup = "0s"
replications = 1
seed = {seed}
[clients]
rate = {rate}
timeout = "15s"
[network]
zones = ["1"]
in_zone = "0s"
cross_zone = "0s"
[ingress]
kind = "nginx"
instances = {{ "1" = {replicas} }}
concurrency = 1000
processing = "0s"
balancing = "random"
{ingress}
[[services]]
name = "web"
pods = {{ "1" = 4 }}
concurrency = 1000
service_time = "{service}"
startup = "1ms"
readiness = {{ period = "1h" }}
{faults}
"#
    )
}

fn run(text: &str) -> RunResult {
    simulate(&parse(text, "upstream.toml").unwrap(), 0)
}

fn tries(r: &RunResult) -> u64 {
    r.upstream.gateway_opened + r.upstream.gateway_reused
}

/// (a) Steady load with `upstream-keepalive-timeout` 60 s ≫ the gap between a pair's tries,
/// and no two tries of a pair ever in flight at once (no service time, no latency): each of
/// the 3 × 4 (replica, pod) pairs opens one connection and reuses it for every later try, so
/// the new-connection share is exactly pairs / tries — 12 of ≈ 20,000 here.
#[test]
fn each_replica_opens_one_connection_per_pod_and_reuses_it() {
    let r = run(&scenario(3, 200.0, "0s", "", "", SEED));
    assert_eq!(
        tries(&r),
        r.ingress_tries,
        "every try rides a pooled connection"
    );
    assert!(tries(&r) > 19_000, "{:?}", r.upstream);
    assert_eq!(r.upstream.gateway_opened, 12, "{:?}", r.upstream);
    assert_eq!(r.upstream.mesh_opened + r.upstream.mesh_reused, 0);
}

/// (b) `max_requests = 10`: each connection carries 10 tries and closes, so 1 try in 10 opens
/// one; only the last connection of each of the 4 pairs may be left part-used at the end:
/// |opened − tries/10| ≤ 4.
#[test]
fn max_requests_makes_one_try_in_n_open_a_connection() {
    let r = run(&scenario(
        1,
        200.0,
        "0s",
        "upstream = { max_requests = 10 }",
        "",
        SEED,
    ));
    let n = tries(&r) as f64;
    let opened = r.upstream.gateway_opened as f64;
    assert!(
        (opened - n / 10.0).abs() <= 4.0,
        "{opened} opened of {n} tries, want {} ± 4",
        n / 10.0
    );
}

/// (c) Idle timeout shorter than a pair's gap: with Poisson arrivals split at random over 4
/// pods (one replica), each pod's tries are Poisson at λ = 200/4 = 50/s, and a try opens a
/// new connection exactly when the gap since the pair's previous try is at least the idle
/// timeout T = 20 ms: P = exp(−λT) = e⁻¹ = 0.368. Binomial over ≈ 20,000 tries: within 3.29
/// standard deviations (99.9%).
#[test]
fn an_idle_timeout_shorter_than_the_gap_opens_a_connection_per_long_gap() {
    for seed in [SEED, SEED + 10] {
        let r = run(&scenario(
            1,
            200.0,
            "0s",
            "upstream = { idle_timeout = \"20ms\" }",
            "",
            seed,
        ));
        let n = tries(&r) as f64;
        let p = (-1.0f64).exp();
        let share = r.upstream.gateway_opened as f64 / n;
        let hw = 3.29 * (p * (1.0 - p) / n).sqrt();
        assert!(
            (share - p).abs() <= hw,
            "seed {seed}: new-connection share {share:.4}, want {p:.4} ± {hw:.4}"
        );
    }
}

/// (d) A pod becomes a black hole at 20 s (its readiness probe never tells). Before, each of
/// the 3 replicas held exactly one idle connection to it (no two tries in flight at once, its
/// last try a few ms before): the first try of each replica that meets the pod rides it and
/// hangs until the 7 s read timeout, past the client's 6 s — exactly 3 requests time out.
/// Every later try opens a new connection, fails at NGINX's 5 s `proxy-connect-timeout` and
/// goes to the next upstream, so no request fails otherwise, and ¼ of those in the fault
/// took 5 s. With 1 ms of service a pair sometimes has a few tries in flight at once, so a
/// replica may hold several idle connections to the pod; `max_idle = 1` bounds that at one
/// each: at most 3 tries hang on them, plus the tries in service at the instant it died
/// (50/s × 1 ms = 0.05 expected; one at most here).
#[test]
fn a_black_holed_pod_hangs_the_tries_on_its_idle_connections_and_fails_the_rest_fast() {
    let fault = r#"[[faults]]
kind = "pod-hang"
service = "web"
count = 1
at = "20s""#;
    let ingress = "backend_timeout = \"7s\"\nnext_upstream_tries = 3";
    let timeout = |text: String| text.replace("timeout = \"15s\"", "timeout = \"6s\"");
    let r = run(&timeout(scenario(3, 200.0, "0s", ingress, fault, SEED)));
    let failed = |c: ErrorCause| r.failed[c as usize];
    assert_eq!(failed(ErrorCause::Timeout), 3, "{:?}", r.failed);
    assert_eq!(r.failed.iter().sum::<u64>(), 3, "{:?}", r.failed);
    // The tries that met the pod: a quarter of the 80 s × 200/s, each a new connection.
    let p85 = r.latency.quantile(0.85).as_secs_f64();
    let p75 = r.latency.quantile(0.75).as_secs_f64();
    assert!((5.0..5.05).contains(&p85), "p85 {p85} s: connect timeout");
    assert!(p75 < 0.01, "p75 {p75} s");

    let bounded = format!("{ingress}\nupstream = {{ max_idle = 1 }}");
    let r = run(&timeout(scenario(3, 200.0, "1ms", &bounded, fault, SEED)));
    let hung = r.failed[ErrorCause::Timeout as usize];
    assert!((1..=4).contains(&hung), "{:?}", r.failed);
    assert_eq!(r.failed.iter().sum::<u64>(), hung, "{:?}", r.failed);
}

/// (e) With `mesh`, `front` calls `web` through the sidecars; web's sidecar pays 1 ms of CPU
/// per mTLS handshake. web does no work of its own, so its CPU is its sidecar's passes (0.2 ms
/// per call) plus the handshakes, and the handshakes are the connections the sidecars opened
/// (`max_requests = 3`: one call in 3).
#[test]
fn mtls_cpu_under_the_mesh_is_the_connections_opened_times_the_handshake() {
    let text = format!(
        r#"
[simulation]
duration = "40s"
warmup = "5s"
replications = 1
seed = {SEED}
[clients]
rate = 500
timeout = "10s"
[network]
zones = ["1"]
[ingress]
kind = "istio"
instances = {{ "1" = 2 }}
concurrency = 100
mesh = true
upstream = {{ max_requests = 3 }}
[[services]]
name = "front"
pods = {{ "1" = 3 }}
concurrency = 500
service_time = "0s"
calls = [{{ service = "web" }}]
[[services]]
name = "web"
pods = {{ "1" = 2 }}
cpu = {{ limit = "2" }}
service_time = "0s"
"#
    );
    let r = run(&text);
    let web = r.tiers.iter().find(|t| t.name == "web").unwrap();
    let calls = web.arrivals as f64;
    let core_secs = web.mean_busy * r.measured_secs;
    let handshakes = (core_secs - calls * 0.0002) / 0.001;
    let opened = r.upstream.mesh_opened as f64;
    assert!(
        (handshakes - opened).abs() <= 0.01 * opened + 5.0,
        "{handshakes:.0} handshakes of web's CPU, {opened} connections opened by the sidecars"
    );
    let share = opened / (opened + r.upstream.mesh_reused as f64);
    assert!((share - 1.0 / 3.0).abs() < 0.01, "share {share}");
}
