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

use crate::engine::rng::index;
use crate::scenario::Balancing;
use crate::scenario::defaults::NGINX_EWMA_DECAY_TIME;

use super::locality::{Locality, local_percent};
use super::routable::Part;
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
    ///
    /// The candidates are drawn from the maintained sets of [`super::routable`] in O(log n),
    /// with no allocation: the pod drawn is the one a scan of the service's pods in order would
    /// give for the same random draws.
    pub(super) fn pick(
        &mut self,
        service: usize,
        view: View,
        policy: Balancing,
        locality: Locality,
        avoid: u32,
    ) -> Option<u32> {
        self.expire_ejections(service);
        if avoid == NONE {
            if let Some(pick) = self.pick_listed(service, view, policy, locality) {
                return pick;
            }
            if let Some(only) = self.routable.only_candidate(&self.topo, service, view) {
                return Some(self.pick_only(only, service, policy, locality));
            }
        }
        self.pick_drawn(service, view, policy, locality, avoid)
    }

    /// [`Sim::pick`] of a service small enough to keep its candidates listed, avoiding no pod:
    /// the `k`-th candidate is an index into the list of the zones drawn from (all, one, or,
    /// with Envoy's locality levels, the level the draw chose), for the same draws as
    /// [`Sim::pick_drawn`]'s, so the same pod. `None` when the pick needs the general path.
    #[inline]
    fn pick_listed(
        &mut self,
        service: usize,
        view: View,
        policy: Balancing,
        locality: Locality,
    ) -> Option<Option<u32>> {
        let sets = &self.routable;
        let list = match locality {
            Locality::Any => sets.listed_candidates(service, view, None)?,
            Locality::Strict(z) => {
                let here = sets.listed_candidates(service, view, Some(z))?;
                if here.is_empty() {
                    sets.listed_candidates(service, view, None)?
                } else {
                    here
                }
            }
            Locality::Priority(z) => {
                // As `pick_drawn`: the local level's share, drawn, then that level's list, or
                // every candidate when the level has none.
                let all = sets.listed_candidates(service, view, None)?;
                let here = sets.listed_part(service, view, Part::Zone(z))?;
                let away = sets.listed_part(service, view, Part::Except(z))?;
                let healthy = sets.candidates_in_zone(service, view, z);
                let (local_total, remote_total) = sets.listed_split(service, view, z);
                let percent =
                    local_percent((healthy, local_total), (all.len() - healthy, remote_total));
                let local = self.rng.balance.random_range(0..100u64) < percent;
                let level = if local { here } else { away };
                if level.is_empty() { all } else { level }
            }
        };
        let len = list.len();
        if len == 0 {
            return Some(None);
        }
        let rng = &mut self.rng.balance;
        let pods = &self.topo.pods;
        let pick = match policy {
            Balancing::RoundRobin => {
                let c = &mut self.rr[service];
                *c = c.wrapping_add(1);
                list[(*c % len as u32) as usize]
            }
            Balancing::Random => list[index(rng, len)],
            Balancing::LeastRequest => {
                let a = list[index(rng, len)];
                let b = list[index(rng, len)];
                let load = |p: u32| pods[p as usize].in_flight;
                if load(b) < load(a) { b } else { a }
            }
            Balancing::Ewma => {
                // As in `pick_drawn`: two distinct peers by a partial Fisher–Yates shuffle.
                if len == 1 {
                    list[0]
                } else {
                    let i = index(rng, len);
                    let j = rng.random_range(1..len);
                    let a = list[i];
                    let b = if j == i { list[0] } else { list[j] };
                    let t = self.cal.now().as_secs_f64();
                    if ewma_score(&pods[b as usize], t) < ewma_score(&pods[a as usize], t) {
                        b
                    } else {
                        a
                    }
                }
            }
        };
        Some(Some(pick))
    }

    /// [`Sim::pick`] by the draws from the candidate sets, once ended ejections are expired.
    fn pick_drawn(
        &mut self,
        service: usize,
        view: View,
        policy: Balancing,
        locality: Locality,
        avoid: u32,
    ) -> Option<u32> {
        let now = self.cal.now();
        let sets = &self.routable;
        let topo = &self.topo;
        let avoid = (avoid != NONE).then_some(avoid);
        let all = sets.draw(topo, service, view, Part::All, None);
        let mut draw = match locality {
            Locality::Any => all,
            Locality::Strict(z) => {
                if sets.candidates_in_zone(service, view, z) > 0 {
                    sets.draw(topo, service, view, Part::Zone(z), None)
                } else {
                    all
                }
            }
            Locality::Priority(z) => {
                let healthy = sets.candidates_in_zone(service, view, z);
                let (local_total, remote_total) = sets.listed_split(service, view, z);
                let percent = local_percent(
                    (healthy, local_total),
                    (all.len as usize - healthy, remote_total),
                );
                let local = self.rng.balance.random_range(0..100u64) < percent;
                let part = if local {
                    Part::Zone(z)
                } else {
                    Part::Except(z)
                };
                // A level with no candidate left (all avoided) hands over to the other.
                let level = sets.draw(topo, service, view, part, avoid);
                if level.len > 0 { level } else { all }
            }
        };
        // A retry avoids the previous try's pod when another candidate is left.
        if avoid.is_some() && draw.len > 1 {
            draw = sets.draw(topo, service, view, draw.part(), avoid);
        }
        if draw.len == 0 {
            return None;
        }
        let nth = |k: u32| sets.nth(topo, &draw, k);
        let rng = &mut self.rng.balance;
        let len = draw.len;
        // Indices are drawn over `usize`, as the scan drew them (the same random numbers).
        let mut index = |from: u32| rng.random_range(from as usize..len as usize) as u32;
        let pick = match policy {
            Balancing::RoundRobin => {
                let c = &mut self.rr[service];
                *c = c.wrapping_add(1);
                nth(*c % len)
            }
            Balancing::Random => nth(index(0)),
            Balancing::LeastRequest => {
                let a = nth(index(0));
                let b = nth(index(0));
                let load = |p: u32| topo.pods[p as usize].in_flight;
                if load(b) < load(a) { b } else { a }
            }
            Balancing::Ewma => {
                // `pick_and_score(peers, 2)`: a partial Fisher–Yates shuffle draws two distinct
                // peers (swap the first with the i-th, then the second with the j-th, j ≥ 1);
                // the lower score wins, the first drawn on a tie.
                if len == 1 {
                    nth(0)
                } else {
                    let i = index(0);
                    let j = index(1);
                    let a = nth(i);
                    // After the first swap, position i holds the first candidate.
                    let b = if j == i { nth(0) } else { nth(j) };
                    let t = now.as_secs_f64();
                    let pods = &topo.pods;
                    if ewma_score(&pods[b as usize], t) < ewma_score(&pods[a as usize], t) {
                        b
                    } else {
                        a
                    }
                }
            }
        };
        Some(pick)
    }

    /// [`Sim::pick`] when `only` is the one candidate and no pod is avoided: whatever the
    /// locality and policy choose, they choose `only`, so this skips the zone split and the
    /// descents but makes the same random draws and round-robin step, and later draws stay
    /// the same.
    #[inline]
    fn pick_only(
        &mut self,
        only: u32,
        service: usize,
        policy: Balancing,
        locality: Locality,
    ) -> u32 {
        let rng = &mut self.rng.balance;
        if let Locality::Priority(_) = locality {
            // The level's draw (local or not); either level leads to `only`.
            let _: u64 = rng.random_range(0..100u64);
        }
        match policy {
            Balancing::RoundRobin => {
                let c = &mut self.rr[service];
                *c = c.wrapping_add(1);
            }
            Balancing::Random => {
                let _: usize = rng.random_range(0..1usize);
            }
            Balancing::LeastRequest => {
                let _: usize = rng.random_range(0..1usize);
                let _: usize = rng.random_range(0..1usize);
            }
            // One peer: no shuffle.
            Balancing::Ewma => {}
        }
        only
    }
}

