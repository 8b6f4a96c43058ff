//! Application Gateway for Containers (`kind = "app-gateway-for-containers"`, issue 18): its
//! probe order (HealthCheckPolicy, else the pod's readiness probe, else the default 5 s /
//! 30 s / 3 probe), its control plane's near-real-time pod updates, its zone-redundant data
//! plane, its five-minute scale-out, its bill, and its tables' unknown keys.
//!
//! Scenarios are inline and small; expected windows come from the configured figures and the
//! documented mechanism (see `trafsim::model::agw_probe`), never from a recorded output. Each
//! test fails on the code before this kind existed (the kind did not parse), and each window
//! also differs from what Application Gateway v2 with AGIC would give (stated per test).

mod common;

use common::load;

use trafsim::cost::estimate;
use trafsim::model::result::gauge;
use trafsim::model::{RunResult, simulate};
use trafsim::runner::run_all as run;
use trafsim::scenario::{Scenario, defaults as d, parse};

/// Zone 2 (3 pods) is lost at 60 s.
const FAULT_AT: f64 = 60.0;

/// Nine pods over three zones behind `ingress`; zone 2 lost at 60 s as a black hole (its
/// pods do not answer: each probe fails at its timeout) unless `fault` says otherwise.
fn scenario(ingress: &str, readiness: &str, fault: &str, seed: u64) -> Scenario {
    load(
        &format!(
            r#"
[simulation]
duration = "3m"
warmup = "10s"
replications = 2
seed = {seed}
window = "5s"

[clients]
rate = 300
timeout = "2s"

[network]
zones = ["1", "2", "3"]

{ingress}

[[services]]
name = "web"
pods = {{ "1" = 3, "2" = 3, "3" = 3 }}
concurrency = 8
service_time = {{ exponential = {{ mean = "5ms" }} }}
startup = "20s"
{readiness}

{fault}
"#
        ),
        "inline.toml",
    )
}

const ZONE_LOSS: &str = r#"
[[faults]]
kind = "zone-outage"
zone = "2"
at = "60s"
duration = "1m30s"
mode = "black-hole"
"#;

/// AGC with its control plane made slow, so only its probes can take the lost pods out (a
/// lost node's pods leave the endpoints only after the 50 s node-monitor grace anyway).
const AGC_PROBES_ONLY: &str = r#"
[ingress]
kind = "app-gateway-for-containers"
instances = { "1" = 1, "2" = 1, "3" = 1 }
control_plane_lag = "10m"
"#;

/// Seconds from the fault to the last request sent to a lost pod, per replication.
fn last_dead_send(rs: &[RunResult], at: f64) -> Vec<f64> {
    rs.iter()
        .map(|r| r.dead_sends.last_secs.expect("dead sends") - at)
        .collect()
}

fn assert_window(name: &str, lasts: &[f64], lo: f64, hi: f64) {
    for &last in lasts {
        assert!(
            (lo..hi).contains(&last),
            "{name}: last dead send {last:.2} s after the fault, expected {lo}–{hi} s"
        );
    }
}

/// No HealthCheckPolicy and no readiness probe: the default probe, 5 s interval, 30 s timeout,
/// unhealthy threshold 3. A black hole fails each probe at its timeout, so the third failed
/// probe ends phase × 5 s + 2 × 5 s + 30 s after the fault: 40–45 s. (App Gateway v2 with
/// AGIC's 30 s / 30 s / 3 fallback gives 90–120 s.)
#[test]
fn the_default_probe_takes_a_black_hole_out_in_40_to_45_s() {
    let interval = d::AGC_PROBE_INTERVAL.as_secs_f64();
    let timeout = d::AGC_PROBE_TIMEOUT.as_secs_f64();
    let later = f64::from(d::AGC_UNHEALTHY_THRESHOLD - 1) * interval;
    let lo = later + timeout;
    let hi = lo + interval + 0.1;
    assert_eq!((lo, hi), (40.0, 45.1));
    for seed in [41, 42] {
        let s = scenario(AGC_PROBES_ONLY, "readiness = \"none\"", ZONE_LOSS, seed);
        assert_window("default probe", &last_dead_send(&run(&s), FAULT_AT), lo, hi);
    }
}

/// With a readiness probe on the pod (3 s period, 1 s timeout, 3 failures) and no policy, AGC
/// probes with it: phase × 3 s + 2 × 3 s + 1 s = 7–10 s after the fault.
#[test]
fn without_a_policy_the_pods_readiness_probe_is_used() {
    let readiness = "readiness = { period = \"3s\", timeout = \"1s\", failure_threshold = 3 }";
    let s = scenario(AGC_PROBES_ONLY, readiness, ZONE_LOSS, 43);
    assert_window(
        "readiness probe",
        &last_dead_send(&run(&s), FAULT_AT),
        7.0,
        10.1,
    );
}

