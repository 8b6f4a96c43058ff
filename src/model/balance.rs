//! Load-balancing policies: which pod of a service gets the next request.
//!
//! Candidates are the pods that the balancer's view still lists ([`View`]) and that outlier
//! detection has not ejected. Zones are used as [`Locality`] says: Envoy's priority levels
//! (Istio with locality load balancing in effect), or the sender's zone only (kube-proxy's
//! topology-aware routing). A retry avoids the pod of the previous try when it can.
//!
//! `ewma` follows ingress-nginx's `balancer/ewma.lua` (see [`ewma_score`]); `least-request`
//! is Envoy's: the less loaded of two hosts drawn at random (with replacement).

use rand::Rng;

use crate::scenario::Balancing;
use crate::scenario::defaults::NGINX_EWMA_DECAY_TIME;

use super::locality::{Locality, local_percent};
use super::sim::{NONE, Sim};
use super::topology::{Pod, View};

/// ingress-nginx's EWMA score of `pod` at `now_secs`: its stored EWMA decayed towards 0 over
/// the time since it was last updated (`get_or_update_ewma(upstream, 0, false)`:
/// `ewma × w + 0 × (1 − w)`, `w = exp(−Δt / DECAY_TIME)`). A pod never measured scores 0.
pub(super) fn ewma_score(pod: &Pod, now_secs: f64) -> f64 {
    match pod.ewma_at {
        Some(at) => pod.ewma * (-(now_secs - at).max(0.0) / NGINX_EWMA_DECAY_TIME).exp(),
        None => 0.0,
    }
}

/// ingress-nginx's EWMA update after a response that took `rtt_secs`
/// (`decay_ewma(ewma, last_touched_at, rtt, now)`): `ewma × w + rtt × (1 − w)`,
/// `w = exp(−Δt / DECAY_TIME)` over the time since the last update. A pod never measured takes
/// the rtt (its last-touched time is 0 there, so `w` is 0).
pub(super) fn ewma_update(pod: &mut Pod, rtt_secs: f64, now_secs: f64) {
    let w = match pod.ewma_at {
        Some(at) => (-(now_secs - at).max(0.0) / NGINX_EWMA_DECAY_TIME).exp(),
        None => 0.0,
    };
    pod.ewma = pod.ewma * w + rtt_secs * (1.0 - w);
    pod.ewma_at = Some(now_secs);
}

impl Sim<'_> {
    /// Picks a pod of `service` by `policy`, or `None` if no pod is routable.
    pub(super) fn pick(
        &mut self,
        service: usize,
        view: View,
        policy: Balancing,
        locality: Locality,
        avoid: u32,
    ) -> Option<u32> {
        let now = self.cal.now();
        // The candidates go into a buffer kept between picks: no allocation per request.
        let mut cands = std::mem::take(&mut self.pick_buffer);
        cands.clear();
        let pods = &self.topo.pods;
        let listed = |p: &u32| pods[*p as usize].routable[view as usize];
        cands.extend(
            self.topo.service_pods[service]
                .iter()
                .copied()
                .filter(|p| listed(p) && pods[*p as usize].ejected_until <= now.0),
        );
        match locality {
            Locality::Any => {}
            Locality::Strict(z) => {
                if cands.iter().any(|&p| pods[p as usize].zone == z) {
                    cands.retain(|&p| pods[p as usize].zone == z);
                }
            }
            Locality::Priority(z) => {
                let total = |local: bool| {
                    self.topo.service_pods[service]
                        .iter()
                        .filter(|p| listed(p) && (pods[**p as usize].zone == z) == local)
                        .count()
                };
                let healthy = cands
                    .iter()
                    .filter(|&&p| pods[p as usize].zone == z)
                    .count();
                let percent = local_percent(
                    (healthy, total(true)),
                    (cands.len() - healthy, total(false)),
                );
                let local = self.rng.balance.random_range(0..100u64) < percent;
                // A level with no candidate left (all avoided) hands over to the other.
                let level: Vec<u32> = cands
                    .iter()
                    .copied()
                    .filter(|&p| (pods[p as usize].zone == z) == local && p != avoid)
                    .collect();
                if !level.is_empty() {
                    cands = level;
                }
            }
        }
        if avoid != NONE && cands.len() > 1 {
            cands.retain(|&p| p != avoid);
        }
        if cands.is_empty() {
            self.pick_buffer = cands;
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
            Balancing::LeastRequest => {
                let a = cands[rng.random_range(0..cands.len())];
                let b = cands[rng.random_range(0..cands.len())];
                let load = |p: u32| pods[p as usize].in_flight;
                if load(b) < load(a) { b } else { a }
            }
            Balancing::Ewma => {
                // `pick_and_score(peers, 2)`: a partial Fisher–Yates shuffle draws two distinct
                // peers; the lower score wins, the first drawn on a tie.
                if cands.len() == 1 {
                    cands[0]
                } else {
                    let i = rng.random_range(0..cands.len());
                    cands.swap(0, i);
                    let j = rng.random_range(1..cands.len());
                    cands.swap(1, j);
                    let t = now.as_secs_f64();
                    let (a, b) = (cands[0], cands[1]);
                    if ewma_score(&pods[b as usize], t) < ewma_score(&pods[a as usize], t) {
                        b
                    } else {
                        a
                    }
                }
            }
        };
        self.pick_buffer = cands;
        Some(pick)
    }
}

#[cfg(test)]
mod tests {
    use super::{ewma_score, ewma_update};
    use crate::model::topology::Pod;

    #[test]
    fn ewma_follows_ingress_nginx_decay() {
        let mut p = Pod::new(0, 0, 1, None);
        assert_eq!(ewma_score(&p, 5.0), 0.0, "never measured: score 0");
        // First response: its time, whatever came before (nginx's last touch is 0).
        ewma_update(&mut p, 0.050, 100.0);
        assert!((p.ewma - 0.050).abs() < 1e-12);
        // Idle for one decay time: the score is e⁻¹ of the EWMA.
        assert!((ewma_score(&p, 110.0) - 0.050 / std::f64::consts::E).abs() < 1e-12);
        // A response 10 s later weighs 1 − e⁻¹.
        ewma_update(&mut p, 0.010, 110.0);
        let w = (-1.0f64).exp();
        assert!((p.ewma - (0.050 * w + 0.010 * (1.0 - w))).abs() < 1e-12);
        // One right after barely moves it.
        let before = p.ewma;
        ewma_update(&mut p, 1.0, 110.001);
        assert!((p.ewma - before) < 1e-3);
    }
}
