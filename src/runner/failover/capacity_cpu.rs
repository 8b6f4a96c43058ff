//! The N+1 arithmetic of a CPU-bound service (`cpu`): cores, not worker slots.
//!
//! A pod of such a service serves every request at once and shares its CPU (processor
//! sharing), so its worker slots say nothing about its capacity. On paper, in the steady state:
//!
//! ```text
//! CPU per request   = own work (service-time mean × a fault's multiplier)
//!                   + sidecar passes × sidecar_vcpu_per_1000_rps / 1000      (with `mesh`)
//!                   + mtls_handshake_cpu / upstream.max_requests             (with `mesh`)
//! required cores    = offered load (requests/s) × CPU per request
//! cores left        = pods still running × the pod's cores (its limit, or its request)
//! utilisation       = required / cores left; "enough" below SATURATION (95%)
//! ```
//!
//! The sidecar passes per request are the ones the model charges (`model/sidecar.rs`): one
//! in, and one out per call the request makes (a call's probability weighs it). A call's
//! waiting takes no CPU, unlike a worker slot, which it holds. In the steady state the pools
//! (`model/upstream_pool.rs`) open a connection once per `max_requests` requests (none with
//! no limit); the cold start and idle timeouts add to that in the run, not on paper.

use serde::Serialize;

use crate::scenario::{IngressKind, Scenario};

use super::SATURATION;

/// The CPU arithmetic of one CPU-bound service.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CpuCapacity {
    /// CPU-seconds one request costs its pod (own work, sidecar passes and handshakes).
    pub cpu_secs: f64,
    /// offered_rps × cpu_secs.
    pub required_cores: f64,
    /// Cores of the service's pods before the fault.
    pub cores_before: f64,
    /// Cores of its pods still running during the fault.
    pub cores_during: f64,
    /// required_cores / cores_during (`None`, written as null, when no pod is left).
    pub utilisation_during: Option<f64>,
}

impl CpuCapacity {
    /// Whether the cores left are enough (below [`SATURATION`] of them busy).
    pub fn enough(&self) -> bool {
        self.required_cores < SATURATION * self.cores_during
    }
}

/// CPU-seconds a request costs a pod of service `i`: its own work × `factor` (a fault's
/// multiplier) plus, with the mesh, its sidecar's passes and handshakes.
pub(super) fn cpu_per_request(s: &Scenario, i: usize, factor: f64) -> f64 {
    let svc = &s.services[i];
    let own = svc.service_time.mean_secs() * factor;
    let IngressKind::Istio(istio) = &s.ingress.kind else {
        return own;
    };
    if istio.mesh.is_none() {
        return own;
    }
    let calls: f64 = svc.calls.iter().map(|c| c.probability).sum();
    let pass = s.costs.sidecar_vcpu_per_1000_rps / 1_000.0;
    let share = s.ingress.upstream.map_or(0.0, |u| {
        if u.max_requests == u32::MAX {
            0.0
        } else {
            1.0 / f64::from(u.max_requests)
        }
    });
    own + (1.0 + calls) * pass + share * istio.mtls_handshake_cpu.as_secs_f64()
}

/// The CPU arithmetic of service `i` at `rate` requests/s with `pods` pods before and
/// `left` during the fault; `None` for a service without `cpu`.
pub(super) fn of(
    s: &Scenario,
    i: usize,
    rate: f64,
    factor: f64,
    (pods, left): (u32, u32),
) -> Option<CpuCapacity> {
    let cores = s.services[i].cpu?.cores();
    let cpu_secs = cpu_per_request(s, i, factor);
    let required = rate * cpu_secs;
    let during = f64::from(left) * cores;
    Some(CpuCapacity {
        cpu_secs,
        required_cores: required,
        cores_before: f64::from(pods) * cores,
        cores_during: during,
        utilisation_during: (during > 0.0).then(|| required / during),
    })
}

#[cfg(test)]
mod tests {
    use super::super::{CapacityCheck, CapacityVerdict};

    /// `web` (10 ms of CPU, limit 1 core, 2 pods per zone) calls `api` half the time, in an
    /// Istio mesh; a connection carries 100 requests (1% of tries open one); zone 2 is lost at
    /// 1 m.
    fn scenario(rate: f64) -> crate::scenario::Scenario {
        let text = format!(
            r#"
[simulation]
duration = "2m"
warmup = "10s"
[clients]
rate = {rate}
[network]
zones = ["1", "2", "3"]
[ingress]
kind = "istio"
instances = {{ "1" = 1, "2" = 1, "3" = 1 }}
mesh = true
upstream = {{ max_requests = 100 }}
[[services]]
name = "web"
pods = {{ "1" = 2, "2" = 2, "3" = 2 }}
cpu = {{ request = "500m", limit = "1" }}
service_time = "10ms"
calls = [{{ service = "api", probability = 0.5 }}]
[[services]]
name = "api"
pods = {{ "1" = 1, "2" = 1, "3" = 1 }}
service_time = "20ms"
concurrency = 4
[[faults]]
kind = "zone-outage"
zone = "2"
at = "1m"
"#
        );
        crate::scenario::parse(&text, "cpu-capacity.toml").unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_cpu_bound_service_is_checked_in_cores() {
        // Per web request: 10 ms own + (1 in + 0.5 out) sidecar passes × 0.2 ms + 1% × 1 ms
        // of handshake = 10.31 ms of CPU. 300 req/s need 3.093 cores of the 4 left (77%):
        // enough; 400 req/s need 4.124: not enough, though its 40,000 worker slots would
        // call it idle (the verdict before: "enough").
        for (rate, verdict) in [
            (300.0, CapacityVerdict::Enough),
            (400.0, CapacityVerdict::NotEnough),
        ] {
            let s = scenario(rate);
            let c = CapacityCheck::of(&s, &s.faults[0], &[], 60.0);
            let web = c.tiers.iter().find(|t| t.tier == "web").unwrap();
            let cpu = web.cpu.as_ref().expect("web has cpu");
            assert!((cpu.cpu_secs - 0.01031).abs() < 1e-12, "{cpu:?}");
            assert!((cpu.required_cores - rate * 0.01031).abs() < 1e-9);
            assert_eq!((cpu.cores_before, cpu.cores_during), (6.0, 4.0));
            let util = rate * 0.01031 / 4.0;
            assert!((web.utilisation_during.unwrap() - util).abs() < 1e-9);
            assert_eq!(web.verdict, verdict, "{rate}/s: {web:?}");
            // The slot-bound service keeps its slot arithmetic and has no CPU part.
            let api = c.tiers.iter().find(|t| t.tier == "api").unwrap();
            assert!(api.cpu.is_none());
        }
    }
}
