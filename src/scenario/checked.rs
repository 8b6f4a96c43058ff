//! The checked scenario: domain types whose invariants hold by construction.
//!
//! The TOML file is first read into serde types shaped like the file (`raw`), then validated and
//! resolved into these types: names become indices, durations become [`SimDuration`], service
//! times become [`Dist`], defaults are filled in. The model is built only from these types, so
//! it never sees an unchecked value.

mod client_connections;
mod connections;
mod costs;
mod egress_pool;
mod routing;

pub use client_connections::{ClientConnectionSpec, ClientConnections};
pub use connections::{ConnectionPool, Connections, Protocol};
pub use costs::Costs;
pub use egress_pool::EgressPool;
pub use routing::{CallOption, Choice, DEFAULT_CLASS, RequestClass};

use crate::engine::{ArrivalProcess, Dist, SimDuration};

/// A whole scenario, checked.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Name (used for the output folder).
    pub name: String,
    /// The scenario's text as written, for the report.
    pub source_text: String,
    /// Run length, warm-up, replications, seed.
    pub simulation: Simulation,
    /// Who sends requests and how.
    pub clients: Clients,
    /// Zones and the latency between them.
    pub network: Network,
    /// The ingress tier.
    pub ingress: Ingress,
    /// The services (at least one); index 0 is the default route target.
    pub services: Vec<Service>,
    /// The egress path and the external destinations.
    pub egress: Egress,
    /// Faults injected during the run.
    pub faults: Vec<Fault>,
    /// The service-level objective, if given.
    pub slo: Option<Slo>,
    /// Unit prices for the monthly cost estimate (`[costs]`, defaults filled in).
    pub costs: Costs,
    /// Kubernetes NetworkPolicies (empty: every call is allowed).
    pub network_policies: Vec<super::NetworkPolicy>,
    /// Things that load but look wrong (a call the scenario's own policies deny), for
    /// `trafsim validate` and `trafsim run` to print.
    pub warnings: Vec<super::Diagnostic>,
}

/// `[simulation]`.
#[derive(Clone, Debug)]
pub struct Simulation {
    /// Simulated time per replication (including warm-up).
    pub duration: SimDuration,
    /// Initial period excluded from statistics (always shorter than `duration`).
    pub warmup: SimDuration,
    /// Independent replications (at least 1).
    pub replications: u32,
    /// Master seed.
    pub seed: u64,
    /// Time-series window width (> 0): the file's `window`, doubled as often as needed to give
    /// at most its `max_windows` windows over `duration` (see
    /// [`window_width`](crate::stats::series::window_width)).
    pub window: SimDuration,
}

/// `[clients]`.
#[derive(Clone, Debug)]
pub struct Clients {
    /// When requests arrive.
    pub arrivals: ArrivalProcess,
    /// Where they go; shares sum to 1 (a single route to service 0 by default).
    pub routes: Vec<Route>,
    /// Share of requests that open a new TLS connection at the ingress, in [0, 1].
    pub new_tls_share: f64,
    /// Request plus response size in KiB (> 0).
    pub kib_per_request: f64,
    /// Client gives up after this long (per attempt).
    pub timeout: SimDuration,
    /// Client retry policy.
    pub retries: RetryPolicy,
    /// One-way latency from the client to the ingress.
    pub latency: Dist,
    /// Request classes, shares summing to 1, the class of no declared class (`default`) last
    /// when the declared ones leave a share; empty when the file declares none (every request
    /// is then of class 0).
    pub classes: Vec<RequestClass>,
    /// Per class: the route its first matching `match` rule takes, or `None` for the share
    /// split among the routes without a rule. Empty without rules.
    pub route_by_class: Vec<Option<usize>>,
    /// Long-lived connections to the ingress front (`None`: each attempt balanced on its own).
    pub connections: Option<ClientConnections>,
}

/// A route: a share of client requests that goes to one service.
#[derive(Clone, Debug)]
pub struct Route {
    /// Path or label, for reports.
    pub name: String,
    /// Index into [`Scenario::services`].
    pub service: usize,
    /// Share of requests, in (0, 1]; 0 for a route with a `match` rule, which takes the
    /// requests of the classes it matches instead.
    pub share: f64,
}

