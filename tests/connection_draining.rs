//! Draining callers' pooled connections when a pod gets SIGTERM (issue 16, "Draining"): an
//! HTTP/2 or gRPC server sends GOAWAY and serves the streams already sent to it within its
//! termination grace period; an HTTP/1.1 server closes its idle connections and the client
//! sends a request that was on the wire on one again elsewhere. Calls still running when the
//! pod is killed are reset.
//!
//! Before this, a pod's pooled connections closed at SIGTERM and every call still on the wire
//! to it was refused (connection refused, a `dead-backend` failure): the test below saw 35
//! such failures over its 4 gRPC replications (6 to 10 each; the same with `http2`) and 18
//! with HTTP/1.1 (2 to 7 each), where it now sees none.
//!
//! Inline scenarios: NGINX round-robin over 4 `front` pods, each calling `api` once per
//! request; one zone with a 50 ms one-way latency, so a call spends 50 ms on the wire; the
//! HPA scales `api` from 8 pods to 1 at one sync tick, with a 5 s preStop sleep (kube-proxy
//! has dropped the pods before they get SIGTERM, so no new connection goes to them). Fixed
//! seed; seeds 2, 3 and 4 were also checked once; release mode.

use trafsim::model::RunResult;
use trafsim::model::result::ErrorCause;
use trafsim::runner::run_all;
use trafsim::scenario::parse;

const SEED: u64 = 29;

/// 200 requests/s over 4 `front` pods calling `api` (8 pods of 1,000 slots, `work` each call,
/// `api` lines in `api_extra`, call keys in `call_extra`); the HPA (30 s stabilisation)
/// deletes 7 `api` pods at once, about 45 s in.
fn scenario(work: &str, api_extra: &str, call_extra: &str) -> String {
    format!(
        r#"
[simulation]
duration = "100s"
warmup = "0s"
replications = 4
seed = {SEED}
[clients]
rate = 200
timeout = "60s"
[network]
zones = ["1"]
in_zone = "50ms"
cross_zone = "50ms"
[ingress]
kind = "nginx"
instances = {{ "1" = 1 }}
concurrency = 1000
processing = "0s"
balancing = "round-robin"
next_upstream_tries = 1
[[services]]
name = "front"
pods = {{ "1" = 4 }}
concurrency = 1000
service_time = "1ms"
calls = [{{ service = "api"{call_extra} }}]
[[services]]
name = "api"
pods = {{ "1" = 8 }}
concurrency = 1000
service_time = "{work}"
pre_stop = "5s"
hpa = {{ min = 1, max = 8, target_utilisation = 0.5, sync_period = "15s", scale_down_stabilisation = "30s" }}
{api_extra}
"#
    )
}

fn runs(text: &str) -> Vec<RunResult> {
    let s = parse(text, "inline").unwrap_or_else(|e| panic!("{e}"));
    run_all(&s)
}

fn failed(r: &RunResult) -> u64 {
    r.failed.iter().sum()
}

/// The scale-in happened: `api` ends with 1 pod (of the 8 it had).
fn scaled_in(r: &RunResult) -> bool {
    r.pod_balance[1].pods == 1
}

/// A scale-in of a gRPC service (and of an HTTP/1.1 one with pooled connections) with calls
/// in flight — 200 calls/s of 200 ms, 50 ms on the wire — loses no call: the streams on the
/// wire at SIGTERM are served (GOAWAY's last stream id covers them), and the HTTP/1.1
/// requests on the wire go again on another connection. The old code refused the ones on the
/// wire: with most of the 4 connections on the 7 deleted pods, ≈ 4 × 7/8 × 50 calls/s ×
/// 50 ms ≈ 9 a replication (it saw 35 gRPC failures in these 4 replications, 18 with HTTP/1.1).
#[test]
fn a_scale_in_with_calls_in_flight_loses_no_call() {
    for (api, call) in [
        ("protocol = \"grpc\"", ""),
        ("protocol = \"http2\"", ""),
        ("", ", connections = { pool = 4 }"),
    ] {
        for r in runs(&scenario("200ms", api, call)) {
            assert!(scaled_in(&r), "{api}{call}: {:?}", r.pod_balance[1]);
            assert_eq!(failed(&r), 0, "{api}{call}: {:?}", r.failed);
            assert_eq!(r.sends_after_scale_down, 0, "{api}{call}");
            assert!(r.succeeded > 19_000, "{api}{call}: {}", r.succeeded);
        }
    }
}

/// Calls that outlast the grace period are reset when the pod is killed: 20 s calls at
/// 20 calls/s with a 10 s grace period (preStop included) fail with `dead-backend` — each a
/// call that was running on a deleted pod at its kill, so at most the ≈ 400 calls in flight
/// then (20/s × 20 s; ≤ 500 is far beyond its 99.9% bound) — while a 30 s grace period lets
/// them all finish.
#[test]
fn calls_still_running_at_sigkill_are_reset() {
    let slow = |grace: &str| {
        scenario("20s", "protocol = \"grpc\"", "")
            .replace("rate = 200", "rate = 20")
            .replace(
                "pre_stop = \"5s\"",
                &format!("pre_stop = \"5s\"\ntermination_grace = \"{grace}\""),
            )
    };
    for r in runs(&slow("10s")) {
        assert!(scaled_in(&r), "{:?}", r.pod_balance[1]);
        let reset = r.failed[ErrorCause::DeadBackend as usize];
        assert!(reset > 0, "calls running at the kill are reset");
        assert_eq!(failed(&r), reset, "only resets: {:?}", r.failed);
        assert!(reset <= 500, "{reset} resets");
    }
    for r in runs(&slow("30s")) {
        assert!(scaled_in(&r), "{:?}", r.pod_balance[1]);
        assert_eq!(failed(&r), 0, "{:?}", r.failed);
    }
}
