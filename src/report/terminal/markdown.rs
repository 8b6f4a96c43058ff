//! `trafsim run --format markdown`: a summary to paste into a design document, in GitHub
//! markdown — a heading with the run's facts, the headline table (end-to-end and per tier),
//! the per-phase verdicts as a table, the SLO verdict and the failover story of each fault as
//! a list. The figures and their wording are the terminal table's (same rounding, `±` the
//! half-width of the 95% interval, `n/a` for no data).
//!
//! ```text
//! ### zone-outage: 2 replications, seed 42, 18m measured each
//!
//! | tier | p50 ms | p90 ms | p99 ms | p99.9 ms | req/s | errors | util |
//! |---|---:|---:|---:|---:|---:|---:|---:|
//! | end-to-end | 126 ±0 | 1227 ±27 | 2289 ±40 | 10649 ±53 | 1613 | 32.77% | - |
//! ```

use std::fmt::Write;

use super::phases::{errors, latency};
use super::{est, failover, num};
use crate::engine::SimDuration;
use crate::runner::{LatencySummary, Summary};
use crate::stats::Estimate;

/// The markdown summary of `summary`, ending with a newline.
pub fn render(summary: &Summary) -> String {
    let mut out = String::new();
    let measured = SimDuration::from_secs_f64(summary.duration_secs - summary.warmup_secs);
    let reps = super::replications(summary.replications);
    let _ = writeln!(
        out,
        "### {}: {reps}, seed {}, {measured} measured each\n",
        cell(&summary.scenario),
        summary.seed
    );
    table(
        &mut out,
        &[
            "tier", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "req/s", "errors", "util",
        ],
        headline_rows(summary),
    );
    if !summary.phases.is_empty() {
        out.push_str("\n**Phases**\n\n");
        let rows = summary
            .phases
            .iter()
            .map(|p| {
                vec![
                    cell(&p.label),
                    format!("{}–{}", num(p.from_secs), num(p.to_secs)),
                    p.slo.as_ref().map_or("n/a".to_string(), |v| {
                        match p.missed_secs.filter(|&s| s > 0.0) {
                            Some(s) if v.verdict == crate::runner::Verdict::Missed => {
                                format!("**missed** for {} s", num(s))
                            }
                            _ => v.verdict.as_str().to_string(),
                        }
                    }),
                    latency(&p.p99),
                    errors(&p.error_rate),
                    est(&p.goodput, 1.0),
                ]
            })
            .collect();
        table(
            &mut out,
            &[
                "phase",
                "from–to s",
                "SLO",
                "p99",
                "errors",
                "goodput req/s",
            ],
            rows,
        );
    }
    if let Some(slo) = &summary.slo {
        let _ = writeln!(
            out,
            "\n**SLO {}**: p99 {} ms vs {} ms ({}), errors {}% vs {}% ({})",
            slo.verdict.as_str(),
            est(&slo.p99, 1e3),
            num(slo.p99_target_secs * 1e3),
            slo.p99_verdict.as_str(),
            est(&slo.error_rate, 100.0),
            num(slo.error_rate_target * 100.0),
            slo.error_rate_verdict.as_str()
        );
    }
    if !summary.failover.is_empty() {
        out.push_str("\n**Failover**\n\n");
        for f in &summary.failover {
            let mut text = String::new();
            failover(&mut text, f, summary.replications);
            for line in text.lines() {
                match line.strip_prefix("  ") {
                    Some(rest) => {
                        let _ = writeln!(out, "  - {}", escape(rest.trim_start()));
                    }
                    None => {
                        let _ = writeln!(out, "- {}", escape(line));
                    }
                }
            }
        }
    }
    out
}

/// The end-to-end row and one row per tier.
fn headline_rows(summary: &Summary) -> Vec<Vec<String>> {
    let mut rows = vec![row(
        "end-to-end",
        &summary.latency,
        &summary.goodput,
        &summary.errors.rate,
        None,
    )];
    for t in &summary.tiers {
        let util = (t.servers > 0).then_some(t.utilisation);
        rows.push(row(
            &t.name,
            &t.latency,
            &t.throughput,
            &t.failure_rate,
            util,
        ));
    }
    rows
}

/// A headline row: name, four latency quantiles in ms, rate, error share, utilisation.
fn row(
    name: &str,
    lat: &LatencySummary,
    rate: &Estimate,
    errors: &Estimate,
    util: Option<Estimate>,
) -> Vec<String> {
    vec![
        cell(name),
        est(&lat.p50, 1e3),
        est(&lat.p90, 1e3),
        est(&lat.p99, 1e3),
        est(&lat.p999, 1e3),
        if rate.n == 0 {
            "n/a".to_string()
        } else {
            num(rate.mean)
        },
        if errors.n == 0 {
            "n/a".to_string()
        } else {
            format!("{:.2}%", errors.mean * 100.0)
        },
        util.map_or("-".to_string(), |u| format!("{}%", num(u.mean * 100.0))),
    ]
}

/// A GitHub table: header, separator (first column left-aligned, the others right-aligned),
/// and the rows, each with the header's number of cells.
fn table(out: &mut String, header: &[&str], rows: Vec<Vec<String>>) {
    let line = |out: &mut String, cells: &[String]| {
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    };
    line(out, &header.iter().map(|h| cell(h)).collect::<Vec<_>>());
    let sep: Vec<String> = (0..header.len())
        .map(|i| if i == 0 { "---" } else { "---:" }.to_string())
        .collect();
    line(out, &sep);
    for mut r in rows {
        r.resize(header.len(), String::new());
        line(out, &r);
    }
}

/// Text safe in a table cell: pipes escaped, line breaks as spaces.
fn cell(text: &str) -> String {
    escape(text).replace(['\n', '\r'], " ")
}

/// Markdown's special characters that would change the text's meaning here escaped: `|`, `*`,
/// `_` and backquotes.
fn escape(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '|' | '*' | '_' | '`') {
            s.push('\\');
        }
        s.push(c);
    }
    s
}