/// Retries with exponential backoff.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first try (0 = no retries).
    pub attempts: u32,
    /// Backoff before the first retry; doubles each retry.
    pub backoff: SimDuration,
    /// Cap on the backoff.
    pub max_backoff: SimDuration,
    /// Jitter applied to the backoff.
    pub jitter: Jitter,
    /// Retry budget: retries allowed as a share of requests (e.g. 0.2), or none.
    pub budget: Option<f64>,
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        RetryPolicy {
            attempts: 0,
            backoff: SimDuration::ZERO,
            max_backoff: SimDuration::ZERO,
            jitter: Jitter::None,
            budget: None,
        }
    }
}

/// Backoff jitter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Jitter {
    /// The backoff exactly.
    None,
    /// Uniform in [0, backoff].
    Full,
    /// backoff/2 + uniform in [0, backoff/2].
    Equal,
}

/// `[network]`.
#[derive(Clone, Debug)]
pub struct Network {
    /// Zone names, in order; zone indices elsewhere refer to this list.
    pub zones: Vec<String>,
    /// One-way latency between two endpoints in the same zone.
    pub in_zone: Dist,
    /// One-way latency between endpoints in different zones.
    pub cross_zone: Dist,
    /// kube-proxy prefers same-zone endpoints for east-west calls.
    pub topology_aware_routing: bool,
    /// Pods each zone can hold (indexed like `zones`), if limited.
    pub zone_capacity: Option<Vec<u32>>,
    /// Time for the cluster autoscaler to add a node for a pending pod.
    pub node_provisioning: SimDuration,
    /// Nodes in each zone at the start (indexed like `zones`), for the node lifecycle
    /// controller's zone states and eviction rates.
    pub nodes: Vec<u32>,
    /// Cores of each node (`node_cores`): the CPU-bound pods on a node share them (see
    /// `model::node_cpu`). `None`: off, a pod's CPU is its own.
    pub node_cores: Option<f64>,
    /// Cores of each node kept for the kubelet and system daemons (`kube_reserved_cpu`, AKS's
    /// table by default) with `node_cores`; the pods share the rest. 0 without `node_cores`.
    pub kube_reserved_cpu: f64,
}

/// Load-balancing policy towards pods.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Balancing {
    /// Each ready backend in turn.
    RoundRobin,
    /// Uniformly at random (kube-proxy, Azure Load Balancer).
    Random,
    /// Fewest requests in flight, of two picked at random (Envoy LEAST_REQUEST).
    LeastRequest,
    /// Lowest exponentially weighted latency (NGINX `ewma`).
    Ewma,
}

/// `[ingress]`.
#[derive(Clone, Debug)]
pub struct Ingress {
    /// Which ingress, with its own settings.
    pub kind: IngressKind,
    /// Instances (or replicas) per zone, indexed like [`Network::zones`]. Empty for `none`.
    pub instances: Vec<u32>,
    /// Requests one instance works on at once.
    pub concurrency: u32,
    /// Requests waiting per instance beyond `concurrency`; excess is rejected (503).
    pub queue_limit: Option<u32>,
    /// Per-request processing time at an instance.
    pub processing: Dist,
    /// Extra time for a request that opens a new TLS connection.
    pub tls_handshake: Dist,
    /// The ingress gives up on a backend after this long (504).
    pub backend_timeout: SimDuration,
    /// How it picks a pod.
    pub balancing: Balancing,
    /// Time for a new or restarted replica (NGINX, Istio) to become ready.
    pub startup: SimDuration,
    /// A HorizontalPodAutoscaler on the replicas (NGINX, Istio), if any.
    pub hpa: Option<Hpa>,
    /// Internal-only ingress on a private frontend: clients are inside the VNet, spread evenly
    /// over the zones, and reach it over in-zone or cross-zone VNet latency.
    pub internal: bool,
    /// The gateway pods' (NGINX, Istio) connect timeout towards pods; `None` for the other
    /// kinds.
    pub connect: Option<Connect>,
    /// The L7 gateways' keep-alive pools to the pods (NGINX, Istio, App Gateway, App Gateway
    /// for Containers); `None` for `none` and `load-balancer`.
    pub upstream: Option<Upstream>,
    /// The gateway Service's `externalTrafficPolicy` (NGINX, Istio); `None` for the other
    /// kinds.
    pub external_traffic_policy: Option<TrafficPolicy>,
    /// Extra time each request spends in its slot for a WAF inspection (Application Gateway
    /// for Containers with `waf`); `None` without one.
    pub inspection: Option<Dist>,
}

