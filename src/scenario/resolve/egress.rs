//! `[egress]` and its destinations: the way calls leave the cluster and where they go.

use super::Names;
use crate::engine::{Dist, SimDuration};
use crate::scenario::Diagnostic;
use crate::scenario::context::Cx;
use crate::scenario::defaults as d;
use crate::scenario::locate::FieldPath;
use crate::scenario::raw::{
    DestinationTable, EgressKindName as K, EgressTable, FirewallNatTable, FirewallTier,
    NatSku as RawSku,
};
use crate::scenario::units::HumanDuration;
use crate::scenario::{Destination, Egress, EgressKind, FirewallNat, NatSku};

const NAT: &[&str] = &["nat-gateway"];
const FIREWALL: &[&str] = &["firewall"];
const NAT_OR_FIREWALL: &[&str] = &["nat-gateway", "firewall"];
const WITH_SNAT: &[&str] = &["nat-gateway", "firewall", "load-balancer"];
const LB: &[&str] = &["load-balancer"];

/// The egress path, and the warnings about defaults whose meaning changed (the egress default,
/// a Standard NAT Gateway's hidden zone). `cluster_nodes` is the cluster's node count (the
/// `[network]` nodes of every zone), the load balancer's backend pool when `nodes` is not given.
pub(super) fn resolve(
    cx: &mut Cx<'_>,
    t: &EgressTable,
    names: &Names,
    cluster_nodes: u32,
) -> (Egress, Vec<Diagnostic>) {
    let p = FieldPath::root().key("egress");
    let mut warnings = Vec::new();
    // AKS's default outbound type is the load balancer's outbound rules (facts §6, §10).
    let kind = t.kind.unwrap_or(K::LoadBalancer);
    if t.kind.is_none() && !names.destinations.is_empty() {
        warnings.push(cx.warning(
            &p.key("kind"),
            "is not set: the egress default is now AKS's own, kind = \"load-balancer\" \
             (outbound rules, 1 managed outbound IP, SNAT ports per node by pool size, per \
             destination); before, it was \"direct\" with no SNAT limit. Set kind = \
             \"load-balancer\" to keep this and silence the warning, or kind = \"direct\" \
             for the old unlimited path",
        ));
    }
    cx.only_for_kinds(
        &p,
        kind.as_str(),
        t.kind.is_none(),
        &[
            ("public_ips", t.public_ips.is_some(), NAT_OR_FIREWALL),
            ("instances", t.instances.is_some(), FIREWALL),
            ("nodes", t.nodes.is_some(), &["load-balancer"]),
            ("ports_per_ip", t.ports_per_ip.is_some(), NAT),
            ("idle_timeout", t.idle_timeout.is_some(), WITH_SNAT),
            ("port_cooldown", t.port_cooldown.is_some(), WITH_SNAT),
            ("tier", t.tier.is_some(), FIREWALL),
            ("gbps_per_instance", t.gbps_per_instance.is_some(), FIREWALL),
            ("max_instances", t.max_instances.is_some(), FIREWALL),
            ("scale_out_delay", t.scale_out_delay.is_some(), FIREWALL),
            (
                "autoscale_interval",
                t.autoscale_interval.is_some(),
                FIREWALL,
            ),
            ("zone", t.zone.is_some(), NAT),
            ("zones", t.zones.is_some(), NAT),
            ("sku", t.sku.is_some(), NAT),
            ("hidden_zone", t.hidden_zone.is_some(), NAT),
            ("outbound_ips", t.outbound_ips.is_some(), LB),
            (
                "allocated_outbound_ports",
                t.allocated_outbound_ports.is_some(),
                LB,
            ),
            ("nat_gateway", t.nat_gateway.is_some(), FIREWALL),
            ("latency", t.latency.is_some(), FIREWALL),
        ],
    );
    let kind = match kind {
        K::NatGateway => nat_gateway(cx, &p, t, names, &mut warnings),
        K::Firewall => firewall(cx, &p, t, names, &mut warnings),
        K::LoadBalancer => {
            // The cluster's nodes, as the node lifecycle controller counts them.
            let default = cluster_nodes.max(names.zones.len() as u32);
            let nodes = cx.at_least(&p.key("nodes"), t.nodes, 1, default);
            let outbound_ips = t.outbound_ips.unwrap_or(d::LB_OUTBOUND_IPS);
            if !(1..=d::LB_MAX_OUTBOUND_IPS).contains(&outbound_ips) {
                cx.error(
                    &p.key("outbound_ips"),
                    format!(
                        "must be between 1 and {} (AKS managed outbound IPs), got {outbound_ips}",
                        d::LB_MAX_OUTBOUND_IPS
                    ),
                );
            }
            let ports = lb_ports_per_node(cx, &p, t, nodes, outbound_ips);
            let (lo, hi) = d::LB_IDLE_TIMEOUT_RANGE;
            EgressKind::LoadBalancer {
                outbound_ips,
                nodes,
                ports_per_node: ports,
                idle_timeout: within(
                    cx,
                    &p.key("idle_timeout"),
                    t.idle_timeout,
                    d::LB_IDLE_TIMEOUT,
                    (lo, hi),
                ),
            }
        }
        K::PrivateEndpoint => EgressKind::PrivateEndpoint,
        K::Direct => EgressKind::Direct,
    };
    let list = p.key("destinations");
    let destinations = t.destinations.iter().flatten().enumerate();
    let endpoints: u64 = t
        .destinations
        .iter()
        .flatten()
        .map(|dt| {
            u64::from(
                dt.addresses
                    .unwrap_or(1)
                    .clamp(1, d::MAX_DESTINATION_ADDRESSES),
            )
        })
        .sum();
    if let EgressKind::LoadBalancer { nodes, .. } = &kind
        && u64::from(*nodes) * endpoints > d::MAX_SNAT_SLOTS
    {
        cx.error(
            &p.key("nodes"),
            format!(
                "{nodes} nodes × {endpoints} destination endpoints is above the {} SNAT \
                 allocations the model keeps; use fewer nodes or addresses",
                d::MAX_SNAT_SLOTS
            ),
        );
    }
    let egress = Egress {
        kind,
        destinations: destinations
            .map(|(i, dt)| destination(cx, &list.index(i), dt))
            .collect(),
        port_cooldown: t.port_cooldown.map_or(d::PORT_COOLDOWN, |h| h.0),
    };
    (egress, warnings)
}

