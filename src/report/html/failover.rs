//! The failover section of `report.html`: for each fault of the scenario, the story in
//! [`FailoverSummary`] — when it struck, how long balancers kept sending work to dead backends,
//! what failed, whether the surviving zones saturated, when latency and errors were back to
//! normal, and whether the capacity left was enough on paper (the N+1 arithmetic).

use std::fmt::Write;

use super::escape;
use super::tables::{est, num};
use crate::report::charts::fault_label;
use crate::runner::failover::{CapacityCheck, FailoverSummary, RecoveryStatus};
use crate::scenario::Scenario;

/// The section: [`section_heading`] and [`stories`], or nothing when there are no faults.
pub fn section(
    scenario: &Scenario,
    replications: u64,
    failover: &[FailoverSummary],
    prefix: &str,
) -> String {
    if failover.is_empty() {
        return String::new();
    }
    section_heading() + &stories(scenario, replications, failover, prefix)
}

/// The section's heading and the note on how to read it.
pub fn section_heading() -> String {
    String::from(
        "<h2 id=\"failover\">Failover</h2>\n<p class=\"note\">Per fault: the time to detect \
         runs from the first to the last piece of work sent to a backend that was gone; \
         recovery is when per-window p99 and error rate were back to their pre-fault level \
         (or within the SLO) for several windows in a row.</p>\n",
    )
}

/// One table per fault of `failover` (a run of `scenario` over `replications`), each headed by
/// `prefix` and the fault.
pub fn stories(
    scenario: &Scenario,
    replications: u64,
    failover: &[FailoverSummary],
    prefix: &str,
) -> String {
    failover
        .iter()
        .map(|f| story(scenario, replications, f, prefix))
        .collect()
}

/// One fault's table.
fn story(scenario: &Scenario, reps: u64, f: &FailoverSummary, prefix: &str) -> String {
    let label = scenario.faults.get(f.fault.index).map_or_else(
        || format!("{} {}", f.fault.kind, f.fault.target),
        |fault| fault_label(scenario, &fault.kind),
    );
    let when = match f.fault.end_secs {
        Some(end) => format!("{} s to {} s", num(f.fault.start_secs), num(end)),
        None => format!("from {} s to the end of the run", num(f.fault.start_secs)),
    };
    let detection = match &f.detection {
        Some(d) => format!(
            "{} s (first dead-backend send at {} s, last at {} s{}); {} sends to dead \
             backends in all; {} requests failed or unfinished meanwhile per replication",
            est(&d.time_to_detect_secs, 1.0),
            est(&d.first_dead_send_secs, 1.0),
            est(&d.last_dead_send_secs, 1.0),
            if d.exact {
                ""
            } else {
                ", at window resolution"
            },
            d.dead_sends,
            est(&d.failed_requests, 1.0),
        ),
        None => "no work reached a dead backend".to_string(),
    };
    let s = &f.surviving;
    let surviving = format!(
        "zones {}: busiest at {}% at peak; {} (at or above {}% for several windows in {} of \
         {reps} replications)",
        escape(&s.zones.join(", ")),
        est(&s.peak_utilisation, 100.0),
        if s.saturated {
            "<strong>saturated</strong>"
        } else {
            "did not saturate"
        },
        num(s.saturation_threshold * 100.0),
        s.saturated_replications,
    );
    let r = &f.recovery;
    let recovery = match (r.status, r.time_to_recover_secs) {
        (RecoveryStatus::Recovered, Some(t)) => format!(
            "recovered {} s after {} s ({} of {reps} replications recovered, in {} s)",
            num(t),
            num(r.from_secs),
            r.recovered_replications,
            est(&r.per_replication_secs, 1.0)
        ),
        (RecoveryStatus::NoReference, _) => {
            "no pre-fault windows and no SLO to compare with".to_string()
        }
        _ => format!(
            "<strong>not recovered</strong> by the end of the run ({} of {reps} replications \
             recovered)",
            r.recovered_replications
        ),
    };
    let rows = [
        ("when", when),
        ("time to detect", detection),
        (
            "requests failed during the fault",
            format!("{} per replication", est(&f.failed_during_fault, 1.0)),
        ),
        ("surviving zones", surviving),
        ("recovery", recovery),
        ("capacity left (N+1)", capacity(&f.capacity)),
    ];
    let mut out = format!(
        "<h3>{}{}</h3>\n<table class=\"facts\">\n",
        escape(prefix),
        escape(&label)
    );
    for (k, v) in rows {
        let _ = writeln!(out, "<tr><th>{k}</th><td>{v}</td></tr>");
    }
    out.push_str("</table>\n");
    out
}

/// The N+1 verdict and its arithmetic per tier.
fn capacity(c: &CapacityCheck) -> String {
    let mut out = format!("<strong>{}</strong> on paper", c.verdict.as_str());
    if c.tiers.is_empty() {
        return out;
    }
    out.push_str(
        "<table>\n<tr><th>tier</th><th>req/s</th><th>slot time ms</th><th>busy slots \
         needed</th><th>slots before</th><th>slots left</th><th>utilisation left</th>\
         <th>verdict</th></tr>\n",
    );
    for t in &c.tiers {
        let util = t.utilisation_during.map_or_else(
            || "no slots left".to_string(),
            |u| format!("{}%", num(u * 100.0)),
        );
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td>{}</td></tr>",
            escape(&t.tier),
            num(t.offered_rps),
            num(t.slot_secs * 1e3),
            num(t.required_slots),
            t.slots_before,
            t.slots_during,
            match &t.cpu {
                // A CPU-bound service: its capacity is cores.
                Some(cpu) => format!(
                    "{util} ({} of {} cores)",
                    num(cpu.required_cores),
                    num(cpu.cores_during)
                ),
                None => util,
            },
            t.verdict.as_str()
        );
    }
    out.push_str("</table>");
    out
}
