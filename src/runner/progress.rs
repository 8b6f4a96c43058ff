//! Progress: what running replications report ([`Progress`]), and the one place progress bars
//! are made, so that every command hides them the same way.
//!
//! A [`SimProgress`] bar advances with simulated time: its length is the simulated time of all
//! the replications to run, and each running replication adds what its clock moved every few
//! thousand events (see [`crate::model::simulate_reporting`]), so the bar moves smoothly
//! within long replications and its ETA (indicatif's, from the rate of progress) is sane from
//! the first seconds. The amounts of a replication add up to its duration exactly, so a run
//! that ends reaches the bar's length exactly, and the position never goes back.
//!
//! Bars draw on standard error. They are hidden when the user asked for quiet or when standard
//! error is not a terminal (a CI log or a file would otherwise fill with redraws); a hidden bar
//! accepts every call and draws nothing (and still counts), so callers never branch on
//! visibility.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::engine::SimDuration;
use crate::scenario::Scenario;

/// What running replications report: how far their simulated clocks moved, and when one
/// finished. Any `Fn(u64) + Sync` closure is one: it is called with the index of each
/// replication that finished and ignores the clock.
pub trait Progress: Sync {
    /// A running replication's clock moved on by `by` (called from its worker thread).
    fn advanced(&self, by: SimDuration) {
        let _ = by;
    }

    /// Replication `replication` finished (called from its worker thread, in no particular
    /// order).
    fn finished(&self, replication: u64);
}

impl<F: Fn(u64) + Sync> Progress for F {
    fn finished(&self, replication: u64) {
        self(replication)
    }
}

/// A progress bar over simulated time (nanoseconds), with replications done and a note of the
/// caller's in its message.
#[derive(Debug)]
pub struct SimProgress {
    bar: ProgressBar,
    /// Replications finished.
    done: AtomicU64,
    /// Replications to run (grows with [`add`](Self::add)).
    total: AtomicU64,
    /// The caller's note, after the replication count.
    note: Mutex<String>,
}

impl SimProgress {
    /// A bar for `replications` replications of `duration` each, labelled `label`; hidden
    /// (but counting) when `quiet` is set or standard error is not a terminal.
    pub fn new(replications: u64, duration: SimDuration, label: &str, quiet: bool) -> Self {
        let len = replications.saturating_mul(duration.0);
        let bar = if quiet || !std::io::stderr().is_terminal() {
            let bar = ProgressBar::hidden();
            bar.set_length(len);
            bar
        } else {
            let style = ProgressStyle::with_template(
                "{prefix:.bold} [{bar:30.cyan/blue}] {percent:>3}% simulated  {elapsed} (ETA {eta})  {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
            let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr())
                .with_style(style)
                .with_prefix(label.to_string());
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        };
        let p = SimProgress {
            bar,
            done: AtomicU64::new(0),
            total: AtomicU64::new(replications),
            note: Mutex::new(String::new()),
        };
        p.redraw_message();
        p
    }

    /// A bar for every replication of every scenario of `scenarios` (each its own
    /// `replications` × `duration`).
    pub fn over(scenarios: &[Scenario], label: &str, quiet: bool) -> Self {
        let p = SimProgress::new(0, SimDuration::ZERO, label, quiet);
        for s in scenarios {
            p.add(u64::from(s.simulation.replications), s.simulation.duration);
        }
        p
    }

    /// Adds `replications` more replications of `duration` each to run (a capacity search's
    /// next probe).
    pub fn add(&self, replications: u64, duration: SimDuration) {
        let more = replications.saturating_mul(duration.0);
        self.bar.set_length(self.length().saturating_add(more));
        self.total.fetch_add(replications, Ordering::Relaxed);
        self.redraw_message();
    }

    /// Sets the note shown after the replication count.
    pub fn set_note(&self, note: impl Into<String>) {
        if let Ok(mut n) = self.note.lock() {
            *n = note.into();
        }
        self.redraw_message();
    }

    /// Simulated time done so far, all replications, nanoseconds.
    pub fn position(&self) -> u64 {
        self.bar.position()
    }

    /// Simulated time to do, all replications, nanoseconds.
    pub fn length(&self) -> u64 {
        self.bar.length().unwrap_or(0)
    }

    /// Replications finished so far.
    pub fn replications_done(&self) -> u64 {
        self.done.load(Ordering::Relaxed)
    }

    /// Clears the bar from the terminal.
    pub fn finish_and_clear(&self) {
        self.bar.finish_and_clear();
    }

    /// "3/10 replications; <note>".
    fn redraw_message(&self) {
        let note = self.note.lock().map(|n| n.clone()).unwrap_or_default();
        let counts = format!(
            "{}/{} replications",
            self.done.load(Ordering::Relaxed),
            self.total.load(Ordering::Relaxed)
        );
        self.bar.set_message(if note.is_empty() {
            counts
        } else {
            format!("{counts}; {note}")
        });
    }
}

impl Progress for SimProgress {
    fn advanced(&self, by: SimDuration) {
        self.bar.inc(by.0);
    }

    fn finished(&self, _replication: u64) {
        self.done.fetch_add(1, Ordering::Relaxed);
        self.redraw_message();
    }
}
