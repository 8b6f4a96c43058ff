//! Pods coming and going: the HPA reacts no sooner than its sync period and the pods' start-up
//! time allow and never beyond `max`; pods on a lost node are replaced only after eviction.

use trafsim::model::result::gauge;
use trafsim::model::{RunResult, simulate};
use trafsim::scenario::parse;

fn ready_pods(r: &RunResult, zones: usize) -> Vec<(f64, f64)> {
    r.series
        .windows()
        .iter()
        .map(|w| {
            let ready: f64 = (0..zones)
                .map(|z| w.gauges[gauge::READY_PODS + z].max)
                .sum();
            (w.start.as_secs_f64(), ready)
        })
        .collect()
}

#[test]
fn hpa_scales_up_after_sync_and_startup_and_never_beyond_max() {
    // 3 pods × 4 slots, 30 ms each: 400 rps capacity. The load steps from 100 to 300 rps at
    // 60 s: utilisation 0.25 → 0.75 against a target of 0.4, so the HPA wants
    // ceil(3 × 0.75 / 0.4) = 6 pods — more than max = 5.
    let text = r#"
[simulation]
duration = "4m"
warmup = "0s"
replications = 1
seed = 3
window = "1s"
max_windows = 1000                  # 1 s resolution over the whole run
[clients]
profile = [{ at = "0s", rps = 100 }, { at = "60s", rps = 300 }]
timeout = "10s"
[network]
zones = ["1", "2", "3"]
[ingress]
kind = "none"
[[services]]
name = "web"
pods = { "1" = 1, "2" = 1, "3" = 1 }
concurrency = 4
service_time = { exponential = { mean = "30ms" } }
startup = "20s"
hpa = { min = 3, max = 5, target_utilisation = 0.4, sync_period = "15s" }
"#;
    let s = parse(text, "hpa.toml").unwrap();
    let r = simulate(&s, 0);
    let ready = ready_pods(&r, 3);
    // Before the step plus one sync period plus start-up, nothing is added.
    let earliest = 60.0 + 20.0;
    for &(t, n) in &ready {
        if t + 1.0 <= earliest {
            assert_eq!(n, 3.0, "pods added too early, at {t} s");
        }
        assert!(n <= 5.0, "{n} ready pods at {t} s, beyond max");
    }
    // The ticks are at 15 s, 30 s, …; the first one that sees the new load is at 75 s, so the
    // new pods are ready at 95 s.
    let grown = ready
        .iter()
        .find(|&&(_, n)| n > 3.0)
        .expect("the HPA scales up");
    assert!(
        (grown.0 - 95.0).abs() <= 1.0,
        "first new pod ready at {} s",
        grown.0
    );
    assert_eq!(ready.last().unwrap().1, 5.0, "settles at max");
}

#[test]
fn pods_on_a_lost_node_are_replaced_after_eviction() {
    let text = r#"
[simulation]
duration = "10m"
warmup = "0s"
replications = 1
window = "1s"
max_windows = 1000                  # 1 s resolution over the whole run
[clients]
rate = 100
timeout = "2s"
[network]
zones = ["1", "2", "3"]
[ingress]
kind = "none"
[[services]]
name = "web"
pods = { "1" = 2, "2" = 2, "3" = 2 }
concurrency = 4
service_time = { exponential = { mean = "10ms" } }
startup = "20s"
[[faults]]
kind = "zone-outage"
zone = "2"
at = "30s"
mode = "reset"
"#;
    let s = parse(text, "evict.toml").unwrap();
    let r = simulate(&s, 0);
    let ready = ready_pods(&r, 3);
    // Lost at 30 s; evicted at 30 + 50 + 300 = 380 s; replacements ready 20 s later.
    let at = |t: f64| ready.iter().find(|&&(s, _)| s >= t).unwrap().1;
    assert_eq!(at(35.0), 4.0);
    assert_eq!(at(395.0), 4.0, "replacements not ready before 400 s");
    assert_eq!(
        at(402.0),
        6.0,
        "replacements ready after eviction + start-up"
    );
    // They went to the surviving zones.
    let last = r.series.windows().last().unwrap();
    assert_eq!(last.gauges[gauge::READY_PODS + 1].max, 0.0);
}

#[test]
fn app_gateway_adds_instances_after_its_scale_out_time_up_to_max() {
    // 2 instances × 10 slots × 10 ms (Standard_v2 processing set to 10 ms) = 2,000 rps. The
    // load steps to 2,600 rps at 60 s: saturated, above the 75% target, so an instance is
    // added — ready only after the 2-minute scale_out_time. With 3 instances the gateway is
    // 87% busy and would want a 4th, but max_instances = 3.
    let text = r#"
[simulation]
duration = "7m"
warmup = "0s"
replications = 1
window = "5s"
[clients]
profile = [{ at = "0s", rps = 600 }, { at = "60s", rps = 2600 }]
new_tls_connection_share = 0
timeout = "30s"
[network]
zones = ["1", "2"]
[ingress]
kind = "app-gateway"
instances = { "1" = 1, "2" = 1 }
processing = { exponential = { mean = "10ms" } }
max_instances = 3
scale_out_time = "2m"
[[services]]
name = "web"
pods = { "1" = 10, "2" = 10 }
concurrency = 8
service_time = "1ms"
"#;
    let s = parse(text, "agw.toml").unwrap();
    let r = simulate(&s, 0);
    let up: Vec<(f64, f64)> = r
        .series
        .windows()
        .iter()
        .map(|w| {
            (
                w.start.as_secs_f64(),
                w.gauges[gauge::INGRESS_INSTANCES].max,
            )
        })
        .collect();
    // The first evaluation that sees the step is at 90 s: nothing new before 210 s.
    for &(t, n) in &up {
        if t + 5.0 <= 210.0 {
            assert_eq!(n, 2.0, "instance added too early, at {t} s");
        }
        assert!(n <= 3.0, "{n} instances at {t} s");
    }
    assert_eq!(up.last().unwrap().1, 3.0, "scaled out to max by the end");
}

#[test]
fn pods_beyond_zone_capacity_wait_for_the_cluster_autoscaler() {
    // As the HPA test above (the HPA wants 2 more pods at 75 s), but each zone holds only its
    // one pod: the new pods stay pending for the node provisioning time (60 s) before their
    // start-up (20 s), so they are ready at 75 + 60 + 20 = 155 s instead of 95 s.
    let text = r#"
[simulation]
duration = "4m"
warmup = "0s"
replications = 1
seed = 3
window = "1s"
max_windows = 1000                  # 1 s resolution over the whole run
[clients]
profile = [{ at = "0s", rps = 100 }, { at = "60s", rps = 300 }]
timeout = "10s"
[network]
zones = ["1", "2", "3"]
zone_capacity = { "1" = 1, "2" = 1, "3" = 1 }
node_provisioning = "60s"
[ingress]
kind = "none"
[[services]]
name = "web"
pods = { "1" = 1, "2" = 1, "3" = 1 }
concurrency = 4
service_time = { exponential = { mean = "30ms" } }
startup = "20s"
hpa = { min = 3, max = 5, target_utilisation = 0.4, sync_period = "15s" }
"#;
    let s = parse(text, "capacity.toml").unwrap();
    let r = simulate(&s, 0);
    let ready = ready_pods(&r, 3);
    let grown = ready.iter().find(|&&(_, n)| n > 3.0).expect("pods arrive");
    assert!(
        (grown.0 - 155.0).abs() <= 1.0,
        "first new pod ready at {} s",
        grown.0
    );
}
