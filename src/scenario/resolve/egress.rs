//! `[egress]` and its destinations: the way calls leave the cluster and where they go.

use super::Names;
use crate::engine::{Dist, SimDuration};
use crate::scenario::context::Cx;
use crate::scenario::defaults as d;
use crate::scenario::locate::FieldPath;
use crate::scenario::raw::{DestinationTable, EgressKindName as K, EgressTable, FirewallTier};
use crate::scenario::units::HumanDuration;
use crate::scenario::{Destination, Egress, EgressKind};

const NAT: &[&str] = &["nat-gateway"];
const FIREWALL: &[&str] = &["firewall"];
const NAT_OR_FIREWALL: &[&str] = &["nat-gateway", "firewall"];
const WITH_SNAT: &[&str] = &["nat-gateway", "firewall", "load-balancer"];

pub(super) fn resolve(cx: &mut Cx<'_>, t: &EgressTable, names: &Names) -> Egress {
    let p = FieldPath::root().key("egress");
    let kind = t.kind.unwrap_or(K::Direct);
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
            ("latency", t.latency.is_some(), FIREWALL),
        ],
    );
    let kind = match kind {
        K::NatGateway => nat_gateway(cx, &p, t, names),
        K::Firewall => firewall(cx, &p, t),
        K::LoadBalancer => {
            let pods: u32 = names.pods_total;
            let default = pods
                .div_ceil(d::PODS_PER_NODE)
                .max(names.zones.len() as u32);
            let nodes = cx.at_least(&p.key("nodes"), t.nodes, 1, default);
            let ports = d::LB_PORTS_BY_POOL_SIZE
                .iter()
                .find(|(size, _)| nodes <= *size)
                .map(|&(_, ports)| ports);
            if ports.is_none() {
                cx.error(
                    &p.key("nodes"),
                    format!("the outbound allocation table stops at 1,000 nodes, got {nodes}"),
                );
            }
            let (lo, hi) = d::LB_IDLE_TIMEOUT_RANGE;
            EgressKind::LoadBalancer {
                nodes,
                ports_per_node: ports.unwrap_or(32),
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
    Egress {
        kind,
        destinations: destinations
            .map(|(i, dt)| destination(cx, &list.index(i), dt))
            .collect(),
        port_cooldown: t.port_cooldown.map_or(d::PORT_COOLDOWN, |h| h.0),
    }
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
fn firewall(cx: &mut Cx<'_>, p: &FieldPath, t: &EgressTable) -> EgressKind {
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
    }
}

fn nat_gateway(cx: &mut Cx<'_>, p: &FieldPath, t: &EgressTable, names: &Names) -> EgressKind {
    let public_ips = t.public_ips.unwrap_or(d::NAT_PUBLIC_IPS);
    if !(1..=d::NAT_MAX_PUBLIC_IPS).contains(&public_ips) {
        cx.error(
            &p.key("public_ips"),
            format!(
                "must be between 1 and {} (Azure's limit per NAT Gateway), got {public_ips}",
                d::NAT_MAX_PUBLIC_IPS
            ),
        );
    }
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
    let zones = match (&t.zone, &t.zones) {
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
    EgressKind::NatGateway {
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
    }
}
