//! Findings: what bound the system, per phase, with the evidence — read from the counters of
//! [`crate::model::attribution`] summed over the replications, the merged time series and
//! the tier summaries.
//!
//! - **Failure origins**: failed requests counted where they failed (a lost NAT Gateway, a
//!   full queue, a dead pod still in a pool, SNAT exhaustion at a destination, a call's
//!   timeout), the largest first.
//! - **Saturation**: a tier whose slots were at least [`SATURATED`] busy in a zone over
//!   consecutive windows, with the share of its busy slot-time spent on its own work and on
//!   each call (and the egress device the call went through).
//! - **Limits approached**: SNAT ports above 80% of the limit, an HPA at its maximum, pods
//!   pending, a queue full, an ingress wanting more than its maximum, Azure Firewall above its
//!   throughput — with the time first reached and the figure.
//! - **Steady state**: whether the windows before the first fault met the SLO (computed here
//!   from the time series; the per-phase verdicts elsewhere may replace it).
//!
//! Each finding may carry a suggestion, phrased as something to test with `trafsim compare`,
//! never as a claim. Times are seconds since the start of a replication; counts are summed
//! over the replications.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::RunResult;
use crate::model::attribution::Attribution;
use crate::runner::tiers::TierSummary;
use crate::scenario::{CallTarget, EgressKind, FaultKind, Scenario};
use crate::stats::TimeSeries;

mod limits;
mod origins;
mod saturation;

/// Busy share of a zone's slots at or above which a tier counts as saturated in a window.
pub const SATURATED: f64 = 0.9;

/// Share of the SNAT port limit that counts as approaching it.
pub const SNAT_HIGH: f64 = 0.8;

/// One finding.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// What kind: `egress-device-lost`, `saturation`, `snat-exhaustion`, `failure-origin`,
    /// `snat-high`, `hpa-at-max`, `pods-pending`, `queue-full`, `ingress-at-max`,
    /// `firewall-over-throughput`, `steady-state-slo`.
    pub kind: String,
    /// The component it names: a service, `ingress`, a destination, an egress device.
    pub component: String,
    /// The phase it starts in: `steady state` (no faults), `before the first fault`,
    /// `during fault N (kind)`, `after the faults`.
    pub phase: String,
    /// Start of the span, seconds since the start of a replication.
    pub from_secs: Option<f64>,
    /// End of the span.
    pub to_secs: Option<f64>,
    /// The figures behind the sentence (names in snake case; shares in [0, 1]).
    pub figures: BTreeMap<String, f64>,
    /// The finding in one sentence.
    pub sentence: String,
    /// What to test with `trafsim compare`, where the model knows the lever.
    pub suggestion: Option<String>,
}

/// One limit over the replications.
#[derive(Clone, Copy, Debug, Default)]
struct LimitAcc {
    reached: u64,
    first_secs: Option<f64>,
    figure: f64,
}

/// Sums the findings' counters over replications pushed in index order.
#[derive(Debug, Default)]
pub struct FindingsAccumulator {
    sum: Option<Attribution>,
    limits: Vec<LimitAcc>,
    replications: u64,
}

impl FindingsAccumulator {
    /// Adds the next replication.
    pub fn push(&mut self, r: &RunResult) {
        self.replications += 1;
        let a = &r.attribution;
        match &mut self.sum {
            None => self.sum = Some(a.clone()),
            Some(s) => s.merge(a),
        }
        self.limits
            .resize(a.limits.len().max(self.limits.len()), LimitAcc::default());
        for (acc, m) in self.limits.iter_mut().zip(&a.limits) {
            if let Some(t) = m.first_secs {
                acc.reached += 1;
                acc.first_secs = Some(acc.first_secs.map_or(t, |f: f64| f.min(t)));
                acc.figure = acc.figure.max(m.figure);
            }
        }
    }

    /// The findings of the replications pushed.
    pub fn finish(
        self,
        s: &Scenario,
        series: &TimeSeries,
        tiers: &[TierSummary],
        phases: &[crate::runner::phases::Phase],
    ) -> Vec<Finding> {
        let Some(a) = self.sum.as_ref().filter(|a| a.windows() > 0) else {
            return Vec::new();
        };
        let cx = Context {
            s,
            a,
            series,
            tiers,
            reps: self.replications,
            warm: s.simulation.warmup.as_secs_f64(),
        };
        let mut out = Vec::new();
        cx.origins(&mut out);
        cx.saturation(&mut out);
        cx.snat_high(&mut out);
        cx.limits(&self.limits, &mut out);
        // Stable: within a kind, the order of generation (largest origin first, tiers in
        // order), the longest saturated span first.
        out.sort_by_key(|f| {
            let span = f.to_secs.unwrap_or(0.0) - f.from_secs.unwrap_or(0.0);
            let longest = if f.kind == "saturation" {
                -(span * 1e3) as i64
            } else {
                0
            };
            (rank(&f.kind, &f.component), longest)
        });
        if let Some(f) = cx.steady_state(phases) {
            out.push(f);
        }
        out
    }
}

