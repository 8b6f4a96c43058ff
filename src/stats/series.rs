//! Time series: what happened in each fixed window of a run, for latency-over-time charts and
//! `timeseries.csv`.
//!
//! A [`TimeSeries`] splits [0, end] into windows of one width (the last one may be shorter and
//! also takes anything recorded at or after `end`: no time panics). Each [`Window`] counts offered,
//! completed and failed requests, keeps a coarse latency histogram and up to
//! [`MAX_GAUGES`] gauges.
//!
//! A run keeps at most its scenario's `max_windows` windows, so this memory does not grow with
//! the run's length: when the requested width would give more, the scenario's window is
//! [`window_width`], the requested one doubled until it gives at most that many (a long run has
//! between half of them and all). The width depends only on the scenario, so every replication
//! has the same windows (whatever the thread count) and merging them stays exact.
//!
//! Gauges are levels that hold until the next sample (ready pods only change at events), so a
//! window with no sample carries the previous level. Recording fills skipped windows as it goes
//! (each window once per slot), and [`TimeSeries::finish`] fills the windows after the last
//! sample; until then read levels through [`TimeSeries::gauge`], which resolves the carry itself.
//!
//! Replications merge window by window with [`TimeSeries::merge`]: counts and gauges are summed,
//! latencies pooled, and [`TimeSeries::replications`] says how many runs the sums cover.

use serde::{Deserialize, Serialize};

use crate::engine::{SimDuration, SimTime};
use crate::stats::window::{Gauge, MAX_CAUSES, MAX_GAUGES, Window};

/// The width of windows over [0, `end`] asked for at `requested` with at most `max` of them:
/// `requested` itself when that gives at most `max` windows, else `requested` doubled as often
/// as needed to give at most that many (2,000 minutes at 10 s with at most 180: 1,280 s, 94
/// windows). A zero width gives one window over the whole run.
///
/// ```
/// use trafsim::engine::{SimDuration, SimTime};
/// use trafsim::stats::series::window_width;
///
/// let ten = SimDuration::from_secs(10);
/// let end = |mins: u64| SimTime(0) + SimDuration::from_secs(mins * 60);
/// assert_eq!(window_width(ten, end(20), 180), ten);
/// assert_eq!(window_width(ten, end(2_000), 180), SimDuration::from_secs(1_280));
/// ```
pub fn window_width(requested: SimDuration, end: SimTime, max: u64) -> SimDuration {
    if requested.0 == 0 {
        return SimDuration(end.0.max(1));
    }
    let mut width = requested.0;
    while end.0.div_ceil(width) > max.max(1) {
        width = width.saturating_mul(2);
    }
    SimDuration(width)
}

/// The last level set for one gauge slot, and how far it has been written into the windows.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
struct Carry {
    /// Whether the slot has ever been set.
    set: bool,
    /// Index of the last window written for this slot.
    window: usize,
    /// The current level.
    value: f64,
}

/// Per-window counters over a run (or the sum of several runs).
///
/// ```
/// use trafsim::engine::{SimDuration, SimTime};
/// use trafsim::stats::TimeSeries;
///
/// let mut ts = TimeSeries::new(SimDuration::from_secs(1), SimTime(0) + SimDuration::from_secs(3));
/// ts.record_offered(SimTime(1_500_000_000));
/// ts.record_completed(SimTime(1_700_000_000), SimDuration::from_millis(20));
/// assert_eq!(ts.windows().len(), 3);
/// assert_eq!(ts.windows()[1].offered, 1);
/// assert_eq!(ts.windows()[1].completed, 1);
/// ```
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TimeSeries {
    /// Width of every window but possibly the last.
    width: SimDuration,
    /// End of the run (end of the last window).
    end: SimTime,
    /// The windows, in time order; never empty.
    windows: Vec<Window>,
    /// Number of runs summed in the windows.
    replications: u64,
    /// Carried gauge levels, by slot.
    carry: [Carry; MAX_GAUGES],
    /// Counts (buckets) held by the windows' latency histograms, for
    /// [`bytes_held`](Self::bytes_held): kept up to date while recording, recounted on merge, 0
    /// when read back from a file.
    #[serde(skip)]
    latency_buckets: usize,
    /// The window records last went to, and its span [`cur_start`, `cur_end`) in ns (the last
    /// window's reaches to `u64::MAX`): a record in it needs no division. Empty (0..0) until
    /// the first record.
    #[serde(skip)]
    cur: usize,
    #[serde(skip)]
    cur_start: u64,
    #[serde(skip)]
    cur_end: u64,
}

