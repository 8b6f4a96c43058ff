//! The comparison chart of `trafsim compare`: grouped bars of p50, p99 and p99.9 latency per
//! column (scenario file or variant) on a log scale with their 95% intervals as whiskers;
//! beneath it, the error rate and the monthly cost estimate per column.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::full_palette;

use super::capacity_curve::draw_whisker;
use super::style::{self, AXIS, LABEL, Swatch, font};
use super::{Chart, ChartError, DrawResult, Plot, render};
use crate::stats::Estimate;
use crate::study::compare::{ColumnResult, Comparison};

/// Share of the height (below the title) given to the latency panel.
const TOP_SHARE: f64 = 0.6;

/// Width of the legend strip at the right, pixels.
const LEGEND_WIDTH: u32 = 250;

/// The latency figures drawn as bars: metric key, legend name, colour.
const BARS: [(&str, &str, RGBColor); 3] = [
    ("latency_p50", "p50", full_palette::BLUE_400),
    ("latency_p99", "p99", full_palette::ORANGE_700),
    ("latency_p999", "p99.9", full_palette::RED_800),
];

/// Colour of the error-rate bars.
const ERRORS: RGBColor = full_palette::PURPLE_400;
/// Colour of the cost bars.
const COST: RGBColor = full_palette::TEAL_600;

/// Width of a column's group of bars, in columns.
const GROUP: f64 = 0.78;

/// The comparison chart (file stem `comparison`).
///
/// - upper panel: for each column, bars of its mean p50, p99 and p99.9 end-to-end latency on
///   a log scale (whole decades, ticks written in ms below a second and in s above), so a
///   10 ms p50 stays visible beside a 20 s p99.9; each bar has its 95% interval over
///   replications as a whisker and its value written above. A latency of 0 or with no data
///   has no bar (a log axis cannot show 0);
/// - lower left: each column's error rate (failed share of offered requests) in percent,
///   with its interval;
/// - lower right: each column's monthly cost estimate in USD, with its interval — or, when a
///   service is reached per connection (HTTP/2, gRPC, `connections`), its busiest pod's rate
///   over the mean pod's (1: even; see [`crate::model::PodBalance`]);
/// - the legend in a strip at the right, clear of the bars.
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

