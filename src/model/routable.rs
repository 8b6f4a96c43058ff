//! The pods each balancer may pick, kept as maintained sets so that a pick costs O(log n)
//! with no allocation and no scan of the service's pods.
//!
//! For each [`View`] and service, a pod is *listed* when the view routes to it
//! (`Pod::routable`) and a *candidate* when it is listed and outlier detection has not ejected
//! it (`Pod::ejected_until` passed). The candidates are counted in Fenwick trees over the
//! pod's position in its service (`Topology::service_pods` order): one over every zone and one
//! per zone. The `k`-th candidate in that order, of all zones, of one zone, or of every zone
//! but one, is a descent of one or two trees, so [`Sim::pick`](super::balance) draws exactly
//! the pod a scan of the service's pods in order would draw: same random draws, same results.
//!
//! The sets follow the events that change routability: a balancer's view of a pod changes
//! (`Ev::Detect`, the one place a pod's `routable` flags change during a run), outlier
//! detection ejects a pod, and an ejection ends — the latter has no event, so the ejected pods
//! of a service are kept aside and re-admitted by the first pick of that service at or after
//! their ejection's end (the same `ejected_until <= now` test the scan made). Pods created
//! during the run (scale-ups) join on their first change; a service's trees grow then.

use crate::engine::SimTime;

use super::sim::Sim;
use super::topology::{Topology, View};

/// Views a pod has (see [`View`]).
const VIEWS: usize = 2;

/// Counts over positions `0..n`, with prefix sums and the `k`-th member in O(log n).
#[derive(Clone, Debug, Default)]
struct Fenwick {
    /// 1-based partial sums.
    tree: Vec<u32>,
}

impl Fenwick {
    /// A tree over `flags.len()` positions holding `flags` (O(n)).
    fn from_flags(flags: impl ExactSizeIterator<Item = bool>) -> Fenwick {
        let n = flags.len();
        let mut tree = vec![0u32; n + 1];
        for (i, f) in flags.enumerate() {
            tree[i + 1] += u32::from(f);
            let j = (i + 1) + ((i + 1) & (i + 1).wrapping_neg());
            if j <= n {
                tree[j] += tree[i + 1];
            }
        }
        Fenwick { tree }
    }

    /// Positions covered.
    fn len(&self) -> usize {
        self.tree.len().saturating_sub(1)
    }

    /// Adds one (`up`) or removes one at `pos`.
    fn change(&mut self, pos: usize, up: bool) {
        let mut i = pos + 1;
        while i < self.tree.len() {
            if up {
                self.tree[i] += 1;
            } else {
                self.tree[i] -= 1;
            }
            i += i & i.wrapping_neg();
        }
    }

    /// Members before `pos`.
    fn prefix(&self, pos: usize) -> u32 {
        let mut i = pos.min(self.len());
        let mut sum = 0;
        while i > 0 {
            sum += self.tree[i];
            i &= i - 1;
        }
        sum
    }
}

/// The position of the `k`-th member (0-based) of `a` minus `b` (`b` a subset of `a`, over the
/// same positions), or of `a` alone; `k` must be below the count.
///
/// Inlined: it is the whole of a pick's descent, and `b` is a constant `None` at most calls.
#[inline(always)]
fn kth(a: &Fenwick, b: Option<&Fenwick>, k: u32) -> usize {
    let n = a.len();
    let mut pos = 0;
    let mut rest = k;
    let mut step = if n == 0 { 0 } else { 1 << n.ilog2() };
    while step > 0 {
        let next = pos + step;
        if next <= n {
            let v = a.tree[next] - b.map_or(0, |b| b.tree[next]);
            // Without a branch: which way the descent goes is a coin toss for the predictor.
            let take = v <= rest;
            pos = std::hint::select_unpredictable(take, next, pos);
            rest = std::hint::select_unpredictable(take, rest.wrapping_sub(v), rest);
        }
        step >>= 1;
    }
    pos
}

/// Services of up to this many pods also keep their candidates as lists (see [`Flat`]).
const FLAT_MAX: usize = 16_384;

/// The candidates of a service as lists of pod ids in service order, so that the `k`-th
/// candidate is an index: the fast path of a pick that avoids no pod (one look, where the
/// trees' descent reads a dozen scattered entries at 10,000 pods). A change of a pod moves up
/// to [`FLAT_MAX`] entries in each of its lists (a few microseconds at most, and pods change
/// rarely next to picks).
#[derive(Clone, Debug, Default)]
struct Flat {
    /// Candidates of every zone.
    all: Vec<u32>,
    /// Candidates per zone.
    zone: Vec<Vec<u32>>,
    /// Candidates outside each zone (Envoy's remote priority level of that zone).
    except: Vec<Vec<u32>>,
}

