//! The calendar's radix heap: a monotone priority queue of events keyed by (time, sequence
//! number), for calendars whose keys never go below the last one taken out.
//!
//! A calendar's clock only moves forward and every new event gets the next sequence number,
//! so each key pushed is larger than every key popped before it. A radix heap uses that: it
//! keeps `last`, the key popped last, and files each entry in the bucket of the highest bit in
//! which its key differs from `last` (bucket `128 − leading zeros of key ^ last`; bucket 0 holds
//! only `last` itself). Every key of bucket `b` is smaller than every key of a higher bucket,
//! so the smallest entry is in the lowest non-empty bucket; a pop takes it, makes it `last` and
//! files the rest of that bucket again, each into a lower bucket than before. An entry thus
//! moves at most 128 times in its life and in practice a few times (its key and `last` share
//! more leading bits each time), each move an append to a `Vec`: much cheaper than a binary
//! heap's sift-up and sift-down at the sizes a model's calendar holds (hundreds of entries,
//! most popped within milliseconds of simulated time).
//!
//! The smallest key is kept (with its bucket and position) so that a look at the top costs
//! nothing: a push compares with it, a pop looks for the next one in the lowest non-empty
//! bucket, the bucket the next pop files again. Keys are unique (sequence numbers are), so the
//! order of pops is fully determined by them: the same as any other correct priority queue on
//! (time, sequence) — tests below check it against `std`'s `BinaryHeap`.

/// The key of no entry (an empty heap's top): larger than any entry's.
const NONE: u128 = u128::MAX;

/// Buckets: one per bit position at which a key may first differ from `last`, and bucket 0.
const BUCKETS: usize = 129;

/// An entry: its key and its event.
#[derive(Clone, Copy)]
struct Item<E> {
    key: u128,
    event: E,
}

/// The bucket of `key` relative to `last` (`key >= last`).
#[inline(always)]
fn bucket_of(key: u128, last: u128) -> usize {
    128 - (key ^ last).leading_zeros() as usize
}

/// Makes room for one more entry in `v`: out of line, so that the loop that files entries
/// keeps its registers.
#[cold]
#[inline(never)]
fn grow<T>(v: &mut Vec<T>) {
    v.reserve(1);
}

/// A monotone min-heap of events by (time, sequence number) as one 128-bit key.
pub(super) struct RadixHeap<E> {
    /// A fixed array, so that a bucket number (at most 128) needs no bounds check.
    buckets: Box<[Vec<Item<E>>; BUCKETS]>,
    /// Which buckets hold entries: bit `b % 64` of word `b / 64`.
    nonempty: [u64; 3],
    /// The key popped last (or a lower bound of every key the heap will ever hold).
    last: u128,
    /// The smallest key held ([`NONE`] when empty), its bucket and its position there.
    min: u128,
    min_bucket: usize,
    min_pos: usize,
    len: usize,
}

impl<E: Copy> RadixHeap<E> {
    /// An empty heap whose keys will all be at least `floor`.
    pub(super) fn new(floor: u128) -> Self {
        RadixHeap {
            buckets: Box::new(std::array::from_fn(|_| Vec::new())),
            nonempty: [0; 3],
            last: floor,
            min: NONE,
            min_bucket: 0,
            min_pos: 0,
            len: 0,
        }
    }

    /// Entries held.
    #[inline]
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Bytes allocated for entries (keys and events, by capacity) and the buckets.
    pub(super) fn bytes_held(&self) -> usize {
        let items: usize = self.buckets.iter().map(Vec::capacity).sum();
        items * std::mem::size_of::<Item<E>>() + BUCKETS * std::mem::size_of::<Vec<Item<E>>>()
    }

    /// The smallest key ((time, sequence) as `time << 64 | sequence`), or `u128::MAX` when
    /// the heap is empty.
    #[inline(always)]
    pub(super) fn peek_key(&self) -> u128 {
        self.min
    }

    /// Inserts `event` with key `key`, which must be at least the key popped last.
    #[inline(always)]
    pub(super) fn push(&mut self, key: u128, event: E) {
        debug_assert!(
            key >= self.last,
            "a radix heap's keys never go below the last popped"
        );
        let b = bucket_of(key, self.last);
        let bucket = &mut self.buckets[b];
        if bucket.len() == bucket.capacity() {
            // Out of line, so that the usual case calls nothing (and saves no registers).
            return self.push_growing(key, event);
        }
        bucket.push(Item { key, event });
        self.nonempty[b / 64] |= 1 << (b % 64);
        self.len += 1;
        if key < self.min {
            (self.min, self.min_bucket, self.min_pos) = (key, b, bucket.len() - 1);
        }
    }

