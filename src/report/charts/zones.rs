//! The pods chart (file stem `zones`): ready pods per service over time — with the ingress
//! replicas when an HPA or autoscaling changes them — and beneath it the busy share of each
//! zone's worker slots, with the warm-up and fault windows shaded and the run's markers.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::full_palette;

use super::data::ChartData;
use super::style::{self, AXIS, LABEL, LINE, font};
use super::{DrawResult, Plot};

/// The pods and zones chart of one run.
pub struct ZonesChart<'a> {
    /// What to draw.
    pub data: &'a ChartData,
}

impl Plot for ZonesChart<'_> {
    const NAME: &'static str = "zones";

    fn title(&self) -> String {
        format!(
            "{}: ready pods per service, utilisation per zone",
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
        self.pods_panel(&top)?;
        self.utilisation_panel(&bottom)
    }
}

impl ZonesChart<'_> {
    /// A panel over the run's time with `hi` at the top of its y axis.
    fn frame<'a, DB>(
        &self,
        area: &'a DrawingArea<DB, Shift>,
        y_desc: &str,
        hi: f64,
        x_desc: bool,
    ) -> Result<
        ChartContext<
            'a,
            DB,
            Cartesian2d<
                plotters::coord::types::RangedCoordf64,
                plotters::coord::types::RangedCoordf64,
            >,
        >,
        Box<dyn std::error::Error + Send + Sync>,
    >
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
            .x_label_area_size(if x_desc { 70 } else { 44 })
            .y_label_area_size(110)
            .build_cartesian_2d(0.0..d.end, 0.0..hi)?;
        let mut mesh = chart.configure_mesh();
        mesh.y_desc(y_desc)
            .axis_desc_style(font(AXIS))
            .label_style(font(LABEL))
            .x_label_formatter(&|v| style::tick(*v))
            .y_label_formatter(&|v| style::tick(*v))
            .y_labels(6)
            .light_line_style(full_palette::GREY_200);
        if x_desc {
            mesh.x_desc(d.axis.label());
        }
        mesh.draw()?;
        Ok(chart)
    }

    /// Ready pods, one line per service, and the ingress replicas when they can change.
    fn pods_panel<DB>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        let d = self.data;
        let replicas = d.ingress_replicas.iter().flatten();
        let max = style::max_of(d.services.iter().flat_map(|s| &s.ready).chain(replicas));
        let hi = (max.unwrap_or(0.0) * 1.25).max(1.0).ceil();
        let mut chart = self.frame(area, "ready pods", hi, false)?;
        style::shade_windows(&mut chart, d, (0.0, hi), true)?;
        style::draw_markers(&mut chart, d, (0.0, hi), true)?;
        let n = d.services.len();
        for (i, svc) in d.services.iter().enumerate() {
            // Wider lines first, so services with equal counts all stay visible.
            let width = LINE + 2 * (n - 1 - i).min(3) as u32;
            let colour = style::series_colour(2 * i).stroke_width(width);
            style::gapped_line(&mut chart, &d.at_end, &svc.ready, 0.0, colour, &svc.name)?;
        }
        if let Some(replicas) = &d.ingress_replicas {
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
        style::legend(&mut chart, SeriesLabelPosition::UpperLeft)
    }

    /// Busy share of each zone's worker slots, percent.
    fn utilisation_panel<DB>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        let d = self.data;
        let hi = 110.0;
        let mut chart = self.frame(area, "utilisation (%)", hi, true)?;
        style::shade_windows(&mut chart, d, (0.0, hi), false)?;
        style::draw_markers(&mut chart, d, (0.0, hi), false)?;
        for (z, zone) in d.zones.iter().enumerate() {
            let values: Vec<Option<f64>> = zone
                .utilisation
                .iter()
                .map(|v| v.map(|v| v * 100.0))
                .collect();
            // Wider lines first, so zones with equal levels all stay visible.
            let width = LINE + 2 * (d.zones.len() - 1 - z) as u32;
            let colour = style::zone_colour(z).stroke_width(width);
            let label = format!("zone {}", zone.name);
            style::gapped_line(&mut chart, &d.at_end, &values, 0.0, colour, &label)?;
        }
        style::legend(&mut chart, SeriesLabelPosition::LowerLeft)
    }
}
