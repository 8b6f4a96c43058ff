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
                    .overrides
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
