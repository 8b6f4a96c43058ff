//! Time to detect: how long balancers kept sending work to backends that were gone.
//!
//! The model records, per replication, every piece of work sent to a pod that was no longer
//! running ([`RunTrace::dead_sends`]: a count and the first and last time) and the same count
//! per window (gauge [`DEAD_SENDS`](crate::model::result::gauge::DEAD_SENDS)). A fault owns the
//! dead sends from its start until the next fault starts (or the run ends). When a run's first
//! and last dead send both fall in that span, the exact times are used; otherwise (several
//! faults that kill backends) the span is read from the windows, at window resolution, and
//! [`Detection::exact`] says so.

use serde::Serialize;

use crate::model::result::gauge;
use crate::runner::failover::RunTrace;
use crate::stats::Estimate;

use super::windows::{errors_between, overlap};

/// Dead-backend traffic caused by one fault, over the replications that had any.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Detection {
    /// Replications in which work was sent to a dead backend during the fault.
    pub replications: u64,
    /// Work sent to dead backends, all replications together.
    pub dead_sends: u64,
    /// When the first dead-backend send happened, seconds since the start of the run.
    pub first_dead_send_secs: Estimate,
    /// When the last dead-backend send happened: after it every balancer had noticed.
    pub last_dead_send_secs: Estimate,
    /// Time to detect: last dead-backend send minus the first, seconds.
    pub time_to_detect_secs: Estimate,
    /// Requests that failed (any cause) between the first and the last dead-backend send, per
    /// replication. A black-holed request fails only at its timeout, so this count lags the
    /// sends by up to the client's timeout; one that arrived meanwhile and was still unfinished
    /// when the run ended counts too.
    pub failed_requests: Estimate,
    /// Whether every replication's times are exact (true) or some were read at window
    /// resolution (several faults that kill backends in one run).
    pub exact: bool,
}

/// One run's dead sends in a span: first and last time (seconds), count, and exactness.
struct RunDeadSends {
    first: f64,
    last: f64,
    count: u64,
    exact: bool,
}

/// Dead sends of `run` attributed to the span `[from, to)`, or `None` if there were none.
fn in_span(run: &RunTrace, from: f64, to: f64) -> Option<RunDeadSends> {
    let d = run.dead_sends;
    let inside = |t: Option<f64>| t.is_some_and(|t| t >= from && t < to);
    if inside(d.first_secs) && inside(d.last_secs) {
        return Some(RunDeadSends {
            first: d.first_secs.unwrap_or(from),
            last: d.last_secs.unwrap_or(from),
            count: d.count,
            exact: true,
        });
    }
    // Window resolution: windows inside the span whose dead-send count is positive.
    let mut found: Option<RunDeadSends> = None;
    for w in run.series.windows().iter().enumerate() {
        let (i, win) = w;
        let n = run.series.gauge(i, gauge::DEAD_SENDS).last;
        if n <= 0.0 || overlap(win, from, to) <= 0.0 {
            continue;
        }
        let (a, b) = (
            win.start.as_secs_f64().max(from),
            win.end.as_secs_f64().min(to),
        );
        let f = found.get_or_insert(RunDeadSends {
            first: a,
            last: b,
            count: 0,
            exact: false,
        });
        f.last = b;
        f.count += n as u64;
    }
    found
}

impl Detection {
    /// The dead sends of `runs` in `[from, to)`, or `None` if no replication had any.
    pub(super) fn from_runs(runs: &[RunTrace], from: f64, to: f64) -> Option<Detection> {
        let seen: Vec<(&RunTrace, RunDeadSends)> = runs
            .iter()
            .filter_map(|r| in_span(r, from, to).map(|d| (r, d)))
            .collect();
        if seen.is_empty() {
            return None;
        }
        let est = |f: &dyn Fn(&RunTrace, &RunDeadSends) -> f64| {
            Estimate::from_samples(&seen.iter().map(|(r, d)| f(r, d)).collect::<Vec<_>>())
        };
        Some(Detection {
            replications: seen.len() as u64,
            dead_sends: seen.iter().map(|(_, d)| d.count).sum(),
            first_dead_send_secs: est(&|_, d| d.first),
            last_dead_send_secs: est(&|_, d| d.last),
            time_to_detect_secs: est(&|_, d| d.last - d.first),
            failed_requests: est(&|r, d| errors_between(&r.series, d.first, d.last)),
            exact: seen.iter().all(|(_, d)| d.exact),
        })
    }
}
