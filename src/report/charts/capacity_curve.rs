//! The capacity curve of a sweep (or of a capacity search's probes): the swept value against
//! p50 and p99 latency (log scale, with the 95% intervals as whiskers), two colours per variant
//! (no two series share one), the SLO's p99 target dashed, the saturation knee and the capacity
//! found marked; beneath it, the error rate in percent. The legend has its own strip at the
//! right, so it never covers data.

use plotters::coord::{CoordTranslate, Shift};
use plotters::prelude::*;
use plotters::style::full_palette;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::style::{self, AXIS, LABEL, LINE, Swatch, font};
use super::{Chart, ChartError, DrawResult, Plot, render};
use crate::stats::Estimate;
use crate::study::sweep::{SweepResult, SweepSeries};

/// Share of the height (below the title) given to the latency panel.
const TOP_SHARE: f64 = 0.64;

/// Width of the legend strip at the right, pixels.
const LEGEND_WIDTH: u32 = 380;

/// The elasticity of p99 with respect to load at which the knee is marked: past the knee, a
/// 1% increase in load raises p99 by more than 2%.
pub const KNEE_ELASTICITY: f64 = 2.0;

/// Two points closer than this ratio of load are too close to measure an elasticity between
/// (their p99s differ mostly by noise): a segment runs from a point to the next one at least
/// this much higher.
const KNEE_MIN_STEP: f64 = 1.1;

/// The capacity-curve chart of one sweep (file stem `capacity`).
///
/// - x: the swept value, labelled with the field and its unit (`clients.rate (req/s)`);
/// - upper panel: p50 (light) and p99 (dark, thick) latency in ms on a log scale, a pair of
///   colours per variant from [`super::series_colour`], each p99 with its 95% interval over
///   replications as a whisker (clipped to the axis; with few replications the intervals are
///   wide); a point whose latency is 0 or unknown is left out (a log axis cannot show 0), and
///   the chart says how many were; the SLO's p99 target as a dashed black line when the
///   scenario has an `[slo]`;
/// - the *saturation knee* of each variant (see [`knee`]), a dotted vertical line with its
///   value; a variant whose p99 never bends that much within the measured loads has none;
/// - the *capacity found* of each variant, when given ([`render_capacity_found`]): a solid
///   vertical line with its value;
/// - lower panel: the error rate (failed share of offered requests) in percent.
pub struct CapacityChart<'a> {
    /// The sweep.
    pub sweep: &'a SweepResult,
    /// The SLO's p99 target in ms, if the scenario has an `[slo]`.
    pub slo_p99_ms: Option<f64>,
    /// The capacity found per series (a capacity search's answer), in the series' order;
    /// empty for a sweep.
    pub answers: &'a [Option<f64>],
}

/// Draws the capacity curve of `sweep` (see [`CapacityChart`]).
pub fn render_capacity(sweep: &SweepResult, slo_p99_ms: Option<f64>) -> Result<Chart, ChartError> {
    render_capacity_found(sweep, slo_p99_ms, &[])
}

/// Draws the capacity curve of a capacity search's probes with the capacity it found per
/// series marked.
pub fn render_capacity_found(
    sweep: &SweepResult,
    slo_p99_ms: Option<f64>,
    answers: &[Option<f64>],
) -> Result<Chart, ChartError> {
    render(&CapacityChart {
        sweep,
        slo_p99_ms,
        answers,
    })
}

/// The saturation knee of a curve, in the swept unit (see [`knee_of`]), from its points' mean
/// p99.
pub fn knee(series: &SweepSeries) -> Option<f64> {
    let points: Vec<(f64, f64)> = series
        .points
        .iter()
        .filter_map(|p| Some((p.x, value(&p.p99_s)?)))
        .collect();
    knee_of(&points)
}

