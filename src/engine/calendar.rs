//! The event calendar: a priority queue of events ordered by (time, sequence number).
//!
//! Ties in time break by the order in which events were scheduled (FIFO), so a run is
//! deterministic. Entries hold the time and the sequence number as two `u64`s (8-byte aligned,
//! so an 8-byte event makes a 24-byte entry) and compare lexicographically. Events are stored by
//! value: the event type should be a small `Copy` enum. Cancellation is lazy — the model keeps
//! a generation counter in its own state and ignores stale events when they are popped.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::time::{SimDuration, SimTime};

struct Entry<E> {
    time: u64,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        (self.time, self.seq) == (other.time, other.seq)
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    /// Reversed, so that `BinaryHeap` (a max-heap) pops the smallest key first.
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.seq).cmp(&(self.time, self.seq))
    }
}

/// A deterministic event calendar over events of type `E`.
pub struct Calendar<E> {
    heap: BinaryHeap<Entry<E>>,
    now: SimTime,
    seq: u64,
    popped: u64,
}

impl<E> Default for Calendar<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> Calendar<E> {
    /// An empty calendar at time zero.
    pub fn new() -> Self {
        Calendar {
            heap: BinaryHeap::with_capacity(1024),
            now: SimTime::ZERO,
            seq: 0,
            popped: 0,
        }
    }

    /// The time of the event popped last (the current simulated time).
    #[inline]
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Schedules `event` at `at`. An instant in the past is moved to now, so time never runs
    /// backwards.
    #[inline]
    pub fn schedule(&mut self, at: SimTime, event: E) {
        let at = at.max(self.now);
        self.heap.push(Entry {
            time: at.0,
            seq: self.seq,
            event,
        });
        self.seq += 1;
    }

    /// Schedules `event` after `delay` from now.
    #[inline]
    pub fn schedule_in(&mut self, delay: SimDuration, event: E) {
        self.schedule(self.now + delay, event);
    }

    /// Removes and returns the earliest event, advancing the clock to its time.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let Entry { time, event, .. } = self.heap.pop()?;
        self.now = SimTime(time);
        self.popped += 1;
        Some((self.now, event))
    }

    /// The time of the earliest pending event.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|e| SimTime(e.time))
    }

    /// Events waiting.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether no event waits.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Events popped so far (the events/s figure of the benchmarks counts these).
    pub fn events_processed(&self) -> u64 {
        self.popped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_time_order() {
        let mut c = Calendar::new();
        for t in [5u64, 1, 9, 3] {
            c.schedule(SimTime(t), t);
        }
        let order: Vec<u64> = std::iter::from_fn(|| c.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, [1, 3, 5, 9]);
        assert_eq!(c.now(), SimTime(9));
        assert_eq!(c.events_processed(), 4);
    }

    #[test]
    fn ties_break_fifo() {
        let mut c = Calendar::new();
        for i in 0..100u32 {
            c.schedule(SimTime(7), i);
        }
        let order: Vec<u32> = std::iter::from_fn(|| c.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, (0..100).collect::<Vec<_>>());
    }

    #[test]
    fn past_is_clamped_to_now() {
        let mut c = Calendar::new();
        c.schedule(SimTime(10), 'a');
        c.pop();
        c.schedule(SimTime(3), 'b');
        assert_eq!(c.pop(), Some((SimTime(10), 'b')));
    }
}
