//! One function per billed component: which lines a design gets, and their quantities.

use super::CostLine;
use crate::model::RunResult;
use crate::scenario::defaults::{
    AGC_MBPS_PER_CU, APP_GATEWAY_MBPS_PER_CU, APP_GATEWAY_RESERVED_CU_PER_INSTANCE, KIB_PER_GB,
};
use crate::scenario::{EgressKind, IngressKind, Scenario};

/// What one replication carried, per second, and what it held, on average.
pub(crate) struct Rates {
    /// Hours in the month.
    pub hours: f64,
    /// Requests per second arriving at pods (all services).
    pub pod_requests: f64,
    /// East-west calls per second through the mesh.
    pub mesh_calls: f64,
    /// Egress calls per second that left through the egress path.
    pub egress_calls: f64,
    /// Client attempts per second through the front door.
    pub ingress_requests: f64,
    /// KiB per second through the front door.
    pub ingress_kib: f64,
    /// KiB per second through the egress path.
    pub egress_kib: f64,
    /// Time-averaged ingress instances.
    pub instances: f64,
    /// Time-averaged busy worker slots of the ingress instances (for App Gateway, times the
    /// compute units a slot stands for, the compute units in use).
    pub ingress_busy: f64,
    /// Time-averaged pods.
    pub pods: f64,
}

impl Rates {
    /// The rates of `run`, a replication of `s`.
    pub(crate) fn of(s: &Scenario, run: &RunResult) -> Rates {
        let secs = run.measured_secs.max(f64::MIN_POSITIVE);
        let per_s = |n: u64| n as f64 / secs;
        let u = &run.usage;
        let egress_kib: f64 = u
            .egress_calls
            .iter()
            .zip(&s.egress.destinations)
            .map(|(&n, d)| n as f64 * d.kib_per_call)
            .sum();
        Rates {
            hours: s.costs.hours_per_month,
            pod_requests: run
                .tiers
                .iter()
                .filter(|t| t.kind == "service")
                .map(|t| per_s(t.arrivals))
                .sum(),
            mesh_calls: per_s(u.mesh_calls),
            egress_calls: per_s(u.egress_calls.iter().sum()),
            ingress_requests: per_s(run.client_attempts),
            ingress_kib: per_s(run.client_attempts) * s.clients.kib_per_request,
            egress_kib: egress_kib / secs,
            instances: u.ingress_instances(),
            ingress_busy: run
                .tiers
                .iter()
                .filter(|t| t.kind.starts_with("ingress"))
                .map(|t| t.mean_busy)
                .sum(),
            pods: u.pods(),
        }
    }

    /// GB in a month at `kib_per_s`.
    pub(crate) fn monthly_gb(&self, kib_per_s: f64) -> f64 {
        kib_per_s * 3_600.0 * self.hours / KIB_PER_GB
    }
}

/// Application Gateway: the fixed price per gateway-hour (one gateway, whatever its
/// instances) and capacity units, the larger of the reserved ones (10 per configured
/// instance: the manual count or the autoscaling minimum) and the consumed ones: the largest
/// of the compute units and throughput / 2.22 Mbps (persistent connections are not modelled).
/// The compute units are the instances' busy slots times the compute units a slot stands for,
/// the same figure the simulation serves with (a request holds a slot for the compute-unit time
/// the pricing page gives it, 1/10 s with WAF and 1/50 s per new TLS connection, over the
/// compute units per slot), so the bill's compute units reach 10 per instance exactly when the
/// instances are 100% busy.
/// NGINX and Istio: their replicas as vCPUs.
pub(crate) fn ingress(s: &Scenario, r: &Rates, out: &mut Vec<CostLine>) {
    let c = &s.costs;
    match &s.ingress.kind {
        IngressKind::AppGateway(a) if a.for_containers.is_some() => {
            for_containers(s, r, a.for_containers.as_ref(), out);
        }
        IngressKind::AppGateway(a) => {
            let (sku, hour, cu_hour) = if a.waf {
                ("WAF_v2", c.app_gateway_waf_hour, c.app_gateway_waf_cu_hour)
            } else {
                ("Standard_v2", c.app_gateway_hour, c.app_gateway_cu_hour)
            };
            out.push(CostLine::new(
                &format!("App Gateway {sku} (fixed)"),
                r.hours,
                "gateway-hour",
                hour,
            ));
            let compute = r.ingress_busy * s.ingress.compute_units_per_slot();
            let mbps = r.ingress_kib * 1_024.0 * 8.0 / 1e6;
            let consumed = compute.max(mbps / APP_GATEWAY_MBPS_PER_CU);
            let configured: u32 = s.ingress.instances.iter().sum();
            let reserved = f64::from(configured) * APP_GATEWAY_RESERVED_CU_PER_INSTANCE;
            out.push(CostLine::new(
                "App Gateway capacity units",
                consumed.max(reserved) * r.hours,
                "CU-hour",
                cu_hour,
            ));
        }
        IngressKind::Nginx(_) | IngressKind::Istio(_) => {
            let name = if matches!(&s.ingress.kind, IngressKind::Nginx(n) if n.app_routing) {
                "NGINX replicas (app routing add-on: free, nodes pay)"
            } else if matches!(s.ingress.kind, IngressKind::Nginx(_)) {
                "NGINX replicas"
            } else {
                "Istio gateway replicas"
            };
            out.push(CostLine::new(
                name,
                r.instances * c.ingress_vcpu_per_replica * r.hours,
                "vCPU-hour",
                c.vcpu_hour,
            ));
        }
        IngressKind::LoadBalancer | IngressKind::None => {}
    }
}

