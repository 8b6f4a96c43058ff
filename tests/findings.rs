//! Findings (issue 13): what bound the system, derived from the run.
//!
//! - Slot-time attribution is exact on a deterministic case: constant 10 ms of own work and a
//!   constant 30 ms call hold a slot for 40 ms, 25% own work and 75% waiting, and the
//!   attributed slot-time adds up to the station's own busy time.
//! - On the shipped scenarios (shortened through the text, never through their comments) the
//!   findings name the component the run shows: the zonal NAT Gateway lost with zone 2 and
//!   web saturated waiting on payments-api in the surviving zones (`zone-outage.toml`); SNAT
//!   exhaustion at the destination whose calls open new connections, not at its neighbour
//!   (`snat-exhaustion.toml` with a second destination that reuses its connections); a
//!   saturation that outlives its trigger, fed by the clients' retries (`retry-storm.toml`),
//!   and none past the trigger with a retry budget (`retry-storm-budget.toml`).
//!
//! Before this change trafsim named none of these: no finding existed, and the failed requests
//! were counted only by the symptom the client saw (mostly `rejected` and `timeout`).

use trafsim::model::{RunResult, simulate};
use trafsim::runner::Summary;
use trafsim::runner::findings::Finding;
use trafsim::scenario::{Scenario, parse};

/// The shipped scenario `name` with `edits` (exact line replacements) applied.
fn shipped(name: &str, edits: &[(&str, &str)]) -> Scenario {
    let path = format!("{}/scenarios/{name}", env!("CARGO_MANIFEST_DIR"));
    let mut text = std::fs::read_to_string(&path).unwrap();
    for (from, to) in edits {
        assert!(text.contains(from), "{name} has no {from:?}");
        text = text.replacen(from, to, 1);
    }
    parse(&text, name).unwrap()
}

fn summarise(s: &Scenario, reps: u64) -> (Summary, Vec<RunResult>) {
    let runs: Vec<RunResult> = (0..reps).map(|r| simulate(s, r)).collect();
    (Summary::from_runs(s, &runs), runs)
}

fn find<'a>(fs: &'a [Finding], kind: &str, component: &str) -> Option<&'a Finding> {
    fs.iter()
        .find(|f| f.kind == kind && f.component == component)
}

/// Every failed request is counted at exactly one origin.
fn origins_add_up(runs: &[RunResult]) {
    for r in runs {
        let counted: u64 = r.attribution.origins.iter().sum();
        assert_eq!(counted, r.failed_total(), "replication {}", r.replication);
    }
}

#[test]
fn attribution_is_exact_on_constant_times_and_adds_up_to_busy_time() {
    let s = parse(
        r#"
[simulation]
duration = "2m"
warmup = "10s"
window = "10s"
seed = 3
[clients]
rate = 50
[network]
zones = ["1"]
[ingress]
kind = "none"
[[services]]
name = "web"
pods = { "1" = 1 }
concurrency = 64
service_time = "10ms"
calls = [{ destination = "x", timeout = "1s" }]
[egress]
kind = "direct"
[[egress.destinations]]
name = "x"
latency = "30ms"
"#,
        "constant.toml",
    )
    .unwrap();
    for rep in 0..2 {
        let r = simulate(&s, rep);
        let a = &r.attribution;
        let n = a.layout.buckets();
        // Windows after the warm-up (window 0 is the warm-up).
        let sum = |slot: usize| -> f64 {
            (1..a.windows())
                .map(|w| a.slot_secs[w * n + a.layout.bucket(0, 0, slot)])
                .sum()
        };
        let (own, ok, failed) = (sum(0), sum(1), sum(2));
        let total = own + ok + failed;
        assert_eq!(failed, 0.0);
        assert!(
            (own / total - 0.25).abs() < 1e-3,
            "own share {}",
            own / total
        );
        assert!(
            (ok / total - 0.75).abs() < 1e-3,
            "call share {}",
            ok / total
        );
        // The station's busy slot-time over the measured period, against the attributed one:
        // they differ only by the stretches cut at the window edges (a few of 40 ms each).
        let web = r.tiers.iter().find(|t| t.name == "web").unwrap();
        let busy = web.mean_busy * r.measured_secs;
        assert!(
            (total - busy).abs() <= 0.005 * busy,
            "attributed {total} s, station busy {busy} s"
        );
    }
}