/// The saturation knee of a latency curve given as (load, p99) points in any order: the load
/// at which p99's *elasticity* — its relative growth per relative growth of load,
/// `Δ ln p99 / Δ ln load` — reaches [`KNEE_ELASTICITY`].
///
/// The elasticity is measured between consecutive points at least [`KNEE_MIN_STEP`] apart
/// in load, placed at their geometric middle, and the knee is interpolated (in log load)
/// between the last segment below the threshold and the first at or above it. It is a
/// property of the curve where it bends, not of its first point, so two sweeps or searches
/// that start at different loads find the same knee as long as they measured the bend (for
/// an M/M/1 queue, `p99 ∝ 1 / (μ − λ)`, it is at λ = 2μ/3). `None` when fewer than two
/// segments exist, when no segment reaches the threshold, or when the first one already
/// does (the bend lies at or below the lowest load measured: the knee is not claimed).
/// Points with a load or p99 at or below 0 are left out.
pub fn knee_of(points: &[(f64, f64)]) -> Option<f64> {
    let mut pts: Vec<(f64, f64)> = points
        .iter()
        .copied()
        .filter(|(x, y)| x.is_finite() && y.is_finite() && *x > 0.0 && *y > 0.0)
        .collect();
    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut segments: Vec<(f64, f64)> = Vec::new();
    let mut i = 0;
    while let Some(j) = (i + 1..pts.len()).find(|&j| pts[j].0 >= pts[i].0 * KNEE_MIN_STEP) {
        let ((x0, y0), (x1, y1)) = (pts[i], pts[j]);
        let elasticity = (y1 / y0).ln() / (x1 / x0).ln();
        segments.push(((x0 * x1).sqrt().ln(), elasticity));
        i = j;
    }
    let k = segments.iter().position(|s| s.1 >= KNEE_ELASTICITY)?;
    if k == 0 {
        return None;
    }
    let ((m0, e0), (m1, e1)) = (segments[k - 1], segments[k]);
    let share = (KNEE_ELASTICITY - e0) / (e1 - e0);
    Some((m0 + share * (m1 - m0)).exp())
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
        let area = style::titled(root, &self.title())?;
        let (plot, side) = area.split_horizontally(area.dim_in_pixel().0 - LEGEND_WIDTH);
        let split = (f64::from(plot.dim_in_pixel().1) * TOP_SHARE) as u32;
        let (top, bottom) = plot.split_vertically(split);
        let dropped = self.latency_panel(&top)?;
        self.error_panel(&bottom)?;
        style::side_legend(&side, &self.legend(dropped))
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

    /// The dark colour of series `i` (its p99, its error rate, its marks).
    fn dark(i: usize) -> RGBColor {
        style::series_colour(2 * i)
    }

    /// The light colour of series `i` (its p50).
    fn light(i: usize) -> RGBColor {
        style::series_colour(2 * i + 1)
    }

    /// The legend entries; `dropped` latency points were left off the log axis.
    fn legend(&self, dropped: usize) -> Vec<(String, Swatch)> {
        let mut out = Vec::new();
        for (i, s) in self.sweep.series.iter().enumerate() {
            out.push((format!("{} p50", s.label), Swatch::Line(Self::light(i), 3)));
            out.push((
                format!("{} p99", s.label),
                Swatch::Line(Self::dark(i), LINE + 1),
            ));
        }
        if let Some(slo) = self.slo_p99_ms {
            out.push((
                format!("SLO p99 {} ms", style::tick(slo)),
                Swatch::Dashed(BLACK),
            ));
        }
        if self.sweep.series.iter().any(|s| knee(s).is_some()) {
            out.push((
                "knee (p99 elasticity 2)".into(),
                Swatch::Dashed(full_palette::GREY_700),
            ));
        }
        if self.answers.iter().any(Option::is_some) {
            out.push(("capacity found".into(), Swatch::Line(BLACK, 3)));
        }
        if dropped > 0 {
            out.push((
                format!("{dropped} point(s) at 0 ms not drawn (log axis)"),
                Swatch::Fill(WHITE.mix(0.0)),
            ));
        }
        out
    }

    /// The p50/p99 panel; returns how many latency points were left out (0 or unknown on a
    /// log axis).
    fn latency_panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<usize, Box<dyn std::error::Error + Send + Sync>>
    where
        DB::ErrorType: 'static,
    {
        let (x0, x1) = self.x_range();
        let (lo, hi) = log_range(self.sweep, self.slo_p99_ms);
        let mut chart = ChartBuilder::on(area)
            .margin_left(16)
            .margin_right(16)
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
        let mut dropped = 0;
        let mut labels = MarkLabels::default();
        for (i, s) in self.sweep.series.iter().enumerate() {
            let (dark, light) = (Self::dark(i), Self::light(i));
            let xs: Vec<f64> = s.points.iter().map(|p| p.x).collect();
            let ms = |f: fn(&crate::study::sweep::SweepRow) -> &Estimate| -> Vec<Option<f64>> {
                s.points
                    .iter()
                    .map(|p| value(f(p)).map(|v| v * 1e3))
                    .collect()
            };
            let (p50, d50) = style::log_safe(&ms(|p| &p.p50_s));
            let (p99, d99) = style::log_safe(&ms(|p| &p.p99_s));
            dropped += d50 + d99;
            let thin = light.stroke_width(3);
            let thick = dark.stroke_width(LINE + 1);
            style::gapped_line(&mut chart, &xs, &p50, lo, thin, "")?;
            style::gapped_line(&mut chart, &xs, &p99, lo, thick, "")?;
            for (p, (m50, m99)) in s.points.iter().zip(p50.iter().zip(&p99)) {
                if let Some(m) = m50 {
                    let dot = Circle::new((p.x, m.max(lo)), 4, light.filled());
                    chart.draw_series(std::iter::once(dot))?;
                }
                if let Some(m) = m99 {
                    whisker(&mut chart, p.x, &p.p99_s, dark)?;
                    let dot = Circle::new((p.x, m.max(lo)), 6, dark.filled());
                    chart.draw_series(std::iter::once(dot))?;
                }
            }
            if let Some(k) = knee(s) {
                let style = dark.stroke_width(2);
                chart.draw_series(DashedLineSeries::new([(k, lo), (k, hi)], 6, 6, style))?;
                let text = format!("knee {}: {}", s.label, style::tick(k));
                labels.draw(&mut chart, (k, hi), (x0, x1), text, dark)?;
            }
            if let Some(Some(a)) = self.answers.get(i) {
                let style = dark.stroke_width(3);
                let line = PathElement::new([(*a, lo), (*a, hi)], style);
                chart.draw_series(std::iter::once(line))?;
                let text = format!("capacity {}: {}", s.label, style::tick(*a));
                labels.draw(&mut chart, (*a, hi), (x0, x1), text, dark)?;
            }
        }
        if let Some(slo) = self.slo_p99_ms {
            let style = BLACK.stroke_width(2);
            let line = DashedLineSeries::new([(x0, slo), (x1, slo)], 14, 8, style);
            chart.draw_series(line)?;
        }
        Ok(dropped)
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
            .margin_right(16)
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
            let colour = Self::dark(i);
            let xs: Vec<f64> = s.points.iter().map(|p| p.x).collect();
            let line = colour.stroke_width(LINE);
            style::gapped_line(&mut chart, &xs, r, 0.0, line, "")?;
            let dots = xs
                .iter()
                .zip(r)
                .filter_map(|(&x, v)| Some(Circle::new((x, (*v)?), 5, colour.filled())));
            chart.draw_series(dots)?;
            if let Some(Some(a)) = self.answers.get(i) {
                let line = PathElement::new([(*a, 0.0), (*a, hi)], colour.stroke_width(3));
                chart.draw_series(std::iter::once(line))?;
            }
        }
        if top <= 0.0 {
            let text = Text::new(
                "no failed requests",
                (x0 + (x1 - x0) * 0.42, hi * 0.5),
                font(AXIS),
            );
            chart.draw_series(std::iter::once(text))?;
        }
        Ok(())
    }
}

