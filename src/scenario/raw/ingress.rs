//! `[ingress]` as written: one table for every kind, whose kind-specific fields are checked
//! against `kind` when the scenario is resolved (simplest to read and to report on).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use crate::scenario::dist_spec::DistSpec;
use crate::scenario::units::HumanDuration;

/// `[ingress]`: the tier between clients and the services.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, expecting = "an [ingress] table")]
pub(crate) struct IngressTable {
    /// "app-gateway" (Application Gateway v2 + AGIC), "app-gateway-for-containers"
    /// (Application Gateway for Containers), "nginx" (ingress-nginx), "istio" (Istio
    /// ingress gateway), "load-balancer" (a LoadBalancer Service, L4) or "none". Default: "none".
    pub kind: Option<IngressKindName>,
    /// Instances (replicas) per zone, e.g. { "1" = 1, "2" = 1, "3" = 1 }; zones not named get 0.
    /// Default: app-gateway 2, nginx 2, istio 2, spread over the zones.
    pub instances: Option<BTreeMap<String, u32>>,
    /// Requests one instance processes at once (its worker slots). Default: app-gateway 10 (one
    /// per capacity unit), nginx 2, istio 2.
    pub concurrency: Option<u32>,
    /// Requests waiting per instance beyond `concurrency`; more are rejected with 503.
    /// Default: no limit.
    pub queue_limit: Option<u32>,
    /// Work per request in a slot (a distribution). Default: app-gateway exponential 1 ms
    /// (WAF_v2 10 ms), nginx and istio exponential 0.4 ms.
    pub processing: Option<DistSpec>,
    /// Extra work for a request that opens a new TLS connection. Default: app-gateway "20ms"
    /// (50 new TLS connections/s per compute unit), nginx and istio "1ms".
    pub tls_handshake: Option<DistSpec>,
    /// The ingress gives up on a backend after this long (504). Default: app-gateway "30s",
    /// nginx "60s", istio the client timeout (Istio sets none).
    pub backend_timeout: Option<HumanDuration>,
    /// How a backend pod is picked: "round-robin", "random", "least-request" (best of two) or
    /// "ewma". Default: app-gateway and nginx round-robin, istio least-request, otherwise random.
    pub balancing: Option<BalancingName>,
    /// app-gateway only: "Standard_v2" or "WAF_v2". Default: "Standard_v2".
    pub sku: Option<SkuName>,
    /// app-gateway only: AGIC's health-probe annotations; each figure given replaces the one
    /// AGIC copies from the pods' readiness probe. Default: none (the pods' own probe; 30 s,
    /// 30 s, 3 failures for a service with `readiness = "none"`).
    pub probe: Option<HealthProbeTable>,
    /// app-gateway only: delay before AGIC updates the backend pool after pods change.
    /// Default: "40s" (an estimate from AGIC issues).
    pub agic_update_lag: Option<HumanDuration>,
    /// app-gateway only: the AGIC `connection-draining` annotations: when AGIC takes a pod out
    /// of the backend pool, its in-flight requests get this long to finish ("1s" to "1h").
    /// Default: off, as in AGIC (App Gateway then gives them 30 s).
    pub connection_draining: Option<HumanDuration>,
    /// app-gateway and app-gateway-for-containers: autoscaling up to this many instances
    /// (Application Gateway v2 autoscaling on capacity units). Default: app-gateway no
    /// autoscaling; app-gateway-for-containers (always autoscaling) 20, an estimate.
    pub max_instances: Option<u32>,
    /// app-gateway and app-gateway-for-containers: time for a new instance to take traffic.
    /// Default: app-gateway "6m30s" (6–7 min); app-gateway-for-containers "5m" ("can take up
    /// to five minutes").
    pub scale_out_time: Option<HumanDuration>,
    /// app-gateway-for-containers only: its HealthCheckPolicy; when given it replaces the
    /// pods' readiness probe and the default probe (5 s, 30 s, 1, 3). Default: none.
    pub health_check: Option<HealthCheckTable>,
    /// app-gateway-for-containers only: delay before its control plane applies a pod change
    /// to the data plane ("near real-time"). Default: "1s", an estimate.
    pub control_plane_lag: Option<HumanDuration>,
    /// app-gateway-for-containers only: frontends (child resources, each billed). Default: 1.
    pub frontends: Option<u32>,
    /// app-gateway-for-containers only: its Web Application Firewall (a WAF policy on a
    /// security policy): per-request inspection time at the gateway, and its bill (the WAF
    /// resource by the hour, requests per million per ruleset). Default: off.
    pub waf: Option<AgcWafTable>,
    /// nginx only: `proxy-next-upstream-tries`, tries in all on error or timeout, at most 100.
    /// Default: 3.
    #[schemars(range(min = 1, max = 100))]
    pub next_upstream_tries: Option<u32>,
    /// app-gateway-for-containers and istio only (the kinds with Gateway API): HTTPRoute
    /// rules, `[[ingress.http_routes]]` with `matches` and weighted `backend_refs`, in place of
    /// `[[clients.routes]]`; each backend of a rule becomes a route, with its results. Default:
    /// none.
    pub http_routes: Option<Vec<super::HttpRouteRule>>,
    /// nginx only: "app-routing" — the managed NGINX of the AKS application routing add-on
    /// (supported with security patches through November 2026): its operator's defaults, an
    /// HPA of min 2, max 100 replicas at 80% of the 0.5 vCPU request (0.2 of 2 worker slots,
    /// each a CPU), `externalTrafficPolicy` "local", and 0.5 vCPU requested per replica on the bill
    /// (the add-on is free; its nodes pay). Fields given still win. Default: none
    /// (self-managed ingress-nginx).
    pub managed: Option<ManagedName>,
    /// nginx only: `limit-rps` rate limit, requests per second per controller replica; excess
    /// is rejected with 503. Default: no limit.
    pub limit_rps: Option<f64>,
    /// nginx only: requests allowed above `limit_rps` in a burst. Default: 5 × `limit_rps`
    /// (ingress-nginx's burst multiplier).
    pub limit_burst: Option<u32>,
    /// istio only: retries after the first try, of what Istio's default `retryOn` retries
    /// (a failed connection; not a 503, another 5xx or a per-try timeout), at most 100.
    /// Default: 2.
    #[schemars(range(max = 100))]
    pub retries: Option<u32>,
    /// istio only: timeout of each try (not retried: Istio's default `retryOn` has none of
    /// `5xx`, `gateway-error`, `reset`). Default: `backend_timeout`.
    pub per_try_timeout: Option<HumanDuration>,
    /// istio only: outlier detection (ejects failing pods). Default: off.
    pub outlier_detection: Option<OutlierTable>,
    /// istio only: locality load balancing (gateway and mesh): the sender's zone first, and
    /// the share that zone's health does not cover, by Envoy's overprovisioning factor 1.4,
    /// to the others. Default: on exactly when `outlier_detection` is given (Istio applies
    /// locality only then); set it to force it on or off.
    pub locality_aware: Option<bool>,
    /// istio only: a sidecar mesh — every pod has a sidecar: requests from the gateway pass
    /// the pod's, each east-west call passes one on each side, each egress call the caller's;
    /// calls are balanced by Envoy (LEAST_REQUEST, locality as `locality_aware`) instead of
    /// kube-proxy. Default: false.
    pub mesh: Option<bool>,
    /// istio only, with `mesh`: latency one sidecar pass adds (an east-west call passes two,
    /// a request from the gateway or an egress call one).
    /// Default: constant "1.35ms" (half of the ≈2.7 ms p90 Istio measures for a client and
    /// server sidecar pair).
    pub sidecar_latency: Option<DistSpec>,
    /// istio only, with `mesh`: retries the client sidecar makes on an east-west call whose
    /// connection fails (connect-failure, reset), each to another pod. Default: 2 (Istio's
    /// default retry policy). At most 100.
    #[schemars(range(max = 100))]
    pub mesh_retries: Option<u32>,
    /// istio only, with `mesh`: CPU time one mTLS handshake costs the sidecar that accepts a
    /// new connection, on the pod's CPU (services with `cpu`): once per connection its pool
    /// opens (`upstream`). Default: "1ms" (an estimate: Istio's workload certificates
    /// are RSA 2048, and one RSA-2048 signature with an ECDHE exchange takes about 0.6–1 ms of
    /// one core).
    pub mtls_handshake_cpu: Option<HumanDuration>,
    /// nginx and istio only: the connect timeout towards pods: a new connection to a pod that
    /// does not answer (black hole) fails after it, and the gateway retries it on another pod
    /// (NGINX `proxy-next-upstream error`, Istio `connect-failure`). Default: nginx "5s"
    /// (`proxy-connect-timeout`), istio "10s" (Envoy `connectTimeout`).
    pub connect_timeout: Option<HumanDuration>,
    /// app-gateway, app-gateway-for-containers, nginx and istio: the keep-alive connections
    /// each gateway replica (and, with `mesh`, each pod's sidecar) keeps to each pod. A try
    /// rides an idle one to its pod when there is one, else opens one and pays its handshake;
    /// towards a black-holed pod a reused connection hangs until `backend_timeout`, a new one
    /// fails at `connect_timeout`. Defaults: nginx `upstream-keepalive-*` (320 idle, 60 s,
    /// 10,000 requests, plain HTTP); istio Envoy's (no idle limit, 1 h, no request limit, mTLS
    /// with `mesh`); App Gateway 320 idle, 60 s, no request limit, HTTP (estimates).
    pub upstream: Option<UpstreamTable>,
    /// Removed: the share of new connections now follows from `upstream`.
    #[schemars(skip)]
    pub new_connection_share: Option<serde::de::IgnoredAny>,
    /// Removed: the idle connections to a pod now follow from `upstream`.
    #[schemars(skip)]
    pub idle_connections_per_pod: Option<serde::de::IgnoredAny>,
    /// nginx and istio only: the gateway Service's `externalTrafficPolicy`, "cluster" (the Load
    /// Balancer probes nodes, kube-proxy forwards to any gateway pod: an extra hop, and a lost
    /// gateway pod is dropped only when the endpoints change) or "local" (the Load Balancer
    /// probes the gateway pods' nodes and sends straight to them). Default: "cluster"
    /// (Kubernetes' default, which the ingress-nginx chart and the AKS Istio add-on keep).
    pub external_traffic_policy: Option<TrafficPolicyName>,
    /// nginx and istio only: time for a new or restarted replica to become ready (image pull,
    /// container start, readiness). Default: "20s" (an estimate, like pods).
    pub startup: Option<HumanDuration>,
    /// nginx and istio only: a HorizontalPodAutoscaler on the replicas. Default: none (fixed
    /// replicas).
    pub hpa: Option<IngressHpaTable>,
    /// An internal-only ingress on a private frontend (App Gateway private IP, internal
    /// Standard Load Balancer): clients are inside the VNet, spread evenly over the zones, and
    /// reach it with the `[network]` in-zone or cross-zone latency. Default: false.
    pub internal: Option<bool>,
}

