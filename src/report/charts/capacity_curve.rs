//! The capacity curve of a sweep: the swept value against p50 and p99 latency (log scale, with
//! the 95% intervals as whiskers), one colour per variant, the SLO's p99 target dashed and the
//! saturation knee marked; beneath it, the error rate in percent.

use plotters::coord::{CoordTranslate, Shift};
use plotters::prelude::*;
use plotters::style::full_palette;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::style::{self, AXIS, LABEL, LINE, font};
use super::{Chart, ChartError, DrawResult, Plot, render};
use crate::stats::Estimate;
use crate::study::sweep::{SweepResult, SweepSeries};

/// Share of the height (below the title) given to the latency panel.
const TOP_SHARE: f64 = 0.64;

/// How many times its value at the first point the p99 must exceed to mark the knee.
pub const KNEE_FACTOR: f64 = 2.0;

/// The capacity-curve chart of one sweep (file stem `capacity`).
///
/// - x: the swept value, labelled with the field and its unit (`clients.rate (req/s)`);
/// - upper panel: p50 (thin) and p99 (thick) latency in ms on a log scale, one colour per
///   variant, each p99 with its 95% interval over replications as a whisker (clipped to the
///   axis; with few replications the intervals are wide); the SLO's p99
///   target as a dashed black line when the scenario has an `[slo]`;
/// - the *saturation knee* of each variant, marked with a ring and its value: the first point
///   whose mean p99 exceeds [`KNEE_FACTOR`] (2) times the mean p99 at the sweep's first point
///   (see [`knee`]); a variant whose p99 never doubles has no knee;
/// - lower panel: the error rate (failed share of offered requests) in percent.
pub struct CapacityChart<'a> {
    /// The sweep.
    pub sweep: &'a SweepResult,
    /// The SLO's p99 target in ms, if the scenario has an `[slo]`.
    pub slo_p99_ms: Option<f64>,
}

/// Draws the capacity curve of `sweep` (see [`CapacityChart`]).
pub fn render_capacity(sweep: &SweepResult, slo_p99_ms: Option<f64>) -> Result<Chart, ChartError> {
    render(&CapacityChart { sweep, slo_p99_ms })
}

/// The saturation knee of a curve: the index of the first point whose mean p99 exceeds
/// [`KNEE_FACTOR`] times the mean p99 at the first point. `None` when the first point has no
/// p99 (no successful requests) or no point exceeds it.
pub fn knee(series: &SweepSeries) -> Option<usize> {
    let first = value(&series.points.first()?.p99_s)?;
    series
        .points
        .iter()
        .position(|p| value(&p.p99_s).is_some_and(|v| v > KNEE_FACTOR * first))
}

/// The x-axis label for a sweep of `field` whose first value is written `first` (e.g. "10ms"):
/// the field with its unit in parentheses when one is known.
pub fn axis_label(field: &str, first: &str) -> String {
    let unit: String = first
        .chars()
        .rev()
        .take_while(|c| c.is_alphabetic())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let unit = if !unit.is_empty() && !first.ends_with("inf") {
        unit
    } else {
        match field {
            "clients.rate" => "req/s".to_string(),
            f if f.ends_with("share") || f.ends_with("probability") => "share".to_string(),
            _ => String::new(),
        }
    };
    if unit.is_empty() {
        field.to_string()
    } else {
        format!("{field} ({unit})")
    }
}

/// The estimate's mean, when it has one (some replication had a value) and it is finite.
fn value(e: &Estimate) -> Option<f64> {
    (e.n > 0 && e.mean.is_finite()).then_some(e.mean)
}

