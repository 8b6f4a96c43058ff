//! Azure Firewall as a queue that scales: instances, each a FIFO server with a throughput
//! limit, and the autoscaler that adds and removes them (facts §7).
//!
//! A call through the firewall goes to an instance taking traffic, chosen at random (flows
//! are spread per connection; here per call). Its service time is its size (`kib_per_call`,
//! request and response together) at the instance's throughput (`gbps_per_instance`); it
//! waits while the instance serves the calls before it. With a known service time a FIFO
//! server needs no events: the call starts at max(now, when the instance is next free) — the
//! Lindley recursion — so the wait and the service are added to the call's latency, with the
//! firewall's own added latency (≈1 ms, D).
//!
//! Autoscaling, every `autoscale_interval` (E): the throughput of the last interval against
//! the capacity of the instances taking traffic. At 60% or more (D) one instance is started,
//! and it takes traffic `scale_out_delay` later (5–7 min, D); one start at a time. Below 20%
//! (D) one instance stops taking new flows (the calls it already holds finish; Azure drains for
//! 90 s). The count stays between `instances` and `max_instances`. SNAT ports are public IPs ×
//! instances taking traffic × 2,496 (D), so the port limit moves with the count — unless a NAT
//! Gateway on the firewall subnet does the SNAT (D: 64,512 ports per IP, no double NAT).

use rand::Rng;

use crate::engine::{SimDuration, SimTime};
use crate::scenario::defaults as d;
use crate::scenario::{EgressKind, Scenario};
use crate::stats::TimeWeightedCount;

use super::sim::{Ev, Sim};

/// The firewall's state over one replication.
#[derive(Clone, Debug)]
pub struct FirewallState {
    /// When each instance slot is next free (slots `0..active` take traffic).
    busy_until: Vec<SimTime>,
    /// Instances taking traffic.
    pub active: u32,
    /// Whether a started instance is on its way.
    pending: bool,
    /// Bits that arrived since the last autoscaling evaluation.
    bits_in_interval: f64,
    /// Instances taking traffic over time (after warm-up).
    pub instances: TimeWeightedCount,
    /// Total queueing delay of counted calls, seconds.
    pub queueing_secs: f64,
    /// Counted calls.
    pub calls: u64,
    /// Bits of counted calls.
    pub bits: f64,
}

impl FirewallState {
    /// The firewall of `s`, if its egress is one.
    pub fn of(s: &Scenario) -> Option<FirewallState> {
        let EgressKind::Firewall {
            instances,
            max_instances,
            ..
        } = &s.egress.kind
        else {
            return None;
        };
        Some(FirewallState {
            busy_until: vec![SimTime::ZERO; *max_instances as usize],
            active: *instances,
            pending: false,
            bits_in_interval: 0.0,
            instances: TimeWeightedCount::new(SimTime::ZERO, u64::from(*instances)),
            queueing_secs: 0.0,
            calls: 0,
            bits: 0.0,
        })
    }
}

/// SNAT ports of the firewall with `active` instances: public IPs × instances × 2,496 (facts
/// §7); with a NAT Gateway on the firewall subnet, the gateway's ports instead (its public
/// IPs × 64,512 per destination endpoint, whatever the instances).
pub(crate) fn firewall_ports(s: &Scenario, active: u32) -> u64 {
    match &s.egress.kind {
        EgressKind::Firewall { nat: Some(nat), .. } => {
            u64::from(nat.public_ips) * u64::from(d::NAT_PORTS_PER_IP)
        }
        EgressKind::Firewall { public_ips, .. } => {
            u64::from(*public_ips) * u64::from(active) * u64::from(d::FIREWALL_PORTS_PER_IP)
        }
        _ => u64::MAX,
    }
}

impl Sim<'_> {
    /// Schedules the first autoscaling evaluation (firewall egress only).
    pub(super) fn start_firewall(&mut self) {
        if let EgressKind::Firewall {
            autoscale_interval, ..
        } = &self.s.egress.kind
        {
            self.cal.schedule_in(*autoscale_interval, Ev::FirewallTick);
        }
    }

    /// A call of `kib` KiB passes the firewall: its queueing delay plus its service time at an
    /// instance chosen at random.
    pub(super) fn firewall_pass(&mut self, kib: f64, counted: bool) -> SimDuration {
        let now = self.cal.now();
        let EgressKind::Firewall { bits_per_sec, .. } = &self.s.egress.kind else {
            return SimDuration::ZERO;
        };
        let Some(fw) = self.fw.as_mut() else {
            return SimDuration::ZERO;
        };
        let bits = kib * 8.0 * 1024.0;
        fw.bits_in_interval += bits;
        let k = if fw.active > 1 {
            self.rng.firewall.random_range(0..fw.active) as usize
        } else {
            0
        };
        let service = SimDuration::from_secs_f64(bits / bits_per_sec);
        let start = fw.busy_until[k].max(now);
        fw.busy_until[k] = start + service;
        let wait = start.since(now);
        if counted {
            fw.queueing_secs += wait.as_secs_f64();
            fw.calls += 1;
            fw.bits += bits;
        }
        wait + service
    }

    /// An autoscaling evaluation: start an instance at ≥ 60% throughput use, stop one below 20%.
    pub(super) fn firewall_tick(&mut self) {
        let now = self.cal.now();
        let EgressKind::Firewall {
            instances,
            max_instances,
            bits_per_sec,
            scale_out_delay,
            autoscale_interval,
            ..
        } = &self.s.egress.kind
        else {
            return;
        };
        let Some(fw) = self.fw.as_mut() else { return };
        let capacity = f64::from(fw.active) * bits_per_sec * autoscale_interval.as_secs_f64();
        let used = fw.bits_in_interval / capacity;
        fw.bits_in_interval = 0.0;
        if used >= 1.0 {
            let kind = super::attribution::LimitKind::FirewallOverThroughput;
            self.attr.reach(now, kind, 0, used);
        }
        let Some(fw) = self.fw.as_mut() else { return };
        if used >= d::FIREWALL_SCALE_OUT_AT {
            if !fw.pending && fw.active < *max_instances {
                fw.pending = true;
                self.cal.schedule_in(*scale_out_delay, Ev::FirewallReady);
            }
        } else if used < d::FIREWALL_SCALE_IN_BELOW && !fw.pending && fw.active > *instances {
            fw.active -= 1;
            fw.instances.set(now, u64::from(fw.active));
            self.snat.port_limit = firewall_ports(self.s, fw.active);
        }
        self.cal.schedule_in(*autoscale_interval, Ev::FirewallTick);
    }

    /// A started instance takes traffic.
    pub(super) fn firewall_ready(&mut self) {
        let now = self.cal.now();
        let Some(fw) = self.fw.as_mut() else { return };
        fw.pending = false;
        fw.active += 1;
        fw.instances.set(now, u64::from(fw.active));
        self.snat.port_limit = firewall_ports(self.s, fw.active);
    }
}