/// Application Gateway for Containers: the gateway, its frontends and its association by
/// the hour, and the capacity units it consumes — AGC's measure, the larger of persistent
/// connections / 2,500 and throughput / 2.22 Mbps (no compute term, unlike App Gateway v2;
/// connections are not modelled, so throughput sets it; nothing reserved, since AGC takes no
/// instance count). Prices: `[costs]` `agc_*`, Learn's East US 2 example prices.
fn for_containers(
    s: &Scenario,
    r: &Rates,
    agc: Option<&crate::scenario::ForContainers>,
    out: &mut Vec<CostLine>,
) {
    let c = &s.costs;
    let frontends = agc.map_or(1, |a| a.frontends);
    out.push(CostLine::new(
        "App Gateway for Containers (gateway)",
        r.hours,
        "gateway-hour",
        c.agc_hour,
    ));
    out.push(CostLine::new(
        "App Gateway for Containers frontends",
        f64::from(frontends) * r.hours,
        "frontend-hour",
        c.agc_frontend_hour,
    ));
    out.push(CostLine::new(
        "App Gateway for Containers association",
        f64::from(crate::scenario::defaults::AGC_ASSOCIATIONS) * r.hours,
        "association-hour",
        c.agc_association_hour,
    ));
    let mbps = r.ingress_kib * 1_024.0 * 8.0 / 1e6;
    out.push(CostLine::new(
        "App Gateway for Containers capacity units",
        mbps / AGC_MBPS_PER_CU * r.hours,
        "CU-hour",
        c.agc_cu_hour,
    ));
    // Its WAF: the WAF resource once per gateway, and each request once per ruleset.
    if let Some(rulesets) = agc.and_then(|a| a.waf_rulesets) {
        out.push(CostLine::new(
            "App Gateway for Containers WAF",
            r.hours,
            "hour",
            c.agc_waf_hour,
        ));
        let millions = r.ingress_requests * 3_600.0 * r.hours / 1e6;
        out.push(CostLine::new(
            "App Gateway for Containers WAF requests",
            millions * f64::from(rulesets),
            "million requests × rulesets",
            c.agc_waf_million_requests,
        ));
    }
}

/// Istio sidecars on every pod (with `mesh`): the larger of their CPU requests and their use
/// (vCPUs per 1,000 requests/s, over every pass: each request into a pod, each east-west call
/// out of one, each egress call).
pub(crate) fn mesh(s: &Scenario, r: &Rates, out: &mut Vec<CostLine>) {
    let IngressKind::Istio(i) = &s.ingress.kind else {
        return;
    };
    if i.mesh.is_none() {
        return;
    }
    let c = &s.costs;
    let requested = r.pods * c.sidecar_vcpu;
    let passes = r.pod_requests + r.mesh_calls + r.egress_calls;
    let used = passes / 1_000.0 * c.sidecar_vcpu_per_1000_rps;
    out.push(CostLine::new(
        "Istio sidecars",
        requested.max(used) * r.hours,
        "vCPU-hour",
        c.vcpu_hour,
    ));
}

