//! The goodput chart: what the clients got over time — successful requests per second at the
//! bottom, failed requests per second stacked on them by cause, and the offered load as a
//! dashed line — with the warm-up and fault windows shaded and the run's markers (fault start
//! and end, detection, evictions, scaling). Where the stack falls below the offered line,
//! requests are still waiting (or were lost in flight).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::full_palette;

use super::data::{ChartData, MarkerKind};
use super::style::{self, AXIS, LABEL, LINE, Swatch, font};
use super::{DrawResult, Plot};

/// Width of the legend strip at the right, pixels.
const LEGEND_WIDTH: u32 = 400;

/// Colour of the successful requests.
const GOOD: RGBColor = full_palette::GREEN_600;

/// The goodput chart of one run (file stem `goodput`).
pub struct GoodputChart<'a> {
    /// What to draw.
    pub data: &'a ChartData,
}

impl Plot for GoodputChart<'_> {
    const NAME: &'static str = "goodput";

    fn title(&self) -> String {
        format!("{}: goodput and errors over time", self.data.scenario)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let d = self.data;
        let area = style::titled(root, &self.title())?;
        let (plot, side) = area.split_horizontally(area.dim_in_pixel().0 - LEGEND_WIDTH);
        let stacks = stacks(d);
        let top = stacks
            .last()
            .into_iter()
            .flatten()
            .chain(&d.offered)
            .copied()
            .fold(0.0, f64::max);
        let hi = if top > 0.0 { top * 1.2 } else { 1.0 };
        let mut chart = ChartBuilder::on(&plot)
            .margin_left(16)
            .margin_right(16)
            .margin_top(8)
            .margin_bottom(8)
            .x_label_area_size(70)
            .y_label_area_size(120)
            .build_cartesian_2d(0.0..d.end, 0.0..hi)?;
        chart
            .configure_mesh()
            .x_desc(d.axis.label())
            .y_desc("requests/s (per replication)")
            .axis_desc_style(font(AXIS))
            .label_style(font(LABEL))
            .x_label_formatter(&|v| style::tick(*v))
            .y_label_formatter(&|v| style::tick(*v))
            .light_line_style(full_palette::GREY_200)
            .draw()?;
        style::shade_windows(&mut chart, d, (0.0, hi), false)?;
        // Topmost stack first, so each lower one is painted over it.
        for (i, stack) in stacks.iter().enumerate().rev() {
            let colour = if i == 0 {
                GOOD
            } else {
                style::cause_colour(d.errors[i - 1].0)
            };
            let points = d.mid.iter().copied().zip(stack.iter().copied());
            chart.draw_series(
                AreaSeries::new(points, 0.0, colour.mix(0.75).filled())
                    .border_style(colour.stroke_width(2)),
            )?;
        }
        let offered = BLACK.stroke_width(LINE);
        let points = d.mid.iter().copied().zip(d.offered.iter().copied());
        chart.draw_series(DashedLineSeries::new(points, 12, 6, offered))?;
        style::draw_markers(&mut chart, d, (0.0, hi), true)?;
        style::side_legend(&side, &legend(d))
    }
}

/// The stacked rates: entry 0 is the goodput, entry `i` adds the failures of the first `i`
/// causes that occurred.
pub fn stacks(d: &ChartData) -> Vec<Vec<f64>> {
    let mut sums = d.good.clone();
    let mut out = vec![sums.clone()];
    for (_, rates) in &d.errors {
        for (s, r) in sums.iter_mut().zip(rates) {
            *s += r;
        }
        out.push(sums.clone());
    }
    out
}

/// The legend entries: the series, then the shaded spans and the kinds of marker present.
fn legend(d: &ChartData) -> Vec<(String, Swatch)> {
    let mut out = vec![
        ("offered".to_string(), Swatch::Dashed(BLACK)),
        (
            "succeeded (goodput)".to_string(),
            Swatch::Fill(GOOD.mix(0.75)),
        ),
    ];
    for (cause, _) in &d.errors {
        let fill = style::cause_colour(*cause).mix(0.75);
        out.push((format!("failed: {}", cause.name()), Swatch::Fill(fill)));
    }
    if d.warmup > 0.0 {
        out.push((
            "warm-up (not counted)".into(),
            Swatch::Fill(style::warmup_fill()),
        ));
    }
    for f in &d.faults {
        out.push((
            format!("fault: {}", f.label),
            Swatch::Fill(style::fault_fill()),
        ));
    }
    out.extend(marker_legend(d));
    out
}

/// One legend entry per kind of marker the chart shows.
pub(super) fn marker_legend(d: &ChartData) -> Vec<(String, Swatch)> {
    let kinds = [
        (MarkerKind::FaultStart, "fault starts / ends"),
        (MarkerKind::Detection, "detected (last dead send, mean)"),
        (MarkerKind::Eviction, "pods evicted"),
        (MarkerKind::HpaScale, "HPA scaled (run 1)"),
        (MarkerKind::GatewayScale, "ingress scaled (run 1)"),
    ];
    kinds
        .iter()
        .filter(|(k, _)| {
            d.markers.iter().any(|m| {
                m.kind == *k || (*k == MarkerKind::FaultStart && m.kind == MarkerKind::FaultEnd)
            })
        })
        .map(|(k, text)| (text.to_string(), Swatch::Line(style::marker_colour(*k), 2)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ErrorCause;
    use crate::runner::{Summary, fake};

    #[test]
    fn failures_stack_on_the_goodput() {
        let (scenario, runs) = fake::runs(2);
        let mut d = ChartData::new(&scenario, &Summary::from_runs(&scenario, &runs));
        d.good = vec![10.0, 8.0];
        d.errors = vec![
            (ErrorCause::Timeout, vec![1.0, 2.0]),
            (ErrorCause::DeadBackend, vec![0.0, 3.0]),
        ];
        assert_eq!(
            stacks(&d),
            vec![vec![10.0, 8.0], vec![11.0, 10.0], vec![11.0, 13.0]]
        );
    }
}