/// A HealthCheckPolicy (2 s interval, 1 s timeout, 2 failures) wins over the pod's readiness
/// probe (the same 3 s one as above): phase × 2 s + 1 × 2 s + 1 s = 3–5 s.
#[test]
fn a_health_check_policy_wins_over_the_readiness_probe() {
    let ingress = format!(
        "{AGC_PROBES_ONLY}health_check = {{ interval = \"2s\", timeout = \"1s\", \
         unhealthy_threshold = 2 }}\n"
    );
    let readiness = "readiness = { period = \"3s\", timeout = \"1s\", failure_threshold = 3 }";
    let s = scenario(&ingress, readiness, ZONE_LOSS, 44);
    assert_window(
        "health check",
        &last_dead_send(&run(&s), FAULT_AT),
        3.0,
        5.1,
    );
}

/// A crashed pod leaves the endpoints at once (1 s propagation) and AGC's control plane applies
/// the change in near real time (1 s, an estimate): 2 s, before any probe could fail it
/// (a refused default probe takes 10–15 s). App Gateway v2's AGIC takes 1 s + 40 s.
#[test]
fn a_crashed_pod_leaves_in_near_real_time() {
    let crash = r#"
[[faults]]
kind = "pod-crash"
service = "web"
count = 3
at = "60s"
"#;
    let ingress = "[ingress]\nkind = \"app-gateway-for-containers\"";
    let s = scenario(ingress, "readiness = \"none\"", crash, 45);
    let expect = 1.0 + d::AGC_CONTROL_PLANE_LAG.as_secs_f64();
    let lasts = last_dead_send(&run(&s), FAULT_AT);
    assert_window("crash", &lasts, expect - 0.5, expect + 0.1);
}

/// A zone loss takes no AGC instance (its data plane is outside the cluster and always
/// zone-redundant): three instances held all run long, and no request is lost in the ingress
/// tier. The same design with in-cluster NGINX loses the replica in the lost zone.
#[test]
fn a_zone_loss_takes_no_agc_instance_unlike_in_cluster_nginx() {
    let instances = |r: &RunResult| r.usage.ingress_instances();
    let lost = |r: &RunResult| {
        r.tiers
            .iter()
            .find(|t| t.kind.starts_with("ingress"))
            .map(|t| t.lost)
            .expect("an ingress tier")
    };
    let agc = "[ingress]\nkind = \"app-gateway-for-containers\"\ninstances = { \"1\" = 1, \"2\" = 1, \"3\" = 1 }";
    for r in run(&scenario(agc, "", ZONE_LOSS, 46)) {
        assert!((instances(&r) - 3.0).abs() < 1e-9, "{}", instances(&r));
        assert_eq!(lost(&r), 0);
    }
    let nginx = "[ingress]\nkind = \"nginx\"\ninstances = { \"1\" = 1, \"2\" = 1, \"3\" = 1 }";
    for r in run(&scenario(nginx, "", ZONE_LOSS, 46)) {
        assert!(instances(&r) < 2.9, "nginx held {} replicas", instances(&r));
    }
}

/// One instance of 10 slots at 10 ms a request serves 1,000 requests/s; the load steps from
/// 300 to 900 requests/s at 60 s (90% busy, above the 75% target), so the evaluation at 90 s
/// adds an instance — which takes traffic only after the documented five minutes, at 390 s.
/// (App Gateway v2's default is 6 min 30 s.)
#[test]
fn new_capacity_takes_traffic_only_after_five_minutes() {
    let s = load(
        r#"
[simulation]
duration = "7m"
warmup = "0s"
replications = 1
window = "5s"
[clients]
profile = [{ at = "0s", rps = 300 }, { at = "60s", rps = 900 }]
new_tls_connection_share = 0
timeout = "30s"
[network]
zones = ["1"]
[ingress]
kind = "app-gateway-for-containers"
instances = { "1" = 1 }
processing = { exponential = { mean = "10ms" } }
max_instances = 2
[[services]]
name = "web"
pods = { "1" = 10 }
concurrency = 8
service_time = "1ms"
"#,
        "inline.toml",
    );
    assert_eq!(d::AGC_SCALE_OUT.as_secs_f64(), 300.0);
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
    for &(t, n) in &up {
        if t + 5.0 <= 390.0 {
            assert_eq!(n, 1.0, "instance taking traffic too early, at {t} s");
        }
    }
    assert_eq!(up.last().unwrap().1, 2.0, "scaled out by the end");
}

/// Scale-in drains for five minutes: at 900 requests/s one 1,000-request/s instance is 90%
/// busy, so the evaluation at 30 s adds one (ready 30 s later with `scale_out_time = "30s"`);
/// the load drops to 100 requests/s at 150 s and the evaluation at 180 s removes it. It takes
/// no new requests from then on but stays up, draining, until 180 s + 5 min = 480 s; no
/// request fails. (Before this kind, nothing scaled in: the instance stayed to the end.)
#[test]
fn scale_in_drains_the_removed_capacity_for_five_minutes() {
    let s = load(
        r#"
[simulation]
duration = "9m"
warmup = "0s"
replications = 1
window = "5s"
[clients]
profile = [{ at = "0s", rps = 900 }, { at = "150s", rps = 100 }]
new_tls_connection_share = 0
timeout = "30s"
[network]
zones = ["1"]
[ingress]
kind = "app-gateway-for-containers"
instances = { "1" = 1 }
processing = { exponential = { mean = "10ms" } }
max_instances = 2
scale_out_time = "30s"
[[services]]
name = "web"
pods = { "1" = 10 }
concurrency = 8
service_time = "1ms"
"#,
        "inline.toml",
    );
    assert_eq!(d::AGC_SCALE_IN_DRAIN.as_secs_f64(), 300.0);
    let r = simulate(&s, 0);
    for w in r.series.windows() {
        let (t, n) = (
            w.start.as_secs_f64(),
            w.gauges[gauge::INGRESS_INSTANCES].max,
        );
        if (65.0..475.0).contains(&t) {
            assert_eq!(n, 2.0, "{n} instances up at {t} s, before the drain ended");
        }
        if t >= 485.0 {
            assert_eq!(n, 1.0, "{n} instances up at {t} s, after the drain");
        }
    }
    let failed: u64 = r.failed.iter().sum();
    assert_eq!(failed, 0, "{:?}", r.failed);
}