impl Flat {
    /// Adds (`up`) or removes `pod`, at position `at` in its service, to the sorted `list`;
    /// `pos` gives each pod's position.
    fn change(list: &mut Vec<u32>, pos: &[u32], pod: u32, at: u32, up: bool) {
        let i = list.partition_point(|&q| pos[q as usize] < at);
        if up {
            list.insert(i, pod);
        } else {
            debug_assert_eq!(list.get(i), Some(&pod));
            list.remove(i);
        }
    }
}

/// The candidates of one service in one view.
#[derive(Clone, Debug, Default)]
struct ServiceSet {
    /// The same candidates as lists, when the service has at most [`FLAT_MAX`] pods.
    flat: Option<Flat>,
    /// Candidates of every zone, by position.
    all: Fenwick,
    /// Candidates per zone, by position.
    zone: Vec<Fenwick>,
    /// Candidates of every zone.
    count: u32,
    /// Candidates per zone.
    zone_count: Vec<u32>,
    /// Listed pods per zone (ejected or not).
    listed: Vec<u32>,
}

/// Which of a service's candidates a pick draws from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Part {
    /// All zones.
    All,
    /// One zone.
    Zone(usize),
    /// Every zone but one.
    Except(usize),
}

/// A part of a service's candidates, perhaps without one pod: what a pick draws from.
#[derive(Clone, Copy, Debug)]
pub(super) struct Draw {
    service: usize,
    view: usize,
    part: Part,
    /// Position of the pod left out, if it is in the part.
    skip: Option<usize>,
    /// Members.
    pub len: u32,
}

/// The maintained candidate sets of one run.
#[derive(Clone, Debug, Default)]
pub struct RoutableSets {
    /// By view, then service.
    sets: [Vec<ServiceSet>; VIEWS],
    /// Each pod's position in its service's pods.
    pos: Vec<u32>,
    /// Each pod's membership per view: (listed, candidate).
    state: Vec<[(bool, bool); VIEWS]>,
    /// Per service, the pods counted out for an ejection that has not been seen to end.
    ejected: Vec<Vec<u32>>,
}

impl Draw {
    /// The part of the candidates drawn from.
    pub(super) fn part(&self) -> Part {
        self.part
    }
}

impl RoutableSets {
    /// The sets of `topo` at `now`.
    pub fn build(topo: &Topology, now: SimTime) -> RoutableSets {
        let mut pos = vec![0u32; topo.pods.len()];
        for ids in &topo.service_pods {
            for (i, &p) in ids.iter().enumerate() {
                pos[p as usize] = i as u32;
            }
        }
        let state: Vec<[(bool, bool); VIEWS]> = topo
            .pods
            .iter()
            .map(|p| {
                std::array::from_fn(|v| {
                    let listed = p.routable[v];
                    (listed, listed && p.ejected_until <= now.0)
                })
            })
            .collect();
        let mut ejected = vec![Vec::new(); topo.service_pods.len()];
        for (i, p) in topo.pods.iter().enumerate() {
            if p.ejected_until > now.0 {
                ejected[p.service].push(i as u32);
            }
        }
        let mut sets = RoutableSets {
            sets: Default::default(),
            pos,
            state,
            ejected,
        };
        for v in 0..VIEWS {
            sets.sets[v] = (0..topo.service_pods.len())
                .map(|s| sets.service_set(topo, s, v))
                .collect();
        }
        sets
    }

    /// The set of `service` in view `v` from the pods' states (O(pods of the service)).
    fn service_set(&self, topo: &Topology, service: usize, v: usize) -> ServiceSet {
        let ids = &topo.service_pods[service];
        let cand = |p: u32| self.state[p as usize][v].1;
        let zones = topo.zones;
        let listed = |keep: &dyn Fn(usize) -> bool| -> Vec<u32> {
            ids.iter()
                .copied()
                .filter(|&p| cand(p) && keep(topo.pods[p as usize].zone))
                .collect()
        };
        let flat = (ids.len() <= FLAT_MAX).then(|| Flat {
            all: listed(&|_| true),
            zone: (0..zones).map(|z| listed(&|at| at == z)).collect(),
            except: (0..zones).map(|z| listed(&|at| at != z)).collect(),
        });
        let mut set = ServiceSet {
            flat,
            all: Fenwick::from_flags(ids.iter().map(|&p| cand(p))),
            zone: (0..zones)
                .map(|z| {
                    Fenwick::from_flags(
                        ids.iter()
                            .map(|&p| cand(p) && topo.pods[p as usize].zone == z),
                    )
                })
                .collect(),
            count: 0,
            zone_count: vec![0; zones],
            listed: vec![0; zones],
        };
        for &p in ids {
            let (listed, c) = self.state[p as usize][v];
            let z = topo.pods[p as usize].zone;
            set.listed[z] += u32::from(listed);
            set.count += u32::from(c);
            set.zone_count[z] += u32::from(c);
        }
        set
    }

