//! Per-tier summaries: the ingress, each service and the egress, across replications.
//!
//! Tiers are matched across replications by name, in the order they first appear (replication
//! order), because a tier may be absent from some replications (the egress appears only in runs
//! that made external calls). Each estimate covers the replications that had the tier.

use serde::Serialize;

use crate::model::{ErrorCause, RunResult, TierResult};
use crate::runner::summary::LatencySummary;
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
        let mut names: Vec<&str> = Vec::new();
        for t in runs.iter().flat_map(|r| &r.tiers) {
            if !names.contains(&t.name.as_str()) {
                names.push(&t.name);
            }
        }
        names
            .into_iter()
            .map(|name| {
                let seen: Vec<(&RunResult, &TierResult)> = runs
                    .iter()
                    .filter_map(|r| r.tiers.iter().find(|t| t.name == name).map(|t| (r, t)))
                    .collect();
                Self::from_tier_runs(&seen, zones)
            })
            .collect()
    }

    /// Summary of one tier from its (run, tier) pairs; `seen` is never empty.
    fn from_tier_runs(seen: &[(&RunResult, &TierResult)], zones: &[String]) -> TierSummary {
        let est = |f: &dyn Fn(&RunResult, &TierResult) -> f64| {
            Estimate::from_samples(&seen.iter().map(|(r, t)| f(r, t)).collect::<Vec<_>>())
        };
        let first = seen[0].1;
        let zone_count = seen
            .iter()
            .map(|(_, t)| t.zone_utilisation.len())
            .max()
            .unwrap_or(0);
        let rejected = seen.iter().map(|(_, t)| t.rejected).sum();
        let lost = seen.iter().map(|(_, t)| t.lost).sum();
        TierSummary {
            name: first.name.clone(),
            kind: first.kind.clone(),
            servers: first.servers,
            arrivals: seen.iter().map(|(_, t)| t.arrivals).sum(),
            rejected,
            completed: seen.iter().map(|(_, t)| t.completed).sum(),
            carried_in: seen.iter().map(|(_, t)| t.carried_in).sum(),
            lost,
            in_flight: seen.iter().map(|(_, t)| t.in_flight).sum(),
            offered_load: Estimate::from_samples(
                &seen
                    .iter()
                    .filter_map(|(_, t)| t.offered_load)
                    .collect::<Vec<_>>(),
            ),
            unstable_replications: seen.iter().filter(|(_, t)| t.unstable).count() as u64,
            unstable: seen.iter().any(|(_, t)| t.unstable),
            failures: if first.kind.starts_with("egress:") {
                vec![
                    TierFailure {
                        cause: ErrorCause::SnatExhausted.name().into(),
                        count: rejected,
                    },
                    TierFailure {
                        cause: EGRESS_DEVICE_DOWN.into(),
                        count: lost,
                    },
                ]
            } else {
                Vec::new()
            },
            failure_rate: est(&|_, t| {
                if t.arrivals == 0 {
                    0.0
                } else {
                    (t.rejected + t.lost) as f64 / t.arrivals as f64
                }
            }),
            throughput: est(&|r, t| t.completed as f64 / r.measured_secs.max(f64::MIN_POSITIVE)),
            rejection_rate: est(&|_, t| {
                if t.arrivals == 0 {
                    0.0
                } else {
                    t.rejected as f64 / t.arrivals as f64
                }
            }),
            utilisation: est(&|_, t| t.utilisation),
            latency: LatencySummary::from_histograms(seen.iter().map(|(_, t)| &t.latency)),
            mean_queue: est(&|_, t| t.mean_queue),
            peak_queue: seen.iter().map(|(_, t)| t.peak_queue).fold(0.0, f64::max),
            zone_utilisation: (0..zone_count)
                .map(|z| ZoneUtilisation {
                    zone: zones.get(z).cloned().unwrap_or_else(|| format!("zone-{z}")),
                    utilisation: est(&|_, t| t.zone_utilisation.get(z).copied().unwrap_or(0.0)),
                })
                .collect(),
        }
    }
}
