//! The comparison chart of `trafsim compare`: grouped bars of p50, p99 and p99.9 latency per
//! column (scenario file or variant) with their 95% intervals as whiskers; beneath it, the
//! error rate per column.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::full_palette;

use super::capacity_curve::draw_whisker;
use super::style::{self, AXIS, LABEL, font};
use super::{Chart, ChartError, DrawResult, Plot, render};
use crate::stats::Estimate;
use crate::study::compare::{ColumnResult, Comparison};

/// Share of the height (below the title) given to the latency panel.
const TOP_SHARE: f64 = 0.64;

/// The latency figures drawn as bars: metric key, legend name, colour.
const BARS: [(&str, &str, RGBColor); 3] = [
    ("latency_p50", "p50", full_palette::BLUE_400),
    ("latency_p99", "p99", full_palette::ORANGE_700),
    ("latency_p999", "p99.9", full_palette::RED_800),
];

/// Width of a column's group of bars, in columns.
const GROUP: f64 = 0.78;

/// The comparison chart (file stem `comparison`).
///
/// - upper panel: for each column, bars of its mean p50, p99 and p99.9 end-to-end latency in
///   ms (linear scale from 0, so bar heights compare), each with its 95% interval over
///   replications as a whisker and its value written above;
/// - lower panel: each column's error rate (failed share of offered requests) in percent,
///   with its interval.
///
/// Columns are in the comparison's order; the first is the reference.
pub struct ComparisonChart<'a> {
    /// The comparison.
    pub comparison: &'a Comparison,
}

/// Draws the comparison chart of `comparison` (see [`ComparisonChart`]).
pub fn render_comparison(comparison: &Comparison) -> Result<Chart, ChartError> {
    render(&ComparisonChart { comparison })
}

/// The estimate of metric `key` of column `c`, when it has one.
fn estimate<'a>(c: &'a ColumnResult, key: &str) -> Option<&'a Estimate> {
    c.metrics
        .iter()
        .find(|m| m.key == key)
        .map(|m| &m.estimate)
        .filter(|e| e.n > 0 && e.mean.is_finite())
}

impl Plot for ComparisonChart<'_> {
    const NAME: &'static str = "comparison";

    fn title(&self) -> String {
        format!("{}: latency and errors by variant", self.comparison.name)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let (top, bottom) = style::two_panels(root, &self.title(), TOP_SHARE)?;
        self.latency_panel(&top)?;
        self.error_panel(&bottom)
    }
}

