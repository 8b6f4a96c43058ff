//! The calendar holds about what the live requests need, not every timeout ever scheduled:
//! its size is bounded by the requests in flight, not by rate × timeout (issue 15).

mod common;

use common::one_server;

use trafsim::model::simulate_with_footprint;
use trafsim::scenario::{self, Scenario};

/// `rate` requests/s with a 50 s client timeout into one pod with `slots` slots and an
/// exponential service time of mean `service`, for `duration`; one replication.
fn scenario(rate: f64, slots: u32, service: &str, duration: &str, seed: u64) -> Scenario {
    let text = one_server(
        &format!(
            r#"
name = "calendar"
duration = "{duration}"
warmup = "0s"
replications = 1
seed = {seed}
window = "10s""#
        ),
        &format!(
            r#"
rate = {rate}
timeout = "50s"
retries = {{ attempts = 0 }}
latency = "0s"
new_tls_connection_share = 0"#
        ),
        slots,
        service,
    );
    scenario::parse(&text, "calendar_bounds").unwrap()
}

/// 5,000 requests/s for 2 minutes, each in service for 0.5 s on average with room for all
/// (about 2,500 requests in flight), each with a 50 s client timeout that never fires: rate ×
/// timeout is 250,000, and the run schedules 600,000 timeouts that all go stale. A calendar
/// that kept stale timeouts until their time (the heap before the timer lanes) peaks at
/// about 250,000 events. (The timeout is shorter than the run: one as long as the run is not
/// scheduled at all, as it could never fire — see `Sim::schedule_timeout`.) The calendar must stay within a small multiple of the peak number of
/// live arena nodes (each request holds two: the request and its work at the pod; each live
/// node has at most a timeout and one pending event), plus the lanes' minimum clean-up length.
#[test]
fn calendar_size_follows_the_live_requests_not_rate_times_timeout() {
    for seed in [1, 2] {
        let s = scenario(5000.0, 100_000, "500ms", "2m", seed);
        let (run, f) = simulate_with_footprint(&s, 0);
        assert!(run.offered > 550_000, "offered {}", run.offered);
        assert_eq!(run.failed_total(), 0);
        assert!(
            f.peak_in_flight > 4_000,
            "about 2,500 requests × 2 nodes alive: {f:?}"
        );
        // The timer lane's clean-up spacing (at least 256 entries taken between clean-ups, so
        // up to twice that held) plus three events per live node.
        let bound = 3 * f.peak_in_flight + 2 * 256;
        assert!(
            f.peak_calendar <= bound,
            "seed {seed}: calendar peaked at {} events for {} live nodes (bound {bound})",
            f.peak_calendar,
            f.peak_in_flight
        );
        // Far below what rate × run time of stale timeouts would be.
        assert!(f.peak_calendar < 60_000, "{f:?}");
    }
}

/// The same load for 1 and for 4 minutes: the calendar's peak does not grow with the run.
#[test]
fn calendar_size_does_not_grow_with_the_run() {
    let (_, short) = simulate_with_footprint(&scenario(5000.0, 100_000, "500ms", "1m", 3), 0);
    let (_, long) = simulate_with_footprint(&scenario(5000.0, 100_000, "500ms", "4m", 3), 0);
    assert!(
        long.peak_calendar as f64 <= 1.2 * short.peak_calendar as f64,
        "1 min: {short:?}, 4 min: {long:?}"
    );
}
