//! The findings section of `report.html`: what bound the system, per phase, with the evidence
//! and what to test next (see [`crate::runner::findings`]). One list item per finding, its
//! phase and span, the sentence, and the suggestion beside it when there is one.

use std::fmt::Write;

use super::escape;
use crate::runner::findings::Finding;

/// The section, or nothing when there are no findings.
pub fn section(findings: &[Finding]) -> String {
    if findings.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "<h2 id=\"findings\">Findings</h2>\n<p class=\"note\">Derived from the run: busy \
         slot-time by what the slots were doing, failed requests counted at the component \
         where they failed, and the limits reached (counts summed over replications, times \
         since the start of a replication). Suggestions are things to test with \
         <code>trafsim compare</code>, not claims.</p>\n<ul class=\"findings\">\n",
    );
    for f in findings {
        let span = match (f.from_secs, f.to_secs) {
            (Some(a), Some(b)) => format!("{a:.0}–{b:.0} s"),
            (Some(a), None) => format!("from {a:.0} s"),
            _ => String::new(),
        };
        let _ = write!(
            out,
            "<li><b>{}</b> <span class=\"note\">({}{}{})</span><br>{}",
            escape(&f.kind),
            escape(&f.phase),
            if span.is_empty() { "" } else { ", " },
            span,
            escape(&f.sentence),
        );
        if let Some(s) = &f.suggestion {
            let _ = write!(out, "<br><i>{}</i>", escape(s));
        }
        out.push_str("</li>\n");
    }
    out.push_str("</ul>\n");
    out
}

/// At most this many findings in the summary box; the rest are in the full section.
pub const IN_SUMMARY: usize = 4;

/// The findings for the page's summary box: the first [`IN_SUMMARY`] sentences (the terminal
/// shows the same ones first), the first suggestion, and a link to the full section when
/// there are more. Nothing when there are no findings.
pub fn compact(findings: &[Finding]) -> String {
    if findings.is_empty() {
        return String::new();
    }
    let mut out = String::from("<h3>Findings</h3>\n<ul class=\"findings\">\n");
    for f in findings.iter().take(IN_SUMMARY) {
        let _ = writeln!(out, "<li>{}</li>", escape(&f.sentence));
    }
    out.push_str("</ul>\n");
    if let Some(s) = findings.iter().find_map(|f| f.suggestion.as_ref()) {
        let _ = writeln!(out, "<p class=\"note\"><i>{}</i></p>", escape(s));
    }
    if findings.len() > IN_SUMMARY {
        let _ = writeln!(
            out,
            "<p class=\"note\"><a href=\"#findings\">{} more findings</a> below.</p>",
            findings.len() - IN_SUMMARY
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_each_finding_escaped_with_its_suggestion() {
        let f = Finding {
            kind: "saturation".into(),
            component: "web".into(),
            phase: "during fault 1 (zone-outage)".into(),
            from_secs: Some(370.0),
            to_secs: Some(840.0),
            figures: Default::default(),
            sentence: "web <saturated>".into(),
            suggestion: Some("to test with `trafsim compare`: more".into()),
        };
        let html = section(&[f]);
        assert!(html.contains("id=\"findings\""));
        assert!(html.contains("web &lt;saturated&gt;"));
        assert!(html.contains("370–840 s"));
        assert!(html.contains("<i>to test with"));
        assert_eq!(section(&[]), "");
    }
}
