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
//! any pod of the node.
//!
//! A zone's CPU-bound pods are placed on its nodes (`nodes_per_zone`) in turn, in the order
//! they first run CPU work, and stay there. Pods without `cpu` and gateway replicas take no
//! node CPU. Without `node_cores` nothing here runs and a pod's CPU is its own
//! ([`crate::scenario::Cpu::cores`]).

use crate::engine::NextCompletion;

use super::sim::Sim;

/// The node of each CPU-bound pod and the pods of each node.
#[derive(Clone, Debug, Default)]
pub struct NodeCpu {
    /// Cores per node; 0 when off.
    cores: f64,
    /// Per pod: its node (an index into `members`), `u32::MAX` before its first CPU work.
    node_of: Vec<u32>,
    /// Per zone: pods placed so far (the next goes to node `placed % nodes`).
    placed: Vec<u32>,
    /// Per zone: the index of its first node in `members`.
    first: Vec<u32>,
    /// Per zone: its node count.
    count: Vec<u32>,
    /// Per node: its CPU-bound pods.
    members: Vec<Vec<u32>>,
}

impl NodeCpu {
    /// Off without `cores`; else nodes of `cores` each, `nodes[z]` in zone `z`.
    pub fn new(cores: Option<f64>, nodes: &[u32]) -> NodeCpu {
        let Some(cores) = cores else {
            return NodeCpu::default();
        };
        let count: Vec<u32> = nodes.iter().map(|&n| n.max(1)).collect();
        let mut first = Vec::with_capacity(count.len());
        let mut total = 0u32;
        for &n in &count {
            first.push(total);
            total += n;
        }
        NodeCpu {
            cores,
            node_of: Vec::new(),
            placed: vec![0; count.len()],
            first,
            count,
            members: vec![Vec::new(); total as usize],
        }
    }

    /// Node CPU is on (`node_cores` given).
    pub fn on(&self) -> bool {
        self.cores > 0.0
    }

    /// The node of `pod` in `zone`, placing it on the zone's next node the first time.
    fn node(&mut self, pod: u32, zone: usize) -> usize {
        let p = pod as usize;
        if self.node_of.len() <= p {
            self.node_of.resize(p + 1, u32::MAX);
        }
        if self.node_of[p] == u32::MAX {
            let n = self.first[zone] + self.placed[zone] % self.count[zone];
            self.placed[zone] += 1;
            self.node_of[p] = n;
            self.members[n as usize].push(pod);
        }
        self.node_of[p] as usize
    }
}

/// Water-filling: `cores` shared by `weights`, each share capped at its `caps` entry; what a
/// capped entry leaves goes to the others by weight. Entries with a zero cap get nothing.
pub fn share(cores: f64, weights: &[f64], caps: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; weights.len()];
    let mut open: Vec<usize> = (0..weights.len()).filter(|&i| caps[i] > 0.0).collect();
    let mut left = cores;
    loop {
        let total: f64 = open.iter().map(|&i| weights[i]).sum();
        if open.is_empty() || total <= 0.0 {
            return out;
        }
        let capped: Vec<usize> = open
            .iter()
            .copied()
            .filter(|&i| left * weights[i] / total >= caps[i])
            .collect();
        if capped.is_empty() {
            for &i in &open {
                out[i] = left * weights[i] / total;
            }
            return out;
        }
        for &i in &capped {
            out[i] = caps[i];
            left -= caps[i];
        }
        left = left.max(0.0);
        open.retain(|i| !capped.contains(i));
    }
}

impl Sim<'_> {
    /// A job started or ended on `pod`'s CPU, which returned `next`: without node CPU, `next`
    /// is scheduled; with it, the node's cores are shared again and every pod whose share
    /// moved is rescheduled (`pod` itself with `next` if its share did not move).
    pub(super) fn cpu_changed(&mut self, pod: u32, next: Option<NextCompletion>) {
        if !self.node_cpu.on() {
            return self.schedule_cpu(pod, next);
        }
        let zone = self.topo.pods[pod as usize].zone;
        let node = self.node_cpu.node(pod, zone);
        // Taken out while the node's pods are rescheduled (nothing below places a pod), and put
        // back: no copy of the member list per CPU event.
        let members = std::mem::take(&mut self.node_cpu.members[node]);
        let (mut weights, mut caps) = (Vec::new(), Vec::new());
        for &q in &members {
            let service = self.topo.pods[q as usize].service;
            let cpu = self.s.services[service].cpu;
            weights.push(self.cpu_requested(service).unwrap_or(0.0));
            let jobs = self.topo.pods[q as usize].cpu.all_jobs() as f64;
            let limit = cpu.and_then(|c| c.limit).unwrap_or(f64::INFINITY);
            caps.push(jobs.min(limit));
        }
        let shares = share(self.node_cpu.cores, &weights, &caps);
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
        self.node_cpu.members[node] = members;
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
