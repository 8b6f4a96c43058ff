//! The headline of `comparison.html`: each column's SLO verdict as a badge; per column after
//! the reference one sentence naming the figures it is significantly better and worse in, with
//! the differences (a column without a significant change says so); and each fault's story in
//! a sentence, headed by its column, as in `report.html`.

use super::{Badge, Headline, verdict_class};
use crate::report::html::escape;
use crate::report::html::tables::{est, est_signed, num};
use crate::scenario::Scenario;
use crate::study::better::Change;
use crate::study::compare::{ColumnResult, Comparison};

/// The chart `comparison.html` leads with.
pub const KEY_CHARTS: [&str; 1] = ["comparison"];

/// The headline items of comparison `c`, whose columns ran `scenarios` (in column order; for
/// the names of their faults).
pub fn headline(c: &Comparison, scenarios: &[Scenario]) -> Headline {
    let mut h = Headline::default();
    if c.columns.iter().any(|col| col.slo.is_some()) {
        h.verdicts = c.columns.iter().map(slo).collect();
    } else {
        h.verdicts.push(Badge {
            label: "no SLO".into(),
            class: "neutral",
            detail: "no column's scenario has an <code>[slo]</code>: nothing to judge against"
                .into(),
        });
    }
    for col in c.columns.iter().skip(1) {
        h.lines.push(changes(col, &c.reference));
    }
    for (col, s) in c.columns.iter().zip(scenarios) {
        for f in &col.failover {
            h.lines.push(format!(
                "{}: {}",
                escape(&col.label),
                super::run::fault(s, c.replications, f)
            ));
        }
    }
    h
}

/// A column's SLO badge.
fn slo(col: &ColumnResult) -> Badge {
    let label = escape(&col.label);
    match &col.slo {
        Some(v) => Badge {
            label: format!("{label}: SLO {}", v.verdict.as_str()),
            class: verdict_class(v.verdict.as_str()),
            detail: format!(
                "p99 {} ms (target {} ms) · error rate {}% (target {}%)",
                est(&v.p99, 1e3),
                num(v.p99_target_secs * 1e3),
                est(&v.error_rate, 100.0),
                num(v.error_rate_target * 100.0)
            ),
        },
        None => Badge {
            label: format!("{label}: no SLO"),
            class: "neutral",
            detail: "its scenario has no <code>[slo]</code>".into(),
        },
    }
}

/// What `col` does better and worse than the reference, significantly.
fn changes(col: &ColumnResult, reference: &str) -> String {
    let mut better = Vec::new();
    let mut worse = Vec::new();
    for m in &col.metrics {
        let Some(d) = m.difference else { continue };
        let (k, suffix) = m.unit.display_scale();
        let unit = suffix.trim().trim_start_matches('(').trim_end_matches(')');
        let text = format!(
            "{} ({} {})",
            escape(&m.label),
            est_signed(&d.estimate, k),
            escape(unit)
        );
        match d.change {
            Change::Better => better.push(text),
            Change::Worse => worse.push(text),
            Change::Neutral => {}
        }
    }
    let head = format!(
        "<strong>{}</strong> against <strong>{}</strong>:",
        escape(&col.label),
        escape(reference)
    );
    match (better.is_empty(), worse.is_empty()) {
        (true, true) => format!(
            "{head} no significant change in latency, errors, goodput or cost (with these \
             replications)."
        ),
        _ => {
            let mut parts = Vec::new();
            if !better.is_empty() {
                parts.push(format!(
                    "<span class=\"better\">better</span> in {}",
                    better.join(", ")
                ));
            }
            if !worse.is_empty() {
                parts.push(format!(
                    "<span class=\"worse\">worse</span> in {}",
                    worse.join(", ")
                ));
            }
            format!("{head} {}.", parts.join("; "))
        }
    }
}
