//! How long each balancer takes to notice that a backend died or came back.
//!
//! Detection depends on how something failed, and the paths are kept apart:
//!
//! - a crashed container is seen by its kubelet at once; the endpoint change then propagates
//!   (EndpointSlice → kube-proxy / NGINX / Envoy);
//! - a lost node or zone cannot report at all: its pods stay in the endpoints until the node
//!   lifecycle controller marks the node not ready after `node-monitor-grace-period`, then the
//!   change propagates;
//! - Application Gateway finds out from its own health probes (built by AGIC from the pod's
//!   readiness probe; when each probe goes out and fails is [`super::agw_probe`]'s) or from
//!   AGIC updating the backend pool after the endpoint change, whichever comes first;
//! - ingress instances behind the Azure Load Balancer stop receiving traffic after the load
//!   balancer's health probe fails — App Gateway instances, and NGINX or Istio gateway pods
//!   whose Service has `externalTrafficPolicy: Local`; with `Cluster` (Kubernetes' default)
//!   the load balancer probes nodes, and a lost gateway pod is dropped by kube-proxy when the
//!   endpoints change, like any pod (see [`instance_removal_delay`]).

use crate::engine::SimDuration;
use crate::scenario::{IngressKind, Scenario, TrafficPolicy};

use super::agw_probe::{ProbeAnswer, probe_detection};
use super::topology::View;

/// `node-monitor-grace-period`: 50 s since Kubernetes v1.32 (was 40 s) — kubernetes PR #126287
/// (facts §4).
pub const NODE_MONITOR_GRACE: SimDuration = SimDuration::from_secs(50);

/// EndpointSlice propagation to kube-proxy, NGINX and Envoy: no SLO, sub-second to a few seconds
/// (E, facts §4); one second here.
pub const ENDPOINT_PROPAGATION: SimDuration = SimDuration::from_secs(1);

/// Azure Load Balancer health-probe detection of a lost ingress instance or node (E: a 5 s probe
/// interval with two failures; the facts sheet gives no figure).
pub const LB_PROBE_DETECTION: SimDuration = SimDuration::from_secs(10);

/// The default `node.kubernetes.io/not-ready` and `unreachable` tolerations: pods on a lost node
/// are evicted 300 s after the node lifecycle controller taints it (D: taint-and-toleration docs,
/// facts §4), and only then does the ReplicaSet create replacements.
pub const EVICTION_TOLERATION: SimDuration = SimDuration::from_secs(300);

/// `terminationGracePeriodSeconds` of the gateway pods (NGINX, Istio) being removed: the
/// Kubernetes default (see `scenario::defaults::TERMINATION_GRACE` for the source). An
/// application pod's comes from its service.
pub const TERMINATION_GRACE: SimDuration = crate::scenario::defaults::TERMINATION_GRACE;

/// Why a pod stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeathCause {
    /// Its container crashed; the kubelet reports at once.
    ContainerCrash,
    /// Its node (or zone) is gone; nothing reports until the grace period ends.
    NodeLost,
    /// It hangs: the kubelet sees it only when its readiness probe has failed
    /// `failure_threshold` times, `period` apart.
    Hung,
}

