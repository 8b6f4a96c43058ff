//! The ingress tier's own replicas and front: the NGINX / Istio gateway HPA adds replicas no
//! sooner than its sync period and their start-up allow, stays within [min, max] and at min
//! when the load fits; an internal ingress charges clients the VNet hop (in-zone or
//! cross-zone) instead of `[clients] latency`.

mod common;

use common::load_error;

use trafsim::model::result::gauge;
use trafsim::model::{RunResult, simulate};
use trafsim::scenario::parse;

/// (window start in seconds, most ingress replicas up in the window).
fn replicas_up(r: &RunResult) -> Vec<(f64, f64)> {
    r.series
        .windows()
        .iter()
        .map(|w| {
            (
                w.start.as_secs_f64(),
                w.gauges[gauge::INGRESS_INSTANCES].max,
            )
        })
        .collect()
}

/// An Istio gateway with the AKS add-on HPA defaults (min 2, max 5, 80% of a 0.1 vCPU request:
/// 0.04 of its 2 slots): 2 slots per replica, 10 ms per request, i.e. 200 rps per replica; pods
/// are never the bottleneck.
fn istio_with_hpa(load: &str) -> String {
    format!(
        r#"
[simulation]
duration = "5m"
warmup = "0s"
replications = 1
seed = 11
window = "1s"
max_windows = 1000                  # 1 s resolution over the whole run
[clients]
{load}
timeout = "30s"
[network]
zones = ["1", "2", "3"]
[ingress]
kind = "istio"
concurrency = 2
processing = {{ exponential = {{ mean = "10ms" }} }}
tls_handshake = "0s"
startup = "20s"
hpa = {{}}
[[services]]
name = "web"
pods = {{ "1" = 1, "2" = 1, "3" = 1 }}
concurrency = 200
service_time = "1ms"
"#
    )
}