    /// [`RadixHeap::push`] when the bucket is full.
    #[cold]
    #[inline(never)]
    fn push_growing(&mut self, key: u128, event: E) {
        self.buckets[bucket_of(key, self.last)].reserve(1);
        self.push(key, event);
    }

    /// Removes the entry with the smallest key: (key, event).
    #[inline(always)]
    pub(super) fn pop(&mut self) -> Option<(u128, E)> {
        if self.len == 0 {
            return None;
        }
        let (key, b, pos) = (self.min, self.min_bucket, self.min_pos);
        let item = self.buckets[b].swap_remove(pos);
        self.len -= 1;
        self.last = key;
        // The rest of the smallest entry's bucket goes to lower buckets: the keys of higher
        // buckets differ from the new `last` where they differed from the old one.
        let mut rest = std::mem::take(&mut self.buckets[b]);
        self.nonempty[b / 64] &= !(1 << (b % 64));
        for it in &rest {
            let nb = bucket_of(it.key, key);
            let dst = &mut self.buckets[nb];
            if dst.len() == dst.capacity() {
                grow(dst);
            }
            dst.push(*it);
            self.nonempty[nb / 64] |= 1 << (nb % 64);
        }
        rest.clear();
        // Hand the emptied vector back (keeps its allocation).
        self.buckets[b] = rest;
        self.find_min();
        Some((item.key, item.event))
    }

    /// Points `min`, `min_bucket` and `min_pos` at the smallest entry: in the lowest
    /// non-empty bucket.
    #[inline(always)]
    fn find_min(&mut self) {
        let b = if self.nonempty[0] != 0 {
            self.nonempty[0].trailing_zeros() as usize
        } else if self.nonempty[1] != 0 {
            64 + self.nonempty[1].trailing_zeros() as usize
        } else if self.nonempty[2] != 0 {
            128 + self.nonempty[2].trailing_zeros() as usize
        } else {
            self.min = NONE;
            return;
        };
        let (mut k, mut pos) = (NONE, 0);
        for (i, it) in self.buckets[b].iter().enumerate() {
            if it.key < k {
                (k, pos) = (it.key, i);
            }
        }
        (self.min, self.min_bucket, self.min_pos) = (k, b, pos);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;

    /// A tiny deterministic generator.
    fn lcg(x: &mut u64) -> u64 {
        *x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        *x >> 33
    }

    fn key(t: u64, s: u64) -> u128 {
        (u128::from(t) << 64) | u128::from(s)
    }

    #[test]
    fn pops_in_the_order_of_a_binary_heap() {
        // Random interleavings of pushes (at or after the time popped last) and pops, times
        // from narrow ranges (many equal times: the sequence number decides) and wide ones
        // (up to the top bit), at sizes from a handful to tens of thousands.
        for seed in 1..=24u64 {
            let mut x = seed;
            let mut heap: RadixHeap<u32> = RadixHeap::new(0);
            let mut reference = BinaryHeap::new();
            let (mut seq, mut now) = (0u64, 0u64);
            let spread = [1u64, 4, 1000, 1 << 40, u64::MAX / 2][(seed % 5) as usize];
            let target = [5usize, 300, 20_000, 2, 6, 9][(seed % 6) as usize];
            for _ in 0..60_000 {
                let r = lcg(&mut x);
                let grow = reference.len() < target;
                if r % 8 < if grow { 6 } else { 3 } {
                    let t = now.saturating_add((lcg(&mut x) << 31 | lcg(&mut x)) % spread);
                    heap.push(key(t, seq), seq as u32);
                    reference.push(Reverse((key(t, seq), seq as u32)));
                    seq += 1;
                } else {
                    let want = reference.pop().map(|Reverse(e)| e);
                    assert_eq!(heap.pop(), want, "seed {seed}");
                    if let Some((k, _)) = want {
                        now = (k >> 64) as u64;
                    }
                }
                assert_eq!(heap.len(), reference.len());
                let top = reference.peek().map_or(NONE, |Reverse(e)| e.0);
                assert_eq!(heap.peek_key(), top);
            }
            while let Some(Reverse(e)) = reference.pop() {
                assert_eq!(heap.pop(), Some(e), "seed {seed}");
            }
            assert_eq!(heap.pop(), None);
            assert_eq!(heap.peek_key(), NONE);
        }
    }

    #[test]
    fn equal_times_come_out_by_sequence() {
        let mut heap: RadixHeap<u64> = RadixHeap::new(key(7, 0));
        for s in 0..5000 {
            heap.push(key(7, s), s);
        }
        let out: Vec<u64> = std::iter::from_fn(|| heap.pop().map(|e| e.1)).collect();
        assert_eq!(out, (0..5000).collect::<Vec<_>>());
    }
}
