//! Which node each pod runs on, with `[network] node_cores` (off by default): the one record
//! that the node's CPU sharing ([`super::node_cpu`]), a zone outage's nodes and a
//! `node-failure` ([`super::node_lifecycle`], [`super::faults`]) all read.
//!
//! A zone has `nodes_per_zone` nodes. A pod is bound to a node when it is created (the
//! scheduler binds a pod before it starts): the zone's node holding the fewest pods that are
//! not gone, the lowest-numbered on a tie, skipping lost nodes (NotReady ones are tainted and
//! unschedulable) unless every node of the zone is lost. At the start that is "in turn" (pod
//! k of a zone on node k mod n), as before. A pod leaves its node when it is gone for good
//! (deleted and killed, or evicted); a restarted container stays where it was.
//!
//! Without `node_cores` nothing is recorded here, and a zone outage and a `node-failure` keep
//! their own rules (pods spread over the zone's nodes in turn at the loss; `count` pods of the
//! zone at random), so scenarios without node CPU are unchanged.

use std::ops::Range;

use rand::Rng;

use super::node_cpu::NodeCpu;
use super::sim::Sim;
use super::topology::{Life, Pod, Topology};
use crate::scenario::Scenario;

/// No node (the map is off).
const NONE: u32 = u32::MAX;

/// The node of each pod and the pods of each node.
#[derive(Clone, Debug, Default)]
pub struct NodeMap {
    /// Per pod: its node (the last one, for a pod gone), [`NONE`] if it never had one.
    node_of: Vec<u32>,
    /// Per zone: its nodes, as a range of node indices.
    zones: Vec<Range<u32>>,
    /// Per node: the pods bound to it and not gone.
    pods: Vec<Vec<u32>>,
    /// Per node: lost (down with a fault, not back).
    lost: Vec<bool>,
}

impl NodeMap {
    /// Off unless `on`; else `nodes[z]` nodes in zone `z` (at least 1), with `pods` (the
    /// topology's, in index order) bound to them.
    pub fn new(on: bool, nodes: &[u32], pods: &[Pod]) -> NodeMap {
        if !on {
            return NodeMap::default();
        }
        let mut zones = Vec::with_capacity(nodes.len());
        let mut total = 0u32;
        for &n in nodes {
            zones.push(total..total + n.max(1));
            total += n.max(1);
        }
        let mut map = NodeMap {
            node_of: Vec::with_capacity(pods.len()),
            zones,
            pods: vec![Vec::new(); total as usize],
            lost: vec![false; total as usize],
        };
        for (p, pod) in pods.iter().enumerate() {
            map.bind(p as u32, pod.zone);
        }
        map
    }

    /// The map is kept (`node_cores` given).
    pub fn on(&self) -> bool {
        !self.zones.is_empty()
    }

    /// Binds new pod `pod` of `zone` to the zone's least-loaded schedulable node; its index.
    pub fn bind(&mut self, pod: u32, zone: usize) -> usize {
        let range = self.zones[zone].clone();
        let pick = |skip_lost: bool| {
            range
                .clone()
                .filter(|&n| !(skip_lost && self.lost[n as usize]))
                .min_by_key(|&n| (self.pods[n as usize].len(), n))
        };
        let node = pick(true).or_else(|| pick(false)).unwrap_or(range.start);
        let p = pod as usize;
        if self.node_of.len() <= p {
            self.node_of.resize(p + 1, NONE);
        }
        self.node_of[p] = node;
        self.pods[node as usize].push(pod);
        node as usize
    }

    /// The node `pod` is bound to (or was, if it is gone), if any.
    pub fn node_of(&self, pod: u32) -> Option<usize> {
        match self.node_of.get(pod as usize) {
            Some(&n) if n != NONE => Some(n as usize),
            _ => None,
        }
    }

    /// The pods bound to `node`.
    pub fn pods_on(&self, node: usize) -> &[u32] {
        &self.pods[node]
    }

    /// The nodes of `zone`.
    pub fn zone_nodes(&self, zone: usize) -> Range<usize> {
        let r = &self.zones[zone];
        r.start as usize..r.end as usize
    }

    /// Marks `node` lost (no new pods go there) or back.
    pub fn set_lost(&mut self, node: usize, lost: bool) {
        self.lost[node] = lost;
    }

    /// `pod` is gone for good: it leaves its node's pods. Its node stays its [`Self::node_of`]:
    /// the work it still finishes there shares that node's CPU.
    pub fn unbind(&mut self, pod: u32) {
        if let Some(node) = self.node_of(pod) {
            self.pods[node].retain(|&q| q != pod);
        }
    }

    /// Total nodes (all zones).
    pub fn nodes(&self) -> usize {
        self.pods.len()
    }
}

