//! Validation and resolution: the raw file types become the checked [`Scenario`] (the "high"
//! stage). Defaults are filled in from [`super::defaults`], durations and distributions become
//! engine values, names become indices, and every range and cross-reference is checked.
//!
//! Each section is resolved by its own function, which records problems in the [`Cx`] and
//! carries on with a placeholder, so one pass reports all problems at once. Order matters only
//! for names: zones, services and destinations are collected first so that anything may refer
//! to them.

mod client_connections;
mod clients;
mod connections;
mod costs;
mod egress;
mod egress_pool;
mod faults;
mod http_routes;
mod ingress;
mod policies;
mod routing;
mod services;
mod spread;

use std::collections::HashMap;

use super::context::Cx;
use super::defaults as d;
use super::limits::{MAX_ZONES, grouped};
use super::locate::FieldPath;
use super::raw::{NetworkTable, ScenarioFile, SimulationTable, SloTable};
use super::units;
use super::{Ingress, IngressKind, Network, Scenario, Service, Simulation, Slo};
use crate::engine::{Dist, SimDuration};

/// The names that other fields refer to, in index order.
pub(crate) struct Names {
    /// Zone names (`[network].zones`).
    pub zones: Vec<String>,
    /// Service names, in `[[services]]` order.
    pub services: Vec<String>,
    /// Destination names, in `[[egress.destinations]]` order.
    pub destinations: Vec<String>,
    /// Request classes (`[clients] classes`, `default` last), for `match` rules.
    pub classes: Vec<crate::scenario::RequestClass>,
}

impl Names {
    /// The index of zone `given`, or a diagnostic at `path`.
    pub(crate) fn zone(&self, cx: &mut Cx<'_>, path: &FieldPath, given: &str) -> Option<usize> {
        cx.lookup(path, "zone", given, &self.zones, None)
    }

    /// The index of service `given`, or a diagnostic at `path`.
    pub(crate) fn service(&self, cx: &mut Cx<'_>, path: &FieldPath, given: &str) -> Option<usize> {
        let hint = (
            "an external destination: write `destination = ...`",
            &self.destinations[..],
        );
        cx.lookup(path, "service", given, &self.services, Some(hint))
    }

    /// The index of destination `given`, or a diagnostic at `path`.
    pub(crate) fn destination(
        &self,
        cx: &mut Cx<'_>,
        path: &FieldPath,
        given: &str,
    ) -> Option<usize> {
        let hint = ("a service: write `service = ...`", &self.services[..]);
        cx.lookup(path, "destination", given, &self.destinations, Some(hint))
    }
}

