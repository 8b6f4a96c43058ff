//! What one replication of the traffic model measured. Everything here is streaming (histograms,
//! counters, time-weighted averages); the runner merges replications into a summary.

use serde::{Deserialize, Serialize};

use super::usage::Usage;
use crate::stats::{LatencyHistogram, TimeSeries};

/// Why a request (or an attempt) failed. The discriminant is the index in error arrays and in
/// the time series' error counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[repr(usize)]
pub enum ErrorCause {
    /// The caller's timeout fired first.
    Timeout = 0,
    /// A full queue or connection limit turned it away (503).
    Rejected = 1,
    /// It was sent to a backend that is gone (connection refused / reset).
    DeadBackend = 2,
    /// No SNAT port was free for a new outbound connection.
    SnatExhausted = 3,
    /// The upstream (an external destination or a degraded dependency) answered with an error.
    Upstream = 4,
    /// No ready backend at all (503 with an empty endpoint list).
    NoBackend = 5,
    /// A network policy dropped the call; the caller gave up at its timeout.
    PolicyDenied = 6,
}

impl ErrorCause {
    /// Every cause, in index order.
    pub const ALL: [ErrorCause; 7] = [
        ErrorCause::Timeout,
        ErrorCause::Rejected,
        ErrorCause::DeadBackend,
        ErrorCause::SnatExhausted,
        ErrorCause::Upstream,
        ErrorCause::NoBackend,
        ErrorCause::PolicyDenied,
    ];
    /// Number of causes.
    pub const COUNT: usize = 7;

    /// The cause's name as printed and in `summary.json`.
    pub fn name(self) -> &'static str {
        match self {
            ErrorCause::Timeout => "timeout",
            ErrorCause::Rejected => "rejected",
            ErrorCause::DeadBackend => "dead-backend",
            ErrorCause::SnatExhausted => "snat-exhausted",
            ErrorCause::Upstream => "upstream-error",
            ErrorCause::NoBackend => "no-backend",
            ErrorCause::PolicyDenied => "policy-denied",
        }
    }
}

/// Gauge slots used in the time series (see [`crate::stats::TimeSeries::record_gauge`]).
pub mod gauge {
    /// Ready pods in zone `z` (all services) are at slot `READY_PODS + z` (up to 3 zones).
    pub const READY_PODS: usize = 0;
    /// Busy share of worker slots in zone `z`, at slot `UTILISATION + z`.
    pub const UTILISATION: usize = 4;
    /// SNAT ports held at the busiest destination endpoint (of the busiest node, for Load
    /// Balancer outbound; all destinations together for Azure Firewall's own SNAT).
    pub const SNAT_PORTS: usize = 8;
    /// Retries sent by clients in the window.
    pub const CLIENT_RETRIES: usize = 9;
    /// Ingress instances up.
    pub const INGRESS_INSTANCES: usize = 10;
    /// Work sent to a pod that is no longer running (before detection removed it), per sample.
    pub const DEAD_SENDS: usize = 11;
    /// Azure Firewall instances taking traffic.
    pub const FIREWALL_INSTANCES: usize = 12;
    /// SNAT port limit per destination endpoint (it moves with Azure Firewall instances; per
    /// node for Load Balancer outbound).
    pub const SNAT_LIMIT: usize = 13;
    /// Zones reported per-zone in the gauges.
    pub const MAX_ZONES: usize = 4;
    /// Ready pods of service `s` (all zones) are at slot `SERVICE_READY_PODS + s`, for the
    /// first [`MAX_SERVICES`] services.
    pub const SERVICE_READY_PODS: usize = 16;
    /// Services reported per-service in the gauges.
    pub const MAX_SERVICES: usize = 8;
}

/// One tier (the ingress, a service, the egress) over one replication.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TierResult {
    /// "ingress", a service name, or "egress".
    pub name: String,
    /// What it is: "ingress:app-gateway", "service", "egress:nat-gateway", …
    pub kind: String,
    /// Servers (worker slots) at the start of the run.
    pub servers: u32,
    /// Attempts that arrived (after the warm-up).
    pub arrivals: u64,
    /// Attempts turned away by a full queue.
    pub rejected: u64,
    /// Attempts completed.
    pub completed: u64,
    /// Attempts already in the tier (waiting or in service) when the warm-up ended.
    pub carried_in: u64,
    /// Attempts lost in the tier: dropped from a waiting line because their instance or pod
    /// died, or (the egress) sent to a NAT Gateway in a dead zone and never answered.
    pub lost: u64,
    /// Attempts still in the tier (waiting or in service) when the run ended. The tier
    /// conserves its work: `carried_in + arrivals = completed + rejected + lost + in_flight`.
    pub in_flight: u64,
    /// Offered load: arrival rate × mean own work per attempt (the scenario's mean service or
    /// processing time) ÷ mean worker slots available. Above 1 the tier cannot keep up.
    /// `None` when the tier had no slots or no own work figure (the egress).
    pub offered_load: Option<f64>,
    /// Requests waiting (all instances) at the first sample after the middle of the measured
    /// period; 0 when the period holds no sample.
    pub queue_mid: f64,
    /// Requests waiting (all instances) when the run ended.
    pub queue_end: f64,
    /// Whether the tier was unstable: see [`is_unstable`].
    pub unstable: bool,
    /// Time-average busy servers.
    pub mean_busy: f64,
    /// Busy slot-time over available slot-time (slots of pods and instances while they were up,
    /// however they came and went).
    pub utilisation: f64,
    /// Time-average waiting requests (all instances).
    pub mean_queue: f64,
    /// Longest waiting line at any one instance.
    pub peak_queue: f64,
    /// Time from arrival at the tier to the end of its own work (queue + service).
    pub latency: LatencyHistogram,
    /// Busy share per zone (index like the scenario's zones).
    pub zone_utilisation: Vec<f64>,
}

