//! Per-tier summaries: the ingress, each service and the egress, across replications.
//!
//! Tiers are matched across replications by name, in the order they first appear (replication
//! order), because a tier may be absent from some replications (the egress appears only in runs
//! that made external calls). Each estimate covers the replications that had the tier.

use serde::Serialize;

use crate::model::{ErrorCause, RunResult, TierResult};
use crate::runner::summary::{LatencyAccumulator, LatencySummary};
use crate::stats::Estimate;

/// The cause of egress calls lost with their egress device (a NAT Gateway in a dead zone).
pub const EGRESS_DEVICE_DOWN: &str = "egress-device-down";

/// One tier over all replications.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TierSummary {
    /// "ingress", a service name, or "egress".
    pub name: String,
    /// What it is: "ingress:app-gateway", "service", "egress:nat-gateway", …
    pub kind: String,
    /// Worker slots at the start of a run.
    pub servers: u32,
    /// Attempts that arrived, all replications.
    pub arrivals: u64,
    /// Attempts turned away (full queue, no SNAT port), all replications.
    pub rejected: u64,
    /// Attempts completed, all replications.
    pub completed: u64,
    /// Attempts in the tier when the warm-up ended, all replications.
    pub carried_in: u64,
    /// Attempts lost in the tier, all replications: dropped from the waiting line of an
    /// instance or pod that died, or (the egress) calls sent to a NAT Gateway in a dead zone.
    pub lost: u64,
    /// Attempts still in the tier when the runs ended, all replications: `carried_in +
    /// arrivals = completed + rejected + lost + in_flight`.
    pub in_flight: u64,
    /// Why attempts failed in the tier, by cause, with counts (the egress: "snat-exhausted" for
    /// the rejected, "egress-device-down" for the lost); empty for the other tiers.
    pub failures: Vec<TierFailure>,
    /// Failed share of arrivals (rejected and lost).
    pub failure_rate: Estimate,
    /// Offered load: arrival rate × mean own work ÷ mean worker slots (above 1 the tier cannot
    /// keep up); `null` for tiers without slots (the egress).
    #[serde(serialize_with = "crate::runner::summary::estimate_or_null")]
    pub offered_load: Estimate,
    /// Replications in which the tier was unstable: offered load at least 1 and a waiting
    /// line that grew from mid-run to the end (see [`crate::model::result::is_unstable`]).
    pub unstable_replications: u64,
    /// Whether it was unstable in any replication: its queue would grow without bound, and
    /// its latency figures describe only the requests that got through before the run ended.
    pub unstable: bool,
    /// Completed attempts per second.
    pub throughput: Estimate,
    /// Rejected share of arrivals.
    pub rejection_rate: Estimate,
    /// Time-average busy share of the servers.
    pub utilisation: Estimate,
    /// Time in the tier (queue + service), seconds.
    pub latency: LatencySummary,
    /// Time-average requests waiting (all instances).
    pub mean_queue: Estimate,
    /// Longest waiting line at any one instance in any replication.
    pub peak_queue: f64,
    /// Busy share per zone (empty for tiers without zonal servers).
    pub zone_utilisation: Vec<ZoneUtilisation>,
}

/// Attempts a tier failed for one cause.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TierFailure {
    /// "snat-exhausted" or "egress-device-down".
    pub cause: String,
    /// Attempts, all replications.
    pub count: u64,
}

/// Utilisation of a tier's servers in one zone.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ZoneUtilisation {
    /// Zone name.
    pub zone: String,
    /// Time-average busy share of the tier's servers in the zone.
    pub utilisation: Estimate,
}

impl TierSummary {
    /// One summary per tier name found in `runs`, in order of first appearance. `zones` names
    /// the zone indices of per-zone figures.
    pub fn from_runs(runs: &[RunResult], zones: &[String]) -> Vec<TierSummary> {
        let mut acc = TiersAccumulator::default();
        for r in runs {
            acc.push(r);
        }
        acc.finish(zones)
    }
}

/// The tiers of replications taken one at a time, in index order: for each tier name, in the
/// order it first appears, the sums and per-replication samples its [`TierSummary`] needs (a
/// few numbers per replication; the latency histograms are merged, not kept).
#[derive(Debug, Default)]
pub(crate) struct TiersAccumulator {
    tiers: Vec<TierAccumulator>,
}

impl TiersAccumulator {
    /// Adds the tiers of one replication (the first tier of each name, as a name may repeat).
    pub(crate) fn push(&mut self, run: &RunResult) {
        for (i, t) in run.tiers.iter().enumerate() {
            if run.tiers[..i].iter().any(|u| u.name == t.name) {
                continue;
            }
            match self.tiers.iter_mut().find(|a| a.name == t.name) {
                Some(acc) => acc.push(run, t),
                None => {
                    let mut acc = TierAccumulator::new(t);
                    acc.push(run, t);
                    self.tiers.push(acc);
                }
            }
        }
    }

