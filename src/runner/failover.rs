//! The failover summary: for each fault of a scenario, what the user sees when it happens.
//!
//! One [`FailoverSummary`] per `[[faults]]` entry, in the scenario's order:
//!
//! - **the fault** — kind, what it hit, when it started and ended;
//! - **detection** ([`Detection`]) — first and last time work was sent to a dead backend, the
//!   time to detect between them, and the requests that failed or stayed unfinished meanwhile
//!   (none for faults that kill nothing, such as a dependency degradation);
//! - **requests failed during the fault** — from its start to its end (or the run's end), with
//!   those that arrived then and were still unfinished when the run ended;
//! - **surviving zones** ([`Surviving`]) — the zones other than the lost one (all zones for
//!   faults that do not take a zone), their peak utilisation during the fault, and whether they
//!   *saturated*: a surviving zone's utilisation, sampled at the end of each window, averaged
//!   at least [`SATURATION`] (95% of its worker slots busy) over [`SATURATION_WINDOWS`]
//!   consecutive windows of the fault, or that many consecutive windows each turned away at
//!   least [`REJECTED_SHARE`] of their requests with full queues. One sampled instant at 100%
//!   is ordinary at 75% load on a zone of a few dozen slots (every slot busy for a moment); an
//!   average of 95% over three windows is a queue that does not drain. The utilisation gauge is per zone over *all* services' pods, so one
//!   saturated service beside an idle one reads below 95% (a zone with 60 web slots at 100%
//!   and 8 orders slots at 50% reads 94%): full-queue rejections catch that case when the
//!   service has a `queue_limit`. A dead zone rejects nothing, so rejections come from the
//!   survivors;
//! - **recovery** ([`Recovery`]) — when p99 and error rate were back to normal;
//! - **N+1 arithmetic** ([`CapacityCheck`]) — was the capacity left enough on paper.
//!
//! Per-replication figures are [`Estimate`]s across replications (with a 95% interval); the
//! recovery headline is read from the merged series, where per-window p99s are least noisy.
//! Counts of failed requests are read from windows and prorated where a window straddles the
//! span (see `windows`).

mod capacity;
mod capacity_cpu;
mod detection;
mod recovery;
mod windows;

pub use capacity::{CapacityCheck, CapacityVerdict, TierCapacity};
pub use capacity_cpu::CpuCapacity;
pub use detection::Detection;
pub use recovery::{ERROR_TOLERANCE, P99_TOLERANCE, RECOVERY_WINDOWS, Recovery, RecoveryStatus};

use serde::Serialize;

use crate::model::{DeadSends, ErrorCause, RunResult};
use crate::scenario::{CallTarget, FailureMode, Fault, FaultKind, Scenario};
use crate::stats::{Estimate, TimeSeries};

use windows::{busiest_zone, errors_between, longest_streak, windows_in, zone_level};

/// Share of a zone's worker slots busy at which it counts as saturated.
pub const SATURATION: f64 = 0.95;
/// Consecutive saturated windows that make a saturation.
pub const SATURATION_WINDOWS: usize = 3;
/// Share of a window's finished requests rejected by full queues (final cause `rejected`) that
/// marks the window saturated even when the zone's utilisation gauge is below [`SATURATION`].
pub const REJECTED_SHARE: f64 = 0.01;

/// What the fault was.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FaultInfo {
    /// Position in the scenario's `[[faults]]`, from 0.
    pub index: usize,
    /// "zone-outage", "pod-crash", "pod-hang", "node-failure", "ingress-instance-loss",
    /// "dependency-degradation", "gray-failure" or "zone-latency".
    pub kind: String,
    /// What it hit: the zone (zone outage, node failure), the service, "ingress", the
    /// destination, or "cross-zone links".
    pub target: String,
    /// The zone lost (zone outage) or the failed node's zone (node failure).
    pub zone: Option<String>,
    /// "black-hole" or "reset" (zone outage, node failure).
    pub mode: Option<String>,
    /// When it started, seconds since the start of the run.
    pub start_secs: f64,
    /// When it ended; `None` if it lasts to the end of the run.
    pub end_secs: Option<f64>,
}

