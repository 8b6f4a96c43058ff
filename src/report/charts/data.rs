//! What the charts show, taken out of a [`Summary`] and its [`Scenario`]: per-window values
//! averaged over replications (as in `timeseries.csv`), the time axis, and the fault windows.
//!
//! Rates are per second per replication; latencies are the window's pooled quantiles; gauge
//! levels are the mean over replications of the level at the window's end (SNAT ports: of the
//! window's peak). A value the run did not measure is `None`, and the charts leave a gap.
//!
//! Markers ([`Marker`]) put on the time charts only times the run measured or the scenario set:
//! each fault's start and end (the scenario), its detection (the mean over replications of the
//! last send to a dead backend, from the failover summary), and the first replication's node
//! evictions, HPA scale events and gateway scaling (its timeline); events of one kind and target
//! within one window are drawn as one marker.

use crate::model::ErrorCause;
use crate::model::result::gauge;
use crate::model::timeline::{EventKind, TimedEvent};
use crate::runner::Summary;
use crate::scenario::{CallTarget, EgressKind, FailureMode, FaultKind, IngressKind, Scenario};
use crate::stats::TimeSeries;

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

/// What a [`Marker`] marks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkerKind {
    /// A fault starts.
    FaultStart,
    /// A fault ends.
    FaultEnd,
    /// The balancers stopped sending to dead backends (the last dead-backend send).
    Detection,
    /// A lost node's pods were evicted.
    Eviction,
    /// A service's HPA changed its replicas.
    HpaScale,
    /// The ingress scaled (its HPA or App Gateway autoscaling).
    GatewayScale,
}

/// A labelled instant on the time axis.
#[derive(Clone, Debug, PartialEq)]
pub struct Marker {
    /// When, axis units.
    pub at: f64,
    /// What happened.
    pub kind: MarkerKind,
    /// Short text drawn beside the line, e.g. `web 6→9`.
    pub label: String,
}

/// Requests of one window, summed over the replications the series covers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WindowCounts {
    /// Requests offered (arrived from clients).
    pub offered: u64,
    /// Requests that succeeded (goodput).
    pub good: u64,
    /// Requests that failed, by cause (index = [`ErrorCause`]).
    pub failed: [u64; ErrorCause::COUNT],
}

/// The good and failed requests of every window of `series` (counted when they finished) and
/// the requests offered in it (counted when they arrived).
pub fn window_counts(series: &TimeSeries) -> Vec<WindowCounts> {
    series
        .windows()
        .iter()
        .map(|w| {
            let mut failed = [0; ErrorCause::COUNT];
            failed.copy_from_slice(&w.errors[..ErrorCause::COUNT]);
            WindowCounts {
                offered: w.offered,
                good: w.completed,
                failed,
            }
        })
        .collect()
}

