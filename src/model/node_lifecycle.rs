//! The node lifecycle controller: nodes lost with a zone or a node failure, their zones' states,
//! and the rate-limited tainting that evicts their pods (kubernetes.io, Nodes, "Rate limits on
//! eviction"; kube-controller-manager reference; facts §10).
//!
//! A lost node stops reporting; after `node-monitor-grace-period` it is NotReady. Each zone is
//! then *normal*, *partially disrupted* (at least 55% and at least 3 of its nodes NotReady) or
//! *fully disrupted* (none Ready). Per zone, a token bucket (burst 1) limits how fast the
//! controller puts the `NoExecute` taint on NotReady nodes: `--node-eviction-rate` 0.1 nodes/s
//! in a normal or fully disrupted zone, `--secondary-node-eviction-rate` 0.01 in a partially
//! disrupted one — 0 if that zone has at most `--large-cluster-size-threshold` 50 nodes — and 0
//! everywhere while every zone is fully disrupted (the controller then assumes its own
//! connectivity is at fault and lifts the taints). With taint-based evictions (the default
//! since 1.18) it is the tainting that is rate limited: a tainted node's pods are evicted when
//! their default 300 s toleration of the taint runs out, and only then do their ReplicaSets
//! create replacements. A node that comes back is untainted and its pods are not evicted.
//!
//! Pods are spread over a zone's nodes in turn (the `[network] nodes_per_zone` count), so
//! losing a zone of 30 nodes takes 29 × 10 s longer to evict than losing one node. With
//! `node_cores` a lost node holds the pods the node map bound to it (see `node_map`).

use std::collections::{BTreeSet, VecDeque};

use super::detection::{EVICTION_TOLERATION, NODE_MONITOR_GRACE};
use super::sim::{Ev, Sim};
use crate::engine::{SimDuration, SimTime};
use crate::scenario::defaults::{
    LARGE_CLUSTER_SIZE_THRESHOLD, NODE_EVICTION_RATE, SECONDARY_NODE_EVICTION_RATE,
    UNHEALTHY_ZONE_MIN_NOT_READY, UNHEALTHY_ZONE_THRESHOLD,
};

/// A zone's state for the node lifecycle controller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZoneState {
    /// Fewer than 55% (or fewer than 3) of its nodes NotReady.
    Normal,
    /// At least 55% and at least 3 NotReady, some Ready.
    PartialDisruption,
    /// No node Ready.
    FullDisruption,
}

/// The state of a zone with `ready` and `not_ready` nodes (the controller's `ComputeZoneState`).
pub fn zone_state(ready: u32, not_ready: u32) -> ZoneState {
    let share = f64::from(not_ready) / f64::from((ready + not_ready).max(1));
    if ready == 0 && not_ready > 0 {
        ZoneState::FullDisruption
    } else if not_ready >= UNHEALTHY_ZONE_MIN_NOT_READY && share >= UNHEALTHY_ZONE_THRESHOLD {
        ZoneState::PartialDisruption
    } else {
        ZoneState::Normal
    }
}

/// Nodes per second the zone's tainter may take, for a zone of `size` nodes in `state`, when
/// `all_disrupted` (every zone fully disrupted) or not.
pub fn taint_rate(state: ZoneState, size: u32, all_disrupted: bool) -> f64 {
    if all_disrupted {
        return 0.0;
    }
    match state {
        ZoneState::Normal | ZoneState::FullDisruption => NODE_EVICTION_RATE,
        ZoneState::PartialDisruption if size > LARGE_CLUSTER_SIZE_THRESHOLD => {
            SECONDARY_NODE_EVICTION_RATE
        }
        ZoneState::PartialDisruption => 0.0,
    }
}

