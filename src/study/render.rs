//! Terminal tables of the studies: the comparison, the sweep and the capacity search.
//!
//! ```text
//! compare-ingress: 3 columns × 8 replications, seed 7, common random numbers
//! Δ = paired difference to `app-gateway` (95% interval); better / worse = significant …
//! metric                    app-gateway          nginx                     Δ         …
//! p50 latency (ms)           68.2 ±0.4     66.1 ±0.4     -2.10 ±0.05 better
//! …
//! SLO verdict                      met          missed
//! SLO: p99 ≤ 250 ms and error rate ≤ 1%, each judged by its 95% interval
//! ```
//!
//! Numbers keep about three significant digits; latencies are in milliseconds and shares in
//! percent.

use std::fmt::Write;

use crate::stats::Estimate;
use crate::study::better::Change;
use crate::study::capacity::CapacityResult;
use crate::study::compare::Comparison;
use crate::study::metrics::Unit;
use crate::study::sweep::SweepResult;

/// Width of the first (label) column.
const LABEL: usize = 24;
/// Narrowest value column.
const VALUE: usize = 16;
/// Width of a difference column.
const DIFF: usize = 24;

/// About three significant digits.
pub(crate) fn num(x: f64) -> String {
    if !x.is_finite() {
        return format!("{x}");
    }
    tidy(format!("{x:.*}", decimals(x)))
}

/// Decimals that keep about three significant digits of `x`.
fn decimals(x: f64) -> usize {
    match x.abs() {
        a if a >= 100.0 || a == 0.0 => 0,
        a if a >= 10.0 => 1,
        a if a >= 1.0 => 2,
        _ => 3,
    }
}

/// `-0.000` reads as `0.000`.
fn tidy(text: String) -> String {
    match text.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_string(),
        _ => text,
    }
}

/// `mean ±half-width`, both to the decimals that keep about three significant digits of the
/// larger; just the mean when the half-width is 0.
fn with_interval(mean: f64, half_width: f64, sign: bool) -> String {
    let d = match (mean == 0.0, half_width == 0.0) {
        (true, _) => decimals(half_width),
        (false, true) => decimals(mean),
        (false, false) => decimals(mean).min(decimals(half_width)),
    };
    let mut m = tidy(format!("{mean:.d$}"));
    if sign && !m.starts_with('-') && m.chars().any(|c| c.is_ascii_digit() && c != '0') {
        m.insert(0, '+');
    }
    if half_width == 0.0 {
        m
    } else {
        format!("{m} ±{half_width:.d$}")
    }
}

/// `mean ±half-width`, or `mean (n=1)` without an interval, or `-` without samples.
fn estimate(e: &Estimate, k: f64) -> String {
    match e.n {
        0 => "-".into(),
        1 => format!("{} (n=1)", num(e.mean * k)),
        _ => with_interval(e.mean * k, e.half_width * k, false),
    }
}

