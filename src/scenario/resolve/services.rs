//! `[[services]]`: pods per zone, slots, service time, readiness and calls; and the check that
//! calls between services form no cycle (a request would never finish).

use super::Names;
use crate::engine::{Dist, SimDuration};
use crate::scenario::context::Cx;
use crate::scenario::defaults as d;
use crate::scenario::locate::FieldPath;
use crate::scenario::raw::HpaTable;
use crate::scenario::raw::{CallEntry, ServiceTable};
use crate::scenario::{Call, CallTarget, FanOut, Hpa, Probe, Service};

pub(super) fn resolve(cx: &mut Cx<'_>, tables: &[ServiceTable], names: &Names) -> Vec<Service> {
    let list = FieldPath::root().key("services");
    let services: Vec<Service> = tables
        .iter()
        .enumerate()
        .map(|(i, t)| service(cx, &list.index(i), t, names))
        .collect();
    report_cycles(cx, &list, tables, names);
    services
}

fn service(cx: &mut Cx<'_>, p: &FieldPath, t: &ServiceTable, names: &Names) -> Service {
    let mut pods = vec![0; names.zones.len()];
    for (zone, &n) in &t.pods {
        if let Some(z) = names.zone(cx, &p.key("pods").key(zone), zone) {
            pods[z] = n;
        }
    }
    if pods.iter().all(|&n| n == 0) {
        cx.error(
            &p.key("pods"),
            format!("`{}` needs at least one pod in some zone, got none", t.name),
        );
    }
    let hpa = t
        .hpa
        .as_ref()
        .map(|h| hpa(cx, &p.key("hpa"), h, pods.iter().sum()));
    let r = p.key("readiness");
    let readiness = t.readiness.clone().unwrap_or_default();
    Service {
        name: t.name.clone(),
        pods,
        concurrency: cx.at_least(&p.key("concurrency"), t.concurrency, 1, d::POD_CONCURRENCY),
        queue_limit: t.queue_limit,
        service_time: cx.dist(
            &p.key("service_time"),
            Some(&t.service_time),
            Dist::constant(SimDuration::ZERO),
        ),
        calls: t
            .calls
            .iter()
            .flatten()
            .enumerate()
            .filter_map(|(j, c)| call(cx, &p.key("calls").index(j), c, names))
            .collect(),
        fan_outs: fan_outs(cx, &p.key("calls"), t.calls.as_deref().unwrap_or_default()),
        startup: crate::scenario::units::or(t.startup, d::POD_STARTUP),
        readiness: Probe {
            interval: cx.positive(&r.key("period"), readiness.period, d::READINESS_PERIOD),
            timeout: cx.positive(&r.key("timeout"), readiness.timeout, d::READINESS_TIMEOUT),
            failure_threshold: cx.at_least(
                &r.key("failure_threshold"),
                readiness.failure_threshold,
                1,
                d::READINESS_FAILURE_THRESHOLD,
            ),
        },
        hpa,
    }
}

fn hpa(cx: &mut Cx<'_>, p: &FieldPath, h: &HpaTable, pods: u32) -> Hpa {
    let min = cx.at_least(&p.key("min"), h.min, 1, pods.max(1));
    if h.max < min {
        cx.error(
            &p.key("max"),
            format!("must be at least `min` ({min}), got {}", h.max),
        );
    }
    let target = h.target_utilisation;
    if !(target > 0.0 && target <= 1.0) {
        cx.error(
            &p.key("target_utilisation"),
            format!("must be a share in (0, 1], got {target}"),
        );
    }
    Hpa {
        min,
        max: h.max.max(min),
        target,
        sync_period: cx.positive(&p.key("sync_period"), h.sync_period, d::HPA_SYNC_PERIOD),
        tolerance: cx.share(&p.key("tolerance"), h.tolerance, d::HPA_TOLERANCE),
        scale_down_stabilisation: crate::scenario::units::or(
            h.scale_down_stabilisation,
            d::HPA_SCALE_DOWN_STABILISATION,
        ),
    }
}

