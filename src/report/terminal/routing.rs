//! The terminal block of results per request class, client route and call target, printed when
//! the scenario has any of them to tell apart:
//!
//! ```text
//! per class, route and call target         share         p50 ms         p99 ms        errors
//!   class beta                        4.97 ±0.05%      44.0 ±0.3        148 ±3    2.35 ±0.13%
//!   class default                     95.0 ±0.05%      35.9 ±0.1        114 ±1   0.400 ±0.01%
//!   call web → payments-v2            10.0 ±0.03%      21.2 ±0.1        102 ±1    3.96 ±0.10%
//! ```
//!
//! A class's or route's share is of the offered requests and its latency end to end; a call
//! target's share is of its choice's calls and its latency the call's, as its caller waited.
//! Errors are the failed share of the requests or calls; `n/a` where nothing ended.

use std::fmt::Write;

use super::est;
use crate::runner::{RoutingSummary, SliceSummary};

/// Width of the name column.
const NAME: usize = 34;
/// Width of each value column.
const COL: usize = 15;

/// The block, or nothing when `r` has nothing to tell apart.
pub(super) fn block(out: &mut String, r: &RoutingSummary) {
    if r.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "{:<NAME$}{:>COL$}{:>COL$}{:>COL$}{:>COL$}",
        "per class, route and call target", "share", "p50 ms", "p99 ms", "errors"
    );
    let rows = r
        .classes
        .iter()
        .map(|s| ("class", s))
        .chain(r.routes.iter().map(|s| ("route", s)))
        .chain(r.call_targets.iter().map(|s| ("call", s)));
    for (kind, s) in rows {
        row(out, kind, s);
    }
}

fn row(out: &mut String, kind: &str, s: &SliceSummary) {
    let name = format!("  {kind} {}", s.name);
    let name = if name.chars().count() > NAME - 1 {
        let cut: String = name.chars().take(NAME - 2).collect();
        format!("{cut}…")
    } else {
        name
    };
    let percent = |e: &crate::stats::Estimate| {
        if e.n == 0 {
            "n/a".to_string()
        } else {
            format!("{}%", est(e, 100.0))
        }
    };
    let _ = writeln!(
        out,
        "{name:<NAME$}{:>COL$}{:>COL$}{:>COL$}{:>COL$}",
        percent(&s.share),
        est(&s.latency.p50, 1e3),
        est(&s.latency.p99, 1e3),
        percent(&s.error_rate),
    );
}

#[cfg(test)]
mod tests {
    use crate::runner::Summary;
    use crate::runner::fake;

    #[test]
    fn nothing_to_tell_apart_prints_nothing() {
        let (scenario, runs) = fake::runs(2);
        let s = Summary::from_runs(&scenario, &runs);
        let mut out = String::new();
        super::block(&mut out, &s.routing);
        assert!(out.is_empty(), "{out}");
    }
}
