//! The event calendar: a priority queue of events ordered by (time, sequence number).
//!
//! Ties in time break by the order in which events were scheduled (FIFO), so a run is
//! deterministic. Entries not in a lane live in a 4-ary min-heap whose keys — the time and the
//! sequence number, compared as one 128-bit integer — sit apart from the events, four siblings
//! to a cache line (see `heap.rs`). Events are stored by
//! value: the event type should be a small `Copy` enum. Cancellation is lazy — the model keeps
//! a generation counter in its own state and ignores stale events when they are popped.
//!
//! **Timer lanes.** Timeouts of one fixed duration are scheduled in time order (now only moves
//! forward), so a FIFO per duration is already sorted and costs O(1) to push and pop. The model
//! declares such durations with [`Calendar::add_timer_lane`] (or [`Calendar::add_lane`] for
//! fixed hops, which never go stale); from then on every event scheduled
//! exactly that far ahead goes to that duration's lane instead of the heap. `schedule` finds
//! the lane of a delay in a small table under a multiplicative hash chosen so that the lanes'
//! delays do not collide: one look and one comparison, lane or not. `pop` takes the
//! earliest of the heap's top and the lanes' fronts by (time, sequence), so the order of events
//! is exactly that of a single heap (a property test below checks it against one). The
//! calendar keeps the lanes' front keys and which of them comes first, so a pop compares the
//! heap's top with one key; only a pop from a lane (or a clean-up) looks at every front again. Most
//! timeouts never fire — the reply comes first — so they go stale. A lane declared with
//! [`Calendar::add_timer_lane`] asks for a clean-up ([`Calendar::compaction_due`]) once it has
//! taken as many entries since the last one as it kept then (at least `CLEANUP_EVERY`, 256), and
//! [`Calendar::compact`] drops the entries that the model says are stale. A lane's memory is
//! thus bounded by twice its live timers (or twice `CLEANUP_EVERY`), and a clean-up reads at
//! most two entries per entry taken since the last: O(1) per timer, amortised. Counting pushes,
//! not length, matters when a lane's live timers shrink: after a burst of real timeouts (a zone
//! outage) a length threshold set at twice the burst may never be reached again, and every
//! stale timer would then come out of the lane one pop at a time.
//!
//! A lane of delay zero holds the events scheduled for *now* (zero-latency hops, immediate
//! replies, instants in the past moved to now): they too come in (time, sequence) order, and
//! take O(1) instead of a trip through the heap.
//!
//! **The solo slot.** An event of which at most one is ever pending — the next client arrival:
//! each arrival schedules the next — goes into a slot of its own with
//! [`Calendar::schedule_solo`], whatever its delay. The slot's key stands beside the lanes'
//! fronts, so it takes part in `pop`'s one comparison like a lane front: the order of events is
//! again that of a single heap, and the heap is spared a push and a pop per arrival.

use std::collections::VecDeque;

use super::heap::{KeyHeap, key};
use super::time::{SimDuration, SimTime};

#[derive(Clone, Copy)]
struct Entry<E> {
    time: u64,
    seq: u64,
    event: E,
}

/// The key of no entry: larger than any (sequence numbers never reach `u64::MAX`).
const NONE: u128 = u128::MAX;

/// Most lanes a calendar keeps: every `schedule` looks its delay up among them, so they stay
/// few (a scenario has a handful of distinct timeouts); further durations use the heap.
const MAX_LANES: usize = 8;

/// The solo slot's place among the fronts (after the lanes').
const SOLO: usize = MAX_LANES;

/// Slots of the table that finds a delay's lane: a power of two, four times [`MAX_LANES`].
const SLOTS: usize = 32;

/// The slot of `delay` in the lane table under multiplier `mul` (a multiplicative hash).
#[inline(always)]
fn slot(delay: u64, mul: u64) -> usize {
    (delay.wrapping_mul(mul) >> (64 - SLOTS.trailing_zeros())) as usize
}

/// A timer lane is cleaned up at most once per this many entries taken (so that the fixed cost
/// of a clean-up, looking at every lane's front again, is spread over many timers); fewer
/// than a lane's live timers would only read the live ones more often. Small enough that the
/// timers of a short timeout (a 1 s call timeout at a few hundred calls/s) are dropped stale
/// before they come due, rather than popped one by one.
const CLEANUP_EVERY: usize = 256;

