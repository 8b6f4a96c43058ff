//! The calendar's heap: a 4-ary min-heap of events keyed by (time, sequence number), laid out
//! so that the four children of a node share one aligned block.
//!
//! The entries sit in blocks of four, aligned to 128 bytes (two cache lines, which the
//! processor fetches together): the four times, the four sequence numbers, then the four
//! events. The heap's slots are numbered from [`ROOT`] = 3, so that the children of slot `v`
//! are exactly the four slots of block `v − 2` (slots `4(v − 2)` to `4(v − 2) + 3`) and the
//! parent of slot `v` is `v / 4 + 2`. Finding the smallest child therefore reads one block and
//! compares four 128-bit keys without a data-dependent branch per child; the events are read
//! with the keys, so a level of the heap costs one trip to memory, not one per child.
//!
//! `pop` sifts the hole left by the root down to a leaf along the smallest children, then the
//! last entry up from there (Floyd's variant, as `std`'s `BinaryHeap` does): the last entry
//! usually belongs near the bottom, so this saves a comparison per level. Unused slots hold a
//! sentinel key larger than any entry's, so the last, partly filled group of siblings is
//! compared like a full one (no separate loop, no branch per child; the calendar of a small
//! model — a handful of entries, all in the root's group — is that case on every pop).
//!
//! Keys are unique (sequence numbers are), so the order of pops is fully determined by the keys:
//! the same as any other correct priority queue on (time, sequence) — tests below check it
//! against `std`'s `BinaryHeap` on random schedules with many equal times.

/// Slot number of the root (slots 0–2 of the first line are unused).
const ROOT: usize = 3;

/// The key of every unused slot: larger than any entry's (sequence numbers never reach
/// `u64::MAX`), so that a group of siblings can always be compared as a full one.
const SENTINEL: u128 = u128::MAX;

/// One group of four siblings: their keys, then their events.
#[derive(Clone, Copy)]
#[repr(C, align(128))]
struct Line<E> {
    time: [u64; 4],
    seq: [u64; 4],
    event: [E; 4],
}

/// (time, sequence) as one integer: compares lexicographically in one operation.
#[inline(always)]
pub(super) fn key(time: u64, seq: u64) -> u128 {
    (u128::from(time) << 64) | u128::from(seq)
}

/// The smallest key of a group of four siblings and its position in the group, compared two
/// by two so that no branch depends on more than one comparison.
#[inline(always)]
fn smallest<E>(l: &Line<E>) -> (u128, usize) {
    let k0 = key(l.time[0], l.seq[0]);
    let k1 = key(l.time[1], l.seq[1]);
    let k2 = key(l.time[2], l.seq[2]);
    let k3 = key(l.time[3], l.seq[3]);
    let (a, ia) = if k1 < k0 { (k1, 1) } else { (k0, 0) };
    let (b, ib) = if k3 < k2 { (k3, 3) } else { (k2, 2) };
    if b < a { (b, ib) } else { (a, ia) }
}

/// The key in slot `v` of `lines`.
#[inline(always)]
fn key_at<E>(lines: &[Line<E>], v: usize) -> u128 {
    let l = &lines[v / 4];
    key(l.time[v % 4], l.seq[v % 4])
}

/// Writes `k` and `event` into slot `v` of `lines`.
#[inline(always)]
fn put<E>(lines: &mut [Line<E>], v: usize, k: u128, event: E) {
    let l = &mut lines[v / 4];
    l.time[v % 4] = (k >> 64) as u64;
    l.seq[v % 4] = k as u64;
    l.event[v % 4] = event;
}

/// Copies slot `from` of `lines` into slot `to`.
#[inline(always)]
fn copy<E: Copy>(lines: &mut [Line<E>], from: usize, to: usize) {
    let (t, s, e) = {
        let l = &lines[from / 4];
        (l.time[from % 4], l.seq[from % 4], l.event[from % 4])
    };
    let l = &mut lines[to / 4];
    l.time[to % 4] = t;
    l.seq[to % 4] = s;
    l.event[to % 4] = e;
}

/// Most entries for which [`pop_small`] serves a pop: the root and its group of children.
const SMALL: usize = 5;