/// `[ingress.hpa]`: the services' HPA algorithm on the ingress replicas; every field optional.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct IngressHpaTable {
    /// Fewest replicas. Default: istio 2 (AKS add-on gateway HPA), nginx the instances given.
    pub min: Option<u32>,
    /// Most replicas. Default: istio 5 (AKS add-on gateway HPA); required for nginx.
    pub max: Option<u32>,
    /// Target share of busy worker slots. Default: istio 0.8 (AKS add-on: 80% CPU); required
    /// for nginx.
    pub target_utilisation: Option<f64>,
    /// How often the HPA evaluates. Default: "15s".
    pub sync_period: Option<HumanDuration>,
    /// No change while |utilisation / target − 1| is within this. Default: 0.1.
    pub tolerance: Option<f64>,
    /// Scale down only to the highest recommendation of this past window. Default: "5m".
    pub scale_down_stabilisation: Option<HumanDuration>,
}

/// The ingress options.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum IngressKindName {
    /// Azure Application Gateway v2 with the AGIC controller.
    AppGateway,
    /// Application Gateway for Containers (managed data plane outside the cluster, ALB
    /// controller).
    AppGatewayForContainers,
    /// ingress-nginx controller pods.
    Nginx,
    /// Istio ingress gateway (Envoy) pods.
    Istio,
    /// A plain LoadBalancer Service (Azure Standard Load Balancer, L4).
    LoadBalancer,
    /// Clients reach the services directly.
    None,
}

