//! The summary tables of `report.html`: run facts, SLO verdict, end-to-end figures, errors by
//! cause and per tier. Estimates read `mean ± half-width` of their 95% interval (just the mean
//! with one replication), with about three significant digits, as in the terminal table.

use std::fmt::Write;

use super::escape;
use crate::runner::{Summary, Verdict};
use crate::stats::Estimate;

/// Run facts: scenario, seed, replications, version, simulated time, requests.
pub fn facts(s: &Summary) -> String {
    let reps = match (&s.precision, s.replications) {
        (Some(p), n) => format!(
            "{n} (until p99 was within ±{}%, at most {}: {})",
            num(p.target * 100.0),
            p.max_replications,
            if p.met { "met" } else { "not met" }
        ),
        (None, 1) => "1 (no confidence intervals)".to_string(),
        (None, n) => n.to_string(),
    };
    let rows = [
        ("scenario", escape(&s.scenario)),
        ("seed", s.seed.to_string()),
        ("replications", reps),
        ("trafsim version", escape(&s.trafsim_version)),
        (
            "simulated time",
            format!(
                "{} s per replication, of which {} s warm-up (not counted); {} s windows",
                num(s.duration_secs),
                num(s.warmup_secs),
                num(s.window_secs)
            ),
        ),
        ("zones", escape(&s.zones.join(", "))),
        (
            "requests",
            format!(
                "{} offered, {} succeeded, {} failed, {} unfinished at the end; {} client \
                 attempts",
                count(s.requests.offered),
                count(s.requests.succeeded),
                count(s.requests.failed),
                count(s.requests.unfinished),
                count(s.requests.client_attempts)
            ),
        ),
        ("events", count(s.events)),
    ];
    let mut out = facts_table(rows);
    out.push_str(INTERVAL_NOTE);
    out
}

/// What the figures with `±` mean.
pub const INTERVAL_NOTE: &str = "<p class=\"note\">Figures are the mean over replications ± the \
     half-width of the 95% confidence interval.</p>\n";

/// A two-column table of facts, a heading cell and a value (already HTML) per row.
pub fn facts_table<'a>(rows: impl IntoIterator<Item = (&'a str, String)>) -> String {
    let mut out = String::from("<table class=\"facts\">\n");
    for (k, v) in rows {
        let _ = writeln!(out, "<tr><th>{k}</th><td>{v}</td></tr>");
    }
    out.push_str("</table>\n");
    out
}

