//! The traffic path built on the engine: clients, the ingress tier, zone-spread pods, east-west
//! calls, the egress path and faults, as queueing stations in one event calendar.
//!
//! - [`topology`] — pods and ingress instances, their zones, and each balancer's view of them;
//! - `sim` — the state of one replication, the request arena and the event loop;
//! - `flow` — how a request moves (timeouts, retries, outlier detection);
//! - `fold` — zero-delay hops handled right after the current event, without the calendar;
//! - `egress` — a call to an external destination through the egress path;
//! - `fan_out` — parallel fan-out groups of calls, joined before the work goes on;
//! - `conn_pool` — callers' keep-alive connections behind kube-proxy: a pod per connection
//!   (HTTP/2 and gRPC pinning), and the per-pod balance of each service;
//! - `connect` — connect timeouts: a proxy's new connection to a black-holed pod fails early;
//! - `mesh_retry` — the mesh sidecars' east-west retries of failed connections;
//! - `call_retry` — retries the services' own code makes of failed calls;
//! - `cpu` — a pod's CPU shared by processor sharing, and service time that grows with
//!   concurrency (`contention`);
//! - `sidecar` — the CPU an Istio sidecar takes from its pod: per request passing it, per
//!   mTLS handshake;
//! - `policy` — network policies: dropped calls and their counts;
//! - [`routing`] — request classes, header rules, weighted choices among call targets, and
//!   the results per class, route and option;
//! - `balance` — load-balancing policies (ingress-nginx's EWMA, Envoy's least-request);
//! - `routable` — each balancer's candidate pods as maintained sets: a pick in O(log n);
//! - `locality` — zones in balancing: Envoy's locality priority levels, topology-aware routing;
//! - `retry_on` — which failures Istio's default retry policy retries (gateway and mesh);
//! - [`detection`] — how long each balancer takes to notice a dead or new backend;
//! - [`agw_probe`] — App Gateway's health probes: when a failure or a return is seen;
//! - `termination` — a deleted pod's last moments: App Gateway's draining, the final reset;
//! - `front` — the clients' hop in and out, and the Load Balancer's nodes under
//!   `externalTrafficPolicy: Cluster`;
//! - `scaling` — the HPA, eviction and replacement of pods from lost nodes, scale-down;
//! - `hpa` — the HPA's replica calculation, shared by the services and the gateways;
//! - `node_lifecycle` — lost nodes, zone states and the rate-limited tainting that evicts pods;
//! - `faults` — zone outages, pod crashes, dependency degradation, restarts;
//! - `snat` — outbound connections and how long each holds its SNAT port;
//! - `egress_pool` — each pod's pool of connections to an external destination (`pool`);
//! - `firewall` — Azure Firewall instances as throughput-limited queues, and their autoscaling;
//! - `timers` — calendar lanes for fixed timeouts, and which queued timeouts are stale;
//! - `memory` — the memory a replication holds, against a budget;
//! - `footprint` — the high-water marks of a replication's state (calendar, arena, bytes);
//! - `collect` — gauges and the end-of-run [`RunResult`];
//! - [`timeline`] — when the control loops acted (evictions, HPA and gateway scaling), for the
//!   charts' markers;
//! - [`usage`] — instances, pods and traffic held and carried, for the cost estimate.
//!
//! The model never prints and never touches files; the runner and report layers do.

mod agc_scale_in;
pub mod agw_probe;
pub mod attribution;
mod balance;
mod budget;
mod call_retry;
mod client_conn;
mod collect;
mod conn_drain;
mod conn_handshake;
mod conn_pool;
mod conn_streams;
mod connect;
mod cpu;
pub mod detection;
mod egress;
mod egress_pool;
mod event_word;
mod fan_out;
mod faults;
mod firewall;
mod flow;
mod fold;
mod footprint;
mod front;
mod gateway_hpa;
mod hpa;
mod locality;
mod memory;
mod mesh_retry;
mod node_cpu;
mod node_lifecycle;
mod node_map;
mod placement;
mod policy;
pub mod result;
mod retry_on;
mod root_cause;
mod routable;
pub mod routing;
mod scaling;
mod sidecar;
mod sim;
mod snat;
mod termination;
pub mod timeline;
mod timers;
pub mod topology;
mod upstream_pool;
pub mod usage;

pub use client_conn::IngressBalance;
pub use conn_pool::PodBalance;
pub use egress_pool::{ConnectionStats, simulate_with_connections};
pub use footprint::{Footprint, simulate_with_footprint};
pub use memory::OverBudget;
pub use node_map::most_pods_on_one_node;
pub use result::{
    DeadSends, DeniedCalls, ErrorCause, FirewallRun, ReplicaStats, RunResult, TierResult,
};
pub use upstream_pool::UpstreamCounts;
pub use usage::Usage;

use crate::scenario::Scenario;

/// Runs replication `replication` of `scenario` (streams derived from the scenario's seed and
/// the replication index) and returns what it measured. Deterministic: the same scenario and
/// replication index always give the same result.
pub fn simulate(scenario: &Scenario, replication: u64) -> RunResult {
    let mut sim = sim::Sim::new(scenario, replication);
    // With no budget the run always reaches its end.
    let _ = sim.run(u64::MAX, &|_| {});
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
    simulate_reporting(scenario, replication, budget, &|_| {})
}

/// Like [`simulate_within`], and tells `advance` every few thousand events how far the
/// simulated clock moved since it was last told (the amounts of a run that reaches its end add
/// up to the scenario's duration exactly): a progress bar that moves with simulated time. It
/// costs nothing per event; the result is the same as [`simulate_within`]'s.
pub fn simulate_reporting(
    scenario: &Scenario,
    replication: u64,
    budget: u64,
    advance: &dyn Fn(crate::engine::SimDuration),
) -> Result<RunResult, OverBudget> {
    let mut sim = sim::Sim::new(scenario, replication);
    sim.run(budget, advance)
        .map_err(|e| OverBudget { replication, ..e })?;
    Ok(sim.into_result(replication))
}
