//! The findings in the first lines of the table, right after its header line: what bound the
//! system, the steady state's SLO verdict, and the suggestion of the first finding that has
//! one (see [`crate::runner::findings`]).

use std::fmt::Write;

use crate::runner::Summary;

/// Findings printed at most (the steady-state verdict comes on top of them).
const SHOWN: usize = 4;

/// Writes the findings of `summary`, one line each: the first [`SHOWN`], the first suggestion
/// right under the finding it belongs to, the steady state's verdict, then how many more the
/// files hold.
pub(super) fn lines(out: &mut String, summary: &Summary) {
    let (verdicts, rest): (Vec<_>, Vec<_>) = summary
        .findings
        .iter()
        .partition(|f| f.kind == "steady-state-slo");
    let mut suggested = false;
    for f in rest.iter().take(SHOWN) {
        let _ = writeln!(out, "finding: {}", f.sentence);
        if let Some(s) = f.suggestion.as_ref().filter(|_| !suggested) {
            let _ = writeln!(out, "  {s}");
            suggested = true;
        }
    }
    for f in verdicts {
        let _ = writeln!(out, "finding: {}", f.sentence);
    }
    if rest.len() > SHOWN {
        let _ = writeln!(
            out,
            "finding: {} more in summary.json and report.html",
            rest.len() - SHOWN
        );
    }
}
