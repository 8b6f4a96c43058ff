//! What every chart shares: font sizes, colours, the shaded warm-up and fault windows, and
//! lines with gaps where a window has no value.

use plotters::coord::{CoordTranslate, Shift};
use plotters::prelude::*;
use plotters::style::full_palette;

use super::DrawResult;
use super::data::ChartData;
use crate::model::ErrorCause;

/// Font family registered by [`super::register_font`].
pub const FAMILY: &str = "sans-serif";
/// Title size, pixels.
pub const TITLE: u32 = 40;
/// Axis description size, pixels.
pub const AXIS: u32 = 26;
/// Tick label and legend size, pixels.
pub const LABEL: u32 = 22;
/// Line width of data series, pixels.
pub const LINE: u32 = 3;

/// Colour of zone `z` (cycles after four zones).
pub fn zone_colour(z: usize) -> RGBColor {
    const ZONES: [RGBColor; 4] = [
        full_palette::BLUE_700,
        full_palette::GREEN_700,
        full_palette::ORANGE_800,
        full_palette::PURPLE_500,
    ];
    ZONES[z % ZONES.len()]
}

/// Colour of an error cause in the stacked error panel.
pub fn cause_colour(cause: ErrorCause) -> RGBColor {
    match cause {
        ErrorCause::Timeout => full_palette::ORANGE_600,
        ErrorCause::Rejected => full_palette::PURPLE_400,
        ErrorCause::DeadBackend => full_palette::RED_700,
        ErrorCause::SnatExhausted => full_palette::BROWN_500,
        ErrorCause::Upstream => full_palette::PINK_300,
        ErrorCause::NoBackend => full_palette::GREY_600,
        ErrorCause::PolicyDenied => full_palette::TEAL_600,
    }
}

/// Fill of a fault window.
fn fault_fill() -> RGBAColor {
    full_palette::RED_300.mix(0.22)
}

/// Fill of the warm-up.
fn warmup_fill() -> RGBAColor {
    full_palette::GREY_500.mix(0.18)
}

/// Draws `title` at the top of `root`, with a little room above it; returns the area below.
pub fn titled<DB>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
) -> Result<DrawingArea<DB, Shift>, DrawingAreaErrorKind<DB::ErrorType>>
where
    DB: DrawingBackend,
{
    root.margin(14, 0, 0, 0).titled(title, font(TITLE))
}

/// A top and a bottom panel of one chart.
pub type Panels<DB> = (DrawingArea<DB, Shift>, DrawingArea<DB, Shift>);

/// The titled area of `root` split into a top panel holding `top_share` of its height and a
/// bottom panel under it (latency above errors, in the charts that have both).
pub fn two_panels<DB>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    top_share: f64,
) -> Result<Panels<DB>, DrawingAreaErrorKind<DB::ErrorType>>
where
    DB: DrawingBackend,
{
    let area = titled(root, title)?;
    let split = (f64::from(area.dim_in_pixel().1) * top_share) as u32;
    Ok(area.split_vertically(split))
}

/// A text style of `size` pixels in the embedded font.
pub fn font(size: u32) -> TextStyle<'static> {
    (FAMILY, size).into_font().into()
}

