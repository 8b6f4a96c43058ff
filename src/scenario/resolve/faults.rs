//! `[[faults]]`: what fails, when, for how long; inside the run and naming things that exist.

use super::Names;
use crate::engine::SimDuration;
use crate::scenario::context::Cx;
use crate::scenario::defaults as d;
use crate::scenario::locate::FieldPath;
use crate::scenario::raw::{FaultKindName as K, FaultTable, ModeName};
use crate::scenario::{CallTarget, FailureMode, Fault, FaultKind, Service, Simulation};

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
) -> Vec<Fault> {
    let list = FieldPath::root().key("faults");
    let faults = tables.iter().enumerate();
    faults
        .filter_map(|(i, t)| fault(cx, &list.index(i), t, names, sim, services))
        .collect()
}

fn fault(
    cx: &mut Cx<'_>,
    p: &FieldPath,
    t: &FaultTable,
    names: &Names,
    sim: &Simulation,
    services: &[Service],
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
            let pods: u32 = services.get(service).map_or(0, |s| s.pods.iter().sum());
            let count = cx.at_least(&p.key("count"), t.count, 1, d::CRASH_COUNT);
            if count > pods {
                cx.error(
                    &p.key("count"),
                    format!(
                        "`{}` has {pods} pods, so at most {pods} can crash, got {count}",
                        names.services[service]
                    ),
                );
            }
            if t.kind == K::PodHang {
                FaultKind::PodHang { service, count }
            } else if t.kind == K::GrayFailure {
                FaultKind::GrayFailure {
                    service,
                    zone: match t.zone.as_deref() {
                        Some(z) => Some(names.zone(cx, &p.key("zone"), z)?),
                        None => None,
                    },
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
            FaultKind::NodeFailure {
                zone: names.zone(cx, &p.key("zone"), zone)?,
                count: cx.at_least(&p.key("count"), t.count, 1, d::CRASH_COUNT),
                mode: mode(t),
            }
        }
        K::IngressInstanceLoss => FaultKind::IngressInstanceLoss {
            zone: match t.zone.as_deref() {
                Some(z) => Some(names.zone(cx, &p.key("zone"), z)?),
                None => None,
            },
            count: cx.at_least(&p.key("count"), t.count, 1, d::CRASH_COUNT),
            mode: mode(t),
        },
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