fn call(cx: &mut Cx<'_>, p: &FieldPath, c: &CallEntry, names: &Names) -> Option<Call> {
    let probability = cx.share(&p.key("probability"), c.probability, 1.0);
    let target = match (&c.service, &c.destination) {
        (Some(s), None) => CallTarget::Service(names.service(cx, &p.key("service"), s)?),
        (None, Some(dest)) => {
            CallTarget::Destination(names.destination(cx, &p.key("destination"), dest)?)
        }
        (Some(_), Some(_)) => {
            cx.error(p, "give `service` or `destination`, not both");
            return None;
        }
        (None, None) => {
            cx.error(
                p,
                "needs `service` (another service) or `destination` (an external one)",
            );
            return None;
        }
    };
    let timeout = c
        .timeout
        .map(|_| cx.positive(&p.key("timeout"), c.timeout, SimDuration::ZERO));
    Some(Call {
        target,
        probability,
        timeout,
    })
}

/// The fan-out groups of a service's calls: each label must name one run of consecutive calls.
fn fan_outs(cx: &mut Cx<'_>, p: &FieldPath, calls: &[CallEntry]) -> Vec<FanOut> {
    let mut groups: Vec<FanOut> = Vec::new();
    for (j, c) in calls.iter().enumerate() {
        let Some(label) = &c.fan_out else { continue };
        if label.trim().is_empty() {
            cx.error(&p.index(j).key("fan_out"), "must be a non-empty label");
            continue;
        }
        match groups.last_mut() {
            Some(g) if g.label == *label && g.calls.end == j => g.calls.end = j + 1,
            _ => {
                if let Some(g) = groups.iter().find(|g| g.label == *label) {
                    cx.error(
                        &p.index(j).key("fan_out"),
                        format!(
                            "fan-out `{label}` must be consecutive calls: it is at calls[{}] \
                             and again here, with other calls between (use another label for \
                             a second group)",
                            g.calls.end - 1
                        ),
                    );
                    continue;
                }
                groups.push(FanOut {
                    label: label.clone(),
                    calls: j..j + 1,
                });
            }
        }
    }
    groups
}

/// Reports every call that closes a cycle, as `web → orders → web`, at that call. Works on the
/// file's calls (not the resolved ones) so that the call indices in messages are the file's.
fn report_cycles(cx: &mut Cx<'_>, list: &FieldPath, tables: &[ServiceTable], names: &Names) {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnPath,
        Done,
    }
    // For each service: (call index, called service) of its calls to known services.
    let edges: Vec<Vec<(usize, usize)>> = tables
        .iter()
        .map(|t| {
            let calls = t.calls.iter().flatten().enumerate();
            calls
                .filter_map(|(j, c)| {
                    let target = c.service.as_ref()?;
                    Some((j, names.services.iter().position(|n| n == target)?))
                })
                .collect()
        })
        .collect();
    let mut marks = vec![Mark::New; tables.len()];
    for start in 0..tables.len() {
        if marks[start] != Mark::New {
            continue;
        }
        // Depth-first, iteratively: the path holds (service, next edge to follow).
        let mut path = vec![(start, 0)];
        marks[start] = Mark::OnPath;
        while let Some(&mut (s, ref mut next)) = path.last_mut() {
            let Some(&(j, t)) = edges[s].get(*next) else {
                marks[s] = Mark::Done;
                path.pop();
                continue;
            };
            *next += 1;
            match marks[t] {
                Mark::New => {
                    marks[t] = Mark::OnPath;
                    path.push((t, 0));
                }
                Mark::OnPath => {
                    let from = path.iter().position(|&(v, _)| v == t).unwrap_or(0);
                    let cycle: Vec<&str> = path[from..]
                        .iter()
                        .map(|&(v, _)| v)
                        .chain([t])
                        .map(|v| names.services[v].as_str())
                        .collect();
                    let at = list.index(s).key("calls").index(j).key("service");
                    cx.error(
                        &at,
                        format!(
                            "call cycle {}: a request would never finish",
                            cycle.join(" → ")
                        ),
                    );
                }
                Mark::Done => {}
            }
        }
    }
}
