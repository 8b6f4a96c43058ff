//! `[[services]]` and `[egress]` as written: the pods, their calls, and the way out.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use crate::scenario::dist_spec::DistSpec;
use crate::scenario::units::{CpuQuantity, HumanDuration};

/// `[[services]]`: one service, its pods per zone and what each request does.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, expecting = "a [[services]] table")]
pub(crate) struct ServiceTable {
    /// Name, referred to by routes, calls and faults.
    pub name: String,
    /// Pods per zone, e.g. { "1" = 3, "2" = 3, "3" = 3 }; zones not named get 0. Give this
    /// or `replicas`.
    pub pods: Option<BTreeMap<String, u32>>,
    /// Pods in all, placed by the scheduler (evenly over the zones with room). Give this or
    /// `pods`. At most 150,000.
    #[schemars(range(max = 150_000))]
    pub replicas: Option<u32>,
    /// A topology-spread rule over zones for placing pods (initial with `replicas`,
    /// replacements and HPA scale-ups). Default: none (the zone with the fewest pods).
    pub topology_spread: Option<TopologySpreadTable>,
    /// Requests one pod serves at once (worker slots). Default: 1; with `cpu`, 10000 (no slot
    /// bound).
    pub concurrency: Option<u32>,
    /// Requests waiting per pod beyond `concurrency`; more are rejected with 503.
    /// Default: no limit.
    pub queue_limit: Option<u32>,
    /// Work per request in a slot (a distribution), e.g. { lognormal = { mean = "25ms",
    /// p99 = "150ms" } }. With `cpu`, the CPU time the request needs on one core.
    pub service_time: DistSpec,
    /// The pod's CPU, e.g. { request = "500m", limit = "1" }: the requests in service share
    /// it (processor sharing). Default: none (each slot serves at full speed).
    pub cpu: Option<CpuTable>,
    /// Service time that grows with the requests in service at the pod when one starts:
    /// `service_time × (1 + contention × in service)`, at least 0. Default: 0.
    pub contention: Option<f64>,
    /// Share of requests the service itself fails with a 5xx (an application error rate, e.g.
    /// a canary version's), 0 to 1. Default: 0.
    pub error_rate: Option<f64>,
    /// Time for a new or restarted pod to become ready. Default: "20s".
    pub startup: Option<HumanDuration>,
    /// `terminationGracePeriodSeconds`: a pod deleted by a scale-down serves until this long
    /// after its deletion (preStop hook included), then is killed. Default: "30s".
    pub termination_grace: Option<HumanDuration>,
    /// A `preStop` sleep, run first in the grace period; a sleep longer than the grace period
    /// gets the kubelet's one-off 2 s extension. Default: none.
    pub pre_stop: Option<HumanDuration>,
    /// Readiness probe, or "none" for a container with no readiness (or liveness) httpGet
    /// probe. Default: every 10 s, timeout 1 s, unready after 3 failures. Application Gateway
    /// (AGIC) builds its health probe from it; with "none" it uses 30 s / 30 s / 3.
    pub readiness: Option<ReadinessSpec>,
    /// Calls made while serving a request, in order, each with a probability.
    pub calls: Option<Vec<CallEntry>>,
    /// What callers speak to it: "http1", "http2" or "grpc". With "http2" or "grpc" and no
    /// `mesh`, each caller pod sends all its calls on one connection, to the one pod kube-proxy
    /// picked when it opened (see `connections` on a call). Default: "http1" (balanced per
    /// request unless a call sets `connections`).
    pub protocol: Option<super::ProtocolName>,
    /// A HorizontalPodAutoscaler on worker-slot utilisation (with `cpu`: CPU used over the
    /// CPU request, the mesh's sidecar included in both). Default: none (fixed pods).
    pub hpa: Option<HpaTable>,
}

/// `cpu`: the container's CPU request and limit, in Kubernetes quantities ("500m", "1.5", or
/// a number of cores); give at least one.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a table such as { request = \"500m\", limit = \"1\" }"
)]
pub(crate) struct CpuTable {
    /// `resources.requests.cpu`: what the scheduler reserves and what the HPA's utilisation
    /// is measured against. Default: the limit.
    pub request: Option<CpuQuantity>,
    /// `resources.limits.cpu`: the CFS quota, the most the pod's requests use together.
    /// Default: none (the pod gets its request).
    pub limit: Option<CpuQuantity>,
}

