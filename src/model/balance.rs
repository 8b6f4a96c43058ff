//! Load-balancing policies: which pod of a service gets the next request.
//!
//! Candidates are the pods that the balancer's view still lists ([`View`]) and that outlier
//! detection has not ejected. With locality-aware routing (Istio), candidates in the sender's
//! zone are preferred while there are any. A retry avoids the pod of the previous try when it
//! can.

use rand::Rng;

use crate::scenario::Balancing;

use super::sim::{NONE, Sim};
use super::topology::View;

impl Sim<'_> {
    /// Picks a pod of `service` by `policy`, or `None` if no pod is routable.
    pub(super) fn pick(
        &mut self,
        service: usize,
        view: View,
        policy: Balancing,
        zone: Option<usize>,
        avoid: u32,
    ) -> Option<u32> {
        let now = self.cal.now().0;
        let pods = &self.topo.pods;
        let mut cands: Vec<u32> = self.topo.service_pods[service]
            .iter()
            .copied()
            .filter(|&p| {
                let pod = &pods[p as usize];
                pod.routable[view as usize] && pod.ejected_until <= now
            })
            .collect();
        if let Some(z) = zone
            && cands.iter().any(|&p| pods[p as usize].zone == z)
        {
            cands.retain(|&p| pods[p as usize].zone == z);
        }
        if avoid != NONE && cands.len() > 1 {
            cands.retain(|&p| p != avoid);
        }
        if cands.is_empty() {
            return None;
        }
        let rng = &mut self.rng.balance;
        let pick = match policy {
            Balancing::RoundRobin => {
                let c = &mut self.rr[service];
                *c = c.wrapping_add(1);
                cands[*c as usize % cands.len()]
            }
            Balancing::Random => cands[rng.random_range(0..cands.len())],
            Balancing::LeastRequest | Balancing::Ewma => {
                let a = cands[rng.random_range(0..cands.len())];
                let b = cands[rng.random_range(0..cands.len())];
                let score = |p: u32| {
                    let pod = &pods[p as usize];
                    match policy {
                        Balancing::Ewma => pod.ewma * f64::from(pod.in_flight + 1),
                        _ => f64::from(pod.in_flight),
                    }
                };
                if score(b) < score(a) { b } else { a }
            }
        };
        Some(pick)
    }
}