impl Plot for CapacityChart<'_> {
    const NAME: &'static str = "capacity";

    fn title(&self) -> String {
        format!(
            "{}: capacity curve over {}",
            self.sweep.scenario, self.sweep.field
        )
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

impl CapacityChart<'_> {
    /// The x range: the swept values, padded by 4% each side (±1 around a single value).
    fn x_range(&self) -> (f64, f64) {
        let xs = self
            .sweep
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.x));
        let (lo, hi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
            (lo.min(x), hi.max(x))
        });
        if !lo.is_finite() || !hi.is_finite() {
            return (0.0, 1.0);
        }
        if hi - lo <= 0.0 {
            let pad = lo.abs().max(1.0) * 0.1;
            return (lo - pad, hi + pad);
        }
        let pad = (hi - lo) * 0.04;
        (lo - pad, hi + pad)
    }

    /// The x-axis description.
    fn x_desc(&self) -> String {
        let first = self
            .sweep
            .series
            .first()
            .and_then(|s| s.points.first())
            .map_or("", |p| p.value.as_str());
        axis_label(&self.sweep.field, first)
    }

    /// The p50/p99 panel.
    fn latency_panel<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let (x0, x1) = self.x_range();
        let (lo, hi) = log_range(self.sweep, self.slo_p99_ms);
        let mut chart = ChartBuilder::on(area)
            .margin_left(16)
            .margin_right(32)
            .margin_top(8)
            .x_label_area_size(44)
            .y_label_area_size(110)
            .build_cartesian_2d(x0..x1, (lo..hi).log_scale())?;
        chart
            .configure_mesh()
            .y_desc("latency (ms, log scale)")
            .axis_desc_style(font(AXIS))
            .label_style(font(LABEL))
            .x_label_formatter(&|v| style::tick(*v))
            .y_label_formatter(&|v| style::tick(*v))
            .light_line_style(full_palette::GREY_200)
            .draw()?;
        let whisker = |chart: &mut ChartContext<'_, DB, _>, x: f64, e: &Estimate, c: RGBColor| {
            let mean = e.mean * 1e3;
            let hw = e.half_width * 1e3;
            draw_whisker(
                chart,
                x,
                ((mean - hw).max(lo), (mean + hw).min(hi)),
                c.mix(0.7).stroke_width(2),
            )
        };
        let mut knee_labelled = false;
        for (i, s) in self.sweep.series.iter().enumerate() {
            let colour = style::zone_colour(i);
            let xs: Vec<f64> = s.points.iter().map(|p| p.x).collect();
            let ms = |f: fn(&crate::study::sweep::SweepRow) -> &Estimate| -> Vec<Option<f64>> {
                s.points
                    .iter()
                    .map(|p| value(f(p)).map(|v| v * 1e3))
                    .collect()
            };
            let p50 = ms(|p| &p.p50_s);
            let p99 = ms(|p| &p.p99_s);
            let thin = colour.mix(0.75).stroke_width(2);
            let thick = colour.stroke_width(LINE + 1);
            style::gapped_line(&mut chart, &xs, &p50, lo, thin, &format!("{} p50", s.label))?;
            style::gapped_line(
                &mut chart,
                &xs,
                &p99,
                lo,
                thick,
                &format!("{} p99", s.label),
            )?;
            for (p, (m50, m99)) in s.points.iter().zip(p50.iter().zip(&p99)) {
                if let Some(m) = m50 {
                    let dot = Circle::new((p.x, m.max(lo)), 4, colour.filled());
                    chart.draw_series(std::iter::once(dot))?;
                }
                if let Some(m) = m99 {
                    whisker(&mut chart, p.x, &p.p99_s, colour)?;
                    let dot = Circle::new((p.x, m.max(lo)), 6, colour.filled());
                    chart.draw_series(std::iter::once(dot))?;
                }
            }
            if let Some(k) = knee(s) {
                let point = &s.points[k];
                let y = (point.p99_s.mean * 1e3).clamp(lo, hi);
                let ring = Circle::new((point.x, y), 16, BLACK.stroke_width(3));
                let anno = chart.draw_series(std::iter::once(ring))?;
                if !knee_labelled {
                    anno.label("saturation knee (p99 > 2× its first value)")
                        .legend(|(x, y)| Circle::new((x + 12, y), 8, BLACK.stroke_width(3)));
                    knee_labelled = true;
                }
                // Right of the ring in the left half of the chart, left of it in the right half.
                let (dx, h) = if point.x > (x0 + x1) / 2.0 {
                    (-20, HPos::Right)
                } else {
                    (20, HPos::Left)
                };
                let text = Text::new(
                    format!("knee {}: {}", s.label, point.value),
                    (dx, -22),
                    font(LABEL).color(&colour).pos(Pos::new(h, VPos::Bottom)),
                );
                chart.draw_series(std::iter::once(EmptyElement::at((point.x, y)) + text))?;
            }
        }
        if let Some(slo) = self.slo_p99_ms {
            let style = BLACK.stroke_width(2);
            let line = DashedLineSeries::new([(x0, slo), (x1, slo)], 14, 8, style);
            chart
                .draw_series(line)?
                .label(format!("SLO p99 {} ms", style::tick(slo)))
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], style));
        }
        style::legend(&mut chart, SeriesLabelPosition::UpperLeft)
    }

    /// The error-rate panel, percent.
    fn error_panel<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let (x0, x1) = self.x_range();
        let rates: Vec<Vec<Option<f64>>> = self
            .sweep
            .series
            .iter()
            .map(|s| {
                s.points
                    .iter()
                    .map(|p| value(&p.error_rate).map(|v| v * 100.0))
                    .collect()
            })
            .collect();
        let top = style::max_of(rates.iter().flatten()).unwrap_or(0.0);
        let hi = if top > 0.0 { top * 1.2 } else { 1.0 };
        let mut chart = ChartBuilder::on(area)
            .margin_left(16)
            .margin_right(32)
            .margin_bottom(8)
            .x_label_area_size(70)
            .y_label_area_size(110)
            .build_cartesian_2d(x0..x1, 0.0..hi)?;
        chart
            .configure_mesh()
            .x_desc(self.x_desc())
            .y_desc("error rate (%)")
            .axis_desc_style(font(AXIS))
            .label_style(font(LABEL))
            .x_label_formatter(&|v| style::tick(*v))
            .y_label_formatter(&|v| style::tick(*v))
            .y_labels(5)
            .light_line_style(full_palette::GREY_200)
            .draw()?;
        for (i, (s, r)) in self.sweep.series.iter().zip(&rates).enumerate() {
            let colour = style::zone_colour(i);
            let xs: Vec<f64> = s.points.iter().map(|p| p.x).collect();
            let line = colour.stroke_width(LINE);
            style::gapped_line(
                &mut chart,
                &xs,
                r,
                0.0,
                line,
                &format!("{} errors", s.label),
            )?;
            let dots = xs
                .iter()
                .zip(r)
                .filter_map(|(&x, v)| Some(Circle::new((x, (*v)?), 5, colour.filled())));
            chart.draw_series(dots)?;
        }
        if top <= 0.0 {
            let text = Text::new(
                "no failed requests",
                (x0 + (x1 - x0) * 0.42, hi * 0.5),
                font(AXIS),
            );
            chart.draw_series(std::iter::once(text))?;
        }
        style::legend(&mut chart, SeriesLabelPosition::UpperLeft)
    }
}