impl IngressKindName {
    /// The name as written in the file.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            IngressKindName::AppGateway => "app-gateway",
            IngressKindName::AppGatewayForContainers => "app-gateway-for-containers",
            IngressKindName::Nginx => "nginx",
            IngressKindName::Istio => "istio",
            IngressKindName::LoadBalancer => "load-balancer",
            IngressKindName::None => "none",
        }
    }
}

/// Who runs the NGINX controller.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum ManagedName {
    /// The AKS application routing add-on (NginxIngressController).
    AppRouting,
}

/// `externalTrafficPolicy` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum TrafficPolicyName {
    /// Any node forwards to any gateway pod.
    Cluster,
    /// Only nodes with a gateway pod take traffic, for their own pods.
    Local,
}

/// Application Gateway v2 SKU.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
pub(crate) enum SkuName {
    /// Standard_v2.
    #[serde(rename = "Standard_v2")]
    StandardV2,
    /// WAF_v2: with the web application firewall.
    #[serde(rename = "WAF_v2")]
    WafV2,
}

/// Load-balancing policies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum BalancingName {
    /// Each ready backend in turn.
    RoundRobin,
    /// Uniformly at random.
    Random,
    /// Fewer requests in flight, of two picked at random.
    LeastRequest,
    /// Lowest exponentially weighted latency.
    Ewma,
}

