//! The latency chart: p50 and p99 end-to-end latency per window on a log scale, the SLO's p99
//! target, the warm-up and fault windows shaded; beneath it, failed requests per second
//! stacked by cause.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::full_palette;

use super::data::ChartData;
use super::style::{self, AXIS, LABEL, LINE, font};
use super::{DrawResult, Plot};

/// Share of the height (below the title) given to the latency panel.
const TOP_SHARE: f64 = 0.62;

/// The latency chart of one run.
pub struct LatencyChart<'a> {
    /// What to draw.
    pub data: &'a ChartData,
}

impl Plot for LatencyChart<'_> {
    const NAME: &'static str = "latency";

    fn title(&self) -> String {
        format!("{}: end-to-end latency and errors", self.data.scenario)
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

impl LatencyChart<'_> {
    /// The p50/p99 panel.
    fn latency_panel<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let d = self.data;
        let (lo, hi) = log_range(d);
        let mut chart = ChartBuilder::on(area)
            .margin_left(16)
            .margin_right(32)
            .margin_top(8)
            .x_label_area_size(44)
            .y_label_area_size(110)
            .build_cartesian_2d(0.0..d.end, (lo..hi).log_scale())?;
        chart
            .configure_mesh()
            .y_desc("latency (ms, log scale)")
            .axis_desc_style(font(AXIS))
            .label_style(font(LABEL))
            .x_label_formatter(&|v| style::tick(*v))
            .y_label_formatter(&|v| style::tick(*v))
            .light_line_style(full_palette::GREY_200)
            .draw()?;
        style::shade_windows(&mut chart, d, (lo, hi), true)?;
        style::draw_markers(&mut chart, d, (lo, hi), true)?;
        let p50 = full_palette::BLUE_700.stroke_width(LINE);
        let p99 = full_palette::RED_800.stroke_width(LINE);
        style::gapped_line(&mut chart, &d.mid, &d.p50_ms, lo, p50, "p50")?;
        style::gapped_line(&mut chart, &d.mid, &d.p99_ms, lo, p99, "p99")?;
        if let Some(slo) = d.slo_p99_ms {
            let style = BLACK.stroke_width(2);
            let line = DashedLineSeries::new([(0.0, slo), (d.end, slo)], 14, 8, style);
            chart
                .draw_series(line)?
                .label(format!("SLO p99 {} ms", style::tick(slo)))
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], style));
        }
        style::legend(&mut chart, SeriesLabelPosition::UpperLeft)
    }

    /// The errors-per-second panel, stacked by cause.
    fn error_panel<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let d = self.data;
        let stacks = stacked(d);
        let top = stacks
            .last()
            .map_or(0.0, |s| s.iter().copied().fold(0.0, f64::max));
        let hi = if top > 0.0 { top * 1.15 } else { 1.0 };
        let mut chart = ChartBuilder::on(area)
            .margin_left(16)
            .margin_right(32)
            .margin_bottom(8)
            .x_label_area_size(70)
            .y_label_area_size(110)
            .build_cartesian_2d(0.0..d.end, 0.0..hi)?;
        chart
            .configure_mesh()
            .x_desc(d.axis.label())
            .y_desc("failed requests/s")
            .axis_desc_style(font(AXIS))
            .label_style(font(LABEL))
            .x_label_formatter(&|v| style::tick(*v))
            .y_label_formatter(&|v| style::tick(*v))
            .y_labels(5)
            .light_line_style(full_palette::GREY_200)
            .draw()?;
        style::shade_windows(&mut chart, d, (0.0, hi), false)?;
        style::draw_markers(&mut chart, d, (0.0, hi), false)?;
        if stacks.is_empty() {
            let text = Text::new("no failed requests", (d.end * 0.45, hi * 0.5), font(AXIS));
            chart.draw_series(std::iter::once(text))?;
            return Ok(());
        }
        // Topmost stack first, so each lower one is painted over it.
        for (i, (cause, _)) in d.errors.iter().enumerate().rev() {
            let colour = style::cause_colour(*cause);
            let points = d.mid.iter().copied().zip(stacks[i].iter().copied());
            chart
                .draw_series(
                    AreaSeries::new(points, 0.0, colour.mix(0.8).filled())
                        .border_style(colour.stroke_width(2)),
                )?
                .label(format!("errors: {}", cause.name()))
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 9), (x + 24, y + 9)], colour.filled())
                });
        }
        style::legend(&mut chart, SeriesLabelPosition::UpperLeft)
    }
}

/// The error rates stacked: entry `i` is the sum of causes `0..=i` per window.
fn stacked(d: &ChartData) -> Vec<Vec<f64>> {
    let mut sums = vec![0.0; d.mid.len()];
    d.errors
        .iter()
        .map(|(_, rates)| {
            for (s, r) in sums.iter_mut().zip(rates) {
                *s += r;
            }
            sums.clone()
        })
        .collect()
}

/// The log-scale range of the latency panel in ms: whole decades around every p50, p99 and
/// the SLO target.
fn log_range(d: &ChartData) -> (f64, f64) {
    let values = d.p50_ms.iter().chain(&d.p99_ms).flatten().copied();
    let values = values
        .chain(d.slo_p99_ms)
        .filter(|v| v.is_finite() && *v > 0.0);
    let (min, max) = values.fold((f64::INFINITY, 0.0_f64), |(lo, hi), v| {
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
    use crate::model::ErrorCause;
    use crate::runner::{Summary, fake};

    fn data() -> ChartData {
        let (scenario, runs) = fake::runs(2);
        ChartData::new(&scenario, &Summary::from_runs(&scenario, &runs))
    }

    #[test]
    fn range_covers_latencies_and_slo_in_decades() {
        let mut d = data();
        assert_eq!(log_range(&d), (10.0, 1_000.0)); // p50 ≈ 20 ms, SLO 300 ms
        d.slo_p99_ms = None;
        d.p50_ms = vec![Some(0.4)];
        d.p99_ms = vec![Some(9_000.0)];
        assert_eq!(log_range(&d), (0.1, 100_000.0));
        d.p50_ms = vec![None];
        d.p99_ms = vec![None];
        assert_eq!(log_range(&d), (1.0, 1_000.0));
    }

    #[test]
    fn causes_stack_in_order() {
        let mut d = data();
        d.mid = vec![0.0, 1.0];
        d.errors = vec![
            (ErrorCause::Timeout, vec![1.0, 2.0]),
            (ErrorCause::Rejected, vec![0.5, 0.0]),
        ];
        assert_eq!(stacked(&d), vec![vec![1.0, 2.0], vec![1.5, 2.0]]);
    }
}