/// A FIFO of the events scheduled a fixed delay ahead (the lane's entry in
/// `Calendar::delays`): sorted by (time, sequence) by construction.
struct Lane<E> {
    entries: VecDeque<Entry<E>>,
    /// Entries to take before the lane asks for a clean-up: its length after the last one, at
    /// least [`CLEANUP_EVERY`]; 0 once it has asked; [`NEVER`] for a lane without timers.
    until_cleanup: usize,
}

/// `Lane::until_cleanup` of a lane that holds no timers (hops, port cool-downs): nothing in
/// it goes stale, so it is never cleaned up.
const NEVER: usize = usize::MAX;

/// A deterministic event calendar over events of type `E`.
pub struct Calendar<E> {
    heap: KeyHeap<E>,
    lanes: Vec<Lane<E>>,
    /// The lanes' delays, in lane order.
    delays: Vec<u64>,
    /// The lanes by delay, for `schedule`: slot [`slot`]`(d, mul)` holds `d` and its lane for
    /// every lane's delay `d` (`mul` is chosen so that no two share a slot). Every other slot
    /// holds a lane's delay that belongs to another slot, so a delay is found in one look
    /// and one comparison: equal means it is that slot's lane. (Before the first lane the
    /// table is unused: `schedule` goes straight to the heap.)
    table_delay: [u64; SLOTS],
    table_lane: [u8; SLOTS],
    mul: u64,
    /// Each lane's front key, [`NONE`] for an empty lane, in lane order; then the solo slot's
    /// key ([`SOLO`]), [`NONE`] when it is empty.
    fronts: [u128; MAX_LANES + 1],
    /// The solo slot's event (see the module doc).
    solo: Option<E>,
    /// The smallest of `fronts` ([`NONE`] if every lane is empty) and its lane: `pop`
    /// compares the heap's top with this one key instead of every lane's front.
    first_key: u128,
    first_lane: usize,
    now: SimTime,
    /// Events scheduled so far (the next sequence number).
    seq: u64,
    /// Entries [`Calendar::compact`] dropped, before the horizon it was given or not: the
    /// events popped are those scheduled less those pending and those dropped (no counter on
    /// the pop path).
    dropped: u64,
    /// Stale entries dropped by [`Calendar::compact`] before the horizon it was given.
    discarded: u64,
    compact_due: bool,
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
            heap: KeyHeap::with_capacity(1024),
            lanes: Vec::new(),
            delays: Vec::new(),
            table_delay: [1; SLOTS],
            table_lane: [0; SLOTS],
            mul: 0x9E37_79B9_7F4A_7C15,
            fronts: [NONE; MAX_LANES + 1],
            solo: None,
            first_key: NONE,
            first_lane: 0,
            now: SimTime::ZERO,
            seq: 0,
            dropped: 0,
            discarded: 0,
            compact_due: false,
        }
    }

    /// Gives events scheduled exactly `delay` ahead a lane of their own (see the module doc):
    /// meant for fixed hops, and zero for the events of the current instant. A duration
    /// that has a lane already and any duration beyond the first eight are ignored (they use
    /// the heap; the order of events is the same either way). The lane is never cleaned up;
    /// for timeouts, which go stale, use [`Calendar::add_timer_lane`].
    pub fn add_lane(&mut self, delay: SimDuration) {
        self.add_lane_until(delay, NEVER);
    }

    /// [`Calendar::add_lane`] for a fixed timeout: the lane asks for clean-ups (see the module
    /// doc). A duration that has a lane already becomes a timer lane.
    pub fn add_timer_lane(&mut self, delay: SimDuration) {
        if let Some(i) = self.delays.iter().position(|&d| d == delay.0) {
            let lane = &mut self.lanes[i];
            lane.until_cleanup = lane.until_cleanup.min(CLEANUP_EVERY);
        } else {
            self.add_lane_until(delay, CLEANUP_EVERY);
        }
    }

    /// A new lane for `delay` (unless it has one, or the lanes are all taken) that asks for a
    /// clean-up after `until_cleanup` entries.
    fn add_lane_until(&mut self, delay: SimDuration, until_cleanup: usize) {
        let d = delay.0;
        if self.lanes.len() >= MAX_LANES || self.delays.contains(&d) {
            return;
        }
        self.delays.push(d);
        self.lanes.push(Lane {
            entries: VecDeque::new(),
            until_cleanup,
        });
        if !self.build_table() {
            // No multiplier found (never seen): this duration uses the heap after all.
            self.delays.pop();
            self.lanes.pop();
            self.build_table();
        }
    }

    /// Fills the lane table under the first multiplier (of a fixed sequence, so every run
    /// builds the same table) that gives the lanes' delays slots of their own; false if none
    /// of the first thousand does.
    fn build_table(&mut self) -> bool {
        let mut mul: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut tries = 0;
        while !self.delays.iter().all({
            let mut used = [false; SLOTS];
            move |&d| !std::mem::replace(&mut used[slot(d, mul)], true)
        }) {
            tries += 1;
            if tries == 1000 {
                return false;
            }
            mul = mul.wrapping_add(0x6A09_E667_F3BC_C909) | 1;
        }
        self.mul = mul;
        if self.delays.is_empty() {
            return true;
        }
        // Unused slots hold the first lane's delay, whose own slot is another.
        self.table_delay = [self.delays[0]; SLOTS];
        self.table_lane = [0; SLOTS];
        for (i, &d) in self.delays.iter().enumerate() {
            let s = slot(d, mul);
            self.table_delay[s] = d;
            self.table_lane[s] = i as u8;
        }
        true
    }

    /// Whether a timer lane has taken as many entries since its last clean-up as it kept then
    /// (at least 256): the owner should call [`Calendar::compact`].
    #[inline]
    pub fn compaction_due(&self) -> bool {
        self.compact_due
    }

    /// Drops the entries for which `keep` is false (timers the model knows are stale: popping
    /// them would do nothing) from the lanes that asked for a clean-up, keeping the others in
    /// order. Dropped entries earlier than `horizon` (the run's end) count as processed events,
    /// as they would have been popped and ignored; the counts and the order of every other
    /// event are unchanged. `ahead` is shown each entry a few entries before `keep` is asked
    /// about it, so that the owner may start loading what `keep` will read (a prefetch).
    pub fn compact(
        &mut self,
        horizon: SimTime,
        mut keep: impl FnMut(&E) -> bool,
        ahead: impl Fn(&E),
    ) {
        /// How many entries before `keep` reads an entry `ahead` sees it.
        const AHEAD: usize = 8;
        for lane in &mut self.lanes {
            if lane.until_cleanup != 0 {
                continue;
            }
            let entries = lane.entries.make_contiguous();
            let before = entries.len();
            // Kept entries move down to `len`; dropped ones at or after the horizon are
            // counted apart (they would not have been popped).
            let (mut len, mut late) = (0, 0);
            for r in 0..before {
                if let Some(a) = entries.get(r + AHEAD) {
                    ahead(&a.event);
                }
                let e = entries[r];
                if keep(&e.event) {
                    entries[len] = e;
                    len += 1;
                } else if e.time >= horizon.0 {
                    late += 1;
                }
            }
            lane.entries.truncate(len);
            self.dropped += (before - len) as u64;
            self.discarded += (before - len) as u64 - late;
            lane.until_cleanup = len.max(CLEANUP_EVERY);
            if lane.entries.capacity() > 4 * lane.until_cleanup {
                lane.entries.shrink_to(2 * lane.until_cleanup);
            }
        }
        for (i, lane) in self.lanes.iter().enumerate() {
            self.fronts[i] = lane.entries.front().map_or(NONE, |f| key(f.time, f.seq));
        }
        self.find_first_lane();
        self.compact_due = false;
    }

    /// The time of the event popped last (the current simulated time).
    #[inline]
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Schedules `event` at `at`. An instant in the past is moved to now, so time never runs
    /// backwards.
    #[inline(always)]
    pub fn schedule(&mut self, at: SimTime, event: E) {
        let at = at.max(self.now);
        let seq = self.seq;
        self.seq += 1;
        if self.lanes.is_empty() {
            // No lanes (the kernel's own networks): straight to the heap.
            self.heap.push(at.0, seq, event);
            return;
        }
        self.schedule_laned(at, seq, event);
    }

    /// [`Calendar::schedule`] when there are lanes: to the lane of this delay, if any.
    #[inline]
    fn schedule_laned(&mut self, at: SimTime, seq: u64, event: E) {
        let entry = Entry {
            time: at.0,
            seq,
            event,
        };
        let delay = at.0 - self.now.0;
        let s = slot(delay, self.mul);
        if self.table_delay[s] == delay {
            let i = usize::from(self.table_lane[s]);
            let lane = &mut self.lanes[i];
            if lane.entries.is_empty() {
                // The lane's new front; later entries never change it (they come after it).
                let k = key(entry.time, entry.seq);
                self.fronts[i] = k;
                if k < self.first_key {
                    (self.first_key, self.first_lane) = (k, i);
                }
            }
            if lane.entries.len() == lane.entries.capacity() {
                // Out of line, so that the usual case calls nothing (and saves no registers).
                return self.push_back_growing(i, entry);
            }
            // `now` never decreases, so the lane stays sorted by (time, sequence).
            lane.entries.push_back(entry);
            lane.until_cleanup = lane.until_cleanup.saturating_sub(1);
            if lane.until_cleanup == 0 {
                self.compact_due = true;
            }
            return;
        }
        self.heap.push(entry.time, entry.seq, entry.event);
    }

    /// The end of [`Calendar::schedule_laned`] when lane `i` is full: makes room, then the
    /// same.
    #[cold]
    #[inline(never)]
    fn push_back_growing(&mut self, i: usize, entry: Entry<E>) {
        let lane = &mut self.lanes[i];
        lane.entries.reserve(1);
        lane.entries.push_back(entry);
        lane.until_cleanup = lane.until_cleanup.saturating_sub(1);
        if lane.until_cleanup == 0 {
            self.compact_due = true;
        }
    }

    /// Schedules `event` at `at` in the solo slot (see the module doc): for an event of which
    /// at most one is pending, scheduled again only after it was popped. Without lanes (the
    /// slot's key is compared only where the lanes' are), or with the slot taken (not what it
    /// is for), it goes to the heap: nothing is lost and the order of events is the same.
    #[inline]
    pub fn schedule_solo(&mut self, at: SimTime, event: E) {
        if self.lanes.is_empty() || self.solo.is_some() {
            return self.schedule(at, event);
        }
        let at = at.max(self.now);
        let k = key(at.0, self.seq);
        self.seq += 1;
        self.solo = Some(event);
        self.fronts[SOLO] = k;
        if k < self.first_key {
            (self.first_key, self.first_lane) = (k, SOLO);
        }
    }

    /// Schedules `event` after `delay` from now.
    #[inline]
    pub fn schedule_in(&mut self, delay: SimDuration, event: E) {
        self.schedule(self.now + delay, event);
    }

    /// Removes and returns the earliest event, advancing the clock to its time.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let (time, event) = if self.lanes.is_empty() {
            let (time, _, event) = self.heap.pop()?;
            (time, event)
        } else if self.first_key < self.heap.peek_key() {
            // The earliest lane front (or the solo slot) comes before the heap's top.
            let i = self.first_lane;
            if i == SOLO {
                let time = (self.first_key >> 64) as u64;
                let event = self.solo.take()?;
                self.fronts[SOLO] = NONE;
                self.find_first_lane();
                self.now = SimTime(time);
                return Some((self.now, event));
            }
            let lane = &mut self.lanes[i];
            let e = lane.entries.pop_front()?;
            self.fronts[i] = lane.entries.front().map_or(NONE, |f| key(f.time, f.seq));
            self.find_first_lane();
            (e.time, e.event)
        } else {
            let (time, _, event) = self.heap.pop()?;
            (time, event)
        };
        self.now = SimTime(time);
        Some((self.now, event))
    }

    /// Points `first_key` and `first_lane` at the smallest of the lanes' fronts and the solo
    /// slot's key.
    #[inline]
    fn find_first_lane(&mut self) {
        let (mut k, mut lane) = (NONE, 0);
        // All of them: the fronts of lanes not in use are `NONE`, never smaller (a fixed
        // count unrolls without a test per lane).
        for (i, &f) in self.fronts.iter().enumerate() {
            if f < k {
                (k, lane) = (f, i);
            }
        }
        (self.first_key, self.first_lane) = (k, lane);
    }

    /// The time of the earliest lane front, if any lane holds an entry.
    #[inline]
    fn first_lane_time(&self) -> Option<u64> {
        (self.first_key != NONE).then_some((self.first_key >> 64) as u64)
    }

    /// The time of the earliest pending event.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap
            .peek()
            .map(|(t, _)| t)
            .into_iter()
            .chain(self.first_lane_time())
            .min()
            .map(SimTime)
    }

    /// Whether an event waits at or before `t`: [`Calendar::peek_time`]` <= t`, from the
    /// heap's top and the earliest lane front.
    #[inline]
    pub fn has_due(&self, t: SimTime) -> bool {
        self.heap.peek().is_some_and(|(x, _)| x <= t.0)
            || self.first_lane_time().is_some_and(|x| x <= t.0)
    }

    /// Events waiting in the heap, not in a lane.
    pub fn heap_len(&self) -> usize {
        self.heap.len()
    }

    /// Events waiting (stale timers not yet cleaned up included).
    pub fn len(&self) -> usize {
        self.heap.len()
            + self.lanes.iter().map(|l| l.entries.len()).sum::<usize>()
            + usize::from(self.solo.is_some())
    }

    /// Whether no event waits.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes the calendar holds for its entries (heap and lanes, by capacity): its share of
    /// a run's memory, for a memory budget.
    pub fn bytes_held(&self) -> usize {
        let lanes: usize = self.lanes.iter().map(|l| l.entries.capacity()).sum();
        self.heap.bytes_held() + lanes * std::mem::size_of::<Entry<E>>()
    }

    /// Stale entries that [`Calendar::compact`] dropped before the horizon it was given:
    /// events that would have been popped (and ignored) before it.
    pub fn discarded(&self) -> u64 {
        self.discarded
    }

    /// Events processed so far (the events/s figure of the benchmarks counts these): popped,
    /// plus stale timers that [`Calendar::compact`] dropped before the horizon it was given.
    pub fn events_processed(&self) -> u64 {
        self.seq - self.len() as u64 - self.dropped + self.discarded
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
        use crate::engine::rng::lcg_step;
        // Many interleaved pushes and pops against a reference: sorting by (time, seq).
        let mut c = Calendar::new();
        let mut reference: Vec<(u64, usize)> = Vec::new();
        let mut x: u64 = 12345;
        let mut out = Vec::new();
        for (seq, round) in (0..2000u64).enumerate() {
            lcg_step(&mut x);
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

    /// A tiny deterministic generator for the property tests.
    fn lcg(x: &mut u64) -> u64 {
        crate::engine::rng::lcg_step(x) >> 33
    }

    /// Pops everything left, with times.
    fn drain<E: Copy>(c: &mut Calendar<E>) -> Vec<(SimTime, E)> {
        std::iter::from_fn(|| c.pop()).collect()
    }

    /// A calendar without lanes, and one with a lane of delay zero (the events for now, which
    /// the past ones join too) and one for each of `lanes`.
    fn plain_and_laned(lanes: &[u64]) -> (Calendar<u64>, Calendar<u64>) {
        let mut laned = Calendar::new();
        laned.add_lane(SimDuration::ZERO);
        for &d in lanes {
            laned.add_lane(SimDuration(d));
        }
        (Calendar::new(), laned)
    }

    #[test]
    fn lanes_keep_the_order_of_a_plain_heap() {
        // Random schedules — some delays equal to a lane's, some random, some in the past —
        // interleaved with pops, on a calendar with lanes and one without: the same events
        // come out at the same times in the same order.
        for seed in 1..=20u64 {
            let mut x = seed;
            let lanes = [5u64, 17, 1000, 3];
            let (mut plain, mut laned) = plain_and_laned(&lanes);
            let (mut a, mut b) = (Vec::new(), Vec::new());
            for ev in 0..5000u64 {
                let r = lcg(&mut x);
                let now = plain.now().0;
                let at = match r % 5 {
                    0 | 1 => now + lanes[(r / 5 % 4) as usize],
                    2 => now + (r >> 8) % 50,
                    3 => now,
                    _ => now.saturating_sub(r % 7),
                };
                plain.schedule(SimTime(at), ev);
                laned.schedule(SimTime(at), ev);
                for _ in 0..(lcg(&mut x) % 3) {
                    a.push(plain.pop());
                    b.push(laned.pop());
                }
            }
            a.extend(drain(&mut plain).into_iter().map(Some));
            b.extend(drain(&mut laned).into_iter().map(Some));
            assert_eq!(a, b, "seed {seed}");
            assert_eq!(plain.events_processed(), laned.events_processed());
        }
    }

    #[test]
    fn a_second_event_for_a_taken_solo_slot_is_not_lost() {
        // Not the slot's use, but safe: the second goes to the heap, and both come out in
        // (time, sequence) order with the rest.
        let (_, mut c) = plain_and_laned(&[5]);
        c.schedule_solo(SimTime(7), 1u64);
        c.schedule_solo(SimTime(4), 2);
        c.schedule(SimTime(5), 3);
        c.schedule_solo(SimTime(7), 4);
        assert_eq!(c.len(), 4);
        let out: Vec<(u64, u64)> = drain(&mut c).into_iter().map(|(t, e)| (t.0, e)).collect();
        assert_eq!(out, [(4, 2), (5, 3), (7, 1), (7, 4)]);
        assert_eq!(c.events_processed(), 4);
    }

    #[test]
    fn the_solo_slot_keeps_the_order_of_a_plain_heap() {
        // One event of a kind at most one of which is pending (marked by u64::MAX − n, like the
        // next client arrival) rides the solo slot: scheduled again only once popped, at random
        // delays (some equal to a lane's, to other events' times, or zero), among random
        // schedules and pops. A calendar without lanes (so without a solo slot) gives the same
        // events at the same times in the same order, and the same counts.
        for seed in 1..=20u64 {
            let mut x = seed;
            let lanes = [5u64, 17, 1000];
            let (mut plain, mut laned) = plain_and_laned(&lanes);
            let solo = |n: u64| u64::MAX - n;
            let is_solo = |e: u64| e > u64::MAX / 2;
            let (mut a, mut b) = (Vec::new(), Vec::new());
            let mut next_solo = 0u64;
            plain.schedule_solo(SimTime(3), solo(0));
            laned.schedule_solo(SimTime(3), solo(0));
            let mut step = |plain: &mut Calendar<u64>, laned: &mut Calendar<u64>, x: &mut u64| {
                let (p, l) = (plain.pop(), laned.pop());
                if let Some((_, e)) = l
                    && is_solo(e)
                {
                    next_solo += 1;
                    let at = laned.now().0 + [0, 5, 7, (lcg(x) >> 4) % 60][(lcg(x) % 4) as usize];
                    plain.schedule_solo(SimTime(at), solo(next_solo));
                    laned.schedule_solo(SimTime(at), solo(next_solo));
                }
                (p, l)
            };
            for ev in 0..5000u64 {
                let r = lcg(&mut x);
                let now = plain.now().0;
                let at = match r % 4 {
                    0 | 1 => now + lanes[(r / 4 % 3) as usize],
                    2 => now + (r >> 8) % 50,
                    _ => now,
                };
                plain.schedule(SimTime(at), ev);
                laned.schedule(SimTime(at), ev);
                for _ in 0..(lcg(&mut x) % 3) {
                    let (p, l) = step(&mut plain, &mut laned, &mut x);
                    a.push(p);
                    b.push(l);
                }
                assert_eq!(plain.len(), laned.len());
            }
            while !plain.is_empty() && a.len() < 20_000 {
                let (p, l) = step(&mut plain, &mut laned, &mut x);
                a.push(p);
                b.push(l);
            }
            assert!(next_solo > 1000, "seed {seed}: the solo event came round");
            assert_eq!(a, b, "seed {seed}");
            assert_eq!(plain.events_processed(), laned.events_processed());
        }
    }

    #[test]
    fn order_equals_a_reference_binary_heap() {
        // Random schedules on a calendar with lanes — delays equal to a lane's, random ones
        // from a narrow range (many equal times), zero and the past — interleaved with pops,
        // against std's BinaryHeap on (time, sequence): the same events at the same times.
        use std::cmp::Reverse;
        use std::collections::BinaryHeap;
        for seed in 1..=10u64 {
            let mut x = seed;
            let mut c: Calendar<u64> = Calendar::new();
            c.add_lane(SimDuration::ZERO);
            c.add_lane(SimDuration(25));
            let mut reference = BinaryHeap::new();
            let (mut seq, mut now) = (0u64, 0u64);
            for _ in 0..20_000 {
                let r = lcg(&mut x);
                let at = match r % 6 {
                    0 => now + 25,
                    1 | 2 => now + (r >> 8) % 4,
                    3 => now + (r >> 8) % 10_000,
                    4 => now,
                    _ => now.saturating_sub(r % 7),
                };
                c.schedule(SimTime(at), seq);
                reference.push(Reverse((at.max(now), seq)));
                seq += 1;
                for _ in 0..(lcg(&mut x) % 3) {
                    let want = reference.pop().map(|Reverse((t, e))| (SimTime(t), e));
                    assert_eq!(c.pop(), want, "seed {seed}");
                    if let Some((t, _)) = want {
                        now = t.0;
                    }
                }
            }
            let rest: Vec<_> = std::iter::from_fn(|| reference.pop())
                .map(|Reverse((t, e))| (SimTime(t), e))
                .collect();
            assert_eq!(drain(&mut c), rest, "seed {seed}");
        }
    }

    #[test]
    fn every_lane_delay_finds_its_lane_and_no_other_delay_does() {
        // Eight lanes of assorted delays (zero, nanoseconds, a timeout, a cool-down): an
        // event scheduled exactly one of them ahead waits in a lane, any other in the heap.
        let delays = [
            0u64,
            1,
            7,
            100_000,
            1_000_000,
            3_000_000_000,
            10_000_000_000,
            65 << 30,
        ];
        let mut c: Calendar<u64> = Calendar::new();
        for d in delays {
            c.add_lane(SimDuration(d));
        }
        for (i, d) in delays.into_iter().enumerate() {
            c.schedule_in(SimDuration(d), i as u64);
            assert_eq!(c.heap_len(), 0, "delay {d}");
        }
        let mut x = 5;
        for n in 1..=2000u64 {
            let d = match n % 3 {
                0 => lcg(&mut x),
                1 => delays[(n % 8) as usize] + 1 + lcg(&mut x) % 5,
                _ => lcg(&mut x) << 20,
            };
            if delays.contains(&d) {
                continue;
            }
            let before = c.heap_len();
            c.schedule_in(SimDuration(d), n);
            assert_eq!(c.heap_len(), before + 1, "delay {d}");
        }
    }

    #[test]
    fn has_due_agrees_with_peek_time() {
        use rand::Rng;
        let mut rng = crate::engine::stream(11, 0, 0);
        let mut c: Calendar<u64> = Calendar::new();
        c.add_lane(SimDuration::ZERO);
        c.add_lane(SimDuration(7));
        for i in 0..20_000u64 {
            let d = match rng.random_range(0..3) {
                0 => 0,
                1 => 7,
                _ => rng.random_range(0..20),
            };
            c.schedule_in(SimDuration(d), i);
            if i % 3 == 0 {
                c.pop();
            }
            let now = c.now();
            for t in [now.0, now.0 + 1, now.0 + 5, now.0 + 19] {
                let want = c.peek_time().is_some_and(|x| x <= SimTime(t));
                assert_eq!(c.has_due(SimTime(t)), want, "t {t}, event {i}");
            }
        }
    }

    /// What [`run_timer_lane`] saw: the calendar's peak length, the stale and live timers
    /// popped, the calendar at the end and the timers made stale.
    struct TimerRun {
        peak: usize,
        stale_pops: usize,
        live_pops: usize,
        cal: Calendar<u64>,
        stale: std::collections::HashSet<u64>,
    }

    /// One timer per tick for `ticks` ticks, `delay` ticks ahead in a timer lane, with a tick
    /// event (`u64::MAX`) that moves time on; the timer set at tick `t` goes stale two ticks
    /// later if `goes_stale(t)` (its reply came), and a due clean-up drops the stale ones.
    fn run_timer_lane(delay: u64, ticks: u64, goes_stale: impl Fn(u64) -> bool) -> TimerRun {
        let mut c: Calendar<u64> = Calendar::new();
        c.add_timer_lane(SimDuration(delay));
        let mut stale = std::collections::HashSet::new();
        let (mut peak, mut stale_pops, mut live_pops) = (0, 0, 0);
        for t in 0..ticks {
            // Time moves to t. (Stale timers not yet cleaned up pop like any event; the model
            // ignores them.)
            while c.peek_time().is_some_and(|x| x <= SimTime(t)) {
                let (_, e) = c.pop().unwrap();
                if stale.contains(&e) {
                    stale_pops += 1;
                } else if e != u64::MAX {
                    live_pops += 1;
                }
            }
            c.schedule(SimTime(t + delay), t);
            c.schedule(SimTime(t + 1), u64::MAX);
            if t >= 2 && goes_stale(t - 2) {
                stale.insert(t - 2);
            }
            if c.compaction_due() {
                c.compact(SimTime(u64::MAX), |e| !stale.contains(e), |_| {});
            }
            peak = peak.max(c.len());
        }
        TimerRun {
            peak,
            stale_pops,
            live_pops,
            cal: c,
            stale,
        }
    }

    #[test]
    fn compaction_drops_stale_timers_and_bounds_the_lane() {
        // A timer per "request", 100,000 ticks ahead; the reply comes 2 ticks later and makes
        // the timer stale for 99 requests in 100. About 100,000 timers are pending at any
        // time, about 1,000 of them live: the lane stays near twice the live ones (or the
        // clean-up spacing), not the 100,000 a calendar without clean-ups holds, and the live
        // timers still come out in order.
        const DELAY: u64 = 100_000;
        let mut r = run_timer_lane(DELAY, 250_000, |t| t % 100 != 0);
        // Twice the live timers (the 1 in 100 of the last DELAY ticks and the last two) or
        // twice the clean-up spacing, whichever is more, and the tick.
        let bound = 2 * (DELAY as usize / 100 + 2).max(CLEANUP_EVERY) + 1;
        assert!(r.peak <= bound, "peak {}, bound {bound}", r.peak);
        assert!(r.peak >= DELAY as usize / 100, "peak {}", r.peak);
        let rest: Vec<u64> = drain(&mut r.cal)
            .into_iter()
            .map(|(_, e)| e)
            .filter(|&e| e != u64::MAX && !r.stale.contains(&e))
            .collect();
        assert!(rest.windows(2).all(|w| w[0] < w[1]));
        // The live ones of the last DELAY ticks, and the last two, whose replies never came.
        assert_eq!(rest.len() as u64, DELAY / 100 + 2);
    }

    #[test]
    fn stale_timers_are_dropped_after_a_burst_of_live_ones() {
        // One timer per tick, 10,000 ticks ahead. For the first 20,000 ticks every timer is
        // live (a black-holed zone: they all fire), so a clean-up keeps about 10,000; then each
        // goes stale two ticks after it was set. The clean-ups must catch up with the stale
        // ones: a lane that waited to reach twice the 10,000 it kept would stay at 10,000 and
        // hand out all 30,000 stale timers due before tick 60,000, one pop at a time.
        let r = run_timer_lane(10_000, 60_000, |t| t >= 20_000);
        // The burst's timers fire; of the stale ones, at most a clean-up spacing's worth.
        assert_eq!(r.live_pops, 20_000, "stale pops {}", r.stale_pops);
        assert!(r.stale_pops <= CLEANUP_EVERY, "stale pops {}", r.stale_pops);
    }

    #[test]
    fn a_lane_for_hops_is_never_cleaned_up_unless_a_timer_shares_it() {
        let mut c: Calendar<u32> = Calendar::new();
        c.add_lane(SimDuration(5));
        for i in 0..4 * CLEANUP_EVERY as u32 {
            c.schedule_in(SimDuration(5), i);
        }
        assert!(!c.compaction_due(), "a hop never goes stale");
        // A timeout of the same duration makes it a timer lane.
        c.add_timer_lane(SimDuration(5));
        for i in 0..CLEANUP_EVERY as u32 {
            c.schedule_in(SimDuration(5), i);
        }
        assert!(c.compaction_due());
    }

    #[test]
    fn compaction_counts_dropped_events_before_the_horizon() {
        let mut c: Calendar<u32> = Calendar::new();
        c.add_timer_lane(SimDuration(10));
        for i in 0..CLEANUP_EVERY as u32 {
            c.schedule_in(SimDuration(10), i);
        }
        assert!(c.compaction_due());
        // All at time 10: a horizon of 10 counts none, of 11 counts every dropped one.
        c.compact(SimTime(11), |&e| e % 2 == 0, |_| {});
        assert_eq!(c.events_processed(), CLEANUP_EVERY as u64 / 2);
        assert_eq!(c.discarded(), CLEANUP_EVERY as u64 / 2);
        assert!(!c.compaction_due());
        assert_eq!(c.len(), CLEANUP_EVERY / 2);
        let out: Vec<u32> = drain(&mut c).into_iter().map(|(_, e)| e).collect();
        assert_eq!(
            out,
            (0..CLEANUP_EVERY as u32).step_by(2).collect::<Vec<_>>()
        );
    }
}
