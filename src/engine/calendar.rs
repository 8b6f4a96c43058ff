//! The event calendar: a priority queue of events ordered by (time, sequence number).
//!
//! Ties in time break by the order in which events were scheduled (FIFO), so a run is
//! deterministic. Entries hold the time and the sequence number as two `u64`s (8-byte aligned,
//! so an 8-byte event makes a 24-byte entry) and compare lexicographically; they live in a
//! 4-ary min-heap. Events are stored by
//! value: the event type should be a small `Copy` enum. Cancellation is lazy — the model keeps
//! a generation counter in its own state and ignores stale events when they are popped.

use super::time::{SimDuration, SimTime};

#[derive(Clone, Copy)]
struct Entry<E> {
    time: u64,
    seq: u64,
    event: E,
}

impl<E> Entry<E> {
    /// Strictly earlier in (time, sequence) order.
    #[inline(always)]
    fn before(&self, other: &Self) -> bool {
        (self.time, self.seq) < (other.time, other.seq)
    }
}

/// Children per node of the heap: a 4-ary heap is shallower than a binary one and its four
/// children of 24-byte entries sit in adjacent cache lines, which makes `pop` — the hot
/// operation — cheaper (measured in `benches/engine.rs`).
const ARITY: usize = 4;

/// A deterministic event calendar over events of type `E`.
pub struct Calendar<E> {
    heap: Vec<Entry<E>>,
    now: SimTime,
    seq: u64,
    popped: u64,
}

impl<E: Copy> Default for Calendar<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Copy> Calendar<E> {
    /// An empty calendar at time zero.
    pub fn new() -> Self {
        Calendar {
            heap: Vec::with_capacity(1024),
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
        let entry = Entry {
            time: at.0,
            seq: self.seq,
            event,
        };
        self.seq += 1;
        // Sift up.
        let mut i = self.heap.len();
        self.heap.push(entry);
        while i > 0 {
            let parent = (i - 1) / ARITY;
            if !entry.before(&self.heap[parent]) {
                break;
            }
            self.heap[i] = self.heap[parent];
            i = parent;
        }
        self.heap[i] = entry;
    }

    /// Schedules `event` after `delay` from now.
    #[inline]
    pub fn schedule_in(&mut self, delay: SimDuration, event: E) {
        self.schedule(self.now + delay, event);
    }

    /// Removes and returns the earliest event, advancing the clock to its time.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let last = self.heap.pop()?;
        let top = if self.heap.is_empty() {
            last
        } else {
            let top = self.heap[0];
            // Sift the last entry down from the root.
            let n = self.heap.len();
            let mut i = 0;
            loop {
                let first = i * ARITY + 1;
                if first >= n {
                    break;
                }
                let end = (first + ARITY).min(n);
                let mut best = first;
                for c in first + 1..end {
                    if self.heap[c].before(&self.heap[best]) {
                        best = c;
                    }
                }
                if !self.heap[best].before(&last) {
                    break;
                }
                self.heap[i] = self.heap[best];
                i = best;
            }
            self.heap[i] = last;
            top
        };
        self.now = SimTime(top.time);
        self.popped += 1;
        Some((self.now, top.event))
    }

    /// The time of the earliest pending event.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.first().map(|e| SimTime(e.time))
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
    fn matches_a_sorted_order_on_random_input() {
        // Many interleaved pushes and pops against a reference: sorting by (time, seq).
        let mut c = Calendar::new();
        let mut reference: Vec<(u64, usize)> = Vec::new();
        let mut x: u64 = 12345;
        let mut out = Vec::new();
        for (seq, round) in (0..2000u64).enumerate() {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let t = c.now().0 + (x >> 50);
            c.schedule(SimTime(t), seq);
            reference.push((t, seq));
            if round % 3 == 0 {
                out.push(c.pop().unwrap());
            }
        }
        while let Some(e) = c.pop() {
            out.push(e);
        }
        // Times never decrease, ties come out in scheduling order.
        for w in out.windows(2) {
            assert!(w[0].0 <= w[1].0);
            if w[0].0 == w[1].0 {
                assert!(w[0].1 < w[1].1);
            }
        }
        assert_eq!(out.len(), reference.len());
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
