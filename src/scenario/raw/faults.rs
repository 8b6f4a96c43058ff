//! `[[faults]]` as written: one table for every kind, with kind-specific fields checked when
//! the scenario is resolved.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::scenario::units::HumanDuration;

/// `[[faults]]`: something that fails during the run.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, expecting = "a [[faults]] table")]
pub(crate) struct FaultTable {
    /// "zone-outage", "pod-crash" or "dependency-degradation".
    pub kind: FaultKindName,
    /// When it starts, since the start of the run (inside the run).
    pub at: HumanDuration,
    /// How long it lasts. Default: to the end of the run.
    pub duration: Option<HumanDuration>,
    /// zone-outage, node-failure: the zone lost; ingress-instance-loss, gray-failure: only
    /// instances or pods in this zone.
    pub zone: Option<String>,
    /// zone-outage, node-failure, ingress-instance-loss: "black-hole" (callers wait for their
    /// timeout) or "reset" (callers fail at once). Default: "black-hole".
    pub mode: Option<ModeName>,
    /// pod-crash: the service whose pods crash; dependency-degradation: the service that
    /// degrades (or give `destination`).
    pub service: Option<String>,
    /// pod-crash only: pods that crash. Default: 1.
    pub count: Option<u32>,
    /// dependency-degradation only: the external destination that degrades.
    pub destination: Option<String>,
    /// dependency-degradation only: latency multiplier, greater than 0 (above 1 slows down).
    /// Default: 1.
    pub latency_multiplier: Option<f64>,
    /// dependency-degradation only: share of calls that fail meanwhile, 0 to 1. Default: 0.
    pub error_rate: Option<f64>,
}

/// The kinds of fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum FaultKindName {
    /// Every pod and zonal instance in a zone stops.
    ZoneOutage,
    /// Some pods of a service crash.
    PodCrash,
    /// A service or destination gets slower and/or fails some calls.
    DependencyDegradation,
    /// Some pods of a service (in one zone, if `zone` is given: a gray node or zone) turn slow
    /// and/or fail a share of requests while still passing their health checks.
    GrayFailure,
    /// Cross-zone links get slower (a degraded inter-zone network).
    ZoneLatency,
    /// A node in a zone is lost with the pods it held.
    NodeFailure,
    /// Some pods of a service hang: they stop answering but their node still reports, so only
    /// their readiness probes find out.
    PodHang,
    /// Ingress instances are lost.
    IngressInstanceLoss,
}

impl FaultKindName {
    /// The name as written in the file.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            FaultKindName::ZoneOutage => "zone-outage",
            FaultKindName::PodCrash => "pod-crash",
            FaultKindName::DependencyDegradation => "dependency-degradation",
            FaultKindName::GrayFailure => "gray-failure",
            FaultKindName::ZoneLatency => "zone-latency",
            FaultKindName::NodeFailure => "node-failure",
            FaultKindName::PodHang => "pod-hang",
            FaultKindName::IngressInstanceLoss => "ingress-instance-loss",
        }
    }
}

/// How a dead component looks to its callers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum ModeName {
    /// Packets vanish: callers wait for their timeout.
    BlackHole,
    /// Connections are refused: callers fail at once.
    Reset,
}