/// The Standard Load Balancer in front of NGINX, Istio or a LoadBalancer Service, and for
/// Load Balancer outbound: one load balancer (first 5 rules), a public IP per use, and the
/// data it processes.
pub(crate) fn load_balancer(s: &Scenario, r: &Rates, out: &mut Vec<CostLine>) {
    let inbound = matches!(
        s.ingress.kind,
        IngressKind::Nginx(_) | IngressKind::Istio(_) | IngressKind::LoadBalancer
    );
    let outbound = matches!(s.egress.kind, EgressKind::LoadBalancer { .. });
    if !inbound && !outbound {
        return;
    }
    let c = &s.costs;
    out.push(CostLine::new(
        "Load Balancer (first 5 rules)",
        r.hours,
        "hour",
        c.load_balancer_hour,
    ));
    // One inbound frontend IP, and the managed outbound IPs.
    let outbound_ips = match &s.egress.kind {
        EgressKind::LoadBalancer { outbound_ips, .. } => *outbound_ips,
        _ => 0,
    };
    let ips = f64::from(u32::from(inbound) + outbound_ips);
    out.push(CostLine::new(
        "Load Balancer public IPs",
        ips * r.hours,
        "IP-hour",
        c.public_ip_hour,
    ));
    let kib = if inbound { r.ingress_kib } else { 0.0 } + if outbound { r.egress_kib } else { 0.0 };
    out.push(CostLine::new(
        "Load Balancer data processed",
        r.monthly_gb(kib),
        "GB",
        c.load_balancer_gb,
    ));
}

/// NAT Gateway (one per listed zone, each with at least one IP), Azure Firewall (one
/// deployment, whatever its instances) or private endpoints (one per destination): hours, IPs
/// and data processed.
pub(crate) fn egress(s: &Scenario, r: &Rates, out: &mut Vec<CostLine>) {
    let c = &s.costs;
    let gb = r.monthly_gb(r.egress_kib);
    match &s.egress.kind {
        EgressKind::NatGateway {
            public_ips, zones, ..
        } => nat_gateway(s, r, (zones.len().max(1), *public_ips), "NAT Gateway", out),
        EgressKind::Firewall {
            public_ips, nat, ..
        } => {
            out.push(CostLine::new(
                "Azure Firewall",
                r.hours,
                "deployment-hour",
                c.firewall_hour,
            ));
            out.push(CostLine::new(
                "Firewall public IPs",
                f64::from(*public_ips) * r.hours,
                "IP-hour",
                c.public_ip_hour,
            ));
            out.push(CostLine::new(
                "Firewall data processed",
                gb,
                "GB",
                c.firewall_gb,
            ));
            if let Some(nat) = nat {
                let name = "NAT Gateway (firewall subnet)";
                nat_gateway(s, r, (1, nat.public_ips), name, out);
            }
        }
        EgressKind::PrivateEndpoint => {
            let endpoints = s.egress.destinations.len() as f64;
            out.push(CostLine::new(
                "Private endpoints",
                endpoints * r.hours,
                "endpoint-hour",
                c.private_endpoint_hour,
            ));
            out.push(CostLine::new(
                "Private endpoint data processed",
                gb,
                "GB",
                c.private_endpoint_gb,
            ));
        }
        EgressKind::LoadBalancer { .. } | EgressKind::Direct => {}
    }
}

/// NAT Gateway lines: `gateways` (one per zone listed) with at least one public IP each, and
/// the data processed. StandardV2 is billed at the same `nat_gateway_hour` and `nat_gateway_gb`
/// prices (E: no separate StandardV2 list price was found when this was written; set
/// `[costs]` to replace them).
fn nat_gateway(
    s: &Scenario,
    r: &Rates,
    (gateways, public_ips): (usize, u32),
    name: &str,
    out: &mut Vec<CostLine>,
) {
    let c = &s.costs;
    let gateways = gateways as f64;
    out.push(CostLine::new(
        name,
        gateways * r.hours,
        "gateway-hour",
        c.nat_gateway_hour,
    ));
    out.push(CostLine::new(
        &format!("{name} public IPs"),
        f64::from(public_ips).max(gateways) * r.hours,
        "IP-hour",
        c.public_ip_hour,
    ));
    out.push(CostLine::new(
        &format!("{name} data processed"),
        r.monthly_gb(r.egress_kib),
        "GB",
        c.nat_gateway_gb,
    ));
}