#[test]
fn sustained_load_above_target_scales_replicas_up_after_sync_and_startup_within_max() {
    // 5 rps (utilisation 0.0125, under the 0.04 target) then 700 rps from 60 s: 2 replicas
    // saturate, so the first sync asks for ceil(2 × 1 / 0.04) = 50, held to max 5.
    let text = istio_with_hpa(r#"profile = [{ at = "0s", rps = 5 }, { at = "60s", rps = 700 }]"#);
    let s = parse(&text, "istio-hpa.toml").unwrap();
    let hpa = s.ingress.hpa.as_ref().unwrap();
    assert_eq!((hpa.min, hpa.max), (2, 5));
    assert!((hpa.target - 0.04).abs() < 1e-12, "{}", hpa.target);
    let r = simulate(&s, 0);
    let up = replicas_up(&r);
    // Syncs at 15 s, 30 s, …: the first to see the load is at 75 s; its replica is up 20 s
    // later, at 95 s. Nothing earlier.
    for &(t, n) in &up {
        if t + 1.0 <= 95.0 {
            assert_eq!(n, 2.0, "a replica up too early, at {t} s");
        }
        assert!((2.0..=5.0).contains(&n), "{n} replicas at {t} s");
    }
    let first = up.iter().find(|&&(_, n)| n > 2.0).expect("scales up");
    assert!(
        (first.0 - 95.0).abs() <= 1.0,
        "first new replica at {} s",
        first.0
    );
    assert_eq!(up.last().unwrap().1, 5.0, "settles at max");
    let stats = r.ingress_replicas.unwrap();
    assert_eq!((stats.min, stats.max), (2, 5));
    // Time-averaged, counting a replica from the sync that creates it: 2 for at least the first
    // 75 s, 5 at most for the rest (exactly that now that one sync asks for all of them).
    let bound = (2.0 * 75.0 + 5.0 * 225.0) / 300.0;
    assert!(
        stats.mean > 2.0 && stats.mean <= bound + 1e-9,
        "{}",
        stats.mean
    );
}

#[test]
fn load_that_fits_stays_at_min() {
    // 10 rps over 2 replicas: utilisation 0.025, below the 0.04 target: never a scale-up, and
    // never below min.
    let text = istio_with_hpa("rate = 10");
    let r = simulate(&parse(&text, "istio-fits.toml").unwrap(), 0);
    for (t, n) in replicas_up(&r) {
        assert_eq!(n, 2.0, "{n} replicas at {t} s");
    }
    let stats = r.ingress_replicas.unwrap();
    assert_eq!((stats.min, stats.max), (2, 2));
    assert!((stats.mean - 2.0).abs() < 1e-9);
}

#[test]
fn nginx_scales_down_to_min_and_removed_replicas_drain() {
    // 4 NGINX replicas, hardly loaded; min 2: the first sync (15 s) asks for 2 (no earlier
    // recommendation holds it up). The load balancer stops sending to the removed replicas
    // after its probe (10 s); they finish their work and stop after the 30 s grace period, at
    // 45 s — never below min, and no request fails.
    let text = r#"
[simulation]
duration = "3m"
warmup = "0s"
replications = 1
seed = 5
window = "1s"
max_windows = 1000                  # 1 s resolution over the whole run
[clients]
rate = 50
[network]
zones = ["1", "2"]
[ingress]
kind = "nginx"
instances = { "1" = 2, "2" = 2 }
hpa = { min = 2, max = 6, target_utilisation = 0.6 }
[[services]]
name = "web"
pods = { "1" = 2, "2" = 2 }
concurrency = 50
service_time = "2ms"
"#;
    let r = simulate(&parse(text, "nginx-hpa.toml").unwrap(), 0);
    let up = replicas_up(&r);
    for &(t, n) in &up {
        if t + 1.0 <= 45.0 {
            assert_eq!(n, 4.0, "stopped before the grace period ended, at {t} s");
        }
        assert!(n >= 2.0, "{n} replicas at {t} s, below min");
    }
    assert_eq!(up.last().unwrap().1, 2.0);
    let stats = r.ingress_replicas.unwrap();
    assert_eq!((stats.min, stats.max), (2, 4));
    assert_eq!(r.failed_total(), 0, "draining replicas lose no request");
}

#[test]
fn internal_clients_pay_the_vnet_hop_cross_zone_two_thirds_of_the_time() {
    // Clients spread over 3 zones, 1 gateway replica per zone picked at random by the internal
    // load balancer: a hop crosses zones with probability 2/3. Locality-aware Istio (in effect
    // with outlier detection) keeps the gateway→pod hop in the zone, and nothing takes time but
    // the network, so a request takes
    // in + out (1 ms each in-zone, 3 ms cross-zone) + 2 × 1 ms to the pod and back: 4 or 8 ms.
    // `externalTrafficPolicy: Local`, so the load balancer reaches the replica's own node (under
    // `Cluster` kube-proxy adds a node hop, tests/traffic_policy.rs).
    let text = r#"
[simulation]
duration = "2m"
warmup = "0s"
replications = 1
seed = 21
[clients]
rate = 500
[network]
zones = ["1", "2", "3"]
in_zone = "1ms"
cross_zone = "3ms"
[ingress]
kind = "istio"
internal = true
external_traffic_policy = "local"
instances = { "1" = 1, "2" = 1, "3" = 1 }
concurrency = 1000
processing = "0s"
tls_handshake = "0s"
outlier_detection = {}
[[services]]
name = "web"
pods = { "1" = 1, "2" = 1, "3" = 1 }
concurrency = 1000
service_time = "0s"
"#;
    let r = simulate(&parse(text, "internal.toml").unwrap(), 0);
    let share = r.client_cross_zone_share.expect("internal clients");
    // Both hops of a request share their zones, so the share is a share of ~60k requests:
    // standard error sqrt(2/9 / 60000) ≈ 0.002; 5 of them.
    assert!(
        (share - 2.0 / 3.0).abs() < 0.01,
        "cross-zone client hops {share}"
    );
    assert_eq!(
        r.cross_zone_share, 0.0,
        "locality keeps gateway→pod in the zone"
    );
    let mean_ms = r.latency.mean_secs() * 1e3;
    let expected = 4.0 + 4.0 * share;
    // The hop share also counts the few requests still in flight at the end (inbound hop
    // only, no latency): ≲ 50 of ~60k requests, each moving the mean by ≤ 4 ms / 60k.
    assert!(
        (mean_ms - expected).abs() < 0.005,
        "{mean_ms} ms vs {expected} ms"
    );
    assert!((r.latency.quantile(0.2).as_secs_f64() * 1e3 - 4.0).abs() < 0.05);
    assert!((r.latency.quantile(0.9).as_secs_f64() * 1e3 - 8.0).abs() < 0.05);
    assert_eq!(r.failed_total(), 0);
}

const BASE: &str = r#"
[clients]
rate = 10
[[services]]
name = "web"
pods = { "1" = 1 }
service_time = "1ms"
"#;

#[test]
fn misplaced_hpa_and_internal_settings_are_errors() {
    let e = load_error(&format!(
        "{BASE}[ingress]\nkind = \"app-gateway\"\nhpa = {{ max = 4 }}\n"
    ));
    assert!(
        e.contains("ingress.hpa") && e.contains("applies only to kind = \"nginx\" or \"istio\""),
        "{e}"
    );
    let e = load_error(&format!(
        "{BASE}[ingress]\nkind = \"nginx\"\nhpa = {{ min = 2 }}\n"
    ));
    assert!(
        e.contains("ingress.hpa.max") && e.contains("required"),
        "{e}"
    );
    assert!(e.contains("ingress.hpa.target_utilisation"), "{e}");
    let e = load_error(&format!(
        "{BASE}[ingress]\nkind = \"none\"\ninternal = true\n"
    ));
    assert!(
        e.contains("ingress.internal") && e.contains("load-balancer"),
        "{e}"
    );
    let text = BASE.replace("rate = 10", "rate = 10\nlatency = \"20ms\"");
    let e = load_error(&format!(
        "{text}[ingress]\nkind = \"nginx\"\ninternal = true\n"
    ));
    assert!(
        e.contains("clients.latency") && e.contains("internal = true"),
        "{e}"
    );
}

#[test]
fn gateway_replicas_of_a_lost_zone_are_evicted_and_replaced_elsewhere() {
    // One NGINX replica per zone; zone 2 is lost from 60 s to 660 s. Its replica is a pod on a
    // lost node: evicted at 60 + 50 + 300 = 410 s and replaced in a zone that is up, ready 20 s
    // later (430 s). When zone 2 returns, the evicted replica stays deleted: 3 replicas, not 4.
    let text = r#"
[simulation]
duration = "12m"
warmup = "0s"
replications = 1
seed = 3
window = "1s"
max_windows = 1000                  # 1 s resolution over the whole run
[clients]
rate = 50
[network]
zones = ["1", "2", "3"]
[ingress]
kind = "nginx"
instances = { "1" = 1, "2" = 1, "3" = 1 }
startup = "20s"
[[services]]
name = "web"
pods = { "1" = 1, "2" = 1, "3" = 1 }
concurrency = 50
service_time = "2ms"
[[faults]]
kind = "zone-outage"
zone = "2"
at = "1m"
duration = "10m"
"#;
    let r = simulate(&parse(text, "nginx-zone.toml").unwrap(), 0);
    for (t, n) in replicas_up(&r) {
        let expected = if t < 60.0 {
            3.0
        } else if (61.0..429.0).contains(&t) {
            2.0
        } else if t >= 431.0 {
            3.0
        } else {
            continue;
        };
        assert_eq!(n, expected, "{n} replicas up at {t} s");
    }
    let stats = r.ingress_replicas.unwrap();
    assert_eq!(
        stats.max, 3,
        "the evicted replica did not come back beside its replacement"
    );
}
