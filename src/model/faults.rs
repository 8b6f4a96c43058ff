//! Faults and recovery: zone outages, pod crashes, dependency degradation; pods and ingress
//! instances dying and starting again, and the detection events that follow (see
//! [`super::detection`]).

use rand::Rng;
use rand::seq::SliceRandom;

use crate::scenario::{CallTarget, FailureMode, FaultKind, IngressKind};

use super::agw_probe::ProbeAnswer;
use super::detection::{
    DeathCause, addition_delay, instance_addition_delay, instance_removal_delay, removal_delay_at,
};
use super::sim::{Degradation, Ev, Sim};
use super::topology::{Life, View};

impl Sim<'_> {
    /// Fault `i` begins.
    pub(super) fn fault_start(&mut self, i: usize) {
        match self.s.faults[i].kind.clone() {
            FaultKind::ZoneOutage { zone, mode } => {
                let reset = mode == FailureMode::Reset;
                self.zone_down[zone] = true;
                let mut pods = Vec::new();
                self.lb_nodes_lost(zone, reset);
                for p in 0..self.topo.pods.len() {
                    let pod = &self.topo.pods[p];
                    if pod.zone == zone && !pod.retired && !matches!(pod.life, Life::Down { .. }) {
                        self.kill_pod(p as u32, reset, DeathCause::NodeLost);
                        pods.push(p as u32);
                    }
                }
                let in_cluster = matches!(
                    self.s.ingress.kind,
                    IngressKind::Nginx(_) | IngressKind::Istio(_)
                );
                let mut replicas = Vec::new();
                // Application Gateway for Containers' data plane is zone-redundant and outside
                // the cluster: it loses no instance with a zone.
                let zone_redundant = self.s.ingress.zone_redundant();
                for k in 0..self.topo.instances.len() {
                    let inst = &self.topo.instances[k];
                    if inst.zone == zone && !zone_redundant {
                        let retired = inst.retired;
                        self.kill_instance(k as u32, reset);
                        if in_cluster && !retired {
                            // Gateway pods are pods: evicted from the lost nodes like any.
                            replicas.push(k as u32);
                        }
                    }
                }
                // The zone's nodes go with it; the node lifecycle controller evicts their pods.
                self.lose_zone(i, zone, &pods, &replicas);
                // A NAT Gateway in this zone (on its own or on the firewall subnet) goes with it.
                self.nat_up[zone] = false;
            }
            FaultKind::PodCrash { service, count } => {
                for p in self.pick_running(Some(service), None, count) {
                    self.kill_pod(p, true, DeathCause::ContainerCrash);
                    // The kubelet restarts the container at once; it is ready after start-up.
                    self.restart_pod(p);
                }
            }
            FaultKind::GrayFailure {
                service,
                zone,
                count,
                latency_multiplier,
                error_rate,
            } => {
                self.gray[i] = self.pick_running(Some(service), zone, count);
                for &p in &self.gray[i] {
                    let pod = &mut self.topo.pods[p as usize];
                    pod.slowdown = latency_multiplier;
                    pod.error_rate = error_rate;
                }
            }
            FaultKind::PodHang { service, count } => {
                let up = self.pick_running(Some(service), None, count);
                for &p in &up {
                    self.kill_pod(p, false, DeathCause::Hung);
                }
                self.lost[i] = up;
            }
            FaultKind::NodeFailure { zone, count, mode } => {
                let reset = mode == FailureMode::Reset;
                // With node CPU, one node of the zone and the pods bound to it (see
                // `node_map`); without, `count` pods of the zone.
                let (node, up) = if self.node_map.on() {
                    self.pick_node(zone)
                        .map_or((None, Vec::new()), |(n, up)| (Some(n), up))
                } else {
                    (None, self.pick_running(None, Some(zone), count))
                };
                for &p in &up {
                    self.kill_pod(p, reset, DeathCause::NodeLost);
                }
                self.lose_node(i, zone, node, &up, &[]);
                self.lost[i] = up;
            }
            FaultKind::IngressInstanceLoss { zone, count, mode } => {
                let mut up: Vec<u32> = (0..self.topo.instances.len() as u32)
                    .filter(|&k| {
                        let inst = &self.topo.instances[k as usize];
                        inst.life == Life::Up && zone.is_none_or(|z| inst.zone == z)
                    })
                    .collect();
                up.shuffle(&mut self.rng.faults);
                up.truncate(count as usize);
                for &k in &up {
                    self.kill_instance(k, mode == FailureMode::Reset);
                }
                self.lost[i] = up;
            }
            FaultKind::ZoneLatency { latency_multiplier } => {
                self.cross_zone_multiplier = latency_multiplier;
            }
            FaultKind::DependencyDegradation {
                target,
                latency_multiplier,
                error_rate,
            } => {
                let d = Degradation {
                    multiplier: latency_multiplier,
                    error_rate,
                };
                match target {
                    CallTarget::Service(s) => self.svc_degr[s] = d,
                    CallTarget::Destination(x) => self.dest_degr[x] = d,
                }
            }
        }
    }

    /// Fault `i` ends.
    pub(super) fn fault_end(&mut self, i: usize) {
        match self.s.faults[i].kind.clone() {
            FaultKind::ZoneOutage { zone, .. } => {
                self.zone_down[zone] = false;
                self.nodes_back(i);
                self.lb_nodes_back(zone);
                for p in 0..self.topo.pods.len() {
                    let pod = &self.topo.pods[p];
                    if pod.zone == zone && !pod.retired && matches!(pod.life, Life::Down { .. }) {
                        self.restart_pod(p as u32);
                    }
                }
                let zone_redundant = self.s.ingress.zone_redundant();
                for k in 0..self.topo.instances.len() {
                    if self.topo.instances[k].zone == zone && !zone_redundant {
                        self.restart_instance(k as u32);
                    }
                }
                self.nat_up[zone] = true;
                self.retry_all_pending();
            }
            FaultKind::PodCrash { .. } => {}
            FaultKind::GrayFailure { .. } => {
                for p in std::mem::take(&mut self.gray[i]) {
                    let pod = &mut self.topo.pods[p as usize];
                    pod.slowdown = 1.0;
                    pod.error_rate = 0.0;
                }
            }
            FaultKind::ZoneLatency { .. } => self.cross_zone_multiplier = 1.0,
            FaultKind::PodHang { .. } | FaultKind::NodeFailure { .. } => {
                self.nodes_back(i);
                // The pods unhang (or the node comes back): they start again unless evicted.
                for p in std::mem::take(&mut self.lost[i]) {
                    let pod = &self.topo.pods[p as usize];
                    if !pod.retired && matches!(pod.life, Life::Down { .. }) {
                        self.restart_pod(p);
                    }
                }
            }
            FaultKind::IngressInstanceLoss { .. } => {
                for k in std::mem::take(&mut self.lost[i]) {
                    self.restart_instance(k);
                }
            }
            FaultKind::DependencyDegradation { target, .. } => match target {
                CallTarget::Service(s) => self.svc_degr[s] = Degradation::default(),
                CallTarget::Destination(x) => self.dest_degr[x] = Degradation::default(),
            },
        }
    }

    /// Up to `count` running pods, of `service` and/or in `zone` if given, chosen at random
    /// with the faults' stream.
    fn pick_running(
        &mut self,
        service: Option<usize>,
        zone: Option<usize>,
        count: u32,
    ) -> Vec<u32> {
        let mut up: Vec<u32> = (0..self.topo.pods.len() as u32)
            .filter(|&p| {
                let pod = &self.topo.pods[p as usize];
                pod.life == Life::Up
                    && !pod.retired
                    && service.is_none_or(|s| pod.service == s)
                    && zone.is_none_or(|z| pod.zone == z)
            })
            .collect();
        up.shuffle(&mut self.rng.faults);
        up.truncate(count as usize);
        up
    }

    /// Pod `p` dies. Work waiting in its line fails (reset) or vanishes (black hole); work in
    /// service is recognised by its epoch when its next event comes.
    pub(super) fn kill_pod(&mut self, p: u32, reset: bool, cause: DeathCause) {
        let now = self.cal.now();
        let pod = &mut self.topo.pods[p as usize];
        if pod.life == Life::Up {
            pod.ready_changed = now;
        }
        pod.life = Life::Down { reset };
        pod.epoch = pod.epoch.wrapping_add(1);
        let epoch = pod.epoch;
        pod.station.set_servers(now, 0);
        let waiting = pod.station.drain_line(now);
        // Its egress connections close with it (a reset: its node closes them with a FIN).
        self.pools_pod_stopped(p, reset);
        let pod = &mut self.topo.pods[p as usize];
        pod.in_flight = pod.in_flight.saturating_sub(waiting.len() as u32);
        for w in waiting {
            self.dead_end(w, reset);
        }
        if self.topo.pods[p as usize].retired {
            // Deleted and now dead: gone from its node.
            self.unbind_node(p);
        }
        self.schedule_views(p, epoch, Some(cause));
    }

    /// Schedules each balancer's view (endpoints, App Gateway) of pod `p` to change after that
    /// view's own delay: dropping it for a removal (`Some(cause)`), adding it back for `None`.
    pub(super) fn schedule_views(&mut self, p: u32, epoch: u32, removed: Option<DeathCause>) {
        let pod = &self.topo.pods[p as usize];
        let service = pod.service;
        // How the pod answers App Gateway's probes now: a pod still up (deleted, in its grace
        // period) passes them.
        let answer = match pod.life {
            Life::Down { reset: true } => Some(ProbeAnswer::Refused),
            Life::Down { reset: false } => Some(ProbeAnswer::Silent),
            _ => None,
        };
        let phase = if matches!(self.s.ingress.kind, IngressKind::AppGateway(_)) {
            self.rng.agw_probes.random::<f64>()
        } else {
            0.0
        };
        for view in [View::Endpoints, View::AppGateway] {
            let delay = match removed {
                Some(cause) => removal_delay_at(self.s, cause, view, service, answer, phase),
                None => Some(addition_delay(self.s, view, service, phase)),
            };
            let Some(delay) = delay else { continue };
            self.cal.schedule_in(
                delay,
                Ev::Detect {
                    pod: p,
                    epoch,
                    view: view as u8,
                    routable: removed.is_none(),
                },
            );
        }
    }

    /// Pod `p` starts again; it is ready after the service's start-up time.
    fn restart_pod(&mut self, p: u32) {
        let pod = &mut self.topo.pods[p as usize];
        let epoch = pod.epoch;
        let startup = self.s.services[pod.service].startup;
        self.cal
            .schedule_in(startup, Ev::PodReady { pod: p, epoch });
    }

    /// A restarted pod is ready: it serves again, and balancers learn of it after their delay.
    pub(super) fn pod_ready(&mut self, p: u32, epoch: u32) {
        let now = self.cal.now();
        let pod = &mut self.topo.pods[p as usize];
        if pod.epoch != epoch || pod.retired {
            return;
        }
        pod.epoch = pod.epoch.wrapping_add(1);
        pod.life = Life::Up;
        pod.ready_changed = now;
        pod.consecutive_errors = 0;
        let epoch = pod.epoch;
        let c = self.s.services[pod.service].concurrency;
        let started = pod.station.set_servers(now, c);
        for w in started {
            self.start_service(w);
        }
        self.schedule_views(p, epoch, None);
    }

    /// Ingress instance `k` dies; the Azure Load Balancer stops sending to it after its probes.
    pub(super) fn kill_instance(&mut self, k: u32, reset: bool) {
        let now = self.cal.now();
        let inst = &mut self.topo.instances[k as usize];
        if inst.life == Life::Up {
            inst.ready_changed = now;
        }
        inst.life = Life::Down { reset };
        inst.epoch = inst.epoch.wrapping_add(1);
        let epoch = inst.epoch;
        inst.station.set_servers(now, 0);
        let waiting = inst.station.drain_line(now);
        for a in waiting {
            self.dead_end(a, reset);
        }
        // A black hole means its node is gone; a reset, a crash (unless its zone is down).
        let node_lost = !reset || self.zone_down[self.topo.instances[k as usize].zone];
        self.cal.schedule_in(
            instance_removal_delay(self.s, node_lost),
            Ev::DetectInstance {
                inst: k,
                epoch,
                routable: false,
            },
        );
    }

    /// A lost ingress instance starts again (ready after the first service's start-up time).
    fn restart_instance(&mut self, k: u32) {
        let inst = &mut self.topo.instances[k as usize];
        if inst.retired || !matches!(inst.life, Life::Down { .. }) {
            return;
        }
        inst.life = Life::Starting;
        let epoch = inst.epoch;
        let startup = match self.s.ingress.kind {
            IngressKind::Nginx(_) | IngressKind::Istio(_) => self.s.ingress.startup,
            _ => self.s.services[0].startup,
        };
        self.cal
            .schedule_in(startup, Ev::InstanceReady { inst: k, epoch });
    }

    /// A restarted ingress instance is ready.
    pub(super) fn instance_ready(&mut self, k: u32, epoch: u32) {
        let now = self.cal.now();
        let inst = &mut self.topo.instances[k as usize];
        if inst.epoch != epoch || inst.retired {
            return;
        }
        inst.epoch = inst.epoch.wrapping_add(1);
        inst.life = Life::Up;
        inst.ready_changed = now;
        let epoch = inst.epoch;
        let _ = inst.station.set_servers(now, self.s.ingress.concurrency);
        self.cal.schedule_in(
            instance_addition_delay(self.s),
            Ev::DetectInstance {
                inst: k,
                epoch,
                routable: true,
            },
        );
    }
}
