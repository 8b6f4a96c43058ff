//! The executive summary at the top of every page (`report.html`, `comparison.html`,
//! `capacity.html`): a box with the verdicts as coloured badges, the key findings as short
//! sentences, and a slot for sections built elsewhere, followed by the page's key chart. The
//! detailed tables come after it.
//!
//! Each page kind builds a [`Headline`] — [`run::headline`], [`comparison::headline`],
//! [`capacity::headline`] — and [`render`] turns it into HTML, so every page's box looks the
//! same. [`Headline::extra`] is the documented slot for whole sections that other modules
//! build (the findings and the per-phase verdicts): they are placed in the box, after the
//! sentences, in the order pushed.

pub mod capacity;
pub mod comparison;
pub mod run;

use std::fmt::Write;

use crate::report::charts::Chart;

/// One verdict, drawn as a coloured badge with its detail beside it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Badge {
    /// The badge's text, already HTML, e.g. `SLO met`.
    pub label: String,
    /// Its colour, a class of the style sheet: `met`, `missed`, `inconclusive` or `neutral`.
    pub class: &'static str,
    /// What the verdict rests on, already HTML, e.g. `p99 92 ± 3 ms (target 100 ms)`.
    pub detail: String,
}

/// The headline items of one page: what its summary box shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Headline {
    /// The verdicts, first in the box.
    pub verdicts: Vec<Badge>,
    /// The key findings that the page's data holds, one sentence each (already HTML), shown
    /// as a list after the verdicts.
    pub lines: Vec<String>,
    /// Whole sections built by other modules, as HTML fragments, placed in the box after
    /// [`lines`](Self::lines) in the order pushed. This is the slot for
    /// `findings::section(..)` (what bound the system, per phase, with its evidence) and
    /// `phases::section(..)` (the verdict per phase): push their output here before calling
    /// [`render`]. A fragment may hold its own `<h3>`, lists or a small table; it is wrapped
    /// in a `<div class="extra">` and nothing else is added.
    pub extra: Vec<String>,
}

/// The summary box of `h`: `<section id="summary" class="summary">`, with an `<h2>` heading
/// "Summary", the badges, the sentences and the [`Headline::extra`] sections.
pub fn render(h: &Headline) -> String {
    let mut out = String::from(
        "<section id=\"summary\" class=\"summary\">\n<h2 class=\"summary-title\">Summary</h2>\n",
    );
    if !h.verdicts.is_empty() {
        out.push_str("<ul class=\"verdicts\">\n");
        for b in &h.verdicts {
            let _ = writeln!(
                out,
                "<li><span class=\"verdict {}\">{}</span> <span class=\"detail\">{}</span></li>",
                b.class, b.label, b.detail
            );
        }
        out.push_str("</ul>\n");
    }
    if !h.lines.is_empty() {
        out.push_str("<ul class=\"findings\">\n");
        for l in &h.lines {
            let _ = writeln!(out, "<li>{l}</li>");
        }
        out.push_str("</ul>\n");
    }
    for e in &h.extra {
        let _ = writeln!(out, "<div class=\"extra\">\n{e}\n</div>");
    }
    out.push_str("</section>\n");
    out
}

/// Splits `charts` into the page's key chart — the first whose name is in `preferred`, in the
/// order of `preferred` — and the others, in their order.
pub fn key_chart<'a>(
    charts: &'a [Chart],
    preferred: &[&str],
) -> (Option<&'a Chart>, Vec<&'a Chart>) {
    let key = preferred
        .iter()
        .find_map(|name| charts.iter().find(|c| c.name == *name));
    let rest = charts
        .iter()
        .filter(|c| key.is_none_or(|k| !std::ptr::eq(*c, k)))
        .collect();
    (key, rest)
}

/// A verdict badge's class for a verdict word (`met`, `missed`, `inconclusive`).
pub fn verdict_class(word: &str) -> &'static str {
    match word {
        "met" => "met",
        "missed" => "missed",
        "inconclusive" => "inconclusive",
        _ => "neutral",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_box_holds_badges_lines_and_the_extra_sections_in_order() {
        let h = Headline {
            verdicts: vec![Badge {
                label: "SLO met".into(),
                class: "met",
                detail: "p99 9 ms".into(),
            }],
            lines: vec!["one".into(), "two".into()],
            extra: vec!["<h3>Findings</h3>".into(), "<h3>Phases</h3>".into()],
        };
        let html = render(&h);
        assert!(html.starts_with("<section id=\"summary\" class=\"summary\">"));
        assert!(html.contains("<span class=\"verdict met\">SLO met</span>"));
        let order = [
            "SLO met",
            "<li>one</li>",
            "<li>two</li>",
            "Findings",
            "Phases",
        ];
        let at: Vec<usize> = order.iter().map(|p| html.find(p).unwrap()).collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{html}");
        assert!(html.ends_with("</section>\n"));
    }

    #[test]
    fn the_key_chart_is_the_first_preferred_one_present() {
        let chart = |name| Chart {
            name,
            title: name.to_string(),
            svg: String::new(),
            png: Vec::new(),
        };
        let charts = [chart("latency"), chart("zones"), chart("snat")];
        let (key, rest) = key_chart(&charts, &["goodput", "zones", "latency"]);
        assert_eq!(key.map(|c| c.name), Some("zones"));
        let rest: Vec<&str> = rest.iter().map(|c| c.name).collect();
        assert_eq!(rest, ["latency", "snat"]);
        let (key, rest) = key_chart(&charts, &["none"]);
        assert!(key.is_none() && rest.len() == 3);
    }
}
