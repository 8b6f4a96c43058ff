//! The "Phases" section of `report.html`: the measured run cut at the faults (see
//! [`crate::runner::phases`]), one row per phase with its SLO verdict and headline figures, so
//! that a design that meets its SLO in steady state and fails during a fault says so at a
//! glance.

use std::fmt::Write;

use super::escape;
use super::tables::{INTERVAL_NOTE, est, num};
use crate::runner::phases::Phase;
use crate::stats::Estimate;

/// The section: a heading, a table of the phases and a note on how they are cut; empty when
/// there are no phases.
pub fn section(phases: &[Phase]) -> String {
    if phases.is_empty() {
        return String::new();
    }
    let with_slo = phases.iter().any(|p| p.slo.is_some());
    let mut out = String::from("<h2 id=\"phases\">Phases</h2>\n<div class=\"wide\"><table>\n");
    out.push_str("<tr><th>phase</th><th>from – to (s)</th>");
    if with_slo {
        out.push_str("<th>SLO</th><th>missed for</th>");
    }
    out.push_str(
        "<th>p50</th><th>p99</th><th>p99.9</th><th>errors</th><th>goodput (req/s)</th>\
         <th>requests</th></tr>\n",
    );
    for p in phases {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{} – {}</td>",
            escape(&p.label),
            num(p.from_secs),
            num(p.to_secs)
        );
        if with_slo {
            match &p.slo {
                Some(v) => {
                    let _ = write!(
                        out,
                        "<td class=\"{c}\">{c}</td><td>{}</td>",
                        p.missed_secs
                            .map_or("n/a".into(), |s| format!("{} s", num(s))),
                        c = v.verdict.as_str()
                    );
                }
                None => out.push_str("<td>n/a</td><td>n/a</td>"),
            }
        }
        let _ = writeln!(
            out,
            "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            latency(&p.p50),
            latency(&p.p99),
            latency(&p.p999),
            errors(&p.error_rate),
            if p.goodput.n == 0 {
                "n/a".to_string()
            } else {
                est(&p.goodput, 1.0)
            },
            p.offered
        );
    }
    out.push_str("</table></div>\n");
    out.push_str(
        "<p class=\"note\">Phases: before the first fault (from the end of the warm-up), during \
         each fault, recovery (until p99 and errors were back to normal, as in the failover \
         section) and after. Figures come from the time-series windows of each phase; errors \
         count failed requests and those still unfinished at the end that had waited past \
         the SLO's p99 target; \"missed for\" is the time of the phase whose \
         windows were beyond a target. Requests are those offered in the phase, all \
         replications.</p>\n",
    );
    out.push_str(INTERVAL_NOTE);
    out
}

/// The phases for the page's summary box: one line each, its span, its SLO verdict (and for
/// how long it was missed), p99 and errors; nothing without phases. The full table is
/// [`section`].
pub fn compact(phases: &[Phase]) -> String {
    if phases.is_empty() {
        return String::new();
    }
    let mut out = String::from("<h3>Per phase</h3>\n<ul class=\"findings\">\n");
    for p in phases {
        let verdict = match &p.slo {
            Some(v) => {
                let missed = match p.missed_secs {
                    Some(s) if s > 0.0 && v.verdict.as_str() == "missed" => {
                        format!(" for {} s", num(s))
                    }
                    _ => String::new(),
                };
                format!(
                    "<span class=\"verdict {c}\">SLO {c}{missed}</span> ",
                    c = v.verdict.as_str()
                )
            }
            None => String::new(),
        };
        let _ = writeln!(
            out,
            "<li>{verdict}<b>{}</b> ({}–{} s): p99 {}, errors {}</li>",
            escape(&p.label),
            num(p.from_secs),
            num(p.to_secs),
            latency(&p.p99),
            errors(&p.error_rate)
        );
    }
    out.push_str("</ul>\n");
    out
}

/// A latency estimate (seconds) in ms below a second, else in s; `n/a` without data.
fn latency(e: &Estimate) -> String {
    if e.n == 0 {
        "n/a".to_string()
    } else if e.mean < 1.0 {
        format!("{} ms", est(e, 1e3))
    } else {
        format!("{} s", est(e, 1.0))
    }
}

/// An error-rate estimate in percent, `n/a` without data.
fn errors(e: &Estimate) -> String {
    if e.n == 0 {
        "n/a".to_string()
    } else if e.mean == 0.0 {
        "0.00%".to_string()
    } else {
        format!("{}%", est(e, 100.0))
    }
}
