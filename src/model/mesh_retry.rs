//! East-west retries in an Istio mesh: the client sidecar retries a call whose connection
//! failed — the failures Istio's default `retryOn` retries (`retry_on`, the gateway's rule
//! too; since 1.24 not a plain 503) — on another pod — Istio sets
//! Envoy's `previous_hosts` retry predicate — up to `mesh_retries` times. The application sees
//! one call: its timeout spans the retries, and it sees a failure only when they run out.
//!
//! Each retry waits Envoy's jittered backoff, uniform in [0, (2^n − 1) × 25 ms] for the n-th
//! retry, capped at 250 ms, and passes the two sidecars again.

use rand::Rng;

use crate::engine::SimDuration;
use crate::scenario::{Balancing, CallTarget, IngressKind};

use super::flow::mesh_of;
use super::locality::Locality;
use super::sim::{Ev, Sim};
use super::topology::View;
use crate::scenario::defaults::{ENVOY_RETRY_BACKOFF_BASE, ENVOY_RETRY_BACKOFF_MAX};

impl Sim<'_> {
    /// Work or leg `id` got a failed connection on its current call: retries it on another
    /// pod if it is a mesh call with retries left and time before its deadline. Returns
    /// whether it did (the call goes on); false leaves the failure to the caller.
    pub(super) fn mesh_retry(&mut self, id: u32) -> bool {
        let IngressKind::Istio(istio) = &self.s.ingress.kind else {
            return false;
        };
        let Some((sidecar, local)) = mesh_of(self.s) else {
            return false;
        };
        let n = self.nodes[id as usize];
        let Some(CallTarget::Service(target)) = self.s.services[n.service as usize]
            .calls
            .get(n.call as usize)
            .map(|c| c.target)
        else {
            return false;
        };
        let now = self.cal.now();
        if u32::from(n.tries) >= istio.mesh_retries || now >= n.try_sent {
            return false;
        }
        if self.topo.pods[n.at as usize].epoch != n.epoch {
            // The caller itself is gone: let the reply path end it.
            return false;
        }
        let zone = self.topo.pods[n.at as usize].zone;
        let Some(pod) = self.pick(
            target,
            View::Endpoints,
            Balancing::LeastRequest,
            if local {
                Locality::Priority(zone)
            } else {
                Locality::Any
            },
            n.last_pod,
        ) else {
            return false;
        };
        let tries = n.tries + 1;
        let ceiling = ENVOY_RETRY_BACKOFF_BASE
            .0
            .saturating_mul((1u64 << tries.min(32)) - 1)
            .min(ENVOY_RETRY_BACKOFF_MAX.0);
        let backoff = SimDuration(self.rng.mesh_retries.random_range(0..=ceiling));
        let sidecars =
            sidecar.sample(&mut self.rng.network) + sidecar.sample(&mut self.rng.network);
        {
            let m = &mut self.nodes[id as usize];
            m.tries = tries;
            m.last_pod = pod;
        }
        let counted = now >= self.warm;
        self.mesh_retries += u64::from(counted);
        self.usage.mesh_calls += u64::from(counted);
        self.sidecar_pass(n.at);
        // The reply that brought the failure moved the token on: the call's own timeout is
        // stale, so set it again at the same deadline.
        let m = self.nodes[id as usize];
        self.cal.schedule(
            m.try_sent,
            Ev::Timeout {
                node: id,
                ver: m.ver,
                tok: m.tok,
            },
        );
        self.send_work_after(id, pod, zone as u8, backoff + sidecars);
        true
    }
}
