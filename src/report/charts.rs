//! Charts of one scenario's run, drawn with plotters as SVG and PNG.
//!
//! [`render_all`] draws, from the time series merged across replications (see
//! [`Summary::series`](crate::runner::Summary::series)) and the scenario's faults:
//!
//! - `latency` — p50 and p99 end-to-end latency per window (ms, log scale), with the warm-up
//!   and the fault windows shaded and the SLO's p99 target drawn, over errors per second
//!   stacked by cause;
//! - `goodput` — successful and failed (by cause) requests per second stacked, against the
//!   offered load;
//! - `zones` — ready pods per service, and utilisation per zone, over time;
//! - `snat` — SNAT ports in use against the limit, only when the egress is a NAT Gateway.
//!
//! The time charts carry the run's markers (see [`Marker`]): fault start and end, detection,
//! node evictions, HPA and gateway scaling.
//!
//! Studies draw their own: [`render_capacity`] the capacity curve of a sweep (`capacity`, beside
//! `sweep.json`) and [`render_comparison`] the bars of a comparison (`comparison`, beside
//! `comparison.json`).
//!
//! Everything is drawn in memory: a chart that fails to draw returns an error before any file
//! is touched, and the caller ([`write_charts_and_report`](crate::report::write_charts_and_report))
//! writes the results atomically.
//!
//! Text is set in DejaVu Sans, embedded in the binary (`assets/fonts/`, Bitstream Vera licence),
//! so charts need no system fonts and look the same everywhere. The PNG rasteriser uses the
//! embedded font; an SVG names the family `sans-serif` and its viewer supplies the glyphs.
//! Sizes suit a slide: 1600 × 900 pixels, titles in 40 px, axis text in 22–26 px.

mod capacity_curve;
mod comparison;
mod data;
mod goodput;
mod latency;
mod snat;
mod style;
mod zones;

use std::error::Error;
use std::io::Write;
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;

pub use capacity_curve::{
    CapacityChart, KNEE_ELASTICITY, axis_label, knee, knee_of, render_capacity,
    render_capacity_found,
};
pub use comparison::{ComparisonChart, render_comparison};
pub use data::{
    ChartData, FaultMark, Marker, MarkerKind, ServiceSeries, SnatSeries, TimeAxis, WindowCounts,
    ZoneSeries, fault_label, window_counts,
};
pub use goodput::stacks as goodput_stacks;
pub use style::{PALETTE, log_safe, series_colour};

use crate::runner::Summary;
use crate::scenario::Scenario;

/// The embedded font (DejaVu Sans 2.37; licence in `assets/fonts/DejaVuSans-LICENSE.txt`).
static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// The file stems of every chart [`render_all`] can draw.
pub const NAMES: [&str; 4] = ["latency", "goodput", "zones", "snat"];

/// Width of every chart, pixels.
pub const WIDTH: u32 = 1600;
/// Height of every chart, pixels.
pub const HEIGHT: u32 = 900;

/// One chart, drawn in both formats.
#[derive(Clone, Debug)]
pub struct Chart {
    /// File stem: `latency`, `goodput`, `zones`, `snat`, `capacity`, `comparison`.
    pub name: &'static str,
    /// The title drawn at the top of the chart.
    pub title: String,
    /// The SVG document.
    pub svg: String,
    /// The PNG file's bytes.
    pub png: Vec<u8>,
}

/// A chart that could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("could not draw the {chart} chart: {message}")]
pub struct ChartError {
    /// Which chart.
    pub chart: &'static str,
    /// What went wrong.
    pub message: String,
}

/// What a drawing step returns; plotters' errors differ per backend, so they are boxed.
pub(crate) type DrawResult = Result<(), Box<dyn Error + Send + Sync>>;

/// A chart that can draw itself on any plotters backend.
pub(crate) trait Plot {
    /// File stem of the chart.
    const NAME: &'static str;
    /// The title drawn at the top.
    fn title(&self) -> String;
    /// Draws the chart on `root`, which is [`WIDTH`] × [`HEIGHT`] and already white.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static;
}

/// Every chart that applies to `scenario`'s run summarised by `summary`, in the order latency,
/// goodput, zones, snat. Nothing is written.
pub fn render_all(scenario: &Scenario, summary: &Summary) -> Result<Vec<Chart>, ChartError> {
    let data = ChartData::new(scenario, summary);
    let mut charts = vec![
        render(&latency::LatencyChart { data: &data })?,
        render(&goodput::GoodputChart { data: &data })?,
        render(&zones::ZonesChart { data: &data })?,
    ];
    if data.snat.is_some() {
        charts.push(render(&snat::SnatChart { data: &data })?);
    }
    Ok(charts)
}

/// Registers the embedded font as `sans-serif` (once per process).
fn register_font() -> Result<(), String> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font("sans-serif", FontStyle::Normal, FONT).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err("the embedded font does not load".into())
    }
}

/// Draws `plot` as SVG and as PNG.
pub(crate) fn render<P: Plot>(plot: &P) -> Result<Chart, ChartError> {
    let fail = |message: String| ChartError {
        chart: P::NAME,
        message,
    };
    register_font().map_err(fail)?;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| fail(e.to_string()))?;
        plot.draw(&root).map_err(|e| fail(e.to_string()))?;
        root.present().map_err(|e| fail(e.to_string()))?;
    }
    let mut rgb = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| fail(e.to_string()))?;
        plot.draw(&root).map_err(|e| fail(e.to_string()))?;
        root.present().map_err(|e| fail(e.to_string()))?;
    }
    let png = encode_png(&rgb, WIDTH, HEIGHT).map_err(|e| fail(e.to_string()))?;
    Ok(Chart {
        name: P::NAME,
        title: plot.title(),
        svg,
        png,
    })
}