/// The bill: one gateway, its frontends and its one association by the hour, and the capacity
/// units it consumes (AGC's measure: throughput / 2.22 Mbps — persistent connections, the
/// other term, are not modelled; no compute term, unlike App Gateway v2), each at its
/// `[costs]` price. The load is light in bytes and heavier in compute (0.92 throughput CU
/// against ≈1.5 busy compute units), so counting App Gateway v2's compute term fails it.
#[test]
fn the_bill_has_gateway_frontend_association_and_capacity_unit_lines() {
    let s = load(
        r#"
[simulation]
duration = "70s"
warmup = "10s"
replications = 1
seed = 5
[clients]
rate = 500
kib_per_request = 0.5               # 2 Mbps → 0.92 CU, below the ≈1.5 busy compute units
[network]
zones = ["1"]
[ingress]
kind = "app-gateway-for-containers"
frontends = 2
[[services]]
name = "web"
pods = { "1" = 4 }
concurrency = 64
service_time = "1ms"
[costs]
agc_frontend_hour = 0.02
"#,
        "inline.toml",
    );
    let r = simulate(&s, 0);
    let e = estimate(&s, &r);
    let hours = d::HOURS_PER_MONTH;
    let line = |name: &str| {
        e.line(name)
            .unwrap_or_else(|| panic!("no line {name:?} in {e:?}"))
    };
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0);
    let gw = line("App Gateway for Containers (gateway)");
    assert!(close(gw.quantity, hours) && close(gw.monthly_usd, hours * d::AGC_HOUR));
    let fe = line("App Gateway for Containers frontends");
    assert!(close(fe.quantity, 2.0 * hours) && close(fe.monthly_usd, 2.0 * hours * 0.02));
    let assoc = line("App Gateway for Containers association");
    assert!(close(assoc.monthly_usd, hours * d::AGC_ASSOCIATION_HOUR));
    let mbps =
        r.client_attempts as f64 / r.measured_secs * s.clients.kib_per_request * 8_192.0 / 1e6;
    let cu = line("App Gateway for Containers capacity units");
    let units = mbps / d::AGC_MBPS_PER_CU;
    assert!(units > 0.0);
    assert!(
        close(cu.quantity, units * hours),
        "{} vs {}",
        cu.quantity,
        units * hours
    );
    assert!(close(cu.monthly_usd, units * hours * d::AGC_CU_HOUR));
    assert!(e.line("App Gateway capacity units").is_none());
}

/// Unknown keys in the new table are errors naming the field; AGC-only fields are errors on
/// another kind, and App Gateway's AGIC fields are errors on AGC.
#[test]
fn unknown_or_misplaced_keys_are_errors_naming_the_field() {
    let base = "[clients]\nrate = 10\n[network]\nzones = [\"1\"]\n[[services]]\nname = \"web\"\npods = { \"1\" = 1 }\nservice_time = \"1ms\"\n";
    let err = |ingress: &str| {
        let text = format!("{ingress}\n{base}");
        match parse(&text, "agc.toml") {
            Ok(_) => panic!("expected an error for:\n{text}"),
            Err(e) => e.to_string(),
        }
    };
    let e = err(
        "[ingress]\nkind = \"app-gateway-for-containers\"\nhealth_check = { intervall = \"5s\" }",
    );
    assert!(e.contains("intervall"), "{e}");
    let e = err("[ingress]\nkind = \"nginx\"\nhealth_check = { interval = \"5s\" }");
    assert!(
        e.contains("health_check") && e.contains("app-gateway-for-containers"),
        "{e}"
    );
    let e = err("[ingress]\nkind = \"app-gateway-for-containers\"\nagic_update_lag = \"5s\"");
    assert!(e.contains("agic_update_lag"), "{e}");
    let e = err(
        "[ingress]\nkind = \"app-gateway-for-containers\"\nhealth_check = { unhealthy_threshold = 0 }",
    );
    assert!(e.contains("health_check.unhealthy_threshold"), "{e}");
    let e = err("[ingress]\nkind = \"app-gateway-for-containers\"\n[costs]\nagc_cu_hourly = 1");
    assert!(e.contains("agc_cu_hourly"), "{e}");
}
