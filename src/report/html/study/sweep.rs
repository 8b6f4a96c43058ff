//! The sweep's page: facts, one table per curve (variant) with a row per swept value, the
//! capacity curve, and the scenario file.
//!
//! The table's columns are the entries of [`columns`]: a heading and how to read a
//! [`SweepRow`]; a new column is one more entry.

use super::super::tables::{Cell, est_or_dash, grid, num};
use super::{common_rows, facts, scenario_files};
use crate::report::charts::Chart;
use crate::report::html::{escape, figures, page};
use crate::stats::Estimate;
use crate::study::Source;
use crate::study::sweep::{SweepResult, SweepRow};

/// The page of sweep `r` of `source`; `slo_p99_ms` is the scenario's SLO p99 target, if any,
/// and `charts` the drawn capacity curve.
pub fn sweep_report(
    r: &SweepResult,
    source: &Source,
    slo_p99_ms: Option<f64>,
    charts: &[Chart],
) -> String {
    let values: Vec<String> = r
        .series
        .first()
        .map(|s| s.points.iter().map(|p| escape(&p.value)).collect())
        .unwrap_or_default();
    let mut rows = vec![("scenario", escape(&r.scenario))];
    rows.extend(common_rows(
        &r.trafsim_version,
        r.seed,
        format!(
            "{} per value; every value drew the same random numbers, so the curve is smooth \
             in the value",
            r.replications
        ),
    ));
    rows.push(("swept field", format!("<code>{}</code>", escape(&r.field))));
    rows.push(("values", values.join(", ")));
    rows.push((
        "simulated time",
        format!(
            "{} s measured per replication (after the warm-up)",
            num(r.measured_secs)
        ),
    ));
    if let Some(ms) = slo_p99_ms {
        rows.push(("SLO p99 target", format!("{} ms", num(ms))));
    }
    let mut body = facts(rows);
    body.push_str("<h2 id=\"sweep\">Sweep</h2>\n");
    for series in &r.series {
        if series.variant.is_some() {
            body.push_str(&format!("<h3>variant {}</h3>\n", escape(&series.label)));
        }
        let cols = columns(&series.points);
        let headers: Vec<String> = cols.iter().map(|(h, _)| escape(h)).collect();
        let table: Vec<Vec<Cell>> = series
            .points
            .iter()
            .map(|p| cols.iter().map(|(_, f)| Cell::new(f(p))).collect())
            .collect();
        body.push_str(&grid("sweep-table", &headers, &table));
    }
    body.push_str(&figures(&charts.iter().collect::<Vec<_>>()));
    body.push_str(&scenario_files([source]));
    page(
        &format!("trafsim sweep — {}", r.scenario),
        &r.trafsim_version,
        &body,
        charts,
        "the scenario file below; the same file, sweep, seed and replications give the same \
         report",
    )
}

/// A column of the sweep table: its heading and its cell (HTML) for a row.
type Column<'a> = (String, Box<dyn Fn(&SweepRow) -> String + 'a>);

/// The columns for `points`: value, load, latency, errors, each tier's utilisation, and the
/// SLO verdict where there is one.
fn columns<'a>(points: &'a [SweepRow]) -> Vec<Column<'a>> {
    let e = |k: f64, f: fn(&SweepRow) -> &Estimate| -> Box<dyn Fn(&SweepRow) -> String> {
        Box::new(move |p| est_or_dash(f(p), k))
    };
    let mut out: Vec<Column> = vec![
        ("value".into(), Box::new(|p: &SweepRow| escape(&p.value))),
        ("offered (req/s)".into(), e(1.0, |p| &p.offered_per_s)),
        ("goodput (req/s)".into(), e(1.0, |p| &p.goodput_per_s)),
        ("p50 (ms)".into(), e(1e3, |p| &p.p50_s)),
        ("p99 (ms)".into(), e(1e3, |p| &p.p99_s)),
        ("p99.9 (ms)".into(), e(1e3, |p| &p.p999_s)),
        ("error rate (%)".into(), e(100.0, |p| &p.error_rate)),
    ];
    let tiers = points.first().map_or(&[][..], |p| &p.utilisation[..]);
    for t in tiers {
        let tier = t.tier.as_str();
        out.push((
            format!("{tier} utilisation (%)"),
            Box::new(move |p: &SweepRow| {
                p.utilisation
                    .iter()
                    .find(|u| u.tier == tier)
                    .map_or_else(|| "-".into(), |u| est_or_dash(&u.utilisation, 100.0))
            }),
        ));
    }
    if points.iter().any(|p| p.slo.is_some()) {
        out.push((
            "SLO".into(),
            Box::new(|p: &SweepRow| p.slo.as_deref().map_or_else(|| "-".into(), escape)),
        ));
    }
    out
}
