//! The comparison's page: the executive summary (each column's SLO verdict, what each column
//! does better and worse than the first) and the bar chart first; then the facts, the table of
//! every figure per column with its paired difference to the first column — coloured green
//! when it is significantly better, red when significantly worse, neutral when not significant
//! or the figure has no better direction ([`crate::study::better`]) — with a row of SLO
//! verdicts, each column's failover story, and the scenario files.
//!
//! The table reads the same [`Comparison`] as the terminal table: one row per
//! [`Figure`], the metrics of [`crate::study::metrics`] first, then the per-column facts of
//! [`fixed_figures`]. A new figure is one more entry there (or one more metric, which every
//! table then shows).

use std::fmt::Write;

use super::super::failover;
use super::super::tables::{Cell, est_or_dash, est_signed, grid, num};
use super::{common_rows, facts, scenario_files};
use crate::report::charts::Chart;
use crate::report::html::summary::{self, comparison::KEY_CHARTS};
use crate::report::html::{escape, figure, figures, page};
use crate::study::Source;
use crate::study::better::Change;
use crate::study::compare::{ColumnResult, Comparison, Difference};
use crate::study::metrics::Unit;

/// The page of comparison `c`: `scenarios` are its columns' scenarios in column order (for
/// the names of their faults), `sources` the files they come from, `charts` the drawn
/// comparison chart(s).
pub fn comparison_report(
    c: &Comparison,
    scenarios: &[crate::scenario::Scenario],
    sources: &[Source],
    charts: &[Chart],
) -> String {
    let (key, rest) = summary::key_chart(charts, &KEY_CHARTS);
    let mut body = summary::render(&summary::comparison::headline(c, scenarios));
    body.push_str(&key.map_or_else(String::new, figure));
    let columns: Vec<String> = c
        .columns
        .iter()
        .map(|col| match &col.variant {
            Some(v) if *v != col.label => format!(
                "{} (variant {} of {})",
                escape(&col.label),
                escape(v),
                escape(&col.file)
            ),
            Some(_) => format!("{} (variant of {})", escape(&col.label), escape(&col.file)),
            None => format!("{} ({})", escape(&col.label), escape(&col.file)),
        })
        .collect();
    let measured: Vec<String> = c.columns.iter().map(|col| num(col.measured_secs)).collect();
    let measured = if measured.windows(2).all(|w| w[0] == w[1]) {
        measured.first().cloned().unwrap_or_default()
    } else {
        measured.join(" / ")
    };
    let mut rows = vec![("comparison", escape(&c.name))];
    rows.extend(common_rows(
        &c.trafsim_version,
        c.seed,
        format!(
            "{} per variant; replication <i>i</i> of every variant drew the same random \
             numbers (common random numbers), so differences are paired",
            c.replications
        ),
    ));
    rows.push(("variants", columns.join("<br>")));
    rows.push(("reference", escape(&c.reference)));
    rows.push((
        "simulated time",
        format!("{measured} s measured per replication (after the warm-up)"),
    ));
    body.push_str(&facts(rows));
    body.push_str(&table(c));
    body.push_str(&figures(&rest));
    body.push_str(&failovers(c, scenarios));
    body.push_str(&scenario_files(sources));
    page(
        &format!("trafsim comparison — {}", c.name),
        &c.trafsim_version,
        &body,
        charts,
        "the scenario files below; the same files, seed and replications give the same report",
    )
}

/// One row of the comparison table.
struct Figure<'a> {
    /// The row's label, with its unit.
    label: String,
    /// What a column shows in this row; `None` where the column has no such figure.
    value: Reader<'a>,
}

/// How a [`Figure`] reads a column.
type Reader<'a> = Box<dyn Fn(&ColumnResult) -> Option<Value> + 'a>;

/// A column's entry in one row.
struct Value {
    /// The estimate, as HTML.
    estimate: String,
    /// The paired difference to the reference, and the factor it is printed with.
    difference: Option<(Difference, f64)>,
}