/// The node map and the nodes' CPU for `s` with topology `topo`: both off without
/// `node_cores`; else every pod bound to a node, the CPU-bound ones joining its CPU.
pub fn build(s: &Scenario, topo: &Topology) -> (NodeMap, NodeCpu) {
    let map = NodeMap::new(s.network.node_cores.is_some(), &s.network.nodes, &topo.pods);
    let reserved = s.network.kube_reserved_cpu;
    let mut cpu = NodeCpu::new(s.network.node_cores, reserved, map.nodes());
    for (p, pod) in topo.pods.iter().enumerate() {
        if let Some(node) = map.node_of(p as u32) {
            cpu.join(p as u32, node, s.services[pod.service].cpu.is_some());
        }
    }
    (map, cpu)
}

/// With `[network] node_cores`, per service: the most of its pods bound to any one node of
/// `zone` at the start of a run — what a `node-failure` in `zone` can take from that service at
/// worst (the fault takes one node of the zone, drawn at random, with its pods). The binding is
/// the run's own ([`NodeMap::new`] over [`Topology::build`]'s pods: pod k of a zone, in
/// topology order, on node k mod n). `None` without `node_cores`: pods are not bound then.
pub fn most_pods_on_one_node(s: &Scenario, zone: usize) -> Option<Vec<u32>> {
    s.network.node_cores?;
    let topo = Topology::build(s);
    let map = NodeMap::new(true, &s.network.nodes, &topo.pods);
    let mut most = vec![0u32; s.services.len()];
    for node in map.zone_nodes(zone) {
        let mut here = vec![0u32; s.services.len()];
        for &p in map.pods_on(node) {
            here[topo.pods[p as usize].service] += 1;
        }
        for (m, h) in most.iter_mut().zip(here) {
            *m = (*m).max(h);
        }
    }
    Some(most)
}

impl Sim<'_> {
    /// A new pod `pod` of `zone` is bound to a node (with the map on).
    pub(super) fn bind_node(&mut self, pod: u32, zone: usize) {
        if self.node_map.on() {
            let node = self.node_map.bind(pod, zone);
            let service = self.topo.pods[pod as usize].service;
            let cpu_bound = self.s.services[service].cpu.is_some();
            self.node_cpu.join(pod, node, cpu_bound);
        }
    }

    /// Pod `pod` is gone for good (killed after its deletion, or evicted): it leaves its node,
    /// and its node's CPU once its last work there is done.
    pub(super) fn unbind_node(&mut self, pod: u32) {
        if !self.node_map.on() {
            return;
        }
        if let Some(node) = self.node_map.node_of(pod) {
            self.node_map.unbind(pod);
            if self.topo.pods[pod as usize].cpu.all_jobs() == 0 {
                self.node_cpu.leave(pod, node);
            }
        }
    }

    /// Pod `p` is gone for good: deleted and dead.
    pub(super) fn pod_gone(&self, p: u32) -> bool {
        let pod = &self.topo.pods[p as usize];
        pod.retired && matches!(pod.life, Life::Down { .. })
    }

    /// A `node-failure` in `zone` with the map on: one of the zone's nodes that is not lost
    /// already, drawn with the faults' stream, and its pods that are not down or deleted. `None`
    /// when every node of the zone is lost.
    pub(super) fn pick_node(&mut self, zone: usize) -> Option<(usize, Vec<u32>)> {
        let candidates: Vec<usize> = self
            .node_map
            .zone_nodes(zone)
            .filter(|&n| !self.node_map.lost[n])
            .collect();
        if candidates.is_empty() {
            return None;
        }
        let node = candidates[self.rng.faults.random_range(0..candidates.len())];
        let pods = self
            .node_map
            .pods_on(node)
            .iter()
            .copied()
            .filter(|&p| {
                let pod = &self.topo.pods[p as usize];
                !pod.retired && !matches!(pod.life, Life::Down { .. })
            })
            .collect();
        Some((node, pods))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pods_go_in_turn_then_to_the_least_loaded_node_that_is_up() {
        // Zone 0 has 3 nodes, zone 1 one; pods 0..5 in zone 0 go in turn, pod 5 to zone 1.
        let pods: Vec<Pod> = (0..6)
            .map(|p| Pod::new(0, usize::from(p == 5), 1, None))
            .collect();
        let mut map = NodeMap::new(true, &[3, 1], &pods);
        let nodes: Vec<_> = (0..6).map(|p| map.node_of(p)).collect();
        let want = [0, 1, 2, 0, 1, 3].map(Some);
        assert_eq!(nodes, want);
        // Pod 3 is gone: node 0 has the fewest; but node 0 is lost, so node 2 (1 pod) wins.
        map.unbind(3);
        assert_eq!(map.node_of(3), Some(0), "the node its last work runs on");
        assert_eq!(map.pods_on(0), &[0]);
        map.set_lost(0, true);
        assert_eq!(map.bind(6, 0), 2);
        // Every node of the zone lost: the least loaded of them all.
        map.set_lost(1, true);
        map.set_lost(2, true);
        assert_eq!(map.bind(7, 0), 0);
        // Off: nothing is bound.
        let off = NodeMap::new(false, &[3, 1], &pods);
        assert!(!off.on());
        assert_eq!(off.node_of(0), None);
    }
}
