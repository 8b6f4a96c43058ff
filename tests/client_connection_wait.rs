//! `[clients] connections = { when_full = "wait" }`: an HTTP/1.1 attempt that finds every one
//! of the clients' `count` connections busy waits for one to come free (a browser's 6
//! connections per host, Go's client with `MaxConnsPerHost`), where by default it opens one
//! more (Go's `MaxConnsPerHost` 0). See `model::client_conn`.
//!
//! Before, `when_full` was an unknown key, and every attempt at a full pool opened a
//! connection: the runs below then saw no wait (mean 20 ms, not 24.1 ms). Inline scenarios:
//! clients straight to one pod with room for all, one zone, no latency, no retries; fixed
//! seed (seeds 3 to 6 were also checked once); release mode.

mod common;

use common::{
    EXP_20MS, assert_line_collapsed, assert_mean_latency, load_error, mmc_wait, one_server,
    run_inline,
};

/// `rate` requests/s on `connections`, to one pod with room for all whose work is `service`.
fn scenario(rate: u32, connections: &str, timeout: &str, service: &str) -> String {
    let text = one_server(
        r#"duration = "130s"
warmup = "0s"
replications = 10
seed = 3"#,
        &format!(
            r#"rate = {rate}
timeout = "{timeout}"
retries = {{ attempts = 0 }}
latency = "0s"
connections = {connections}"#
        ),
        1000,
        "20ms",
    );
    text.replace(
        r#"service_time = { exponential = { mean = "20ms" } }"#,
        &format!("service_time = {service}"),
    )
}

/// 400 requests/s of 20 ms (exponential) on 10 HTTP/1.1 connections that wait when full: an
/// attempt holds its connection for its work, so the connections are an M/M/10 queue offered
/// 8 Erlangs in front of a pod that never queues, and a request takes its Erlang C wait plus
/// its work. Opening a connection when full (the default) never waits (M/M/∞).
#[test]
fn a_full_pool_that_waits_queues_as_m_m_c() {
    let wait = mmc_wait(400.0, 50.0, 10);
    for (when_full, truth) in [("wait", wait + 0.020), ("open", 0.020)] {
        let connections = format!(r#"{{ count = 10, when_full = "{when_full}" }}"#);
        let rs = run_inline(&scenario(400, &connections, "30s", EXP_20MS));
        assert_mean_latency(when_full, &rs, truth);
        for r in &rs {
            assert_eq!(r.failed_total(), 0, "{when_full}");
        }
    }
}

/// One connection, 100 ms of work, 20 requests/s and a 500 ms client timeout: the connection
/// carries at most 10 requests/s, so the line grows and most attempts time out, waiting or
/// late in their work; the successes stay within the one connection's 10/s.
#[test]
fn a_waiting_attempt_gives_up_at_the_client_timeout() {
    let one = r#"{ count = 1, when_full = "wait" }"#;
    for r in run_inline(&scenario(20, one, "500ms", r#""100ms""#)) {
        assert_line_collapsed(&r, 10.0);
    }
}

#[test]
fn when_full_is_checked() {
    let http2 = load_error(&scenario(
        10,
        r#"{ count = 10, protocol = "http2", when_full = "wait" }"#,
        "30s",
        EXP_20MS,
    ));
    assert!(
        http2.contains("when_full") && http2.contains("http1"),
        "names the field and where it applies: {http2}"
    );
    let unknown = load_error(&scenario(
        10,
        r#"{ count = 10, when_full = "queue" }"#,
        "30s",
        EXP_20MS,
    ));
    assert!(
        unknown.contains("queue") && unknown.contains("open") && unknown.contains("wait"),
        "names what was given and what is allowed: {unknown}"
    );
}
