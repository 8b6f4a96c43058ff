//! A pod's CPU: the requests in service share it by processor sharing ([`crate::engine::Ps`]),
//! and service time that grows with concurrency (`contention`).
//!
//! When a service sets `cpu`, a request's sampled service time is CPU-seconds on one core; the
//! pod runs every request in service at once, each at `min(1, cores / n)` cores, where `cores`
//! is the CPU limit (the CFS quota), or the request without a limit. Worker slots still bound
//! how many are in service (by default they do not: see
//! [`crate::scenario::defaults::CPU_POD_CONCURRENCY`]). The HPA then reads the pod's CPU:
//! cores used over cores requested (with the mesh, the sidecar's included: see `sidecar`).
//! With `[network] node_cores` the pods on a node share its cores instead (see `node_cpu`).

use crate::engine::{NextCompletion, SimTime};

use super::sim::{Ev, Sim};

impl Sim<'_> {
    /// The factor `1 + contention × n` for work `id` starting now at its pod, `n` counting
    /// the requests in service there with it (on the CPU with `cpu`, else in worker slots).
    pub(super) fn contention(&self, id: u32) -> f64 {
        let w = self.nodes[id as usize];
        let svc = &self.s.services[w.service as usize];
        if svc.contention == 0.0 {
            return 1.0;
        }
        let pod = &self.topo.pods[w.at as usize];
        let n = if svc.cpu.is_some() {
            pod.cpu.jobs() as f64 + 1.0
        } else {
            f64::from(pod.station.busy())
        };
        1.0 + svc.contention * n
    }

    /// Work `id` starts on its pod's CPU (`cores` of it) with `work` of CPU time.
    pub(super) fn cpu_start(&mut self, id: u32, cores: f64, work: crate::engine::SimDuration) {
        let now = self.cal.now();
        let w = self.nodes[id as usize];
        let cores = self.cpu_cores(w.at, cores);
        let ps = &mut self.topo.pods[w.at as usize].cpu;
        ps.set_cores(now, cores);
        let next = ps.add(now, id, w.ver, work.as_secs_f64());
        self.cpu_changed(w.at, next);
    }

    pub(super) fn schedule_cpu(&mut self, pod: u32, next: Option<NextCompletion>) {
        if let Some(n) = next {
            self.cal.schedule(
                n.at,
                Ev::CpuDone {
                    pod,
                    generation: n.generation,
                },
            );
        }
    }

    /// The completion event of a pod's CPU: the job with the least work left is done (its
    /// service time ends, as `ServiceDone` would) and the next completion is scheduled.
    pub(super) fn cpu_done(&mut self, pod: u32, generation: u32) {
        let now = self.cal.now();
        let Some(((id, ver), next)) = self.topo.pods[pod as usize].cpu.complete(now, generation)
        else {
            return;
        };
        self.cpu_changed(pod, next);
        if id != crate::engine::Ps::BACKGROUND {
            self.service_done(id, ver);
        }
    }

    /// A CPU-bound service's tier figures read its CPU, not its worker slots: `mean_busy` is
    /// cores in use, `utilisation` (per zone too) cores used over cores available while its
    /// pods were up (a pod's up time is its slot-seconds over its slots), `offered_load`
    /// the CPU work offered over those cores (the requests' own and their sidecars'), and the
    /// stability verdict reads the requests sharing the CPUs (`queue_mid`, `queue_end`) with
    /// the mean cores as the margin's scale.
    pub(super) fn cpu_figures(
        &mut self,
        service: usize,
        cores: f64,
        slots: u32,
        measured: f64,
        t: &mut crate::model::TierResult,
    ) {
        let cores = self.figure_cores(service, cores);
        let now = self.cal.now();
        let zones = t.zone_utilisation.len();
        let (mut used, mut avail) = (vec![0.0; zones], vec![0.0; zones]);
        let (mut sidecars, mut queue_end) = (0.0, 0.0);
        for &p in &self.topo.service_pods[service] {
            let pod = &mut self.topo.pods[p as usize];
            used[pod.zone] += pod.cpu.used_measured(now);
            sidecars += pod.cpu.background_measured(now);
            queue_end += (pod.station.queue_len() + pod.cpu.jobs()) as f64;
            avail[pod.zone] += cores * pod.station.servers_integral(now) / f64::from(slots);
        }
        let share = |u: f64, a: f64| if a > 0.0 { u / a } else { 0.0 };
        t.zone_utilisation = used
            .iter()
            .zip(&avail)
            .map(|(u, a)| share(*u, *a))
            .collect();
        let (used, avail): (f64, f64) = (used.iter().sum(), avail.iter().sum());
        t.utilisation = share(used, avail);
        if measured > 0.0 {
            t.mean_busy = used / measured;
            let work = self.s.services[service].service_time.mean_secs();
            t.offered_load = (avail > 0.0).then(|| (t.arrivals as f64 * work + sidecars) / avail);
            t.queue_end = queue_end;
            let cores = avail / measured;
            t.unstable = super::result::is_unstable(t.offered_load, t.queue_mid, queue_end, cores);
        }
    }

    /// Core-seconds pod `p` used since the HPA's last reading, and the span of that reading in
    /// seconds (at most `period`; shorter for a pod made within it).
    pub(super) fn read_cpu(&mut self, p: u32, now: SimTime, period: f64) -> (f64, f64) {
        let pod = &mut self.topo.pods[p as usize];
        let used = pod.cpu.read_used(now);
        (used, now.since(pod.created).as_secs_f64().min(period))
    }
}