/// Pops the root of a heap of `n` (1 to [`SMALL`]) entries, all in the root and its group of
/// children (line 1, sentinels beyond the last): the smallest child (the last entry included)
/// becomes the root and the last entry takes its slot. This is the general pop with the
/// slots fixed — no loop, no sift-up; the arrangement of the children may differ from the
/// general pop's, the order of pops cannot (keys are unique).
#[inline(always)]
fn pop_small<E: Copy>(lines: &mut [Line<E>], n: usize) -> (u64, u64, E) {
    let top = (
        lines[0].time[ROOT],
        lines[0].seq[ROOT],
        lines[0].event[ROOT],
    );
    if n == 1 {
        put(lines, ROOT, SENTINEL, top.2);
        return top;
    }
    let l = &mut lines[1];
    let (k, i) = smallest(l);
    let event = l.event[i];
    // The last entry (slot n + 2, position n − 2 of line 1) moves to the child's slot, and
    // its own slot becomes unused.
    let last = n - 2;
    l.time[i] = l.time[last];
    l.seq[i] = l.seq[last];
    l.event[i] = l.event[last];
    l.time[last] = u64::MAX;
    l.seq[last] = u64::MAX;
    put(lines, ROOT, k, event);
    top
}

/// A min-heap of events by (time, sequence number).
pub(super) struct KeyHeap<E> {
    lines: Vec<Line<E>>,
    /// Entries held.
    len: usize,
}

impl<E: Copy> KeyHeap<E> {
    /// An empty heap with room for `capacity` entries.
    pub(super) fn with_capacity(capacity: usize) -> Self {
        KeyHeap {
            lines: Vec::with_capacity((capacity + ROOT) / 4 + 1),
            len: 0,
        }
    }

    /// Entries held.
    #[inline]
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Bytes allocated for entries (keys and events, by capacity).
    pub(super) fn bytes_held(&self) -> usize {
        self.lines.capacity() * std::mem::size_of::<Line<E>>()
    }

    /// The smallest key, as (time, sequence).
    #[inline]
    pub(super) fn peek(&self) -> Option<(u64, u64)> {
        if self.len == 0 {
            return None;
        }
        let l = &self.lines[0];
        Some((l.time[ROOT], l.seq[ROOT]))
    }

    /// The smallest key as one integer ((time, sequence) compare as `time << 64 | sequence`),
    /// or `u128::MAX` when the heap is empty.
    #[inline]
    pub(super) fn peek_key(&self) -> u128 {
        if self.len == 0 {
            return SENTINEL;
        }
        key_at(&self.lines, ROOT)
    }

    /// Inserts `event` with key (`time`, `seq`).
    #[inline(always)]
    pub(super) fn push(&mut self, time: u64, seq: u64, event: E) {
        let v = self.len + ROOT;
        if v > ROOT && v < ROOT + SMALL && self.lines.len() > 1 {
            // The root and its children: the new entry takes the next child slot, or the root
            // (which moves down to that slot) if it is smaller.
            self.len += 1;
            let lines = &mut self.lines[..];
            let k = key(time, seq);
            if k < key_at(lines, ROOT) {
                copy(lines, ROOT, v);
                put(lines, ROOT, k, event);
            } else {
                put(lines, v, k, event);
            }
            return;
        }
        self.push_any(time, seq, event);
    }

    /// [`KeyHeap::push`] at any size.
    #[inline(never)]
    fn push_any(&mut self, time: u64, seq: u64, event: E) {
        let mut v = self.len + ROOT;
        if v / 4 >= self.lines.len() {
            self.grow(event);
        }
        self.len += 1;
        let lines = &mut self.lines[..];
        let k = key(time, seq);
        while v > ROOT {
            let parent = v / 4 + 2;
            if k >= key_at(lines, parent) {
                break;
            }
            copy(lines, parent, v);
            v = parent;
        }
        put(lines, v, k, event);
    }

    /// Adds a group of four unused slots: the sentinel key, and copies of `event` (never read
    /// as entries).
    #[cold]
    #[inline(never)]
    fn grow(&mut self, event: E) {
        self.lines.push(Line {
            time: [u64::MAX; 4],
            seq: [u64::MAX; 4],
            event: [event; 4],
        });
    }

