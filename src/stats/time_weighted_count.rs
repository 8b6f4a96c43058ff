//! Time-weighted averages of integer levels (busy servers, waiting jobs), kept in integers.
//!
//! [`TimeWeightedCount`] is [`TimeWeighted`](super::TimeWeighted) for a level that is a count:
//! the area under the steps is a sum of count × nanoseconds, an integer, so an update is one
//! integer multiply-add instead of a conversion and a floating-point multiply-add, and the peak
//! is an integer maximum. Its figures are those of `TimeWeighted` **bit for bit**: while the
//! area stays below 2⁵³, every product and partial sum `TimeWeighted` forms is an integer that
//! an `f64` holds exactly, so both hold the same number; the first step that would take the
//! area to 2⁵³ or beyond (about 104 days of one busy server) switches this one to
//! `TimeWeighted`'s own `f64` arithmetic from that exact value on, so both round alike from
//! then on too. A test below compares the two on random steps across that boundary.

use crate::engine::SimTime;

/// Sums of integers below this are exact in an `f64`.
const EXACT: u64 = 1 << 53;

/// The time-weighted mean and peak of a step function of simulated time whose level is a
/// count.
///
/// ```
/// use trafsim::engine::SimTime;
/// use trafsim::stats::TimeWeightedCount;
///
/// let mut q = TimeWeightedCount::new(SimTime(0), 0);
/// q.set(SimTime(10), 4); // 0 for 10 ns
/// q.set(SimTime(30), 1); // 4 for 20 ns
/// assert_eq!(q.mean(SimTime(40)), (0.0 * 10.0 + 4.0 * 20.0 + 1.0 * 10.0) / 40.0);
/// assert_eq!(q.max(), 4.0);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TimeWeightedCount {
    /// Start of the averaging period (construction or the last [`reset`](Self::reset)), ns.
    start: u64,
    /// When the current level was set, ns.
    last: u64,
    /// The current level.
    value: u64,
    /// 2⁵³ minus the area of closed steps since `start` (level × ns) while the area is exact;
    /// 0 once it has reached 2⁵³.
    room: u64,
    /// The area as `TimeWeighted` keeps it, once it has reached 2⁵³ (`room` is 0).
    area_f64: f64,
    /// Largest level since `start`.
    max: u64,
}

impl TimeWeightedCount {
    /// Starts averaging at `start` with level `initial`.
    pub fn new(start: SimTime, initial: u64) -> Self {
        TimeWeightedCount {
            start: start.0,
            last: start.0,
            value: initial,
            room: EXACT,
            area_f64: 0.0,
            max: initial,
        }
    }

    /// Changes the level to `value` at `now`, closing the step of the previous level over
    /// [last change, now]. Times must not go backwards; if they do, the step has zero width.
    #[inline]
    pub fn set(&mut self, now: SimTime, value: u64) {
        let dt = now.0.saturating_sub(self.last);
        match self.value.checked_mul(dt) {
            Some(step) if step < self.room => self.room -= step,
            _ => self.add_f64(dt),
        }
        self.last = self.last.max(now.0);
        self.value = value;
        self.max = self.max.max(value);
    }

    /// The step of `dt` at the current level in `f64`, as `TimeWeighted` adds it (from the
    /// exact integer area the first time).
    #[cold]
    #[inline(never)]
    fn add_f64(&mut self, dt: u64) {
        if self.room > 0 {
            self.area_f64 = (EXACT - self.room) as f64;
            self.room = 0;
        }
        self.area_f64 += self.value as f64 * dt as f64;
    }

    /// The current level.
    #[inline]
    pub fn value(&self) -> u64 {
        self.value
    }

    /// Ends the warm-up: forgets the area and the peak so far, keeps the current level, and
    /// restarts the averaging period at `now`. The peak restarts at the current level.
    pub fn reset(&mut self, now: SimTime) {
        self.start = now.0;
        self.last = now.0;
        self.room = EXACT;
        self.area_f64 = 0.0;
        self.max = self.value;
    }

    /// The time-weighted mean from the start of the period to `now`, including the current
    /// level's open step. If no time has elapsed, the current level.
    pub fn mean(&self, now: SimTime) -> f64 {
        let elapsed = now.0.saturating_sub(self.start);
        if elapsed == 0 {
            return self.value as f64;
        }
        let open = now.0.saturating_sub(self.last);
        if let Some(step) = self.value.checked_mul(open)
            && step < self.room
        {
            return (EXACT - self.room + step) as f64 / elapsed as f64;
        }
        let area = if self.room > 0 {
            (EXACT - self.room) as f64
        } else {
            self.area_f64
        };
        (area + self.value as f64 * open as f64) / elapsed as f64
    }

    /// The largest level since the start of the period.
    pub fn max(&self) -> f64 {
        self.max as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::TimeWeighted;

    /// A tiny deterministic generator.
    fn lcg(x: &mut u64) -> u64 {
        crate::engine::rng::lcg_step(x) >> 11
    }

    #[test]
    fn the_figures_are_time_weighteds_bit_for_bit() {
        // Random levels and steps, some long and some of large levels, so that most runs
        // cross 2⁵³ of area (and some overflow a u64 product) part-way; resets and times
        // going backwards in between. Mean (with open steps) and peak compare bit for bit.
        for seed in 1..=40u64 {
            let mut x = seed;
            let (level_bits, step_bits) =
                [(3, 20), (8, 40), (16, 44), (33, 50), (1, 62)][(seed % 5) as usize];
            let mut f = TimeWeighted::new(SimTime(5), 2.0);
            let mut c = TimeWeightedCount::new(SimTime(5), 2);
            let mut now = 5u64;
            for k in 0..3_000 {
                let r = lcg(&mut x);
                now = match r % 50 {
                    0 => now.saturating_sub(lcg(&mut x) % 1000),
                    _ => now.saturating_add(lcg(&mut x) % (1 << step_bits)),
                };
                let v = lcg(&mut x) % (1 << level_bits);
                f.set(SimTime(now), v as f64);
                c.set(SimTime(now), v);
                if k == 1_500 && seed % 3 == 0 {
                    f.reset(SimTime(now));
                    c.reset(SimTime(now));
                }
                let t = SimTime(now.saturating_add(lcg(&mut x) % 1000));
                assert_eq!(c.mean(t).to_bits(), f.mean(t).to_bits(), "seed {seed}, {k}");
                assert_eq!(c.max(), f.max());
            }
        }
    }

    #[test]
    fn mean_of_steps_is_area_over_time() {
        let mut q = TimeWeightedCount::new(SimTime(0), 2);
        q.set(SimTime(100), 5);
        q.set(SimTime(150), 0);
        // 2 for 100, 5 for 50, 0 for 50 => 450 / 200.
        assert_eq!(q.mean(SimTime(200)), 2.25);
        assert_eq!(q.max(), 5.0);
        assert_eq!(q.value(), 0);
        // No time elapsed: the current level.
        let q = TimeWeightedCount::new(SimTime(500), 7);
        assert_eq!(q.mean(SimTime(500)), 7.0);
    }

    #[test]
    fn reset_drops_warm_up() {
        let mut q = TimeWeightedCount::new(SimTime(0), 100);
        q.set(SimTime(1_000), 3);
        q.reset(SimTime(2_000));
        assert_eq!((q.max(), q.mean(SimTime(2_000))), (3.0, 3.0));
        q.set(SimTime(2_100), 1);
        // 3 for 100, 1 for 100 after the reset => 2; the warm-up level 100 is gone.
        assert_eq!(q.mean(SimTime(2_200)), 2.0);
    }
}
