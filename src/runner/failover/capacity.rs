//! The N+1 arithmetic: during a fault, is the capacity that is left enough for the load?
//!
//! For each tier with worker slots (the ingress instances, each service's pods), on paper, in
//! the steady state after detection and without retries:
//!
//! ```text
//! required busy slots  = offered load (requests/s) × mean slot time per request (s)
//! slots left           = slots of the tier's instances/pods that still run during the fault
//! utilisation          = required / slots left
//! verdict              = "enough" if utilisation < SATURATION (95%), else "not-enough"
//! ```
//!
//! - Offered load: the clients' mean rate over the fault (the arrival profile's mean), split by
//!   route share, and passed down the call graph (a call with probability p sends p of the
//!   caller's requests).
//! - Mean slot time: a pod holds its slot for its own work *and* while its calls are out (as
//!   the model does). Own work is the service-time mean (× a degradation's multiplier); a call
//!   to a service costs two network hops (kube-proxy ignores zones: 1/3 in-zone, 2/3
//!   cross-zone with three zones) plus the callee's slot time; a call to a destination costs
//!   its mean latency (× a degradation's multiplier, + the firewall's), or the call's timeout
//!   for pods whose zonal NAT Gateway was lost; every call is capped at its timeout. Queueing
//!   is left out (it is what the simulation adds).
//! - Ingress slot time: processing + new-TLS share × handshake.
//! - Slots left: a zone outage removes the zone's pods and instances; a pod crash removes
//!   `count` pods of the service (they come back after start-up, so this is the worst moment);
//!   a node failure removes from each service, on its own, the most of its pods the fault can
//!   take: min(`count`, its pods in the zone) without `[network] node_cores` (the model draws
//!   `count` pods of the zone over all services, and the draw may take them all from one), and
//!   with it the most of its pods bound to any one node of the zone at the start (the model
//!   loses one node and its pods, `count` not used; `model::most_pods_on_one_node`). Each
//!   tier's figure is its own worst case: the tiers' worst cases need not happen together, so
//!   the slots left summed over tiers can be fewer than the fault leaves. The CPU arithmetic
//!   reads the same pods left. An ingress-instance loss removes `count` instances; a
//!   degradation removes nothing but lengthens slot times; a gray failure lengthens the
//!   service's mean own work by the slow pods' share × (multiplier − 1); a zone-latency fault
//!   multiplies the cross-zone hops.
//!
//! A CPU-bound service (`cpu`) is also checked in cores, its binding capacity (see
//! `capacity_cpu`): its utilisation and verdict are the worse of slots and cores.
//!
//! Beside the arithmetic, [`CapacityCheck::measured_busy_slots_before`] gives what the
//! simulation measured before the fault (all services' pods: the per-zone utilisation gauges ×
//! the zone's slots), against [`CapacityCheck::expected_busy_slots_before`], the same
//! arithmetic for the pods without the fault: if they disagree, the arithmetic misses something.
//! With a CPU-bound service (`cpu`) the measurement is not given: slots are not its capacity.

use serde::Serialize;

use crate::engine::SimTime;
use crate::model::result::gauge;
use crate::runner::failover::RunTrace;
use crate::scenario::{CallTarget, EgressKind, Fault, FaultKind, Scenario};
use crate::stats::Estimate;

use super::SATURATION;

/// Whether the capacity left is enough.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CapacityVerdict {
    /// Required busy slots below [`SATURATION`] of the slots left.
    Enough,
    /// Required busy slots at or above it.
    NotEnough,
}

impl CapacityVerdict {
    /// The word printed and written to `summary.json`.
    pub fn as_str(self) -> &'static str {
        match self {
            CapacityVerdict::Enough => "enough",
            CapacityVerdict::NotEnough => "not-enough",
        }
    }

    fn of(required: f64, slots: f64) -> CapacityVerdict {
        if required < SATURATION * slots {
            CapacityVerdict::Enough
        } else {
            CapacityVerdict::NotEnough
        }
    }
}