    /// Brings `pod`'s memberships up to date with its flags at `now`.
    fn sync(&mut self, topo: &Topology, pod: u32, now: SimTime) {
        if pod as usize >= self.state.len() {
            // A pod created during the run: register every new pod, not yet listed anywhere.
            for ids in &topo.service_pods {
                for (i, &p) in ids.iter().enumerate() {
                    if p as usize >= self.pos.len() {
                        self.pos.resize(p as usize + 1, 0);
                    }
                    self.pos[p as usize] = i as u32;
                }
            }
            self.state.resize(topo.pods.len(), [(false, false); VIEWS]);
        }
        let p = &topo.pods[pod as usize];
        let (service, zone) = (p.service, p.zone);
        let pos = self.pos[pod as usize] as usize;
        let ejected = p.ejected_until > now.0;
        if ejected && !self.ejected[service].contains(&pod) {
            self.ejected[service].push(pod);
        }
        for v in 0..VIEWS {
            let listed = p.routable[v];
            let cand = listed && !ejected;
            let (was_listed, was_cand) = self.state[pod as usize][v];
            self.state[pod as usize][v] = (listed, cand);
            if cand != was_cand && pos >= self.sets[v][service].all.len() {
                // The service grew since its trees were built: rebuild them over every pod
                // (from the states, this pod's new one included).
                self.sets[v][service] = self.service_set(topo, service, v);
                continue;
            }
            let set = &mut self.sets[v][service];
            if listed != was_listed {
                if listed {
                    set.listed[zone] += 1;
                } else {
                    set.listed[zone] -= 1;
                }
            }
            if cand == was_cand {
                continue;
            }
            set.all.change(pos, cand);
            set.zone[zone].change(pos, cand);
            if let Some(flat) = &mut set.flat {
                let at = pos as u32;
                Flat::change(&mut flat.all, &self.pos, pod, at, cand);
                Flat::change(&mut flat.zone[zone], &self.pos, pod, at, cand);
                for (z, except) in flat.except.iter_mut().enumerate() {
                    if z != zone {
                        Flat::change(except, &self.pos, pod, at, cand);
                    }
                }
            }
            if cand {
                set.count += 1;
                set.zone_count[zone] += 1;
            } else {
                set.count -= 1;
                set.zone_count[zone] -= 1;
            }
        }
    }

    /// Re-admits the ejected pods of `service` whose ejection has ended by `now`.
    #[inline]
    fn expire(&mut self, topo: &Topology, service: usize, now: SimTime) {
        if !self.ejected[service].is_empty() {
            self.expire_some(topo, service, now);
        }
    }

    /// [`RoutableSets::expire`] once some pod of `service` is known to be ejected.
    fn expire_some(&mut self, topo: &Topology, service: usize, now: SimTime) {
        let mut i = 0;
        while i < self.ejected[service].len() {
            let pod = self.ejected[service][i];
            if topo.pods[pod as usize].ejected_until <= now.0 {
                self.ejected[service].swap_remove(i);
                self.sync(topo, pod, now);
            } else {
                i += 1;
            }
        }
    }

    /// Listed pods of `service` in `zone` in view `view` (ejected or not).
    pub(super) fn listed_in_zone(&self, service: usize, view: View, zone: usize) -> usize {
        self.sets[view as usize][service]
            .listed
            .get(zone)
            .copied()
            .unwrap_or(0) as usize
    }

    /// Listed pods of `service` in view `view`, all zones.
    fn listed(&self, service: usize, view: View) -> usize {
        self.sets[view as usize][service]
            .listed
            .iter()
            .map(|&n| n as usize)
            .sum()
    }

    /// Candidates of `service` in `view` in `zone`.
    pub(super) fn candidates_in_zone(&self, service: usize, view: View, zone: usize) -> usize {
        self.sets[view as usize][service]
            .zone_count
            .get(zone)
            .copied()
            .unwrap_or(0) as usize
    }

    /// (listed in `zone`, listed elsewhere) of `service` in `view`.
    pub(super) fn listed_split(&self, service: usize, view: View, zone: usize) -> (usize, usize) {
        let here = self.listed_in_zone(service, view, zone);
        (here, self.listed(service, view) - here)
    }

    /// The one candidate of `service` in `view`, if it has exactly one.
    #[inline]
    pub(super) fn only_candidate(
        &self,
        topo: &Topology,
        service: usize,
        view: View,
    ) -> Option<u32> {
        let set = &self.sets[view as usize][service];
        (set.count == 1).then(|| topo.service_pods[service][kth(&set.all, None, 0)])
    }

