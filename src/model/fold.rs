//! Folded hops: an event for the current instant that nothing pending precedes skips the
//! calendar.
//!
//! A hop with no delay (a zero-latency client or pod hop, an ingress with no processing time,
//! an immediate reply) carries no decision of its own: the calendar would hand its event back
//! at once. When no other event waits at the current instant, [`Sim::send_in`] keeps such an
//! event in a one-event slot instead, and the event loop handles it right after the current
//! one, before it pops the calendar again. That is exactly where the calendar would have put it
//! — events at one instant come out in the order they were scheduled, and every event scheduled
//! after it comes later — so the order of events and every result are unchanged; only the
//! trip through the calendar is saved, and such a hop is not counted as an event.
//!
//! The slot holds the event's word (see `event_word`), made in registers and read back whole;
//! the hops' kinds (arrivals at an ingress or a pod, the end of ingress processing or of a
//! service time, a reply) are dispatched straight from it.

use crate::engine::SimDuration;

use super::event_word::{fields, kind, pack, unpack};
use super::result::ErrorCause;
use super::sim::{Ev, Sim};

impl Sim<'_> {
    /// Schedules `ev` after `delay`, folded into the current instant (see the module doc) when
    /// the delay is zero, the slot is free and the calendar holds nothing for now.
    #[inline(always)]
    pub(super) fn send_in(&mut self, delay: SimDuration, ev: Ev) {
        if delay == SimDuration::ZERO && self.folded == 0 && !self.cal.has_due(self.cal.now()) {
            self.folded = pack(ev);
        } else {
            self.cal.schedule_in(delay, ev);
        }
    }

    /// Handles the event of word `w` (folded or from the calendar), as [`Sim::step`] handles
    /// the event it stands for: the hops' kinds straight from the word.
    #[inline(always)]
    pub(super) fn step_word(&mut self, w: u128) {
        let (k, node, ver, tok, ok, cause) = fields(w);
        match k {
            kind::AT_INGRESS => self.at_ingress(node, ver),
            kind::INGRESS_DONE => self.ingress_done(node, ver),
            kind::AT_POD => self.at_pod(node, ver),
            kind::SERVICE_DONE => self.service_done(node, ver),
            kind::REPLY => self.reply_due(node, ver, tok, ok, cause),
            kind::TIMEOUT => self.timeout_due(node, ver, tok),
            kind::CLIENT_ARRIVAL => self.client_arrival(),
            _ => self.step(&unpack(w)),
        }
    }

    /// A child's result (`ok`, or failed by `cause`) reaches `node`, unless it moved on.
    #[inline]
    pub(super) fn reply_due(&mut self, node: u32, ver: u32, tok: u32, ok: bool, cause: u8) {
        if self.stop_waiting(node, ver, tok) {
            self.on_reply(node, ok, ErrorCause::ALL[cause as usize]);
        }
    }

    /// `node`'s timeout fires, unless it moved on (most have: their node got its answer).
    #[inline]
    pub(super) fn timeout_due(&mut self, node: u32, ver: u32, tok: u32) {
        if self.stop_waiting(node, ver, tok) {
            self.on_reply(node, false, ErrorCause::Timeout);
        }
    }

    /// Whether `node` of generation `ver` still waits under token `tok`; if so it stops
    /// waiting (its token is bumped). One look at the node's slot.
    #[inline(always)]
    fn stop_waiting(&mut self, node: u32, ver: u32, tok: u32) -> bool {
        let n = &mut self.nodes[node as usize];
        let waiting = n.ver == ver && n.tok == tok;
        if waiting {
            n.tok = tok.wrapping_add(1);
        }
        waiting
    }
}
