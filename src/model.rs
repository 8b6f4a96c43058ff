//! The traffic path built on the engine: clients, the ingress tier, zone-spread pods, east-west
//! calls, the egress path and faults, as queueing stations in one event calendar.
//!
//! - [`topology`] — pods and ingress instances, their zones, and each balancer's view of them;
//! - `sim` — the state of one replication, the request arena and the event loop;
//! - `flow` — how a request moves (timeouts, retries, outlier detection);
//! - `balance` — load-balancing policies;
//! - [`detection`] — how long each balancer takes to notice a dead or new backend;
//! - `scaling` — the HPA, eviction and replacement of pods from lost nodes, scale-down;
//! - `faults` — zone outages, pod crashes, dependency degradation, restarts;
//! - `collect` — gauges and the end-of-run [`RunResult`].
//!
//! The model never prints and never touches files; the runner and report layers do.

mod balance;
mod budget;
mod collect;
pub mod detection;
mod faults;
mod flow;
mod front;
mod gateway_hpa;
mod hpa;
mod placement;
pub mod result;
mod scaling;
mod sim;
pub mod topology;

pub use result::{DeadSends, ErrorCause, ReplicaStats, RunResult, TierResult};

use crate::scenario::Scenario;

/// Runs replication `replication` of `scenario` (streams derived from the scenario's seed and
/// the replication index) and returns what it measured. Deterministic: the same scenario and
/// replication index always give the same result.
pub fn simulate(scenario: &Scenario, replication: u64) -> RunResult {
    let mut sim = sim::Sim::new(scenario, replication);
    sim.run();
    sim.into_result(replication)
}
