//! Pods coming and going: the HorizontalPodAutoscaler, eviction of pods from lost nodes and
//! their replacement, and scale-down with a termination grace period.
//!
//! The HPA follows the Kubernetes algorithm ([`super::hpa`]): every sync period, the desired
//! count from the ready pods' worker-slot utilisation, with pods not yet ready or without
//! metrics set aside and re-counted conservatively (HPA docs, "Algorithm details", facts §10).
//! Pods on lost nodes are evicted by the node lifecycle controller
//! ([`super::node_lifecycle`]) at its rate limits; each evicted pod gets a replacement.
//!
//! New pods (scale-up, replacements) go where the scheduler puts them ([`super::placement`]:
//! the zone with the fewest replicas of the service among zones not in an outage, within the
//! service's topology-spread rule), and are ready after the service's start-up time.

use super::detection::DeathCause;
use super::sim::{Ev, Sim};
use super::topology::{Instance, Life, Pod, bucket_size};
use crate::engine::SimDuration;
use crate::scenario::defaults::{
    APP_GATEWAY_AUTOSCALE_PERIOD, APP_GATEWAY_AUTOSCALE_TARGET, APP_GATEWAY_INSTANCE_MBYTES_PER_S,
};
use crate::scenario::{GatewayAutoscale, IngressKind};

/// How often Application Gateway autoscaling evaluates (E, see `scenario::defaults`).
const GATEWAY_PERIOD: SimDuration = APP_GATEWAY_AUTOSCALE_PERIOD;
/// Busy share of the capacity in place that triggers a scale-out (E).
const GATEWAY_TARGET: f64 = APP_GATEWAY_AUTOSCALE_TARGET;