/// The arithmetic for one tier.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TierCapacity {
    /// "ingress" or a service name.
    pub tier: String,
    /// Requests per second the tier receives during the fault.
    pub offered_rps: f64,
    /// Mean time a request holds a slot during the fault, seconds.
    pub slot_secs: f64,
    /// offered_rps × slot_secs.
    pub required_slots: f64,
    /// Slots before the fault.
    pub slots_before: u32,
    /// Slots left during the fault (for a node failure, the tier's own worst case).
    pub slots_during: u32,
    /// required_slots / slots_during (infinite, written as null, when none are left); for a
    /// CPU-bound service the larger of that and `cpu.utilisation_during`.
    pub utilisation_during: Option<f64>,
    /// Enough or not (for a CPU-bound service: in slots and in cores).
    pub verdict: CapacityVerdict,
    /// The CPU arithmetic of a service with `cpu`; absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu: Option<super::capacity_cpu::CpuCapacity>,
}

/// The N+1 arithmetic for one fault.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CapacityCheck {
    /// Per tier: the ingress (if it has instances), then each service.
    pub tiers: Vec<TierCapacity>,
    /// "not-enough" if any tier is, else "enough".
    pub verdict: CapacityVerdict,
    /// The arithmetic's busy slots of all pods before the fault.
    pub expected_busy_slots_before: f64,
    /// Busy pod slots measured before the fault (mean of the pre-fault windows after the
    /// warm-up), per replication; `None` without such windows.
    pub measured_busy_slots_before: Option<Estimate>,
}

/// What a fault changes: pods lost per service, instances lost, slower services and
/// destinations, zones whose egress is gone.
struct Effects {
    pods_lost: Vec<u32>,
    instances_lost: u32,
    service_factor: Vec<f64>,
    dest_factor: Vec<f64>,
    cross_factor: f64,
    lost_zone: Option<usize>,
}

impl Effects {
    fn none(s: &Scenario) -> Effects {
        Effects {
            pods_lost: vec![0; s.services.len()],
            instances_lost: 0,
            service_factor: vec![1.0; s.services.len()],
            dest_factor: vec![1.0; s.egress.destinations.len()],
            cross_factor: 1.0,
            lost_zone: None,
        }
    }

    fn of(s: &Scenario, fault: &Fault) -> Effects {
        let mut e = Effects::none(s);
        match fault.kind {
            FaultKind::ZoneOutage { zone, .. } => {
                e.lost_zone = Some(zone);
                for (i, svc) in s.services.iter().enumerate() {
                    e.pods_lost[i] = svc.pods.get(zone).copied().unwrap_or(0);
                }
                // Application Gateway for Containers' data plane is zone-redundant: it loses
                // no instance with a zone.
                e.instances_lost = if s.ingress.zone_redundant() {
                    0
                } else {
                    s.ingress.instances.get(zone).copied().unwrap_or(0)
                };
            }
            FaultKind::PodCrash { service, count } | FaultKind::PodHang { service, count } => {
                e.pods_lost[service] = count
            }
            FaultKind::DependencyDegradation {
                target,
                latency_multiplier,
                ..
            } => match target {
                CallTarget::Service(i) => e.service_factor[i] = latency_multiplier,
                CallTarget::Destination(i) => e.dest_factor[i] = latency_multiplier,
            },
            FaultKind::NodeFailure { zone, count, .. } => {
                // Each tier's worst case (they need not happen together). With node CPU the
                // model takes one node of the zone and its pods (`count` is not used): the most
                // of the service's pods on one node at the start. Without, it takes `count` pods
                // of the zone drawn over all services, which may all be this service's.
                let worst = crate::model::most_pods_on_one_node(s, zone);
                for (i, svc) in s.services.iter().enumerate() {
                    let here = svc.pods.get(zone).copied().unwrap_or(0);
                    e.pods_lost[i] = worst.as_ref().map_or(count.min(here), |w| w[i]);
                }
            }
            FaultKind::IngressInstanceLoss { count, .. } => e.instances_lost = count,
            FaultKind::GrayFailure {
                service,
                count,
                latency_multiplier,
                ..
            } => {
                // Requests spread evenly: `count` of the pods work `latency_multiplier` slower.
                let pods = s.services[service].pods.iter().sum::<u32>().max(1);
                let slow = f64::from(count.min(pods)) / f64::from(pods);
                e.service_factor[service] = 1.0 + slow * (latency_multiplier - 1.0);
            }
            FaultKind::ZoneLatency { latency_multiplier } => e.cross_factor = latency_multiplier,
        }
        e
    }
}