/// App Gateway health probe: AGIC's `health-probe-*` annotations.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct HealthProbeTable {
    /// Time between probes. Default: the pod's readiness `period` (else "30s").
    pub interval: Option<HumanDuration>,
    /// Probe timeout. Default: the pod's readiness `timeout` (else "30s").
    pub timeout: Option<HumanDuration>,
    /// Consecutive failures that mark a backend unhealthy. Default: the pod's readiness
    /// `failure_threshold` (else 3).
    pub unhealthy_threshold: Option<u32>,
}

/// Application Gateway for Containers' HealthCheckPolicy; a field not given takes the
/// default probe's figure.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct HealthCheckTable {
    /// Time between probes. Default: "5s".
    pub interval: Option<HumanDuration>,
    /// Probe timeout. Default: "30s".
    pub timeout: Option<HumanDuration>,
    /// Consecutive failures that mark a backend unhealthy. Default: 3.
    pub unhealthy_threshold: Option<u32>,
    /// Consecutive successes that mark a backend healthy. Default: 1.
    pub healthy_threshold: Option<u32>,
}

/// Application Gateway for Containers' WAF; every field optional.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AgcWafTable {
    /// Rulesets in the WAF policy (the default ruleset, a bot manager ruleset, ...), each
    /// billed per million requests, 1 to 10. Default: 1.
    #[schemars(range(min = 1, max = 10))]
    pub rulesets: Option<u32>,
    /// Time the WAF adds to each request at the gateway, holding its slot (a distribution).
    /// Default: constant "1ms" (an estimate: no figure is published).
    pub inspection: Option<DistSpec>,
}

/// Envoy outlier detection (Istio DestinationRule).
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct OutlierTable {
    /// Consecutive gateway errors that eject a pod. Default: 5.
    pub consecutive_errors: Option<u32>,
    /// How often ejections are evaluated. Default: "10s".
    pub interval: Option<HumanDuration>,
    /// Base ejection time, multiplied by the number of ejections. Default: "30s".
    pub base_ejection_time: Option<HumanDuration>,
    /// At most this percentage of pods ejected at once, 0 to 100. Default: 10.
    pub max_ejection_percent: Option<f64>,
}

/// `upstream`: a gateway replica's (and, with `mesh`, a sidecar's) keep-alive pool to each pod.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a table such as { max_idle = 32, idle_timeout = \"60s\", max_requests = 1000 }"
)]
pub(crate) struct UpstreamTable {
    /// Idle connections kept per (replica, pod), at least 1; a connection freed beyond them
    /// closes. Default: nginx 320 (`upstream-keepalive-connections`), istio no limit, App
    /// Gateway 320 (an estimate).
    pub max_idle: Option<u32>,
    /// An idle connection closes after this long. Default: nginx "60s"
    /// (`upstream-keepalive-timeout`), istio "1h" (DestinationRule `idleTimeout`), App Gateway
    /// "60s" (an estimate).
    pub idle_timeout: Option<HumanDuration>,
    /// A connection closes after this many requests, at least 1. Default: nginx 10,000
    /// (`upstream-keepalive-requests`), istio and App Gateway no limit
    /// (`maxRequestsPerConnection` 0).
    pub max_requests: Option<u32>,
    /// Whether a new gateway → pod connection pays a TLS handshake (one round trip after
    /// TCP's). Default: true for istio with `mesh` (mTLS), false otherwise (NGINX and App
    /// Gateway speak plain HTTP to pods by default). The sidecars' own connections are always
    /// mTLS.
    pub tls: Option<bool>,
}
