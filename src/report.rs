//! What a run shows and leaves behind: the terminal table and the files in
//! `<out>/<scenario>/`.
//!
//! - [`terminal`] — the fixed-width summary table printed after each scenario;
//! - [`json`] — `summary.json`, whose layout `schemas/summary.schema.json` documents;
//! - [`csv`] — `timeseries.csv`, one row per window of simulated time;
//! - [`charts`] — latency, zones and SNAT charts (SVG and PNG) drawn with plotters;
//! - [`html`] — `report.html`, one self-contained page for a design review;
//! - [`files`] — the output folder and atomic writes (temporary file, fsync, rename), so an
//!   interrupted run never leaves a half-written result.
//!
//! Everything here formats a [`Summary`](crate::runner::Summary); nothing runs the model.

pub mod charts;
pub mod csv;
pub mod files;
pub mod html;
pub mod json;
pub mod output_set;
pub mod terminal;

pub use files::{OutputError, output_dir, write_atomic, write_charts_and_report, write_outputs};
pub use output_set::{OutputSet, is_run_file};
