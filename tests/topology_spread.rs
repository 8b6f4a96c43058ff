//! Topology spread over zones: `replicas` are placed evenly, and in a zone outage the two
//! `when_unsatisfiable` modes part ways — `do-not-schedule` leaves the evicted pods'
//! replacements pending (the lost zone is still a domain, with 0 pods, under the default
//! `nodeTaintsPolicy: Ignore`) until the zone returns, `schedule-anyway` places them in the
//! surviving zones.

use trafsim::model::result::gauge;
use trafsim::model::{RunResult, simulate};
use trafsim::runner::Summary;
use trafsim::scenario::parse;

fn scenario(mode: &str) -> String {
    format!(
        r#"
[simulation]
duration = "15m"
warmup = "0s"
replications = 1
seed = 7
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
replicas = 9
topology_spread = {{ max_skew = 1, when_unsatisfiable = "{mode}" }}
concurrency = 4
service_time = {{ exponential = {{ mean = "10ms" }} }}
startup = "20s"
[[faults]]
kind = "zone-outage"
zone = "3"
at = "60s"
duration = "10m"
mode = "reset"
"#
    )
}

/// Ready pods in zones 1 and 2 (the survivors) and in zone 3 at the first window from `t`.
fn ready_at(r: &RunResult, t: f64) -> (f64, f64) {
    let w = r
        .series
        .windows()
        .iter()
        .find(|w| w.start.as_secs_f64() >= t)
        .unwrap();
    let g = |z: usize| w.gauges[gauge::READY_PODS + z].max;
    (g(0) + g(1), g(2))
}

#[test]
fn replicas_are_placed_evenly() {
    let s = parse(
        &scenario("do-not-schedule").replace("replicas = 9", "replicas = 7"),
        "a",
    )
    .unwrap();
    assert_eq!(s.services[0].pods, [3, 2, 2]);
}

#[test]
fn do_not_schedule_leaves_replacements_pending_in_a_zone_outage_schedule_anyway_does_not() {
    // Zone 3 is lost at 60 s for 10 minutes; its 3 pods are evicted at 60 + 50 + 300 = 410 s.
    let strict = simulate(&parse(&scenario("do-not-schedule"), "strict").unwrap(), 0);
    let soft = simulate(&parse(&scenario("schedule-anyway"), "soft").unwrap(), 0);
    for r in [&strict, &soft] {
        assert_eq!(ready_at(r, 30.0), (6.0, 3.0));
        assert_eq!(
            ready_at(r, 400.0),
            (6.0, 0.0),
            "nothing replaced before eviction"
        );
    }
    // Replacements ready 20 s after eviction, in the surviving zones, with ScheduleAnyway…
    assert_eq!(ready_at(&soft, 440.0), (9.0, 0.0));
    assert_eq!(soft.pending_pods_peak, 0);
    // …and pending with DoNotSchedule: 3 + 1 − 0 > max_skew in every surviving zone.
    assert_eq!(ready_at(&strict, 440.0), (6.0, 0.0));
    assert_eq!(ready_at(&strict, 655.0), (6.0, 0.0));
    assert_eq!(strict.pending_pods_peak, 3);
    // The zone returns at 660 s: the pending pods go there and are ready 20 s later.
    assert_eq!(ready_at(&strict, 685.0), (6.0, 3.0));
    // The summary records the pending pods.
    let s = parse(&scenario("do-not-schedule"), "strict").unwrap();
    assert_eq!(Summary::from_runs(&s, &[strict]).pending_pods_peak, 3);
}

#[test]
fn pods_and_replicas_are_exclusive() {
    let both =
        scenario("schedule-anyway").replace("replicas = 9", "replicas = 9\npods = { \"1\" = 1 }");
    let e = parse(&both, "both.toml").unwrap_err().to_string();
    assert!(
        e.contains("services[0].replicas") && e.contains("not both"),
        "{e}"
    );
    let neither = scenario("schedule-anyway").replace("replicas = 9", "");
    let e = parse(&neither, "neither.toml").unwrap_err().to_string();
    assert!(
        e.contains("needs `pods`") && e.contains("`replicas`"),
        "{e}"
    );
    let bad = scenario("sometimes");
    assert!(parse(&bad, "bad.toml").is_err());
}