/// A proxy's connect timeout towards pods: a try that opens a new connection to a black-holed
/// pod fails at `timeout` (a connection error the proxy retries); a try on an open keep-alive
/// connection hangs until the read (backend) timeout. Which one a try rides follows from the
/// proxy's pool ([`Upstream`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Connect {
    /// Connect timeout (`proxy-connect-timeout`, Envoy `connectTimeout`).
    pub timeout: SimDuration,
}

/// An L7 gateway replica's keep-alive connections to each pod (NGINX, Istio, App Gateway and
/// App Gateway for Containers), and with `mesh` each sidecar's to each pod it calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Upstream {
    /// Idle connections kept per (replica, pod); one more closes after its request.
    pub max_idle: u32,
    /// An idle connection closes after this long.
    pub idle_timeout: SimDuration,
    /// A connection closes after this many requests (`u32::MAX`: no limit).
    pub max_requests: u32,
    /// A new gateway → pod connection pays TLS's handshake (one round trip) after TCP's. The
    /// sidecars' connections always do (mTLS).
    pub tls: bool,
}

/// `externalTrafficPolicy` of a LoadBalancer Service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrafficPolicy {
    /// The Azure Load Balancer probes the nodes; kube-proxy on the chosen node forwards to any
    /// ready gateway pod (an extra node hop, maybe across zones), and a lost gateway pod keeps
    /// receiving traffic until the endpoints drop it.
    Cluster,
    /// The Azure Load Balancer probes only nodes with a ready gateway pod and sends straight to
    /// them: a lost gateway pod stops receiving traffic when the probe notices.
    Local,
}

/// The ingress options and what differs between them.
#[derive(Clone, Debug)]
pub enum IngressKind {
    /// Clients reach the service directly (validation, baselines).
    None,
    /// A plain `LoadBalancer` Service (Azure Standard Load Balancer, L4).
    LoadBalancer,
    /// Application Gateway v2 with AGIC.
    AppGateway(AppGateway),
    /// ingress-nginx controller pods.
    Nginx(Nginx),
    /// Istio ingress gateway (Envoy) pods.
    Istio(Istio),
}

/// Application Gateway settings.
#[derive(Clone, Debug)]
pub struct AppGateway {
    /// WAF_v2 (true) or Standard_v2.
    pub waf: bool,
    /// The AGIC `health-probe-*` annotations: each figure given replaces the one AGIC takes
    /// from the pod's readiness probe (see [`AppGateway::probe_for`]).
    pub probe: ProbeOverride,
    /// Delay between an endpoint change in Kubernetes and AGIC updating the backend pool.
    pub agic_update_lag: SimDuration,
    /// The AGIC `connection-draining-timeout`, if the `connection-draining` annotation is on.
    pub connection_draining: Option<SimDuration>,
    /// Autoscaling, if `max_instances` is above the instances given.
    pub autoscale: Option<GatewayAutoscale>,
    /// Application Gateway for Containers (`kind = "app-gateway-for-containers"`): the same
    /// gateway machinery with its own probe order, zone redundancy and bill; `None` for
    /// Application Gateway v2 with AGIC.
    pub for_containers: Option<ForContainers>,
}

/// What Application Gateway for Containers changes on the App Gateway model: its data plane
/// runs outside the cluster, zone-redundant (a zone loss takes no instance), sends to pod IPs
/// straight, and its control plane applies pod changes in near real time (held in
/// [`AppGateway::agic_update_lag`]).
#[derive(Clone, Debug, PartialEq)]
pub struct ForContainers {
    /// The HealthCheckPolicy's probe, if one is given: it replaces the pod's readiness probe.
    pub health_check: Option<Probe>,
    /// Consecutive successful probes that mark a backend healthy again.
    pub healthy_threshold: u32,
    /// Frontends (each billed).
    pub frontends: u32,
    /// Rulesets of its WAF policy when the WAF is on (each billed per million requests);
    /// `None` without a WAF. The inspection time is [`Ingress::inspection`].
    pub waf_rulesets: Option<u32>,
}