/// One lost node and what it held.
#[derive(Clone, Debug)]
struct LostNode {
    zone: usize,
    /// Its node in the node map (with `node_cores`).
    node: Option<usize>,
    /// Pods on it, with their epochs when lost.
    pods: Vec<(u32, u32)>,
    /// Gateway replicas (NGINX, Istio) on it, with their epochs when lost.
    instances: Vec<(u32, u32)>,
    /// NotReady (the grace period has passed).
    not_ready: bool,
    /// Back (its fault ended).
    back: bool,
    /// Carries the `NoExecute` taint.
    tainted: bool,
    /// Bumped when the taint is lifted: the eviction scheduled with it is stale.
    taint_gen: u32,
}

/// The controller's state for one run.
#[derive(Clone, Debug)]
pub struct NodeLifecycle {
    /// Nodes per zone.
    size: Vec<u32>,
    /// Every node lost so far.
    lost: Vec<LostNode>,
    /// Lost nodes whose grace period ends, in time order.
    due: VecDeque<(SimTime, u32)>,
    /// Per zone, NotReady nodes waiting for the taint.
    queue: Vec<VecDeque<u32>>,
    /// Per zone, when the token bucket next has a token.
    next_token: Vec<SimTime>,
    /// Per zone, the limiter's generation (bumped when its rate changes).
    round: Vec<u32>,
    /// Per zone, whether a taint event of the current generation is in the calendar.
    armed: Vec<bool>,
    /// Per zone, its state.
    state: Vec<ZoneState>,
    /// Every zone fully disrupted.
    all_disrupted: bool,
    /// Nodes lost by each fault.
    by_fault: Vec<Vec<u32>>,
    /// Pods and gateway replicas on a lost node that is not back: they have no metrics.
    lost_pods: BTreeSet<u32>,
    lost_instances: BTreeSet<u32>,
}

impl NodeLifecycle {
    /// All nodes Ready: `nodes` per zone, `faults` faults in the scenario.
    pub fn new(nodes: &[u32], faults: usize) -> NodeLifecycle {
        let zones = nodes.len();
        NodeLifecycle {
            size: nodes.iter().map(|&n| n.max(1)).collect(),
            lost: Vec::new(),
            due: VecDeque::new(),
            queue: vec![VecDeque::new(); zones],
            next_token: vec![SimTime::ZERO; zones],
            round: vec![0; zones],
            armed: vec![false; zones],
            state: vec![ZoneState::Normal; zones],
            all_disrupted: false,
            by_fault: vec![Vec::new(); faults],
            lost_pods: BTreeSet::new(),
            lost_instances: BTreeSet::new(),
        }
    }

    /// Nodes in `zone`.
    pub fn nodes_in(&self, zone: usize) -> u32 {
        self.size[zone]
    }

    /// Pod `p` is on a lost node (no metrics).
    pub fn pod_lost(&self, p: u32) -> bool {
        self.lost_pods.contains(&p)
    }

    /// Gateway replica `k` is on a lost node (no metrics).
    pub fn instance_lost(&self, k: u32) -> bool {
        self.lost_instances.contains(&k)
    }

    /// NotReady nodes of `zone` now.
    fn not_ready(&self, zone: usize) -> u32 {
        self.lost
            .iter()
            .filter(|n| n.zone == zone && n.not_ready && !n.back)
            .count() as u32
    }
}

