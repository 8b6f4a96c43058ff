//! A study's charts and its page, written into its output folder.
//!
//! Like [`crate::report::write_charts_and_report`] for a run: every chart is drawn and the page
//! rendered in memory first, so a chart that cannot be drawn fails before any of these files
//! is touched; each file is then staged in the study's [`OutputSet`], which puts the study's
//! files in place as one set.
//!
//! A study's page is named after its JSON file — `comparison.html`, `sweep.html`,
//! `capacity.html` — because a study of one scenario shares the folder `<out>/<scenario>/`
//! with `trafsim run` of it, whose page is `report.html`; neither overwrites the other.

use std::path::PathBuf;

use crate::report::charts::{Chart, ChartError};
use crate::report::{OutputError, OutputSet};
use crate::study::StudyError;

/// Draws nothing itself: takes the drawn `charts` (or the first failure), renders the page
/// with `page` and stages `<chart>.svg`, `<chart>.png` and `page_name` in `set`; returns their
/// final paths.
pub(crate) fn write_charts_and_page(
    set: &mut OutputSet,
    charts: Vec<Result<Chart, ChartError>>,
    page_name: &str,
    page: impl FnOnce(&[Chart]) -> String,
) -> Result<Vec<PathBuf>, StudyError> {
    let charts = charts
        .into_iter()
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| OutputError {
            path: set.dir().join(format!("{}.svg", e.chart)),
            action: "draw",
            error: std::io::Error::other(e),
        })?;
    let html = page(&charts);
    let mut written = Vec::new();
    for chart in &charts {
        for (ext, bytes) in [("svg", chart.svg.as_bytes()), ("png", chart.png.as_slice())] {
            written.push(set.write(&format!("{}.{ext}", chart.name), bytes)?);
        }
    }
    written.push(set.write(page_name, html.as_bytes())?);
    Ok(written)
}
