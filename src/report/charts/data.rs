//! What the charts show, taken out of a [`Summary`] and its [`Scenario`]: per-window values
//! averaged over replications (as in `timeseries.csv`), the time axis, and the fault windows.
//!
//! Rates are per second per replication; latencies are the window's pooled quantiles; gauge
//! levels are the mean over replications of the level at the window's end (SNAT ports: of the
//! window's peak). A value the run did not measure is `None`, and the charts leave a gap.

use crate::model::ErrorCause;
use crate::model::result::gauge;
use crate::runner::Summary;
use crate::scenario::{CallTarget, EgressKind, FailureMode, FaultKind, IngressKind, Scenario};

/// The unit of the time axis: minutes for runs of three minutes or more, seconds otherwise.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TimeAxis {
    /// Seconds per unit (60 or 1).
    pub secs_per_unit: f64,
    /// The unit's symbol in axis labels: `min` or `s`.
    pub unit: &'static str,
}

impl TimeAxis {
    /// The axis for a run of `duration_secs`.
    pub fn for_duration(duration_secs: f64) -> TimeAxis {
        if duration_secs >= 180.0 {
            TimeAxis {
                secs_per_unit: 60.0,
                unit: "min",
            }
        } else {
            TimeAxis {
                secs_per_unit: 1.0,
                unit: "s",
            }
        }
    }

    /// `secs` in the axis unit.
    pub fn of(&self, secs: f64) -> f64 {
        secs / self.secs_per_unit
    }

    /// The x-axis description.
    pub fn label(&self) -> String {
        format!("time since start ({})", self.unit)
    }
}

/// A fault on the time axis.
#[derive(Clone, Debug, PartialEq)]
pub struct FaultMark {
    /// What failed, e.g. `zone 2 outage (black hole)`.
    pub label: String,
    /// Start, in axis units.
    pub start: f64,
    /// End, in axis units; `None` for an instant (a pod crash without a duration).
    pub end: Option<f64>,
}

/// One zone's levels per window.
#[derive(Clone, Debug, PartialEq)]
pub struct ZoneSeries {
    /// Zone name as in the scenario.
    pub name: String,
    /// Ready pods (all services).
    pub ready: Vec<Option<f64>>,
    /// Busy share of the zone's worker slots, 0..1.
    pub utilisation: Vec<Option<f64>>,
}

/// SNAT ports of a NAT Gateway.
#[derive(Clone, Debug, PartialEq)]
pub struct SnatSeries {
    /// The device that owns the ports ("NAT Gateway", "Azure Firewall").
    pub device: &'static str,
    /// Ports available at the start: public IPs × ports per IP (NAT Gateway), public IPs ×
    /// instances × 2,496 (Azure Firewall).
    pub limit: f64,
    /// The limit per window (mean over replications of its level at the window's end); it
    /// moves when the firewall scales.
    pub limits: Vec<Option<f64>>,
    /// Public IPs.
    pub public_ips: u32,
    /// Ports in use, peak per window.
    pub in_use: Vec<Option<f64>>,
}

/// Everything the charts draw, one entry per window of the merged time series.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartData {
    /// Scenario name.
    pub scenario: String,
    /// Unit of the time axis.
    pub axis: TimeAxis,
    /// End of the run, axis units.
    pub end: f64,
    /// End of the warm-up, axis units.
    pub warmup: f64,
    /// Middle of each window, axis units (where rates and latencies are drawn).
    pub mid: Vec<f64>,
    /// End of each window, axis units (where end-of-window levels are drawn).
    pub at_end: Vec<f64>,
    /// Median end-to-end latency, ms; `None` where nothing completed.
    pub p50_ms: Vec<Option<f64>>,
    /// 99th percentile end-to-end latency, ms.
    pub p99_ms: Vec<Option<f64>>,
    /// Failed requests per second, per cause that occurred at all, in cause order.
    pub errors: Vec<(ErrorCause, Vec<f64>)>,
    /// Per zone.
    pub zones: Vec<ZoneSeries>,
    /// Ingress replicas up at each window's end, when they can change (an `[ingress.hpa]` or
    /// App Gateway autoscaling).
    pub ingress_replicas: Option<Vec<Option<f64>>>,
    /// SNAT ports, when the egress is a NAT Gateway.
    pub snat: Option<SnatSeries>,
    /// The scenario's faults, in file order.
    pub faults: Vec<FaultMark>,
    /// The SLO's p99 target, ms.
    pub slo_p99_ms: Option<f64>,
}