/// The checked scenario; `default_name` names it when `[simulation].name` is absent.
pub(crate) fn scenario(
    cx: &mut Cx<'_>,
    file: ScenarioFile,
    default_name: &str,
    text: &str,
) -> Scenario {
    let sim_table = file.simulation.unwrap_or_default();
    let name = scenario_name(cx, &sim_table, default_name);
    let simulation = simulation(cx, &sim_table);
    let mut network = network(cx, &file.network.unwrap_or_default());
    let egress_table = file.egress.unwrap_or_default();
    let destinations = egress_table.destinations.as_deref().unwrap_or_default();
    let root = FieldPath::root();
    let names = Names {
        zones: network.zones.clone(),
        services: unique(
            cx,
            &root.key("services"),
            Some("name"),
            file.services.iter().map(|s| &s.name),
        ),
        destinations: unique(
            cx,
            &root.key("egress").key("destinations"),
            Some("name"),
            destinations.iter().map(|s| &s.name),
        ),
        classes: routing::classes(cx, file.clients.classes.as_deref()),
    };
    let http_routes = http_routes::to_routes(
        cx,
        file.ingress.as_ref(),
        file.clients.routes.is_some(),
        file.clients.classes.as_deref(),
        &file.services,
    );
    let clients = if let Some(routes) = http_routes {
        let mut table = file.clients.clone();
        table.routes = Some(routes);
        clients::resolve(cx, &table, &names, &simulation)
    } else {
        clients::resolve(cx, &file.clients, &names, &simulation)
    };
    let services = services::resolve(cx, &file.services, &names, network.zone_capacity.as_deref());
    let ingress_table = file.ingress.unwrap_or_default();
    let ingress = ingress::resolve(
        cx,
        &ingress_table,
        &names,
        clients.timeout,
        file.costs.as_ref(),
    );
    if ingress.internal && file.clients.latency.is_some() {
        cx.error(
            &root.key("clients").key("latency"),
            "does not apply with `[ingress] internal = true`: clients inside the VNet reach the \
             ingress with the `[network]` in-zone or cross-zone latency; remove it",
        );
    }
    default_nodes(&mut network, &services, &ingress);
    let cluster_nodes = network.nodes.iter().fold(0u32, |a, &n| a.saturating_add(n));
    let (egress, egress_warnings) = egress::resolve(cx, &egress_table, &names, cluster_nodes);
    let faults = faults::resolve(
        cx,
        file.faults.as_deref().unwrap_or_default(),
        &names,
        &simulation,
        &services,
        &ingress,
    );
    let slo = file.slo.map(|s| slo(cx, &s));
    // The app routing add-on's replicas request 0.5 vCPU each; other gateways one per worker.
    let replica_vcpu = match &ingress.kind {
        IngressKind::Nginx(n) if n.app_routing => d::APP_ROUTING_REPLICA_VCPU,
        _ => f64::from(ingress.concurrency),
    };
    let costs = costs::resolve(cx, &file.costs.unwrap_or_default(), replica_vcpu);
    let network_policies = policies::resolve(
        cx,
        file.network_policies.as_deref().unwrap_or_default(),
        &names,
    );
    let warnings = if cx.has_errors() {
        Vec::new()
    } else {
        let mut w = policies::contradictions(cx, &services, &network_policies, &names);
        w.extend(ingress::warnings(cx, &ingress_table));
        w.extend(egress_warnings);
        w.extend(routing::independent_splits(cx, &file.services));
        w
    };
    Scenario {
        name,
        source_text: text.to_string(),
        simulation,
        clients,
        network,
        ingress,
        services,
        egress,
        faults,
        slo,
        costs,
        network_policies,
        warnings,
    }
}

fn scenario_name(cx: &mut Cx<'_>, table: &SimulationTable, default_name: &str) -> String {
    let Some(name) = &table.name else {
        return default_name.to_string();
    };
    // The name becomes a folder under `output/`.
    if let Err(why) = folder_name(name) {
        let given = if name.chars().count() > 60 {
            let head: String = name.chars().take(40).collect();
            format!("{head:?}… ({} bytes)", name.len())
        } else {
            format!("{name:?}")
        };
        cx.error(
            &FieldPath::root().key("simulation").key("name"),
            format!("{why} (it names the output folder), got {given}"),
        );
        return default_name.to_string();
    }
    name.clone()
}

/// Longest scenario name, in bytes: a folder name may have 255 bytes on Linux, macOS and
/// Windows, and studies add suffixes such as `-comparison`.
pub(crate) const MAX_NAME_BYTES: usize = 100;

/// Whether `name` can name a folder on Linux, macOS and Windows alike, so that what
/// `validate` accepts `run` can write: not empty, `.` or `..`; no control character (NUL
/// included), none of `/ \ : * ? " < > |`; not ending in a space or a dot; at most
/// [`MAX_NAME_BYTES`] bytes.
pub(crate) fn folder_name(name: &str) -> Result<(), String> {
    const RESERVED: [char; 9] = ['/', '\\', ':', '*', '?', '"', '<', '>', '|'];
    if name.trim().is_empty() || name == "." || name == ".." {
        return Err("must be a non-empty name other than `.` and `..`".into());
    }
    if name.chars().any(char::is_control) {
        return Err("must not contain control characters (such as NUL or a new line)".into());
    }
    if let Some(c) = name.chars().find(|c| RESERVED.contains(c)) {
        return Err(format!(
            "must not contain `{c}`: folder names cannot hold any of / \\ : * ? \" < > |"
        ));
    }
    if name.ends_with([' ', '.']) {
        return Err("must not end in a space or a dot (Windows drops them)".into());
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(format!("must be at most {MAX_NAME_BYTES} bytes long"));
    }
    Ok(())
}