    /// Removes the entry with the smallest key: (time, sequence, event).
    #[inline(always)]
    pub(super) fn pop(&mut self) -> Option<(u64, u64, E)> {
        let n = self.len;
        if n == 0 {
            return None;
        }
        self.len = n - 1;
        let lines = &mut self.lines[..];
        if n <= SMALL {
            return Some(pop_small(lines, n));
        }
        let top_key = key_at(lines, ROOT);
        let top = (top_key >> 64) as u64;
        let top_seq = top_key as u64;
        let top_event = lines[0].event[ROOT];
        // The last slot's entry leaves its slot, which gets the sentinel key; the heap's slots
        // are ROOT..end from now on.
        let end = n - 1 + ROOT;
        let last_key = key_at(lines, end);
        let last_event = lines[end / 4].event[end % 4];
        put(lines, end, SENTINEL, last_event);
        if end == ROOT {
            return Some((top, top_seq, top_event));
        }
        // Move the hole at the root down to a leaf, along the smallest children. Slots at and
        // beyond `end` hold the sentinel key, larger than any entry's, so a partly filled
        // group of siblings compares like a full one and its empty slots are never chosen.
        let mut hole = ROOT;
        let mut first = (ROOT - 2) * 4;
        while first < end {
            // SAFETY: `first < end`, so the line of slots `first..first + 4` (line
            // `hole - 2 = first / 4`) is at most the line of slot `end`, which exists (it held
            // the last entry); `hole` is a slot below `end` (the root, or the smallest of a
            // group of siblings, which is an entry: every slot below `end` is one, every slot
            // at or after it holds the sentinel key), so its line exists too.
            let l = unsafe { lines.get_unchecked(hole - 2) };
            let (k, i) = smallest(l);
            let event = l.event[i & 3];
            let h = unsafe { lines.get_unchecked_mut(hole / 4) };
            h.time[hole % 4] = (k >> 64) as u64;
            h.seq[hole % 4] = k as u64;
            h.event[hole % 4] = event;
            hole = first + i;
            first = (hole - 2) * 4;
        }
        // Then the last entry up from there to its place.
        while hole > ROOT {
            let parent = hole / 4 + 2;
            if last_key >= key_at(lines, parent) {
                break;
            }
            copy(lines, parent, hole);
            hole = parent;
        }
        put(lines, hole, last_key, last_event);
        Some((top, top_seq, top_event))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;

    /// A tiny deterministic generator.
    fn lcg(x: &mut u64) -> u64 {
        crate::engine::rng::lcg_step(x) >> 33
    }

    #[test]
    fn the_layout_puts_siblings_in_one_line() {
        assert_eq!(std::mem::size_of::<Line<u64>>(), 128);
        assert_eq!(std::mem::align_of::<Line<u64>>(), 128);
        // The children of slot v are line v − 2, and their parent is v.
        for v in ROOT..1000 {
            for c in (v - 2) * 4..(v - 2) * 4 + 4 {
                assert_eq!(c / 4 + 2, v);
            }
        }
    }

    #[test]
    fn pops_in_the_order_of_a_binary_heap() {
        // Random interleavings of pushes and pops, times drawn from narrow ranges (many equal
        // times, so the sequence number decides) and wide ones, at sizes from a handful to
        // tens of thousands (the small sizes move in and out of the root-and-children fast
        // paths): the same entries come out in the same order as from std's heap.
        for seed in 1..=24u64 {
            let mut x = seed;
            let mut heap: KeyHeap<u32> = KeyHeap::with_capacity(4);
            let mut reference = BinaryHeap::new();
            let (mut seq, mut now) = (0u64, 0u64);
            let spread = [1u64, 4, 1000, 1 << 40][(seed % 4) as usize];
            let target = [5usize, 300, 20_000, 2, 6, 9][(seed % 6) as usize];
            for _ in 0..60_000 {
                let r = lcg(&mut x);
                let grow = reference.len() < target;
                if r % 8 < if grow { 6 } else { 3 } {
                    let t = now + lcg(&mut x) % spread;
                    heap.push(t, seq, seq as u32);
                    reference.push(Reverse((t, seq, seq as u32)));
                    seq += 1;
                } else {
                    let want = reference.pop().map(|Reverse(e)| e);
                    assert_eq!(heap.pop(), want, "seed {seed}");
                    if let Some((t, _, _)) = want {
                        now = t;
                    }
                }
                assert_eq!(heap.len(), reference.len());
                assert_eq!(heap.peek(), reference.peek().map(|Reverse(e)| (e.0, e.1)));
            }
            while let Some(Reverse(e)) = reference.pop() {
                assert_eq!(heap.pop(), Some(e), "seed {seed}");
            }
            assert_eq!(heap.pop(), None);
        }
    }

    #[test]
    fn equal_times_come_out_by_sequence() {
        let mut heap: KeyHeap<u64> = KeyHeap::with_capacity(0);
        // Pushed in a scrambled sequence order, all at one time.
        let mut x = 99;
        let mut seqs: Vec<u64> = (0..5000).collect();
        for i in (1..seqs.len()).rev() {
            seqs.swap(i, (lcg(&mut x) as usize) % (i + 1));
        }
        for &s in &seqs {
            heap.push(7, s, s);
        }
        let out: Vec<u64> = std::iter::from_fn(|| heap.pop().map(|e| e.2)).collect();
        assert_eq!(out, (0..5000).collect::<Vec<_>>());
    }
}