impl ComparisonChart<'_> {
    /// The number of columns (at least one, so an empty comparison still draws).
    fn count(&self) -> usize {
        self.comparison.columns.len().max(1)
    }

    /// The tick text at `v`: the column's label at whole numbers, nothing elsewhere.
    fn column_label(&self, v: f64) -> String {
        let i = v.round();
        if (v - i).abs() > 1e-6 || i < 0.0 {
            return String::new();
        }
        self.comparison
            .columns
            .get(i as usize)
            .map_or_else(String::new, |c| c.label.clone())
    }

    /// The grouped latency bars.
    fn latency_panel<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let cols = &self.comparison.columns;
        let n = self.count();
        let top = cols
            .iter()
            .flat_map(|c| BARS.iter().filter_map(move |(k, _, _)| estimate(c, k)))
            .map(|e| (e.mean + e.half_width) * 1e3)
            .fold(0.0_f64, f64::max);
        let hi = if top > 0.0 { top * 1.18 } else { 1.0 };
        let labels = |v: &f64| self.column_label(*v);
        let mut chart = ChartBuilder::on(area)
            .margin_left(16)
            .margin_right(32)
            .margin_top(8)
            .x_label_area_size(50)
            .y_label_area_size(110)
            .build_cartesian_2d(-0.5..(n as f64 - 0.5), 0.0..hi)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n)
            .x_label_formatter(&labels)
            .y_desc("latency (ms)")
            .axis_desc_style(font(AXIS))
            .label_style(font(AXIS))
            .y_label_formatter(&|v| style::tick(*v))
            .light_line_style(full_palette::GREY_200)
            .draw()?;
        let width = GROUP / BARS.len() as f64;
        for (j, (key, name, colour)) in BARS.iter().enumerate() {
            let colour = *colour;
            let bars: Vec<(f64, &Estimate)> = cols
                .iter()
                .enumerate()
                .filter_map(|(i, c)| {
                    let left = i as f64 - GROUP / 2.0 + j as f64 * width;
                    Some((left, estimate(c, key)?))
                })
                .collect();
            let rects = bars.iter().map(|(left, e)| {
                Rectangle::new(
                    [
                        (left + width * 0.06, 0.0),
                        (left + width * 0.94, e.mean * 1e3),
                    ],
                    colour.filled(),
                )
            });
            chart
                .draw_series(rects)?
                .label(*name)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 9), (x + 24, y + 9)], colour.filled())
                });
            for (left, e) in &bars {
                let x = left + width / 2.0;
                let (mean, hw) = (e.mean * 1e3, e.half_width * 1e3);
                draw_whisker(
                    &mut chart,
                    x,
                    ((mean - hw).max(0.0), mean + hw),
                    BLACK.stroke_width(2),
                )?;
                let text = Text::new(style::tick(mean), (-12, -28), font(LABEL - 2).color(&BLACK));
                chart.draw_series(std::iter::once(EmptyElement::at((x, mean + hw)) + text))?;
            }
        }
        if cols.is_empty() {
            let text = Text::new("nothing compared", (-0.2, hi * 0.5), font(AXIS));
            chart.draw_series(std::iter::once(text))?;
        }
        style::legend(&mut chart, SeriesLabelPosition::UpperLeft)
    }

    /// The error-rate bars, percent.
    fn error_panel<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let cols = &self.comparison.columns;
        let n = self.count();
        let rates: Vec<Option<&Estimate>> =
            cols.iter().map(|c| estimate(c, "error_rate")).collect();
        let top = rates
            .iter()
            .flatten()
            .map(|e| (e.mean + e.half_width) * 100.0)
            .fold(0.0_f64, f64::max);
        let hi = if top > 0.0 { top * 1.25 } else { 1.0 };
        let labels = |v: &f64| self.column_label(*v);
        let mut chart = ChartBuilder::on(area)
            .margin_left(16)
            .margin_right(32)
            .margin_bottom(8)
            .x_label_area_size(50)
            .y_label_area_size(110)
            .build_cartesian_2d(-0.5..(n as f64 - 0.5), 0.0..hi)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n)
            .x_label_formatter(&labels)
            .y_desc("error rate (%)")
            .axis_desc_style(font(AXIS))
            .label_style(font(AXIS))
            .y_label_formatter(&|v| style::tick(*v))
            .y_labels(5)
            .light_line_style(full_palette::GREY_200)
            .draw()?;
        let colour = full_palette::PURPLE_400;
        let half = GROUP / BARS.len() as f64 / 2.0;
        let rects = rates.iter().enumerate().filter_map(|(i, e)| {
            let e = (*e)?;
            let x = i as f64;
            Some(Rectangle::new(
                [(x - half, 0.0), (x + half, e.mean * 100.0)],
                colour.filled(),
            ))
        });
        chart
            .draw_series(rects)?
            .label("error rate")
            .legend(move |(x, y)| Rectangle::new([(x, y - 9), (x + 24, y + 9)], colour.filled()));
        for (i, e) in rates.iter().enumerate() {
            let Some(e) = e else { continue };
            let (mean, hw) = (e.mean * 100.0, e.half_width * 100.0);
            draw_whisker(
                &mut chart,
                i as f64,
                ((mean - hw).max(0.0), mean + hw),
                BLACK.stroke_width(2),
            )?;
        }
        if top <= 0.0 {
            let text = Text::new(
                "no failed requests",
                (n as f64 / 2.0 - 0.7, hi * 0.6),
                font(AXIS),
            );
            chart.draw_series(std::iter::once(text))?;
        }
        style::legend(&mut chart, SeriesLabelPosition::UpperRight)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::study::compare::{Configured, MetricResult};
    use crate::study::metrics::Unit;

    fn column(label: &str, p50: f64, errors: f64) -> ColumnResult {
        let metric = |key: &str, unit, mean: f64| MetricResult {
            key: key.into(),
            label: key.into(),
            unit,
            estimate: Estimate {
                mean,
                half_width: mean * 0.1,
                n: 3,
                std_dev: 0.0,
            },
            per_replication: vec![Some(mean); 3],
            difference: None,
        };
        ColumnResult {
            label: label.into(),
            scenario: "s".into(),
            file: "s.toml".into(),
            variant: Some(label.into()),
            measured_secs: 10.0,
            configured: Configured {
                ingress_instances: 0,
                pods: 1,
            },
            offered_per_replication: vec![100; 3],
            metrics: vec![
                metric("latency_p50", Unit::Seconds, p50),
                metric("latency_p99", Unit::Seconds, p50 * 4.0),
                metric("latency_p999", Unit::Seconds, p50 * 6.0),
                metric("error_rate", Unit::Share, errors),
            ],
            slo: None,
            failover: Vec::new(),
        }
    }

    #[test]
    fn draws_bars_for_every_column() {
        let c = Comparison {
            schema_version: 1,
            trafsim_version: "test".into(),
            name: "two".into(),
            seed: 1,
            replications: 3,
            reference: "fast".into(),
            columns: vec![column("fast", 0.01, 0.0), column("slow", 0.015, 0.002)],
        };
        let chart = render_comparison(&c).unwrap();
        assert_eq!(chart.name, "comparison");
        for text in [
            "two: latency and errors by variant",
            "fast",
            "slow",
            "p99.9",
        ] {
            assert!(chart.svg.contains(text), "{text}");
        }
        assert_eq!(&chart.png[..8], b"\x89PNG\r\n\x1a\n");
    }

    #[test]
    fn an_empty_comparison_still_draws() {
        let c = Comparison {
            schema_version: 1,
            trafsim_version: "test".into(),
            name: "none".into(),
            seed: 1,
            replications: 0,
            reference: String::new(),
            columns: Vec::new(),
        };
        assert!(render_comparison(&c).is_ok());
    }
}