/// One service's ready pods per window.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceSeries {
    /// Service name as in the scenario.
    pub name: String,
    /// Ready pods (all zones) at each window's end.
    pub ready: Vec<Option<f64>>,
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
    /// Requests offered per second (by arrival).
    pub offered: Vec<f64>,
    /// Successful requests per second (by completion): the goodput.
    pub good: Vec<f64>,
    /// Ready pods per service (the first [`gauge::MAX_SERVICES`]).
    pub services: Vec<ServiceSeries>,
    /// Instants to mark on the time charts, in time order.
    pub markers: Vec<Marker>,
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
        let counts = window_counts(series);
        let rate = |pick: fn(&WindowCounts) -> u64| -> Vec<f64> {
            windows
                .iter()
                .zip(&counts)
                .map(|(w, c)| w.rate_per_sec(pick(c), runs))
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
        let services = scenario
            .services
            .iter()
            .take(gauge::MAX_SERVICES)
            .enumerate()
            .map(|(s, svc)| ServiceSeries {
                name: svc.name.clone(),
                ready: level(gauge::SERVICE_READY_PODS + s),
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
            offered: rate(|c| c.offered),
            good: rate(|c| c.good),
            services,
            markers: markers(scenario, summary, axis),
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

/// The markers of `summary`'s run of `scenario` on `axis`, in time order (see the module doc).
fn markers(scenario: &Scenario, summary: &Summary, axis: TimeAxis) -> Vec<Marker> {
    let mut out = Vec::new();
    let mark = |secs: f64, kind, label: String| Marker {
        at: axis.of(secs),
        kind,
        label,
    };
    let run_end = scenario.simulation.duration.as_secs_f64();
    for f in &scenario.faults {
        let start = f.at.as_secs_f64();
        out.push(mark(start, MarkerKind::FaultStart, "fault".into()));
        if let Some(d) = f.duration {
            let end = (f.at + d).as_secs_f64();
            if end < run_end {
                out.push(mark(end, MarkerKind::FaultEnd, "fault ends".into()));
            }
        }
    }
    for fo in &summary.failover {
        if let Some(d) = &fo.detection
            && d.last_dead_send_secs.n > 0
            && d.last_dead_send_secs.mean.is_finite()
        {
            out.push(mark(
                d.last_dead_send_secs.mean,
                MarkerKind::Detection,
                "detected".into(),
            ));
        }
    }
    let zone = |z: usize| scenario.network.zones.get(z).map_or("?", String::as_str);
    let service = |s: usize| scenario.services.get(s).map_or("?", |s| s.name.as_str());
    for group in coalesce(&summary.timeline, summary.window_secs) {
        let (first, last) = (&group[0], &group[group.len() - 1]);
        let (kind, label) = match (&first.kind, &last.kind) {
            (EventKind::NodeEviction { zone: z }, _) => {
                let nodes = if group.len() == 1 {
                    String::new()
                } else {
                    format!(", {} nodes", group.len())
                };
                let label = format!("evicted (zone {}{nodes})", zone(*z));
                (MarkerKind::Eviction, label)
            }
            (
                EventKind::HpaScale {
                    service: s, from, ..
                },
                EventKind::HpaScale { to, .. },
            ) => (MarkerKind::HpaScale, format!("{} {from}→{to}", service(*s))),
            (EventKind::GatewayScale { from, .. }, EventKind::GatewayScale { to, .. }) => {
                (MarkerKind::GatewayScale, format!("ingress {from}→{to}"))
            }
            _ => continue,
        };
        out.push(mark(first.secs, kind, label));
    }
    out.sort_by(|a, b| a.at.total_cmp(&b.at));
    out
}

/// `events` in groups of one kind and target that start within `window_secs` of the group's
/// first event.
fn coalesce(events: &[TimedEvent], window_secs: f64) -> Vec<Vec<&TimedEvent>> {
    let key = |k: &EventKind| match k {
        EventKind::NodeEviction { zone } => (0, *zone),
        EventKind::HpaScale { service, .. } => (1, *service),
        EventKind::GatewayScale { .. } => (2, 0),
    };
    let mut groups: Vec<Vec<&TimedEvent>> = Vec::new();
    for e in events {
        let open = groups.iter_mut().rev().find(|g| {
            key(&g[0].kind) == key(&e.kind) && e.secs - g[0].secs < window_secs.max(1e-9)
        });
        match open {
            Some(g) => g.push(e),
            None => groups.push(vec![e]),
        }
    }
    groups
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
        // With node CPU the node's own pods go and `count` is not used.
        FaultKind::NodeFailure { zone: z, count, .. } if scenario.network.node_cores.is_none() => {
            format!("node lost in zone {} ({count} pods)", zone(*z))
        }
        FaultKind::NodeFailure { zone: z, .. } => format!("node lost in zone {}", zone(*z)),
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

    /// The timeline's events become markers: one per kind and target within a window, with
    /// the first replication's counts in the label; fault starts and ends come from the
    /// scenario.
    #[test]
    fn timeline_events_become_labelled_markers() {
        let (mut scenario, runs) = fake::runs(2);
        scenario.faults.push(Fault {
            at: SimDuration::from_secs(60),
            duration: Some(SimDuration::from_secs(120)),
            kind: FaultKind::ZoneOutage {
                zone: 0,
                mode: FailureMode::BlackHole,
            },
        });
        let mut summary = Summary::from_runs(&scenario, &runs);
        let e = |secs: f64, kind| TimedEvent { secs, kind };
        let hpa = |from, to| EventKind::HpaScale {
            service: 0,
            from,
            to,
        };
        summary.timeline = vec![
            e(100.0, hpa(2, 4)),
            e(101.0, EventKind::NodeEviction { zone: 0 }),
            e(102.0, EventKind::NodeEviction { zone: 0 }),
            e(105.0, hpa(4, 6)),
            e(400.0, hpa(6, 5)),
            e(420.0, EventKind::GatewayScale { from: 3, to: 5 }),
        ];
        let d = ChartData::new(&scenario, &summary);
        let got: Vec<(f64, MarkerKind, &str)> = d
            .markers
            .iter()
            .map(|m| (m.at * 60.0, m.kind, m.label.as_str()))
            .collect();
        let zone = format!("evicted (zone {}, 2 nodes)", scenario.network.zones[0]);
        let service = &scenario.services[0].name;
        let (up, down) = (format!("{service} 2→6"), format!("{service} 6→5"));
        let want = vec![
            (60.0, MarkerKind::FaultStart, "fault"),
            (100.0, MarkerKind::HpaScale, up.as_str()),
            (101.0, MarkerKind::Eviction, zone.as_str()),
            (180.0, MarkerKind::FaultEnd, "fault ends"),
            (400.0, MarkerKind::HpaScale, down.as_str()),
            (420.0, MarkerKind::GatewayScale, "ingress 3→5"),
        ];
        assert_eq!(got.len(), want.len(), "{got:?}");
        for (g, w) in got.iter().zip(&want) {
            assert!(
                (g.0 - w.0).abs() < 1e-9 && g.1 == w.1 && g.2 == w.2,
                "{g:?} vs {w:?}"
            );
        }
    }

    #[test]
    fn short_runs_count_seconds() {
        assert_eq!(TimeAxis::for_duration(60.0).unit, "s");
        assert_eq!(TimeAxis::for_duration(60.0).label(), "time since start (s)");
        assert_eq!(TimeAxis::for_duration(180.0).of(90.0), 1.5);
    }
}
