//! The HPA's replica calculation during a scale-up (issue 11, item 1): pods not yet ready count
//! as idle, so the HPA stops where Kubernetes stops instead of multiplying every replica —
//! starting ones included — by the utilisation of the running ones.
//!
//! The algorithm's cases (missing metrics on a scale-down count as 100%, a reversed direction
//! means no change) are unit tests in `src/model/hpa.rs`.

use trafsim::model::result::gauge;
use trafsim::model::{RunResult, simulate};
use trafsim::scenario::parse;

/// Ready pods (all zones) per 1 s window, with the window's start.
fn ready_pods(r: &RunResult) -> Vec<(f64, f64)> {
    r.series
        .windows()
        .iter()
        .map(|w| {
            let ready: f64 = (0..3).map(|z| w.gauges[gauge::READY_PODS + z].max).sum();
            (w.start.as_secs_f64(), ready)
        })
        .collect()
}

/// 6 pods × 4 slots × 10 ms = 2,400 rps of capacity, 1,200 rps offered: 50% busy, the target.
/// The load doubles at 120 s (a tick): the tick at 135 s reads the 6 pods (nearly) fully busy,
/// ratio ≈ 2, and asks for ceil(2 × 6) = 12. The 6 new pods start for 60 s; meanwhile the
/// ready pods stay fully busy and the starting ones count as 0%: 6 × 1.0 / 12 / 0.5 = 1.0, no
/// change. Once ready (195 s, and a full 15 s metric window later), 12 pods are 50% busy: no
/// change either, for the rest of the run.
///
/// The old calculation multiplied all 12 replicas by the ready pods' ratio of 2 at 150 s
/// (→ 24), then again (→ 40, the maximum), and left the service 12–15% busy: this test fails
/// on it (ready pods reach 24 at 210 s).
fn step_scenario(seed: u64) -> String {
    format!(
        r#"
[simulation]
duration = "8m"
warmup = "0s"
replications = 1
seed = {seed}
window = "1s"
max_windows = 1000                  # 1 s resolution over the whole run
[clients]
profile = [{{ at = "0s", rps = 1200 }}, {{ at = "120s", rps = 2400 }}]
timeout = "10s"
[network]
zones = ["1", "2", "3"]
[ingress]
kind = "none"
[[services]]
name = "web"
pods = {{ "1" = 2, "2" = 2, "3" = 2 }}
concurrency = 4
service_time = {{ exponential = {{ mean = "10ms" }} }}
startup = "60s"
hpa = {{ min = 6, max = 40, target_utilisation = 0.5, sync_period = "15s" }}
"#
    )
}

#[test]
fn a_doubled_load_ends_at_twice_the_pods_and_stays() {
    for seed in [1, 7] {
        let s = parse(&step_scenario(seed), "hpa-step.toml").unwrap();
        let r = simulate(&s, 0);
        let ready = ready_pods(&r);
        for &(t, n) in &ready {
            assert!(n <= 12.0, "seed {seed}: {n} ready pods at {t} s, beyond 12");
            if t < 190.0 {
                assert_eq!(
                    n, 6.0,
                    "seed {seed}: {n} ready pods at {t} s, before the new ones"
                );
            }
            if t >= 200.0 {
                assert_eq!(n, 12.0, "seed {seed}: {n} ready pods at {t} s, not 12");
            }
        }
    }
}

/// The gateway HPA runs the same calculation. An Istio gateway of 3 replicas × 4 slots × 10 ms
/// (1,200 rps) at 600 rps is 50% busy, the target; the load doubles at 120 s, the tick at
/// 135 s asks for ceil(2 × 3) = 6, and the 3 starting replicas count as idle until they have
/// been up for a full reading: 6 replicas, not more, to the end. The old calculation asked for
/// 2 × 6 = 12 at 150 s, then the maximum of 20.
#[test]
fn the_gateway_hpa_stops_at_twice_the_replicas_too() {
    let text = r#"
[simulation]
duration = "7m"
warmup = "0s"
replications = 1
seed = 5
window = "1s"
max_windows = 1000                  # 1 s resolution over the whole run
[clients]
profile = [{ at = "0s", rps = 600 }, { at = "120s", rps = 1200 }]
timeout = "10s"
[network]
zones = ["1", "2", "3"]
[ingress]
kind = "istio"
instances = { "1" = 1, "2" = 1, "3" = 1 }
concurrency = 4
processing = { exponential = { mean = "10ms" } }
tls_handshake = "0s"
startup = "60s"
hpa = { min = 3, max = 20, target_utilisation = 0.5 }
[[services]]
name = "web"
pods = { "1" = 1, "2" = 1, "3" = 1 }
concurrency = 200
service_time = "1ms"
"#;
    let s = parse(text, "gateway-step.toml").unwrap();
    let r = simulate(&s, 0);
    for w in r.series.windows() {
        let (t, n) = (
            w.start.as_secs_f64(),
            w.gauges[gauge::INGRESS_INSTANCES].max,
        );
        assert!(n <= 6.0, "{n} gateway replicas at {t} s, beyond 6");
        if t >= 200.0 {
            assert_eq!(n, 6.0, "{n} gateway replicas at {t} s, not 6");
        }
    }
}