/// A table with a header row `headers` and one row per entry of `rows`, each cell already
/// HTML (a cell may carry its own `<td …>` attributes through [`Cell`]). Wrapped in a
/// horizontally scrolling `div` so a wide table does not break the page.
pub fn grid(id: &str, headers: &[String], rows: &[Vec<Cell>]) -> String {
    let mut out = format!("<div class=\"wide\"><table id=\"{id}\">\n<tr>");
    for h in headers {
        let _ = write!(out, "<th>{h}</th>");
    }
    out.push_str("</tr>\n");
    for row in rows {
        out.push_str("<tr>");
        for c in row {
            match c.class {
                Some(class) => {
                    let _ = write!(out, "<td class=\"{class}\">{}</td>", c.html);
                }
                None => {
                    let _ = write!(out, "<td>{}</td>", c.html);
                }
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table></div>\n");
    out
}

/// One cell of a [`grid`]: HTML and an optional CSS class.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Cell {
    /// The cell's content, already escaped.
    pub html: String,
    /// A class for the `<td>`, e.g. `sig`.
    pub class: Option<&'static str>,
}

impl Cell {
    /// A plain cell.
    pub fn new(html: impl Into<String>) -> Cell {
        Cell {
            html: html.into(),
            class: None,
        }
    }

    /// A cell with a CSS class.
    pub fn with_class(html: impl Into<String>, class: &'static str) -> Cell {
        Cell {
            html: html.into(),
            class: Some(class),
        }
    }
}

/// The SLO verdict, or nothing without an `[slo]`.
pub fn slo(s: &Summary) -> String {
    let Some(v) = &s.slo else {
        return String::new();
    };
    let mut out = String::from("<h2 id=\"slo\">SLO</h2>\n");
    let _ = writeln!(
        out,
        "<p><span class=\"verdict {c}\">SLO {c}</span></p>",
        c = v.verdict.as_str()
    );
    out.push_str(
        "<table>\n<tr><th>target</th><th>limit</th><th>estimate</th><th>verdict</th></tr>\n",
    );
    let mut row = |name: &str, limit: String, e: String, verdict: Verdict| {
        let _ = writeln!(
            out,
            "<tr><td>{name}</td><td>{limit}</td><td>{e}</td><td class=\"{c}\">{c}</td></tr>",
            c = verdict.as_str()
        );
    };
    row(
        "p99 latency",
        format!("{} ms", num(v.p99_target_secs * 1e3)),
        format!("{} ms", est(&v.p99, 1e3)),
        v.p99_verdict,
    );
    row(
        "error rate",
        format!("{}%", num(v.error_rate_target * 100.0)),
        format!("{}%", est(&v.error_rate, 100.0)),
        v.error_rate_verdict,
    );
    out.push_str(
        "</table>\n<p class=\"note\">Met: the whole interval is within the target; \
                  missed: the whole interval is beyond it; inconclusive: the interval straddles \
                  it (more replications would decide) or there is nothing to judge. Requests \
                  unfinished at the end enter the p99 with their age, and those older than the \
                  target count as errors too.</p>\n",
    );
    if v.unfinished_misses > 0 {
        let _ = writeln!(
            out,
            "<p>{} unfinished requests older than the p99 target counted as misses.</p>",
            count(v.unfinished_misses)
        );
    }
    out
}

/// End-to-end latency, throughput, error rate and the other whole-run figures.
pub fn end_to_end(s: &Summary) -> String {
    let l = &s.latency;
    let mut rows = vec![
        ("p50 latency", format!("{} ms", est(&l.p50, 1e3))),
        ("p90 latency", format!("{} ms", est(&l.p90, 1e3))),
        ("p99 latency", format!("{} ms", est(&l.p99, 1e3))),
        ("p99.9 latency", format!("{} ms", est(&l.p999, 1e3))),
        ("mean latency", format!("{} ms", est(&l.mean, 1e3))),
        (
            "pooled p50 / p99 / max",
            if l.pooled.count == 0 {
                "n/a (no request succeeded)".to_string()
            } else {
                format!(
                    "{} / {} / {} ms",
                    num(l.pooled.p50 * 1e3),
                    num(l.pooled.p99 * 1e3),
                    num(l.pooled.max * 1e3)
                )
            },
        ),
        ("offered load", format!("{} req/s", est(&s.throughput, 1.0))),
        ("goodput", format!("{} req/s", est(&s.goodput, 1.0))),
        ("error rate", format!("{}%", est(&s.errors.rate, 100.0))),
        ("unfinished at the end", unfinished(s)),
        ("attempts per request", est(&s.amplification, 1.0)),
        (
            "ingress tries per attempt",
            est(&s.ingress_amplification, 1.0),
        ),
    ];
    if s.zones.len() > 1 {
        rows.push((
            "cross-zone hops",
            format!("{}%", est(&s.cross_zone_share, 100.0)),
        ));
    }
    if let Some(peak) = s.snat_peak {
        rows.push(("SNAT ports in use, peak", peak.to_string()));
    } else if !s.tiers.iter().any(|t| t.kind.starts_with("egress:")) {
        rows.push(("SNAT ports in use, peak", "n/a (no outbound calls)".into()));
    }
    if let Some(fw) = &s.firewall {
        rows.push((
            "firewall instances, mean (peak)",
            format!("{} ({})", est(&fw.mean_instances, 1.0), fw.peak_instances),
        ));
        rows.push((
            "firewall queueing, mean",
            format!("{} ms", est(&fw.queueing, 1e3)),
        ));
    }
    let mut out = String::from(
        "<h2 id=\"end-to-end\">End to end</h2>\n<p class=\"note\">Latency of successful \
         requests as the clients saw them, retries included.</p>\n<table>\n\
         <tr><th>metric</th><th>value</th></tr>\n",
    );
    for (k, v) in rows {
        let _ = writeln!(out, "<tr><td>{k}</td><td>{v}</td></tr>");
    }
    out.push_str("</table>\n");
    out
}

/// Requests unfinished at the end: count, share and ages, or "none".
fn unfinished(s: &Summary) -> String {
    let u = &s.unfinished;
    if u.count == 0 {
        return "none".to_string();
    }
    format!(
        "{} requests ({}% of offered), mean age {} s, oldest {} s",
        count(u.count),
        est(&u.rate, 100.0),
        num(u.mean_age_secs.unwrap_or(0.0)),
        num(u.max_age_secs.unwrap_or(0.0))
    )
}

/// Failed requests by cause.
pub fn errors(s: &Summary) -> String {
    let mut out = String::from("<h2 id=\"errors\">Errors by cause</h2>\n");
    if s.unfinished.count > 0 {
        let _ = writeln!(
            out,
            "<p class=\"missed\">Unfinished at the end (neither succeeded nor failed when the run \
             stopped): {}.</p>",
            unfinished(s)
        );
    }
    let causes: Vec<_> = s.errors.by_cause.iter().filter(|c| c.count > 0).collect();
    if causes.is_empty() {
        out.push_str(if s.errors.rate.n == 0 {
            "<p>No request finished: no error rate.</p>\n"
        } else {
            "<p>No request failed.</p>\n"
        });
        return out;
    }
    out.push_str("<table>\n<tr><th>cause</th><th>requests</th><th>share of offered</th></tr>\n");
    for c in causes {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}%</td></tr>",
            c.cause.name(),
            count(c.count),
            est(&c.rate, 100.0)
        );
    }
    out.push_str("</table>\n");
    out
}