/// The delay before `view` stops routing to a pod of `service` that died of `cause`, or
/// `None` if that view never drops it (a hung pod with no readiness probe stays in the
/// endpoints). `answer` is how the pod answers App Gateway's probes now (`None` while it still
/// passes them: a deleted pod in its grace period); `phase` in [0, 1) places the first probe
/// after the failure in the probe cycle (see [`super::agw_probe`]).
pub fn removal_delay_at(
    s: &Scenario,
    cause: DeathCause,
    view: View,
    service: usize,
    answer: Option<ProbeAnswer>,
    phase: f64,
) -> Option<SimDuration> {
    let readiness = s.services[service].readiness.as_ref();
    let endpoints = match cause {
        DeathCause::ContainerCrash => Some(ENDPOINT_PROPAGATION),
        DeathCause::NodeLost => Some(NODE_MONITOR_GRACE + ENDPOINT_PROPAGATION),
        DeathCause::Hung => readiness.map(|probe| {
            SimDuration(probe.interval.0 * u64::from(probe.failure_threshold))
                + ENDPOINT_PROPAGATION
        }),
    };
    match (view, &s.ingress.kind) {
        (View::AppGateway, IngressKind::AppGateway(agw)) => {
            // Its own probes (built by AGIC from the pod's readiness probe), or AGIC updating
            // the backend pool after the endpoint change, whichever comes first.
            let probe = agw.probe_for(readiness);
            let probes = answer.map(|a| probe_detection(&probe, a, phase));
            let agic = endpoints.map(|e| e + agw.agic_update_lag);
            match (probes, agic) {
                (Some(p), Some(a)) => Some(p.min(a)),
                (p, a) => p.or(a),
            }
        }
        _ => endpoints,
    }
}

/// The longest delay before `view` stops routing to a pod of `service` that died of `cause`
/// (the probe cycle at its worst phase; a crash refuses probes, a lost node or a hang leaves
/// them unanswered), or `None` if that view never drops it.
pub fn removal_delay(
    s: &Scenario,
    cause: DeathCause,
    view: View,
    service: usize,
) -> Option<SimDuration> {
    let answer = match cause {
        DeathCause::ContainerCrash => ProbeAnswer::Refused,
        DeathCause::NodeLost | DeathCause::Hung => ProbeAnswer::Silent,
    };
    removal_delay_at(s, cause, view, service, Some(answer), 1.0)
}

/// The delay before `view` routes again to a pod of `service` that became ready: for App
/// Gateway, its first probe after that (`phase` × interval of the service's probe; one
/// success marks a backend healthy, facts §1) or AGIC adding it, whichever comes first.
pub fn addition_delay(s: &Scenario, view: View, service: usize, phase: f64) -> SimDuration {
    match (view, &s.ingress.kind) {
        (View::AppGateway, IngressKind::AppGateway(agw)) => {
            let probe = agw.probe_for(s.services[service].readiness.as_ref());
            let first = SimDuration((probe.interval.0 as f64 * phase.clamp(0.0, 1.0)) as u64);
            // AGC's HealthCheckPolicy may ask for more than one success.
            let more = agw
                .for_containers
                .as_ref()
                .map_or(0, |c| c.healthy_threshold - 1);
            let first = first + SimDuration(probe.interval.0 * u64::from(more));
            first.min(ENDPOINT_PROPAGATION + agw.agic_update_lag)
        }
        _ => ENDPOINT_PROPAGATION,
    }
}

/// The delay before the front stops sending to an ingress instance that died or is being
/// removed: the Azure Load Balancer's probe, except for gateway pods behind
/// `externalTrafficPolicy: Cluster`, which kube-proxy drops when the endpoints change — at once
/// for a crashed or terminating pod (its kubelet reports), after the node-monitor grace period
/// for a pod whose node is lost (D: kubernetes.io Service "traffic policies" and AKS "load
/// balancer health probe mode", facts §10).
pub fn instance_removal_delay(s: &Scenario, node_lost: bool) -> SimDuration {
    match s.ingress.external_traffic_policy {
        Some(TrafficPolicy::Cluster) if node_lost => NODE_MONITOR_GRACE + ENDPOINT_PROPAGATION,
        Some(TrafficPolicy::Cluster) => ENDPOINT_PROPAGATION,
        _ => LB_PROBE_DETECTION,
    }
}

/// The delay before the front sends to an ingress instance that became ready: the load
/// balancer's probe, or under `externalTrafficPolicy: Cluster` the endpoint update.
pub fn instance_addition_delay(s: &Scenario) -> SimDuration {
    match s.ingress.external_traffic_policy {
        Some(TrafficPolicy::Cluster) => ENDPOINT_PROPAGATION,
        _ => LB_PROBE_DETECTION,
    }
}
