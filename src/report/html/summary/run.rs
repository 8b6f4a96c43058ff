//! The headline of `report.html`: the SLO verdict (with the p99 and error rate it rests on),
//! one sentence of headline figures, one per fault (detection, the surviving zones, recovery),
//! the largest cause of failed requests, and any tier that was unstable. Every sentence is
//! derived from the run's summary; a figure with no data reads "n/a".

use super::{Badge, Headline, verdict_class};
use crate::report::charts::fault_label;
use crate::report::html::escape;
use crate::report::html::tables::{count, est, num};
use crate::runner::Summary;
use crate::runner::failover::{FailoverSummary, RecoveryStatus};
use crate::scenario::Scenario;

/// The charts `report.html` may lead with, best first: goodput and errors over time where
/// drawn, else latency over time.
pub const KEY_CHARTS: [&str; 3] = ["goodput", "errors", "latency"];

/// The headline items of a run of `scenario` summarised in `s`.
pub fn headline(scenario: &Scenario, s: &Summary) -> Headline {
    let mut h = Headline {
        verdicts: vec![slo(s)],
        ..Headline::default()
    };
    h.lines.push(figures(s));
    for f in &s.failover {
        h.lines.push(fault(scenario, s.replications, f));
    }
    h.lines.push(worst_cause(s));
    let unstable: Vec<String> = s
        .tiers
        .iter()
        .filter(|t| t.unstable)
        .map(|t| {
            format!(
                "<strong>{}</strong> ({} of {} replications)",
                escape(&t.name),
                t.unstable_replications,
                s.replications
            )
        })
        .collect();
    if !unstable.is_empty() {
        h.lines.push(format!(
            "<span class=\"missed\">Unstable</span>: {} — offered more work than their slots \
             can do, with a queue that grew through the run; their latencies describe only what \
             got through.",
            unstable.join(", ")
        ));
    }
    h
}

/// The SLO badge: the verdict and what it rests on, or a neutral "no SLO".
fn slo(s: &Summary) -> Badge {
    match &s.slo {
        Some(v) => Badge {
            label: format!("SLO {}", v.verdict.as_str()),
            class: verdict_class(v.verdict.as_str()),
            detail: format!(
                "p99 {} ms{} (target {} ms, {}) · error rate {}% (target {}%, {})",
                est(&v.p99, 1e3),
                if s.unfinished.count > 0 {
                    " with the unfinished requests' ages"
                } else {
                    ""
                },
                num(v.p99_target_secs * 1e3),
                v.p99_verdict.as_str(),
                est(&v.error_rate, 100.0),
                num(v.error_rate_target * 100.0),
                v.error_rate_verdict.as_str()
            ),
        },
        None => Badge {
            label: "no SLO".into(),
            class: "neutral",
            detail: "the scenario has no <code>[slo]</code>: nothing to judge against".into(),
        },
    }
}

/// The headline figures in one sentence.
fn figures(s: &Summary) -> String {
    let mut out = format!(
        "p99 latency <strong>{} ms</strong>, goodput <strong>{} req/s</strong> of {} offered, \
         error rate <strong>{}%</strong>",
        est(&s.latency.p99, 1e3),
        est(&s.goodput, 1.0),
        est(&s.throughput, 1.0),
        est(&s.errors.rate, 100.0)
    );
    if !s.cost.lines.is_empty() {
        out.push_str(&format!(
            ", about <strong>{} USD/month</strong>",
            est(&s.cost.total, 1.0)
        ));
    }
    out.push('.');
    out
}

/// One fault's story in a sentence: when, detection, the surviving zones, recovery.
pub(super) fn fault(scenario: &Scenario, reps: u64, f: &FailoverSummary) -> String {
    let label = scenario.faults.get(f.fault.index).map_or_else(
        || format!("{} {}", f.fault.kind, f.fault.target),
        |fault| fault_label(scenario, &fault.kind),
    );
    let when = match f.fault.end_secs {
        Some(end) => format!("{} to {}", clock(f.fault.start_secs), clock(end)),
        None => format!("from {}", clock(f.fault.start_secs)),
    };
    let detection = match &f.detection {
        Some(d) => format!(
            "work went to dead backends for {} s",
            est(&d.time_to_detect_secs, 1.0)
        ),
        None => "no work reached a dead backend".to_string(),
    };
    let sv = &f.surviving;
    let zones = escape(&sv.zones.join(", "));
    let surviving = if sv.saturated {
        format!(
            "zones {zones} <strong class=\"missed\">saturated</strong> (busiest tier {}% at \
             peak, {} of {reps} replications)",
            est(&sv.peak_utilisation, 100.0),
            sv.saturated_replications
        )
    } else {
        format!(
            "zones {zones} did not saturate (busiest tier {}% at peak)",
            est(&sv.peak_utilisation, 100.0)
        )
    };
    let r = &f.recovery;
    let recovery = match (r.status, r.time_to_recover_secs) {
        (RecoveryStatus::Recovered, Some(t)) => {
            format!("recovered {} s after {}", num(t), clock(r.from_secs))
        }
        (RecoveryStatus::NoReference, _) => "recovery not judged (no reference)".to_string(),
        _ => "<strong class=\"missed\">not recovered</strong> by the end of the run".to_string(),
    };
    format!(
        "<strong>{}</strong> ({when}): {detection}; {surviving}; {recovery}; {} requests failed \
         during it per replication.",
        escape(&label),
        est(&f.failed_during_fault, 1.0)
    )
}

/// A time since the start of the run: whole minutes from two minutes on (`6 min`, as
/// scenarios write fault times), else seconds (`15 s`).
fn clock(secs: f64) -> String {
    if secs >= 120.0 && secs % 60.0 == 0.0 {
        format!("{} min", num(secs / 60.0))
    } else {
        format!("{} s", num(secs))
    }
}

/// The largest cause of failed requests, or that none failed.
fn worst_cause(s: &Summary) -> String {
    let failed: u64 = s.errors.by_cause.iter().map(|c| c.count).sum();
    let unfinished = if s.unfinished.count > 0 {
        format!(
            " {} requests were unfinished at the end.",
            count(s.unfinished.count)
        )
    } else {
        String::new()
    };
    match s.errors.by_cause.iter().max_by_key(|c| c.count) {
        Some(c) if c.count > 0 => format!(
            "Errors: most failed requests ended as <strong>{}</strong> — {} of {} failed \
             ({}% of offered).{unfinished}",
            c.cause.name(),
            count(c.count),
            count(failed),
            est(&c.rate, 100.0)
        ),
        _ if s.errors.rate.n == 0 => format!("No request finished: no error rate.{unfinished}"),
        _ => format!("No request failed.{unfinished}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::fake;

    #[test]
    fn times_read_in_minutes_when_whole() {
        assert_eq!(clock(360.0), "6 min");
        assert_eq!(clock(15.0), "15 s");
        assert_eq!(clock(150.0), "150 s");
    }

    #[test]
    fn the_run_headline_has_the_slo_figures_and_the_worst_cause() {
        let (scenario, runs) = fake::runs(3);
        let s = Summary::from_runs(&scenario, &runs);
        let h = headline(&scenario, &s);
        assert_eq!(h.verdicts.len(), 1);
        assert!(h.verdicts[0].label.starts_with("SLO "), "{h:?}");
        assert!(h.lines[0].starts_with("p99 latency <strong>"), "{h:?}");
        assert!(
            h.lines
                .iter()
                .any(|l| l.contains("<strong>timeout</strong>")),
            "{h:?}"
        );
        assert!(h.extra.is_empty());
    }
}
