//! ingress-nginx's `ewma` balancer as `rootfs/etc/nginx/lua/balancer/ewma.lua` has it: the
//! score of a backend is its latency EWMA decayed towards 0 by `exp(−Δt / 10 s)` since it was
//! last updated, and each pick takes the lower score of two distinct random peers. So a slow
//! pod is avoided only until its decayed score falls below a fast pod's — after
//! `10 s × ln(slow / fast)` — then it gets a request, its EWMA is measured again and the
//! cycle repeats. Release mode; fixed seed (3 others tried once by hand).

use trafsim::runner::run_all;
use trafsim::scenario::parse;

/// Two `web` pods (zones 1 and 2), constant 5 ms; the zone-1 pod is 10× slower (50 ms) for
/// the whole run. No network latency, no ingress work and no queueing, so every request takes
/// exactly 5 ms or 50 ms and the mean tells how many went to the slow pod.
fn scenario(seed: u64) -> String {
    format!(
        r#"
[simulation]
duration = "520s"
warmup = "20s"
replications = 1
seed = {seed}
[clients]
rate = 2
timeout = "5s"
new_tls_connection_share = 0
[network]
zones = ["1", "2"]
in_zone = "0s"
cross_zone = "0s"
[ingress]
kind = "nginx"
instances = {{ "1" = 1 }}
concurrency = 8
processing = "0s"
balancing = "ewma"
[[services]]
name = "web"
pods = {{ "1" = 1, "2" = 1 }}
concurrency = 100
service_time = "5ms"
[[faults]]
kind = "gray-failure"
service = "web"
zone = "1"
count = 1
latency_multiplier = 10
at = "0s"
"#
    )
}

/// The slow pod's score 50 ms × exp(−t / 10 s) falls below the fast pod's 5 ms after
/// 10 × ln 10 ≈ 23.0 s (plus up to the next arrival, 0.5 s on average at 2 requests/s), so over
/// 500 measured seconds it is tried about 21 times — once per cycle, and at 2 requests/s only
/// rarely twice while its 50 ms reply is on the way. A decay time of 5 s would give ≈ 40,
/// 20 s ≈ 11, no decay 0 or 1. Before this change (score 0.8/0.2 EWMA × (in-flight + 1), two
/// draws with replacement) the slow pod got at least the quarter of requests that drew it
/// twice: ≥ 250.
#[test]
fn a_slow_pod_is_tried_again_once_its_score_has_decayed() {
    let r = &run_all(&parse(&scenario(17), "ewma.toml").unwrap())[0];
    let n = r.latency.count() as f64;
    assert!(n > 900.0, "{n} requests");
    let slow = (n * (r.latency.mean_secs() - 0.005) / 0.045).round();
    // Cycles of ≈ 23.5 s in 500 s: 21 or 22, plus a second request in a few of them.
    assert!(
        (19.0..=32.0).contains(&slow),
        "{slow} requests went to the slow pod"
    );
}
