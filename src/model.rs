//! The traffic path built on the engine: clients, the ingress tier, zone-spread pods, east-west
//! calls, the egress path and faults, as queueing stations in one event calendar.
//!
//! - [`topology`] — pods and ingress instances, their zones, and each balancer's view of them;
//! - `sim` — the state of one replication, the request arena and the event loop;
//! - `flow` — how a request moves (timeouts, retries, outlier detection);
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
//! - `timers` — calendar lanes for fixed timeouts, and which queued timeouts are stale;
//! - `memory` — the memory a replication holds, against a budget;
//! - `collect` — gauges and the end-of-run [`RunResult`];
//! - [`usage`] — instances, pods and traffic held and carried, for the cost estimate.
//!
//! The model never prints and never touches files; the runner and report layers do.

mod balance;
mod budget;
mod call_retry;
mod collect;
pub mod detection;
mod fan_out;
mod faults;
mod firewall;
mod flow;
mod front;
mod gateway_hpa;
mod hpa;
mod memory;
mod mesh_retry;
mod placement;
mod policy;
pub mod result;
mod scaling;
mod sim;
mod snat;
mod timers;
pub mod topology;
pub mod usage;

pub use memory::OverBudget;
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
    // With no budget the run always reaches its end.
    let _ = sim.run(u64::MAX);
    sim.into_result(replication)
}

/// Like [`simulate`], but stops with [`OverBudget`] if the replication's state (request arena,
/// calendar, waiting lines) grows past `budget` bytes. Below the budget the result is the same
/// as [`simulate`]'s.
pub fn simulate_within(
    scenario: &Scenario,
    replication: u64,
    budget: u64,
) -> Result<RunResult, OverBudget> {
    let mut sim = sim::Sim::new(scenario, replication);
    sim.run(budget)
        .map_err(|e| OverBudget { replication, ..e })?;
    Ok(sim.into_result(replication))
}