/// The arithmetic of one scenario under some effects.
struct Paper<'a> {
    s: &'a Scenario,
    e: Effects,
}

impl Paper<'_> {
    /// Mean one-way hop between a pod and a random pod of another service, seconds.
    fn hop(&self) -> f64 {
        let n = self.s.network.zones.len().max(1) as f64;
        let net = &self.s.network;
        (net.in_zone.mean_secs() + (n - 1.0) * net.cross_zone.mean_secs() * self.e.cross_factor) / n
    }

    /// Share of service `i`'s surviving pods whose zonal NAT Gateway was lost.
    fn nat_lost_share(&self, i: usize) -> f64 {
        let (Some(lost), EgressKind::NatGateway { zones, .. }) =
            (self.e.lost_zone, &self.s.egress.kind)
        else {
            return 0.0;
        };
        if zones.is_empty() {
            return 0.0;
        }
        let pods = &self.s.services[i].pods;
        let (mut cut, mut all) = (0u32, 0u32);
        for (z, &n) in pods.iter().enumerate().filter(|(z, _)| *z != lost) {
            let gw = if zones.contains(&z) { z } else { zones[0] };
            all += n;
            cut += if gw == lost { n } else { 0 };
        }
        if all == 0 {
            0.0
        } else {
            f64::from(cut) / f64::from(all)
        }
    }

    /// Mean slot time of service `i`, seconds (`depth` guards against call cycles).
    fn slot_secs(&self, i: usize, depth: usize) -> f64 {
        let svc = &self.s.services[i];
        let mut t = svc.service_time.mean_secs() * self.e.service_factor[i];
        if depth > self.s.services.len() {
            return t;
        }
        for call in &svc.calls {
            let timeout = call.timeout.unwrap_or(self.s.clients.timeout).as_secs_f64();
            let time = match call.target {
                CallTarget::Service(j) => 2.0 * self.hop() + self.slot_secs(j, depth + 1),
                CallTarget::Destination(d) => {
                    let dest = &self.s.egress.destinations[d];
                    let mut lat = dest.latency.mean_secs() * self.e.dest_factor[d];
                    if let EgressKind::Firewall { latency, .. } = &self.s.egress.kind {
                        lat += latency.mean_secs();
                    }
                    let lost = self.nat_lost_share(i);
                    lost * timeout + (1.0 - lost) * lat
                }
            };
            t += call.probability * time.min(timeout);
        }
        t
    }

    /// Requests per second each service receives at client rate `rate`.
    fn service_rates(&self, rate: f64) -> Vec<f64> {
        let n = self.s.services.len();
        let mut direct = vec![0.0; n];
        for r in &self.s.clients.routes {
            direct[r.service] += rate * r.share;
        }
        let mut lam = direct.clone();
        // Relaxation along the call graph: exact after n passes for an acyclic graph.
        for _ in 0..n {
            let mut next = direct.clone();
            for (c, svc) in self.s.services.iter().enumerate() {
                for call in &svc.calls {
                    if let CallTarget::Service(t) = call.target {
                        next[t] += lam[c] * call.probability;
                    }
                }
            }
            lam = next;
        }
        lam
    }

    fn tiers(&self, rate: f64) -> Vec<TierCapacity> {
        let mut out = Vec::new();
        let ing = &self.s.ingress;
        let instances: u32 = ing.instances.iter().sum();
        if instances > 0 {
            let slot = ing.processing.mean_secs()
                + self.s.clients.new_tls_share * ing.tls_handshake.mean_secs();
            let before = instances * ing.concurrency;
            let during = (instances - self.e.instances_lost.min(instances)) * ing.concurrency;
            out.push(tier("ingress", rate, slot, before, during));
        }
        for (i, (svc, lam)) in self
            .s
            .services
            .iter()
            .zip(self.service_rates(rate))
            .enumerate()
        {
            let pods: u32 = svc.pods.iter().sum();
            let left = pods - self.e.pods_lost[i].min(pods);
            let before = pods * svc.concurrency;
            let during = left * svc.concurrency;
            let mut t = tier(&svc.name, lam, self.slot_secs(i, 0), before, during);
            let factor = self.e.service_factor[i];
            t.cpu = super::capacity_cpu::of(self.s, i, lam, factor, (pods, left));
            if let Some(cpu) = &t.cpu {
                t.utilisation_during = t
                    .utilisation_during
                    .zip(cpu.utilisation_during)
                    .map(|(a, b)| a.max(b));
                if !cpu.enough() {
                    t.verdict = CapacityVerdict::NotEnough;
                }
            }
            out.push(t);
        }
        out
    }
}

