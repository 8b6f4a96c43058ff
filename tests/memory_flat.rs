//! Memory flat in run length: one replication of an M/M/1, summarised, holds about as much at
//! its peak for 2,000 simulated minutes as for 20.
//!
//! A counting global allocator keeps the bytes live and their high-water mark. What grew with
//! the run's length was the time series: one window per `window` of simulated time, each with
//! its counters, gauges and a latency histogram, in the replication (the run's series and one
//! per tier, and the findings' per-window counters) and again in the summary's merged series.
//! A run now keeps at most `[simulation].max_windows` windows (default 180; a longer run gets
//! its `window` doubled until it fits), so nothing per window grows past that: 20 minutes at
//! 10 s are 120 windows, 2,000 minutes 94 of 1,280 s; at 2 s, 150 and 118. Measured: 4.4 MB vs
//! 4.0 MB at 10 s, 5.3 MB vs 4.8 MB at 2 s. With the cap lifted (`max_windows = 100000`, as
//! before it existed) 2,000 minutes at 2 s are 60,000 windows against 600 and the peaks are
//! 1.5 GB against 16 MB (ratio 94): the assertion fails.
//!
//! One test in this file: the allocator's counts are process-wide, so no other test may run
//! beside it. Not timed: a low request rate keeps the CPU time small, and it is the window
//! count that matters.

mod common;

use common::one_server;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use trafsim::runner::summarise_replications_within_budget;
use trafsim::scenario;

/// The system allocator, counting the bytes live and their peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is passed through to the system allocator unchanged; the counters only
// observe the sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is the system allocator's.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as above.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as above.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            grew(new_size);
        }
        p
    }
}

fn grew(bytes: usize) {
    let live = LIVE.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// An M/M/1 at 2 requests/s (ρ 0.02: every window of a second or more sees completions, so
/// every window allocates its latency histograms) with a 1 h client timeout, windows of
/// `window`, for `duration`.
fn mm1(duration: &str, window: &str) -> scenario::Scenario {
    let text = one_server(
        &format!(
            r#"
name = "flat"
duration = "{duration}"
warmup = "1m"
replications = 1
seed = 11
window = "{window}""#
        ),
        r#"
rate = 2
timeout = "1h"
retries = { attempts = 0 }
latency = "0s"
new_tls_connection_share = 0"#,
        1,
        "10ms",
    );
    scenario::parse(&text, "memory_flat.toml").unwrap()
}

/// Peak bytes live above the level before, while one replication of `s` runs and is
/// summarised (the summary kept until the peak is read).
fn peak_of(s: &scenario::Scenario) -> usize {
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let summary = summarise_replications_within_budget(s, 0..1, &|_| {}).unwrap();
    let peak = PEAK.load(Ordering::Relaxed) - before;
    assert!(summary.requests.offered > 0);
    drop(summary);
    peak
}

#[test]
fn memory_does_not_grow_with_run_length() {
    for window in ["2s", "10s"] {
        let short = peak_of(&mm1("20m", window));
        let long = peak_of(&mm1("2000m", window));
        eprintln!("window {window}: peak {short} B for 20 min, {long} B for 2,000 min");
        assert!(
            (long as f64) < 1.2 * short as f64,
            "window {window}: 2,000 minutes peaked at {long} B, 20 minutes at {short} B \
             (ratio {:.2}, want < 1.2)",
            long as f64 / short as f64
        );
    }
}