/// What one replication measured.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunResult {
    /// Replication index.
    pub replication: u64,
    /// Events processed by the calendar before the end: handled, or (stale timeouts) dropped by
    /// a lane's clean-up, which would have handed them out and had them ignored. Hops folded
    /// into the current instant never enter the calendar and are not counted.
    pub events: u64,
    /// Seconds measured (run length minus warm-up).
    pub measured_secs: f64,
    /// Client requests that arrived after the warm-up.
    pub offered: u64,
    /// Client requests that succeeded.
    pub succeeded: u64,
    /// Client requests that failed, by final cause (index = [`ErrorCause`]).
    pub failed: [u64; ErrorCause::COUNT],
    /// Attempts the clients sent (first tries and retries).
    pub client_attempts: u64,
    /// Tries the ingress sent to pods for those attempts (first tries and its own retries:
    /// NGINX next-upstream, Istio retries); with no ingress, one per attempt.
    pub ingress_tries: u64,
    /// East-west retries the mesh's client sidecars made (after warm-up).
    pub mesh_retries: u64,
    /// Retries the services' own code made of failed calls (after warm-up).
    pub call_retries: u64,
    /// End-to-end latency of successful requests, as the client saw it (including retries).
    pub latency: LatencyHistogram,
    /// Requests (offered after the warm-up) still unfinished when the run ended: their ages
    /// then (time since arrival, a lower bound of their latency). `offered = succeeded +
    /// failed + unfinished`.
    pub unfinished: LatencyHistogram,
    /// Of those, the ones older than the SLO's p99 target at the end (0 without `[slo]`): they
    /// already missed it.
    pub unfinished_over_slo: u64,
    /// Per tier.
    pub tiers: Vec<TierResult>,
    /// Per tier, in the order of `tiers`: the per-window latency of its own work (count and
    /// quantiles; warm-up included), for `timeseries.csv`.
    pub tier_series: Vec<TimeSeries>,
    /// Share of hops between the ingress and pods, and between pods, that crossed zones.
    pub cross_zone_share: f64,
    /// Peak SNAT ports held at one destination endpoint (of one node, for Load Balancer
    /// outbound), if SNAT is modelled and any call went out after the warm-up.
    pub snat_peak: Option<u64>,
    /// Azure Firewall instances, queueing and data, with a firewall egress.
    pub firewall: Option<FirewallRun>,
    /// Work sent to pods that were no longer running (the whole run, warm-up included), and
    /// the first and last time it happened, seconds since the start: the detection window of
    /// the failover story.
    pub dead_sends: DeadSends,
    /// Work sent to pods that a scale-down had already stopped, or that had got SIGTERM and no
    /// longer accepted work (a balancer that learns of endpoint changes later than the preStop
    /// hook: App Gateway with AGIC lag).
    pub sends_after_scale_down: u64,
    /// Instances and pods held and traffic carried, for the cost estimate.
    pub usage: Usage,
    /// Calls dropped by network policies, one entry per caller → target pair of the
    /// scenario's calls that its policies deny (in caller, then call order; zero counts
    /// included).
    pub policy_denied: Vec<DeniedCalls>,
    /// Ingress replicas (instances) after the warm-up: fewest, most and time-averaged; `None`
    /// for the kinds without instances (`none`, `load-balancer`).
    pub ingress_replicas: Option<ReplicaStats>,
    /// Most pods pending at once after the warm-up (a `DoNotSchedule` topology spread with no
    /// zone allowed), all services together.
    pub pending_pods_peak: u32,
    /// Internal ingress: share of the clients' hops to and from the ingress that crossed
    /// zones; `None` for public clients.
    pub client_cross_zone_share: Option<f64>,
    /// NGINX and Istio gateways: share of kube-proxy's node → gateway pod hops (both ways)
    /// that crossed zones — the extra hop of `externalTrafficPolicy: Cluster`; 0 under `Local`
    /// (the load balancer sends straight to the gateway pods' nodes); `None` for the other
    /// kinds.
    pub node_hop_cross_zone_share: Option<f64>,
    /// Per request class, client route and option of a weighted call choice.
    pub routing: super::routing::RoutingRun,
    /// Per-window series.
    pub series: TimeSeries,
    /// When the control loops acted (node evictions, HPA and gateway scaling), in time order,
    /// at most [`MAX_EVENTS`](super::timeline::MAX_EVENTS).
    pub timeline: Vec<super::timeline::TimedEvent>,
    /// Busy slot-time by what the slot did, failed requests by origin, limits reached.
    pub attribution: super::attribution::Attribution,
    /// Per service, how evenly its pods shared the work (see `conn_pool`).
    #[serde(default)]
    pub pod_balance: Vec<super::PodBalance>,
    /// Connections callers opened to services behind kube-proxy (after the warm-up; 0 when
    /// every call is balanced per request).
    #[serde(default)]
    pub connections_opened: u64,
    /// The gateways' and sidecars' connections to pods opened and reused (after the warm-up;
    /// see `upstream_pool`).
    #[serde(default)]
    pub upstream: super::UpstreamCounts,
    /// How the client attempts spread over the ingress replicas, and the client connections
    /// opened (see `client_conn`); `None` without ingress replicas.
    #[serde(default)]
    pub ingress_balance: Option<super::IngressBalance>,
}