#[test]
fn zone_outage_names_the_lost_nat_gateway_and_web_waiting_on_payments() {
    // 9 minutes: 1 of warm-up, 2 of steady state, 4 of outage, 2 after.
    let s = shipped(
        "zone-outage.toml",
        &[
            ("duration = \"20m\"", "duration = \"9m\""),
            ("warmup = \"2m\"", "warmup = \"1m\""),
            ("at = \"6m\"", "at = \"3m\""),
            ("duration = \"8m\"", "duration = \"4m\""),
        ],
    );
    let (summary, runs) = summarise(&s, 2);
    origins_add_up(&runs);
    let fs = &summary.findings;
    let lost = find(fs, "egress-device-lost", "the NAT Gateway in zone 2")
        .unwrap_or_else(|| panic!("{fs:#?}"));
    assert!(
        lost.sentence.contains("was lost at 180 s with zone 2"),
        "{}",
        lost.sentence
    );
    assert!(
        lost.suggestion
            .as_deref()
            .unwrap()
            .contains("trafsim compare")
    );
    // Web is the saturated service, in the surviving zones, mostly waiting on payments-api
    // through the lost gateway; its own work is a small share.
    let web = find(fs, "saturation", "web").unwrap_or_else(|| panic!("{fs:#?}"));
    assert!(web.phase.starts_with("during fault 1"), "{}", web.phase);
    assert!(
        web.sentence.contains("in zones 1 and 3"),
        "{}",
        web.sentence
    );
    assert!(
        web.sentence
            .contains("waiting on payments-api via the NAT Gateway in zone 2"),
        "{}",
        web.sentence
    );
    let waiting = web.figures["waiting_on_payments_api_share"];
    assert!(
        waiting > 0.5 && waiting > web.figures["own_work_share"],
        "{web:?}"
    );
    assert!(web.figures["busy_share"] >= 0.9);
    assert!(find(fs, "saturation", "orders").is_none(), "{fs:#?}");
    // The steady state before the fault met the SLO.
    let steady = find(fs, "steady-state-slo", "slo").unwrap();
    assert_eq!(steady.figures["met"], 1.0, "{}", steady.sentence);
    // The first lines of the table say so.
    let table = trafsim::report::terminal::render(&summary);
    let head: Vec<&str> = table
        .lines()
        .skip(1)
        .filter(|l| l.starts_with("finding: "))
        .take(3)
        .collect();
    assert!(
        head[0].contains("NAT Gateway in zone 2 was lost"),
        "{table}"
    );
    assert!(head[1].starts_with("finding: web saturated"), "{table}");
    // Its lever comes right under the NAT Gateway's finding, and every finding line comes
    // before the table's header.
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[2].contains("one NAT Gateway per zone"), "{table}");
    let header = lines.iter().position(|l| l.starts_with("tier ")).unwrap();
    assert!(lines[..header].iter().any(|l| l.contains("steady state")));
}

#[test]
fn snat_exhaustion_names_the_destination_that_opens_connections() {
    // A second destination, called as often, that rides open connections: no SNAT trouble.
    let s = shipped(
        "snat-exhaustion.toml",
        &[
            ("duration = \"5m\"", "duration = \"2m30s\""),
            ("replications = 4", "replications = 1"),
            (
                "calls = [{ destination = \"payments-api\", probability = 1.0, timeout = \"2s\" }]",
                "calls = [{ destination = \"ledger\", timeout = \"2s\" }, \
                 { destination = \"payments-api\", probability = 1.0, timeout = \"2s\" }]",
            ),
            (
                "[[egress.destinations]]",
                "[[egress.destinations]]\nname = \"ledger\"\nlatency = \"20ms\"\n\
                 connection_reuse = 1.0\n\n[[egress.destinations]]",
            ),
        ],
    );
    let (summary, runs) = summarise(&s, 1);
    origins_add_up(&runs);
    let fs = &summary.findings;
    let snat = find(fs, "snat-exhaustion", "payments-api").unwrap_or_else(|| panic!("{fs:#?}"));
    assert!(snat.figures["failed_requests"] > 0.0);
    assert!(snat.suggestion.as_deref().unwrap().contains("public_ips"));
    assert!(find(fs, "snat-exhaustion", "ledger").is_none());
    assert!(fs.iter().any(|f| f.kind == "snat-high"), "{fs:#?}");
    let table = trafsim::report::terminal::render(&summary);
    assert!(
        table
            .lines()
            .nth(1)
            .unwrap()
            .contains("SNAT ports ran out for calls to payments-api"),
        "{table}"
    );
}

#[test]
fn retry_storm_names_the_saturation_its_retries_sustain() {
    let storm = shipped("retry-storm.toml", &[]);
    let (summary, runs) = summarise(&storm, 2);
    origins_add_up(&runs);
    let fs = &summary.findings;
    let api = find(fs, "saturation", "api").unwrap_or_else(|| panic!("{fs:#?}"));
    // The trigger (inventory 10× slower) runs from 60 s to 90 s; api stays saturated after.
    assert!(api.phase.starts_with("during fault 1"), "{}", api.phase);
    assert!(
        api.figures["outlasted_fault_secs"] >= 30.0,
        "{}",
        api.sentence
    );
    assert!(
        api.figures["retries_per_request"] >= 1.0,
        "{}",
        api.sentence
    );
    assert!(api.figures["waiting_on_inventory_share"] > api.figures["own_work_share"]);
    assert!(api.suggestion.as_deref().unwrap().contains("retry budget"));
    // With the budget, the saturation ends with its trigger.
    let budget = shipped("retry-storm-budget.toml", &[]);
    let (summary, _) = summarise(&budget, 2);
    let api = find(&summary.findings, "saturation", "api").unwrap();
    assert!(
        !api.figures.contains_key("outlasted_fault_secs"),
        "{}",
        api.sentence
    );
}