impl TimeSeries {
    /// Windows of `width` from 0 to `end`: ⌈end / width⌉ of them (at least one). A zero width
    /// gives a single window over the whole run. A scenario's `window` is already widened to
    /// give at most its `max_windows` (see [`window_width`]).
    pub fn new(width: SimDuration, end: SimTime) -> Self {
        let width = if width.0 == 0 {
            SimDuration(end.0.max(1))
        } else {
            width
        };
        let count = end.0.div_ceil(width.0).max(1);
        let windows = (0..count)
            .map(|i| {
                let start = SimTime(i * width.0);
                Window::new(start, SimTime((start + width).0.min(end.0.max(start.0))))
            })
            .collect();
        TimeSeries {
            width,
            end,
            windows,
            replications: 1,
            carry: [Carry::default(); MAX_GAUGES],
            latency_buckets: 0,
            cur: 0,
            cur_start: 0,
            cur_end: 0,
        }
    }

    /// Bytes the series holds: its windows and their latency histograms' counts.
    pub fn bytes_held(&self) -> u64 {
        (self.windows.capacity() * std::mem::size_of::<Window>()
            + self.latency_buckets * std::mem::size_of::<u32>()) as u64
    }

    /// The window index for `now`; times at or after the end go to the last window. Records
    /// come mostly in time order, so the window of the previous record usually holds `now`.
    #[inline(always)]
    fn index(&mut self, now: SimTime) -> usize {
        if now.0 >= self.cur_start && now.0 < self.cur_end {
            self.cur
        } else {
            self.locate(now)
        }
    }

    /// The window index for `now`, made the current one.
    #[inline(never)]
    fn locate(&mut self, now: SimTime) -> usize {
        let last = self.windows.len() - 1;
        let i = ((now.0 / self.width.0) as usize).min(last);
        self.cur = i;
        self.cur_start = i as u64 * self.width.0;
        self.cur_end = if i == last {
            u64::MAX
        } else {
            (i as u64 + 1) * self.width.0
        };
        i
    }

    /// Counts one request offered at `now`.
    #[inline(always)]
    pub fn record_offered(&mut self, now: SimTime) {
        let i = self.index(now);
        self.windows[i].offered += 1;
    }

    /// Counts one successful completion at `now` with its end-to-end `latency`.
    #[inline(always)]
    pub fn record_completed(&mut self, now: SimTime, latency: SimDuration) {
        let i = self.index(now);
        let w = &mut self.windows[i];
        w.completed += 1;
        self.latency_buckets += w.record_latency(latency);
    }

    /// Counts one failed request at `now` under `cause` (an index the model assigns, below
    /// [`MAX_CAUSES`]; larger indices are counted in the last slot).
    #[inline]
    pub fn record_error(&mut self, now: SimTime, cause: usize) {
        let i = self.index(now);
        self.windows[i].errors[cause.min(MAX_CAUSES - 1)] += 1;
    }

    /// Counts one request, offered at `born`, that was still unfinished when the run ended (in
    /// the window of its arrival).
    pub fn record_unfinished(&mut self, born: SimTime) {
        let i = self.index(born);
        self.windows[i].unfinished += 1;
    }

    /// Sets gauge `slot` to `value` at `now`; the level holds until the next sample. Slots at or
    /// beyond [`MAX_GAUGES`] are ignored.
    pub fn record_gauge(&mut self, now: SimTime, slot: usize, value: f64) {
        if slot >= MAX_GAUGES {
            return;
        }
        let i = self.index(now);
        self.fill_gauge(slot, i);
        self.windows[i].gauges[slot].sample(value);
        let c = &mut self.carry[slot];
        c.set = true;
        c.window = c.window.max(i);
        c.value = value;
    }

    /// Writes the carried level of `slot` into the windows after the last one written, up to and
    /// including `upto`.
    fn fill_gauge(&mut self, slot: usize, upto: usize) {
        let c = self.carry[slot];
        if c.set && upto > c.window {
            for w in &mut self.windows[c.window + 1..=upto] {
                w.gauges[slot] = Gauge::steady(c.value);
            }
            self.carry[slot].window = upto;
        }
    }

    /// Carries every gauge's last level to the end of the run, so that [`windows`](Self::windows)
    /// shows complete gauges. Idempotent; call it once when the run ends.
    pub fn finish(&mut self) {
        let last = self.windows.len() - 1;
        for slot in 0..MAX_GAUGES {
            self.fill_gauge(slot, last);
        }
    }

    /// Gauge `slot` in window `window`, including a level carried from earlier windows even if
    /// [`finish`](Self::finish) has not been called. Default (`n = 0`) when out of range or never
    /// set.
    pub fn gauge(&self, window: usize, slot: usize) -> Gauge {
        if slot >= MAX_GAUGES || window >= self.windows.len() {
            return Gauge::default();
        }
        let c = &self.carry[slot];
        if c.set && window > c.window {
            Gauge::steady(c.value)
        } else {
            self.windows[window].gauges[slot]
        }
    }