/// The zones that kept running, during the fault.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Surviving {
    /// Their names.
    pub zones: Vec<String>,
    /// Highest sampled utilisation of the busiest of them during the fault, per replication.
    pub peak_utilisation: Estimate,
    /// [`SATURATION`].
    pub saturation_threshold: f64,
    /// Replications in which they saturated.
    pub saturated_replications: u64,
    /// Whether they saturated in at least half of the replications.
    pub saturated: bool,
}

/// The failover story of one fault.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FailoverSummary {
    /// The fault.
    pub fault: FaultInfo,
    /// Dead-backend traffic and time to detect; `None` if no work reached a dead backend.
    pub detection: Option<Detection>,
    /// Requests that failed (any cause) during the fault, or arrived during it and were still
    /// unfinished when the run ended, per replication.
    pub failed_during_fault: Estimate,
    /// The surviving zones.
    pub surviving: Surviving,
    /// When p99 and error rate were back.
    pub recovery: Recovery,
    /// The N+1 arithmetic.
    pub capacity: CapacityCheck,
}

/// What the failover analysis reads of one replication: its time series and its dead sends.
/// The summary keeps one per replication only for scenarios with faults (the recovery of each
/// replication is judged against thresholds taken from the merged series, known at the end).
#[derive(Clone, Debug)]
pub struct RunTrace {
    /// The replication's per-window series.
    pub series: TimeSeries,
    /// Its sends to pods that were no longer running.
    pub dead_sends: DeadSends,
}

impl RunTrace {
    /// The trace of `run` (a copy of its series).
    pub fn of(run: &RunResult) -> RunTrace {
        RunTrace {
            series: run.series.clone(),
            dead_sends: run.dead_sends,
        }
    }
}

impl FailoverSummary {
    /// One summary per fault of `scenario`, from its replications `runs` and their merged
    /// series `merged`. Empty without faults.
    pub fn from_runs(scenario: &Scenario, runs: &[RunTrace], merged: &TimeSeries) -> Vec<Self> {
        let starts: Vec<f64> = scenario.faults.iter().map(|f| f.at.as_secs_f64()).collect();
        let first_fault = starts.iter().copied().fold(f64::INFINITY, f64::min);
        let run_end = scenario.simulation.duration.as_secs_f64();
        scenario
            .faults
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let info = info(scenario, i, f);
                let (start, end) = (info.start_secs, info.end_secs.unwrap_or(run_end));
                // Dead sends belong to this fault until the next one starts; of faults that
                // start together, to the first listed.
                let shared = starts[..i].contains(&start);
                let next = starts
                    .iter()
                    .copied()
                    .filter(|&s| s > start)
                    .fold(run_end, f64::min);
                let span_end = if shared { start } else { next };
                let zones = surviving_zones(scenario, f);
                let est = |v: &dyn Fn(&RunTrace) -> f64| {
                    Estimate::from_samples(&runs.iter().map(v).collect::<Vec<_>>())
                };
                let peaks: Vec<f64> = runs
                    .iter()
                    .filter_map(|r| peak(&r.series, &zones, start, end))
                    .collect();
                let saturated = runs
                    .iter()
                    .filter(|r| saturated(&r.series, &zones, start, end))
                    .count() as u64;
                FailoverSummary {
                    detection: Detection::from_runs(runs, start, span_end),
                    failed_during_fault: est(&|r| errors_between(&r.series, start, end)),
                    surviving: Surviving {
                        zones: zones
                            .iter()
                            .map(|&z| scenario.network.zones[z].clone())
                            .collect(),
                        peak_utilisation: Estimate::from_samples(&peaks),
                        saturation_threshold: SATURATION,
                        saturated_replications: saturated,
                        saturated: !runs.is_empty() && 2 * saturated >= runs.len() as u64,
                    },
                    recovery: Recovery::measure(
                        scenario,
                        runs,
                        merged,
                        first_fault,
                        info.end_secs.unwrap_or(start),
                    ),
                    capacity: CapacityCheck::of(scenario, f, runs, first_fault),
                    fault: info,
                }
            })
            .collect()
    }
}

