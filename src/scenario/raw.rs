//! The scenario file as written: serde types shaped exactly like the TOML (the "low" stage).
//!
//! These types only read: every table denies unknown keys, durations are checked as they are
//! read ([`HumanDuration`]), and almost every field is optional, because defaults, ranges and
//! cross-references are the business of [`super::resolve`], which turns them into the checked
//! types. Each field's doc comment is also its description in the JSON Schema that editors show,
//! so it says the unit and the default.

mod client_connections;
mod connections;
mod costs;
mod egress_pool;
mod faults;
mod http_route;
mod ingress;
mod policies;
mod routing;
mod services;
mod study;

use schemars::JsonSchema;
use serde::Deserialize;

pub(crate) use client_connections::*;
pub(crate) use connections::*;
pub(crate) use costs::*;
pub(crate) use egress_pool::*;
pub(crate) use faults::*;
pub(crate) use http_route::*;
pub(crate) use ingress::*;
pub(crate) use policies::*;
pub(crate) use routing::*;
pub(crate) use services::*;
pub(crate) use study::*;

use super::dist_spec::DistSpec;
use super::units::HumanDuration;

/// The top-level sections, in the order the file usually gives them.
pub(crate) const SECTIONS: &[&str] = &[
    "simulation",
    "clients",
    "network",
    "ingress",
    "services",
    "egress",
    "network_policies",
    "faults",
    "slo",
    "costs",
    "variants",
    "sweep",
];

/// A trafsim scenario: the traffic, the platform design (ingress, pods in zones, egress), and
/// the faults to inject. Durations are strings with units ("250ms", "1.5s", "10m"); rates are
/// requests per second.
#[derive(Debug, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "trafsim scenario")]
pub(crate) struct ScenarioFile {
    /// Run length, warm-up, replications, seed.
    pub simulation: Option<SimulationTable>,
    /// Who sends requests, how many, where to, and how they time out and retry.
    pub clients: ClientsTable,
    /// Availability zones and the latency inside and between them.
    pub network: Option<NetworkTable>,
    /// The ingress tier in front of the services. Default: none.
    pub ingress: Option<IngressTable>,
    /// The services, each a set of pods spread over zones (at least one).
    pub services: Vec<ServiceTable>,
    /// The outbound path to external destinations. Default: direct.
    pub egress: Option<EgressTable>,
    /// Kubernetes NetworkPolicies: which services may call a service, and what it may call.
    /// Default: none (every call is allowed).
    pub network_policies: Option<Vec<NetworkPolicyTable>>,
    /// Faults injected during the run.
    pub faults: Option<Vec<FaultTable>>,
    /// The service-level objective the report checks.
    pub slo: Option<SloTable>,
    /// Unit prices for the monthly cost estimate. Default: East US list prices.
    pub costs: Option<CostsTable>,
    /// Design alternatives, each a set of overrides (`trafsim compare`, `trafsim capacity`).
    pub variants: Option<Vec<VariantTable>>,
    /// A field run at several values (`trafsim run`).
    pub sweep: Option<SweepTable>,
}

/// `[simulation]`: how long, how often, how random.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, expecting = "a [simulation] table")]
pub(crate) struct SimulationTable {
    /// Scenario name, used for the output folder. Default: the file name without `.toml`.
    pub name: Option<String>,
    /// Simulated time per replication, warm-up included. Default: "10m".
    pub duration: Option<HumanDuration>,
    /// Initial period left out of the statistics; shorter than `duration`. Default: "1m".
    pub warmup: Option<HumanDuration>,
    /// Independent replications, at least 1. Default: 10.
    pub replications: Option<u32>,
    /// Master seed; the same seed gives the same results (0 to 2^63 − 1). Default: 1.
    #[schemars(range(max = 9_223_372_036_854_775_807_u64))]
    pub seed: Option<u64>,
    /// Time-series window width. Default: "10s".
    pub window: Option<HumanDuration>,
    /// Most time-series windows a run keeps (1 to 100,000): when `duration` ÷ `window` is more,
    /// `window` is doubled until it is not, so memory does not grow with the run's length.
    /// Default: 180.
    #[schemars(range(min = 1, max = 100_000))]
    pub max_windows: Option<u32>,
}

/// `[clients]`: the offered load. Give exactly one of `rate` and `profile`.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, expecting = "a [clients] table")]
pub(crate) struct ClientsTable {
    /// Constant arrival rate, requests per second (at least 0, at most 1,000,000).
    #[schemars(range(min = 0, max = 1_000_000))]
    pub rate: Option<f64>,
    /// How arrivals are spaced at a constant `rate`: "poisson" (random) or "constant" (evenly).
    /// Default: "poisson".
    pub arrival: Option<ArrivalName>,
    /// A rate that changes over time: points `{ at = "5m", rps = 2400, shape = "ramp" }` in
    /// increasing time; arrivals are Poisson at the current rate.
    pub profile: Option<Vec<ProfilePoint>>,
    /// Request routes and their shares of the load (shares sum to 1). Default: one route "/"
    /// to the first service.
    pub routes: Option<Vec<RouteEntry>>,
    /// Share of requests that open a new TLS connection at the ingress, 0 to 1. Default: 0.1.
    pub new_tls_connection_share: Option<f64>,
    /// Request plus response size in KiB, through the ingress (throughput, data processed).
    /// Default: 8.
    pub kib_per_request: Option<f64>,
    /// The client gives up on an attempt after this long. Default: "30s".
    pub timeout: Option<HumanDuration>,
    /// Client retry policy. Default: no retries.
    pub retries: Option<RetriesTable>,
    /// One-way latency from a client to the ingress (a distribution). Default: "0s".
    pub latency: Option<DistSpec>,
    /// Request classes: shares of the clients whose requests carry headers (header-based
    /// routing, per-class results). Default: none (one class, "default").
    pub classes: Option<Vec<ClassTable>>,
    /// Long-lived client connections to the ingress front, balanced per connection (L4).
    /// Default: none (every attempt is balanced on its own).
    pub connections: Option<ClientConnectionsTable>,
}

