//! The headline of `capacity.html`: per variant and case a badge with the capacity found (met:
//! bracketed; inconclusive: every probe met, so it is only a lower bound; missed: no probe
//! met), with its bracket and the figures there; the objective; and, for a case with a zone
//! lost, the share of the all-zones capacity that is left.

use super::{Badge, Headline};
use crate::report::html::escape;
use crate::report::html::tables::{est_or_dash, num};
use crate::study::capacity::{CapacityReport, CapacityResult};

/// The chart `capacity.html` leads with.
pub const KEY_CHARTS: [&str; 1] = [crate::study::capacity::CHART];

/// The headline items of capacity search `r`.
pub fn headline(r: &CapacityReport) -> Headline {
    let mut h = Headline {
        verdicts: r.results.iter().map(answer).collect(),
        ..Headline::default()
    };
    if let Some(first) = r.results.first() {
        h.lines.push(format!(
            "Objective: p99 latency ≤ {} ms and error rate ≤ {}%, each judged by the upper end \
             of its 95% interval, with {} replications per probe.",
            num(first.slo_p99_secs * 1e3),
            num(first.max_error_rate * 100.0),
            first.replications
        ));
    }
    for lost in r.results.iter().filter(|x| x.lost_zone.is_some()) {
        let all = r
            .results
            .iter()
            .find(|x| x.variant == lost.variant && x.lost_zone.is_none());
        if let (Some(all), Some(zone)) = (all, &lost.lost_zone)
            && let (Some(a), Some(l)) = (all.capacity_rps, lost.capacity_rps)
        {
            h.lines.push(format!(
                "<strong>{}</strong>: with zone {} lost, {} req/s is left of {} req/s with all \
                 zones (<strong>{}%</strong>).",
                escape(&lost.label),
                escape(zone),
                num(l),
                num(a),
                num(l / a * 100.0)
            ));
        }
    }
    h
}

/// A case's badge: its capacity, bracket and the figures at the capacity.
fn answer(r: &CapacityResult) -> Badge {
    let case = match &r.lost_zone {
        Some(z) => format!("{}, zone {} lost", escape(&r.label), escape(z)),
        None => format!("{}, all zones", escape(&r.label)),
    };
    let there = r.at_capacity.as_ref().map_or_else(String::new, |p| {
        format!(
            "; p99 there {} ms, error rate {}%",
            est_or_dash(&p.p99_s, 1e3),
            est_or_dash(&p.error_rate, 100.0)
        )
    });
    let (label, class, detail) = match (r.capacity_rps, r.failing_rps) {
        (Some(lo), Some(hi)) => (
            format!("{case}: {} req/s", num(lo)),
            "met",
            format!(
                "the true capacity lies in {} – {} req/s{there}",
                num(lo),
                num(hi)
            ),
        ),
        (Some(lo), None) => (
            format!("{case}: ≥ {} req/s", num(lo)),
            "inconclusive",
            format!("every probe met the objective: not bracketed{there}"),
        ),
        (None, Some(hi)) => (
            format!("{case}: none"),
            "missed",
            format!("no probe met the objective, down to {} req/s", num(hi)),
        ),
        (None, None) => (format!("{case}: -"), "neutral", "no probe ran".into()),
    };
    Badge {
        label,
        class,
        detail,
    }
}
