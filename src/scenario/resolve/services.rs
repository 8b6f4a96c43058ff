//! `[[services]]`: pods per zone, slots, service time, readiness and calls; and the check that
//! calls between services form no cycle (a request would never finish).

use super::Names;
use super::spread;
use crate::engine::{Dist, SimDuration};
use crate::scenario::context::Cx;
use crate::scenario::defaults as d;
use crate::scenario::limits::{MAX_PODS, MAX_RETRIES, MIN_HPA_SYNC_PERIOD, PODS_WHY, RETRIES_WHY};
use crate::scenario::locate::FieldPath;
use crate::scenario::raw::{CallEntry, CpuTable, ReadinessSpec, ReadinessTable, ServiceTable};
use crate::scenario::{Call, CallTarget, Cpu, FanOut, Hpa, Probe, Service};

/// The services; those given as `replicas` are placed after the ones with explicit `pods`,
/// in the room `zone_capacity` leaves.
pub(super) fn resolve(
    cx: &mut Cx<'_>,
    tables: &[ServiceTable],
    names: &Names,
    zone_capacity: Option<&[u32]>,
) -> Vec<Service> {
    let list = FieldPath::root().key("services");
    let mut services: Vec<Service> = tables
        .iter()
        .enumerate()
        .map(|(i, t)| service(cx, &list.index(i), t, names))
        .collect();
    spread::place_replicas(&mut services, tables, zone_capacity);
    super::routing::number_options(cx, &mut services);
    report_cycles(cx, &list, tables, names);
    services
}

fn service(cx: &mut Cx<'_>, p: &FieldPath, t: &ServiceTable, names: &Names) -> Service {
    let (pods, total) = spread::pods_or_replicas(cx, p, t, names);
    let topology_spread = spread::rule(cx, p, t);
    let hpa = t.hpa.as_ref().map(|h| {
        let q = p.key("hpa");
        let given = HpaInput {
            min: h.min,
            max: Some(h.max),
            target: Some(h.target_utilisation),
            sync_period: h.sync_period,
            tolerance: h.tolerance,
            scale_down_stabilisation: h.scale_down_stabilisation,
        };
        hpa(cx, &q, &given, total.max(1), None)
    });
    let r = p.key("readiness");
    let readiness = match t.readiness.clone() {
        Some(ReadinessSpec::None(_)) => None,
        Some(ReadinessSpec::Probe(table)) => Some(table),
        None => Some(ReadinessTable::default()),
    };
    let entries = t.calls.as_deref().unwrap_or_default();
    let (calls, spans, choices) = super::routing::calls(cx, &p.key("calls"), entries, names);
    let fan_outs = super::routing::map_fan_outs(fan_outs(cx, &p.key("calls"), entries), &spans);
    let cpu = t.cpu.as_ref().and_then(|c| cpu(cx, &p.key("cpu"), c));
    // A CPU-bound pod is not also bound by worker slots unless told.
    let slots = if cpu.is_some() {
        d::CPU_POD_CONCURRENCY
    } else {
        d::POD_CONCURRENCY
    };
    Service {
        name: t.name.clone(),
        pods,
        concurrency: cx.at_least(&p.key("concurrency"), t.concurrency, 1, slots),
        queue_limit: t.queue_limit,
        service_time: cx.dist(
            &p.key("service_time"),
            Some(&t.service_time),
            Dist::constant(SimDuration::ZERO),
        ),
        cpu,
        contention: contention(cx, &p.key("contention"), t.contention),
        error_rate: cx.share(&p.key("error_rate"), t.error_rate, 0.0),
        calls,
        fan_outs,
        choices,
        startup: crate::scenario::units::or(t.startup, d::POD_STARTUP),
        termination_grace: crate::scenario::units::or(t.termination_grace, d::TERMINATION_GRACE),
        pre_stop: t
            .pre_stop
            .map(|v| cx.positive(&p.key("pre_stop"), Some(v), v.0)),
        readiness: readiness.map(|readiness| Probe {
            interval: cx.positive(&r.key("period"), readiness.period, d::READINESS_PERIOD),
            timeout: cx.positive(&r.key("timeout"), readiness.timeout, d::READINESS_TIMEOUT),
            failure_threshold: cx.at_least(
                &r.key("failure_threshold"),
                readiness.failure_threshold,
                1,
                d::READINESS_FAILURE_THRESHOLD,
            ),
        }),
        hpa,
        protocol: super::connections::protocol(t.protocol),
        topology_spread,
    }
}

/// `cpu`: a request, a limit or both; the request defaults to the limit (as Kubernetes does)
/// and may not exceed it.
fn cpu(cx: &mut Cx<'_>, p: &FieldPath, t: &CpuTable) -> Option<Cpu> {
    let limit = t.limit.map(|q| q.0);
    let Some(request) = t.request.map(|q| q.0).or(limit) else {
        cx.error(
            p,
            "needs `request`, `limit` or both, such as { request = \"500m\", limit = \"1\" }",
        );
        return None;
    };
    if let Some(l) = limit
        && request > l
    {
        cx.error(
            &p.key("request"),
            format!("must not exceed `limit` ({l} cores), got {request} cores"),
        );
    }
    Some(Cpu { request, limit })
}

/// `contention`: a finite number, at least 0.
fn contention(cx: &mut Cx<'_>, p: &FieldPath, v: Option<f64>) -> f64 {
    let Some(v) = v else { return 0.0 };
    if !(v.is_finite() && v >= 0.0) {
        cx.error(p, format!("must be a number of at least 0, got {v}"));
        return 0.0;
    }
    v
}

