//! A SNAT port's cool-down waits in a calendar lane, not in the heap (issue 15).
//!
//! A new outbound connection holds its port for the call and then 65 s of FIN cool-down
//! (NAT Gateway, facts §6): at a few hundred new connections a second, tens of thousands of
//! port releases wait at any time. The release used to be scheduled when the call started, a
//! random call latency plus 65 s ahead, so every one of them sat in the calendar's heap (and
//! every pop paid for the heap's depth). Now the connection's close, when the call ends,
//! schedules the release exactly the cool-down ahead, a fixed delay with a lane of its own:
//! the same events at the same times in the same order (`summary.json` of the shipped
//! scenarios is unchanged byte for byte), and the heap holds only what the live requests need.
//! Before the change the heap peaked at about rate × 65 s (≈ 32,000 here) and the test failed.

use trafsim::model::simulate_with_footprint;
use trafsim::scenario::{Scenario, parse};

/// Clients at `rate` → `web` (ample slots, 1 ms) → one call per request to `api` through a
/// zonal NAT Gateway, each on a new connection (no reuse), for 3 minutes.
fn scenario(rate: f64, seed: u64) -> Scenario {
    let text = format!(
        r#"
[simulation]
duration = "3m"
warmup = "0s"
replications = 1
seed = {seed}
[clients]
rate = {rate}
timeout = "30s"
[network]
zones = ["1"]
[ingress]
kind = "none"
[[services]]
name = "web"
pods = {{ "1" = 4 }}
concurrency = 64
service_time = "1ms"
calls = [{{ destination = "api" }}]
[egress]
kind = "nat-gateway"
zone = "1"
[[egress.destinations]]
name = "api"
latency = {{ lognormal = {{ mean = "20ms", p99 = "80ms" }} }}
connection_reuse = 0
"#
    );
    parse(&text, "snat_calendar.toml").unwrap_or_else(|e| panic!("{e}\n{text}"))
}

#[test]
fn port_cooldowns_wait_in_a_lane_not_in_the_heap() {
    for seed in [1, 2] {
        let (r, f) = simulate_with_footprint(&scenario(500.0, seed), 0);
        assert_eq!(r.failed_total(), 0, "no call lacks a port");
        // About 500/s × 65 s ports held at the end of the first cool-down.
        let held = r.snat_peak.expect("NAT Gateway counts ports");
        assert!(held > 30_000, "ports held at the peak: {held}");
        assert!(
            f.peak_calendar > 30_000,
            "the releases are in the calendar: {f:?}"
        );
        // A handful of requests in flight (500/s × ~22 ms), each with a few pending events.
        assert!(
            f.peak_heap < 2_000,
            "seed {seed}: the heap holds the live requests' events, not the cool-downs: {f:?}"
        );
    }
}