/// Application Gateway v2 autoscaling.
#[derive(Clone, Debug, PartialEq)]
pub struct GatewayAutoscale {
    /// Most instances.
    pub max_instances: u32,
    /// Time from the decision to a new instance taking traffic.
    pub scale_out_time: SimDuration,
}

/// ingress-nginx settings.
#[derive(Clone, Debug)]
pub struct Nginx {
    /// `proxy-next-upstream-tries`: tries in all, across upstreams, on error or timeout.
    pub next_upstream_tries: u32,
    /// `limit-rps` per replica and its burst, if rate limiting is on.
    pub rate_limit: Option<RateLimit>,
    /// The managed NGINX of the AKS application routing add-on (`managed = "app-routing"`):
    /// its defaults were applied, and the bill names it.
    pub app_routing: bool,
}

/// A token-bucket rate limit (NGINX `limit_req` with `burst` and `nodelay`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateLimit {
    /// Sustained requests per second.
    pub rps: f64,
    /// Requests allowed above the rate in a burst.
    pub burst: u32,
}

/// Istio gateway settings.
#[derive(Clone, Debug)]
pub struct Istio {
    /// Retries after the first try, of what Istio's default `retryOn` retries (`retry_on`).
    pub retries: u32,
    /// Timeout of each try.
    pub per_try_timeout: SimDuration,
    /// Outlier detection, if configured.
    pub outlier_detection: Option<OutlierDetection>,
    /// Locality load balancing in effect (gateway and mesh): Envoy's priority levels from the
    /// sender's zone.
    pub locality_aware: bool,
    /// Sidecar mesh (a sidecar on every pod): the latency of one sidecar pass, if on.
    pub mesh: Option<Dist>,
    /// Retries the client sidecar makes on an east-west call whose connection fails.
    pub mesh_retries: u32,
    /// CPU time of one mTLS handshake on the accepting pod's CPU (with `mesh`).
    pub mtls_handshake_cpu: SimDuration,
}

/// Envoy outlier detection.
#[derive(Clone, Debug, PartialEq)]
pub struct OutlierDetection {
    /// Consecutive 5xx / gateway errors that eject a host.
    pub consecutive_errors: u32,
    /// How often ejections are evaluated.
    pub interval: SimDuration,
    /// Base ejection time (multiplied by the number of ejections).
    pub base_ejection_time: SimDuration,
    /// At most this percentage (0–100) of a service's hosts ejected at once.
    pub max_ejection_percent: f64,
}

/// Health-probe figures set on the Ingress (AGIC annotations); `None` takes the pod's own.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProbeOverride {
    /// `health-probe-interval`.
    pub interval: Option<SimDuration>,
    /// `health-probe-timeout`.
    pub timeout: Option<SimDuration>,
    /// `health-probe-unhealthy-threshold`.
    pub failure_threshold: Option<u32>,
}

impl Ingress {
    /// Application Gateway for Containers (`kind = "app-gateway-for-containers"`), if that is
    /// the ingress.
    pub fn for_containers(&self) -> Option<&ForContainers> {
        match &self.kind {
            IngressKind::AppGateway(a) => a.for_containers.as_ref(),
            _ => None,
        }
    }

    /// The ingress's instances are zone-redundant and survive a zone loss: Application
    /// Gateway for Containers is "always highly available" across zones (Microsoft Learn,
    /// "Scaling and availability for Application Gateway for Containers").
    pub fn zone_redundant(&self) -> bool {
        self.for_containers().is_some()
    }

    /// App Gateway: the compute units one worker slot of an instance stands for, the
    /// instance's [`crate::scenario::defaults::APP_GATEWAY_CU_PER_INSTANCE`] over its
    /// `concurrency`. A request's slot time is its compute-unit time divided by this, and the
    /// bill counts busy slots times this, so capacity and bill agree whatever the slot count.
    pub fn compute_units_per_slot(&self) -> f64 {
        compute_units_per_slot(self.concurrency)
    }
}