#[cfg(test)]
mod tests {
    use super::{ewma_score, ewma_update};
    use crate::model::locality::Locality;
    use crate::model::sim::{NONE, Sim};
    use crate::model::topology::{Pod, View};
    use crate::scenario::Balancing;
    use rand::Rng;

    /// Every balancing policy.
    const POLICIES: [Balancing; 4] = [
        Balancing::RoundRobin,
        Balancing::Random,
        Balancing::LeastRequest,
        Balancing::Ewma,
    ];

    /// `picks` picks of `fast` (the fast path) and of `drawn` (the draws from the sets) give
    /// the same pods, then the two leave the round-robin cursor and the balancer's random
    /// stream in the same place.
    fn picks_agree(
        fast: &mut Sim,
        drawn: &mut Sim,
        picks: usize,
        policy: Balancing,
        locality: Locality,
        what: &str,
    ) {
        let view = View::Endpoints;
        for _ in 0..picks {
            let a = fast.pick(0, view, policy, locality, NONE);
            let b = drawn.pick_drawn(0, view, policy, locality, NONE);
            assert_eq!(a, b, "{policy:?} {locality:?} {what}");
        }
        assert_eq!(fast.rr, drawn.rr, "{policy:?} {locality:?} {what}");
        let next = |sim: &mut Sim| sim.rng.balance.random::<u64>();
        assert_eq!(next(fast), next(drawn), "{policy:?} {locality:?} {what}");
    }

