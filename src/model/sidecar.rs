//! The CPU an Istio sidecar takes from its pod (`mesh`, on services with `cpu`): its work per
//! request passing it and its mTLS handshakes.
//!
//! - **Per pass.** Each request passing a pod's sidecar — into the pod (from the gateway or
//!   another pod's sidecar), or out of it (an east-west call, a mesh retry, an egress call) —
//!   costs `sidecar_vcpu_per_1000_rps / 1000` CPU-seconds on the pod's CPU: 0.2 ms with
//!   Istio 1.24's "0.20 vCPU … per 1000 requests per second" (istio.io, "Performance and
//!   Scalability", Istio 1.24; the `[costs]` figure, so the bill and the model agree). The
//!   passes are the ones the cost counts; their latency is `sidecar_latency`, already on the
//!   hop, and the CPU work does not add to it: it runs beside the request, as a background job
//!   of the pod's processor sharing ([`crate::engine::Ps::add_background`]) that slows the
//!   requests sharing the CPU with it.
//! - **mTLS.** A connection the sidecar accepts costs `mtls_handshake_cpu` on the pod's CPU
//!   ([`Sim::connection_opened`], the hook for whatever decides that a connection is new):
//!   once per connection the gateway's or a sidecar's pool opens to the pod (`upstream_pool`),
//!   when the try that opened it arrives.
//!
//! The HPA reads the sidecar too: a pod's CPU utilisation is all its containers' usage over
//! all their requests (kubernetes.io, "Horizontal Pod Autoscaling", "Container resource
//! metrics": for a `Resource` metric "the resource usage of all the containers in the pod" is
//! summed), so the sidecar's CPU request (`sidecar_vcpu`, Istio's `requests.cpu: 100m`) joins
//! the application's ([`Sim::cpu_requested`]).
//!
//! Services without `cpu` have no CPU to share: their sidecars cost latency and money only.

use crate::engine::Ps;

use super::flow::mesh_of;
use super::sim::Sim;

impl Sim<'_> {
    /// A request passes the sidecar of `pod` (in or out): its CPU work starts on the pod's
    /// CPU, if the pod's service has one and the mesh is on.
    pub(super) fn sidecar_pass(&mut self, pod: u32) {
        if mesh_of(self.s).is_none() {
            return;
        }
        let work = self.s.costs.sidecar_vcpu_per_1000_rps / 1_000.0;
        self.background_cpu(pod, work);
    }

    /// A new connection was opened to `pod`: its sidecar's mTLS handshake costs CPU on the
    /// pod (with the mesh, on a service with `cpu`; nothing otherwise). The hook for any
    /// code that decides a connection is new.
    pub(crate) fn connection_opened(&mut self, pod: u32) {
        let crate::scenario::IngressKind::Istio(istio) = &self.s.ingress.kind else {
            return;
        };
        if istio.mesh.is_none() {
            return;
        }
        let work = istio.mtls_handshake_cpu.as_secs_f64();
        self.background_cpu(pod, work);
    }

    /// A try reaches `pod` (alive, accepting work) through its inbound sidecar: one pass, and
    /// on a `new` connection its mTLS handshake.
    pub(super) fn sidecar_inbound(&mut self, pod: u32, new: bool) {
        if mesh_of(self.s).is_none() || !self.pod_has_cpu(pod) {
            return;
        }
        self.sidecar_pass(pod);
        if new {
            self.connection_opened(pod);
        }
    }

    /// The CPU the HPA measures a pod of `service` against: its CPU request, with the mesh
    /// plus the sidecar's (`sidecar_vcpu`); `None` without `cpu`.
    pub(super) fn cpu_requested(&self, service: usize) -> Option<f64> {
        let cpu = self.s.services[service].cpu?;
        let sidecar = if mesh_of(self.s).is_some() {
            self.s.costs.sidecar_vcpu
        } else {
            0.0
        };
        Some(cpu.request + sidecar)
    }

    fn pod_has_cpu(&self, pod: u32) -> bool {
        let service = self.topo.pods[pod as usize].service;
        self.s.services[service].cpu.is_some()
    }

    /// `work` CPU-seconds of no request start on `pod`'s CPU (if its service has one).
    fn background_cpu(&mut self, pod: u32, work: f64) {
        let service = self.topo.pods[pod as usize].service;
        let Some(cpu) = self.s.services[service].cpu else {
            return;
        };
        if work <= 0.0 {
            return;
        }
        let now = self.cal.now();
        let cores = self.cpu_cores(pod, cpu.cores());
        let ps: &mut Ps = &mut self.topo.pods[pod as usize].cpu;
        ps.set_cores(now, cores);
        let next = ps.add_background(now, work);
        self.cpu_changed(pod, next);
    }
}