/// Draws a whisker at `x` from `lo` to `hi` (an interval), with caps 12 px wide.
pub(super) fn draw_whisker<DB, CT>(
    chart: &mut ChartContext<'_, DB, CT>,
    x: f64,
    (lo, hi): (f64, f64),
    style: ShapeStyle,
) -> DrawResult
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
    CT: CoordTranslate<From = (f64, f64)>,
{
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        return Ok(());
    }
    chart.draw_series(std::iter::once(PathElement::new([(x, lo), (x, hi)], style)))?;
    for y in [lo, hi] {
        let cap = EmptyElement::at((x, y)) + PathElement::new([(-6, 0), (6, 0)], style);
        chart.draw_series(std::iter::once(cap))?;
    }
    Ok(())
}

/// The log-scale range of the latency panel in ms: whole decades around every p50 and p99
/// (with their intervals) and the SLO target.
fn log_range(sweep: &SweepResult, slo: Option<f64>) -> (f64, f64) {
    let mut values: Vec<f64> = Vec::new();
    for p in sweep.series.iter().flat_map(|s| &s.points) {
        for e in [&p.p50_s, &p.p99_s] {
            if value(e).is_some() {
                values.push(e.mean * 1e3);
                values.push((e.mean + e.half_width) * 1e3);
            }
        }
    }
    values.extend(slo);
    let (min, max) = values
        .into_iter()
        .filter(|v| v.is_finite() && *v > 0.0)
        .fold((f64::INFINITY, 0.0_f64), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if max <= 0.0 {
        return (1.0, 1_000.0);
    }
    let lo = 10f64.powf(min.max(1e-3).log10().floor());
    let hi = 10f64.powf((max * 1.5).log10().ceil());
    (lo, hi.max(lo * 10.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::study::sweep::SweepRow;

    fn est(mean: f64) -> Estimate {
        Estimate {
            mean,
            half_width: mean * 0.1,
            n: 2,
            std_dev: 0.0,
        }
    }

    fn row(x: f64, p99: f64) -> SweepRow {
        SweepRow {
            value: format!("{x}"),
            x,
            offered_per_s: est(x),
            goodput_per_s: est(x),
            p50_s: est(p99 / 4.0),
            p90_s: est(p99 / 2.0),
            p99_s: est(p99),
            p999_s: est(p99 * 1.5),
            error_rate: est(0.0),
            utilisation: Vec::new(),
            slo: None,
        }
    }

    fn sweep() -> SweepResult {
        SweepResult {
            schema_version: 1,
            trafsim_version: "test".into(),
            scenario: "mm1".into(),
            field: "clients.rate".into(),
            seed: 1,
            replications: 2,
            measured_secs: 10.0,
            series: vec![SweepSeries {
                label: "mm1".into(),
                variant: None,
                points: vec![
                    row(20.0, 0.05),
                    row(40.0, 0.08),
                    row(60.0, 0.12),
                    row(80.0, 0.4),
                ],
            }],
        }
    }

    #[test]
    fn the_knee_is_the_first_point_past_twice_the_first_p99() {
        let s = sweep();
        assert_eq!(knee(&s.series[0]), Some(2));
        let mut flat = s.series[0].clone();
        for p in &mut flat.points {
            p.p99_s = est(0.05);
        }
        assert_eq!(knee(&flat), None);
    }

    #[test]
    fn axis_labels_carry_units() {
        assert_eq!(axis_label("clients.rate", "20"), "clients.rate (req/s)");
        assert_eq!(
            axis_label("clients.timeout", "10ms"),
            "clients.timeout (ms)"
        );
        assert_eq!(
            axis_label("services[0].concurrency", "4"),
            "services[0].concurrency"
        );
    }

    #[test]
    fn draws_with_slo_and_knee() {
        let chart = render_capacity(&sweep(), Some(300.0)).unwrap();
        assert_eq!(chart.name, "capacity");
        assert!(chart.svg.contains("mm1: capacity curve over clients.rate"));
        assert!(chart.svg.contains("mm1 p99"));
        assert!(chart.svg.contains("SLO p99 300 ms"));
        assert!(chart.svg.contains("knee mm1: 60"));
        assert_eq!(&chart.png[..8], b"\x89PNG\r\n\x1a\n");
    }
}
