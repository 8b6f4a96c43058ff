//! Per-phase verdicts: a design that meets its SLO in steady state and breaks it while a zone
//! is lost says exactly that, phase by phase, with the faults' own times as boundaries and
//! phase figures that add up to the whole run's.
//!
//! Before this change the summary had one verdict for the whole run (here: missed), so the
//! steady-state "met" below could not be read anywhere.

use trafsim::report::html::phases::section;
use trafsim::report::terminal::phases::lines;
use trafsim::runner::phases::PhaseKind;
use trafsim::runner::{Summary, Verdict, run_all};
use trafsim::scenario::{Scenario, parse};

/// Seed of every scenario here (3, 4 and 5 were also checked once by hand).
const SEED: u64 = 7;

/// Three zones of 3 pods × 8 slots of 20 ms: 3600 req/s of capacity. At `rate` 2400 req/s the
/// pods are 67% busy; with zone 3 lost (60 s to 180 s) the two left are asked for 100%, their
/// queues grow and requests time out. SLO: p99 500 ms, 1% errors. With `fault` false, no
/// fault.
fn scenario(fault: bool) -> Scenario {
    let faults = if fault {
        r#"
[[faults]]
kind = "zone-outage"
zone = "3"
at = "60s"
duration = "2m"
mode = "black-hole"
"#
    } else {
        ""
    };
    let text = format!(
        r#"
[simulation]
duration = "4m"
warmup = "20s"
replications = 3
seed = {SEED}
window = "5s"

[clients]
rate = 2400
timeout = "2s"

[network]
zones = ["1", "2", "3"]

[slo]
p99 = "500ms"
error_rate = 0.01

[[services]]
name = "web"
pods = {{ "1" = 3, "2" = 3, "3" = 3 }}
concurrency = 8
service_time = {{ exponential = {{ mean = "20ms" }} }}
startup = "10s"
{faults}"#
    );
    parse(&text, "phases.toml").unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn summarise(s: &Scenario) -> Summary {
    Summary::from_runs(s, &run_all(s))
}

#[test]
fn steady_state_meets_the_slo_and_the_zone_loss_breaks_it() {
    let s = scenario(true);
    let summary = summarise(&s);
    let phases = &summary.phases;
    let kinds: Vec<PhaseKind> = phases.iter().map(|p| p.kind).collect();
    assert_eq!(
        kinds[..2],
        [PhaseKind::Before, PhaseKind::During],
        "{kinds:?}"
    );
    // Boundaries: the end of the warm-up, the fault's start and end, the end of the run, and
    // the phases follow one another without gaps.
    assert_eq!((phases[0].from_secs, phases[0].to_secs), (20.0, 60.0));
    assert_eq!((phases[1].from_secs, phases[1].to_secs), (60.0, 180.0));
    assert_eq!(phases.last().unwrap().to_secs, 240.0);
    for pair in phases.windows(2) {
        assert_eq!(pair[0].to_secs, pair[1].from_secs, "{pair:?}");
    }
    assert_eq!(phases[1].fault, Some(0));
    assert_eq!(phases[1].label, "zone-outage of zone 3");
    // The recovery phase ends where the failover analysis says the run recovered.
    let r = &summary.failover[0].recovery;
    if let Some(t) = r.time_to_recover_secs.filter(|&t| t > 0.0) {
        let rec = phases
            .iter()
            .find(|p| p.kind == PhaseKind::Recovery)
            .unwrap();
        assert_eq!((rec.from_secs, rec.to_secs), (180.0, 180.0 + t));
    }
    // Verdicts: met before the fault, missed during it, and the run's whole verdict missed.
    let before = phases[0].slo.as_ref().unwrap();
    let during = phases[1].slo.as_ref().unwrap();
    assert_eq!(before.verdict, Verdict::Met, "{before:?}");
    assert_eq!(during.verdict, Verdict::Missed, "{during:?}");
    assert_eq!(summary.slo.as_ref().unwrap().verdict, Verdict::Missed);
    assert_eq!(phases[0].missed_secs, Some(0.0));
    let missed = phases[1].missed_secs.unwrap();
    assert!(missed > 0.0 && missed <= 120.0, "{missed}");
    // Consistency: the phases' offered requests are the run's measured requests.
    let offered: u64 = phases.iter().map(|p| p.offered).sum();
    assert_eq!(offered, summary.requests.offered);
    // Goodput before the fault is the offered rate (nothing fails), during it lower.
    let g = &phases[0].goodput;
    assert!(
        (g.mean - 2400.0).abs() < g.half_width_at(0.999) + 2400.0 * 0.02,
        "{g:?}"
    );
    assert!(
        phases[1].goodput.mean < g.mean * 0.9,
        "{:?}",
        phases[1].goodput
    );
    // The terminal and the report say it.
    let text = lines(phases);
    assert!(
        text.starts_with("before the fault (20–60 s): SLO met, p99 "),
        "{text}"
    );
    assert!(
        text.contains("zone-outage of zone 3 (60–180 s): SLO MISSED for "),
        "{text}"
    );
    assert_eq!(text.lines().count(), phases.len());
    let html = section(phases);
    assert!(html.contains("<h2 id=\"phases\">Phases</h2>"), "{html}");
    assert_eq!(
        html.matches("<td class=\"met\">met</td>").count(),
        1 + after_met(phases)
    );
}

/// Phases after the fault that met the SLO.
fn after_met(phases: &[trafsim::runner::phases::Phase]) -> usize {
    phases[2..]
        .iter()
        .filter(|p| p.slo.as_ref().is_some_and(|v| v.verdict == Verdict::Met))
        .count()
}

#[test]
fn without_faults_one_steady_phase_matches_the_whole_run() {
    let s = scenario(false);
    let summary = summarise(&s);
    assert_eq!(summary.phases.len(), 1);
    let p = &summary.phases[0];
    assert_eq!(p.kind, PhaseKind::Steady);
    assert_eq!((p.from_secs, p.to_secs), (20.0, 240.0));
    assert_eq!(p.offered, summary.requests.offered);
    assert_eq!(p.fault, None);
    // Window histograms keep two significant digits; the run's own three.
    let (phase, run) = (p.p99.mean, summary.latency.p99.mean);
    assert!((phase - run).abs() / run < 0.03, "{phase} vs {run}");
    let (phase, run) = (p.goodput.mean, summary.goodput.mean);
    assert!((phase - run).abs() / run < 0.01, "{phase} vs {run}");
    assert_eq!(
        p.slo.as_ref().unwrap().verdict,
        summary.slo.as_ref().unwrap().verdict
    );
    assert!(lines(&summary.phases).starts_with("steady state (20–240 s): SLO met"));
}
