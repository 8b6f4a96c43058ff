//! `[[faults]]`: what fails, when, for how long; inside the run and naming things that exist.

use super::Names;
use crate::engine::SimDuration;
use crate::scenario::context::Cx;
use crate::scenario::defaults as d;
use crate::scenario::locate::FieldPath;
use crate::scenario::raw::{FaultKindName as K, FaultTable, ModeName};
use crate::scenario::{
    CallTarget, FailureMode, Fault, FaultKind, Ingress, IngressKind, Service, Simulation,
};

const ZONE_OUTAGE: &[&str] = &[
    "zone-outage",
    "node-failure",
    "ingress-instance-loss",
    "gray-failure",
];
const MODE: &[&str] = &["zone-outage", "node-failure", "ingress-instance-loss"];
const DEGRADATION: &[&str] = &["dependency-degradation"];
const CRASH_OR_DEGRADATION: &[&str] = &[
    "pod-crash",
    "pod-hang",
    "dependency-degradation",
    "gray-failure",
];
const POD_COUNT: &[&str] = &[
    "pod-crash",
    "pod-hang",
    "gray-failure",
    "node-failure",
    "ingress-instance-loss",
];
const SLOWER: &[&str] = &["dependency-degradation", "gray-failure", "zone-latency"];
const FAILING: &[&str] = &["dependency-degradation", "gray-failure"];

pub(super) fn resolve(
    cx: &mut Cx<'_>,
    tables: &[FaultTable],
    names: &Names,
    sim: &Simulation,
    services: &[Service],
    ingress: &Ingress,
) -> Vec<Fault> {
    let list = FieldPath::root().key("faults");
    let faults = tables.iter().enumerate();
    let there = There { services, ingress };
    faults
        .filter_map(|(i, t)| fault(cx, &list.index(i), t, names, sim, &there))
        .collect()
}

/// What a fault's `count` can reach: the pods and ingress instances.
struct There<'a> {
    services: &'a [Service],
    ingress: &'a Ingress,
}

impl There<'_> {
    /// Pods of `service` (in `zone`, if given) at the start, and the most its HPA may run.
    fn pods(&self, service: usize, zone: Option<usize>) -> (u32, Option<u32>) {
        let Some(s) = self.services.get(service) else {
            return (0, None);
        };
        let start = match zone {
            Some(z) => s.pods.get(z).copied().unwrap_or(0),
            None => s.pods.iter().fold(0u32, |a, &n| a.saturating_add(n)),
        };
        (start, s.hpa.as_ref().map(|h| h.max))
    }

    /// Pods of every service in `zone` at the start, and the most they may reach with their
    /// HPAs (`None` without any HPA).
    fn pods_in_zone(&self, zone: usize) -> (u32, Option<u32>) {
        let mut start = 0u32;
        let mut most = 0u32;
        let mut scales = false;
        for i in 0..self.services.len() {
            let (n, max) = self.pods(i, Some(zone));
            start = start.saturating_add(n);
            scales |= max.is_some();
            most = most.saturating_add(n.max(max.unwrap_or(0)));
        }
        (start, scales.then_some(most))
    }

    /// Ingress instances (in `zone`, if given) at the start, and the most its autoscaling may
    /// run.
    fn instances(&self, zone: Option<usize>) -> (u32, Option<u32>) {
        let i = self.ingress;
        let start = match zone {
            Some(z) => i.instances.get(z).copied().unwrap_or(0),
            None => i.instances.iter().fold(0u32, |a, &n| a.saturating_add(n)),
        };
        let gateway = match &i.kind {
            IngressKind::AppGateway(g) => g.autoscale.as_ref().map(|a| a.max_instances),
            _ => None,
        };
        (start, i.hpa.as_ref().map(|h| h.max).or(gateway))
    }
}

/// Refuses a `count` above what can exist: `start` now, or up to `scaled` with autoscaling.
/// Every count fault is checked alike; during the run it takes whatever is up, at most
/// `count`. `what` names them ("pods of `api`"), `verb` what happens ("crash").
fn count_within(
    cx: &mut Cx<'_>,
    p: &FieldPath,
    count: u32,
    (start, scaled): (u32, Option<u32>),
    what: &str,
    verb: &str,
) {
    let most = start.max(scaled.unwrap_or(0));
    if count > most {
        let scaling = match scaled {
            Some(max) if max > start => format!(" and at most {max} with autoscaling"),
            _ => String::new(),
        };
        cx.error(
            &p.key("count"),
            format!(
                "there are {start} {what} at the start{scaling}, so at most {most} can {verb}, \
                 got {count}"
            ),
        );
    }
}

