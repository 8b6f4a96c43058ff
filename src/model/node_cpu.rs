//! A node's CPU shared by the CPU-bound pods on it (`[network] node_cores`; off by default).
//!
//! With `node_cores`, the pods of services with `cpu` on one node share its cores the way the
//! Linux CFS shares them between cgroups: each pod's weight is its CPU request (`cpu.shares` /
//! `cpu.weight` follow the requests; with the mesh the sidecar's request joins, as in
//! [`Sim::cpu_requested`]), a pod never gets more than its limit (the CFS quota), nor more than
//! one core per job in service (a request runs on one core at most), and what a pod cannot use
//! goes to the others (a burstable pod uses idle node CPU). This is exact processor sharing at
//! two levels: the node's cores go to its busy pods by weight, capped (water-filling), and a
//! pod's share goes to its jobs equally ([`crate::engine::Ps`]). The shares are recomputed, and
//! the completions of the pods whose share moved rescheduled, whenever a job starts or ends on
//! any pod of the node. The pods share the node's *allocatable* CPU: its cores less what AKS
//! keeps for the kubelet and system daemons (`kube_reserved_cpu`; 140m of 4 cores by default).
//!
//! A pod's node is the one [`super::node_map`] bound it to when it was created (the same node
//! a zone outage or a `node-failure` takes); a pod gone for good leaves its node's CPU once its
//! last work there is done. Pods without `cpu` and gateway replicas take no node CPU. Without `node_cores` nothing here runs and a pod's CPU is its own
//! ([`crate::scenario::Cpu::cores`]).

use crate::engine::NextCompletion;

use super::sim::Sim;

/// The CPU-bound pods of each node, and the buffers one re-share works in.
#[derive(Clone, Debug, Default)]
pub struct NodeCpu {
    /// Cores per node the pods share (its allocatable CPU: `node_cores` less
    /// `kube_reserved_cpu`); 0 when off.
    cores: f64,
    /// Per node (indexed as in [`super::node_map::NodeMap`]): its CPU-bound pods.
    members: Vec<Vec<u32>>,
    /// Per member of the node being re-shared: its weight, its cap and its share.
    weights: Vec<f64>,
    caps: Vec<f64>,
    shares: Vec<f64>,
    /// The members still open in the water-filling.
    open: Vec<usize>,
}

impl NodeCpu {
    /// Off without `cores`; else `nodes` nodes of `cores` each, `reserved` of which are kept
    /// for the kubelet and system daemons.
    pub fn new(cores: Option<f64>, reserved: f64, nodes: usize) -> NodeCpu {
        let Some(cores) = cores else {
            return NodeCpu::default();
        };
        NodeCpu {
            cores: cores - reserved,
            members: vec![Vec::new(); nodes],
            ..NodeCpu::default()
        }
    }

    /// Node CPU is on (`node_cores` given).
    pub fn on(&self) -> bool {
        self.cores > 0.0
    }

    /// Pod `pod`, bound to `node`, joins the node's CPU if it is CPU-bound (`cpu_bound`).
    pub fn join(&mut self, pod: u32, node: usize, cpu_bound: bool) {
        if self.on() && cpu_bound {
            self.members[node].push(pod);
        }
    }

    /// Pod `pod` leaves `node`'s CPU (gone, its work done).
    pub fn leave(&mut self, pod: u32, node: usize) {
        if let Some(m) = self.members.get_mut(node) {
            m.retain(|&q| q != pod);
        }
    }
}

/// Water-filling: `cores` shared by `weights`, each share capped at its `caps` entry; what a
/// capped entry leaves goes to the others by weight. Entries with a zero cap get nothing.
#[cfg(test)]
pub fn share(cores: f64, weights: &[f64], caps: &[f64]) -> Vec<f64> {
    let (mut out, mut open) = (Vec::new(), Vec::new());
    share_into(cores, weights, caps, &mut out, &mut open);
    out
}

/// [`share`] into `out`, with `open` as working space: no allocation once their capacities
/// are reached.
pub fn share_into(
    cores: f64,
    weights: &[f64],
    caps: &[f64],
    out: &mut Vec<f64>,
    open: &mut Vec<usize>,
) {
    out.clear();
    out.resize(weights.len(), 0.0);
    open.clear();
    open.extend((0..weights.len()).filter(|&i| caps[i] > 0.0));
    let mut left = cores;
    loop {
        let total: f64 = open.iter().map(|&i| weights[i]).sum();
        if open.is_empty() || total <= 0.0 {
            return;
        }
        let capped = |i: usize| left * weights[i] / total >= caps[i];
        if !open.iter().any(|&i| capped(i)) {
            for &i in open.iter() {
                out[i] = left * weights[i] / total;
            }
            return;
        }
        let mut after = left;
        open.retain(|&i| {
            if capped(i) {
                out[i] = caps[i];
                after -= caps[i];
                false
            } else {
                true
            }
        });
        left = after.max(0.0);
    }
}

