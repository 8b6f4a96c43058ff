//! Events per request (issue 15): a hop with no delay is folded into the event before it, so
//! an M/M/c written as a scenario costs the two events per customer that a bare event loop
//! needs (its arrival and its end of service), and a hop with a delay stays an event.

mod common;

use common::one_server;

use trafsim::model::simulate;
use trafsim::scenario::{self, Scenario};

/// `mmc.toml`'s M/M/4 at ρ = 0.8 (320 requests/s, 10 ms service, one pod with 4 slots), for
/// 2 minutes with no warm-up, every hop taking `latency`.
fn mmc(latency: &str, seed: u64) -> Scenario {
    let text = one_server(
        &format!(
            r#"
name = "events"
duration = "2m"
warmup = "0s"
replications = 1
seed = {seed}
window = "10s""#
        ),
        &format!(
            r#"
rate = 320
timeout = "1h"
latency = "{latency}"
new_tls_connection_share = 0"#
        ),
        4,
        "10ms",
    );
    scenario::parse(&text, "events_per_request").unwrap()
}

/// With zero-latency hops every customer is two events: its arrival and its end of service
/// (plus a few dozen gauge samples in the run). Before the hops were folded each customer was
/// six — the client's hop, the hop to the pod, the pod's reply and the client's reply were
/// events of their own — and stale timeouts dropped by the calendar's clean-up were counted
/// too, so this failed with about 6 events per customer.
#[test]
fn zero_latency_hops_are_no_events() {
    for seed in [1, 2, 3, 4] {
        let run = simulate(&mmc("0s", seed), 0);
        assert!(run.offered > 35_000, "offered {}", run.offered);
        let per = run.events as f64 / run.offered as f64;
        assert!(
            (1.99..=2.02).contains(&per),
            "seed {seed}: {per} events/customer"
        );
    }
}

/// A client hop of 1 ms each way is not folded: the attempt reaching the service and the reply
/// reaching the client stay events (four per customer; the hop to the pod and the pod's reply
/// have no delay and are still folded).
#[test]
fn hops_with_a_delay_stay_events() {
    for seed in [1, 2] {
        let run = simulate(&mmc("1ms", seed), 0);
        let per = run.events as f64 / run.offered as f64;
        assert!(
            (3.99..=4.02).contains(&per),
            "seed {seed}: {per} events/customer"
        );
    }
}