/// Labels of vertical marks at the top of the latency panel, each a row lower than the one
/// before so that close marks stay readable.
#[derive(Default)]
struct MarkLabels {
    /// Labels drawn so far.
    count: i32,
}

impl MarkLabels {
    /// Draws `text` beside the mark at `(x, top)`: right of it in the left half of the x range
    /// `(x0, x1)`, left of it in the right half.
    fn draw<DB, CT>(
        &mut self,
        chart: &mut ChartContext<'_, DB, CT>,
        (x, top): (f64, f64),
        (x0, x1): (f64, f64),
        text: String,
        colour: RGBColor,
    ) -> DrawResult
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
        CT: CoordTranslate<From = (f64, f64)>,
    {
        let (dx, h) = if x > (x0 + x1) / 2.0 {
            (-8, HPos::Right)
        } else {
            (8, HPos::Left)
        };
        let y = 6 + (self.count % 6) * (LABEL as i32 + 2);
        self.count += 1;
        let text = Text::new(
            text,
            (dx, y),
            font(LABEL - 2).color(&colour).pos(Pos::new(h, VPos::Top)),
        );
        chart.draw_series(std::iter::once(EmptyElement::at((x, top)) + text))?;
        Ok(())
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

    /// p99 of an M/M/1 queue with μ = 100/s at `rate`: ln(100) / (μ − λ) seconds.
    fn mm1_p99(rate: f64) -> f64 {
        100f64.ln() / (100.0 - rate)
    }

    /// The loads a capacity search probes from `start` on an M/M/1 queue against a 200 ms
    /// p99 target: doubling until a probe fails, then bisecting to 0.5 req/s (as
    /// `trafsim capacity` does).
    fn search(start: f64) -> Vec<(f64, f64)> {
        let meets = |r: f64| r < 100.0 && mm1_p99(r) <= 0.2;
        let mut probed = vec![start];
        let (mut lo, mut hi) = (start, start);
        while meets(hi) {
            lo = hi;
            hi *= 2.0;
            probed.push(hi);
        }
        while hi - lo > 0.5 {
            let mid = (lo + hi) / 2.0;
            probed.push(mid);
            if meets(mid) { lo = mid } else { hi = mid }
        }
        probed
            .into_iter()
            .filter(|&r| r < 100.0)
            .map(|r| (r, mm1_p99(r)))
            .collect()
    }

    /// Two searches of the same curve that start at 10 and at 20 req/s find the same knee,
    /// near the M/M/1's 2μ/3 ≈ 67 req/s. The old definition (the first point whose p99 passes
    /// twice the p99 at the *first* point) gave 60 from 10 (2 × 51 ms = 102 ms < 115 ms at 60)
    /// but 70 from 20 (2 × 58 ms = 115 ms is not passed at 60).
    #[test]
    fn the_knee_does_not_depend_on_where_the_search_started() {
        let from_10 = knee_of(&search(10.0)).unwrap();
        let from_20 = knee_of(&search(20.0)).unwrap();
        assert!((from_10 - from_20).abs() < 1e-9, "{from_10} vs {from_20}");
        assert!((from_10 - 200.0 / 3.0).abs() < 2.0, "{from_10}");
        // On even grids with other starts and steps it stays within a request per second.
        for (start, step) in [(5.0, 5.0), (35.0, 10.0), (12.0, 3.0)] {
            let pts: Vec<(f64, f64)> = (0..40)
                .map(|i| start + step * f64::from(i))
                .filter(|&r| r < 100.0)
                .map(|r| (r, mm1_p99(r)))
                .collect();
            let k = knee_of(&pts).unwrap();
            assert!(
                (k - from_10).abs() < 1.0,
                "{start}/{step}: {k} vs {from_10}"
            );
        }
    }

    #[test]
    fn no_knee_is_claimed_outside_the_measured_bend() {
        // Flat: never bends.
        assert_eq!(knee_of(&[(10.0, 0.05), (20.0, 0.05), (40.0, 0.051)]), None);
        // Already past the bend at the lowest load measured.
        assert_eq!(
            knee_of(&[
                (80.0, mm1_p99(80.0)),
                (90.0, mm1_p99(90.0)),
                (95.0, mm1_p99(95.0))
            ]),
            None
        );
        // Zero latencies are left out rather than read as a jump.
        assert_eq!(knee_of(&[(10.0, 0.0), (20.0, 0.05), (40.0, 0.05)]), None);
        let s = sweep();
        let k = knee(&s.series[0]).unwrap();
        assert!(k > 40.0 && k < 80.0, "{k}");
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
        assert!(chart.svg.contains("knee mm1: "));
        assert!(!chart.svg.contains("capacity mm1"));
        let found = render_capacity_found(&sweep(), Some(300.0), &[Some(70.0)]).unwrap();
        assert!(found.svg.contains("capacity mm1: 70"));
        assert!(found.svg.contains("capacity found"));
        assert_eq!(&chart.png[..8], b"\x89PNG\r\n\x1a\n");
    }
}