/// Shades the warm-up and the fault windows of `data` from `lo` to `hi` on the y axis; with
/// `legend`, each gets a legend entry. Instant faults are drawn as dashed vertical lines.
pub fn shade_windows<DB, CT>(
    chart: &mut ChartContext<'_, DB, CT>,
    data: &ChartData,
    (lo, hi): (f64, f64),
    legend: bool,
) -> DrawResult
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
    CT: CoordTranslate<From = (f64, f64)>,
{
    let swatch = |fill: RGBAColor| {
        move |(x, y): (i32, i32)| Rectangle::new([(x, y - 9), (x + 24, y + 9)], fill.filled())
    };
    if data.warmup > 0.0 {
        let area = Rectangle::new([(0.0, lo), (data.warmup, hi)], warmup_fill().filled());
        let anno = chart.draw_series(std::iter::once(area))?;
        if legend {
            anno.label("warm-up (not counted)")
                .legend(swatch(warmup_fill()));
        }
    }
    for f in &data.faults {
        match f.end {
            Some(end) => {
                let area = Rectangle::new([(f.start, lo), (end, hi)], fault_fill().filled());
                let anno = chart.draw_series(std::iter::once(area))?;
                if legend {
                    anno.label(format!("fault: {}", f.label))
                        .legend(swatch(fault_fill()));
                }
            }
            None => {
                let style = full_palette::RED_700.stroke_width(2);
                let line = DashedLineSeries::new([(f.start, lo), (f.start, hi)], 10, 6, style);
                let anno = chart.draw_series(line)?;
                if legend {
                    anno.label(format!("fault: {}", f.label))
                        .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], style));
                }
            }
        }
    }
    Ok(())
}

/// Draws `values` at `xs` as a line that breaks where a value is `None`, labelled `label`
/// in the legend. Values are clamped to at least `floor` (for log axes).
pub fn gapped_line<DB, CT>(
    chart: &mut ChartContext<'_, DB, CT>,
    xs: &[f64],
    values: &[Option<f64>],
    floor: f64,
    style: ShapeStyle,
    label: &str,
) -> DrawResult
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
    CT: CoordTranslate<From = (f64, f64)>,
{
    let mut labelled = false;
    for run in runs(xs, values) {
        let points = run.into_iter().map(|(x, y)| (x, y.max(floor)));
        let anno = chart.draw_series(LineSeries::new(points, style))?;
        if !labelled {
            anno.label(label).legend(move |(x, y)| {
                PathElement::new([(x, y), (x + 24, y)], style.stroke_width(LINE + 1))
            });
            labelled = true;
        }
    }
    Ok(())
}

/// The stretches of consecutive `Some` values as (x, y) points.
fn runs(xs: &[f64], values: &[Option<f64>]) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut current = Vec::new();
    for (&x, v) in xs.iter().zip(values) {
        match v {
            Some(y) if y.is_finite() => current.push((x, *y)),
            _ => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
            }
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// The largest finite value of `values`, or `None`.
pub fn max_of<'a>(values: impl IntoIterator<Item = &'a Option<f64>>) -> Option<f64> {
    values
        .into_iter()
        .flatten()
        .copied()
        .filter(|v| v.is_finite())
        .reduce(f64::max)
}

/// The legend box, in the chart's upper left corner.
pub fn legend<'a, DB, CT>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> DrawResult
where
    DB: DrawingBackend + 'a,
    DB::ErrorType: 'static,
    CT: CoordTranslate,
{
    chart
        .configure_series_labels()
        .position(position)
        .margin(12)
        .legend_area_size(30)
        .background_style(WHITE.mix(0.88))
        .border_style(full_palette::GREY_600)
        .label_font(font(LABEL))
        .draw()?;
    Ok(())
}

/// Axis tick text for a value: no decimals from 10 up, otherwise up to two.
pub fn tick(v: f64) -> String {
    if v.abs() >= 10.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else if (v * 10.0).fract().abs() < 1e-9 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_split_the_line() {
        let xs = [1.0, 2.0, 3.0, 4.0, 5.0];
        let values = [Some(1.0), None, Some(3.0), Some(f64::NAN), Some(5.0)];
        let r = runs(&xs, &values);
        assert_eq!(
            r,
            vec![vec![(1.0, 1.0)], vec![(3.0, 3.0)], vec![(5.0, 5.0)]]
        );
        assert_eq!(max_of(&values), Some(5.0));
        assert_eq!(max_of(&[None]), None);
    }

    #[test]
    fn ticks_stay_short() {
        assert_eq!(tick(12.345), "12");
        assert_eq!(tick(2.0), "2");
        assert_eq!(tick(0.5), "0.5");
        assert_eq!(tick(0.25), "0.25");
    }
}
