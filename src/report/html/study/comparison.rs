//! The comparison's page: facts, the table of every figure per column with its paired
//! difference to the first column and whether that difference is significant, the bar chart,
//! each column's failover story, and the scenario files.
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
use crate::report::html::{escape, figures, page};
use crate::study::Source;
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
    let mut body = String::new();
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
    body.push_str(&figures(charts));
    body.push_str(&failovers(c, scenarios));
    body.push_str(&scenario_files(sources));
    page(
        &c.name,
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
    let body: Vec<Vec<Cell>> = rows(c)
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
    let mut out = String::from("<h2 id=\"comparison\">Comparison</h2>\n");
    let _ = writeln!(
        out,
        "<p class=\"note\">Δ is a variant minus <code>{reference}</code>: the mean of the \
         per-replication differences ± the half-width of its 95% interval. It is significant \
         when that interval excludes 0; a difference that is not significant may still be \
         real, but these replications cannot tell.</p>"
    );
    out.push_str(&grid("comparison-table", &headers, &body));
    out
}

/// The Δ and significance cells of a difference (`-` where there is none or too few pairs).
fn difference(d: Option<(Difference, f64)>) -> [Cell; 2] {
    match d {
        Some((d, k)) if d.estimate.n >= 2 => {
            let text = est_signed(&d.estimate, k);
            if d.significant {
                [
                    Cell::with_class(text, "sig"),
                    Cell::with_class("yes", "sig"),
                ]
            } else {
                [Cell::new(text), Cell::new("no")]
            }
        }
        Some((d, k)) if d.estimate.n == 1 => [
            Cell::new(format!("{} (n=1)", num(d.estimate.mean * k))),
            Cell::new("-"),
        ],
        _ => [Cell::new("-"), Cell::new("-")],
    }
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
