//! Pod termination on scale-down and App Gateway connection draining (issue 10, item 7): a
//! deleted pod leaves the endpoints at once, serves what still reaches it through its preStop
//! sleep and its termination grace period, and is killed when the grace period ends
//! (kubernetes.io, "Pod Lifecycle", "Termination of Pods"); App Gateway learns of the deletion
//! only when AGIC updates the backend pool, and then lets the pod's in-flight requests finish
//! within the connection-draining timeout, or 30 s when draining is not enabled (Microsoft
//! Learn, "Application Gateway HTTP settings configuration"). The documented fix for the 502s
//! after a scale-down — a preStop sleep longer than AGIC's lag and a longer grace period
//! (AGIC, "Minimizing downtime during deployments") — is tried here.
//!
//! Scenarios are inline and small; expected figures come from the configured parameters.

mod common;

use common::agw_scale_down;

use trafsim::model::RunResult;
use trafsim::model::result::ErrorCause;
use trafsim::runner::run_all as run;
use trafsim::scenario::{Scenario, parse};

fn failures(r: &RunResult) -> u64 {
    r.failed.iter().sum()
}

/// Sends to stopped pods when App Gateway's pool still holds 3 stopped pods for `secs`: it
/// round-robins over its 4 pool members, so 3/4 of a Poisson(100 × `secs`) count. The 99.9%
/// interval is ±3.29 standard deviations (0.75 × √(100 × `secs`)), plus 1 s of arrivals for
/// where the deletion falls inside a sync tick.
fn assert_sends(r: &RunResult, secs: f64, what: &str) {
    let mean = 0.75 * 100.0 * secs;
    let half = 3.29 * 0.75 * (100.0 * secs).sqrt() + 75.0;
    let n = r.sends_after_scale_down as f64;
    assert!(
        (n - mean).abs() <= half,
        "{what}: {n} sends to stopped pods; {mean} ± {half} expected"
    );
}

/// The default 30 s grace and no preStop: the deleted pods get SIGTERM at once and refuse new
/// work, and AGIC deregisters them 1 s + 40 s after the deletion, so App Gateway sends to them
/// for 41 s: 0.75 × 100/s × 41 s ≈ 3,075 sends, each a failed request (no client retries); the
/// few requests in service at a pod when it is killed (100/s × 5 ms × 3/4 ≈ 0.4 on average)
/// are reset too. (Before SIGTERM was modelled, a deleted pod served until its grace period
/// ended: 11 s of sends, 825.)
#[test]
fn agic_lag_longer_than_the_grace_period_sends_to_stopped_pods() {
    for r in run(&agw_scale_down("", 7)) {
        assert_sends(&r, 40.0 + 1.0, "default grace, no preStop");
        let extra = failures(&r).checked_sub(r.sends_after_scale_down);
        assert!(
            extra.is_some_and(|n| n <= 10),
            "{} failures for {} sends",
            failures(&r),
            r.sends_after_scale_down
        );
    }
}

/// The documented fix: a 45 s preStop sleep inside a 60 s grace period keeps the deleted pods
/// accepting work until SIGTERM at 45 s, past AGIC's update at 41 s: no sends to stopped pods
/// and no failed requests at all. On the old model (a fixed 30 s grace) both fields did not
/// exist and it sent ≈ 825.
#[test]
fn a_pre_stop_sleep_and_a_longer_grace_remove_the_502s() {
    for r in run(&agw_scale_down(
        "termination_grace = \"60s\"\npre_stop = \"45s\"",
        7,
    )) {
        assert_eq!(r.sends_after_scale_down, 0, "sends to stopped pods");
        assert_eq!(failures(&r), 0, "failed requests: {:?}", r.failed);
        assert!(r.succeeded > 0);
    }
}