/// Calls from one service to one target that a network policy dropped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeniedCalls {
    /// The calling service.
    pub caller: String,
    /// The called service or external destination.
    pub target: String,
    /// The policy that denies the pair (the first in file order).
    pub policy: String,
    /// Calls dropped (after the warm-up).
    pub count: u64,
}

/// What the Azure Firewall did over one replication (after the warm-up).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FirewallRun {
    /// Time-averaged instances taking traffic.
    pub mean_instances: f64,
    /// Most instances taking traffic at once.
    pub peak_instances: u32,
    /// Mean wait of a call for its instance (queueing, before its own service), seconds.
    pub mean_queueing_secs: f64,
    /// Calls through the firewall.
    pub calls: u64,
    /// Data processed (calls × `kib_per_call`), GiB.
    pub gib_processed: f64,
}

/// Replica counts of a tier over the measured period.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReplicaStats {
    /// Fewest at any time.
    pub min: u32,
    /// Most at any time.
    pub max: u32,
    /// Time-weighted mean (replica-seconds per second), e.g. for a cost estimate.
    pub mean: f64,
}

/// Traffic that reached dead backends before the balancers noticed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DeadSends {
    /// How many pieces of work were sent to a pod that was not running.
    pub count: u64,
    /// When the first was sent (seconds since the start), if any.
    pub first_secs: Option<f64>,
    /// When the last was sent (seconds since the start), if any.
    pub last_secs: Option<f64>,
}

/// Whether a tier is *unstable*: offered more work than its slots can do (`offered_load` at
/// least 1) and its waiting line grew through the run — from `queue_mid` at the middle of the
/// measured period to `queue_end` at its end, by more than the noise of a stable queue
/// (`max(slots, 3 √(queue_mid + 1))`). A saturated tier with a bounded line turns work away
/// instead and is not unstable; a tier that is busy but keeps up has an offered load below 1.
pub fn is_unstable(offered_load: Option<f64>, queue_mid: f64, queue_end: f64, slots: f64) -> bool {
    let margin = slots.max(3.0 * (queue_mid + 1.0).sqrt());
    offered_load.is_some_and(|rho| rho >= 1.0) && queue_end - queue_mid > margin
}

impl RunResult {
    /// Requests still unfinished when the run ended.
    pub fn unfinished_total(&self) -> u64 {
        self.unfinished.count()
    }

    /// Failed requests, all causes.
    pub fn failed_total(&self) -> u64 {
        self.failed.iter().sum()
    }

    /// Failed share of offered requests (0 when none offered).
    pub fn error_rate(&self) -> f64 {
        if self.offered == 0 {
            0.0
        } else {
            self.failed_total() as f64 / self.offered as f64
        }
    }

    /// Unfinished share of offered requests (0 when none offered).
    pub fn unfinished_rate(&self) -> f64 {
        if self.offered == 0 {
            0.0
        } else {
            self.unfinished_total() as f64 / self.offered as f64
        }
    }

    /// Whether any request it was offered ended (succeeded or failed).
    pub fn anything_finished(&self) -> bool {
        self.succeeded + self.failed_total() > 0
    }

    /// Successful requests per second.
    pub fn goodput(&self) -> f64 {
        self.succeeded as f64 / self.measured_secs.max(f64::MIN_POSITIVE)
    }

    /// Offered requests per second.
    pub fn throughput(&self) -> f64 {
        self.offered as f64 / self.measured_secs.max(f64::MIN_POSITIVE)
    }
}
