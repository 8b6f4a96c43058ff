//! How evenly each service's pods shared its work, over the replications: `summary.json`'s
//! `pod_balance` and the terminal's per-pod line. It tells a pinned service (gRPC behind a
//! plain Kubernetes Service: a few pods busy, the rest idle) from a balanced one.
//!
//! Each figure is one value per replication (see [`crate::model::PodBalance`]) and their mean
//! with a 95% Student t interval; a replication in which the service got no work gives no
//! sample of its ratio or share (`null` when none did).

use serde::Serialize;

use crate::model::RunResult;
use crate::runner::summary::estimate_or_null;
use crate::scenario::{CallTarget, Scenario};
use crate::stats::Estimate;

/// One service's per-pod balance over the replications.
#[derive(Clone, Debug, Serialize)]
pub struct PodBalanceSummary {
    /// The service.
    pub service: String,
    /// Whether some call to it is balanced per connection (its `protocol` is "http2" or
    /// "grpc", or a call sets `connections`), with or without a mesh taking over.
    pub per_connection: bool,
    /// Pods measured per replication: up at the end and ready for at least one window.
    pub pods: Estimate,
    /// Of those, pods that got no work.
    pub idle_pods: Estimate,
    /// The busiest pod's rate of work over the mean pod's (1: even).
    #[serde(serialize_with = "estimate_or_null")]
    pub max_over_mean: Estimate,
    /// The busiest pod's share of the service's work.
    #[serde(serialize_with = "estimate_or_null")]
    pub busiest_share: Estimate,
}

/// Collects each replication's per-pod balance, in index order.
#[derive(Debug, Default)]
pub struct PodBalanceAccumulator {
    /// Per service: pods, idle pods, ratio and share samples.
    samples: Vec<[Vec<f64>; 4]>,
}

impl PodBalanceAccumulator {
    /// Adds the next replication.
    pub fn push(&mut self, r: &RunResult) {
        if self.samples.len() < r.pod_balance.len() {
            self.samples
                .resize_with(r.pod_balance.len(), Default::default);
        }
        for (acc, b) in self.samples.iter_mut().zip(&r.pod_balance) {
            acc[0].push(f64::from(b.pods));
            acc[1].push(f64::from(b.idle_pods));
            acc[2].extend(b.max_over_mean);
            acc[3].extend(b.busiest_share);
        }
    }

    /// One entry per service of `scenario`, in its order.
    pub fn finish(self, scenario: &Scenario) -> Vec<PodBalanceSummary> {
        let targets = per_connection_targets(scenario);
        self.samples
            .into_iter()
            .zip(&scenario.services)
            .enumerate()
            .map(|(si, (s, svc))| PodBalanceSummary {
                service: svc.name.clone(),
                per_connection: targets[si],
                pods: Estimate::from_samples(&s[0]),
                idle_pods: Estimate::from_samples(&s[1]),
                max_over_mean: Estimate::from_samples(&s[2]),
                busiest_share: Estimate::from_samples(&s[3]),
            })
            .collect()
    }
}

/// Per service: whether some call to it is balanced per connection by the file (its protocol
/// or a call's `connections`), whatever the mesh does.
pub fn per_connection_targets(s: &Scenario) -> Vec<bool> {
    let mut targets = vec![false; s.services.len()];
    for (si, svc) in s.services.iter().enumerate() {
        for (k, call) in svc.calls.iter().enumerate() {
            if let CallTarget::Service(t) = call.target
                && s.connection_pool(si, k).is_some()
            {
                targets[t] = true;
            }
        }
    }
    targets
}