/// One row per tier: latency in the tier, throughput, rejections, utilisation, queues.
pub fn tiers(s: &Summary) -> String {
    let mut out = String::from(
        "<h2 id=\"tiers\">Per tier</h2>\n<p class=\"note\">Latency is the time in the tier \
         (queue and own work, calls included); failed is the share of arrivals turned \
         away or lost (the egress: SNAT exhausted, or sent to a dead NAT Gateway); offered load \
         is the arrival rate × mean own work ÷ worker slots. An unstable tier is offered more \
         work than its slots can do and its queue grew through the run: its queue has no bound, \
         and its latencies describe only what got through.</p>\n\
         <div class=\"wide\"><table>\n<tr><th>tier</th><th>servers</th><th>p50 ms</th>\
         <th>p99 ms</th><th>completed/s</th><th>failed</th><th>utilisation</th>\
         <th>mean queue</th><th>peak queue</th><th>utilisation by zone</th>\
         <th>offered load</th><th>stability</th></tr>\n",
    );
    for t in &s.tiers {
        let zones: Vec<String> = t
            .zone_utilisation
            .iter()
            .map(|z| {
                format!(
                    "{}&nbsp;{}%",
                    escape(&z.zone),
                    num(z.utilisation.mean * 100.0)
                )
            })
            .collect();
        // A tier without worker slots of its own (the egress) has no utilisation or queue.
        let slots = |text: String| if t.servers > 0 { text } else { "-".to_string() };
        let _ = writeln!(
            out,
            "<tr><td>{}<br><span class=\"note\">{}</span></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"wrap\">{}</td><td>{}</td>{}</tr>",
            escape(&t.name),
            escape(&t.kind),
            t.servers,
            est(&t.latency.p50, 1e3),
            est(&t.latency.p99, 1e3),
            est(&t.throughput, 1.0),
            failed(t),
            slots(format!("{}%", est(&t.utilisation, 100.0))),
            slots(est(&t.mean_queue, 1.0)),
            slots(num(t.peak_queue)),
            zones.join(", "),
            est_or_dash(&t.offered_load, 1.0),
            if t.unstable {
                format!(
                    "<td class=\"missed\">UNSTABLE ({} of {} replications)</td>",
                    t.unstable_replications, s.replications
                )
            } else {
                "<td>stable</td>".to_string()
            }
        );
    }
    out.push_str("</table></div>\n");
    out
}

