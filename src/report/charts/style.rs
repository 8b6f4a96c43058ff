//! What every chart shares: font sizes, colours, the shaded warm-up and fault windows, and
//! lines with gaps where a window has no value.

use plotters::coord::{CoordTranslate, Shift};
use plotters::prelude::*;
use plotters::style::full_palette;
use plotters::style::text_anchor;

use super::DrawResult;
use super::data::{ChartData, MarkerKind};
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

/// Colour of series `i` of a chart with many series (the curves of a capacity chart): every
/// index below [`PALETTE.len()`](PALETTE) has its own colour, and further indices get hues
/// spread by the golden angle at two lightnesses, so no two series of a chart share a colour.
pub fn series_colour(i: usize) -> RGBColor {
    if let Some(c) = PALETTE.get(i) {
        return *c;
    }
    let k = i - PALETTE.len();
    let hue = (k as f64 * 137.507_764 + 17.0) % 360.0;
    let light = if k.is_multiple_of(2) { 0.38 } else { 0.55 };
    hsl(hue, 0.65, light)
}

/// Twelve colours in light/dark pairs of six hues (ColorBrewer "Paired", reordered dark
/// first): series `2v` and `2v + 1` of variant `v` (its p99 and p50) share a hue but not a
/// colour.
pub const PALETTE: [RGBColor; 12] = [
    RGBColor(31, 120, 180),
    RGBColor(166, 206, 227),
    RGBColor(227, 26, 28),
    RGBColor(251, 154, 153),
    RGBColor(51, 160, 44),
    RGBColor(178, 223, 138),
    RGBColor(255, 127, 0),
    RGBColor(253, 191, 111),
    RGBColor(106, 61, 154),
    RGBColor(202, 178, 214),
    RGBColor(177, 89, 40),
    RGBColor(225, 190, 120),
];

