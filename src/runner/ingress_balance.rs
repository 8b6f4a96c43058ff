//! How evenly the ingress replicas shared the client attempts, over the replications:
//! `summary.json`'s `ingress_balance` and the terminal's ingress-balance line. With
//! `[clients] connections` the L4 load balancer in front of the replicas balances per
//! connection, so a few long-lived (HTTP/2) connections can load some replicas and leave the
//! rest idle, and replicas added by scaling get nothing until connections recycle.
//!
//! Each share is one value per replication (see [`crate::model::IngressBalance`]) and their
//! mean with a 95% Student t interval; a replication that sent no attempt to a replica gives
//! no sample (`null` when none did). The whole entry is `None` (`null`) when no replication
//! had ingress replicas (an ingress kind without instances, or none).

use serde::Serialize;

use crate::model::RunResult;
use crate::runner::summary::estimate_or_null;
use crate::stats::Estimate;

/// The ingress replicas' share of the attempts over the replications.
#[derive(Clone, Debug, Serialize)]
pub struct IngressBalanceSummary {
    /// Whether the clients keep long-lived connections (`[clients] connections`), so the
    /// replicas are chosen per connection; otherwise each attempt picks one on its own.
    pub per_connection: bool,
    /// Replicas that ran at some time in a replication (at the start and added by scaling).
    pub replicas: Estimate,
    /// The busiest replica's share of the attempts sent to a replica (1 / `replicas`: even).
    #[serde(serialize_with = "estimate_or_null")]
    pub busiest_share: Estimate,
    /// The share that went to replicas added by scaling after the start.
    #[serde(serialize_with = "estimate_or_null")]
    pub added_share: Estimate,
    /// Client connections opened after the warm-up, all replications (0 without
    /// `[clients] connections`).
    pub connections_opened: u64,
}

/// Collects each replication's ingress balance, in index order.
#[derive(Debug, Default)]
pub struct IngressBalanceAccumulator {
    replicas: Vec<f64>,
    busiest_share: Vec<f64>,
    added_share: Vec<f64>,
    connections_opened: u64,
}

impl IngressBalanceAccumulator {
    /// Adds the next replication (nothing when it had no ingress replicas).
    pub fn push(&mut self, r: &RunResult) {
        let Some(b) = &r.ingress_balance else {
            return;
        };
        self.replicas.push(f64::from(b.replicas));
        self.busiest_share.extend(b.busiest_share);
        self.added_share.extend(b.added_share);
        self.connections_opened += b.connections_opened;
    }

    /// The summary; `None` when no replication had ingress replicas.
    pub fn finish(self, per_connection: bool) -> Option<IngressBalanceSummary> {
        if self.replicas.is_empty() {
            return None;
        }
        Some(IngressBalanceSummary {
            per_connection,
            replicas: Estimate::from_samples(&self.replicas),
            busiest_share: Estimate::from_samples(&self.busiest_share),
            added_share: Estimate::from_samples(&self.added_share),
            connections_opened: self.connections_opened,
        })
    }
}
