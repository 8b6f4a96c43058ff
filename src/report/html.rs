//! `report.html`: one self-contained page to attach to a design review.
//!
//! The page holds, in order: the executive summary ([`summary`]: the SLO verdict, the headline
//! figures, each fault's story in a sentence, the largest cause of errors) and the key chart;
//! then the details: the run's facts (scenario, seed, replications, trafsim version,
//! simulated time), the SLO table, the end-to-end figures, the errors by cause, the per-tier
//! table, the results per request class, route and call target, the monthly cost estimate, the faults and their failover story (detection, recovery,
//! N+1), the other charts (inline SVG), and the scenario file as written. Each page kind has
//! its own title: `trafsim run report — <scenario>`, `trafsim comparison — <name>`,
//! `trafsim capacity — <scenario>`, `trafsim sweep — <scenario>`. Wide tables scroll inside
//! their own box, so nothing is clipped in a 1280-pixel window.
//!
//! Self-contained means: inline CSS, inline SVG, no script, no external font, image or style
//! sheet, so the page renders the same offline, from an e-mail attachment, or in a browser
//! with scripts disabled. Every piece of text that comes from the user (the scenario file,
//! names) is HTML-escaped. The page carries no timestamp, so equal runs give equal files.

mod cost;
mod failover;
mod findings;
pub mod phases;
mod routing;
mod study;
pub mod summary;
mod tables;

pub use study::{capacity_report, comparison_report, sweep_report};

use std::fmt::Write;

use crate::report::charts::{Chart, fault_label};
use crate::runner::Summary;
use crate::scenario::{FaultKind, Scenario};

/// The style sheet, inlined in the page's head.
const CSS: &str = "\
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif;
  margin: 0 auto; max-width: 1200px; padding: 24px 32px 48px; color: #1b1f24; line-height: 1.45; }
