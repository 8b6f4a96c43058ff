//! The "Per route and request class" section of `report.html`: latency and error rate per
//! request class, client route and call target (an option of a weighted `choose`), so a
//! canary's users can be seen apart from the rest. Nothing when the scenario has none of them
//! to tell apart.

use std::fmt::Write;

use super::escape;
use super::tables::{Cell, count, est, grid};
use crate::runner::{RoutingSummary, SliceSummary};
use crate::stats::Estimate;

/// The section, or an empty string.
pub fn section(r: &RoutingSummary) -> String {
    if r.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "<h2 id=\"routing\">Per route and request class</h2>\n<p class=\"note\">A class's or a \
         route's share is of the offered requests, its latency end to end and its errors the \
         failed share of its requests. A call target is one option of a weighted choice \
         (<code>choose</code>): its share is of its choice's calls, its latency the call's as \
         its caller waited, its errors the failed share of its calls (each try).</p>\n",
    );
    for (title, id, first, slices) in [
        ("Request classes", "routing-classes", "class", &r.classes),
        ("Client routes", "routing-routes", "route", &r.routes),
        (
            "Call targets",
            "routing-call-targets",
            "caller → target",
            &r.call_targets,
        ),
    ] {
        if slices.is_empty() {
            continue;
        }
        let headers: Vec<String> = [
            first, "share", "offered", "p50 ms", "p99 ms", "errors", "failed",
        ]
        .map(String::from)
        .to_vec();
        let _ = writeln!(out, "<h3>{title}</h3>");
        let rows: Vec<Vec<Cell>> = slices.iter().map(row).collect();
        out.push_str(&grid(id, &headers, &rows));
    }
    out
}

fn row(s: &SliceSummary) -> Vec<Cell> {
    let percent = |e: &Estimate| {
        if e.n == 0 {
            "n/a".to_string()
        } else {
            format!("{}%", est(e, 100.0))
        }
    };
    vec![
        Cell::new(escape(&s.name)),
        Cell::new(percent(&s.share)),
        Cell::new(count(s.offered)),
        Cell::new(est(&s.latency.p50, 1e3)),
        Cell::new(est(&s.latency.p99, 1e3)),
        Cell::new(percent(&s.error_rate)),
        Cell::new(count(s.failed)),
    ]
}

#[cfg(test)]
mod tests {
    use crate::runner::{Summary, fake};

    #[test]
    fn nothing_to_tell_apart_gives_no_section() {
        let (scenario, runs) = fake::runs(2);
        assert!(super::section(&Summary::from_runs(&scenario, &runs).routing).is_empty());
    }
}
