//! Streaming statistics: everything a run measures, in memory that does not grow with the number
//! of requests.
//!
//! This module owns the measuring instruments and the arithmetic of summarising replications:
//!
//! - [`LatencyHistogram`] — an HdrHistogram of durations (nanoseconds, 3 significant digits) with
//!   an exact count, mean, minimum and maximum; [`Percentiles`] is its serialisable summary.
//!   [`LatencyRecorder`] is its cheap recording path for hot loops.
//! - [`TimeWeighted`] — the time-weighted mean and peak of a piecewise-constant level, cheap
//!   enough for the hot loop; [`TimeWeightedCount`] is the same for a count (queue length, busy
//!   servers), kept in integers, with the same figures bit for bit.
//! - [`TimeSeries`] of [`Window`]s — per fixed-width window of simulated time: offered, completed
//!   and failed requests (by cause), a coarse latency histogram and [`Gauge`]s.
//! - [`Estimate`] — a mean across replications with a 95% Student t confidence interval, and
//!   [`t_quantile`].
//! - [`StationStats`] — what one queueing station reports after a run.
//!
//! Units: durations are recorded as [`SimDuration`](crate::engine::SimDuration) (integer
//! nanoseconds) and reported as `f64` seconds. Nothing here keeps a vector of every request;
//! memory is O(histogram buckets + windows).

pub mod confidence;
pub mod counters;
mod hdr_index;
pub(crate) mod hist_serde;
pub mod histogram;
pub mod recorder;
pub mod series;
pub mod time_weighted;
pub mod time_weighted_count;
pub mod window;
pub(crate) mod window_latency;

pub use confidence::{Estimate, t_quantile};
pub use counters::StationStats;
pub use histogram::{LatencyHistogram, Percentiles};
pub use recorder::LatencyRecorder;
pub use series::TimeSeries;
pub use time_weighted::TimeWeighted;
pub use time_weighted_count::TimeWeightedCount;
pub use window::{Gauge, MAX_CAUSES, MAX_GAUGES, Window};
