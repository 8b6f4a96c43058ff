//! A deleted pod's last moments as the balancers see them: App Gateway's connection draining
//! when AGIC deregisters the pod, and the reset of whatever is still in flight when the pod is
//! killed at the end of its termination grace period.
//!
//! App Gateway sends a deregistered backend no new requests and lets its in-flight requests
//! finish within the `connection-draining-timeout`, or within 30 s when draining is not
//! enabled (Microsoft Learn, "Application Gateway HTTP settings configuration", "Connection
//! draining"); then it closes the connections and those requests fail (502).

use std::collections::HashSet;

use crate::engine::SimDuration;
use crate::scenario::IngressKind;

use super::result::ErrorCause;
use super::sim::{Ev, Kind, Sim};
use super::topology::Life;

impl Sim<'_> {
    /// App Gateway's view dropped pod `p`: if the pod was deleted and still runs, AGIC has
    /// deregistered it, and its in-flight requests from the gateway get the drain window.
    pub(super) fn agw_deregistered(&mut self, p: u32) {
        let pod = &self.topo.pods[p as usize];
        if !pod.retired || pod.life != Life::Up {
            return;
        }
        let IngressKind::AppGateway(agw) = &self.s.ingress.kind else {
            return;
        };
        let epoch = pod.epoch;
        self.cal
            .schedule_in(agw.drain_window(), Ev::DrainEnd { pod: p, epoch });
    }

    /// App Gateway's drain window for pod `p` ends: it closes its connections, and the
    /// requests it still has there fail. A pod already stopped (a new epoch) had its work
    /// reset then.
    pub(super) fn drain_end(&mut self, p: u32, epoch: u32) {
        if self.topo.pods[p as usize].epoch == epoch {
            self.cut_in_flight(p, epoch, true);
        }
    }

    /// Fails at once the senders of the work in flight at pod `p` (sent while it had `epoch`):
    /// only App Gateway's tries if `gateway_only`. The work itself is dropped when its next
    /// event finds the sender gone on (its reply is stale) or the pod stopped.
    pub(super) fn cut_in_flight(&mut self, p: u32, epoch: u32, gateway_only: bool) {
        let free: HashSet<u32> = self.free.iter().copied().collect();
        let mut senders = Vec::new();
        for (id, n) in self.nodes.iter().enumerate() {
            if n.kind != Kind::Work || n.at != p || n.epoch != epoch || free.contains(&(id as u32))
            {
                continue;
            }
            let parent = &self.nodes[n.parent as usize];
            if parent.ver != n.parent_ver || parent.tok != n.parent_tok {
                continue;
            }
            if gateway_only && parent.kind != Kind::Attempt {
                continue;
            }
            senders.push((n.parent, n.parent_ver, n.parent_tok));
        }
        for (node, ver, tok) in senders {
            self.cal.schedule_in(
                SimDuration::ZERO,
                Ev::Reply {
                    node,
                    ver,
                    tok,
                    ok: false,
                    cause: ErrorCause::DeadBackend as u8,
                },
            );
        }
    }
}
