//! Where new pods go during a run, and the pods that cannot go anywhere: the zone the
//! scheduler picks ([`crate::scenario::spread::place`], the same rule as the initial
//! placement), and pods left *pending* by a `DoNotSchedule` topology-spread rule — counted as
//! replicas (the HPA and the ReplicaSet see them), placed again when a zone recovers or at the
//! service's next HPA evaluation. At the start, pods beyond a zone's `zone_capacity` wait for
//! the node the cluster autoscaler adds, as the scheduler would leave them pending.

use super::sim::{Ev, Sim};
use super::topology::Life;
use crate::engine::SimTime;
use crate::scenario::spread::{Placement, place};

impl Sim<'_> {
    /// The zone for a new pod of `service` and whether it needs a new node there; `None` when
    /// the pod must stay pending.
    pub(super) fn place_pod(&self, service: usize) -> Option<(usize, bool)> {
        let zones = self.topo.zones;
        let mut count = vec![0u32; zones];
        let mut used = vec![0u32; zones];
        for pod in self.topo.pods.iter().filter(|p| !p.retired) {
            used[pod.zone] += 1;
            if pod.service == service {
                count[pod.zone] += 1;
            }
        }
        let schedulable: Vec<bool> = self.zone_down.iter().map(|d| !d).collect();
        let room: Vec<bool> = (0..zones)
            .map(|z| used[z] < self.zone_capacity[z])
            .collect();
        let rule = self.s.services[service].topology_spread;
        match place(rule, &count, &schedulable, &room) {
            Placement::Zone { zone, needs_node } => Some((zone, needs_node)),
            Placement::Pending => None,
        }
    }

    /// At the start of the run, the pods a zone has no room for (beyond `zone_capacity`, in
    /// file order) are pending as the scheduler leaves them: each waits for the node the
    /// cluster autoscaler adds (`node_provisioning`), then starts (the service's `startup`),
    /// exactly like a pod created during the run into a full zone.
    pub(super) fn wait_for_nodes(&mut self) {
        let mut used = vec![0u32; self.topo.zones];
        for p in 0..self.topo.pods.len() {
            let zone = self.topo.pods[p].zone;
            used[zone] += 1;
            if used[zone] <= self.zone_capacity[zone] {
                continue;
            }
            self.zone_capacity[zone] = self.zone_capacity[zone].saturating_add(1);
            let pod = &mut self.topo.pods[p];
            pod.life = Life::Starting;
            pod.routable = [false; 2];
            pod.station.set_servers(SimTime::ZERO, 0);
            let delay = self.s.network.node_provisioning + self.s.services[pod.service].startup;
            let epoch = pod.epoch;
            self.cal.schedule_in(
                delay,
                Ev::PodReady {
                    pod: p as u32,
                    epoch,
                },
            );
        }
    }

    /// One more pod of `service` pending.
    pub(super) fn add_pending(&mut self, service: usize) {
        self.set_pending(service, self.pending[service] + 1);
    }

    /// Sets the pending pods of `service`, keeping the peak of all services together (after
    /// the warm-up).
    pub(super) fn set_pending(&mut self, service: usize, n: u32) {
        self.pending[service] = n;
        if n > 0 {
            let kind = super::attribution::LimitKind::PodsPending;
            self.limit_reached(kind, service, f64::from(n));
        }
        if self.cal.now() >= self.warm {
            let total: u32 = self.pending.iter().sum();
            self.pending_peak = self.pending_peak.max(total);
        }
    }

    /// Tries to place the pending pods of `service` again (a zone came back, or the HPA looks).
    pub(super) fn retry_pending(&mut self, service: usize) {
        let waiting = self.pending[service];
        if waiting == 0 {
            return;
        }
        self.pending[service] = 0;
        for _ in 0..waiting {
            // Each stays pending again if it still fits nowhere.
            self.add_pod(service);
        }
    }

    /// A zone came back: every service's pending pods may fit now.
    pub(super) fn retry_all_pending(&mut self) {
        for service in 0..self.pending.len() {
            self.retry_pending(service);
        }
    }
}