/// Compute units one worker slot of an App Gateway instance stands for, with `slots` slots.
pub(crate) fn compute_units_per_slot(slots: u32) -> f64 {
    f64::from(crate::scenario::defaults::APP_GATEWAY_CU_PER_INSTANCE) / f64::from(slots.max(1))
}

impl AppGateway {
    /// How long App Gateway lets the in-flight requests to a backend it deregisters finish:
    /// the draining timeout, or the documented 30 s when draining is not enabled.
    pub fn drain_window(&self) -> SimDuration {
        self.connection_draining
            .unwrap_or(crate::scenario::defaults::APP_GATEWAY_UNDRAINED_GRACE)
    }

    /// The probe App Gateway sends to the pods of a service whose readiness probe is
    /// `readiness`: AGIC copies the container's readiness (or liveness) httpGet probe —
    /// interval = periodSeconds, timeout = timeoutSeconds, unhealthy threshold =
    /// failureThreshold — and uses 30 s / 30 s / 3 only when the container has none
    /// (Microsoft Learn, "Application Gateway Ingress Controller: add health probes to your
    /// AKS pods", facts §10). An annotation given on the Ingress replaces its figure.
    pub fn probe_for(&self, readiness: Option<&Probe>) -> Probe {
        use super::defaults as d;
        if let Some(agc) = &self.for_containers {
            return agc.probe_for(readiness);
        }
        let base = readiness.cloned().unwrap_or(Probe {
            interval: d::APP_GATEWAY_PROBE_INTERVAL,
            timeout: d::APP_GATEWAY_PROBE_TIMEOUT,
            failure_threshold: d::APP_GATEWAY_UNHEALTHY_THRESHOLD,
        });
        Probe {
            interval: self.probe.interval.unwrap_or(base.interval),
            timeout: self.probe.timeout.unwrap_or(base.timeout),
            failure_threshold: self
                .probe
                .failure_threshold
                .unwrap_or(base.failure_threshold),
        }
    }
}

impl ForContainers {
    /// The probe Application Gateway for Containers sends, in the documented order: the
    /// HealthCheckPolicy, else the pod's readiness probe, else the default probe (5 s, 30 s,
    /// unhealthy threshold 3) — Microsoft Learn, "Custom health probe for Application Gateway
    /// for Containers".
    pub fn probe_for(&self, readiness: Option<&Probe>) -> Probe {
        use super::defaults as d;
        self.health_check
            .clone()
            .or_else(|| readiness.cloned())
            .unwrap_or(Probe {
                interval: d::AGC_PROBE_INTERVAL,
                timeout: d::AGC_PROBE_TIMEOUT,
                failure_threshold: d::AGC_UNHEALTHY_THRESHOLD,
            })
    }
}

/// A periodic health or readiness probe.
#[derive(Clone, Debug, PartialEq)]
pub struct Probe {
    /// Time between probes.
    pub interval: SimDuration,
    /// Probe timeout.
    pub timeout: SimDuration,
    /// Consecutive failures that mark the target down.
    pub failure_threshold: u32,
}