/// Load Balancer outbound SNAT ports per node: `allocated_outbound_ports`, or with 0 (AKS's
/// default) the automatic table by pool size (facts §6). A manual figure must be a multiple
/// of 8 and fit the frontend IPs' 64,000 ports each over the nodes, as Azure requires.
fn lb_ports_per_node(
    cx: &mut Cx<'_>,
    p: &FieldPath,
    t: &EgressTable,
    nodes: u32,
    outbound_ips: u32,
) -> u32 {
    let given = t
        .allocated_outbound_ports
        .unwrap_or(d::LB_ALLOCATED_OUTBOUND_PORTS);
    if given == 0 {
        let ports = d::LB_PORTS_BY_POOL_SIZE
            .iter()
            .find(|(size, _)| nodes <= *size)
            .map(|&(_, ports)| ports);
        // Without destinations and without `kind`, outbound SNAT is never used: the
        // implicit default must not refuse a large cluster.
        let used = t.kind.is_some() || t.destinations.iter().flatten().next().is_some();
        if ports.is_none() && used {
            cx.error(
                &p.key("nodes"),
                format!(
                    "the automatic outbound allocation table stops at 1,000 nodes, got {nodes}; \
                     set `allocated_outbound_ports`"
                ),
            );
        }
        return ports.unwrap_or(32);
    }
    let available = u64::from(outbound_ips) * u64::from(d::LB_PORTS_PER_IP);
    if !given.is_multiple_of(8) || u64::from(given) * u64::from(nodes) > available {
        cx.error(
            &p.key("allocated_outbound_ports"),
            format!(
                "must be 0 (automatic) or a multiple of 8 with ports × nodes at most \
                 {available} (outbound_ips × 64,000), got {given} for {nodes} nodes"
            ),
        );
        return 8.max(given / 8 * 8);
    }
    given
}

/// A duration in `[lo, hi]`, or `default` when absent.
fn within(
    cx: &mut Cx<'_>,
    path: &FieldPath,
    value: Option<HumanDuration>,
    default: SimDuration,
    (lo, hi): (SimDuration, SimDuration),
) -> SimDuration {
    let v = value.map_or(default, |h| h.0);
    if !(lo..=hi).contains(&v) {
        cx.error(path, format!("must be between {lo} and {hi}, got {v}"));
        return default;
    }
    v
}