h1 { font-size: 1.9em; margin: 0.2em 0 0.4em; }
h2 { font-size: 1.35em; margin: 1.6em 0 0.5em; border-bottom: 1px solid #d0d7de; padding-bottom: 0.2em; }
table { border-collapse: collapse; margin: 0.4em 0 1em; font-variant-numeric: tabular-nums;
  font-size: 0.95em; }
th, td { padding: 4px 12px; border-bottom: 1px solid #e3e7eb; text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
th { background: #f3f5f7; font-weight: 600; white-space: normal; }
.wide { overflow-x: auto; }
table.facts td, table.facts th { text-align: left; }
table.facts td { white-space: normal; }
h3 { font-size: 1.1em; margin: 1.2em 0 0.3em; }
.verdict { display: inline-block; padding: 6px 14px; border-radius: 6px; font-weight: 600; }
.met, .better { background: #dcf5e3; color: #14532d; }
.missed, .worse { background: #fde2e1; color: #7f1d1d; }
.inconclusive { background: #fdf3d0; color: #713f12; }
.neutral { background: #eef1f4; color: #1b1f24; }
.summary { border: 2px solid #8c959f; border-radius: 8px; padding: 4px 20px 10px; margin: 0 0 1em;
  background: #fbfcfd; }
.summary h2.summary-title { border: 0; margin: 0.4em 0 0.3em; padding: 0; }
.summary ul { margin: 0.3em 0; padding-left: 1.2em; }
.summary ul.verdicts { list-style: none; padding: 0; }
.summary ul.verdicts li { margin: 0.3em 0; }
.summary ul.verdicts .verdict { padding: 3px 10px; margin-right: 0.4em; }
.summary ul.findings li { margin: 0.25em 0; }
.summary .better, .summary .worse, .summary strong.missed { padding: 0 4px; border-radius: 3px; }
.summary .extra h2, .summary .extra h3 { font-size: 1.05em; margin: 0.6em 0 0.2em; border: 0; }
.wide { overflow-x: auto; max-width: 100%; }
table.facts { max-width: 100%; }
table.facts td { overflow-wrap: anywhere; }
.note { color: #57606a; font-size: 0.92em; }
td .note { font-size: 0.85em; }
figure { margin: 1em 0 2em; }
figure svg { width: 100%; height: auto; border: 1px solid #e3e7eb; }
figcaption { color: #57606a; font-size: 0.92em; margin-top: 0.3em; }
pre { background: #f6f8fa; border: 1px solid #e3e7eb; padding: 12px 16px; overflow-x: auto;
  font-size: 0.85em; line-height: 1.35; }
details { margin: 0.4em 0 0.8em; }
summary { cursor: pointer; font-weight: 600; }
td.sig { background: #fff4d6; font-weight: 600; }
td.better, td.worse { font-weight: 600; }
td.wrap, td .note { white-space: normal; }
td.wrap { min-width: 6em; }
.wide table { font-size: 0.9em; }
.wide th, .wide td { padding: 4px 7px; }
footer { margin-top: 3em; color: #57606a; font-size: 0.85em; }
@media print { figure { break-inside: avoid; } }
";

/// The page for `summary`, a run of `scenario`, with `charts` (from
/// [`charts::render_all`](crate::report::charts::render_all)) inlined.
pub fn render(scenario: &Scenario, summary: &Summary, charts: &[Chart]) -> String {
    let mut body = String::with_capacity(64 * 1024);
    let mut headline = summary::run::headline(scenario, summary);
    headline.extra.push(phases::compact(&summary.phases));
    headline.extra.push(findings::compact(&summary.findings));
    body.push_str(&summary::render(&headline));
    let (key, rest) = summary::key_chart(charts, &summary::run::KEY_CHARTS);
    body.push_str(&key.map_or_else(String::new, figure));
    body.push_str(&tables::facts(summary));
    body.push_str(&findings::section(&summary.findings));
    body.push_str(&tables::slo(summary));
    body.push_str(&phases::section(&summary.phases));
    body.push_str(&tables::end_to_end(summary));
    body.push_str(&tables::errors(summary));
    body.push_str(&tables::tiers(summary));
    body.push_str(&routing::section(&summary.routing));
    body.push_str(&cost::section(summary));
    body.push_str(&faults(scenario));
    body.push_str(&failover::section(
        scenario,
        summary.replications,
        &summary.failover,
        "",
    ));
    body.push_str(&figures(&rest));
    let _ = write!(
        body,
        "<h2 id=\"scenario\">Scenario file</h2>\n<pre>{}</pre>\n",
        escape(&scenario.source_text),
    );
    page(
        &format!("trafsim run report — {}", summary.scenario),
        &summary.trafsim_version,
        &body,
        charts,
        "the scenario above; the same file, seed and replications give the same report",
    )
}

/// The whole page around `body`: head with the inline style sheet, `title` (plain text, e.g.
/// `trafsim run report — zone-outage`) as both the `<title>` and the `<h1>`, and a footer
/// saying it was generated by trafsim `version` from `from`. `charts` only sizes the buffer
/// (they are in `body` already).
pub(crate) fn page(title: &str, version: &str, body: &str, charts: &[Chart], from: &str) -> String {
    let title = escape(title);
    let version = escape(version);
    let mut page = String::with_capacity(
        8 * 1024 + body.len() + charts.iter().map(|c| c.svg.len()).sum::<usize>(),
    );
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"trafsim {version}\">\n\
         <link rel=\"icon\" href=\"data:,\">\n\
         <title>{title}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n\
         <h1>{title}</h1>\n{body}\
         <footer>Generated by trafsim {version} from {from}.</footer>\n</body>\n</html>\n",
        from = escape(from),
    );
    page
}

/// A scenario file as written, folded away in a `<details>` element headed `label`.
pub(crate) fn folded_text(label: &str, text: &str) -> String {
    folded_html(&escape(label), &format!("<pre>{}</pre>", escape(text)))
}

/// `html` folded away in a `<details>` element headed `label` (both already HTML).
pub(crate) fn folded_html(label: &str, html: &str) -> String {
    format!("<details>\n<summary>{label}</summary>\n{html}\n</details>\n")
}

/// The scenario's faults, one row each; nothing when there are none.
fn faults(scenario: &Scenario) -> String {
    if scenario.faults.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "<h2 id=\"faults\">Faults</h2>\n<table>\n<tr><th>fault</th><th>starts</th>\
         <th>lasts</th></tr>\n",
    );
    for f in &scenario.faults {
        let lasts = match (f.duration, &f.kind) {
            (Some(d), _) => d.to_string(),
            (None, FaultKind::PodCrash { .. }) => "instant (pods restart)".to_string(),
            (None, _) => "to the end of the run".to_string(),
        };
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&fault_label(scenario, &f.kind)),
            f.at,
            escape(&lasts)
        );
    }
    out.push_str("</table>\n");
    out
}

/// The charts as inline SVG figures, under a "Charts" heading.
pub(crate) fn figures(charts: &[&Chart]) -> String {
    if charts.is_empty() {
        return String::new();
    }
    let mut out = String::from("<h2 id=\"charts\">Charts</h2>\n");
    for c in charts {
        out.push_str(&figure(c));
    }
    out
}

/// One chart as an inline SVG figure with its caption.
pub(crate) fn figure(c: &Chart) -> String {
    format!(
        "<figure id=\"chart-{name}\">\n{svg}\n<figcaption>{title} \
         (also <code>{name}.svg</code> and <code>{name}.png</code> beside this \
         report)</figcaption>\n</figure>\n",
        name = c.name,
        svg = inline_svg(&c.svg),
        title = escape(&c.title),
    )
}

/// An SVG document ready to inline: without an XML declaration, if it has one.
fn inline_svg(svg: &str) -> &str {
    let trimmed = svg.trim_start();
    match trimmed.strip_prefix("<?xml") {
        Some(rest) => rest
            .find("?>")
            .map_or(trimmed, |i| rest[i + 2..].trim_start()),
        None => trimmed,
    }
}

/// `text` with `&`, `<`, `>`, `"` and `'` replaced by entities.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::charts;
    use crate::runner::fake;

    #[test]
    fn escapes_markup() {
        assert_eq!(escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
        assert_eq!(inline_svg("<?xml version=\"1.0\"?>\n<svg/>"), "<svg/>");
        assert_eq!(inline_svg("<svg/>"), "<svg/>");
    }

    #[test]
    fn page_holds_the_run_and_the_scenario_escaped() {
        let (mut scenario, runs) = fake::runs(2);
        scenario
            .source_text
            .push_str("\n# <script>alert(1)</script> & more\n");
        let summary = Summary::from_runs(&scenario, &runs);
        let charts = charts::render_all(&scenario, &summary).unwrap();
        let page = render(&scenario, &summary, &charts);
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert!(page.ends_with("</html>\n"));
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; more"));
        assert!(!page.contains("<script"));
        assert!(!page.contains("src=") && !page.contains("href=\"http"));
        assert!(page.contains("<title>trafsim run report — mm1</title>"));
        assert!(page.contains("<h1>trafsim run report — mm1</h1>"));
        // The summary box comes before the detailed tables.
        let summary = page.find("id=\"summary\"").unwrap();
        assert!(summary < page.find("id=\"end-to-end\"").unwrap());
        assert!(summary < page.find("<table").unwrap());
        assert!(page.contains(env!("CARGO_PKG_VERSION")));
        assert_eq!(page.matches("<svg").count(), charts.len());
        assert!(page.contains("id=\"chart-latency\""));
        assert!(page.contains("id=\"cost\""));
    }
}
