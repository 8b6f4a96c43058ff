//! What a new pooled connection costs (issue 16): the TCP handshake (one round trip of the
//! hop) and TLS 1.3's (one more) before the first request, nothing on reuse; and the connect
//! timeout, which fails a new connection to a silent pod while requests on an open one hang
//! until the call's timeout.
//!
//! Before this, a pooled call went to its pod at once whether its connection was new or not
//! (first and reused calls took the same time), and a call to a black-holed pod always hung
//! until the call's timeout: each test below fails on that code.
//!
//! Inline scenarios: NGINX (`externalTrafficPolicy: Local`, no processing, one try) in front of one `front` pod calling one
//! `api` pod once per request; constant latencies and evenly spaced arrivals, so every figure
//! is exact; fixed seed (seeds 5, 6 and 7 were also checked once); release mode.

use trafsim::model::{ErrorCause, RunResult};
use trafsim::runner::run_all;
use trafsim::scenario::parse;

const SEED: u64 = 23;

/// `front` (zone 1) calls `api` (in `api_zone`) with `connections = { … }` given by `conns`;
/// `extra` adds lines to `api` (protocol, faults) and `call` keys to the call.
fn scenario(api_zone: &str, conns: &str, call: &str, extra: &str, timing: &str) -> String {
    format!(
        r#"
[simulation]
{timing}
seed = {SEED}
[clients]
rate = 50
arrival = "constant"
new_tls_connection_share = 0
timeout = "60s"
[network]
zones = ["1", "2"]
in_zone = "1ms"
cross_zone = "3ms"
[ingress]
kind = "nginx"
external_traffic_policy = "local"
instances = {{ "1" = 1 }}
concurrency = 1000
processing = "0s"
backend_timeout = "60s"
next_upstream_tries = 1
[[services]]
name = "front"
pods = {{ "1" = 1 }}
concurrency = 1000
service_time = "1ms"
calls = [{{ service = "api", connections = {{ {conns} }}{call} }}]
[[services]]
name = "api"
pods = {{ "{api_zone}" = 1 }}
concurrency = 1000
service_time = "1ms"
{extra}
"#
    )
}

fn runs(text: &str) -> Vec<RunResult> {
    let s = parse(text, "inline").unwrap_or_else(|e| panic!("{e}"));
    run_all(&s)
}

/// The client's mean latency over the replications, seconds (exact: every run is the same).
fn mean_latency(text: &str) -> (f64, u64) {
    let rs = runs(text);
    let n: u64 = rs.iter().map(|r| r.latency.count()).sum();
    let sum: f64 = rs
        .iter()
        .map(|r| r.latency.mean_secs() * r.latency.count() as f64)
        .sum();
    let opened = rs.iter().map(|r| r.connections_opened).sum();
    (sum / n as f64, opened)
}

/// One call every 20 ms, each done in a few: with a pool, every measured call reuses the one
/// connection opened before the warm-up ended; with `max_requests = 1` every call opens one.
/// The difference of the mean latencies is exactly the handshake's round trips: 2 × 1 ms in
/// the zone, 2 × 3 ms across zones, twice that with TLS.
#[test]
fn a_new_connection_costs_its_handshake_round_trips_and_reuse_costs_nothing() {
    let timing = "duration = \"12s\"\nwarmup = \"2s\"\nreplications = 2";
    for (zone, one_way) in [("1", 0.001), ("2", 0.003)] {
        let (reused, opened) = mean_latency(&scenario(zone, "pool = 1", "", "", timing));
        assert_eq!(opened, 0, "every measured call reuses the connection");
        let (reused_tls, _) = mean_latency(&scenario(zone, "pool = 1, tls = true", "", "", timing));
        assert!(
            (reused_tls - reused).abs() < 1e-9,
            "TLS costs nothing on reuse: {reused_tls} vs {reused}"
        );
        let (fresh, opened) = mean_latency(&scenario(
            zone,
            "pool = 1, max_requests = 1",
            "",
            "",
            timing,
        ));
        assert_eq!(
            opened,
            2 * 500,
            "one connection per call (50/s for 10 s, 2 runs)"
        );
        let tcp = 2.0 * one_way;
        assert!(
            (fresh - reused - tcp).abs() < 1e-9,
            "zone {zone}: new {fresh} − reused {reused} should be one round trip {tcp}"
        );
        let (fresh_tls, _) = mean_latency(&scenario(
            zone,
            "pool = 1, max_requests = 1, tls = true",
            "",
            "",
            timing,
        ));
        assert!(
            (fresh_tls - reused - 2.0 * tcp).abs() < 1e-9,
            "zone {zone}: new TLS {fresh_tls} − reused {reused} should be two round trips"
        );
    }
}

/// The api pod hangs (a black hole its readiness probe, every hour, never reports) at 5 s.
const HANG: &str = r#"protocol = "grpc"
readiness = { period = "1h" }
[[faults]]
kind = "pod-hang"
service = "api"
count = 1
at = "5s""#;

/// gRPC, one connection opened at the start: the calls made from 5 s ride it and hang until
/// the call's 10 s timeout (failing as timeouts); the first timeout, at 15 s, closes it, and
/// from then every call opens or rides a new connection to the same silent pod (kube-proxy
/// still lists it), which fails at the 2 s connect timeout as a connection error. 50 calls a
/// second: ≈ 500 timeouts, then a connection error for every call made until the last
/// connection failure before the end (43 to 45 s of calls). With a
/// connect timeout longer than the call's (gRPC's default 20 s against 10 s) every call
/// hangs to its timeout instead.
#[test]
fn a_silent_pod_hangs_open_connections_and_fails_new_ones_at_the_connect_timeout() {
    let timing = "duration = \"60s\"\nwarmup = \"1s\"\nreplications = 1";
    let call = ", timeout = \"10s\"";
    let r = &runs(&scenario(
        "1",
        "connect_timeout = \"2s\"",
        call,
        HANG,
        timing,
    ))[0];
    let timeouts = r.failed[ErrorCause::Timeout as usize];
    let refused = r.failed[ErrorCause::DeadBackend as usize];
    assert!(
        timeouts.abs_diff(500) <= 2,
        "calls from 5 s to 15 s hang on the open connection: {:?}",
        r.failed
    );
    // Calls made from 15 s until the last connection failure (58 s to 60 s) fail with it.
    assert!(
        (43 * 50..=45 * 50).contains(&refused),
        "new connections fail at the connect timeout: {:?}",
        r.failed
    );
    assert!(r.connections_opened >= 20, "a new connection every 2 s");
    let r = &runs(&scenario("1", "", call, HANG, timing))[0];
    assert_eq!(
        r.failed[ErrorCause::DeadBackend as usize],
        0,
        "{:?}",
        r.failed
    );
    assert!(
        r.failed[ErrorCause::Timeout as usize] > 2_000,
        "{:?}",
        r.failed
    );
}

/// Bad input: a connect timeout of 0 and a non-boolean `tls` are clear errors.
#[test]
fn bad_handshake_fields_are_clear_errors() {
    let timing = "duration = \"5s\"\nwarmup = \"1s\"";
    let err = |conns: &str| match parse(&scenario("1", conns, "", "", timing), "inline.toml") {
        Ok(_) => panic!("accepted: {conns}"),
        Err(e) => e.to_string(),
    };
    let e = err("connect_timeout = \"0s\"");
    assert!(
        e.contains("inline.toml:") && e.contains("connections.connect_timeout"),
        "{e}"
    );
    let e = err("tls = \"yes\"");
    assert!(e.contains("tls"), "{e}");
}