/// The fields of an HPA table as written, shared by `[[services]] hpa` and `[ingress.hpa]`.
pub(super) struct HpaInput {
    pub min: Option<u32>,
    pub max: Option<u32>,
    pub target: Option<f64>,
    pub sync_period: Option<crate::scenario::units::HumanDuration>,
    pub tolerance: Option<f64>,
    pub scale_down_stabilisation: Option<crate::scenario::units::HumanDuration>,
}

/// A checked HPA: `min` defaults to `default_min`; `max` and the target to `defaults` (an
/// error naming the field when absent and without a default).
pub(super) fn hpa(
    cx: &mut Cx<'_>,
    p: &FieldPath,
    h: &HpaInput,
    default_min: u32,
    defaults: Option<(u32, f64)>,
) -> Hpa {
    let min = cx.at_most(&p.key("min"), h.min, MAX_PODS, PODS_WHY);
    let min = cx.at_least(&p.key("min"), min, 1, default_min.min(MAX_PODS));
    let max = cx.at_most(&p.key("max"), h.max, MAX_PODS, PODS_WHY);
    let max = match max.or(defaults.map(|d| d.0)) {
        Some(max) => max,
        None => {
            cx.error(&p.key("max"), "is required (the most replicas)");
            min
        }
    };
    if max < min {
        cx.error(
            &p.key("max"),
            format!("must be at least `min` ({min}), got {max}"),
        );
    }
    let target = match h.target.or(defaults.map(|d| d.1)) {
        Some(t) => t,
        None => {
            cx.error(
                &p.key("target_utilisation"),
                "is required (the target share of busy worker slots, e.g. 0.7)",
            );
            1.0
        }
    };
    if !(target > 0.0 && target <= 1.0) {
        cx.error(
            &p.key("target_utilisation"),
            format!("must be a share in (0, 1], got {target}"),
        );
    }
    Hpa {
        min,
        max: max.max(min),
        target,
        sync_period: sync_period(cx, &p.key("sync_period"), h.sync_period),
        tolerance: cx.share(&p.key("tolerance"), h.tolerance, d::HPA_TOLERANCE),
        scale_down_stabilisation: crate::scenario::units::or(
            h.scale_down_stabilisation,
            d::HPA_SCALE_DOWN_STABILISATION,
        ),
    }
}

/// The HPA's sync period, at least [`MIN_HPA_SYNC_PERIOD`].
fn sync_period(
    cx: &mut Cx<'_>,
    p: &FieldPath,
    given: Option<crate::scenario::units::HumanDuration>,
) -> SimDuration {
    let period = crate::scenario::units::or(given, d::HPA_SYNC_PERIOD);
    if period < MIN_HPA_SYNC_PERIOD {
        cx.error(
            p,
            format!(
                "must be at least {MIN_HPA_SYNC_PERIOD} (the controller's default is 15s and AKS \
                 does not change it; a shorter loop only adds events), got {period}"
            ),
        );
        return d::HPA_SYNC_PERIOD;
    }
    period
}

/// A plain call (`service` or `destination`), or `None` after an error.
pub(super) fn call(cx: &mut Cx<'_>, p: &FieldPath, c: &CallEntry, names: &Names) -> Option<Call> {
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
                "needs `service` (another service), `destination` (an external one) or \
                 `choose` (one of several, by weight)",
            );
            return None;
        }
    };
    Some(call_with_target(cx, p, c, target))
}

/// Call `c` (at `p`) to `target`: its probability, timeout and retries checked.
pub(super) fn call_with_target(
    cx: &mut Cx<'_>,
    p: &FieldPath,
    c: &CallEntry,
    target: CallTarget,
) -> Call {
    let probability = cx.share(&p.key("probability"), c.probability, 1.0);
    let timeout = c
        .timeout
        .map(|_| cx.positive(&p.key("timeout"), c.timeout, SimDuration::ZERO));
    if c.backoff.is_some() && c.retries.unwrap_or(0) == 0 {
        cx.error(&p.key("backoff"), "applies only with `retries` above 0");
    }
    Call {
        target,
        probability,
        timeout,
        retries: cx
            .at_most(&p.key("retries"), c.retries, MAX_RETRIES, RETRIES_WHY)
            .unwrap_or(0),
        backoff: crate::scenario::units::or(c.backoff, d::RETRY_BACKOFF),
        connections: super::connections::connections(cx, p, c.connections.as_ref(), target),
    }
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
    // For each service: (call index, option of a `choose`, called service) of its calls to
    // known services.
    let edges: Vec<Vec<(usize, Option<usize>, usize)>> = tables
        .iter()
        .map(|t| {
            let calls = t.calls.iter().flatten().enumerate();
            calls
                .flat_map(|(j, c)| {
                    let plain = c.service.as_ref().map(|s| (j, None, s));
                    let options = c.choose.iter().flatten().enumerate();
                    let options =
                        options.filter_map(move |(i, o)| Some((j, Some(i), o.service.as_ref()?)));
                    plain.into_iter().chain(options)
                })
                .filter_map(|(j, i, target)| {
                    Some((j, i, names.services.iter().position(|n| n == target)?))
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
            let Some(&(j, option, t)) = edges[s].get(*next) else {
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
                    let call = list.index(s).key("calls").index(j);
                    let at = match option {
                        Some(i) => call.key("choose").index(i).key("service"),
                        None => call.key("service"),
                    };
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