/// Spacing of arrivals at a constant rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum ArrivalName {
    /// Exponential gaps (independent clients).
    Poisson,
    /// Evenly spaced (a load generator).
    Constant,
}

/// One point of a rate profile.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProfilePoint {
    /// When this point applies, since the start of the run.
    pub at: HumanDuration,
    /// The rate from this point on, requests per second (at most 1,000,000).
    #[schemars(range(min = 0, max = 1_000_000))]
    pub rps: f64,
    /// "step": the rate jumps at `at`; "ramp": it rises or falls linearly from the previous
    /// point to this one. Default: "step".
    pub shape: Option<ShapeName>,
}

/// How a profile reaches a point's rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum ShapeName {
    /// Jump to the rate at `at`.
    Step,
    /// Change linearly from the previous point's rate.
    Ramp,
}

/// A request route: a share of client requests that goes to one service.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RouteEntry {
    /// Path or label, for reports, e.g. "/api".
    pub path: String,
    /// The service that serves it (a `[[services]]` name).
    pub service: String,
    /// Share of requests, greater than 0 and at most 1. Routes without a share split what the
    /// others leave equally.
    pub share: Option<f64>,
    /// Header-based routing: the requests whose class matches take this route (the first
    /// matching route), and no others; the routes without `match` share the rest. Default:
    /// none.
    #[serde(rename = "match")]
    pub matches: Option<MatchRule>,
}

/// Client retries with exponential backoff.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RetriesTable {
    /// Retries after the first try, at most 100. Default: 0.
    #[schemars(range(max = 100))]
    pub attempts: Option<u32>,
    /// Backoff before the first retry; doubles each retry. Default: "100ms".
    pub backoff: Option<HumanDuration>,
    /// Cap on the backoff. Default: "5s".
    pub max_backoff: Option<HumanDuration>,
    /// Jitter on the backoff: "none", "full" (uniform 0..backoff) or "equal" (half fixed, half
    /// random). Default: "full".
    pub jitter: Option<JitterName>,
    /// Retry budget: retries allowed as a share of requests, e.g. 0.2. Default: no budget.
    pub budget: Option<f64>,
}

/// Backoff jitter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum JitterName {
    /// The backoff exactly.
    None,
    /// Uniform between 0 and the backoff.
    Full,
    /// Half the backoff plus uniform up to the other half.
    Equal,
}

/// `[network]`: zones and latencies.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, expecting = "a [network] table")]
pub(crate) struct NetworkTable {
    /// Availability zone names. Default: ["1", "2", "3"].
    pub zones: Option<Vec<String>>,
    /// One-way latency between endpoints in the same zone (a duration or a distribution).
    /// Default: "0.1ms".
    pub in_zone: Option<DistSpec>,
    /// One-way latency between endpoints in different zones. Default: "1ms" (Azure targets a
    /// round trip under 2 ms).
    pub cross_zone: Option<DistSpec>,
    /// Topology-aware routing for east-west calls through Services: kube-proxy prefers
    /// endpoints in the caller's zone (it falls back to all endpoints when a zone has fewer
    /// than 3). Default: false (it is opt-in per Service).
    pub topology_aware_routing: Option<bool>,
    /// Pods each zone's nodes can hold, e.g. { "1" = 20, "2" = 20, "3" = 20 }; a new pod beyond
    /// it stays pending until the cluster autoscaler adds a node. Default: no limit.
    pub zone_capacity: Option<std::collections::BTreeMap<String, u32>>,
    /// Time for the cluster autoscaler to add a node for a pending pod. Default: "3m".
    pub node_provisioning: Option<HumanDuration>,
    /// Nodes in each zone at the start, at least 1: a zone outage makes them all NotReady,
    /// and the node lifecycle controller evicts their pods node by node at its rate limits.
    /// Default: the pods in the zone at the start / 10, rounded up (at least 1).
    pub nodes_per_zone: Option<u32>,
    /// Cores (vCPUs) of each node, e.g. 4 for a Standard_D4s_v5: the CPU-bound pods (services
    /// with `cpu`) on one node share its cores by their CPU requests, capped at their limits,
    /// and burst into idle node CPU. Default: off (a pod gets its limit, or its request).
    pub node_cores: Option<f64>,
    /// CPU each node keeps for the kubelet and system daemons (kube-reserved), with
    /// `node_cores`: the pods share the rest, the node's allocatable CPU. Default: AKS's table
    /// by the node's cores (140m on 4 cores).
    pub kube_reserved_cpu: Option<crate::scenario::units::CpuQuantity>,
}

/// `[slo]`: the objective the report checks.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, expecting = "an [slo] table")]
pub(crate) struct SloTable {
    /// Target p99 end-to-end latency.
    pub p99: HumanDuration,
    /// Highest acceptable error rate, 0 to 1.
    pub error_rate: f64,
}