/// `topologySpreadConstraints` over `topology.kubernetes.io/zone` with the default
/// `nodeTaintsPolicy: Ignore`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TopologySpreadTable {
    /// `maxSkew`, at least 1. Default: 1.
    pub max_skew: Option<u32>,
    /// "do-not-schedule" or "schedule-anyway". Default: "do-not-schedule" (Kubernetes has no
    /// default; this is the strict one).
    pub when_unsatisfiable: Option<WhenUnsatisfiable>,
}

/// `whenUnsatisfiable`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum WhenUnsatisfiable {
    /// `DoNotSchedule`: the pod stays pending.
    DoNotSchedule,
    /// `ScheduleAnyway`: the skew only ranks the zones.
    ScheduleAnyway,
}

/// A HorizontalPodAutoscaler: `desired = ceil(pods × utilisation / target)`, within min/max.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct HpaTable {
    /// Fewest pods. Default: the pods given in `pods`.
    pub min: Option<u32>,
    /// Most pods (required), at most 150,000.
    #[schemars(range(max = 150_000))]
    pub max: u32,
    /// Target share of busy worker slots (with `cpu`: of the CPU request), e.g. 0.7
    /// (required).
    pub target_utilisation: f64,
    /// How often the HPA evaluates, at least "1s". Default: "15s" (kube-controller-manager).
    pub sync_period: Option<HumanDuration>,
    /// No change while |utilisation / target − 1| is within this. Default: 0.1.
    pub tolerance: Option<f64>,
    /// Scale down only to the highest recommendation of this past window. Default: "5m".
    pub scale_down_stabilisation: Option<HumanDuration>,
}

/// `readiness`: a probe table, or the word "none".
#[derive(Clone, Debug, JsonSchema)]
#[serde(untagged)]
pub(crate) enum ReadinessSpec {
    /// `"none"`: the container has no readiness or liveness httpGet probe.
    None(NoProbe),
    /// The probe's figures.
    Probe(ReadinessTable),
}

/// The word `"none"`.
#[derive(Clone, Copy, Debug, JsonSchema)]
pub(crate) enum NoProbe {
    /// No probe.
    #[serde(rename = "none")]
    None,
}

impl<'de> Deserialize<'de> for ReadinessSpec {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::{self, MapAccess, Visitor};
        struct SpecVisitor;
        impl<'de> Visitor<'de> for SpecVisitor {
            type Value = ReadinessSpec;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("\"none\" or a table { period, failure_threshold, timeout }")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<ReadinessSpec, E> {
                if s == "none" {
                    Ok(ReadinessSpec::None(NoProbe::None))
                } else {
                    Err(E::custom(format!(
                        "expected \"none\" or a table {{ period, failure_threshold, timeout }}, got \"{s}\""
                    )))
                }
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ReadinessSpec, A::Error> {
                let table = Deserialize::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(ReadinessSpec::Probe(table))
            }
        }
        deserializer.deserialize_any(SpecVisitor)
    }
}

/// A Kubernetes readiness probe.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReadinessTable {
    /// `periodSeconds`. Default: "10s".
    pub period: Option<HumanDuration>,
    /// `failureThreshold`. Default: 3.
    pub failure_threshold: Option<u32>,
    /// `timeoutSeconds`. Default: "1s".
    pub timeout: Option<HumanDuration>,
}

