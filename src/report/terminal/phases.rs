//! The per-phase lines of the terminal report, printed right after the table: one line per
//! phase of the run (see [`crate::runner::phases`]) with its SLO verdict and headline figures.
//!
//! ```text
//! before the fault (60–360 s): SLO met, p99 212 ±3 ms, errors 0.00%, goodput 800 ±2 req/s
//! zone-outage of zone 2 (360–840 s): SLO MISSED for 480 s, p99 4.10 ±0.02 s, errors 68.0 ±0.4%, goodput 255 ±3 req/s
//! ```

use std::fmt::Write;

use super::{est, num};
use crate::runner::Verdict;
use crate::runner::phases::Phase;
use crate::stats::Estimate;

/// One line per phase; nothing for a run without phases.
pub fn lines(phases: &[Phase]) -> String {
    let mut out = String::new();
    for p in phases {
        let mut parts = Vec::new();
        if let Some(slo) = &p.slo {
            parts.push(match slo.verdict {
                Verdict::Met => "SLO met".to_string(),
                Verdict::Inconclusive => "SLO inconclusive".to_string(),
                Verdict::Missed => match p.missed_secs {
                    Some(s) if s > 0.0 => format!("SLO MISSED for {} s", num(s)),
                    _ => "SLO MISSED".to_string(),
                },
            });
        }
        parts.push(format!("p99 {}", latency(&p.p99)));
        parts.push(format!("errors {}", errors(&p.error_rate)));
        parts.push(format!("goodput {} req/s", est(&p.goodput, 1.0)));
        let _ = writeln!(
            out,
            "{} ({}–{} s): {}",
            p.label,
            num(p.from_secs),
            num(p.to_secs),
            parts.join(", ")
        );
    }
    out
}

/// An error-rate estimate in percent: `n/a` without data, `0.00%` when no run had an error.
pub(super) fn errors(e: &Estimate) -> String {
    if e.n == 0 {
        "n/a".to_string()
    } else if e.mean == 0.0 {
        "0.00%".to_string()
    } else {
        format!("{}%", est(e, 100.0))
    }
}

/// A latency estimate (seconds) in ms below a second, else in s; `n/a` without data.
pub(super) fn latency(e: &Estimate) -> String {
    if e.n == 0 {
        "n/a".to_string()
    } else if e.mean < 1.0 {
        format!("{} ms", est(e, 1e3))
    } else {
        format!("{} s", est(e, 1.0))
    }
}
