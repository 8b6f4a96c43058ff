//! The HPA on NGINX / Istio gateway replicas (`[ingress.hpa]`), with the services' algorithm
//! ([`super::hpa`]) on the replicas' worker-slot utilisation.
//!
//! Replicas are pods: those on the nodes of a lost zone are evicted by the node lifecycle
//! controller ([`super::node_lifecycle`]), and replaced in the zones that are up.
//!
//! A new replica goes to the zone with the fewest replicas (zones in an outage excluded),
//! starts for the ingress start-up time, then the Azure Load Balancer in front sends to it once
//! its health probe passes. A removed replica drains: the load balancer stops sending after its
//! probe notices, and the pod serves what it has until the termination grace period ends.
//! Replica counts over time (after the warm-up) feed the run's min / max / time-averaged
//! replicas, which also count App Gateway autoscaling.

use super::detection::{TERMINATION_GRACE, instance_removal_delay};
use super::sim::{Ev, Sim};
use super::topology::{Instance, Life, bucket_size};
use crate::scenario::spread::{Placement, place};

impl Sim<'_> {
    /// Starts the gateway HPA loop, if configured.
    pub(super) fn start_gateway_hpa(&mut self) {
        if let Some(h) = &self.s.ingress.hpa {
            self.cal.schedule_in(h.sync_period, Ev::GatewayHpaTick);
        }
    }

    /// Ingress replicas now: instances not deleted (running, starting, draining or lost).
    pub(super) fn ingress_replicas(&self) -> u32 {
        self.topo.instances.iter().filter(|i| !i.retired).count() as u32
    }

    /// Records the replica count after a change.
    pub(super) fn note_ingress_replicas(&mut self) {
        let now = self.cal.now();
        let n = self.ingress_replicas();
        self.replica_level.set(now, u64::from(n));
        let n = f64::from(n);
        if now >= self.warm {
            self.replica_min = self.replica_min.min(n);
        }
    }

    /// One gateway HPA evaluation.
    pub(super) fn gateway_hpa_tick(&mut self) {
        let now = self.cal.now();
        let Some(h) = self.s.ingress.hpa.clone() else {
            return;
        };
        self.cal.schedule_in(h.sync_period, Ev::GatewayHpaTick);
        let period = h.sync_period.as_secs_f64();
        let concurrency = f64::from(self.s.ingress.concurrency);
        self.gateway_snapshots
            .resize(self.topo.instances.len(), 0.0);
        let mut samples = Vec::with_capacity(self.topo.instances.len());
        for (k, inst) in self.topo.instances.iter().enumerate() {
            let snap = &mut self.gateway_snapshots[k];
            let (used, span) = super::hpa::read_busy(&inst.station, snap, now, period);
            if inst.retired {
                // Being deleted: ignored.
                continue;
            }
            let view = super::hpa::PodView {
                ready: inst.life == Life::Up,
                node_lost: self.node_ctl.instance_lost(k as u32),
                created: inst.created,
                ready_changed: inst.ready_changed,
            };
            samples.push(view.sample(used, concurrency * span, now, h.sync_period));
        }
        let replicas = self.ingress_replicas();
        let window = &mut self.gateway_recommendations;
        let Some(desired) = super::hpa::desired(&h, replicas, &samples, window, now) else {
            return;
        };
        if desired != replicas {
            let kind = super::timeline::EventKind::GatewayScale {
                from: replicas,
                to: desired,
            };
            self.timeline.record(now, kind);
        }
        if desired >= h.max && h.max > h.min {
            let kind = super::attribution::LimitKind::IngressAtMax;
            self.limit_reached(kind, 0, f64::from(h.max));
        }
        for _ in replicas..desired {
            self.add_replica();
        }
        for _ in desired..replicas {
            self.remove_replica();
        }
    }

    /// The toleration of gateway replica `k` on a lost node ran out: the Deployment deletes it
    /// and creates a replacement in a zone that is up, as for any pod.
    pub(super) fn evict_instance(&mut self, k: u32, epoch: u32) {
        let inst = &mut self.topo.instances[k as usize];
        if inst.epoch != epoch || inst.retired || inst.life == Life::Up {
            return;
        }
        inst.retired = true;
        self.add_replica();
    }

    /// A new replica in the zone with the fewest (zones in an outage excluded).
    fn add_replica(&mut self) {
        let zones = self.topo.zones;
        let mut count = vec![0u32; zones];
        for i in self.topo.instances.iter().filter(|i| !i.retired) {
            count[i.zone] += 1;
        }
        let up: Vec<bool> = self.zone_down.iter().map(|d| !d).collect();
        let Placement::Zone { zone, .. } = place(None, &count, &up, &vec![true; zones]) else {
            return;
        };
        let k = self.topo.instances.len() as u32;
        let mut inst = Instance::starting(zone, 0, self.s.ingress.queue_limit, bucket_size(self.s));
        inst.created = self.cal.now();
        inst.ready_changed = inst.created;
        self.topo.instances.push(inst);
        self.gateway_snapshots.push(0.0);
        self.cal.schedule_in(
            self.s.ingress.startup,
            Ev::InstanceReady { inst: k, epoch: 0 },
        );
        self.note_ingress_replicas();
    }

    /// Deletes one replica: a starting one first, else the newest in the zone with the most.
    fn remove_replica(&mut self) {
        let live: Vec<u32> = (0..self.topo.instances.len() as u32)
            .filter(|&k| !self.topo.instances[k as usize].retired)
            .collect();
        let insts = &self.topo.instances;
        let starting = live
            .iter()
            .rev()
            .find(|&&k| insts[k as usize].life == Life::Starting);
        let victim = match starting {
            Some(&k) => k,
            None => {
                let mut count = vec![0u32; self.topo.zones];
                for &k in &live {
                    count[insts[k as usize].zone] += 1;
                }
                let Some(&k) = live
                    .iter()
                    .rev()
                    .max_by_key(|&&k| count[insts[k as usize].zone])
                else {
                    return;
                };
                k
            }
        };
        let inst = &mut self.topo.instances[victim as usize];
        inst.retired = true;
        if inst.life == Life::Starting {
            // Never ready: its ready event becomes stale.
            inst.epoch = inst.epoch.wrapping_add(1);
            inst.life = Life::Down { reset: true };
        } else {
            let epoch = inst.epoch;
            // A terminating pod leaves the endpoints at once; the load balancer's probe
            // notices under `externalTrafficPolicy: Local`.
            self.cal.schedule_in(
                instance_removal_delay(self.s, false),
                Ev::DetectInstance {
                    inst: victim,
                    epoch,
                    routable: false,
                },
            );
            self.cal.schedule_in(
                TERMINATION_GRACE,
                Ev::InstanceTerminate {
                    inst: victim,
                    epoch,
                },
            );
        }
        self.note_ingress_replicas();
    }

    /// The grace period of a removed replica ends: it stops; late senders are refused.
    pub(super) fn instance_terminate(&mut self, k: u32, epoch: u32) {
        let inst = &self.topo.instances[k as usize];
        if inst.epoch == epoch && inst.life == Life::Up {
            self.kill_instance(k, true);
        }
    }
}