    /// One summary per tier, in order of first appearance.
    pub(crate) fn finish(self, zones: &[String]) -> Vec<TierSummary> {
        self.tiers.into_iter().map(|t| t.finish(zones)).collect()
    }
}

/// One tier's figures over the replications that had it so far.
#[derive(Debug)]
struct TierAccumulator {
    name: String,
    kind: String,
    servers: u32,
    arrivals: u64,
    rejected: u64,
    completed: u64,
    carried_in: u64,
    lost: u64,
    in_flight: u64,
    offered_load: Vec<f64>,
    unstable_replications: u64,
    failure_rate: Vec<f64>,
    throughput: Vec<f64>,
    rejection_rate: Vec<f64>,
    utilisation: Vec<f64>,
    latency: LatencyAccumulator,
    mean_queue: Vec<f64>,
    peak_queue: f64,
    /// Per replication, its busy share per zone.
    zone_utilisation: Vec<Vec<f64>>,
}

impl TierAccumulator {
    /// Empty, named and typed after `first`, the tier's first appearance.
    fn new(first: &TierResult) -> Self {
        TierAccumulator {
            name: first.name.clone(),
            kind: first.kind.clone(),
            servers: first.servers,
            arrivals: 0,
            rejected: 0,
            completed: 0,
            carried_in: 0,
            lost: 0,
            in_flight: 0,
            offered_load: Vec::new(),
            unstable_replications: 0,
            failure_rate: Vec::new(),
            throughput: Vec::new(),
            rejection_rate: Vec::new(),
            utilisation: Vec::new(),
            latency: LatencyAccumulator::default(),
            mean_queue: Vec::new(),
            peak_queue: 0.0,
            zone_utilisation: Vec::new(),
        }
    }

    /// Adds tier `t` of replication `r`.
    fn push(&mut self, r: &RunResult, t: &TierResult) {
        let share = |n: u64| {
            if t.arrivals == 0 {
                0.0
            } else {
                n as f64 / t.arrivals as f64
            }
        };
        self.arrivals += t.arrivals;
        self.rejected += t.rejected;
        self.completed += t.completed;
        self.carried_in += t.carried_in;
        self.lost += t.lost;
        self.in_flight += t.in_flight;
        self.offered_load.extend(t.offered_load);
        self.unstable_replications += u64::from(t.unstable);
        self.failure_rate.push(share(t.rejected + t.lost));
        self.throughput
            .push(t.completed as f64 / r.measured_secs.max(f64::MIN_POSITIVE));
        self.rejection_rate.push(share(t.rejected));
        self.utilisation.push(t.utilisation);
        self.latency.push(&t.latency);
        self.mean_queue.push(t.mean_queue);
        self.peak_queue = f64::max(self.peak_queue, t.peak_queue);
        self.zone_utilisation.push(t.zone_utilisation.clone());
    }

    /// The tier's summary.
    fn finish(self, zones: &[String]) -> TierSummary {
        let est = |v: &[f64]| Estimate::from_samples(v);
        let zone_count = self
            .zone_utilisation
            .iter()
            .map(Vec::len)
            .max()
            .unwrap_or(0);
        let failures = if self.kind.starts_with("egress:") {
            vec![
                TierFailure {
                    cause: ErrorCause::SnatExhausted.name().into(),
                    count: self.rejected,
                },
                TierFailure {
                    cause: EGRESS_DEVICE_DOWN.into(),
                    count: self.lost,
                },
            ]
        } else {
            Vec::new()
        };
        TierSummary {
            servers: self.servers,
            arrivals: self.arrivals,
            rejected: self.rejected,
            completed: self.completed,
            carried_in: self.carried_in,
            lost: self.lost,
            in_flight: self.in_flight,
            offered_load: est(&self.offered_load),
            unstable_replications: self.unstable_replications,
            unstable: self.unstable_replications > 0,
            failures,
            failure_rate: est(&self.failure_rate),
            throughput: est(&self.throughput),
            rejection_rate: est(&self.rejection_rate),
            utilisation: est(&self.utilisation),
            latency: self.latency.finish(),
            mean_queue: est(&self.mean_queue),
            peak_queue: self.peak_queue,
            zone_utilisation: (0..zone_count)
                .map(|z| ZoneUtilisation {
                    zone: zones.get(z).cloned().unwrap_or_else(|| format!("zone-{z}")),
                    utilisation: est(&self
                        .zone_utilisation
                        .iter()
                        .map(|u| u.get(z).copied().unwrap_or(0.0))
                        .collect::<Vec<_>>()),
                })
                .collect(),
            name: self.name,
            kind: self.kind,
        }
    }
}
