//! Where new pods go during a run, and the pods that cannot go anywhere: the zone the
//! scheduler picks ([`crate::scenario::spread::place`], the same rule as the initial
//! placement), and pods left *pending* by a `DoNotSchedule` topology-spread rule — counted as
//! replicas (the HPA and the ReplicaSet see them), placed again when a zone recovers or at the
//! service's next HPA evaluation.

use super::sim::Sim;
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

    /// One more pod of `service` pending.
    pub(super) fn add_pending(&mut self, service: usize) {
        self.set_pending(service, self.pending[service] + 1);
    }

    /// Sets the pending pods of `service`, keeping the peak of all services together (after
    /// the warm-up).
    pub(super) fn set_pending(&mut self, service: usize, n: u32) {
        self.pending[service] = n;
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