/// The log-scale range of the latency bars in ms: whole decades from below the smallest
/// positive mean to above the largest interval end; (1, 1,000) with nothing to draw.
pub fn latency_decades(values_ms: impl IntoIterator<Item = f64>) -> (f64, f64) {
    let (min, max) = values_ms
        .into_iter()
        .filter(|v| v.is_finite() && *v > 0.0)
        .fold((f64::INFINITY, 0.0_f64), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if max <= 0.0 {
        return (1.0, 1_000.0);
    }
    let lo = 10f64.powf(min.max(1e-3).log10().floor());
    let hi = 10f64.powf((max * 1.3).log10().ceil());
    (lo, hi.max(lo * 10.0))
}

/// A latency tick in ms, written in ms below a second and in s from a second up; only whole
/// decades are written (the log axis' other ticks stay unlabelled).
pub fn latency_tick(ms: f64) -> String {
    let decade = 10f64.powf(ms.log10().round());
    if (ms - decade).abs() > decade * 1e-6 {
        return String::new();
    }
    if ms >= 1_000.0 {
        format!("{} s", style::tick(ms / 1_000.0))
    } else {
        format!("{} ms", style::tick(ms))
    }
}

impl Plot for ComparisonChart<'_> {
    const NAME: &'static str = "comparison";

    fn title(&self) -> String {
        let last = if self.balance_key().is_some() {
            "per-pod balance"
        } else {
            "cost"
        };
        format!(
            "{}: latency, errors and {last} by variant",
            self.comparison.name
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let area = style::titled(root, &self.title())?;
        let (plot, side) = area.split_horizontally(area.dim_in_pixel().0 - LEGEND_WIDTH);
        let split = (f64::from(plot.dim_in_pixel().1) * TOP_SHARE) as u32;
        let (top, bottom) = plot.split_vertically(split);
        let (left, right) = bottom.split_horizontally(bottom.dim_in_pixel().0 / 2);
        self.latency_panel(&top)?;
        self.bar_panel(&left, "error_rate", "error rate (%)", 100.0, ERRORS)?;
        // A service reached per connection shows its per-pod balance in place of the cost.
        let balance = self.balance_key();
        let (right_key, right_name) = match &balance {
            Some((key, service)) => (key.as_str(), format!("{service} busiest pod ÷ mean")),
            None => ("monthly_cost", "monthly cost (USD)".to_string()),
        };
        self.bar_panel(&right, right_key, &right_name, 1.0, COST)?;
        let mut entries: Vec<(String, Swatch)> = BARS
            .iter()
            .map(|(_, name, c)| (name.to_string(), Swatch::Fill(c.to_rgba())))
            .collect();
        entries.push(("error rate".into(), Swatch::Fill(ERRORS.to_rgba())));
        let right_legend = match &balance {
            Some(_) => "busiest pod ÷ mean".into(),
            None => "monthly cost".into(),
        };
        entries.push((right_legend, Swatch::Fill(COST.to_rgba())));
        entries.push(("95% interval".into(), Swatch::Line(BLACK, 2)));
        style::side_legend(&side, &entries)
    }
}

impl ComparisonChart<'_> {
    /// The first per-pod balance metric (`pod_balance.<service>`) of the first column, with
    /// its service, if a service is reached per connection.
    fn balance_key(&self) -> Option<(String, String)> {
        let c = self.comparison.columns.first()?;
        c.metrics.iter().find_map(|m| {
            let service = m.key.strip_prefix("pod_balance.")?;
            Some((m.key.clone(), service.to_string()))
        })
    }

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

    /// The grouped latency bars, log scale.
    fn latency_panel<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let cols = &self.comparison.columns;
        let n = self.count();
        let values = cols
            .iter()
            .flat_map(|c| BARS.iter().filter_map(move |(k, _, _)| estimate(c, k)))
            .flat_map(|e| [e.mean * 1e3, (e.mean + e.half_width) * 1e3]);
        let (lo, hi) = latency_decades(values);
        let labels = |v: &f64| self.column_label(*v);
        let mut chart = ChartBuilder::on(area)
            .margin_left(16)
            .margin_right(16)
            .margin_top(8)
            .x_label_area_size(50)
            .y_label_area_size(120)
            .build_cartesian_2d(-0.5..(n as f64 - 0.5), (lo..hi).log_scale())?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n)
            .x_label_formatter(&labels)
            .y_desc("latency (log scale)")
            .axis_desc_style(font(AXIS))
            .label_style(font(AXIS))
            .y_label_formatter(&|v| latency_tick(*v))
            .light_line_style(full_palette::GREY_200)
            .draw()?;
        let width = GROUP / BARS.len() as f64;
        for (j, (key, _, colour)) in BARS.iter().enumerate() {
            let colour = *colour;
            let bars: Vec<(f64, &Estimate)> = cols
                .iter()
                .enumerate()
                .filter_map(|(i, c)| {
                    let left = i as f64 - GROUP / 2.0 + j as f64 * width;
                    Some((left, estimate(c, key).filter(|e| e.mean > 0.0)?))
                })
                .collect();
            let rects = bars.iter().map(|(left, e)| {
                Rectangle::new(
                    [
                        (left + width * 0.06, lo),
                        (left + width * 0.94, (e.mean * 1e3).max(lo)),
                    ],
                    colour.filled(),
                )
            });
            chart.draw_series(rects)?;
            for (left, e) in &bars {
                let x = left + width / 2.0;
                let (mean, hw) = (e.mean * 1e3, e.half_width * 1e3);
                draw_whisker(
                    &mut chart,
                    x,
                    ((mean - hw).max(lo), (mean + hw).min(hi)),
                    BLACK.stroke_width(2),
                )?;
                let text = Text::new(
                    latency_value(mean),
                    (-24, -28),
                    font(LABEL - 4).color(&BLACK),
                );
                let top = (mean + hw).clamp(lo, hi);
                chart.draw_series(std::iter::once(EmptyElement::at((x, top)) + text))?;
            }
        }
        if cols.is_empty() {
            let text = Text::new("nothing compared", (-0.2, (lo * hi).sqrt()), font(AXIS));
            chart.draw_series(std::iter::once(text))?;
        }
        Ok(())
    }

    /// One bar per column of metric `key` (times `scale`), with its interval.
    fn bar_panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        key: &str,
        y_desc: &str,
        scale: f64,
        colour: RGBColor,
    ) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let cols = &self.comparison.columns;
        let n = self.count();
        let values: Vec<Option<&Estimate>> = cols.iter().map(|c| estimate(c, key)).collect();
        let top = values
            .iter()
            .flatten()
            .map(|e| (e.mean + e.half_width) * scale)
            .fold(0.0_f64, f64::max);
        let hi = if top > 0.0 { top * 1.25 } else { 1.0 };
        let labels = |v: &f64| self.column_label(*v);
        let mut chart = ChartBuilder::on(area)
            .margin_left(16)
            .margin_right(16)
            .margin_bottom(8)
            .x_label_area_size(50)
            .y_label_area_size(120)
            .build_cartesian_2d(-0.5..(n as f64 - 0.5), 0.0..hi)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n)
            .x_label_formatter(&labels)
            .y_desc(y_desc)
            .axis_desc_style(font(AXIS))
            .label_style(font(LABEL))
            .y_label_formatter(&|v| style::tick(*v))
            .y_labels(5)
            .light_line_style(full_palette::GREY_200)
            .draw()?;
        let half = GROUP / 2.0 * 0.6;
        let rects = values.iter().enumerate().filter_map(|(i, e)| {
            let e = (*e)?;
            let x = i as f64;
            Some(Rectangle::new(
                [(x - half, 0.0), (x + half, e.mean * scale)],
                colour.filled(),
            ))
        });
        chart.draw_series(rects)?;
        for (i, e) in values.iter().enumerate() {
            let Some(e) = e else { continue };
            let (mean, hw) = (e.mean * scale, e.half_width * scale);
            draw_whisker(
                &mut chart,
                i as f64,
                ((mean - hw).max(0.0), mean + hw),
                BLACK.stroke_width(2),
            )?;
        }
        if top <= 0.0 {
            let empty = if key == "error_rate" {
                "no failed requests"
            } else {
                "no data"
            };
            let text = Text::new(empty, (n as f64 / 2.0 - 0.9, hi * 0.6), font(AXIS));
            chart.draw_series(std::iter::once(text))?;
        }
        Ok(())
    }
}

/// A bar's value in ms, or in s from a second up.
fn latency_value(ms: f64) -> String {
    if ms >= 1_000.0 {
        format!("{} s", style::tick(ms / 1_000.0))
    } else {
        format!("{} ms", style::tick(ms))
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
                metric("monthly_cost", Unit::UsdPerMonth, 1_000.0),
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
            "two: latency, errors and cost by variant",
            "monthly cost (USD)",
            "fast",
            "slow",
            "p99.9",
        ] {
            assert!(chart.svg.contains(text), "{text}");
        }
        assert_eq!(&chart.png[..8], b"\x89PNG\r\n\x1a\n");
    }

    #[test]
    fn the_log_scale_shows_a_fast_p50_beside_a_slow_p999() {
        // 5 ms beside 20 s: the axis runs over whole decades from 1 ms to 100 s.
        assert_eq!(latency_decades([5.0, 20_000.0, 0.0]), (1.0, 100_000.0));
        assert_eq!(latency_decades([]), (1.0, 1_000.0));
        assert_eq!(latency_tick(10.0), "10 ms");
        assert_eq!(latency_tick(10_000.0), "10 s");
        assert_eq!(latency_tick(20.0), "");
        assert_eq!(latency_value(20_000.0), "20 s");
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