impl ChartData {
    /// The chart data of `summary`, a run of `scenario`.
    pub fn new(scenario: &Scenario, summary: &Summary) -> ChartData {
        let series = &summary.series;
        let runs = series.replications();
        let axis = TimeAxis::for_duration(summary.duration_secs);
        let windows = series.windows();
        let t = |secs: f64| axis.of(secs);
        let mid = windows
            .iter()
            .map(|w| t((w.start.as_secs_f64() + w.end.as_secs_f64()) / 2.0))
            .collect();
        let at_end = windows.iter().map(|w| t(w.end.as_secs_f64())).collect();
        let latency = |q: f64| {
            windows
                .iter()
                .map(|w| (w.latency_count() > 0).then(|| w.latency_quantile(q).as_millis_f64()))
                .collect()
        };
        let errors = ErrorCause::ALL
            .iter()
            .filter(|&&c| windows.iter().any(|w| w.errors[c as usize] > 0))
            .map(|&c| {
                let rates = windows
                    .iter()
                    .map(|w| w.rate_per_sec(w.errors[c as usize], runs))
                    .collect();
                (c, rates)
            })
            .collect();
        let level = |slot: usize| -> Vec<Option<f64>> {
            (0..windows.len())
                .map(|i| series.gauge(i, slot).mean_last())
                .collect()
        };
        let zones = summary
            .zones
            .iter()
            .take(gauge::MAX_ZONES)
            .enumerate()
            .map(|(z, name)| ZoneSeries {
                name: name.clone(),
                ready: level(gauge::READY_PODS + z),
                utilisation: level(gauge::UTILISATION + z),
            })
            .collect();
        let scaling = scenario.ingress.hpa.is_some()
            || matches!(&scenario.ingress.kind, IngressKind::AppGateway(a) if a.autoscale.is_some());
        let ingress_replicas = scaling.then(|| level(gauge::INGRESS_INSTANCES));
        let snat = match scenario.egress.kind {
            EgressKind::NatGateway {
                public_ips,
                ports_per_ip,
                ..
            } => Some(SnatSeries {
                device: "NAT Gateway",
                limit: f64::from(public_ips) * f64::from(ports_per_ip),
                limits: level(gauge::SNAT_LIMIT),
                public_ips,
                in_use: (0..windows.len())
                    .map(|i| series.gauge(i, gauge::SNAT_PORTS).mean_max())
                    .collect(),
            }),
            EgressKind::Firewall {
                public_ips,
                instances,
                ..
            } => Some(SnatSeries {
                device: "Azure Firewall",
                limit: f64::from(public_ips)
                    * f64::from(instances)
                    * f64::from(crate::scenario::defaults::FIREWALL_PORTS_PER_IP),
                limits: level(gauge::SNAT_LIMIT),
                public_ips,
                in_use: (0..windows.len())
                    .map(|i| series.gauge(i, gauge::SNAT_PORTS).mean_max())
                    .collect(),
            }),
            _ => None,
        };
        ChartData {
            scenario: summary.scenario.clone(),
            axis,
            end: t(summary.duration_secs),
            warmup: t(summary.warmup_secs),
            mid,
            at_end,
            p50_ms: latency(0.5),
            p99_ms: latency(0.99),
            errors,
            zones,
            ingress_replicas,
            snat,
            faults: fault_marks(scenario, axis),
            slo_p99_ms: scenario.slo.as_ref().map(|s| s.p99.as_millis_f64()),
        }
    }
}

/// The scenario's faults on `axis`.
fn fault_marks(scenario: &Scenario, axis: TimeAxis) -> Vec<FaultMark> {
    let run_end = axis.of(scenario.simulation.duration.as_secs_f64());
    scenario
        .faults
        .iter()
        .map(|f| {
            let start = axis.of(f.at.as_secs_f64());
            let end = match (f.duration, &f.kind) {
                (Some(d), _) => Some(axis.of((f.at + d).as_secs_f64())),
                (None, FaultKind::PodCrash { .. }) => None,
                (None, _) => Some(run_end),
            };
            FaultMark {
                label: fault_label(scenario, &f.kind),
                start,
                end,
            }
        })
        .collect()
}

