//! HdrHistogram's bucket index, for a layout known at compile time: the arithmetic that
//! [`LatencyRecorder`](super::recorder::LatencyRecorder) (3 significant digits, 1 ns unit) and
//! the windows' `WindowLatency` (2 significant digits, 1 µs floor) share.
//!
//! A layout is `UNIT` (log2 of the unit: the largest power of two at most the lowest
//! discernible value) and `HALF` (log2 of half the sub-buckets per bucket). A value's index is
//! a `leading_zeros` and two shifts; both functions inline to constants per layout.

/// The counts index of `v` in the layout (`UNIT`, `HALF`): HdrHistogram's `index_for`.
#[inline(always)]
pub(super) fn index_of<const UNIT: u32, const HALF: u32>(v: u64) -> usize {
    let sub_count: u64 = 1 << (HALF + 1);
    let lz_base = 64 - UNIT - (HALF + 1);
    let bucket = lz_base - (v | ((sub_count - 1) << UNIT)).leading_zeros();
    let sub = v >> (bucket + UNIT);
    (((bucket as u64 + 1) << HALF) + sub - (1 << HALF)) as usize
}

/// The lowest value counted at index `i` in the layout (the inverse of [`index_of`]).
pub(super) fn lowest_at<const UNIT: u32, const HALF: u32>(i: usize) -> u64 {
    let i = i as u64;
    let mut bucket = (i >> HALF) as i64 - 1;
    let mut sub = (i & ((1 << HALF) - 1)) + (1 << HALF);
    if bucket < 0 {
        sub -= 1 << HALF;
        bucket = 0;
    }
    sub << (bucket as u32 + UNIT)
}

#[cfg(test)]
pub(super) mod tests {
    use hdrhistogram::{Counter, Histogram};

    /// A tiny deterministic generator.
    pub(in crate::stats) fn lcg(x: &mut u64) -> u64 {
        crate::engine::rng::lcg_step(x) >> 11
    }

    /// `index_of` and `lowest_at` of one layout agree with HdrHistogram `h` of that layout on
    /// small values, every power of two and its predecessor, and random spreads: the index's
    /// lowest value is HdrHistogram's lowest equivalent, and it maps back to the index.
    pub(in crate::stats) fn agrees_with<C: Counter>(
        h: &Histogram<C>,
        index_of: fn(u64) -> usize,
        lowest_at: fn(usize) -> u64,
    ) {
        let mut x = 5;
        let values = (0..5000u64)
            .chain((0..62).map(|s| 1u64 << s))
            .chain((1..62).map(|s| (1u64 << s) - 1))
            .chain((0..20_000).map(|_| lcg(&mut x) >> (lcg(&mut x) % 53)));
        for v in values {
            let i = index_of(v);
            assert_eq!(lowest_at(i), h.lowest_equivalent(v), "value {v}");
            assert_eq!(index_of(lowest_at(i)), i, "value {v}");
        }
    }
}