fn tier(name: &str, rate: f64, slot: f64, before: u32, during: u32) -> TierCapacity {
    let required = rate * slot;
    TierCapacity {
        tier: name.to_string(),
        offered_rps: rate,
        slot_secs: slot,
        required_slots: required,
        slots_before: before,
        slots_during: during,
        utilisation_during: (during > 0).then(|| required / f64::from(during)),
        verdict: CapacityVerdict::of(required, f64::from(during)),
        cpu: None,
    }
}

/// Mean busy pod slots of one run over the windows wholly inside `[from, to)`.
fn measured_busy(s: &Scenario, run: &RunTrace, from: f64, to: f64) -> Option<f64> {
    let zones = s.network.zones.len().min(gauge::MAX_ZONES);
    let slots: Vec<f64> = (0..zones)
        .map(|z| {
            s.services
                .iter()
                .map(|svc| f64::from(svc.pods.get(z).copied().unwrap_or(0) * svc.concurrency))
                .sum()
        })
        .collect();
    let busy: Vec<f64> = (0..run.series.windows().len())
        .filter(|&i| {
            let w = &run.series.windows()[i];
            w.start.as_secs_f64() >= from && w.end.as_secs_f64() <= to
        })
        .map(|i| {
            (0..zones)
                .map(|z| {
                    run.series
                        .gauge(i, gauge::UTILISATION + z)
                        .mean_last()
                        .unwrap_or(0.0)
                        * slots[z]
                })
                .sum()
        })
        .collect();
    (!busy.is_empty()).then(|| busy.iter().sum::<f64>() / busy.len() as f64)
}

