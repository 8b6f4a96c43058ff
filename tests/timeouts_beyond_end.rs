//! A timeout that cannot fire within the run is not scheduled: a 1 h client timeout in a
//! 2 min run costs the calendar nothing, while the results stay those of a run that
//! scheduled it (the shipped `mmc.toml` is checked byte for byte against the older binary).

mod common;

use trafsim::model::simulate_with_footprint;
use trafsim::scenario::{self, Scenario};

/// 1,000 requests/s for `duration`, each 0.5 s in service with room for all (about 500 in
/// flight, three arena nodes each: the request, its attempt, its work), with a client
/// `timeout` (also the ingress-less tier's per-try timeout).
fn scenario(timeout: &str, duration: &str, seed: u64) -> Scenario {
    let text = common::one_server(
        &format!(
            r#"name = "beyond-end"
duration = "{duration}"
warmup = "0s"
replications = 1
seed = {seed}
window = "10s""#
        ),
        &format!(
            r#"rate = 1000
timeout = "{timeout}"
retries = {{ attempts = 0 }}
latency = "0s"
new_tls_connection_share = 0"#
        ),
        100_000,
        "500ms",
    );
    scenario::parse(&text, "timeouts_beyond_end").unwrap()
}

/// With a 1 h timeout in a 2 min run the calendar holds only the work in service (one
/// `ServiceDone` per request in flight, a third of the live nodes) and a few periodic events.
/// Before, each request put two timeouts in the 1 h lane (about 1,000 live ones at any time),
/// which grew to its clean-up length (4,096) again and again: the calendar then held more
/// events than the live nodes, and this test failed.
#[test]
fn a_timeout_longer_than_the_run_is_not_scheduled() {
    for seed in [1, 2] {
        let (run, f) = simulate_with_footprint(&scenario("1h", "2m", seed), 0);
        assert!(run.offered > 110_000, "offered {}", run.offered);
        assert_eq!(run.failed_total(), 0);
        assert!(f.peak_in_flight > 1_200, "{f:?}");
        assert!(
            2 * f.peak_calendar <= f.peak_in_flight,
            "seed {seed}: the calendar held timeouts that cannot fire: {f:?}"
        );
    }
}

/// A timeout shorter than the run is still scheduled (and still fires): the same load with a
/// 0.3 s timeout fails the requests whose service took longer (e^(−0.6) ≈ 55%).
#[test]
fn a_timeout_shorter_than_the_run_still_fires() {
    let (run, _) = simulate_with_footprint(&scenario("300ms", "2m", 1), 0);
    let share = run.failed_total() as f64 / run.offered as f64;
    assert!(
        (share - (-0.6f64).exp()).abs() < 0.01,
        "failed share {share}"
    );
}