/// A call to another service or to an external destination, or to one of several chosen by
/// weight or header (`choose`); give exactly one of the three.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CallEntry {
    /// A `[[services]]` name.
    pub service: Option<String>,
    /// An `[[egress.destinations]]` name.
    pub destination: Option<String>,
    /// A weighted choice: each request that makes the call makes it to exactly one of these
    /// targets (a canary 90/10, an A/B split), e.g. [{ service = "pay-v1", weight = 90 },
    /// { service = "pay-v2", weight = 10 }]. Retries go to the same target.
    pub choose: Option<Vec<super::ChoiceOption>>,
    /// Probability that a request makes this call, 0 to 1. Default: 1.
    pub probability: Option<f64>,
    /// How long the caller waits for this call before giving up (its worker slot is held
    /// meanwhile). Default: the client's `timeout`.
    pub timeout: Option<HumanDuration>,
    /// A fan-out label: consecutive calls with the same label go out at once (a parallel
    /// fan-out) and the caller waits until all of them have replied. Default: none (the call
    /// is made on its own, after the previous one replied).
    pub fan_out: Option<String>,
    /// Retries the caller's own code makes when the call fails (timeout, 5xx, reset), each a
    /// new call with its own timeout. At most 100. Default: 0.
    #[schemars(range(max = 100))]
    pub retries: Option<u32>,
    /// Backoff before the first retry; it doubles each retry, with full jitter, up to 5 s.
    /// Default: "100ms".
    pub backoff: Option<HumanDuration>,
    /// Service calls only: the caller's keep-alive connections for this call, e.g. { pool = 1,
    /// max_age = "30s" }. Without a `mesh`, kube-proxy then picks a pod per connection, not per
    /// request. Default: none for an "http1" target (a pod per request); the protocol's pool
    /// for an "http2" or "grpc" target.
    pub connections: Option<super::ConnectionsTable>,
}

/// `[egress]`: how calls to external destinations leave the cluster.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, expecting = "an [egress] table")]
pub(crate) struct EgressTable {
    /// "load-balancer", "nat-gateway", "firewall", "private-endpoint" or "direct". Default:
    /// "load-balancer", AKS's default `outboundType` (before: "direct").
    pub kind: Option<EgressKindName>,
    /// nat-gateway only: "standard" (zonal: in `zone`, or in a zone Azure picks) or
    /// "standard-v2" (zone-redundant). Default: "standard".
    pub sku: Option<NatSku>,
    /// nat-gateway only, Standard SKU without `zone`/`zones`: the zone Azure placed the gateway
    /// in (not shown to the user; egress fails with it). Default: the first zone.
    pub hidden_zone: Option<String>,
    /// load-balancer only: managed outbound public IPs (AKS `--load-balancer-managed-outbound-ip-count`,
    /// 1 to 100), 64,000 SNAT ports each. Default: 1.
    pub outbound_ips: Option<u32>,
    /// load-balancer only: SNAT ports per node (AKS `--load-balancer-outbound-ports`,
    /// `allocatedOutboundPorts`), a multiple of 8; 0 = the automatic table by pool size.
    /// Default: 0.
    pub allocated_outbound_ports: Option<u32>,
    /// firewall only: a NAT Gateway on the firewall subnet, which does the SNAT instead of the
    /// firewall (64,512 ports per IP, no double NAT). Default: none.
    pub nat_gateway: Option<FirewallNatTable>,
    /// nat-gateway and firewall: public IPs (NAT Gateway: 1 to 16; firewall: up to 250).
    /// Default: 1.
    pub public_ips: Option<u32>,
    /// firewall only: instances at the start and the fewest autoscaling keeps (each with its
    /// own SNAT ports and throughput). Default: 2.
    pub instances: Option<u32>,
    /// firewall only: "standard" or "premium"; sets the throughput defaults. Default:
    /// "standard".
    pub tier: Option<FirewallTier>,
    /// firewall only: throughput of one instance in Gbps. Default: 1.5 (standard), 9
    /// (premium).
    pub gbps_per_instance: Option<f64>,
    /// firewall only: most instances autoscaling adds. Default: 20 (standard), 12 (premium).
    pub max_instances: Option<u32>,
    /// firewall only: time from the scale-out decision until the new instance takes traffic.
    /// Default: "6m".
    pub scale_out_delay: Option<HumanDuration>,
    /// firewall only: time between autoscaling evaluations. Default: "1m".
    pub autoscale_interval: Option<HumanDuration>,
    /// nat-gateway, firewall and load-balancer: SNAT port hold-down after a connection closes
    /// (FIN) before the port is reused. Default: "65s".
    pub port_cooldown: Option<HumanDuration>,
    /// load-balancer only: nodes in the backend pool (pods are spread over them in turn;
    /// each node gets its own SNAT ports by the pool-size table). Default: one node per
    /// 10 pods, at least one per zone.
    pub nodes: Option<u32>,
    /// nat-gateway only: SNAT ports per public IP. Default: 64512.
    pub ports_per_ip: Option<u32>,
    /// TCP idle timeout: an idle connection is dropped and its SNAT port freed. nat-gateway:
    /// "4m" to "120m", default "4m"; firewall: "4m" to "15m", default "4m"; load-balancer:
    /// "4m" to "120m", default "30m".
    pub idle_timeout: Option<HumanDuration>,
    /// nat-gateway only: the zone of a zonal NAT Gateway (losing it loses egress).
    /// Default: Standard SKU: `hidden_zone`; StandardV2: zone-redundant.
    pub zone: Option<String>,
    /// nat-gateway only: zones holding a NAT Gateway; a zone without one uses the first.
    pub zones: Option<Vec<String>>,
    /// firewall only: added latency per call (a distribution). Default: "1ms".
    pub latency: Option<DistSpec>,
    /// The external destinations that services call.
    pub destinations: Option<Vec<DestinationTable>>,
}