/// `[[services]]`.
#[derive(Clone, Debug)]
pub struct Service {
    /// Name.
    pub name: String,
    /// Pods per zone, indexed like [`Network::zones`].
    pub pods: Vec<u32>,
    /// Worker slots per pod.
    pub concurrency: u32,
    /// Requests waiting per pod; excess is rejected (503).
    pub queue_limit: Option<u32>,
    /// Work per request in a worker slot; with `cpu`, CPU-seconds on one core.
    pub service_time: Dist,
    /// The pod's CPU, shared by the requests in service (processor sharing); `None`: each
    /// worker slot serves at full speed.
    pub cpu: Option<Cpu>,
    /// Service time grows with the requests in service when one starts: × (1 + this × n).
    pub contention: f64,
    /// Share of requests the service fails on its own (5xx), in [0, 1].
    pub error_rate: f64,
    /// Calls made while serving a request, in order: one after the other, except the calls of
    /// a fan-out group, which go out together.
    pub calls: Vec<Call>,
    /// Parallel fan-out groups: ranges of `calls` made at once (calls in no group are made on
    /// their own). Ranges are disjoint, in order, and non-empty.
    pub fan_outs: Vec<FanOut>,
    /// Weighted choices (`choose`): ranges of `calls` of which a request makes exactly one.
    /// Each option is a call of its own, with the choice's timeout and retries and, as its
    /// `probability`, the share of requests that take it (for the capacity arithmetic).
    pub choices: Vec<Choice>,
    /// Time for a new or restarted pod to become ready.
    pub startup: SimDuration,
    /// `terminationGracePeriodSeconds`: time from a pod's deletion to its kill.
    pub termination_grace: SimDuration,
    /// A `preStop` sleep, if any, run first in the grace period.
    pub pre_stop: Option<SimDuration>,
    /// Readiness probe; `None` when the container has none (it is then always ready, and a
    /// hung pod stays in the endpoints).
    pub readiness: Option<Probe>,
    /// Horizontal pod autoscaler, if any.
    pub hpa: Option<Hpa>,
    /// What callers speak to it (HTTP/2 and gRPC: one connection per caller pod).
    pub protocol: Protocol,
    /// Where the scheduler puts new pods (replacements, scale-ups): a topology-spread rule
    /// over zones, or `None` for the zone with the fewest pods of the service.
    pub topology_spread: Option<TopologySpread>,
}

impl Service {
    /// Time from a pod's deletion to its kill: the grace period, or a preStop sleep that
    /// outlasts it plus the kubelet's one-off 2 s extension, whichever ends first (kubernetes.io,
    /// "Pod Lifecycle", "Termination of Pods").
    pub fn stop_after(&self) -> SimDuration {
        self.stop_after_grace()
    }

    /// Time from a pod's deletion to SIGTERM: the preStop sleep, cut short by the kill (no
    /// hook: at once). From then the application refuses new work (kubernetes.io, "Pod
    /// Lifecycle", "Termination of Pods": the kubelet runs the preStop hook, then sends TERM).
    pub fn sigterm_after(&self) -> SimDuration {
        self.pre_stop
            .map_or(SimDuration::ZERO, |sleep| sleep.min(self.stop_after()))
    }

    fn stop_after_grace(&self) -> SimDuration {
        let grace = self.termination_grace;
        match self.pre_stop {
            Some(sleep) if sleep > grace => {
                sleep.min(grace + crate::scenario::defaults::PRE_STOP_EXTENSION)
            }
            _ => grace,
        }
    }
}

/// A pod's CPU (`resources.requests.cpu` / `limits.cpu`), in cores.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cpu {
    /// The request: what the HPA's CPU utilisation is measured against.
    pub request: f64,
    /// The limit (the CFS quota), if any.
    pub limit: Option<f64>,
}

impl Cpu {
    /// Cores the pod's requests share: the limit (the CFS quota caps the container at it), or
    /// without one the request (its guaranteed share of a busy node; see
    /// [`crate::scenario::defaults::CPU_WITHOUT_LIMIT`]).
    pub fn cores(&self) -> f64 {
        self.limit.unwrap_or(self.request)
    }
}

/// A `topologySpreadConstraints` entry over zones (`topology.kubernetes.io/zone`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TopologySpread {
    /// Largest allowed difference between a zone's pods and the fewest in any zone (≥ 1).
    pub max_skew: u32,
    /// `DoNotSchedule` (true): a pod that would break the skew stays pending;
    /// `ScheduleAnyway` (false): the skew only ranks zones.
    pub do_not_schedule: bool,
}

/// A HorizontalPodAutoscaler on worker-slot utilisation.
#[derive(Clone, Debug, PartialEq)]
pub struct Hpa {
    /// Fewest pods.
    pub min: u32,
    /// Most pods.
    pub max: u32,
    /// Target share of busy worker slots, in (0, 1].
    pub target: f64,
    /// Evaluation period.
    pub sync_period: SimDuration,
    /// Relative band around the target with no change.
    pub tolerance: f64,
    /// Scale-down stabilisation window.
    pub scale_down_stabilisation: SimDuration,
}

