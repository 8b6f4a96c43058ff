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

use crate::engine::SimDuration;

use super::sim::{Ev, Sim};

impl Sim<'_> {
    /// Schedules `ev` after `delay`, folded into the current instant (see the module doc) when
    /// the delay is zero, the slot is free and the calendar holds nothing for now.
    #[inline]
    pub(super) fn send_in(&mut self, delay: SimDuration, ev: Ev) {
        if delay == SimDuration::ZERO && self.folded.is_none() && !self.cal.has_due(self.cal.now())
        {
            self.folded = Some(ev);
        } else {
            self.cal.schedule_in(delay, ev);
        }
    }
}