/// A preStop sleep longer than the grace period does not stretch it: the kubelet grants a
/// one-off 2 s extension, so a 45 s sleep with the default 30 s grace kills the pod at 32 s and
/// App Gateway sends to it for 41 − 32 = 9 s: 0.75 × 100/s × 9 s ≈ 675 sends.
#[test]
fn a_pre_stop_sleep_beyond_the_grace_period_gets_only_two_seconds_more() {
    for r in run(&agw_scale_down("pre_stop = \"45s\"", 7)) {
        assert_sends(&r, 9.0, "preStop 45 s, grace 30 s");
    }
}

/// Long requests in flight when AGIC deregisters a deleted pod: 4 requests/s, each taking a
/// constant 40 s, over 4 pods (concurrency 400: 10% busy, so the HPA deletes 3 of them); the
/// deleted pods' preStop sleep and grace period (10 min) outlast the run, so they accept work
/// to the end and only App Gateway can cut them.
fn long_requests(draining: &str, seed: u64) -> Scenario {
    let text = format!(
        r#"
[simulation]
duration = "4m"
warmup = "0s"
replications = 2
seed = {seed}

[clients]
rate = 4
timeout = "2m"

[network]
zones = ["1"]

[ingress]
kind = "app-gateway"
instances = {{ "1" = 1 }}
agic_update_lag = "40s"
backend_timeout = "2m"
{draining}

[[services]]
name = "web"
pods = {{ "1" = 4 }}
concurrency = 400
service_time = {{ constant = "40s" }}
termination_grace = "10m"
pre_stop = "10m"
hpa = {{ min = 1, max = 4, target_utilisation = 0.5, sync_period = "15s", scale_down_stabilisation = "30s" }}
"#
    );
    parse(&text, "inline.toml").unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// Without draining, App Gateway gives a deregistered pod's in-flight requests 30 s: those
/// that reached one of the 3 deleted pods in the last 40 − 30 = 10 s before AGIC's update are
/// cut (502): 0.75 × 4/s × 10 s = 30 expected, a Poisson count (99.9%: 30 ± 3.29 × √30 ≈
/// 12–48). With `connection_draining = "2m"` every one of them finishes (40 s < 120 s): none
/// fail. The old model never cut a request at deregistration: 0 in both.
#[test]
fn connection_draining_lets_long_in_flight_requests_finish() {
    for r in run(&long_requests("", 11)) {
        let cut = r.failed[ErrorCause::DeadBackend as usize] as f64;
        assert!(
            (12.0..=48.0).contains(&cut),
            "draining off: {cut} requests cut; ≈30 expected ({:?})",
            r.failed
        );
        assert_eq!(failures(&r) as f64, cut, "only cuts fail");
    }
    for r in run(&long_requests("connection_draining = \"2m\"", 11)) {
        assert_eq!(failures(&r), 0, "draining on: {:?}", r.failed);
        assert_eq!(r.sends_after_scale_down, 0);
    }
}

fn load_error(ingress: &str) -> String {
    let text = format!(
        r#"
[clients]
rate = 1

[ingress]
{ingress}

[[services]]
name = "web"
pods = {{ "1" = 1 }}
service_time = "5ms"
"#
    );
    match parse(&text, "bad.toml") {
        Ok(_) => panic!("loaded:\n{text}"),
        Err(e) => e.to_string(),
    }
}

/// `connection_draining` outside App Gateway's 1–3600 s, or on another ingress kind, is an
/// error naming the file, the field, the value and what is allowed.
#[test]
fn connection_draining_out_of_range_or_kind_is_an_error() {
    let e = load_error("kind = \"app-gateway\"\nconnection_draining = \"2h\"");
    for part in ["bad.toml", "connection_draining", "1s to 3600s", "got 2h"] {
        assert!(e.contains(part), "{part:?} missing from: {e}");
    }
    let e = load_error("kind = \"nginx\"\nconnection_draining = \"60s\"");
    for part in ["bad.toml", "connection_draining", "app-gateway"] {
        assert!(e.contains(part), "{part:?} missing from: {e}");
    }
}