    /// The windows, in time order (never empty). Gauge levels after a slot's last sample are
    /// filled in only after [`finish`](Self::finish) or [`merge`](Self::merge).
    pub fn windows(&self) -> &[Window] {
        &self.windows
    }

    /// The window width (the last window may be shorter).
    pub fn width(&self) -> SimDuration {
        self.width
    }

    /// The end of the run.
    pub fn end(&self) -> SimTime {
        self.end
    }

    /// How many runs the windows sum: 1 for a fresh series, more after [`merge`](Self::merge).
    pub fn replications(&self) -> u64 {
        self.replications
    }

    /// Adds `other` (another replication of the same scenario) window by window: counts and
    /// gauges are summed, latencies pooled. Both series should have the same width and end; if
    /// they differ, windows are matched by index over the shorter series.
    pub fn merge(&mut self, other: &TimeSeries) {
        self.finish();
        for (i, (mine, theirs)) in self.windows.iter_mut().zip(&other.windows).enumerate() {
            mine.merge_counts(theirs);
            for slot in 0..MAX_GAUGES {
                mine.gauges[slot].merge(&other.gauge(i, slot));
            }
        }
        self.replications += other.replications;
        self.latency_buckets = self.windows.iter().map(Window::latency_buckets).sum();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> SimTime {
        SimTime(s * 1_000_000_000)
    }

    fn series() -> TimeSeries {
        TimeSeries::new(SimDuration::from_secs(10), secs(25))
    }

    #[test]
    fn windows_cover_the_run_and_last_is_short() {
        let ts = series();
        let w = ts.windows();
        assert_eq!(w.len(), 3);
        assert_eq!((w[0].start, w[0].end), (secs(0), secs(10)));
        assert_eq!((w[2].start, w[2].end), (secs(20), secs(25)));
        assert_eq!(w[2].width(), SimDuration::from_secs(5));
        let exact = TimeSeries::new(SimDuration::from_secs(5), secs(25));
        assert_eq!(exact.windows().len(), 5);
    }

    #[test]
    fn degenerate_shapes_do_not_panic() {
        let zero_width = TimeSeries::new(SimDuration::ZERO, secs(25));
        assert_eq!(zero_width.windows().len(), 1);
        assert_eq!(zero_width.windows()[0].end, secs(25));
        let mut zero_end = TimeSeries::new(SimDuration::from_secs(1), SimTime::ZERO);
        assert_eq!(zero_end.windows().len(), 1);
        zero_end.record_offered(secs(3));
        assert_eq!(zero_end.windows()[0].offered, 1);
    }

    #[test]
    fn events_land_in_their_window_and_late_ones_in_the_last() {
        let mut ts = series();
        ts.record_offered(secs(0));
        ts.record_offered(SimTime(secs(10).0 - 1));
        ts.record_offered(secs(10));
        ts.record_offered(secs(25));
        ts.record_offered(SimTime::MAX);
        let offered: Vec<u64> = ts.windows().iter().map(|w| w.offered).collect();
        assert_eq!(offered, [2, 1, 2]);
    }

    #[test]
    fn records_out_of_time_order_land_in_their_window() {
        // The cached current window must not capture a record of another window.
        let mut ts = series();
        let times = [12, 3, 24, 10, 9, 30, 0, 19, 20, 11];
        for t in times {
            ts.record_offered(secs(t));
        }
        let offered: Vec<u64> = ts.windows().iter().map(|w| w.offered).collect();
        assert_eq!(offered, [3, 4, 3]);
    }

    #[test]
    fn completions_errors_and_latency() {
        let mut ts = series();
        ts.record_completed(secs(12), SimDuration::from_millis(30));
        ts.record_completed(secs(13), SimDuration::from_millis(30));
        ts.record_error(secs(14), 2);
        ts.record_error(secs(14), 99);
        let w = &ts.windows()[1];
        assert_eq!(w.completed, 2);
        assert_eq!(w.errors[2], 1);
        assert_eq!(w.errors[MAX_CAUSES - 1], 1);
        assert!((w.p50().as_millis_f64() - 30.0).abs() < 0.3);
        assert_eq!(ts.windows()[0].latency_count(), 0);
    }

    #[test]
    fn gauges_carry_between_samples() {
        let mut ts = TimeSeries::new(SimDuration::from_secs(1), secs(5));
        ts.record_gauge(secs(0), 0, 3.0);
        ts.record_gauge(SimTime(2_500_000_000), 0, 2.0); // window 2
        ts.record_gauge(SimTime(2_600_000_000), 0, 1.0);
        ts.record_gauge(secs(1), MAX_GAUGES, 9.0); // ignored
        // Window 1 had no sample: it carries 3.
        assert_eq!(ts.windows()[1].gauges[0], Gauge::steady(3.0));
        // Window 2 started at 3 (carried), fell to 2 then 1.
        assert_eq!(
            ts.windows()[2].gauges[0],
            Gauge {
                max: 3.0,
                last: 1.0,
                n: 1
            }
        );
        // After the last sample: resolved by `gauge`, filled in by `finish`.
        assert_eq!(ts.windows()[4].gauges[0].n, 0);
        assert_eq!(ts.gauge(4, 0), Gauge::steady(1.0));
        ts.finish();
        assert_eq!(ts.windows()[4].gauges[0], Gauge::steady(1.0));
        // A slot never set stays empty.
        assert_eq!(ts.gauge(4, 1).n, 0);
        assert_eq!(ts.gauge(99, 0).n, 0);
    }

    #[test]
    fn merge_sums_windows_and_counts_replications() {
        let mut a = series();
        let mut b = series();
        a.record_offered(secs(1));
        b.record_offered(secs(2));
        b.record_offered(secs(21));
        a.record_completed(secs(1), SimDuration::from_millis(10));
        b.record_completed(secs(2), SimDuration::from_millis(20));
        a.record_gauge(secs(0), 3, 4.0);
        b.record_gauge(secs(0), 3, 6.0);
        b.record_gauge(secs(11), 3, 2.0);
        a.merge(&b);
        assert_eq!(a.replications(), 2);
        let w = a.windows();
        assert_eq!((w[0].offered, w[2].offered), (2, 1));
        assert_eq!(w[0].latency_count(), 2);
        // Window 0: peaks 4 and 6; window 2: a carried 4, b carried 2 (neither finished).
        assert_eq!(w[0].gauges[3].mean_max(), Some(5.0));
        assert_eq!(
            w[2].gauges[3],
            Gauge {
                max: 6.0,
                last: 6.0,
                n: 2
            }
        );
        assert!((w[0].rate_per_sec(w[0].offered, a.replications()) - 0.1).abs() < 1e-12);
        // Merging a merged series keeps counting runs.
        let c = a.clone();
        a.merge(&c);
        assert_eq!(a.replications(), 4);
        assert_eq!(a.windows()[2].gauges[3].n, 4);
    }

    #[test]
    fn long_runs_get_doubled_windows_and_at_most_the_cap() {
        let ten = SimDuration::from_secs(10);
        let max = 180;
        // At the cap: kept as asked.
        assert_eq!(window_width(ten, secs(10 * max), max), ten);
        // One window more: twice as wide, half as many (and a short last one).
        let over = TimeSeries::new(
            window_width(ten, secs(10 * max + 1), max),
            secs(10 * max + 1),
        );
        assert_eq!(over.width(), SimDuration::from_secs(20));
        assert_eq!(over.windows().len(), max as usize / 2 + 1);
        assert_eq!(over.windows().last().unwrap().end, secs(10 * max + 1));
        for mins in [20, 200, 2_000, 20_000, 2_000_000] {
            let width = window_width(ten, secs(mins * 60), max);
            let n = TimeSeries::new(width, secs(mins * 60)).windows().len() as u64;
            assert!(n <= max, "{mins} min: {n} windows");
            assert!(mins * 6 <= max || 2 * n > max, "{mins} min: {n}");
            assert!((width.0 / ten.0).is_power_of_two());
            assert_eq!(width.0 % ten.0, 0);
        }
        // A cap of 0 reads as 1: one window over the whole run.
        let one = TimeSeries::new(window_width(ten, secs(100), 0), secs(100));
        assert_eq!((one.windows().len(), one.windows()[0].end), (1, secs(100)));
        assert_eq!(
            window_width(SimDuration::ZERO, secs(7), 5),
            SimDuration::from_secs(7)
        );
    }

    #[test]
    fn bytes_held_counts_the_histograms() {
        let mut ts = series();
        let empty = ts.bytes_held();
        assert!(empty >= 3 * std::mem::size_of::<Window>() as u64);
        ts.record_completed(secs(1), SimDuration::from_millis(5));
        let one = ts.bytes_held();
        assert!(one > empty);
        ts.record_completed(secs(2), SimDuration::from_millis(5));
        assert_eq!(ts.bytes_held(), one);
        ts.record_completed(secs(12), SimDuration::from_secs(30));
        assert!(ts.bytes_held() > one);
        let held = ts.bytes_held();
        let mut merged = series();
        merged.merge(&ts);
        assert_eq!(merged.bytes_held(), held);
    }

    #[test]
    fn merge_of_different_shapes_uses_common_prefix() {
        let mut a = series();
        let mut b = TimeSeries::new(SimDuration::from_secs(10), secs(100));
        b.record_offered(secs(5));
        b.record_offered(secs(95));
        a.merge(&b);
        assert_eq!(a.windows().len(), 3);
        assert_eq!(a.windows()[0].offered, 1);
        assert_eq!(a.windows()[2].offered, 0);
    }
}