/// The comparison table.
pub(crate) fn comparison(c: &Comparison) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {} columns × {} replications, seed {}, common random numbers",
        c.name,
        c.columns.len(),
        c.replications,
        c.seed
    );
    let _ = writeln!(
        out,
        "Δ = paired difference to `{}` (95% interval); better / worse = significant (excludes 0) \
         and better or worse for the design (lower latency, errors and cost; higher goodput); \
         * = significant in a figure with no better direction; no mark = not significant",
        c.reference
    );
    let widths: Vec<usize> = c
        .columns
        .iter()
        .map(|col| VALUE.max(col.label.chars().count() + 2))
        .collect();
    let mut header = format!("{:<LABEL$}", "metric");
    for (i, col) in c.columns.iter().enumerate() {
        let _ = write!(header, "{:>w$}", col.label, w = widths[i]);
        if i > 0 {
            let _ = write!(header, "{:>DIFF$}", "Δ");
        }
    }
    let _ = writeln!(out, "{}", header.trim_end());
    let mut keys: Vec<(&str, &str, Unit)> = Vec::new();
    for m in c.columns.iter().flat_map(|col| &col.metrics) {
        if !keys.iter().any(|(k, _, _)| *k == m.key) {
            keys.push((&m.key, &m.label, m.unit));
        }
    }
    for (key, label, unit) in keys {
        let (k, suffix) = unit.display_scale();
        let mut line = format!("{:<LABEL$}", format!("{label}{suffix}"));
        for (i, col) in c.columns.iter().enumerate() {
            let m = col.metrics.iter().find(|m| m.key == key);
            let value = m.map_or_else(|| "-".into(), |m| estimate(&m.estimate, k));
            let _ = write!(line, "{value:>w$}", w = widths[i]);
            if i > 0 {
                let diff = match m.and_then(|m| m.difference) {
                    Some(d) if d.estimate.n >= 2 => {
                        let mark = match (d.significant, d.change) {
                            (true, Change::Neutral) => " *     ",
                            (true, Change::Better) => " better",
                            (true, Change::Worse) => " worse ",
                            (false, _) => "       ",
                        };
                        let e = &d.estimate;
                        format!(
                            "{}{mark}",
                            with_interval(e.mean * k, e.half_width * k, true)
                        )
                    }
                    Some(d) if d.estimate.n == 1 => {
                        format!("{} (n=1)       ", num(d.estimate.mean * k))
                    }
                    _ => "-       ".into(),
                };
                let _ = write!(line, "{diff:>DIFF$}");
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    out.push_str(&slo_row(c, &widths));
    out
}

/// The comparison's last row, `SLO verdict`: each column's verdict (`-` for a column without
/// `[slo]`), and a line with the targets (or that each column has its own); nothing when no
/// column has an SLO.
fn slo_row(c: &Comparison, widths: &[usize]) -> String {
    let slos: Vec<_> = c.columns.iter().map(|col| col.slo.as_ref()).collect();
    let Some(first) = slos.iter().flatten().next() else {
        return String::new();
    };
    let same = slos.iter().flatten().all(|v| {
        v.p99_target_secs == first.p99_target_secs && v.error_rate_target == first.error_rate_target
    });
    let targets = if same {
        format!(
            "SLO: p99 ≤ {} ms and error rate ≤ {}%, each judged by its 95% interval",
            num(first.p99_target_secs * 1e3),
            num(first.error_rate_target * 100.0)
        )
    } else {
        "SLO: each column's own [slo], each target judged by its 95% interval".to_string()
    };
    let mut line = format!("{:<LABEL$}", "SLO verdict");
    for (i, v) in slos.iter().enumerate() {
        let word = v.map_or("-", |v| v.verdict.as_str());
        let _ = write!(line, "{word:>w$}", w = widths[i]);
        if i > 0 {
            let _ = write!(line, "{:>DIFF$}", "");
        }
    }
    format!("{}\n{targets}\n", line.trim_end())
}

/// The sweep table: one row per value, one block per variant.
pub(crate) fn sweep(r: &SweepResult) -> String {
    let mut out = String::new();
    let values = r.series.first().map_or(0, |s| s.points.len());
    let _ = writeln!(
        out,
        "{}: sweep of {} over {values} values, {} replications each, seed {}",
        r.scenario, r.field, r.replications, r.seed
    );
    for series in &r.series {
        if series.variant.is_some() {
            let _ = writeln!(out, "variant {}:", series.label);
        }
        let mut header = format!(
            "{:>12}{:>16}{:>16}{:>16}{:>16}{:>14}",
            "value", "offered/s", "p50 ms", "p99 ms", "p99.9 ms", "errors %"
        );
        let tiers: Vec<&str> = series
            .points
            .first()
            .map(|p| p.utilisation.iter().map(|t| t.tier.as_str()).collect())
            .unwrap_or_default();
        for t in &tiers {
            let _ = write!(header, "{:>14}", format!("{t} util%"));
        }
        if series.points.iter().any(|p| p.slo.is_some()) {
            header.push_str("  SLO");
        }
        let _ = writeln!(out, "{header}");
        for p in &series.points {
            let mut line = format!(
                "{:>12}{:>16}{:>16}{:>16}{:>16}{:>14}",
                p.value,
                estimate(&p.offered_per_s, 1.0),
                estimate(&p.p50_s, 1e3),
                estimate(&p.p99_s, 1e3),
                estimate(&p.p999_s, 1e3),
                estimate(&p.error_rate, 100.0)
            );
            for t in &tiers {
                let u = p.utilisation.iter().find(|u| u.tier == *t);
                let cell = u.map_or_else(|| "-".into(), |u| estimate(&u.utilisation, 100.0));
                let _ = write!(line, "{cell:>14}");
            }
            if let Some(v) = &p.slo {
                let _ = write!(line, "  {v}");
            }
            let _ = writeln!(out, "{line}");
        }
    }
    out
}

/// The capacity table: one row per variant and case.
pub(crate) fn capacity(name: &str, rows: &[CapacityResult]) -> String {
    let mut out = String::new();
    if let Some(first) = rows.first() {
        let _ = writeln!(
            out,
            "{name}: highest clients.rate with p99 ≤ {} ms and error rate ≤ {}% (upper 95% bounds); \
             {} replications per probe, seed {}",
            num(first.slo_p99_secs * 1e3),
            num(first.max_error_rate * 100.0),
            first.replications,
            first.seed
        );
    }
    let _ = writeln!(
        out,
        "{:<24}{:<14}{:>14}{:>22}{:>18}{:>14}{:>8}",
        "variant", "zones", "capacity/s", "bracket/s", "p99 ms there", "errors %", "probes"
    );
    for r in rows {
        let zones = r
            .lost_zone
            .as_ref()
            .map_or_else(|| "all".to_string(), |z| format!("zone {z} lost"));
        let (cap, bracket) = match (r.capacity_rps, r.failing_rps) {
            (Some(lo), Some(hi)) => (num(lo), format!("{} – {}", num(lo), num(hi))),
            (Some(lo), None) => (format!("≥ {}", num(lo)), "not bracketed".into()),
            (None, Some(hi)) => ("none".into(), format!("fails at {}", num(hi))),
            (None, None) => ("-".into(), "-".into()),
        };
        let (p99, errors) = r.at_capacity.as_ref().map_or_else(
            || ("-".into(), "-".into()),
            |p| (estimate(&p.p99_s, 1e3), estimate(&p.error_rate, 100.0)),
        );
        let _ = writeln!(
            out,
            "{:<24}{:<14}{:>14}{:>22}{:>18}{:>14}{:>8}",
            r.label,
            zones,
            cap,
            bracket,
            p99,
            errors,
            r.probes.len()
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_three_digits() {
        assert_eq!(num(1234.4), "1234");
        assert_eq!(num(-0.0001), "0.000");
        assert_eq!(with_interval(85.12, 0.131, false), "85.1 ±0.1");
        assert_eq!(with_interval(-2.62, 0.085, true), "-2.62 ±0.09");
        assert_eq!(with_interval(0.0, 0.005, true), "0.000 ±0.005");
        assert_eq!(with_interval(3.0, 0.0, true), "+3.00");
        assert_eq!(with_interval(-1.49, 11.87, true), "-1.5 ±11.9");
        assert_eq!(num(53.95), "54.0");
        assert_eq!(num(-3.104), "-3.10");
        assert_eq!(num(0.01234), "0.012");
        assert_eq!(num(0.0), "0");
    }
}
