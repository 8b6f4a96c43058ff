//! `report.html` of the studies: one self-contained page in each study's output folder, beside
//! its JSON and charts — [`comparison_report`] for `trafsim compare` (files or `[[variants]]`),
//! [`sweep_report`] for a sweep, [`capacity_report`] for `trafsim capacity`.
//!
//! Each page holds the study's facts (name, trafsim version, seed, replications), its results
//! table, its charts as inline SVG, the failover story of every variant that has faults (the
//! comparison), and each scenario file as written (folded in a `<details>` element) with the
//! overrides of its variants. The pages share the shell, style sheet, escaping and table
//! helpers of the run report ([`super::page`], [`super::tables`]), and like it they carry no
//! date and no script: the same inputs give the same bytes.

mod capacity;
mod comparison;
mod sweep;

use std::fmt::Write;

use super::{escape, folded_text, tables};
use crate::study::Source;

pub use capacity::capacity_report;
pub use comparison::comparison_report;
pub use sweep::sweep_report;

/// The study's facts table (`rows`: heading, HTML value) and the note on intervals.
fn facts<'a>(rows: impl IntoIterator<Item = (&'a str, String)>) -> String {
    let mut out = tables::facts_table(rows);
    out.push_str(tables::INTERVAL_NOTE);
    out
}

/// The facts rows every study has: version, seed, replications (already HTML).
fn common_rows(version: &str, seed: u64, replications: String) -> [(&'static str, String); 3] {
    [
        ("trafsim version", escape(version)),
        ("seed", seed.to_string()),
        ("replications", replications),
    ]
}

/// The scenario files as written, each folded away, after a table of the overrides each
/// variant applies to its file.
fn scenario_files<'a>(sources: impl IntoIterator<Item = &'a Source>) -> String {
    let mut out = String::from("<h2 id=\"scenarios\">Scenario files</h2>\n");
    for src in sources {
        if !src.variants.is_empty() {
            let _ = writeln!(out, "<h3>Variants of {}</h3>", escape(&src.origin));
            out.push_str(
                "<table class=\"facts variants\">\n<tr><th>variant</th><th>changes to the \
                 file</th></tr>\n",
            );
            for v in &src.variants {
                let changes: Vec<String> = v
                    .edits
                    .iter()
                    .map(|o| format!("<code>{}</code>", escape(&o.describe())))
                    .collect();
                let changes = if changes.is_empty() {
                    "none (the file as written)".to_string()
                } else {
                    changes.join("<br>")
                };
                let _ = writeln!(
                    out,
                    "<tr><th>{}</th><td>{changes}</td></tr>",
                    escape(&v.name)
                );
            }
            out.push_str("</table>\n");
        }
        out.push_str(&folded_text(
            &format!("{} as written", src.origin),
            &src.text,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
# <script>alert(1)</script> & co
[simulation]
name = "tiny"
duration = "10s"
warmup = "1s"

[clients]
rate = 5

[network]
zones = ["1"]

[ingress]
kind = "none"

[[services]]
name = "server"
pods = { "1" = 1 }
service_time = { exponential = { mean = "10ms" } }

[[variants]]
name = "plain"

[[variants]]
name = "two"
set = { "services[0].pods" = { "1" = 2 }, "clients.rate" = 7 }
"#;

    #[test]
    fn files_are_escaped_and_variants_list_their_overrides() {
        let src = Source::parse(FILE, "a<b>.toml").unwrap();
        let html = scenario_files([&src]);
        assert!(
            html.contains("<h3>Variants of a&lt;b&gt;.toml</h3>"),
            "{html}"
        );
        assert!(html.contains("<tr><th>plain</th><td>none (the file as written)</td></tr>"));
        // Overrides in the file's order (sorted by path), one per line.
        assert!(
            html.contains(
                "<tr><th>two</th><td><code>clients.rate = 7</code><br><code>services[0].pods = "
            ),
            "{html}"
        );
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"));
        assert!(!html.contains("<script"));
        assert!(html.contains("<details>\n<summary>a&lt;b&gt;.toml as written</summary>"));
    }
}