/// Azure Firewall: instances with a throughput each, autoscaling between `instances` and
/// `max_instances` (facts §7).
fn firewall(
    cx: &mut Cx<'_>,
    p: &FieldPath,
    t: &EgressTable,
    names: &Names,
    warnings: &mut Vec<Diagnostic>,
) -> EgressKind {
    let (gbps, max) = match t.tier.unwrap_or(FirewallTier::Standard) {
        FirewallTier::Standard => (
            d::FIREWALL_STANDARD_GBPS,
            d::FIREWALL_STANDARD_MAX_INSTANCES,
        ),
        FirewallTier::Premium => (d::FIREWALL_PREMIUM_GBPS, d::FIREWALL_PREMIUM_MAX_INSTANCES),
    };
    let instances = cx.at_least(&p.key("instances"), t.instances, 1, d::FIREWALL_INSTANCES);
    let max_instances = cx.at_least(
        &p.key("max_instances"),
        t.max_instances,
        1,
        max.max(instances),
    );
    if max_instances < instances {
        cx.error(
            &p.key("max_instances"),
            format!("must be at least `instances` ({instances}), got {max_instances}"),
        );
    }
    let gbps = cx.positive_number(&p.key("gbps_per_instance"), t.gbps_per_instance, gbps);
    EgressKind::Firewall {
        latency: cx.dist(
            &p.key("latency"),
            t.latency.as_ref(),
            Dist::constant(d::FIREWALL_LATENCY),
        ),
        public_ips: cx.at_least(&p.key("public_ips"), t.public_ips, 1, 1),
        instances,
        max_instances: max_instances.max(instances),
        bits_per_sec: gbps * 1e9,
        scale_out_delay: t
            .scale_out_delay
            .map_or(d::FIREWALL_SCALE_OUT_DELAY, |h| h.0),
        autoscale_interval: cx.positive(
            &p.key("autoscale_interval"),
            t.autoscale_interval,
            d::FIREWALL_AUTOSCALE_INTERVAL,
        ),
        idle_timeout: within(
            cx,
            &p.key("idle_timeout"),
            t.idle_timeout,
            d::FIREWALL_IDLE_TIMEOUT,
            (d::FIREWALL_IDLE_TIMEOUT, d::FIREWALL_MAX_IDLE_TIMEOUT),
        ),
        nat: t
            .nat_gateway
            .as_ref()
            .map(|n| firewall_nat(cx, &p.key("nat_gateway"), n, names, warnings)),
    }
}

/// A NAT Gateway on the firewall subnet (facts §7): its IPs, SKU and zone.
fn firewall_nat(
    cx: &mut Cx<'_>,
    p: &FieldPath,
    t: &FirewallNatTable,
    names: &Names,
    warnings: &mut Vec<Diagnostic>,
) -> FirewallNat {
    let public_ips = nat_public_ips(cx, &p.key("public_ips"), t.public_ips);
    let sku = sku_of(t.sku);
    let zone = t
        .zone
        .as_ref()
        .and_then(|z| names.zone(cx, &p.key("zone"), z));
    let zones = nat_zones(
        cx,
        p,
        sku,
        (t.zone.is_some(), zone.into_iter().collect()),
        t.hidden_zone.as_deref(),
        names,
        warnings,
    );
    FirewallNat {
        sku,
        public_ips,
        zone: zones.first().copied(),
    }
}

fn sku_of(raw: Option<RawSku>) -> NatSku {
    match raw {
        Some(RawSku::StandardV2) => NatSku::StandardV2,
        Some(RawSku::Standard) | None => NatSku::Standard,
    }
}

fn nat_public_ips(cx: &mut Cx<'_>, path: &FieldPath, given: Option<u32>) -> u32 {
    let public_ips = given.unwrap_or(d::NAT_PUBLIC_IPS);
    if !(1..=d::NAT_MAX_PUBLIC_IPS).contains(&public_ips) {
        cx.error(
            path,
            format!(
                "must be between 1 and {} (Azure's limit per NAT Gateway), got {public_ips}",
                d::NAT_MAX_PUBLIC_IPS
            ),
        );
    }
    public_ips
}