impl Sim<'_> {
    /// A job started or ended on `pod`'s CPU, which returned `next`: without node CPU, `next`
    /// is scheduled; with it, the node's cores are shared again and every pod whose share
    /// moved is rescheduled (`pod` itself with `next` if its share did not move). A member
    /// that is gone (deleted and dead) with no work left leaves the node's CPU here.
    pub(super) fn cpu_changed(&mut self, pod: u32, next: Option<NextCompletion>) {
        let node = match self.node_map.node_of(pod) {
            Some(node) if self.node_cpu.on() => node,
            _ => return self.schedule_cpu(pod, next),
        };
        // Taken out while the node's pods are rescheduled (nothing below binds a pod), and put
        // back, like the buffers: nothing is allocated per CPU event.
        let c = &mut self.node_cpu;
        let mut members = std::mem::take(&mut c.members[node]);
        let (mut weights, mut caps) = (std::mem::take(&mut c.weights), std::mem::take(&mut c.caps));
        let (mut shares, mut open) = (std::mem::take(&mut c.shares), std::mem::take(&mut c.open));
        let pods = &self.topo.pods;
        members.retain(|&q| q == pod || !self.pod_gone(q) || pods[q as usize].cpu.all_jobs() > 0);
        weights.clear();
        caps.clear();
        for &q in &members {
            let service = pods[q as usize].service;
            let cpu = self.s.services[service].cpu;
            weights.push(self.cpu_requested(service).unwrap_or(0.0));
            let jobs = pods[q as usize].cpu.all_jobs() as f64;
            let limit = cpu.and_then(|c| c.limit).unwrap_or(f64::INFINITY);
            caps.push(jobs.min(limit));
        }
        share_into(self.node_cpu.cores, &weights, &caps, &mut shares, &mut open);
        let now = self.cal.now();
        for (&q, &cores) in members.iter().zip(&shares) {
            let ps = &mut self.topo.pods[q as usize].cpu;
            if ps.cores() != cores {
                let n = ps.retime(now, cores);
                self.schedule_cpu(q, n);
            } else if q == pod {
                self.schedule_cpu(q, next);
            }
        }
        if self.pod_gone(pod) && self.topo.pods[pod as usize].cpu.all_jobs() == 0 {
            members.retain(|&q| q != pod);
        }
        let c = &mut self.node_cpu;
        c.members[node] = members;
        (c.weights, c.caps, c.shares, c.open) = (weights, caps, shares, open);
    }

    /// The cores a pod of `service` has for its tier's figures (`utilisation`, `offered_load`):
    /// `own` (its limit or request) without node CPU; with it, what it can reach — its limit,
    /// at most the node's cores — so that a pod bursting into idle node CPU does not read
    /// above 100%.
    pub(super) fn figure_cores(&self, service: usize, own: f64) -> f64 {
        if !self.node_cpu.on() {
            return own;
        }
        let limit = self.s.services[service].cpu.and_then(|c| c.limit);
        limit.unwrap_or(f64::INFINITY).min(self.node_cpu.cores)
    }

    /// The cores `pod`'s CPU work starts with: `own` (its limit or request) without node CPU;
    /// with it, what the pod has now (the node's sharing sets it in [`Sim::cpu_changed`]).
    pub(super) fn cpu_cores(&self, pod: u32, own: f64) -> f64 {
        if self.node_cpu.on() {
            self.topo.pods[pod as usize].cpu.cores()
        } else {
            own
        }
    }
}

#[cfg(test)]
mod tests {
    use super::share;

    #[test]
    fn kube_reserved_follows_the_aks_table() {
        use crate::scenario::defaults::aks_kube_reserved_cpu;
        // Microsoft Learn, "Node resource reservations": cores → millicores.
        let table = [
            (1, 60),
            (2, 100),
            (4, 140),
            (8, 180),
            (16, 260),
            (32, 420),
            (64, 740),
        ];
        for (cores, milli) in table {
            let got = aks_kube_reserved_cpu(f64::from(cores)) * 1000.0;
            assert!(
                (got - f64::from(milli)).abs() < 1e-9,
                "{cores} cores: {got}m"
            );
        }
    }

    #[test]
    fn shares_follow_weights_caps_and_redistribute() {
        let inf = f64::INFINITY;
        // Requests 1 and 3 on 4 cores, both busy: 1 and 3.
        assert_eq!(share(4.0, &[1.0, 3.0], &[inf, inf]), vec![1.0, 3.0]);
        // Requests 0.5 and 1.5: the idle rest goes by weight too.
        assert_eq!(share(4.0, &[0.5, 1.5], &[inf, inf]), vec![1.0, 3.0]);
        // One idle (no job): the other bursts to all 4, unless its limit of 2 caps it.
        assert_eq!(share(4.0, &[1.0, 3.0], &[inf, 0.0]), vec![4.0, 0.0]);
        assert_eq!(share(4.0, &[1.0, 3.0], &[2.0, 0.0]), vec![2.0, 0.0]);
        // A capped pod's leftover goes to the other: half of 4 is above the cap 0.5; 3.5 left.
        assert_eq!(share(4.0, &[1.0, 1.0], &[0.5, inf]), vec![0.5, 3.5]);
    }
}