/// A short description of a fault for a legend.
pub fn fault_label(scenario: &Scenario, kind: &FaultKind) -> String {
    let zone = |z: usize| scenario.network.zones.get(z).map_or("?", String::as_str);
    let service = |s: usize| scenario.services.get(s).map_or("?", |s| s.name.as_str());
    match kind {
        FaultKind::ZoneOutage { zone: z, mode } => {
            let mode = match mode {
                FailureMode::BlackHole => "black hole",
                FailureMode::Reset => "reset",
            };
            format!("zone {} outage ({mode})", zone(*z))
        }
        FaultKind::PodCrash { service: s, count } => {
            let pods = if *count == 1 { "pod" } else { "pods" };
            format!("{count} {} {pods} crash", service(*s))
        }
        FaultKind::DependencyDegradation { target, .. } => {
            let name = match target {
                CallTarget::Service(s) => service(*s),
                CallTarget::Destination(d) => scenario
                    .egress
                    .destinations
                    .get(*d)
                    .map_or("?", |d| d.name.as_str()),
            };
            format!("{name} degraded")
        }
        FaultKind::PodHang { service: s, count } => {
            let pods = if *count == 1 { "pod" } else { "pods" };
            format!("{count} {} {pods} hang", service(*s))
        }
        FaultKind::NodeFailure { zone: z, count, .. } => {
            format!("node lost in zone {} ({count} pods)", zone(*z))
        }
        FaultKind::IngressInstanceLoss { count, .. } => {
            format!("{count} ingress instance(s) lost")
        }
        FaultKind::GrayFailure {
            service: s, count, ..
        } => {
            let pods = if *count == 1 { "pod" } else { "pods" };
            format!("{count} {} {pods} gray failure", service(*s))
        }
        FaultKind::ZoneLatency { latency_multiplier } => {
            format!("cross-zone latency ×{latency_multiplier}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimDuration;
    use crate::runner::fake;
    use crate::scenario::Fault;

    #[test]
    fn windows_become_points_in_minutes() {
        let (mut scenario, runs) = fake::runs(2);
        scenario.faults.push(Fault {
            at: SimDuration::from_secs(300),
            duration: Some(SimDuration::from_secs(120)),
            kind: FaultKind::ZoneOutage {
                zone: 0,
                mode: FailureMode::Reset,
            },
        });
        let d = ChartData::new(&scenario, &Summary::from_runs(&scenario, &runs));
        assert_eq!(d.axis.unit, "min");
        assert_eq!(d.mid.len(), 120);
        assert!((d.mid[0] - 5.0 / 60.0).abs() < 1e-9);
        assert!((d.at_end[0] - 10.0 / 60.0).abs() < 1e-9);
        assert!((d.p50_ms[0].unwrap() - 20.0).abs() < 1.0);
        assert_eq!(d.p50_ms[1], None);
        assert_eq!(d.errors.len(), 1);
        assert_eq!(d.errors[0].0, ErrorCause::Timeout);
        assert!((d.errors[0].1[0] - 0.1).abs() < 1e-12);
        assert_eq!(d.zones[0].ready[5], Some(1.0));
        assert_eq!(d.zones[0].utilisation[0], Some(0.5));
        assert_eq!(d.snat, None);
        assert_eq!(d.slo_p99_ms, Some(300.0));
        let f = &d.faults[0];
        assert_eq!(
            f.label,
            format!("zone {} outage (reset)", scenario.network.zones[0])
        );
        assert_eq!((f.start, f.end), (5.0, Some(7.0)));
    }

    #[test]
    fn short_runs_count_seconds() {
        assert_eq!(TimeAxis::for_duration(60.0).unit, "s");
        assert_eq!(TimeAxis::for_duration(60.0).label(), "time since start (s)");
        assert_eq!(TimeAxis::for_duration(180.0).of(90.0), 1.5);
    }
}