    /// The one-candidate fast path picks the pod the draws from the sets pick and leaves the
    /// balancer's random stream and round-robin cursor where they leave them, for every policy
    /// and locality: results stay identical. (A fast path that skipped the draws would leave
    /// the stream behind and fail here.)
    #[test]
    fn one_candidate_fast_path_draws_like_the_sets() {
        let s = crate::scenario::load(std::path::Path::new("scenarios/mmc.toml")).unwrap();
        let localities = [Locality::Any, Locality::Strict(0), Locality::Priority(0)];
        for policy in POLICIES {
            for locality in localities {
                let mut fast = Sim::new(&s, 3);
                let mut drawn = Sim::new(&s, 3);
                let view = View::Endpoints;
                let only = fast.routable.only_candidate(&fast.topo, 0, view);
                assert!(only.is_some(), "mmc.toml's one pod is a candidate");
                picks_agree(&mut fast, &mut drawn, 5, policy, locality, "");
            }
        }
    }

    /// The listed fast path ([`Sim::pick_listed`]) picks the pod the draws from the sets pick
    /// and leaves the balancer's random stream and round-robin cursor where they leave them,
    /// for every policy and every locality (Envoy's priority levels included), on a service of
    /// nine pods over three zones while pods leave and rejoin the candidates (unlisted,
    /// ejected, a zone emptied): results stay identical.
    #[test]
    fn listed_fast_path_draws_like_the_sets() {
        let s = crate::scenario::load(std::path::Path::new("scenarios/zone-outage.toml")).unwrap();
        let localities = [
            Locality::Any,
            Locality::Strict(0),
            Locality::Strict(1),
            Locality::Strict(2),
            Locality::Priority(0),
            Locality::Priority(1),
            Locality::Priority(2),
        ];
        let view = View::Endpoints;
        // Which pods of `web` (service 0) are out at each round: none, some, all of zone 1,
        // all but one, then back.
        let rounds: [&[usize]; 6] = [
            &[],
            &[1, 4],
            &[3, 4, 5],
            &[0, 1, 2, 3, 4, 5, 6, 7],
            &[8],
            &[],
        ];
        for policy in POLICIES {
            for locality in localities {
                let mut fast = Sim::new(&s, 5);
                let mut drawn = Sim::new(&s, 5);
                let web = fast.topo.service_pods[0].clone();
                assert_eq!(web.len(), 9);
                for (round, out) in rounds.iter().enumerate() {
                    for sim in [&mut fast, &mut drawn] {
                        for (i, &p) in web.iter().enumerate() {
                            let pod = &mut sim.topo.pods[p as usize];
                            // Half the pods out are unlisted, half ejected for a long while.
                            let gone = out.contains(&i);
                            pod.routable[view as usize] = !(gone && i % 2 == 0);
                            pod.ejected_until = if gone && i % 2 == 1 { u64::MAX } else { 0 };
                            pod.in_flight = ((i * 7 + round * 3) % 5) as u32;
                            pod.ewma = 0.001 * ((i * 5 + round) % 7) as f64;
                            pod.ewma_at = Some(0.0);
                            sim.sync_routable(p);
                        }
                    }
                    assert!(
                        fast.routable.listed_candidates(0, view, None).is_some(),
                        "nine pods are listed"
                    );
                    let what = format!("round {round}");
                    picks_agree(&mut fast, &mut drawn, 40, policy, locality, &what);
                }
            }
        }
    }

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