/// Most time-series windows a run may have: each window holds its own histograms and gauges, so
/// `max_windows` may not exceed it (100,000 is a 10 s window over 11 days); a finer `window` is
/// widened to fit, not refused.
const MAX_WINDOWS: u64 = 100_000;

fn simulation(cx: &mut Cx<'_>, t: &SimulationTable) -> Simulation {
    let p = FieldPath::root().key("simulation");
    let duration = cx.positive(&p.key("duration"), t.duration, d::DURATION);
    let warmup = units::or(t.warmup, d::WARMUP);
    if warmup >= duration {
        cx.error(
            &p.key("warmup"),
            format!("must be shorter than `duration` ({duration}), got {warmup}"),
        );
    }
    let window = cx.positive(&p.key("window"), t.window, d::WINDOW);
    let window = windows_kept(cx, &p, t.max_windows, window, duration);
    Simulation {
        duration,
        warmup,
        replications: cx.at_least(&p.key("replications"), t.replications, 1, d::REPLICATIONS),
        seed: t.seed.unwrap_or(d::SEED),
        window,
    }
}

/// The window a run uses: `window` doubled until `duration` holds at most `max_windows` of
/// them (see [`window_width`](crate::stats::series::window_width)). What bounds memory is the
/// count of *these* windows, so a fine `window` over a long run is widened, not refused; only a
/// `max_windows` above [`MAX_WINDOWS`] is, and its message names the window that would be used,
/// the windows it would give over `duration`, the limit and what to set.
fn windows_kept(
    cx: &mut Cx<'_>,
    p: &FieldPath,
    given: Option<u32>,
    window: SimDuration,
    duration: SimDuration,
) -> SimDuration {
    let end = crate::engine::SimTime::ZERO + duration;
    let widen = |max: u32| crate::stats::series::window_width(window, end, u64::from(max));
    let max_windows = cx.at_least(&p.key("max_windows"), given, 1, d::MAX_WINDOWS);
    if u64::from(max_windows) <= MAX_WINDOWS {
        return widen(max_windows);
    }
    let used = widen(max_windows);
    let kept = duration.0.div_ceil(used.0.max(1));
    let fallback = widen(MAX_WINDOWS as u32);
    cx.error(
        &p.key("max_windows"),
        format!(
            "must be at most {} (each window holds its own histograms and gauges), got \
             {max_windows}: `window` ({window}) widened to {used} gives {} windows over \
             `duration` ({duration}); set max_windows to at most {} (the window is then {fallback})",
            grouped(MAX_WINDOWS as usize),
            grouped(kept as usize),
            grouped(MAX_WINDOWS as usize),
        ),
    );
    fallback
}

fn network(cx: &mut Cx<'_>, t: &NetworkTable) -> Network {
    let p = FieldPath::root().key("network");
    let zones = match &t.zones {
        Some(z) if z.is_empty() => {
            cx.error(&p.key("zones"), "needs at least one zone, got []");
            vec![String::new()]
        }
        Some(z) if z.len() > MAX_ZONES => {
            cx.error(
                &p.key("zones"),
                format!(
                    "must list at most {MAX_ZONES} zones (an Azure region has 3; every pod \
                     placement looks at every zone), got {}",
                    z.len()
                ),
            );
            z[..MAX_ZONES].to_vec()
        }
        Some(z) => unique(cx, &p.key("zones"), None, z.iter()),
        None => d::ZONES.iter().map(|z| z.to_string()).collect(),
    };
    let zone_capacity = t.zone_capacity.as_ref().map(|given| {
        let mut per_zone = vec![u32::MAX; zones.len()];
        for (zone, &n) in given {
            match zones.iter().position(|z| z == zone) {
                Some(i) => per_zone[i] = n,
                None => cx.error(
                    &p.key("zone_capacity").key(zone),
                    format!("unknown zone `{zone}`, expected one of {zones:?}"),
                ),
            }
        }
        per_zone
    });
    let zones_len = zones.len();
    // 0 = not given: filled in from the pods once the services are resolved.
    let nodes_per_zone = cx.at_least(&p.key("nodes_per_zone"), t.nodes_per_zone, 1, 0);
    let nodes_per_zone = cx
        .at_most(
            &p.key("nodes_per_zone"),
            Some(nodes_per_zone),
            crate::scenario::limits::MAX_NODES_PER_ZONE,
            "an AKS cluster has at most 5,000 nodes",
        )
        .unwrap_or(0);
    let node_cores = t
        .node_cores
        .map(|c| cx.positive_number(&p.key("node_cores"), Some(c), d::NODE_CORES_D4S_V5))
        .or(d::NODE_CORES);
    let kube_reserved_cpu = kube_reserved(cx, &p, t, node_cores);
    Network {
        zones,
        in_zone: cx.dist(
            &p.key("in_zone"),
            t.in_zone.as_ref(),
            Dist::constant(d::IN_ZONE),
        ),
        cross_zone: cx.dist(
            &p.key("cross_zone"),
            t.cross_zone.as_ref(),
            Dist::constant(d::CROSS_ZONE),
        ),
        topology_aware_routing: t.topology_aware_routing.unwrap_or(false),
        zone_capacity,
        node_provisioning: crate::scenario::units::or(t.node_provisioning, d::NODE_PROVISIONING),
        nodes: vec![nodes_per_zone; zones_len],
        node_cores,
        kube_reserved_cpu,
    }
}