impl Sim<'_> {
    /// Starts the HPA loop of every service that has one.
    pub(super) fn start_autoscalers(&mut self) {
        for (i, svc) in self.s.services.iter().enumerate() {
            if let Some(h) = &svc.hpa {
                self.cal
                    .schedule_in(h.sync_period, Ev::HpaTick { service: i as u16 });
            }
        }
    }

    /// Starts Application Gateway autoscaling, if configured.
    pub(super) fn start_gateway_autoscaler(&mut self) {
        if self.gateway_autoscale().is_some() {
            self.cal.schedule_in(GATEWAY_PERIOD, Ev::GatewayTick);
        }
    }

    fn gateway_autoscale(&self) -> Option<&GatewayAutoscale> {
        match &self.s.ingress.kind {
            IngressKind::AppGateway(a) => a.autoscale.as_ref(),
            _ => None,
        }
    }

    /// One Application Gateway autoscaling evaluation: if the capacity-unit demand over the
    /// last period — the busy slots (compute units, 10 per instance) or the throughput (60 MB/s
    /// per instance), whichever needs more instances — passes the target, add instances —
    /// they take traffic only after the scale-out time (6–7 minutes). Scale-in is not
    /// modelled (a run is shorter than Azure's scale-in cool-down).
    pub(super) fn gateway_tick(&mut self) {
        let now = self.cal.now();
        self.cal.schedule_in(GATEWAY_PERIOD, Ev::GatewayTick);
        let Some(auto) = self.gateway_autoscale().cloned() else {
            return;
        };
        let period = GATEWAY_PERIOD.as_secs_f64();
        let mut busy = 0.0;
        for (k, inst) in self.topo.instances.iter().enumerate() {
            let integral = inst.station.busy_integral(now);
            let since = now.since(inst.station.stats_since()).as_secs_f64();
            let snap = &mut self.gateway_snapshots[k];
            busy += if integral >= *snap && since >= period {
                integral - *snap
            } else {
                integral / since.max(f64::MIN_POSITIVE) * period
            };
            *snap = integral;
        }
        self.gateway_snapshots
            .resize(self.topo.instances.len(), 0.0);
        let slots = f64::from(self.s.ingress.concurrency);
        let busy_slots = busy / period;
        let current = self
            .topo
            .instances
            .iter()
            .filter(|i| !i.retired && !matches!(i.life, Life::Down { .. }))
            .count() as u32;
        // Capacity-unit demand: compute units (busy slots, one per compute unit) against the
        // instances' 10 each, and throughput against an instance's 60 MB/s (facts §1:
        // instances ≈ max(CU / 10, MB/s / 60)).
        let arrivals: u64 = self
            .topo
            .instances
            .iter()
            .map(|i| i.station.arrivals())
            .sum();
        let new = arrivals
            .checked_sub(self.gateway_arrivals)
            .unwrap_or(arrivals);
        self.gateway_arrivals = arrivals;
        let mbytes = new as f64 / period * self.s.clients.kib_per_request / 1_024.0;
        let for_compute = busy_slots / (slots * GATEWAY_TARGET);
        let for_throughput = mbytes / (APP_GATEWAY_INSTANCE_MBYTES_PER_S * GATEWAY_TARGET);
        let desired = for_compute.max(for_throughput).ceil() as u32;
        // Instances not deleted (App Gateway for Containers deletes some on scale-in).
        let total = self.topo.instances.iter().filter(|i| !i.retired).count() as u32;
        if desired > auto.max_instances {
            let kind = super::attribution::LimitKind::IngressAtMax;
            self.limit_reached(kind, 0, f64::from(desired));
        }
        let add = desired
            .saturating_sub(current)
            .min(auto.max_instances.saturating_sub(total));
        if add > 0 {
            let kind = super::timeline::EventKind::GatewayScale {
                from: current,
                to: current + add,
            };
            self.timeline.record(now, kind);
        }
        for _ in 0..add {
            self.add_instance(auto.scale_out_time);
        }
        if desired < current {
            self.agc_scale_in(current);
        }
    }

    /// A new gateway instance in the zone with the fewest (zones in an outage excluded).
    fn add_instance(&mut self, after: crate::engine::SimDuration) {
        let mut count = vec![0u32; self.topo.zones];
        for i in &self.topo.instances {
            count[i.zone] += 1;
        }
        let Some(zone) = (0..self.topo.zones)
            .filter(|&z| !self.zone_down[z])
            .min_by_key(|&z| count[z])
        else {
            return;
        };
        let k = self.topo.instances.len() as u32;
        self.topo.instances.push(Instance::starting(
            zone,
            0,
            self.s.ingress.queue_limit,
            bucket_size(self.s),
        ));
        self.gateway_snapshots.push(0.0);
        self.cal
            .schedule_in(after, Ev::InstanceReady { inst: k, epoch: 0 });
        self.note_ingress_replicas();
    }

    /// Replicas of `service`: pods not deleted (up, starting, or on a lost node), and pending
    /// ones.
    pub(super) fn replicas(&self, service: usize) -> u32 {
        self.topo.service_pods[service]
            .iter()
            .filter(|&&p| !self.topo.pods[p as usize].retired)
            .count() as u32
            + self.pending[service]
    }

    /// One HPA evaluation for `service`.
    pub(super) fn hpa_tick(&mut self, service: usize) {
        let now = self.cal.now();
        let Some(h) = self.s.services[service].hpa.clone() else {
            return;
        };
        self.cal.schedule_in(
            h.sync_period,
            Ev::HpaTick {
                service: service as u16,
            },
        );
        self.retry_pending(service);
        let period = h.sync_period.as_secs_f64();
        // A pod's "request": its worker slots, or with `cpu` its containers' CPU requests (the
        // HPA's CPU utilisation is cores used over cores requested, the sidecar's included).
        let cpu = self.s.services[service].cpu;
        let concurrency = self
            .cpu_requested(service)
            .unwrap_or(f64::from(self.s.services[service].concurrency));
        let mut samples = Vec::with_capacity(self.topo.service_pods[service].len());
        for i in 0..self.topo.service_pods[service].len() {
            let p = self.topo.service_pods[service][i];
            let lost = self.node_ctl.pod_lost(p);
            let (used, span) = if cpu.is_some() {
                self.read_cpu(p, now, period)
            } else {
                let pod = &mut self.topo.pods[p as usize];
                super::hpa::read_busy(&pod.station, &mut pod.busy_snapshot, now, period)
            };
            let pod = &self.topo.pods[p as usize];
            if pod.retired {
                // Being deleted: ignored.
                continue;
            }
            let view = super::hpa::PodView {
                ready: pod.life == Life::Up,
                node_lost: lost,
                created: pod.created,
                ready_changed: pod.ready_changed,
            };
            samples.push(view.sample(used, concurrency * span, now, h.sync_period));
        }
        // Pending pods (not scheduled) are not ready.
        let capacity = concurrency * period;
        samples
            .extend((0..self.pending[service]).map(|_| super::hpa::Sample::Unready { capacity }));
        let replicas = self.replicas(service);
        let window = &mut self.hpa_recommendations[service];
        let Some(desired) = super::hpa::desired(&h, replicas, &samples, window, now) else {
            return;
        };
        if desired != replicas {
            let kind = super::timeline::EventKind::HpaScale {
                service,
                from: replicas,
                to: desired,
            };
            self.timeline.record(now, kind);
        }
        if desired >= h.max && h.max > h.min {
            let kind = super::attribution::LimitKind::HpaAtMax;
            self.limit_reached(kind, service, f64::from(h.max));
        }
        if desired > replicas {
            for _ in replicas..desired {
                self.add_pod(service);
            }
        } else if desired < replicas {
            for _ in desired..replicas {
                self.remove_pod(service);
            }
        }
    }

    /// Creates a pod of `service` in the zone the scheduler picks (see [`super::placement`]);
    /// it is ready after the start-up time, plus a node's provisioning when the zone is full.
    /// If no zone is allowed it stays pending (counted, placed again later).
    pub(super) fn add_pod(&mut self, service: usize) {
        let Some((zone, pending)) = self.place_pod(service) else {
            self.add_pending(service);
            return;
        };
        let svc = &self.s.services[service];
        let mut pod = Pod::new(service, zone, 0, svc.queue_limit);
        pod.life = Life::Starting;
        pod.routable = [false; 2];
        pod.created = self.cal.now();
        pod.ready_changed = pod.created;
        let id = self.topo.pods.len() as u32;
        self.topo.pods.push(pod);
        self.topo.service_pods[service].push(id);
        self.bind_node(id, zone);
        let mut delay = svc.startup;
        if pending {
            self.zone_capacity[zone] = self.zone_capacity[zone].saturating_add(1);
            delay += self.s.network.node_provisioning;
        }
        self.cal
            .schedule_in(delay, Ev::PodReady { pod: id, epoch: 0 });
    }

    /// Deletes one pod of `service` (scale-down): starting pods first, else the newest pod in
    /// the zone with the most. It leaves the endpoints at once (a terminating endpoint is not
    /// ready), so balancers stop sending after their removal delay; the pod serves what still
    /// reaches it — through its preStop sleep, which runs first — until the grace period ends
    /// (kubernetes.io, "Pod Lifecycle", "Termination of Pods").
    fn remove_pod(&mut self, service: usize) {
        if self.pending[service] > 0 {
            // A pending pod is deleted first: it never ran.
            return self.set_pending(service, self.pending[service] - 1);
        }
        let pods = &self.topo.pods;
        let live: Vec<u32> = self.topo.service_pods[service]
            .iter()
            .copied()
            .filter(|&p| !pods[p as usize].retired)
            .collect();
        let starting = live
            .iter()
            .rev()
            .find(|&&p| pods[p as usize].life == Life::Starting);
        let victim = match starting {
            Some(&p) => p,
            None => {
                let mut count = vec![0u32; self.topo.zones];
                for &p in &live {
                    count[pods[p as usize].zone] += 1;
                }
                let Some(&p) = live
                    .iter()
                    .rev()
                    .max_by_key(|&&p| count[pods[p as usize].zone])
                else {
                    return;
                };
                p
            }
        };
        self.topo.pods[victim as usize].scaled_down = true;
        self.retire(victim);
    }

    /// Marks pod `p` deleted: balancers drop it after their delay, it is killed after the
    /// service's grace period (see [`crate::scenario::Service::stop_after`]).
    fn retire(&mut self, p: u32) {
        let pod = &mut self.topo.pods[p as usize];
        pod.retired = true;
        let epoch = pod.epoch;
        let svc = &self.s.services[pod.service];
        let (sigterm, stop) = (svc.sigterm_after(), svc.stop_after());
        self.schedule_views(p, epoch, Some(DeathCause::ContainerCrash));
        self.cal.schedule_in(sigterm, Ev::Sigterm { pod: p, epoch });
        self.cal.schedule_in(stop, Ev::Terminate { pod: p, epoch });
    }

    /// A deleted pod's preStop hook is done and its containers get SIGTERM: the application
    /// closes its listener (or exits: SIGTERM's default action), so new work is refused while
    /// what it already holds runs on until the grace period ends (kubernetes.io, "Pod
    /// Lifecycle", "Termination of Pods").
    pub(super) fn sigterm(&mut self, p: u32, epoch: u32) {
        let pod = &mut self.topo.pods[p as usize];
        if pod.epoch == epoch {
            pod.stopping = true;
            self.conn_sigterm(p, epoch);
        }
    }

    /// The grace period of a deleted pod ends: it is killed; what is still in flight there is
    /// reset, and whoever still sends to it is refused.
    pub(super) fn terminate(&mut self, p: u32, epoch: u32) {
        if self.topo.pods[p as usize].epoch == epoch {
            self.kill_pod(p, true, DeathCause::ContainerCrash);
            self.cut_in_flight(p, epoch, false);
        }
    }

    /// The toleration of a pod on a lost node ran out: it is deleted and the ReplicaSet creates
    /// a replacement elsewhere.
    pub(super) fn evict(&mut self, p: u32, epoch: u32) {
        let pod = &mut self.topo.pods[p as usize];
        if pod.epoch != epoch || pod.retired || pod.life == Life::Up {
            return;
        }
        pod.retired = true;
        let service = pod.service;
        self.unbind_node(p);
        self.add_pod(service);
    }
}
