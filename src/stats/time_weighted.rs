//! Time-weighted averages of piecewise-constant quantities (queue length, busy servers).
//!
//! A level that changes only at events is a step function of time; its mean over [t0, t] is the
//! area under the steps divided by t − t0. [`TimeWeighted`] accumulates that area as each step
//! ends, so an update is two multiplications and an addition: no allocation, no history.
//!
//! The area is kept in value × nanoseconds as `f64`; relative rounding error stays near 1e-16
//! per update, far below any statistical error of a run.

use crate::engine::SimTime;

/// The time-weighted mean and peak of a step function of simulated time.
///
/// ```
/// use trafsim::engine::SimTime;
/// use trafsim::stats::TimeWeighted;
///
/// let mut q = TimeWeighted::new(SimTime(0), 0.0);
/// q.set(SimTime(10), 4.0); // 0 for 10 ns
/// q.set(SimTime(30), 1.0); // 4 for 20 ns
/// assert_eq!(q.mean(SimTime(40)), (0.0 * 10.0 + 4.0 * 20.0 + 1.0 * 10.0) / 40.0);
/// assert_eq!(q.max(), 4.0);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TimeWeighted {
    /// Start of the averaging period (construction or the last [`reset`](Self::reset)), ns.
    start: u64,
    /// When the current value was set, ns.
    last: u64,
    /// The current level.
    value: f64,
    /// Area of closed steps since `start`, value × ns.
    area: f64,
    /// Largest level since `start`.
    max: f64,
}

impl TimeWeighted {
    /// Starts averaging at `start` with level `initial`.
    pub fn new(start: SimTime, initial: f64) -> Self {
        TimeWeighted {
            start: start.0,
            last: start.0,
            value: initial,
            area: 0.0,
            max: initial,
        }
    }

    /// Changes the level to `value` at `now`, closing the step of the previous level over
    /// [last change, now]. Times must not go backwards; if they do, the step has zero width.
    #[inline]
    pub fn set(&mut self, now: SimTime, value: f64) {
        let dt = now.0.saturating_sub(self.last);
        // Below 2⁶³ the signed conversion gives the same value and is one instruction.
        let dt = if dt < 1 << 63 {
            dt as i64 as f64
        } else {
            dt as f64
        };
        self.area += self.value * dt;
        self.last = self.last.max(now.0);
        self.value = value;
        self.max = self.max.max(value);
    }

    /// Changes the level by `delta` at `now` (`+1.0` on arrival, `-1.0` on departure).
    #[inline]
    pub fn add(&mut self, now: SimTime, delta: f64) {
        self.set(now, self.value + delta);
    }

    /// The current level.
    #[inline]
    pub fn value(&self) -> f64 {
        self.value
    }

    /// Ends the warm-up: forgets the area and the peak so far, keeps the current level, and
    /// restarts the averaging period at `now`. The peak restarts at the current level.
    pub fn reset(&mut self, now: SimTime) {
        self.start = now.0;
        self.last = now.0;
        self.area = 0.0;
        self.max = self.value;
    }

    /// The time-weighted mean from the start of the period to `now`, including the current
    /// level's open step. If no time has elapsed, the current level.
    pub fn mean(&self, now: SimTime) -> f64 {
        let elapsed = now.0.saturating_sub(self.start);
        if elapsed == 0 {
            return self.value;
        }
        let open = now.0.saturating_sub(self.last);
        (self.area + self.value * open as f64) / elapsed as f64
    }

    /// The largest level since the start of the period.
    pub fn max(&self) -> f64 {
        self.max
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_of_steps_is_area_over_time() {
        let mut q = TimeWeighted::new(SimTime(0), 2.0);
        q.set(SimTime(100), 5.0);
        q.set(SimTime(150), 0.0);
        // 2 for 100, 5 for 50, 0 for 50 => 450 / 200.
        assert!((q.mean(SimTime(200)) - 2.25).abs() < 1e-12);
        assert_eq!(q.max(), 5.0);
        assert_eq!(q.value(), 0.0);
    }

    #[test]
    fn mean_includes_open_interval() {
        let mut q = TimeWeighted::new(SimTime(0), 0.0);
        q.set(SimTime(10), 3.0);
        // 0 for 10, 3 for 30 (still open) => 90 / 40.
        assert!((q.mean(SimTime(40)) - 2.25).abs() < 1e-12);
    }

    #[test]
    fn no_elapsed_time_gives_current_value() {
        let mut q = TimeWeighted::new(SimTime(500), 7.0);
        assert_eq!(q.mean(SimTime(500)), 7.0);
        q.set(SimTime(500), 9.0);
        assert_eq!(q.mean(SimTime(500)), 9.0);
        // Asking for a time before the start does not divide by zero either.
        assert_eq!(q.mean(SimTime(100)), 9.0);
    }

    #[test]
    fn add_counts_arrivals_and_departures() {
        let mut busy = TimeWeighted::new(SimTime(0), 0.0);
        busy.add(SimTime(0), 1.0);
        busy.add(SimTime(10), 1.0);
        busy.add(SimTime(20), -1.0);
        busy.add(SimTime(30), -1.0);
        assert_eq!(busy.value(), 0.0);
        assert_eq!(busy.max(), 2.0);
        // 1 for 10, 2 for 10, 1 for 10, 0 for 10 => 40 / 40.
        assert!((busy.mean(SimTime(40)) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn reset_drops_warm_up() {
        let mut q = TimeWeighted::new(SimTime(0), 100.0);
        q.set(SimTime(1_000), 3.0);
        q.reset(SimTime(2_000));
        assert_eq!(q.max(), 3.0);
        assert_eq!(q.value(), 3.0);
        assert_eq!(q.mean(SimTime(2_000)), 3.0);
        q.set(SimTime(2_100), 1.0);
        // 3 for 100, 1 for 100 after the reset => 2; the warm-up level 100 is gone.
        assert!((q.mean(SimTime(2_200)) - 2.0).abs() < 1e-12);
        assert_eq!(q.max(), 3.0);
    }

    #[test]
    fn time_going_backwards_adds_no_area() {
        let mut q = TimeWeighted::new(SimTime(0), 1.0);
        q.set(SimTime(100), 2.0);
        q.set(SimTime(50), 4.0);
        // 1 for 100, then 4 from 100 to 200 => 500 / 200.
        assert!((q.mean(SimTime(200)) - 2.5).abs() < 1e-12);
    }

    #[test]
    fn long_runs_stay_accurate() {
        // One hour of a level alternating 0/1 every microsecond: mean exactly 0.5.
        let mut q = TimeWeighted::new(SimTime(0), 0.0);
        let step = 1_000u64;
        let steps = 3_600_000u64;
        for i in 1..=steps {
            q.set(SimTime(i * step), (i % 2) as f64);
        }
        let m = q.mean(SimTime(steps * step));
        assert!((m - 0.5).abs() < 1e-9, "mean {m}");
    }
}