fn fault(
    cx: &mut Cx<'_>,
    p: &FieldPath,
    t: &FaultTable,
    names: &Names,
    sim: &Simulation,
    there: &There<'_>,
) -> Option<Fault> {
    cx.only_for_kinds(
        p,
        t.kind.as_str(),
        false,
        &[
            ("zone", t.zone.is_some(), ZONE_OUTAGE),
            ("mode", t.mode.is_some(), MODE),
            ("service", t.service.is_some(), CRASH_OR_DEGRADATION),
            ("count", t.count.is_some(), POD_COUNT),
            ("destination", t.destination.is_some(), DEGRADATION),
            ("latency_multiplier", t.latency_multiplier.is_some(), SLOWER),
            ("error_rate", t.error_rate.is_some(), FAILING),
        ],
    );
    let at = t.at.0;
    let end = sim.duration;
    if at >= end {
        cx.error(
            &p.key("at"),
            format!("must be inside the run (duration = {end}), got {at}"),
        );
    }
    let duration = t.duration.map(|h| h.0);
    match duration {
        Some(SimDuration::ZERO) => cx.error(&p.key("duration"), "must be longer than 0, got 0s"),
        Some(len) if at < end && at + len > end => cx.error(
            &p.key("duration"),
            format!("the fault would end at {}, after the run ends at {end}; leave `duration` out for a fault that lasts to the end", at + len),
        ),
        _ => {}
    }
    let kind = match t.kind {
        K::ZoneOutage => {
            let zone = required(cx, p, t.kind, "zone", t.zone.as_deref())?;
            FaultKind::ZoneOutage {
                zone: names.zone(cx, &p.key("zone"), zone)?,
                mode: mode(t),
            }
        }
        K::PodCrash | K::GrayFailure | K::PodHang => {
            let service = required(cx, p, t.kind, "service", t.service.as_deref())?;
            let service = names.service(cx, &p.key("service"), service)?;
            let count = cx.at_least(&p.key("count"), t.count, 1, d::CRASH_COUNT);
            let zone = match t.zone.as_deref().filter(|_| t.kind == K::GrayFailure) {
                Some(z) => Some(names.zone(cx, &p.key("zone"), z)?),
                None => None,
            };
            let name = &names.services[service];
            let (what, verb) = match (t.kind, zone) {
                (K::PodHang, _) => (format!("pods of `{name}`"), "hang"),
                (K::GrayFailure, Some(z)) => (
                    format!("pods of `{name}` in zone `{}`", names.zones[z]),
                    "turn gray",
                ),
                (K::GrayFailure, None) => (format!("pods of `{name}`"), "turn gray"),
                _ => (format!("pods of `{name}`"), "crash"),
            };
            count_within(cx, p, count, there.pods(service, zone), &what, verb);
            if t.kind == K::PodHang {
                FaultKind::PodHang { service, count }
            } else if t.kind == K::GrayFailure {
                FaultKind::GrayFailure {
                    service,
                    zone,
                    count,
                    latency_multiplier: multiplier(cx, p, t),
                    error_rate: cx.share(&p.key("error_rate"), t.error_rate, 0.0),
                }
            } else {
                FaultKind::PodCrash { service, count }
            }
        }
        K::NodeFailure => {
            let zone = required(cx, p, t.kind, "zone", t.zone.as_deref())?;
            let zone = names.zone(cx, &p.key("zone"), zone)?;
            let count = cx.at_least(&p.key("count"), t.count, 1, d::CRASH_COUNT);
            let what = format!("pods in zone `{}`", names.zones[zone]);
            count_within(cx, p, count, there.pods_in_zone(zone), &what, "be lost");
            FaultKind::NodeFailure {
                zone,
                count,
                mode: mode(t),
            }
        }
        K::IngressInstanceLoss => {
            let zone = match t.zone.as_deref() {
                Some(z) => Some(names.zone(cx, &p.key("zone"), z)?),
                None => None,
            };
            let count = cx.at_least(&p.key("count"), t.count, 1, d::CRASH_COUNT);
            let what = match zone {
                Some(z) => format!("ingress instances in zone `{}`", names.zones[z]),
                None => "ingress instances".to_string(),
            };
            count_within(cx, p, count, there.instances(zone), &what, "be lost");
            FaultKind::IngressInstanceLoss {
                zone,
                count,
                mode: mode(t),
            }
        }
        K::ZoneLatency => FaultKind::ZoneLatency {
            latency_multiplier: multiplier(cx, p, t),
        },
        K::DependencyDegradation => {
            let target = match (&t.service, &t.destination) {
                (Some(s), None) => CallTarget::Service(names.service(cx, &p.key("service"), s)?),
                (None, Some(dest)) => {
                    CallTarget::Destination(names.destination(cx, &p.key("destination"), dest)?)
                }
                _ => {
                    cx.error(
                        p,
                        "dependency-degradation needs exactly one of `service` and `destination`",
                    );
                    return None;
                }
            };
            FaultKind::DependencyDegradation {
                target,
                latency_multiplier: multiplier(cx, p, t),
                error_rate: cx.share(&p.key("error_rate"), t.error_rate, 0.0),
            }
        }
    };
    Some(Fault { at, duration, kind })
}

/// `mode` (default black hole).
fn mode(t: &FaultTable) -> FailureMode {
    match t.mode.unwrap_or(ModeName::BlackHole) {
        ModeName::BlackHole => FailureMode::BlackHole,
        ModeName::Reset => FailureMode::Reset,
    }
}

/// `latency_multiplier` (default 1), checked to be a positive number.
fn multiplier(cx: &mut Cx<'_>, p: &FieldPath, t: &FaultTable) -> f64 {
    let multiplier = t.latency_multiplier.unwrap_or(1.0);
    if !(multiplier.is_finite() && multiplier > 0.0) {
        cx.error(
            &p.key("latency_multiplier"),
            format!("must be a number greater than 0, got {multiplier}"),
        );
    }
    multiplier
}

/// A field the fault's kind needs, or a diagnostic at the fault.
fn required<'t>(
    cx: &mut Cx<'_>,
    p: &FieldPath,
    kind: K,
    field: &str,
    value: Option<&'t str>,
) -> Option<&'t str> {
    if value.is_none() {
        cx.error(p, format!("kind = \"{}\" needs `{field}`", kind.as_str()));
    }
    value
}
