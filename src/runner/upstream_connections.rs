//! The gateways' and sidecars' connections to pods over the replications: `summary.json`'s
//! `upstream_connections` and the terminal's line. The share of tries that opened a new
//! connection is a result of the pools (see `model/upstream_pool.rs`), per tier: `ingress`
//! (the L7 gateway's replicas → pods) and `mesh` (the sidecars → pods, with `mesh`).
//!
//! Counts are summed over the replications; the shares are one value per replication that sent
//! any try through the tier, with their mean and 95% Student t interval (`null` when none did).

use serde::Serialize;

use crate::model::RunResult;
use crate::runner::summary::estimate_or_null;
use crate::scenario::{IngressKind, Scenario};
use crate::stats::Estimate;

/// One tier's connections to pods over the replications.
#[derive(Clone, Debug, Serialize)]
pub struct UpstreamConnectionsSummary {
    /// "ingress" (gateway replicas → pods) or "mesh" (sidecars → pods).
    pub tier: String,
    /// Connections opened after the warm-up, all replications.
    pub new_connections: u64,
    /// Tries that reused an idle connection after the warm-up, all replications.
    pub reused_connections: u64,
    /// Share of the tries that opened a new connection.
    #[serde(serialize_with = "estimate_or_null")]
    pub new_connection_share: Estimate,
    /// Share of the tries that reused an idle connection (1 − the above).
    #[serde(serialize_with = "estimate_or_null")]
    pub connection_reuse: Estimate,
}

/// Collects each replication's counts, in index order.
#[derive(Debug, Default)]
pub struct UpstreamConnectionsAccumulator {
    /// Per tier (ingress, mesh): opened, reused, and the per-replication new shares.
    tiers: [(u64, u64, Vec<f64>); 2],
}

impl UpstreamConnectionsAccumulator {
    /// Adds the next replication.
    pub fn push(&mut self, r: &RunResult) {
        let u = &r.upstream;
        for (acc, (opened, reused)) in self.tiers.iter_mut().zip([
            (u.gateway_opened, u.gateway_reused),
            (u.mesh_opened, u.mesh_reused),
        ]) {
            acc.0 += opened;
            acc.1 += reused;
            if opened + reused > 0 {
                acc.2.push(opened as f64 / (opened + reused) as f64);
            }
        }
    }

    /// The tiers `scenario` has pools on: the L7 gateway's, then the mesh's.
    pub fn finish(self, scenario: &Scenario) -> Vec<UpstreamConnectionsSummary> {
        let gateway = scenario.ingress.upstream.is_some();
        let mesh = matches!(&scenario.ingress.kind, IngressKind::Istio(i) if i.mesh.is_some());
        self.tiers
            .into_iter()
            .zip([("ingress", gateway), ("mesh", mesh)])
            .filter(|(_, (_, on))| *on)
            .map(|((opened, reused, shares), (tier, _))| {
                let reuse: Vec<f64> = shares.iter().map(|s| 1.0 - s).collect();
                UpstreamConnectionsSummary {
                    tier: tier.to_string(),
                    new_connections: opened,
                    reused_connections: reused,
                    new_connection_share: Estimate::from_samples(&shares),
                    connection_reuse: Estimate::from_samples(&reuse),
                }
            })
            .collect()
    }
}
