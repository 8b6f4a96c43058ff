//! Parallel fan-out: a group of calls that a piece of work makes at once.
//!
//! Each call of the group is selected by its own probability (drawn in the group's order from
//! the `calls` stream). Each selected call gets a *leg*: an arena node of kind
//! [`Kind::Leg`] whose parent is the work. The leg makes the call as the work would (same pod,
//! same zone, same egress path), holds the call's timeout and token, and reports to the work
//! when the call replies or times out. The work keeps one token for the whole group and
//! counts its legs down; the worker slot stays held meanwhile.
//!
//! The caller waits for every call of the group, even after one failed (as Go's
//! `errgroup.Wait` or Java's `CompletableFuture.allOf` do without cancellation): the group's
//! time is the slowest call's, and a failed group fails the work with the cause of its first
//! failure in time. A late reply to a leg that already timed out is stale (the leg's token
//! moved on, or the leg was freed) and is ignored like any other.

use super::result::ErrorCause;
use super::sim::{Kind, NO_FAILURE, NO_OPTION, Sim};

impl Sim<'_> {
    /// Work `id` reached fan-out group `calls`: makes the calls that their probabilities
    /// select, all at once, or moves past the group if none is selected.
    pub(super) fn start_fan_out(&mut self, id: u32, calls: std::ops::Range<usize>) {
        let w = self.nodes[id as usize];
        let svc = &self.s.services[w.service as usize];
        let mut chosen: Vec<(usize, u16)> = Vec::with_capacity(calls.len());
        let mut k = calls.start;
        while k < calls.end {
            if let Some(c) = svc.choice_at(k) {
                // A weighted choice in the group: one of its options, or none.
                chosen.extend(self.choose_option(w.service as usize, k, w.class));
                k = c.calls.end;
                continue;
            }
            let p = svc.calls[k].probability;
            if p >= 1.0 || rand::Rng::random::<f64>(&mut self.rng.calls) < p {
                chosen.push((k, NO_OPTION));
            }
            k += 1;
        }
        {
            let n = &mut self.nodes[id as usize];
            n.call = calls.end as u16;
            n.pending = chosen.len() as u16;
            n.fail = NO_FAILURE;
            n.origin = 0;
        }
        if chosen.is_empty() {
            return self.advance_work(id);
        }
        let w = self.nodes[id as usize];
        for (k, option) in chosen {
            let mut leg = self.blank(Kind::Leg);
            leg.class = w.class;
            leg.option = option;
            leg.parent = id;
            leg.parent_ver = w.ver;
            leg.parent_tok = w.tok;
            leg.counted = w.counted;
            leg.service = w.service;
            leg.at = w.at;
            leg.epoch = w.epoch;
            leg.call = k as u16;
            let leg = self.alloc(leg);
            self.make_call(leg, k);
        }
    }

    /// Leg `id`'s call replied (or timed out): counts it down at its work, which goes on
    /// once the last leg is in.
    pub(super) fn leg_done(&mut self, id: u32, ok: bool, cause: ErrorCause) {
        let leg = self.nodes[id as usize];
        self.release(id);
        let work = leg.parent;
        let w = self.nodes[work as usize];
        if w.ver != leg.parent_ver || w.tok != leg.parent_tok || w.pending == 0 {
            return;
        }
        let n = &mut self.nodes[work as usize];
        n.pending -= 1;
        if !ok && n.fail == NO_FAILURE {
            n.fail = cause as u8;
            n.origin = leg.origin;
        }
        if n.pending > 0 {
            return;
        }
        n.tok = n.tok.wrapping_add(1);
        let fail = n.fail;
        // The slowest call held the slot: the group's stretch is its.
        self.slot_stretch(
            work,
            1 + 2 * usize::from(leg.call) + usize::from(fail != NO_FAILURE),
        );
        if self.topo.pods[w.at as usize].epoch != w.epoch {
            return self.ghost_end(work);
        }
        if fail == NO_FAILURE {
            self.advance_work(work);
        } else {
            self.finish_work(work, false, ErrorCause::ALL[fail as usize]);
        }
    }
}