/// An RGB colour from hue (degrees), saturation and lightness (0..1).
fn hsl(h: f64, s: f64, l: f64) -> RGBColor {
    let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
    let x = c * (1.0 - ((h / 60.0) % 2.0 - 1.0).abs());
    let m = l - c / 2.0;
    let (r, g, b) = match (h / 60.0) as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let byte = |v: f64| ((v + m) * 255.0).round().clamp(0.0, 255.0) as u8;
    RGBColor(byte(r), byte(g), byte(b))
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
pub fn fault_fill() -> RGBAColor {
    full_palette::RED_300.mix(0.22)
}

/// Fill of the warm-up.
pub fn warmup_fill() -> RGBAColor {
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

/// Colour of a marker's line and label.
pub fn marker_colour(kind: MarkerKind) -> RGBColor {
    match kind {
        MarkerKind::FaultStart | MarkerKind::FaultEnd => full_palette::RED_900,
        MarkerKind::Detection => BLACK,
        MarkerKind::Eviction => full_palette::BROWN_700,
        MarkerKind::HpaScale => full_palette::TEAL_800,
        MarkerKind::GatewayScale => full_palette::INDIGO_600,
    }
}

/// Rows of marker labels, staggered downwards so labels of close markers do not overlap.
const MARKER_ROWS: i32 = 4;

/// Draws the markers of `data` as thin dotted vertical lines from `lo` to `hi`; with `labels`,
/// each with its label in small type at the top (the next row down when the previous label is
/// too close).
pub fn draw_markers<DB, CT>(
    chart: &mut ChartContext<'_, DB, CT>,
    data: &ChartData,
    (lo, hi): (f64, f64),
    labels: bool,
) -> DrawResult
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
    CT: CoordTranslate<From = (f64, f64)>,
{
    let size = LABEL - 4;
    let mut last_px: Vec<Option<i32>> = vec![None; MARKER_ROWS as usize];
    for m in &data.markers {
        if !(0.0..=data.end).contains(&m.at) {
            continue;
        }
        let colour = marker_colour(m.kind);
        let style = colour.stroke_width(2);
        chart.draw_series(DashedLineSeries::new([(m.at, lo), (m.at, hi)], 4, 4, style))?;
        if !labels {
            continue;
        }
        let px = chart.as_coord_spec().translate(&(m.at, hi)).0;
        // The first row whose last label ends left of this one (about 10 px per character).
        let width = 10 * m.label.chars().count() as i32 + 16;
        let row = last_px
            .iter()
            .position(|l| l.is_none_or(|l| px - l > width))
            .unwrap_or(0);
        last_px[row] = Some(px);
        // Near the right edge the label goes left of its line, so it is not cut off.
        let (dx, h) = if m.at > data.end * 0.88 {
            (-4, text_anchor::HPos::Right)
        } else {
            (4, text_anchor::HPos::Left)
        };
        let text = Text::new(
            m.label.clone(),
            (dx, 4 + row as i32 * (size as i32 + 4)),
            font(size)
                .color(&colour)
                .pos(text_anchor::Pos::new(h, text_anchor::VPos::Top)),
        );
        chart.draw_series(std::iter::once(EmptyElement::at((m.at, hi)) + text))?;
    }
    Ok(())
}

/// How a [`side_legend`] entry is drawn.
#[derive(Clone, Copy, Debug)]
pub enum Swatch {
    /// A line of this colour and width.
    Line(RGBColor, u32),
    /// A dashed line.
    Dashed(RGBColor),
    /// A filled box.
    Fill(RGBAColor),
}

/// A legend drawn in its own area beside the plot (so it never covers data): one row per
/// entry, top down.
pub fn side_legend<DB>(area: &DrawingArea<DB, Shift>, entries: &[(String, Swatch)]) -> DrawResult
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let row = 32;
    let (x, mut y) = (8, 24);
    for (label, swatch) in entries {
        match *swatch {
            Swatch::Line(c, w) => {
                area.draw(&PathElement::new([(x, y), (x + 28, y)], c.stroke_width(w)))?
            }
            Swatch::Dashed(c) => {
                for i in 0..3 {
                    let s = x + i * 11;
                    area.draw(&PathElement::new([(s, y), (s + 6, y)], c.stroke_width(2)))?;
                }
            }
            Swatch::Fill(c) => {
                area.draw(&Rectangle::new([(x, y - 9), (x + 28, y + 9)], c.filled()))?
            }
        }
        let style = font(LABEL).pos(text_anchor::Pos::new(
            text_anchor::HPos::Left,
            text_anchor::VPos::Center,
        ));
        area.draw(&Text::new(label.clone(), (x + 38, y), style))?;
        y += row;
    }
    Ok(())
}

/// Draws `values` at `xs` as a line that breaks where a value is `None`, labelled `label`
/// in the legend. With a positive `floor` (a log axis) values at or below 0 are left out (a
/// gap, see [`log_safe`]) rather than drawn at the axis' foot; others are clamped to at least
/// `floor`.
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
    let safe;
    let values = if floor > 0.0 {
        safe = log_safe(values).0;
        &safe
    } else {
        values
    };
    for run in runs(xs, values) {
        let points = run.into_iter().map(|(x, y)| (x, y.max(floor)));
        let anno = chart.draw_series(LineSeries::new(points, style))?;
        if !labelled && !label.is_empty() {
            anno.label(label).legend(move |(x, y)| {
                PathElement::new([(x, y), (x + 24, y)], style.stroke_width(LINE + 1))
            });
            labelled = true;
        }
    }
    Ok(())
}

/// `values` ready for a log axis: every value at or below 0 (which a log axis cannot show)
/// becomes `None`, so the line has a gap there instead of a point at the axis' foot; with how
/// many were left out, for a note on the chart.
pub fn log_safe(values: &[Option<f64>]) -> (Vec<Option<f64>>, usize) {
    let mut dropped = 0;
    let out = values
        .iter()
        .map(|v| match v {
            Some(y) if *y <= 0.0 => {
                dropped += 1;
                None
            }
            v => *v,
        })
        .collect();
    (out, dropped)
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
    fn no_two_series_share_a_colour() {
        for n in [2, 6, 12, 24, 40] {
            let colours: Vec<RGBColor> = (0..n).map(series_colour).collect();
            for (i, a) in colours.iter().enumerate() {
                for b in &colours[i + 1..] {
                    assert_ne!(a, b, "{n} series: a colour repeats");
                }
            }
        }
    }

    #[test]
    fn zeros_never_reach_a_log_axis() {
        let (v, dropped) = log_safe(&[Some(0.0), Some(2.0), None, Some(-1.0), Some(0.5)]);
        assert_eq!(v, vec![None, Some(2.0), None, None, Some(0.5)]);
        assert_eq!(dropped, 2);
    }

    #[test]
    fn ticks_stay_short() {
        assert_eq!(tick(12.345), "12");
        assert_eq!(tick(2.0), "2");
        assert_eq!(tick(0.5), "0.5");
        assert_eq!(tick(0.25), "0.25");
    }
}
