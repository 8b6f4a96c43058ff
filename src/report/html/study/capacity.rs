//! The capacity search's page: the executive summary (the answer per variant and case as
//! badges, the objective, what a lost zone leaves) and the chart of the probes first; then the
//! facts, the answer table (the highest load that met the objective, the bracket it lies in,
//! latency and errors there), each search's probes (folded), and the scenario file.

use std::fmt::Write;

use super::super::tables::{Cell, est_or_dash, grid, num};
use super::{common_rows, facts, scenario_files};
use crate::report::charts::Chart;
use crate::report::html::summary::{self, capacity::KEY_CHARTS};
use crate::report::html::{escape, figure, figures, folded_html, page};
use crate::study::Source;
use crate::study::capacity::{CapacityReport, CapacityResult};

/// The page of capacity search `r` of `source`, with `charts` inlined.
pub fn capacity_report(r: &CapacityReport, source: &Source, charts: &[Chart]) -> String {
    let mut rows = vec![("scenario", escape(&r.scenario))];
    if let Some(first) = r.results.first() {
        rows.extend(common_rows(
            &r.trafsim_version,
            first.seed,
            format!(
                "{} per probe; every probe drew the same random numbers",
                first.replications
            ),
        ));
        rows.push(("objective (SLO)", objective(first)));
    }
    let (key, rest) = summary::key_chart(charts, &KEY_CHARTS);
    let mut body = summary::render(&summary::capacity::headline(r));
    body.push_str(&key.map_or_else(String::new, figure));
    body.push_str(&facts(rows));
    body.push_str(&answers(&r.results));
    body.push_str(&figures(&rest));
    body.push_str(&probes(&r.results));
    body.push_str(&scenario_files([source]));
    page(
        &format!("trafsim capacity — {}", r.scenario),
        &r.trafsim_version,
        &body,
        charts,
        "the scenario file below; the same file, objective, seed and replications give the \
         same report",
    )
}

/// The objective a probe must meet.
fn objective(r: &CapacityResult) -> String {
    format!(
        "p99 latency ≤ {} ms and error rate ≤ {}%, each judged by the upper end of its 95% \
         interval",
        num(r.slo_p99_secs * 1e3),
        num(r.max_error_rate * 100.0)
    )
}

/// The zones a case keeps.
fn zones(r: &CapacityResult) -> String {
    r.lost_zone
        .as_ref()
        .map_or_else(|| "all".to_string(), |z| format!("zone {} lost", escape(z)))
}

/// The answer table: one row per variant and case.
fn answers(results: &[CapacityResult]) -> String {
    let headers = [
        "variant",
        "zones",
        "capacity (req/s)",
        "true capacity lies in (req/s)",
        "p99 there (ms)",
        "error rate there (%)",
        "probes",
    ]
    .map(String::from);
    let rows: Vec<Vec<Cell>> = results
        .iter()
        .map(|r| {
            let (capacity, bracket) = match (r.capacity_rps, r.failing_rps) {
                (Some(lo), Some(hi)) => (
                    Cell::with_class(num(lo), "sig"),
                    format!("{} – {}", num(lo), num(hi)),
                ),
                (Some(lo), None) => (
                    Cell::new(format!("≥ {}", num(lo))),
                    "not bracketed: every probe met".into(),
                ),
                (None, Some(hi)) => (
                    Cell::new("none"),
                    format!("below {}: no probe met", num(hi)),
                ),
                (None, None) => (Cell::new("-"), "-".into()),
            };
            let (p99, errors) = r.at_capacity.as_ref().map_or_else(
                || ("-".into(), "-".into()),
                |p| {
                    (
                        est_or_dash(&p.p99_s, 1e3),
                        est_or_dash(&p.error_rate, 100.0),
                    )
                },
            );
            vec![
                Cell::new(escape(&r.label)),
                Cell::new(zones(r)),
                capacity,
                Cell::new(bracket),
                Cell::new(p99),
                Cell::new(errors),
                Cell::new(r.probes.len().to_string()),
            ]
        })
        .collect();
    let mut out = String::from("<h2 id=\"capacity\">Capacity</h2>\n");
    out.push_str(
        "<p class=\"note\">Capacity is the highest offered load (<code>clients.rate</code>) \
         whose probe met the objective; the lowest load that failed closes the bracket, and the \
         true capacity for these replications lies between the two. Judging p99 by the upper \
         end of its interval, and the error rate likewise, makes the answer conservative; more \
         replications narrow it.</p>\n",
    );
    out.push_str(&grid("capacity-table", &headers, &rows));
    out
}

/// Each search's probes, in the order they ran, folded away.
fn probes(results: &[CapacityResult]) -> String {
    let mut out = String::from("<h2 id=\"probes\">Probes</h2>\n");
    let headers = [
        "rate (req/s)",
        "offered (req/s)",
        "p99 (ms)",
        "error rate (%)",
        "meets",
    ]
    .map(String::from);
    for r in results {
        let rows: Vec<Vec<Cell>> = r
            .probes
            .iter()
            .map(|p| {
                vec![
                    Cell::new(num(p.rate)),
                    Cell::new(est_or_dash(&p.offered_per_s, 1.0)),
                    Cell::new(est_or_dash(&p.p99_s, 1e3)),
                    Cell::new(est_or_dash(&p.error_rate, 100.0)),
                    match (&p.refused, p.meets) {
                        (Some(why), _) => {
                            Cell::with_class(format!("no (refused: {})", escape(why)), "missed")
                        }
                        (None, true) => Cell::with_class("yes", "met"),
                        (None, false) => Cell::with_class("no", "missed"),
                    },
                ]
            })
            .collect();
        let mut label = escape(&r.label);
        let _ = write!(label, ", {}", zones(r));
        out.push_str(&folded_html(&label, &grid("probes-table", &headers, &rows)));
    }
    out
}