impl<'a> Figure<'a> {
    /// A metric of every replication, with its difference to the reference.
    fn metric(key: &'a str, label: &str, unit: Unit) -> Figure<'a> {
        let (k, suffix) = unit.display_scale();
        Figure {
            label: format!("{label}{suffix}"),
            value: Box::new(move |col| {
                let m = col.metrics.iter().find(|m| m.key == key)?;
                Some(Value {
                    estimate: est_or_dash(&m.estimate, k),
                    difference: m.difference.map(|d| (d, k)),
                })
            }),
        }
    }

    /// A fact of the column (the same in every replication), without a difference.
    fn fixed(label: &str, value: impl Fn(&ColumnResult) -> String + 'a) -> Figure<'a> {
        Figure {
            label: label.to_string(),
            value: Box::new(move |col| {
                Some(Value {
                    estimate: value(col),
                    difference: None,
                })
            }),
        }
    }
}

/// The per-column facts shown after the metrics, one entry each.
fn fixed_figures<'a>() -> Vec<Figure<'a>> {
    vec![
        Figure::fixed("ingress instances configured", |col| {
            col.configured.ingress_instances.to_string()
        }),
        Figure::fixed("pods configured", |col| col.configured.pods.to_string()),
    ]
}

/// Every row: the metrics in the order the columns first give them, then [`fixed_figures`].
fn rows(c: &Comparison) -> Vec<Figure<'_>> {
    let mut out: Vec<Figure> = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for m in c.columns.iter().flat_map(|col| &col.metrics) {
        if !seen.contains(&m.key.as_str()) {
            seen.push(&m.key);
            out.push(Figure::metric(&m.key, &m.label, m.unit));
        }
    }
    out.extend(fixed_figures());
    out
}

/// The table: a row per figure; per column its estimate and, after the first, the paired
/// difference and whether it is significant.
fn table(c: &Comparison) -> String {
    let reference = escape(&c.reference);
    let mut headers = vec!["figure".to_string()];
    for (i, col) in c.columns.iter().enumerate() {
        headers.push(escape(&col.label));
        if i > 0 {
            headers.push(format!("Δ {} − {reference}", escape(&col.label)));
            headers.push(format!("{} significant?", escape(&col.label)));
        }
    }
    let mut body: Vec<Vec<Cell>> = rows(c)
        .iter()
        .map(|f| {
            let mut cells = vec![Cell::new(escape(&f.label))];
            for (i, col) in c.columns.iter().enumerate() {
                let v = (f.value)(col);
                cells.push(Cell::new(
                    v.as_ref()
                        .map_or_else(|| "-".to_string(), |v| v.estimate.clone()),
                ));
                if i > 0 {
                    cells.extend(difference(v.and_then(|v| v.difference)));
                }
            }
            cells
        })
        .collect();
    if let Some(row) = slo_row(c) {
        body.insert(0, row);
    }
    let mut out = String::from("<h2 id=\"comparison\">Comparison</h2>\n");
    let _ = writeln!(
        out,
        "<p class=\"note\">Δ is a variant minus <code>{reference}</code>: the mean of the \
         per-replication differences ± the half-width of its 95% interval. It is significant \
         when that interval excludes 0; a difference that is not significant may still be \
         real, but these replications cannot tell. A significant difference is \
         <span class=\"better\">better</span> or <span class=\"worse\">worse</span> for the \
         design where the figure has a better direction (lower latency, error rate and cost; \
         higher goodput), and merely <span class=\"sig\">significant</span> where it has none \
         (the offered load, utilisation, instances, pods). The SLO row judges each column as \
         <code>trafsim run</code> would.</p>"
    );
    out.push_str(&grid("comparison-table", &headers, &body));
    out
}

/// The Δ and significance cells of a difference (`-` where there is none or too few pairs).
fn difference(d: Option<(Difference, f64)>) -> [Cell; 2] {
    match d {
        Some((d, k)) if d.estimate.n >= 2 => {
            let text = est_signed(&d.estimate, k);
            match (d.significant, d.change) {
                (false, _) => [Cell::new(text), Cell::new("no")],
                (true, Change::Neutral) => [
                    Cell::with_class(text, "sig"),
                    Cell::with_class("yes", "sig"),
                ],
                (true, Change::Better) => [
                    Cell::with_class(text, "better"),
                    Cell::with_class("yes, better", "better"),
                ],
                (true, Change::Worse) => [
                    Cell::with_class(text, "worse"),
                    Cell::with_class("yes, worse", "worse"),
                ],
            }
        }
        Some((d, k)) if d.estimate.n == 1 => [
            Cell::new(format!("{} (n=1)", num(d.estimate.mean * k))),
            Cell::new("-"),
        ],
        _ => [Cell::new("-"), Cell::new("-")],
    }
}

/// The table's first row: each column's SLO verdict (`-` without `[slo]`), with its targets
/// in the label when every column has the same; `None` when no column has an SLO.
fn slo_row(c: &Comparison) -> Option<Vec<Cell>> {
    let slos: Vec<_> = c.columns.iter().map(|col| col.slo.as_ref()).collect();
    let first = slos.iter().flatten().next()?;
    let same = slos.iter().flatten().all(|v| {
        v.p99_target_secs == first.p99_target_secs && v.error_rate_target == first.error_rate_target
    });
    let label = if same {
        format!(
            "SLO (p99 ≤ {} ms, error rate ≤ {}%)",
            num(first.p99_target_secs * 1e3),
            num(first.error_rate_target * 100.0)
        )
    } else {
        "SLO (each column's own)".to_string()
    };
    let mut cells = vec![Cell::new(label)];
    for (i, v) in slos.iter().enumerate() {
        cells.push(match v {
            Some(v) => {
                let word = v.verdict.as_str();
                Cell::with_class(word, summary::verdict_class(word))
            }
            None => Cell::new("-"),
        });
        if i > 0 {
            cells.extend([Cell::new(""), Cell::new("")]);
        }
    }
    Some(cells)
}

/// The failover stories of every column with faults, each headed by the column's label.
fn failovers(c: &Comparison, scenarios: &[crate::scenario::Scenario]) -> String {
    let mut out = String::new();
    for (col, s) in c.columns.iter().zip(scenarios) {
        out.push_str(&failover::stories(
            s,
            c.replications,
            &col.failover,
            &format!("{}: ", col.label),
        ));
    }
    if out.is_empty() {
        return out;
    }
    failover::section_heading() + &out
}