/// The CPU each node keeps for the kubelet and system daemons: `kube_reserved_cpu` if given,
/// else AKS's table for `node_cores`; below the node's cores, and only with `node_cores`.
fn kube_reserved(cx: &mut Cx<'_>, p: &FieldPath, t: &NetworkTable, node_cores: Option<f64>) -> f64 {
    let given = t.kube_reserved_cpu.map(|q| q.0);
    let Some(cores) = node_cores else {
        if let Some(v) = given {
            let msg = format!("needs `node_cores` (the node CPU it is kept from), got {v}");
            cx.error(&p.key("kube_reserved_cpu"), msg);
        }
        return 0.0;
    };
    match given {
        Some(v) if v >= cores => {
            let msg = format!("must be below node_cores ({cores}), got {v}");
            cx.error(&p.key("kube_reserved_cpu"), msg);
            0.0
        }
        Some(v) => v,
        None => d::aks_kube_reserved_cpu(cores),
    }
}

/// The default node count of each zone not given: its pods at the start (services and
/// in-cluster gateway replicas) over [`d::PODS_PER_NODE`], rounded up, at least 1.
fn default_nodes(network: &mut Network, services: &[Service], ingress: &Ingress) {
    let in_cluster = matches!(ingress.kind, IngressKind::Nginx(_) | IngressKind::Istio(_));
    for (z, nodes) in network.nodes.iter_mut().enumerate() {
        if *nodes > 0 {
            continue;
        }
        let pods = services
            .iter()
            .map(|s| s.pods.get(z).copied().unwrap_or(0))
            .chain(in_cluster.then(|| ingress.instances.get(z).copied().unwrap_or(0)))
            .fold(0u32, u32::saturating_add);
        *nodes = pods.div_ceil(d::PODS_PER_NODE).max(1);
    }
}

fn slo(cx: &mut Cx<'_>, t: &SloTable) -> Slo {
    let p = FieldPath::root().key("slo");
    Slo {
        p99: cx.positive(&p.key("p99"), Some(t.p99), t.p99.0),
        error_rate: cx.share(&p.key("error_rate"), Some(t.error_rate), 0.0),
    }
}

/// The names, checking that each is non-empty and unique. `path` is the list; with `key`, each
/// element is a table whose name is at that key (`services[2].name`).
fn unique<'n>(
    cx: &mut Cx<'_>,
    path: &FieldPath,
    key: Option<&str>,
    names: impl Iterator<Item = &'n String>,
) -> Vec<String> {
    let names: Vec<String> = names.cloned().collect();
    let mut first_at: HashMap<&str, usize> = HashMap::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        let at = key.map_or(path.index(i), |k| path.index(i).key(k));
        if name.trim().is_empty() {
            cx.error(&at, "must not be empty");
        } else if let Some(&first) = first_at.get(name.as_str()) {
            cx.error(
                &at,
                format!("`{name}` is given twice (also at {})", path.index(first)),
            );
        } else {
            first_at.insert(name, i);
        }
    }
    names
}

#[cfg(test)]
mod tests;
