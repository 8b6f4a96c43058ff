//! Timeouts in the calendar: which fixed durations get a lane of their own, and which queued
//! timeouts are stale (their node moved on) so that a lane's clean-up may drop them.

use crate::engine::{SimDuration, SimTime};
use crate::scenario::IngressKind;

use super::sim::{Ev, Sim};

impl Sim<'_> {
    /// Gives the scenario's fixed timeouts calendar lanes: the client's, the ingress's per try
    /// and every call's own, then the constant network hops and ingress processing time; and,
    /// first (every `schedule` looks its delay up in order), a lane
    /// for the events of the current instant: zero-latency hops and immediate replies. The
    /// timeouts' lanes are timer lanes, cleaned up of stale timeouts (see
    /// [`Sim::drop_stale_timers`]); the others hold nothing that goes stale. The order of
    /// events is the same as with none.
    pub(super) fn add_timer_lanes(&mut self) {
        let s = self.s;
        self.cal.add_lane(crate::engine::SimDuration::ZERO);
        self.cal.add_timer_lane(s.clients.timeout);
        self.cal.add_timer_lane(s.ingress.backend_timeout);
        if let IngressKind::Istio(i) = &s.ingress.kind {
            self.cal
                .add_timer_lane(i.per_try_timeout.min(s.ingress.backend_timeout));
        }
        for call in s.services.iter().flat_map(|svc| &svc.calls) {
            if let Some(t) = call.timeout {
                self.cal.add_timer_lane(t);
            }
        }
        // Fixed hops are scheduled a fixed time ahead too: with room left after the timeouts
        // (those keep the calendar small), their lanes spare the heap a push and a pop.
        for d in [
            &s.network.in_zone,
            &s.network.cross_zone,
            &s.ingress.processing,
        ] {
            if let crate::engine::Dist::Constant(d) = *d
                && d > crate::engine::SimDuration::ZERO
            {
                self.cal.add_lane(d);
            }
        }
        // A SNAT port's cool-down after its connection closes (see `snat::hold_port`): each
        // waits a minute or more, so in the heap they would be most of it.
        if self.snat.modelled {
            self.cal.add_lane(s.egress.port_cooldown);
        }
    }

    /// Schedules node `node`'s timeout `after` from now, under its generation `ver` and token
    /// `tok` — unless no timeout that long can fire within the run: one `after` or more from
    /// time zero falls at or after the run's end, where the event loop stops, so it would only
    /// sit in the calendar (a 1 h client timeout in a 20 min run: two lane entries and their
    /// clean-up per request, for nothing). Such a timeout is left out for every request of the
    /// run alike, so its lane stays empty and the other lanes' clean-ups, the order of events
    /// and every result are unchanged.
    #[inline]
    pub(super) fn schedule_timeout(&mut self, after: SimDuration, node: u32, ver: u32, tok: u32) {
        if SimTime::ZERO + after >= self.end {
            return;
        }
        self.cal
            .schedule(self.cal.now() + after, Ev::Timeout { node, ver, tok });
    }

    /// Drops the timeouts whose node was freed or already had its answer (the same test the
    /// `Timeout` handler makes, so handling them would do nothing), when a lane asks for it.
    /// Each entry's node is prefetched a few entries before it is tested: the nodes of old
    /// timeouts are scattered over the arena, and the test would otherwise wait on each.
    pub(super) fn drop_stale_timers(&mut self) {
        let nodes = &self.nodes;
        self.cal.compact(
            self.end,
            |&w| {
                let (kind, node, ver, tok, _, _) = super::event_word::fields(w);
                if kind != super::event_word::kind::TIMEOUT {
                    return true;
                }
                let n = &nodes[node as usize];
                n.ver == ver && n.tok == tok
            },
            |&w| {
                if let Some(n) = nodes.get(super::event_word::fields(w).1 as usize) {
                    crate::engine::prefetch(n);
                }
            },
        );
    }
}