/// The deflate level of the charts' PNGs (zlib's scale, 0–9).
///
/// Level 4 with the `Up` filter (each row less the row above: a chart's flat areas and
/// horizontal lines become zeros) instead of level 6 with `Sub` (the `png` crate's default),
/// in one pass over the image instead of a row at a time: the same pixels, in half the time
/// and files about 5% smaller (zone-outage's four charts: 478 kB → 457 kB). Level 1 would take
/// a third of that time again, for files a quarter larger.
const DEFLATE_LEVEL: u32 = 4;

/// Bytes of filtered rows handed to the compressor at a time: few calls (each one clears the
/// compressor's 32 KB output buffer), little memory beside the image.
const BLOCK_BYTES: usize = 256 * 1024;

/// An 8-bit RGB buffer of `width` × `height` as PNG bytes.
///
/// The rows are filtered (`Up`) and deflated here, a block of rows at a time, and written as
/// one `IDAT` chunk: the `png` crate offers only its default level and `Best` with
/// zlib, and it hands the compressor one row at a time (each call clears a 32 KB buffer).
fn encode_png(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, png::EncodingError> {
    let row = width as usize * 3;
    if rgb.len() != row * height as usize {
        return Err(png::EncodingError::IoError(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "an image of {width} × {height} pixels needs {} bytes, got {}",
                row * height as usize,
                rgb.len()
            ),
        )));
    }
    // Filtered a block of rows at a time into one buffer (not the whole image: that would
    // double the image's memory at the run's peak), each block one call to the compressor.
    let rows_per_block = (BLOCK_BYTES / (row + 1)).max(1);
    let mut block = Vec::with_capacity((row + 1) * rows_per_block);
    let mut zlib = flate2::write::ZlibEncoder::new(
        Vec::with_capacity(rgb.len() / 8),
        flate2::Compression::new(DEFLATE_LEVEL),
    );
    let mut above: &[u8] = &[];
    for rows in rgb.chunks(row * rows_per_block) {
        block.clear();
        for line in rows.chunks_exact(row) {
            block.push(png::FilterType::Up as u8);
            if above.is_empty() {
                block.extend_from_slice(line);
            } else {
                block.extend(line.iter().zip(above).map(|(&x, &b)| x.wrapping_sub(b)));
            }
            above = line;
        }
        zlib.write_all(&block)?;
    }
    let data = zlib.finish()?;
    let mut out = Vec::with_capacity(data.len() + 64);
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header()?;
        writer.write_chunk(png::chunk::IDAT, &data)?;
        writer.finish()?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::fake;

    #[test]
    fn mm1_draws_latency_and_zones_but_no_snat() {
        let (scenario, runs) = fake::runs(2);
        let summary = Summary::from_runs(&scenario, &runs);
        let charts = render_all(&scenario, &summary).unwrap();
        let names: Vec<&str> = charts.iter().map(|c| c.name).collect();
        assert_eq!(names, ["latency", "goodput", "zones"]);
        for c in &charts {
            assert!(c.svg.starts_with("<svg"), "{}", &c.svg[..40]);
            assert!(c.svg.contains(&c.title), "{}", c.title);
            assert_eq!(&c.png[..8], b"\x89PNG\r\n\x1a\n");
        }
    }

    #[test]
    fn a_run_without_replications_still_draws() {
        let scenario = fake::scenario();
        let summary = Summary::from_runs(&scenario, &[]);
        let charts = render_all(&scenario, &summary).unwrap();
        assert_eq!(charts.len(), 3);
        assert!(charts[0].svg.contains("no failed requests"));
    }

    /// The PNG decodes to the very pixels drawn (the filter and the deflate level change only
    /// the file's size).
    #[test]
    fn png_encoding_round_trips_the_pixels() {
        // A small image (one block of rows) and a tall one (several blocks, whose first rows
        // are filtered against the last row of the block before).
        for (w, h) in [(37u32, 23u32), (37, 5_000)] {
            let mut x: u32 = 12345;
            let rgb: Vec<u8> = (0..w * h * 3)
                .map(|i| {
                    x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                    // Runs of one colour with noise, as in a chart.
                    if i % 97 < 60 { 255 } else { (x >> 16) as u8 }
                })
                .collect();
            assert_eq!(rgb.len() > BLOCK_BYTES, h > 23);
            let png = encode_png(&rgb, w, h).unwrap();
            let mut reader = png::Decoder::new(png.as_slice()).read_info().unwrap();
            let mut back = vec![0; reader.output_buffer_size()];
            let info = reader.next_frame(&mut back).unwrap();
            assert_eq!((info.width, info.height), (w, h));
            assert_eq!(info.color_type, png::ColorType::Rgb);
            assert_eq!(&back[..info.buffer_size()], rgb.as_slice());
            assert!(
                encode_png(&rgb[1..], w, h).is_err(),
                "a short buffer is an error"
            );
        }
    }

    #[test]
    fn png_encoding_round_trips_the_size() {
        let png = encode_png(&[255; 2 * 3 * 3], 2, 3).unwrap();
        let decoder = png::Decoder::new(png.as_slice());
        let reader = decoder.read_info().unwrap();
        assert_eq!((reader.info().width, reader.info().height), (2, 3));
    }
}