/// Order of the kinds in the list (the terminal prints the first few): a lost device or
/// exhausted ports, a saturated service, the largest failure origins, a saturated ingress,
/// then the limits.
fn rank(kind: &str, component: &str) -> u8 {
    match kind {
        "egress-device-lost" | "snat-exhaustion" => 0,
        "saturation" if component != "ingress" => 1,
        "failure-origin" => 2,
        "saturation" => 3,
        "snat-high" | "firewall-over-throughput" => 4,
        "hpa-at-max" | "ingress-at-max" | "pods-pending" => 5,
        "queue-full" => 6,
        _ => 7,
    }
}

struct Context<'a> {
    s: &'a Scenario,
    a: &'a Attribution,
    series: &'a TimeSeries,
    tiers: &'a [TierSummary],
    reps: u64,
    warm: f64,
}

/// `1,234`.
fn grouped(n: u64) -> String {
    crate::scenario::limits::grouped(n as usize)
}

fn pct(x: f64) -> String {
    if x >= 0.995 || x == 0.0 {
        format!("{:.0}%", x * 100.0)
    } else if x < 0.001 {
        format!("{:.2}%", x * 100.0)
    } else {
        format!("{:.1}%", x * 100.0)
    }
}

fn secs(t: f64) -> String {
    format!("{t:.0} s")
}

/// "1", "1 and 3", "1, 2 and 3".
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

impl Context<'_> {
    fn window_start(&self, w: usize) -> f64 {
        w as f64 * self.a.width().as_secs_f64()
    }

    fn window_end(&self, w: usize) -> f64 {
        ((w + 1) as f64 * self.a.width().as_secs_f64())
            .min(self.s.simulation.duration.as_secs_f64())
    }

    /// First window after the warm-up.
    fn first_window(&self) -> usize {
        let width = self.a.width().as_secs_f64();
        ((self.warm / width).ceil() as usize).min(self.a.windows())
    }

    /// The phase that time `t` falls in.
    fn phase(&self, t: f64) -> String {
        let faults = &self.s.faults;
        if faults.is_empty() {
            return "steady state".into();
        }
        let first = faults
            .iter()
            .map(|f| f.at.as_secs_f64())
            .fold(f64::INFINITY, f64::min);
        if t < first {
            return "before the first fault".into();
        }
        for (i, f) in faults.iter().enumerate() {
            let start = f.at.as_secs_f64();
            let end = f
                .duration
                .map_or(f64::INFINITY, |d| start + d.as_secs_f64());
            if t >= start && t < end {
                return format!("during fault {} ({})", i + 1, fault_name(&f.kind));
            }
        }
        "after the faults".into()
    }

    fn zone(&self, z: usize) -> String {
        self.s
            .network
            .zones
            .get(z)
            .cloned()
            .unwrap_or_else(|| (z + 1).to_string())
    }

    fn target(&self, t: CallTarget) -> String {
        match t {
            CallTarget::Service(i) => self.s.services[i].name.clone(),
            CallTarget::Destination(d) => self.s.egress.destinations[d].name.clone(),
        }
    }

    /// The egress device a call from a pod in `zone` leaves through, if any.
    fn device(&self, zone: usize) -> Option<String> {
        match &self.s.egress.kind {
            EgressKind::NatGateway { zones, .. } if !zones.is_empty() => {
                let z = if zones.contains(&zone) {
                    zone
                } else {
                    zones[0]
                };
                Some(format!("the NAT Gateway in zone {}", self.zone(z)))
            }
            EgressKind::NatGateway { .. } => Some("the NAT Gateway".into()),
            EgressKind::Firewall { .. } => Some("Azure Firewall".into()),
            EgressKind::LoadBalancer { .. } => Some("the load balancer's outbound rules".into()),
            EgressKind::PrivateEndpoint => Some("a private endpoint".into()),
            EgressKind::Direct => None,
        }
    }
}

/// A fault kind's name as in the scenario file.
fn fault_name(k: &FaultKind) -> &'static str {
    match k {
        FaultKind::ZoneOutage { .. } => "zone-outage",
        FaultKind::PodCrash { .. } => "pod-crash",
        FaultKind::DependencyDegradation { .. } => "dependency-degradation",
        FaultKind::GrayFailure { .. } => "gray-failure",
        FaultKind::PodHang { .. } => "pod-hang",
        FaultKind::NodeFailure { .. } => "node-failure",
        FaultKind::IngressInstanceLoss { .. } => "ingress-instance-loss",
        FaultKind::ZoneLatency { .. } => "zone-latency",
    }
}
