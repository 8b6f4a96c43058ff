//! The traffic path built on the engine: clients, the ingress tier, zone-spread pods, east-west
//! calls, the egress path and faults, as queueing stations in one event calendar.
//!
//! - [`topology`] — pods and ingress instances, their zones, and each balancer's view of them;
//! - `sim` — the state of one replication, the request arena and the event loop;
//! - `flow` — how a request moves (timeouts, retries, outlier detection);
//! - `egress` — a call to an external destination through the egress path;
//! - `fan_out` — parallel fan-out groups of calls, joined before the work goes on;
//! - `mesh_retry` — the mesh sidecars' east-west retries of failed connections;
//! - `call_retry` — retries the services' own code makes of failed calls;
//! - `policy` — network policies: dropped calls and their counts;
//! - `balance` — load-balancing policies;
//! - [`detection`] — how long each balancer takes to notice a dead or new backend;
//! - `scaling` — the HPA, eviction and replacement of pods from lost nodes, scale-down;
//! - `faults` — zone outages, pod crashes, dependency degradation, restarts;
//! - `snat` — outbound connections and how long each holds its SNAT port;
//! - `firewall` — Azure Firewall instances as throughput-limited queues, and their autoscaling;
//! - `collect` — gauges and the end-of-run [`RunResult`];
//! - [`usage`] — instances, pods and traffic held and carried, for the cost estimate.
//!
//! The model never prints and never touches files; the runner and report layers do.

mod balance;
mod budget;
mod call_retry;
mod collect;
pub mod detection;
mod egress;
mod fan_out;
mod faults;
mod firewall;
mod flow;
mod front;
mod gateway_hpa;
mod hpa;
mod mesh_retry;
mod placement;
mod policy;
pub mod result;
mod scaling;
mod sim;
mod snat;
pub mod topology;
pub mod usage;

pub use result::{
    DeadSends, DeniedCalls, ErrorCause, FirewallRun, ReplicaStats, RunResult, TierResult,
};
pub use usage::Usage;

use crate::scenario::Scenario;

/// Runs replication `replication` of `scenario` (streams derived from the scenario's seed and
/// the replication index) and returns what it measured. Deterministic: the same scenario and
/// replication index always give the same result.
pub fn simulate(scenario: &Scenario, replication: u64) -> RunResult {
    let mut sim = sim::Sim::new(scenario, replication);
    sim.run();
    sim.into_result(replication)
}
