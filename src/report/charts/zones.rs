//! The zones chart: ready pods per zone (all services) over time — with the ingress replicas
//! when an HPA or autoscaling changes them — and beneath it the busy share of each zone's worker
//! slots, with the warm-up and fault windows shaded.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::full_palette;

use super::data::{ChartData, ZoneSeries};
use super::style::{self, AXIS, LABEL, LINE, font};
use super::{DrawResult, Plot};

/// The zones chart of one run.
pub struct ZonesChart<'a> {
    /// What to draw.
    pub data: &'a ChartData,
}

impl Plot for ZonesChart<'_> {
    const NAME: &'static str = "zones";

    fn title(&self) -> String {
        format!(
            "{}: ready pods and utilisation per zone",
            self.data.scenario
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let area = style::titled(root, &self.title())?;
        let half = area.dim_in_pixel().1 / 2;
        let (top, bottom) = area.split_vertically(half);
        let d = self.data;
        let replicas = d.ingress_replicas.iter().flatten();
        let ready_max =
            style::max_of(d.zones.iter().flat_map(|z| &z.ready).chain(replicas)).unwrap_or(0.0);
        let ready_hi = (ready_max * 1.25).max(1.0).ceil();
        self.panel(
            &top,
            Panel {
                y_desc: "ready pods",
                hi: ready_hi,
                scale: 1.0,
                values: |z| &z.ready,
                x_desc: false,
            },
        )?;
        self.panel(
            &bottom,
            Panel {
                y_desc: "utilisation (%)",
                hi: 110.0,
                scale: 100.0,
                values: |z| &z.utilisation,
                x_desc: true,
            },
        )
    }
}

/// One of the two panels.
struct Panel {
    /// The y-axis description.
    y_desc: &'static str,
    /// Top of the y axis.
    hi: f64,
    /// Factor applied to the values (100 for shares shown as %).
    scale: f64,
    /// Which values of a zone.
    values: fn(&ZoneSeries) -> &[Option<f64>],
    /// Whether this panel carries the x-axis description (the lower one).
    x_desc: bool,
}

impl ZonesChart<'_> {
    /// Draws one panel with a line per zone.
    fn panel<DB>(&self, area: &DrawingArea<DB, Shift>, p: Panel) -> DrawResult
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        let d = self.data;
        let mut chart = ChartBuilder::on(area)
            .margin_left(16)
            .margin_right(32)
            .margin_top(8)
            .margin_bottom(8)
            .x_label_area_size(if p.x_desc { 70 } else { 44 })
            .y_label_area_size(110)
            .build_cartesian_2d(0.0..d.end, 0.0..p.hi)?;
        let mut mesh = chart.configure_mesh();
        mesh.y_desc(p.y_desc)
            .axis_desc_style(font(AXIS))
            .label_style(font(LABEL))
            .x_label_formatter(&|v| style::tick(*v))
            .y_label_formatter(&|v| style::tick(*v))
            .y_labels(6)
            .light_line_style(full_palette::GREY_200);
        if p.x_desc {
            mesh.x_desc(d.axis.label());
        }
        mesh.draw()?;
        style::shade_windows(&mut chart, d, (0.0, p.hi), !p.x_desc)?;
        for (z, zone) in d.zones.iter().enumerate() {
            let values: Vec<Option<f64>> = (p.values)(zone)
                .iter()
                .map(|v| v.map(|v| v * p.scale))
                .collect();
            // Wider lines first, so zones with equal levels all stay visible.
            let width = LINE + 2 * (d.zones.len() - 1 - z) as u32;
            let colour = style::zone_colour(z).stroke_width(width);
            let label = format!("zone {}", zone.name);
            style::gapped_line(&mut chart, &d.at_end, &values, 0.0, colour, &label)?;
        }
        if !p.x_desc
            && let Some(replicas) = &d.ingress_replicas
        {
            // The upper panel also shows the ingress replicas when they can change.
            let colour = BLACK.stroke_width(LINE);
            style::gapped_line(
                &mut chart,
                &d.at_end,
                replicas,
                0.0,
                colour,
                "ingress replicas",
            )?;
        }
        style::legend(&mut chart, SeriesLabelPosition::LowerLeft)
    }
}