/// A tier's failed share, with its causes for the egress.
fn failed(t: &crate::runner::TierSummary) -> String {
    let causes: Vec<String> = t
        .failures
        .iter()
        .filter(|f| f.count > 0)
        .map(|f| format!("{} {}", escape(&f.cause), f.count))
        .collect();
    if causes.is_empty() {
        format!("{}%", est(&t.failure_rate, 100.0))
    } else {
        format!(
            "{}%<br><span class=\"note\">{}</span>",
            est(&t.failure_rate, 100.0),
            causes.join(", ")
        )
    }
}

/// `mean ± half_width` of `e` scaled by `scale`, or the mean alone without an interval.
/// An interval of width zero (every replication gave the same value) shows as the mean alone.
pub fn est(e: &Estimate, scale: f64) -> String {
    let mean = e.mean * scale;
    if e.n == 0 {
        return "n/a".to_string();
    }
    if e.n <= 1 || e.half_width == 0.0 {
        return num(mean);
    }
    let d = decimals(mean);
    format!(
        "{} ± {:.d$}",
        unsigned_zero(format!("{mean:.d$}")),
        e.half_width * scale
    )
}

/// [`est`] of a difference: a mean above zero gets a `+`.
pub fn est_signed(e: &Estimate, scale: f64) -> String {
    let text = est(e, scale);
    if text.starts_with('-')
        || !text
            .chars()
            .take_while(|c| *c != ' ')
            .any(|c| matches!(c, '1'..='9'))
    {
        text
    } else {
        format!("+{text}")
    }
}

/// `-0.00` reads as `0.00`.
fn unsigned_zero(text: String) -> String {
    match text.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_string(),
        _ => text,
    }
}

/// Like [`est`], but `-` for an estimate without samples.
pub fn est_or_dash(e: &Estimate, scale: f64) -> String {
    if e.n == 0 {
        "-".to_string()
    } else {
        est(e, scale)
    }
}

/// `v` with about three significant digits.
pub fn num(v: f64) -> String {
    let d = if v.fract() == 0.0 { 0 } else { decimals(v) };
    unsigned_zero(format!("{v:.d$}"))
}

/// A whole number with thousands separators: `20,731,724`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Decimals that give about three significant digits.
fn decimals(v: f64) -> usize {
    match v.abs() {
        a if a == 0.0 || a >= 100.0 => 0,
        a if a >= 10.0 => 1,
        a if a >= 1.0 => 2,
        _ => 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::fake;

    #[test]
    fn tables_show_estimates_with_intervals() {
        let (scenario, runs) = fake::runs(3);
        let s = Summary::from_runs(&scenario, &runs);
        let e2e = end_to_end(&s);
        assert!(e2e.contains("p99 latency</td><td>"), "{e2e}");
        assert!(e2e.contains(" ± "), "{e2e}");
        assert!(errors(&s).contains("<td>timeout</td><td>3</td>"));
        assert!(
            tiers(&s).contains("<td>server<br><span class=\"note\">service</span></td><td>1</td>")
        );
        assert!(slo(&s).contains("class=\"verdict"));
        assert!(facts(&s).contains("<th>seed</th><td>1</td>"));
    }

    #[test]
    fn numbers() {
        let one = Estimate::from_samples(&[0.5]);
        assert_eq!(est(&one, 100.0), "50");
        assert_eq!(num(0.01234), "0.012");
        assert_eq!(num(92.14), "92.1");
        assert_eq!(count(20_731_724), "20,731,724");
        assert_eq!(count(999), "999");
        let flat = Estimate::from_samples(&[3.0, 3.0]);
        assert_eq!(est(&flat, 1.0), "3");
        let around_zero = Estimate::from_samples(&[-0.0001, 0.0, 0.00005]);
        assert!(est(&around_zero, 1.0).starts_with("0.000 ± "));
        assert_eq!(est_signed(&around_zero, 1.0), est(&around_zero, 1.0));
        let up = Estimate::from_samples(&[2.0, 2.2]);
        assert!(est_signed(&up, 1.0).starts_with("+2.10 ± "));
        let down = Estimate::from_samples(&[-2.0, -2.2]);
        assert!(est_signed(&down, 1.0).starts_with("-2.10 ± "));
        assert_eq!(num(-0.0001), "0.000");
    }
}