/// The fault's description.
fn info(s: &Scenario, index: usize, f: &Fault) -> FaultInfo {
    let start = f.at.as_secs_f64();
    let (kind, target, zone, mode) = match &f.kind {
        FaultKind::ZoneOutage { zone, mode } => {
            let name = s.network.zones[*zone].clone();
            let mode = match mode {
                FailureMode::BlackHole => "black-hole",
                FailureMode::Reset => "reset",
            };
            (
                "zone-outage",
                name.clone(),
                Some(name),
                Some(mode.to_string()),
            )
        }
        FaultKind::PodHang { service, .. } => {
            ("pod-hang", s.services[*service].name.clone(), None, None)
        }
        FaultKind::PodCrash { service, .. } => {
            ("pod-crash", s.services[*service].name.clone(), None, None)
        }
        FaultKind::DependencyDegradation { target, .. } => {
            let name = match target {
                CallTarget::Service(i) => s.services[*i].name.clone(),
                CallTarget::Destination(i) => s.egress.destinations[*i].name.clone(),
            };
            ("dependency-degradation", name, None, None)
        }
        FaultKind::NodeFailure { zone, mode, .. } => {
            let name = s.network.zones[*zone].clone();
            let mode = match mode {
                FailureMode::BlackHole => "black-hole",
                FailureMode::Reset => "reset",
            };
            (
                "node-failure",
                name.clone(),
                Some(name),
                Some(mode.to_string()),
            )
        }
        FaultKind::IngressInstanceLoss { .. } => {
            ("ingress-instance-loss", "ingress".to_string(), None, None)
        }
        FaultKind::GrayFailure { service, .. } => (
            "gray-failure",
            s.services[*service].name.clone(),
            None,
            None,
        ),
        FaultKind::ZoneLatency { .. } => {
            ("zone-latency", "cross-zone links".to_string(), None, None)
        }
    };
    FaultInfo {
        index,
        kind: kind.to_string(),
        target,
        zone,
        mode,
        start_secs: start,
        end_secs: f.duration.map(|d| start + d.as_secs_f64()),
    }
}

/// Zone indices that keep running during `f`.
fn surviving_zones(s: &Scenario, f: &Fault) -> Vec<usize> {
    let lost = match f.kind {
        FaultKind::ZoneOutage { zone, .. } => Some(zone),
        _ => None,
    };
    (0..s.network.zones.len())
        .filter(|&z| Some(z) != lost)
        .collect()
}

/// Highest sampled utilisation of the busiest of `zones` in `[from, to)` of one run.
fn peak(series: &TimeSeries, zones: &[usize], from: f64, to: f64) -> Option<f64> {
    windows_in(series, from, to)
        .into_iter()
        .filter_map(|i| busiest_zone(series, i, zones))
        .reduce(f64::max)
}

/// Whether, in one run, one of `zones` averaged at least [`SATURATION`] over the end-of-window
/// samples of [`SATURATION_WINDOWS`] consecutive windows of `[from, to)`, or that many
/// consecutive windows each turned away at least [`REJECTED_SHARE`] of their finished requests
/// with full queues.
fn saturated(series: &TimeSeries, zones: &[usize], from: f64, to: f64) -> bool {
    let idx = windows_in(series, from, to);
    let rejecting = idx.iter().map(|&i| {
        let w = &series.windows()[i];
        let finished = (w.completed + w.errors_total()).max(1) as f64;
        w.errors[ErrorCause::Rejected as usize] as f64 / finished >= REJECTED_SHARE
    });
    if longest_streak(rejecting) >= SATURATION_WINDOWS {
        return true;
    }
    zones.iter().any(|&z| {
        let u: Vec<Option<f64>> = idx.iter().map(|&i| zone_level(series, i, z)).collect();
        u.windows(SATURATION_WINDOWS).any(|run| {
            let sum: Option<f64> = run.iter().copied().sum();
            sum.is_some_and(|s| s / SATURATION_WINDOWS as f64 >= SATURATION)
        })
    })
}