/// A call made while serving a request.
#[derive(Clone, Debug)]
pub struct Call {
    /// Where to.
    pub target: CallTarget,
    /// Probability that a request makes this call, in [0, 1].
    pub probability: f64,
    /// How long the caller waits (holding its worker slot); `None`: the client's timeout.
    pub timeout: Option<SimDuration>,
    /// Retries the caller makes when the call fails.
    pub retries: u32,
    /// Backoff before the first retry (doubling, full jitter, capped).
    pub backoff: SimDuration,
    /// The caller's `connections` for this call, as given (see
    /// [`Scenario::connection_pool`] for the pool with its defaults).
    pub connections: Option<Connections>,
}

/// A parallel fan-out: consecutive calls that go out at once. Each is made with its own
/// probability and timeout; the caller holds its worker slot until every call made has
/// replied (or timed out), and the group fails with the cause of its first failure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FanOut {
    /// The label the calls share in the file.
    pub label: String,
    /// The calls of the group (indices into [`Service::calls`]).
    pub calls: std::ops::Range<usize>,
}

/// The target of a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallTarget {
    /// Another service (index into [`Scenario::services`]).
    Service(usize),
    /// An external destination (index into [`Egress::destinations`]).
    Destination(usize),
}

/// `[egress]`.
#[derive(Clone, Debug)]
pub struct Egress {
    /// Which egress path.
    pub kind: EgressKind,
    /// External destinations.
    pub destinations: Vec<Destination>,
    /// SNAT port hold-down after a connection closes with a FIN, before the port can be
    /// reused (NAT Gateway: 65 s).
    pub port_cooldown: SimDuration,
}

/// The egress options.
#[derive(Clone, Debug)]
pub enum EgressKind {
    /// NAT Gateway: SNAT ports = public IPs × ports per IP, per destination endpoint.
    NatGateway {
        /// Standard (zonal) or StandardV2 (zone-redundant).
        sku: NatSku,
        /// Public IPs (1..=16).
        public_ips: u32,
        /// SNAT ports per IP (64,512).
        ports_per_ip: u32,
        /// TCP idle timeout.
        idle_timeout: SimDuration,
        /// Zones that hold a NAT Gateway (indices); egress from a zone uses its own if present,
        /// otherwise the first listed. Empty means zone-redundant (StandardV2 only: a Standard
        /// gateway without a zone is in the hidden zone Azure picked).
        zones: Vec<usize>,
    },
    /// Azure Firewall: instances, each a FIFO server with a throughput limit, that scale out
    /// and in with throughput use; SNAT ports = public IPs × instances × 2,496.
    Firewall {
        /// Added latency per call.
        latency: Dist,
        /// Public IPs.
        public_ips: u32,
        /// Instances at the start, and the fewest autoscaling keeps.
        instances: u32,
        /// Most instances autoscaling adds up to.
        max_instances: u32,
        /// Throughput of one instance, bits per second.
        bits_per_sec: f64,
        /// Time from the scale-out decision until the new instance takes traffic.
        scale_out_delay: SimDuration,
        /// Time between autoscaling evaluations.
        autoscale_interval: SimDuration,
        /// TCP idle timeout (north-south).
        idle_timeout: SimDuration,
        /// A NAT Gateway on the firewall subnet: it does the SNAT instead of the firewall.
        nat: Option<FirewallNat>,
    },
    /// Standard Load Balancer outbound: a fixed SNAT port allocation per node, per destination
    /// endpoint.
    LoadBalancer {
        /// Managed outbound public IPs.
        outbound_ips: u32,
        /// Nodes in the backend pool.
        nodes: u32,
        /// SNAT ports each node gets.
        ports_per_node: u32,
        /// Outbound flow idle timeout.
        idle_timeout: SimDuration,
    },
    /// Private endpoints: no SNAT, a VNet hop.
    PrivateEndpoint,
    /// No modelled egress device (calls go straight out).
    Direct,
}

/// NAT Gateway SKUs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NatSku {
    /// Standard: a zonal resource.
    Standard,
    /// StandardV2: zone-redundant.
    StandardV2,
}

impl NatSku {
    /// The name as written in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            NatSku::Standard => "standard",
            NatSku::StandardV2 => "standard-v2",
        }
    }
}