impl Sim<'_> {
    /// Fault `fault` loses a node of `zone` (`node` in the node map, with `node_cores`) holding
    /// `pods` and gateway replicas `instances` (already killed): it is NotReady after the grace
    /// period, and no new pod is bound to it until it is back.
    pub(super) fn lose_node(
        &mut self,
        fault: usize,
        zone: usize,
        node: Option<usize>,
        pods: &[u32],
        instances: &[u32],
    ) {
        if let Some(n) = node {
            self.node_map.set_lost(n, true);
        }
        let id = self.node_ctl.lost.len() as u32;
        let node = LostNode {
            zone,
            node,
            pods: pods
                .iter()
                .map(|&p| (p, self.topo.pods[p as usize].epoch))
                .collect(),
            instances: instances
                .iter()
                .map(|&k| (k, self.topo.instances[k as usize].epoch))
                .collect(),
            not_ready: false,
            back: false,
            tainted: false,
            taint_gen: 0,
        };
        let c = &mut self.node_ctl;
        c.lost_pods.extend(pods.iter().copied());
        c.lost_instances.extend(instances.iter().copied());
        c.lost.push(node);
        c.by_fault[fault].push(id);
        c.due.push_back((self.cal.now() + NODE_MONITOR_GRACE, id));
        self.cal.schedule_in(NODE_MONITOR_GRACE, Ev::NodesNotReady);
    }

    /// A zone outage (fault `fault`): the zone's nodes are all lost. Its `pods` are on the
    /// nodes the node map bound them to (with `node_cores`), else spread over them in turn; its
    /// gateway `instances` are spread over them in turn.
    pub(super) fn lose_zone(&mut self, fault: usize, zone: usize, pods: &[u32], instances: &[u32]) {
        let n = self.node_ctl.nodes_in(zone) as usize;
        for k in 0..n {
            let on =
                |list: &[u32]| -> Vec<u32> { list.iter().copied().skip(k).step_by(n).collect() };
            if self.node_map.on() {
                let node = self.node_map.zone_nodes(zone).start + k;
                let bound = |&&p: &&u32| self.node_map.node_of(p) == Some(node);
                let mine: Vec<u32> = pods.iter().filter(bound).copied().collect();
                self.lose_node(fault, zone, Some(node), &mine, &on(instances));
            } else {
                self.lose_node(fault, zone, None, &on(pods), &on(instances));
            }
        }
    }

    /// The nodes lost by fault `fault` are back: untainted, Ready again; their pods are no
    /// longer evicted.
    pub(super) fn nodes_back(&mut self, fault: usize) {
        let c = &mut self.node_ctl;
        for id in std::mem::take(&mut c.by_fault[fault]) {
            let node = &mut c.lost[id as usize];
            node.back = true;
            if let Some(n) = node.node {
                self.node_map.set_lost(n, false);
            }
            node.tainted = false;
            node.taint_gen = node.taint_gen.wrapping_add(1);
            for &(p, _) in &node.pods {
                c.lost_pods.remove(&p);
            }
            for &(k, _) in &node.instances {
                c.lost_instances.remove(&k);
            }
            let zone = node.zone;
            c.queue[zone].retain(|&q| q != id);
        }
        self.update_zone_states();
    }

    /// Grace periods end: those nodes are NotReady and wait for the taint.
    pub(super) fn nodes_not_ready(&mut self) {
        let now = self.cal.now();
        let c = &mut self.node_ctl;
        while let Some(&(at, id)) = c.due.front() {
            if at > now {
                break;
            }
            c.due.pop_front();
            let node = &mut c.lost[id as usize];
            if node.back || node.not_ready {
                continue;
            }
            node.not_ready = true;
            let zone = node.zone;
            c.queue[zone].push_back(id);
        }
        self.update_zone_states();
    }

    /// Recomputes the zones' states; a zone whose state changed gets a fresh limiter at its
    /// new rate. Entering "every zone fully disrupted" lifts every taint.
    fn update_zone_states(&mut self) {
        let now = self.cal.now();
        let zones = self.node_ctl.size.len();
        let states: Vec<ZoneState> = (0..zones)
            .map(|z| {
                let c = &self.node_ctl;
                let not_ready = c.not_ready(z).min(c.size[z]);
                zone_state(c.size[z] - not_ready, not_ready)
            })
            .collect();
        let all = states.iter().all(|&s| s == ZoneState::FullDisruption);
        let c = &mut self.node_ctl;
        if all && !c.all_disrupted {
            // The controller suspects its own connectivity: it lifts the taints, and the
            // nodes wait again.
            for (id, node) in c.lost.iter_mut().enumerate() {
                if node.tainted && !node.back {
                    node.tainted = false;
                    node.taint_gen = node.taint_gen.wrapping_add(1);
                    c.queue[node.zone].push_back(id as u32);
                }
            }
        }
        let mode_changed = all != c.all_disrupted;
        c.all_disrupted = all;
        for (z, &state) in states.iter().enumerate() {
            if mode_changed || state != c.state[z] {
                c.state[z] = state;
                // A fresh token bucket (burst 1) at the new rate.
                c.round[z] = c.round[z].wrapping_add(1);
                c.armed[z] = false;
                c.next_token[z] = now;
            }
        }
        for z in 0..zones {
            self.arm_tainter(z);
        }
    }

    /// Puts the next taint of `zone` in the calendar, if a node waits and the rate allows.
    fn arm_tainter(&mut self, zone: usize) {
        let c = &mut self.node_ctl;
        let rate = taint_rate(c.state[zone], c.size[zone], c.all_disrupted);
        if c.armed[zone] || c.queue[zone].is_empty() || rate <= 0.0 {
            return;
        }
        c.armed[zone] = true;
        let at = c.next_token[zone].max(self.cal.now());
        let round = c.round[zone];
        self.cal.schedule(
            at,
            Ev::TaintNode {
                zone: zone as u16,
                round,
            },
        );
    }

    /// The tainter of `zone` has a token: it taints the next NotReady node; its pods are
    /// evicted when their toleration runs out.
    pub(super) fn taint_node(&mut self, zone: usize, round: u32) {
        let now = self.cal.now();
        let c = &mut self.node_ctl;
        if c.round[zone] != round || !c.armed[zone] {
            return;
        }
        c.armed[zone] = false;
        let rate = taint_rate(c.state[zone], c.size[zone], c.all_disrupted);
        let Some(id) = c.queue[zone].pop_front() else {
            return;
        };
        let node = &mut c.lost[id as usize];
        node.tainted = true;
        let taint_gen = node.taint_gen;
        c.next_token[zone] = now + SimDuration::from_secs_f64(1.0 / rate);
        self.cal.schedule_in(
            EVICTION_TOLERATION,
            Ev::EvictNode {
                node: id,
                round: taint_gen,
            },
        );
        self.arm_tainter(zone);
    }

    /// The toleration of the pods on tainted node `id` runs out: they are evicted.
    pub(super) fn evict_node(&mut self, id: u32, round: u32) {
        let node = &self.node_ctl.lost[id as usize];
        if node.back || !node.tainted || node.taint_gen != round {
            return;
        }
        let (pods, instances) = (node.pods.clone(), node.instances.clone());
        let zone = node.zone;
        let now = self.cal.now();
        self.timeline
            .record(now, super::timeline::EventKind::NodeEviction { zone });
        for (p, epoch) in pods {
            self.evict(p, epoch);
        }
        for (k, epoch) in instances {
            self.evict_instance(k, epoch);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_states_follow_the_controller() {
        // 20 of 20 NotReady: fully disrupted.
        assert_eq!(zone_state(0, 20), ZoneState::FullDisruption);
        // 11 of 20 = 55%: unhealthy.
        assert_eq!(zone_state(9, 11), ZoneState::PartialDisruption);
        // 10 of 20 = 50%: normal.
        assert_eq!(zone_state(10, 10), ZoneState::Normal);
        // 2 of 3 = 67%, but fewer than 3 NotReady: normal.
        assert_eq!(zone_state(1, 2), ZoneState::Normal);
        assert_eq!(zone_state(5, 0), ZoneState::Normal);
    }

    #[test]
    fn taint_rates_follow_the_flags() {
        use ZoneState::*;
        assert_eq!(taint_rate(Normal, 20, false), 0.1);
        // A zone that is wholly down is evicted at the normal rate, so its work moves away.
        assert_eq!(taint_rate(FullDisruption, 20, false), 0.1);
        // Unhealthy: the secondary rate in a zone of more than 50 nodes, else none.
        assert_eq!(taint_rate(PartialDisruption, 51, false), 0.01);
        assert_eq!(taint_rate(PartialDisruption, 50, false), 0.0);
        // Every zone down: no evictions at all.
        assert_eq!(taint_rate(FullDisruption, 20, true), 0.0);
    }
}