impl CapacityCheck {
    /// The arithmetic for `fault`, with the measurement over
    /// the pre-fault windows `[warmup, first_fault)` of `runs`.
    pub(super) fn of(
        s: &Scenario,
        fault: &Fault,
        runs: &[RunTrace],
        first_fault: f64,
    ) -> CapacityCheck {
        let at = SimTime::ZERO + fault.at;
        let end = fault
            .duration
            .map_or(SimTime::ZERO + s.simulation.duration, |d| at + d);
        let rate = s.clients.arrivals.mean_rate(at, end.max(SimTime(at.0 + 1)));
        let tiers = Paper {
            s,
            e: Effects::of(s, fault),
        }
        .tiers(rate);
        let warm = SimTime::ZERO + s.simulation.warmup;
        let first = SimTime::ZERO + crate::engine::SimDuration::from_secs_f64(first_fault);
        let rate_before = s
            .clients
            .arrivals
            .mean_rate(warm, first.max(SimTime(warm.0 + 1)));
        let normal = Paper {
            s,
            e: Effects::none(s),
        };
        let expected: f64 = (normal.service_rates(rate_before).iter().enumerate())
            .map(|(i, lam)| lam * normal.slot_secs(i, 0))
            .sum();
        let warmup = s.simulation.warmup.as_secs_f64();
        // A CPU-bound service's slots are not its capacity: its requests share its cores, so a
        // slot is held longer than its work on paper, and its per-zone utilisation reads cores,
        // not slots. Busy slots measured then cannot be set against the paper's: none is given
        // (its N+1 check reads cores, see `capacity_cpu`).
        let cpu_bound = s.services.iter().any(|svc| svc.cpu.is_some());
        let measured: Vec<f64> = runs
            .iter()
            .filter(|_| !cpu_bound)
            .filter_map(|r| measured_busy(s, r, warmup, first_fault))
            .collect();
        let verdict = if tiers
            .iter()
            .any(|t| t.verdict == CapacityVerdict::NotEnough)
        {
            CapacityVerdict::NotEnough
        } else {
            CapacityVerdict::Enough
        };
        CapacityCheck {
            tiers,
            verdict,
            expected_busy_slots_before: expected,
            measured_busy_slots_before: (!measured.is_empty())
                .then(|| Estimate::from_samples(&measured)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// web (10 ms) calls orders (20 ms) half the time and `api` (100 ms, through a NAT Gateway
    /// in zone 2) a fifth of the time; zone 2 is lost.
    fn scenario() -> Scenario {
        parse(SCENARIO)
    }

    fn parse(text: &str) -> Scenario {
        crate::scenario::parse(text, "capacity.toml").unwrap_or_else(|e| panic!("{e}"))
    }

    /// The text of [`scenario`].
    const SCENARIO: &str = r#"
[simulation]
duration = "2m"
warmup = "10s"
[clients]
rate = 100
[network]
zones = ["1", "2", "3"]
in_zone = "0s"
cross_zone = "0s"
[ingress]
kind = "nginx"
instances = { "1" = 1, "2" = 1, "3" = 1 }
concurrency = 2
processing = "1ms"
tls_handshake = "0s"
[[services]]
name = "web"
pods = { "1" = 2, "2" = 2, "3" = 2 }
concurrency = 10
service_time = "10ms"
calls = [
  { service = "orders", probability = 0.5, timeout = "1s" },
  { destination = "api", probability = 0.2, timeout = "2s" },
]
[[services]]
name = "orders"
pods = { "1" = 1, "2" = 1, "3" = 1 }
concurrency = 4
service_time = "20ms"
[egress]
kind = "nat-gateway"
zone = "2"
[[egress.destinations]]
name = "api"
latency = "100ms"
[[faults]]
kind = "zone-outage"
zone = "2"
at = "1m"
"#;

    /// [`SCENARIO`] with its zone outage replaced by a `node-failure` in zone 2 (`fault` adds
    /// its other keys) and each `(from, to)` of `edits` applied.
    fn node_failure(fault: &str, edits: &[(&str, &str)]) -> Scenario {
        let outage = "kind = \"zone-outage\"\nzone = \"2\"\n";
        let mut text = SCENARIO.replace(
            outage,
            &format!("kind = \"node-failure\"\nzone = \"2\"\n{fault}"),
        );
        for (from, to) in edits {
            assert!(text.contains(from), "{from}");
            text = text.replace(from, to);
        }
        parse(&text)
    }

    /// `count` 2 in zone 2, without node CPU: the model draws 2 running pods of the zone over
    /// all services, so either tier may lose up to 2 of its pods there — web its 2 and orders
    /// its 1. Both tiers' slots drop: web 60 → 40, orders 12 → 8. orders (made 200 ms, so 50/s
    /// need 10 slots) is then not enough (10 ≥ 95% of 8). Fails on the old rule, which charged
    /// all `count` pods to the first service with pods in the zone (web) and left orders its
    /// 12 slots, "enough" (10 < 95% of 12).
    #[test]
    fn a_node_failure_charges_every_tier_its_worst_case() {
        let s = node_failure(
            "count = 2\n",
            &[(r#"service_time = "20ms""#, r#"service_time = "200ms""#)],
        );
        assert_eq!(crate::model::most_pods_on_one_node(&s, 1), None);
        let c = CapacityCheck::of(&s, &s.faults[0], &[], 60.0);
        let [ingress, web, orders] = &c.tiers[..] else {
            panic!("{c:?}")
        };
        assert_eq!((ingress.slots_before, ingress.slots_during), (6, 6));
        assert_eq!((web.slots_before, web.slots_during), (60, 40));
        assert_eq!(web.verdict, CapacityVerdict::Enough);
        assert_eq!((orders.slots_before, orders.slots_during), (12, 8));
        assert!((orders.required_slots - 10.0).abs() < 1e-9, "{orders:?}");
        assert_eq!(orders.verdict, CapacityVerdict::NotEnough);
        assert_eq!(c.verdict, CapacityVerdict::NotEnough);
    }

    /// With node CPU (`node_cores`, 3 nodes per zone) the model loses one node of zone 2 and the
    /// pods bound to it at the start, in turn over the zone's pods in topology order (services
    /// in file order): web's 5 pods are zone-2 pods k = 0..4 on nodes 0 1 2 0 1, orders' 3 are
    /// k = 5..7 on nodes 2 0 1. Node 0 holds web 2 + orders 1, node 1 the same, node 2 web 1 +
    /// orders 1: the worst node takes 2 of web's pods and 1 of orders', whatever `count` (1
    /// here, not used by the model). web: 9 pods → 7 (90 → 70 slots); orders: 5 → 4 (20 → 16).
    /// Fails on the old rule: web lost min(count, 5) = 1 (80 slots) and orders none (20).
    #[test]
    fn with_node_cpu_a_node_failure_charges_each_tier_its_worst_node() {
        let s = node_failure(
            "count = 1\n",
            &[
                (
                    "cross_zone = \"0s\"\n",
                    "cross_zone = \"0s\"\nnodes_per_zone = 3\nnode_cores = 4\n",
                ),
                (
                    r#"pods = { "1" = 2, "2" = 2, "3" = 2 }"#,
                    r#"pods = { "1" = 2, "2" = 5, "3" = 2 }"#,
                ),
                (
                    r#"pods = { "1" = 1, "2" = 1, "3" = 1 }"#,
                    r#"pods = { "1" = 1, "2" = 3, "3" = 1 }"#,
                ),
            ],
        );
        assert_eq!(crate::model::most_pods_on_one_node(&s, 1), Some(vec![2, 1]));
        let c = CapacityCheck::of(&s, &s.faults[0], &[], 60.0);
        let [_, web, orders] = &c.tiers[..] else {
            panic!("{c:?}")
        };
        assert_eq!((web.slots_before, web.slots_during), (90, 70));
        assert_eq!((orders.slots_before, orders.slots_during), (20, 16));
    }

    #[test]
    fn arithmetic_follows_calls_and_lost_nat_gateways() {
        let s = scenario();
        let c = CapacityCheck::of(&s, &s.faults[0], &[], 60.0);
        let [ingress, web, orders] = &c.tiers[..] else {
            panic!("{c:?}")
        };
        assert_eq!((ingress.slots_before, ingress.slots_during), (6, 4));
        assert!((ingress.required_slots - 0.1).abs() < 1e-9, "{ingress:?}");
        // The NAT Gateway went with zone 2: every api call waits its 2 s timeout.
        assert!(
            (web.slot_secs - (0.010 + 0.5 * 0.020 + 0.2 * 2.0)).abs() < 1e-9,
            "{web:?}"
        );
        assert_eq!((web.slots_before, web.slots_during), (60, 40));
        assert_eq!(web.verdict, CapacityVerdict::NotEnough);
        assert!((orders.offered_rps - 50.0).abs() < 1e-9);
        assert!((orders.required_slots - 1.0).abs() < 1e-9);
        assert_eq!(orders.verdict, CapacityVerdict::Enough);
        assert_eq!(c.verdict, CapacityVerdict::NotEnough);
        // Before the fault: web 100 × 40 ms + orders 50 × 20 ms.
        assert!((c.expected_busy_slots_before - 5.0).abs() < 1e-9);
        assert_eq!(c.measured_busy_slots_before, None);
    }

    /// Application Gateway for Containers keeps every instance through a zone loss (its data
    /// plane is zone-redundant), so the N+1 check keeps its slots; before, it took away the
    /// lost zone's share as for in-cluster replicas.
    #[test]
    fn a_zone_redundant_ingress_keeps_its_slots() {
        let mut s = scenario();
        s.ingress.kind = crate::scenario::IngressKind::AppGateway(crate::scenario::AppGateway {
            waf: false,
            probe: crate::scenario::ProbeOverride::default(),
            agic_update_lag: crate::engine::SimDuration::ZERO,
            connection_draining: None,
            autoscale: None,
            for_containers: Some(crate::scenario::ForContainers {
                health_check: None,
                healthy_threshold: 1,
                frontends: 1,
                waf_rulesets: None,
            }),
        });
        let c = CapacityCheck::of(&s, &s.faults[0], &[], 60.0);
        assert_eq!((c.tiers[0].slots_before, c.tiers[0].slots_during), (6, 6));
    }
}
