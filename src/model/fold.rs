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
//! The slot holds the hops' events (arrivals at an ingress or a pod, the end of ingress
//! processing or of a service time, a reply) packed in one 128-bit word, built in registers
//! and read back whole: an [`Ev`] built field by field on the stack and then copied whole
//! stalls the processor (the wide load cannot take its bytes from the narrow stores still in
//! flight), once when it is put in the slot and once when it is taken out. Other kinds wait in
//! [`Sim::folded_ev`].

use crate::engine::SimDuration;

use super::result::ErrorCause;
use super::sim::{Ev, Sim};

/// Kinds of a packed event (the word's low byte; 0 is an empty slot).
const AT_INGRESS: u8 = 1;
const INGRESS_DONE: u8 = 2;
const AT_POD: u8 = 3;
const SERVICE_DONE: u8 = 4;
const REPLY: u8 = 5;
/// The event waits in `folded_ev`.
const OTHER: u8 = 6;

/// The word of a hop's event: kind, node, generation, token, success and cause.
#[inline(always)]
fn word(kind: u8, node: u32, ver: u32, tok: u32, ok: bool, cause: u8) -> u128 {
    u128::from(kind)
        | u128::from(node) << 8
        | u128::from(ver) << 40
        | u128::from(tok) << 72
        | u128::from(ok) << 104
        | u128::from(cause) << 105
}

/// The fields of a word: kind, node, generation, token, success and cause.
#[inline(always)]
fn unpack(w: u128) -> (u8, u32, u32, u32, bool, u8) {
    let (node, ver, tok) = ((w >> 8) as u32, (w >> 40) as u32, (w >> 72) as u32);
    (
        w as u8,
        node,
        ver,
        tok,
        (w >> 104) & 1 == 1,
        (w >> 105) as u8,
    )
}

/// `ev` packed, if it is of a kind the word holds.
#[inline(always)]
fn pack(ev: Ev) -> Option<u128> {
    Some(match ev {
        Ev::AtIngress { node, ver } => word(AT_INGRESS, node, ver, 0, false, 0),
        Ev::IngressDone { node, ver } => word(INGRESS_DONE, node, ver, 0, false, 0),
        Ev::AtPod { node, ver } => word(AT_POD, node, ver, 0, false, 0),
        Ev::ServiceDone { node, ver } => word(SERVICE_DONE, node, ver, 0, false, 0),
        Ev::Reply {
            node,
            ver,
            tok,
            ok,
            cause,
        } => word(REPLY, node, ver, tok, ok, cause),
        _ => return None,
    })
}

impl Sim<'_> {
    /// Schedules `ev` after `delay`, folded into the current instant (see the module doc) when
    /// the delay is zero, the slot is free and the calendar holds nothing for now.
    #[inline(always)]
    pub(super) fn send_in(&mut self, delay: SimDuration, ev: Ev) {
        if delay == SimDuration::ZERO && self.folded == 0 && !self.cal.has_due(self.cal.now()) {
            self.folded = match pack(ev) {
                Some(w) => w,
                None => {
                    self.folded_ev = Some(ev);
                    u128::from(OTHER)
                }
            };
        } else {
            self.cal.schedule_in(delay, ev);
        }
    }

    /// Handles the folded event packed in `w`, as [`Sim::step`] handles the event it stands for.
    #[inline(always)]
    pub(super) fn step_folded(&mut self, w: u128) {
        let (kind, node, ver, tok, ok, cause) = unpack(w);
        match kind {
            AT_INGRESS => self.at_ingress(node, ver),
            INGRESS_DONE => self.ingress_done(node, ver),
            AT_POD => self.at_pod(node, ver),
            SERVICE_DONE => self.service_done(node, ver),
            REPLY => self.reply_due(node, ver, tok, ok, cause),
            _ => {
                let ev = self
                    .folded_ev
                    .take()
                    .expect("a folded event of another kind");
                self.step(&ev)
            }
        }
    }

    /// A child's result (`ok`, or failed by `cause`) reaches `node`, unless it moved on.
    #[inline]
    pub(super) fn reply_due(&mut self, node: u32, ver: u32, tok: u32, ok: bool, cause: u8) {
        if self.live(node, ver) && self.nodes[node as usize].tok == tok {
            self.nodes[node as usize].tok = tok.wrapping_add(1);
            self.on_reply(node, ok, ErrorCause::ALL[cause as usize]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{REPLY, pack, unpack};
    use crate::model::sim::Ev;

    #[test]
    fn a_packed_reply_reads_back_every_field_whole() {
        for (node, ver, tok) in [
            (0, 0, 0),
            (u32::MAX, u32::MAX, u32::MAX),
            (7, 1 << 31, 12345),
        ] {
            for ok in [false, true] {
                for cause in [0, 1, u8::MAX] {
                    let ev = Ev::Reply {
                        node,
                        ver,
                        tok,
                        ok,
                        cause,
                    };
                    let w = pack(ev).expect("a reply packs");
                    assert_ne!(w, 0, "a packed event is never the empty slot");
                    assert_eq!(unpack(w), (REPLY, node, ver, tok, ok, cause));
                }
            }
        }
        assert!(
            pack(Ev::Sample).is_none(),
            "other kinds wait in `folded_ev`"
        );
    }
}