/// `[egress] nat_gateway`: a NAT Gateway on the Azure Firewall subnet.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, expecting = "a table such as { public_ips = 2 }")]
pub(crate) struct FirewallNatTable {
    /// Public IPs, 1 to 16. Default: 1.
    pub public_ips: Option<u32>,
    /// "standard" or "standard-v2". Default: "standard".
    pub sku: Option<NatSku>,
    /// Standard SKU: the gateway's zone. Default: `hidden_zone`.
    pub zone: Option<String>,
    /// Standard SKU without `zone`: the zone Azure placed it in. Default: the first zone.
    pub hidden_zone: Option<String>,
}

/// NAT Gateway SKUs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum NatSku {
    /// Standard: a zonal resource.
    Standard,
    /// StandardV2: zone-redundant.
    StandardV2,
}

/// The egress options.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum EgressKindName {
    /// Azure NAT Gateway: SNAT ports = public IPs × ports per IP.
    NatGateway,
    /// Azure Firewall.
    Firewall,
    /// AKS's default outbound through the Standard Load Balancer: SNAT ports allocated per
    /// node by the backend pool size.
    LoadBalancer,
    /// Private endpoints: no SNAT, a VNet hop.
    PrivateEndpoint,
    /// No modelled egress device.
    Direct,
}

impl EgressKindName {
    /// The name as written in the file.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            EgressKindName::NatGateway => "nat-gateway",
            EgressKindName::Firewall => "firewall",
            EgressKindName::LoadBalancer => "load-balancer",
            EgressKindName::PrivateEndpoint => "private-endpoint",
            EgressKindName::Direct => "direct",
        }
    }
}

/// `[[egress.destinations]]`: an external dependency.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DestinationTable {
    /// Name, referred to by calls.
    pub name: String,
    /// Round-trip time plus remote work (a distribution).
    pub latency: DistSpec,
    /// Share of calls that fail, 0 to 1. Default: 0.
    pub error_rate: Option<f64>,
    /// Share of calls that reuse an open connection (and need no new SNAT port), 0 to 1.
    /// Default: 0.
    pub connection_reuse: Option<f64>,
    /// Request plus response size of one call in KiB, through the egress path (firewall
    /// throughput, data processed). Default: 16.
    pub kib_per_call: Option<f64>,
    /// How long the caller keeps an idle connection open after a call before closing it; an
    /// idle connection holds its SNAT port. Default: "0s" (closed after the call).
    pub keep_alive: Option<HumanDuration>,
    /// IP addresses the destination's name resolves to, 1 to 64; calls spread over them
    /// evenly, and each is a destination endpoint with its own SNAT ports. Default: 1.
    pub addresses: Option<u32>,
    /// Each calling pod's connection pool to the destination: calls reuse idle connections,
    /// and a SNAT port is held per open connection, not per call. Not with `connection_reuse`
    /// or `keep_alive`. Default: none.
    pub pool: Option<super::PoolTable>,
}

/// Azure Firewall SKUs with autoscaling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum FirewallTier {
    /// Standard: 30 Gbps at most.
    Standard,
    /// Premium: 100 Gbps at most.
    Premium,
}
