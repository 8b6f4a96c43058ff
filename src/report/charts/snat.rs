//! The SNAT chart: NAT Gateway or Azure Firewall ports in use (peak per window) against the
//! limit (public IPs × ports per IP; for the firewall public IPs × instances × 2,496, which
//! moves when it scales: then drawn per window), with the warm-up and fault windows shaded.
//!
//! The y axis is linear when the peak reaches 5% of the limit; below that a linear axis would
//! show a flat line at the bottom, so it turns logarithmic (from 1 port to above the limit),
//! and says so; a window with no port in use is then left out (a gap), not drawn as 1.

use plotters::coord::Shift;
use plotters::coord::ranged1d::ValueFormatter;
use plotters::prelude::*;
use plotters::style::full_palette;

use super::data::ChartData;
use super::style::{self, AXIS, LABEL, LINE, font};
use super::{DrawResult, Plot};

/// Peak share of the limit below which the y axis turns logarithmic.
const LOG_BELOW: f64 = 0.05;

/// The SNAT chart of one run (drawn only with a NAT Gateway or an Azure Firewall).
pub struct SnatChart<'a> {
    /// What to draw.
    pub data: &'a ChartData,
}

impl Plot for SnatChart<'_> {
    const NAME: &'static str = "snat";

    fn title(&self) -> String {
        let device = self.data.snat.as_ref().map_or("NAT Gateway", |s| s.device);
        format!("{}: SNAT ports in use ({device})", self.data.scenario)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let d = self.data;
        let Some(snat) = &d.snat else {
            return Ok(());
        };
        let area = style::titled(root, &self.title())?;
        let peak = style::max_of(&snat.in_use).unwrap_or(0.0);
        let limit = snat
            .limit
            .max(style::max_of(&snat.limits).unwrap_or(0.0))
            .max(1.0);
        let builder = |area| {
            let mut b = ChartBuilder::on(area);
            b.margin_left(16)
                .margin_right(32)
                .margin_top(8)
                .margin_bottom(8)
                .x_label_area_size(70)
                .y_label_area_size(130);
            b
        };
        if peak >= limit * LOG_BELOW {
            let hi = limit.max(peak) * 1.15;
            let mut chart = builder(&area).build_cartesian_2d(0.0..d.end, 0.0..hi)?;
            self.mesh(&mut chart, "SNAT ports")?;
            self.series(&mut chart, (0.0, hi), 0.0)
        } else {
            let hi = 10f64.powf((limit * 1.2).log10().ceil());
            let mut chart = builder(&area).build_cartesian_2d(0.0..d.end, (1.0..hi).log_scale())?;
            self.mesh(&mut chart, "SNAT ports (log scale, 0 not drawn)")?;
            self.series(&mut chart, (1.0, hi), 1.0)
        }
    }
}

impl SnatChart<'_> {
    /// Axes, labels and grid.
    fn mesh<DB, X, Y>(
        &self,
        chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
        y_desc: &str,
    ) -> DrawResult
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
        X: Ranged<ValueType = f64> + ValueFormatter<f64>,
        Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
    {
        chart
            .configure_mesh()
            .x_desc(self.data.axis.label())
            .y_desc(y_desc)
            .axis_desc_style(font(AXIS))
            .label_style(font(LABEL))
            .x_label_formatter(&|v| style::tick(*v))
            .y_label_formatter(&|v| thousands(*v))
            .light_line_style(full_palette::GREY_200)
            .draw()?;
        Ok(())
    }

    /// Shading, the ports in use and the limit.
    fn series<'a, DB, X, Y>(
        &self,
        chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
        range: (f64, f64),
        floor: f64,
    ) -> DrawResult
    where
        DB: DrawingBackend + 'a,
        DB::ErrorType: 'static,
        X: Ranged<ValueType = f64>,
        Y: Ranged<ValueType = f64>,
    {
        let d = self.data;
        let Some(snat) = &d.snat else {
            return Ok(());
        };
        style::shade_windows(chart, d, range, true)?;
        style::draw_markers(chart, d, range, true)?;
        let used = full_palette::BLUE_700.stroke_width(LINE);
        let label = "ports in use (peak per window)";
        style::gapped_line(chart, &d.mid, &snat.in_use, floor, used, label)?;
        let limit_style = full_palette::RED_800.stroke_width(LINE);
        let ips = if snat.public_ips == 1 { "IP" } else { "IPs" };
        if moves(&snat.limits) {
            // The limit steps with the firewall's instances: draw its level over each window.
            let starts = std::iter::once(0.0).chain(d.at_end.iter().copied());
            let steps = starts.zip(&d.at_end).zip(&snat.limits);
            let points: Vec<(f64, f64)> = steps
                .filter_map(|((a, b), l)| l.map(|l| [(a, l), (*b, l)]))
                .flatten()
                .collect();
            chart
                .draw_series(LineSeries::new(points, limit_style))?
                .label(format!(
                    "limit: {} public {ips} × instances × 2,496 (moves with scale-out)",
                    snat.public_ips
                ))
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], limit_style));
            return style::legend(chart, SeriesLabelPosition::LowerRight);
        }
        chart
            .draw_series(DashedLineSeries::new(
                [(0.0, snat.limit), (d.end, snat.limit)],
                16,
                8,
                limit_style,
            ))?
            .label(format!(
                "limit: {} ports ({} public {ips})",
                thousands(snat.limit),
                snat.public_ips
            ))
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], limit_style));
        style::legend(chart, SeriesLabelPosition::LowerRight)
    }
}

/// Whether the per-window limit changes over the run.
fn moves(limits: &[Option<f64>]) -> bool {
    let mut known = limits.iter().flatten();
    let Some(first) = known.next() else {
        return false;
    };
    known.any(|l| (l - first).abs() > 0.5)
}

/// A whole number with thousands separators: `64,512`.
fn thousands(v: f64) -> String {
    if !(v.is_finite() && v.abs() >= 1.0) {
        return style::tick(v);
    }
    let out = crate::scenario::limits::grouped(v.abs().round() as usize);
    if v < 0.0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_limit_moves_only_when_its_levels_differ() {
        assert!(!moves(&[None, Some(4_992.0), Some(4_992.0)]));
        assert!(moves(&[Some(4_992.0), None, Some(7_488.0)]));
        assert!(!moves(&[]));
    }

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(64_512.0), "64,512");
        assert_eq!(thousands(1_000_000.0), "1,000,000");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(0.5), "0.5");
        assert_eq!(thousands(-1_234.0), "-1,234");
    }
}