    /// The candidates of `service` in `view`, as pod ids in service order, of every zone
    /// (`zone` is `None`) or of one zone; `None` when the service is too large to keep them
    /// listed. Its `k`-th entry is the pod [`RoutableSets::nth`] gives for `k`.
    #[inline]
    pub(super) fn listed_candidates(
        &self,
        service: usize,
        view: View,
        zone: Option<usize>,
    ) -> Option<&[u32]> {
        self.listed_part(service, view, zone.map_or(Part::All, Part::Zone))
    }

    /// The candidates of `service` in `view` in `part`, as pod ids in service order; `None`
    /// when the service is too large to keep them listed. Its `k`-th entry is the pod
    /// [`RoutableSets::nth`] gives for `k` in a draw of `part` that avoids no pod.
    #[inline]
    pub(super) fn listed_part(&self, service: usize, view: View, part: Part) -> Option<&[u32]> {
        let flat = self.sets[view as usize][service].flat.as_ref()?;
        match part {
            Part::All => Some(&flat.all),
            Part::Zone(z) => flat.zone.get(z).map(Vec::as_slice),
            Part::Except(z) => flat.except.get(z).map(Vec::as_slice),
        }
    }

    /// The candidates of `service` in `view` in `part`, without `avoid` if it is one of them.
    pub(super) fn draw(
        &self,
        topo: &Topology,
        service: usize,
        view: View,
        part: Part,
        avoid: Option<u32>,
    ) -> Draw {
        let v = view as usize;
        let set = &self.sets[v][service];
        let len = match part {
            Part::All => set.count,
            Part::Zone(z) => set.zone_count.get(z).copied().unwrap_or(0),
            Part::Except(z) => set.count - set.zone_count.get(z).copied().unwrap_or(0),
        };
        let skip = avoid.and_then(|a| {
            let p = topo.pods.get(a as usize)?;
            let member = p.service == service
                && self.state.get(a as usize).is_some_and(|s| s[v].1)
                && match part {
                    Part::All => true,
                    Part::Zone(z) => p.zone == z,
                    Part::Except(z) => p.zone != z,
                };
            member.then_some(self.pos[a as usize] as usize)
        });
        Draw {
            service,
            view: v,
            part,
            skip,
            len: len - u32::from(skip.is_some()),
        }
    }

    /// The pod of `draw` at index `k` (0-based, below `draw.len`) in service order.
    pub(super) fn nth(&self, topo: &Topology, draw: &Draw, k: u32) -> u32 {
        let set = &self.sets[draw.view][draw.service];
        let (a, b) = match draw.part {
            Part::All => (&set.all, None),
            Part::Zone(z) => (&set.zone[z], None),
            Part::Except(z) => (&set.all, Some(&set.zone[z])),
        };
        let mut k = k;
        if let Some(skip) = draw.skip {
            let before = a.prefix(skip) - b.map_or(0, |b| b.prefix(skip));
            if k >= before {
                k += 1;
            }
        }
        topo.service_pods[draw.service][kth(a, b, k)]
    }
}

impl Sim<'_> {
    /// Brings the balancers' candidate sets up to date with `pod`'s routability and ejection:
    /// call it after changing either.
    pub(super) fn sync_routable(&mut self, pod: u32) {
        let now = self.cal.now();
        self.routable.sync(&self.topo, pod, now);
    }

    /// Re-admits `service`'s pods whose ejection has ended: call it before drawing from the
    /// sets.
    pub(super) fn expire_ejections(&mut self, service: usize) {
        let now = self.cal.now();
        self.routable.expire(&self.topo, service, now);
    }
}

#[cfg(test)]
mod tests {
    use super::{Fenwick, kth};

    #[test]
    fn fenwick_finds_the_kth_member_of_a_set_and_of_a_difference() {
        let flags = [true, false, true, true, false, true, true, false, true];
        let zone = [true, false, false, true, false, false, true, false, false];
        let a = Fenwick::from_flags(flags.iter().copied());
        let b = Fenwick::from_flags(zone.iter().copied());
        let members: Vec<usize> = (0..flags.len()).filter(|&i| flags[i]).collect();
        for (k, &m) in members.iter().enumerate() {
            assert_eq!(kth(&a, None, k as u32), m);
            assert_eq!(a.prefix(m), k as u32);
        }
        let rest: Vec<usize> = (0..flags.len()).filter(|&i| flags[i] && !zone[i]).collect();
        for (k, &m) in rest.iter().enumerate() {
            assert_eq!(kth(&a, Some(&b), k as u32), m);
        }
        let mut a = a;
        a.change(1, true);
        a.change(0, false);
        assert_eq!(kth(&a, None, 0), 1);
        assert_eq!(a.prefix(9), 6);
    }
}
