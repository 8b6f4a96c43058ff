//! Retries in the services' own code: a call with `retries` is made again when it fails (a
//! timeout, a 5xx, a reset, a rejection), after an exponential backoff with full jitter (the
//! call's `backoff`, doubling each retry, capped at the clients' 5 s). Each retry is a new call
//! with its own timeout, through the same path (kube-proxy or the mesh, its policies, the
//! egress). The worker slot stays held through the backoff. These retries stack on the
//! clients' and the ingress's: the load on a dependency is multiplied at every tier that
//! retries.

use rand::Rng;

use crate::engine::SimDuration;
use crate::scenario::defaults::RETRY_MAX_BACKOFF;

use super::result::ErrorCause;
use super::sim::{Ev, Kind, Sim};

impl Sim<'_> {
    /// Work or leg `id`'s current call failed: schedules a retry after its backoff if the call
    /// has retries left and the caller's pod is the one that made it. Returns whether it did.
    pub(super) fn call_retry(&mut self, id: u32) -> bool {
        let n = self.nodes[id as usize];
        let Some(call) = self.s.services[n.service as usize]
            .calls
            .get(n.call as usize)
        else {
            return false;
        };
        if u32::from(n.call_tries) >= call.retries || self.topo.pods[n.at as usize].epoch != n.epoch
        {
            return false;
        }
        let ceiling = call
            .backoff
            .0
            .saturating_mul(1u64 << u32::from(n.call_tries).min(32))
            .min(RETRY_MAX_BACKOFF.0);
        let wait = SimDuration(self.rng.retries.random_range(0..=ceiling));
        self.nodes[id as usize].call_tries += 1;
        self.call_retries += u64::from(self.cal.now() >= self.warm);
        self.cal.schedule_in(
            wait,
            Ev::CallRetryDue {
                node: id,
                ver: n.ver,
                tok: n.tok,
            },
        );
        true
    }

    /// A call's backoff ended: make it again, unless the caller's pod died meanwhile.
    pub(super) fn call_retry_due(&mut self, id: u32) {
        let n = self.nodes[id as usize];
        if self.topo.pods[n.at as usize].epoch != n.epoch {
            // The caller's pod died during the backoff: its work ends there (a leg reports
            // to its work, which then ends).
            return match n.kind {
                Kind::Leg => self.leg_done(id, false, ErrorCause::DeadBackend),
                _ => self.ghost_end(id),
            };
        }
        self.make_call(id, n.call as usize);
    }
}