/// A NAT Gateway on the Azure Firewall subnet (facts §7: it does the SNAT, no double NAT).
#[derive(Clone, Debug)]
pub struct FirewallNat {
    /// Standard (zonal) or StandardV2 (zone-redundant).
    pub sku: NatSku,
    /// Public IPs (1..=16).
    pub public_ips: u32,
    /// The gateway's zone (`None`: zone-redundant).
    pub zone: Option<usize>,
}

/// `[[egress.destinations]]`.
#[derive(Clone, Debug)]
pub struct Destination {
    /// Name, referred to by calls.
    pub name: String,
    /// Round-trip time plus remote work.
    pub latency: Dist,
    /// Share of calls that fail, in [0, 1].
    pub error_rate: f64,
    /// Share of calls that reuse an open connection, in [0, 1].
    pub connection_reuse: f64,
    /// Request plus response size of one call in KiB (> 0).
    pub kib_per_call: f64,
    /// How long the caller keeps an idle connection open after a call (0: closed at once).
    pub keep_alive: SimDuration,
    /// IP addresses (destination endpoints), at least 1.
    pub addresses: u32,
    /// Each calling pod's connection pool (`None`: the `connection_reuse` share instead).
    pub pool: Option<EgressPool>,
}

/// `[[faults]]`.
#[derive(Clone, Debug)]
pub struct Fault {
    /// When it starts (since the start of the run).
    pub at: SimDuration,
    /// How long it lasts (`None`: to the end).
    pub duration: Option<SimDuration>,
    /// What fails.
    pub kind: FaultKind,
}

/// How a dead component looks to its callers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureMode {
    /// Packets vanish: callers wait for their timeout.
    BlackHole,
    /// Connections are refused: callers fail at once.
    Reset,
}

/// The kinds of fault.
#[derive(Clone, Debug)]
pub enum FaultKind {
    /// Every pod and zonal instance in a zone stops.
    ZoneOutage {
        /// Zone index.
        zone: usize,
        /// Black hole or reset.
        mode: FailureMode,
    },
    /// Some pods of a service crash.
    PodCrash {
        /// Service index.
        service: usize,
        /// Pods that crash.
        count: u32,
    },
    /// A destination or service gets slower and/or fails a share of calls.
    DependencyDegradation {
        /// What degrades.
        target: CallTarget,
        /// Latency / service-time multiplier (>= 1 slows down).
        latency_multiplier: f64,
        /// Share of calls that fail meanwhile.
        error_rate: f64,
    },
    /// Some pods of a service are slow and/or fail a share of requests, but stay ready: the
    /// failure health checks miss.
    GrayFailure {
        /// Service index.
        service: usize,
        /// Only pods in this zone (a gray node or zone), if given.
        zone: Option<usize>,
        /// Pods affected.
        count: u32,
        /// Service-time multiplier.
        latency_multiplier: f64,
        /// Share of requests that fail (5xx).
        error_rate: f64,
    },
    /// `count` pods of a service hang (stop answering, a black hole) until the fault ends; only
    /// readiness probes notice.
    PodHang {
        /// Service index.
        service: usize,
        /// Pods that hang.
        count: u32,
    },
    /// A node is lost with `count` pods (of any service) in `zone`: they cannot report, so
    /// detection takes the node-monitor grace period.
    NodeFailure {
        /// Zone index.
        zone: usize,
        /// Pods the node held.
        count: u32,
        /// Black hole or reset.
        mode: FailureMode,
    },
    /// `count` ingress instances (in `zone`, if given) are lost.
    IngressInstanceLoss {
        /// Zone index, or any zone.
        zone: Option<usize>,
        /// Instances lost.
        count: u32,
        /// Black hole or reset.
        mode: FailureMode,
    },
    /// Cross-zone latency is multiplied.
    ZoneLatency {
        /// Multiplier on cross-zone one-way latency.
        latency_multiplier: f64,
    },
}

/// `[slo]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Slo {
    /// Target p99 end-to-end latency.
    pub p99: SimDuration,
    /// Highest acceptable error rate, in [0, 1].
    pub error_rate: f64,
}