/// The zones of a NAT Gateway of `sku` (at table `p`), from the zones given (`given.0`: any
/// zone field written; `given.1`: their indices). StandardV2 is zone-redundant and takes no
/// zone. A Standard gateway is always zonal: without a zone it is in the zone Azure picked
/// (`hidden_zone`), with a warning naming the risk and the fix (facts §10).
fn nat_zones(
    cx: &mut Cx<'_>,
    p: &FieldPath,
    sku: NatSku,
    given: (bool, Vec<usize>),
    hidden_zone: Option<&str>,
    names: &Names,
    warnings: &mut Vec<Diagnostic>,
) -> Vec<usize> {
    let (written, zones) = given;
    match sku {
        NatSku::StandardV2 => {
            if written || hidden_zone.is_some() {
                cx.error(
                    &p.key(if written { "zone" } else { "hidden_zone" }),
                    "a StandardV2 NAT Gateway is zone-redundant and takes no zone; remove it, \
                     or set sku = \"standard\" for a zonal gateway",
                );
            }
            Vec::new()
        }
        NatSku::Standard if written => {
            if hidden_zone.is_some() {
                cx.error(
                    &p.key("hidden_zone"),
                    "applies only to a Standard NAT Gateway without `zone`/`zones`; remove it",
                );
            }
            zones
        }
        NatSku::Standard => {
            let hidden = match hidden_zone {
                Some(z) => names.zone(cx, &p.key("hidden_zone"), z),
                None => Some(d::NAT_HIDDEN_ZONE),
            };
            let hidden = hidden.unwrap_or(d::NAT_HIDDEN_ZONE);
            let zone_name = names.zones.get(hidden).cloned().unwrap_or_default();
            warnings.push(cx.warning(
                &p.key("zone"),
                format!(
                    "is not set: a Standard NAT Gateway is zonal, and without a zone Azure \
                     places it in one you cannot see (modelled as zone \"{zone_name}\", \
                     `hidden_zone`); losing that zone loses all egress through it (before, \
                     trafsim treated it as zone-redundant). Set `zone` (or `zones`, one \
                     gateway per zone) to say where it is, or sku = \"standard-v2\" for a \
                     zone-redundant gateway"
                ),
            ));
            vec![hidden]
        }
    }
}

fn nat_gateway(
    cx: &mut Cx<'_>,
    p: &FieldPath,
    t: &EgressTable,
    names: &Names,
    warnings: &mut Vec<Diagnostic>,
) -> EgressKind {
    let public_ips = nat_public_ips(cx, &p.key("public_ips"), t.public_ips);
    let ports_per_ip = t.ports_per_ip.unwrap_or(d::NAT_PORTS_PER_IP);
    if !(1..=d::NAT_PORTS_PER_IP).contains(&ports_per_ip) {
        cx.error(
            &p.key("ports_per_ip"),
            format!(
                "must be between 1 and {} (SNAT ports per public IP), got {ports_per_ip}",
                d::NAT_PORTS_PER_IP
            ),
        );
    }
    let idle_timeout = within(
        cx,
        &p.key("idle_timeout"),
        t.idle_timeout,
        d::NAT_IDLE_TIMEOUT,
        (d::NAT_IDLE_TIMEOUT, d::NAT_MAX_IDLE_TIMEOUT),
    );
    let given = match (&t.zone, &t.zones) {
        (Some(_), Some(_)) => {
            cx.error(
                &p.key("zones"),
                "give `zone` (one zonal gateway) or `zones`, not both",
            );
            Vec::new()
        }
        (Some(z), None) => names.zone(cx, &p.key("zone"), z).into_iter().collect(),
        (None, Some(zs)) => zs
            .iter()
            .enumerate()
            .filter_map(|(i, z)| names.zone(cx, &p.key("zones").index(i), z))
            .collect(),
        (None, None) => Vec::new(),
    };
    let sku = sku_of(t.sku);
    let written = t.zone.is_some() || t.zones.as_ref().is_some_and(|z| !z.is_empty());
    let zones = nat_zones(
        cx,
        p,
        sku,
        (written, given),
        t.hidden_zone.as_deref(),
        names,
        warnings,
    );
    EgressKind::NatGateway {
        sku,
        public_ips,
        ports_per_ip,
        idle_timeout,
        zones,
    }
}

fn destination(cx: &mut Cx<'_>, p: &FieldPath, t: &DestinationTable) -> Destination {
    Destination {
        name: t.name.clone(),
        latency: cx.dist(
            &p.key("latency"),
            Some(&t.latency),
            Dist::constant(SimDuration::ZERO),
        ),
        error_rate: cx.share(&p.key("error_rate"), t.error_rate, 0.0),
        connection_reuse: cx.share(&p.key("connection_reuse"), t.connection_reuse, 0.0),
        kib_per_call: cx.positive_number(&p.key("kib_per_call"), t.kib_per_call, d::KIB_PER_CALL),
        keep_alive: t.keep_alive.map_or(d::KEEP_ALIVE, |h| h.0),
        addresses: addresses(cx, &p.key("addresses"), t.addresses),
        pool: super::egress_pool::pool(cx, p, t),
    }
}

/// A destination's address count: 1 to [`d::MAX_DESTINATION_ADDRESSES`].
fn addresses(cx: &mut Cx<'_>, path: &FieldPath, given: Option<u32>) -> u32 {
    let n = given.unwrap_or(d::DESTINATION_ADDRESSES);
    if !(1..=d::MAX_DESTINATION_ADDRESSES).contains(&n) {
        cx.error(
            path,
            format!(
                "must be between 1 and {} (IP addresses of one destination), got {n}",
                d::MAX_DESTINATION_ADDRESSES
            ),
        );
        return d::DESTINATION_ADDRESSES;
    }
    n
}
