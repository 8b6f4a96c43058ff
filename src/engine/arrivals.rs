//! Arrival processes: when the next client request arrives.
//!
//! - [`ArrivalProcess::Poisson`]: exponential gaps at a constant rate;
//! - [`ArrivalProcess::Constant`]: evenly spaced arrivals;
//! - [`ArrivalProcess::Profile`]: a non-homogeneous Poisson process whose rate follows a
//!   [`RateProfile`] of steps and linear ramps (a morning ramp, a flash-sale spike), sampled
//!   exactly by thinning (Lewis & Shedler) segment by segment: within a segment, candidates come
//!   at the segment's peak rate and are kept with probability rate(t)/peak. Memorylessness makes
//!   the restart at a segment boundary exact.

use rand::Rng;
use rand_distr::{Distribution, Exp1};

use super::time::{SimDuration, SimTime};

/// One point of a rate profile.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RatePoint {
    /// From when this point's rate applies.
    pub at: SimTime,
    /// The rate at `at`, requests per second.
    pub rate: f64,
    /// If true, the rate ramps linearly from the previous point's rate to this one between the
    /// previous point and `at`; if false, it steps at `at`.
    pub ramp: bool,
}

/// A piecewise rate over time: constant or linear between points, constant after the last.
#[derive(Clone, Debug, PartialEq)]
pub struct RateProfile {
    points: Vec<RatePoint>,
}

/// A profile that cannot be used.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct ProfileError(pub String);

impl RateProfile {
    /// Builds a profile. Points must be in strictly increasing time and rates must be finite and
    /// non-negative. Before the first point the rate is 0 unless the first point is at zero.
    pub fn new(points: Vec<RatePoint>) -> Result<Self, ProfileError> {
        if points.is_empty() {
            return Err(ProfileError(
                "a rate profile needs at least one point".into(),
            ));
        }
        for (i, p) in points.iter().enumerate() {
            if !(p.rate.is_finite() && p.rate >= 0.0) {
                return Err(ProfileError(format!(
                    "rate at point {} must be a non-negative number, got {}",
                    i + 1,
                    p.rate
                )));
            }
            if i > 0 && p.at <= points[i - 1].at {
                return Err(ProfileError(format!(
                    "profile points must be in increasing time: point {} ({}) is not after point {}",
                    i + 1,
                    SimDuration(p.at.0),
                    i
                )));
            }
        }
        Ok(RateProfile { points })
    }

    /// The rate at time `t`, requests per second.
    pub fn rate_at(&self, t: SimTime) -> f64 {
        let i = self.points.partition_point(|p| p.at <= t);
        if i == self.points.len() {
            return self.points[i - 1].rate;
        }
        let next = self.points[i];
        if i == 0 {
            return 0.0;
        }
        let prev = self.points[i - 1];
        if next.ramp {
            let f = (t.0 - prev.at.0) as f64 / (next.at.0 - prev.at.0) as f64;
            prev.rate + (next.rate - prev.rate) * f
        } else {
            prev.rate
        }
    }

    /// The segment containing `t`: its end (or `MAX`) and the largest rate within it.
    fn segment(&self, t: SimTime) -> (SimTime, f64) {
        let i = self.points.partition_point(|p| p.at <= t);
        if i == self.points.len() {
            return (SimTime::MAX, self.points[i - 1].rate);
        }
        let next = self.points[i];
        let here = if i == 0 { 0.0 } else { self.rate_at(t) };
        let peak = if next.ramp { here.max(next.rate) } else { here };
        (next.at, peak)
    }

    /// The mean rate over `[from, to)`, for reports.
    pub fn mean_rate(&self, from: SimTime, to: SimTime) -> f64 {
        if to <= from {
            return self.rate_at(from);
        }
        let steps = 1000u64;
        let dt = (to.0 - from.0) / steps;
        if dt == 0 {
            return self.rate_at(from);
        }
        (0..steps)
            .map(|k| self.rate_at(SimTime(from.0 + k * dt + dt / 2)))
            .sum::<f64>()
            / steps as f64
    }

    /// The points as given.
    pub fn points(&self) -> &[RatePoint] {
        &self.points
    }
}

/// How requests arrive.
#[derive(Clone, Debug, PartialEq)]
pub enum ArrivalProcess {
    /// Poisson at a constant rate (requests per second).
    Poisson(f64),
    /// Evenly spaced at a constant rate (requests per second).
    Constant(f64),
    /// Poisson with a rate that varies over time.
    Profile(RateProfile),
}

impl ArrivalProcess {
    /// The time of the next arrival after `now`, or `None` if no more arrive (a zero rate
    /// forever).
    #[inline(always)]
    pub fn next_after<R: Rng + ?Sized>(&self, now: SimTime, rng: &mut R) -> Option<SimTime> {
        // The common case inlined at the caller; the others out of line.
        if let ArrivalProcess::Poisson(rate) = self
            && *rate > 0.0
        {
            let e: f64 = Exp1.sample(rng);
            return Some(now + SimDuration::from_secs_f64(e / rate).max(SimDuration(1)));
        }
        self.next_after_any(now, rng)
    }

    /// [`ArrivalProcess::next_after`] for every process.
    #[inline(never)]
    fn next_after_any<R: Rng + ?Sized>(&self, now: SimTime, rng: &mut R) -> Option<SimTime> {
        match self {
            ArrivalProcess::Poisson(rate) => {
                if *rate <= 0.0 {
                    return None;
                }
                let e: f64 = Exp1.sample(rng);
                Some(now + SimDuration::from_secs_f64(e / rate).max(SimDuration(1)))
            }
            ArrivalProcess::Constant(rate) => {
                if *rate <= 0.0 {
                    return None;
                }
                Some(now + SimDuration::from_secs_f64(1.0 / rate).max(SimDuration(1)))
            }
            ArrivalProcess::Profile(p) => {
                let mut t = now;
                loop {
                    let (end, peak) = p.segment(t);
                    if peak <= 0.0 {
                        if end == SimTime::MAX {
                            return None;
                        }
                        t = end;
                        continue;
                    }
                    let e: f64 = Exp1.sample(rng);
                    let cand = t + SimDuration::from_secs_f64(e / peak).max(SimDuration(1));
                    if cand >= end {
                        t = end;
                        continue;
                    }
                    t = cand;
                    let u: f64 = rng.random();
                    if u * peak <= p.rate_at(cand) {
                        return Some(cand);
                    }
                }
            }
        }
    }

    /// The mean rate over `[from, to)`, requests per second.
    pub fn mean_rate(&self, from: SimTime, to: SimTime) -> f64 {
        match self {
            ArrivalProcess::Poisson(r) | ArrivalProcess::Constant(r) => *r,
            ArrivalProcess::Profile(p) => p.mean_rate(from, to),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::stream;

    fn secs(s: u64) -> SimTime {
        SimTime(s * 1_000_000_000)
    }

    fn count_in(a: &ArrivalProcess, from: SimTime, to: SimTime) -> u64 {
        let mut rng = stream(11, 0, 1);
        let mut t = SimTime::ZERO;
        let mut n = 0;
        while let Some(next) = a.next_after(t, &mut rng) {
            if next >= to {
                break;
            }
            if next >= from {
                n += 1;
            }
            t = next;
        }
        n
    }

    #[test]
    fn poisson_count_matches_rate() {
        let n = count_in(&ArrivalProcess::Poisson(500.0), SimTime::ZERO, secs(100));
        // Mean 50,000, sd ≈ 224: ±5 sd.
        assert!((n as f64 - 50_000.0).abs() < 1_120.0, "{n}");
    }

    #[test]
    fn constant_is_exact() {
        let n = count_in(&ArrivalProcess::Constant(100.0), SimTime::ZERO, secs(10));
        assert_eq!(n, 999); // arrivals at 0.01 s, 0.02 s, … 9.99 s
    }

    #[test]
    fn ramp_is_followed_by_thinning() {
        // 0 → 1000 rps linearly over 100 s, then flat at 1000.
        let p = RateProfile::new(vec![
            RatePoint {
                at: SimTime::ZERO,
                rate: 0.0,
                ramp: false,
            },
            RatePoint {
                at: secs(100),
                rate: 1000.0,
                ramp: true,
            },
        ])
        .unwrap();
        assert_eq!(p.rate_at(secs(50)), 500.0);
        assert_eq!(p.rate_at(secs(200)), 1000.0);
        let a = ArrivalProcess::Profile(p);
        // Expected in [0, 50 s): ∫ 10 t dt = 12,500; in [100 s, 110 s): 10,000.
        let early = count_in(&a, SimTime::ZERO, secs(50)) as f64;
        let flat = count_in(&a, secs(100), secs(110)) as f64;
        assert!((early - 12_500.0).abs() < 5.0 * 12_500f64.sqrt(), "{early}");
        assert!((flat - 10_000.0).abs() < 5.0 * 10_000f64.sqrt(), "{flat}");
    }

    #[test]
    fn steps_switch_rate() {
        let p = RateProfile::new(vec![
            RatePoint {
                at: SimTime::ZERO,
                rate: 100.0,
                ramp: false,
            },
            RatePoint {
                at: secs(10),
                rate: 0.0,
                ramp: false,
            },
            RatePoint {
                at: secs(20),
                rate: 300.0,
                ramp: false,
            },
        ])
        .unwrap();
        let a = ArrivalProcess::Profile(p);
        assert_eq!(count_in(&a, secs(10), secs(20)), 0);
        let late = count_in(&a, secs(20), secs(30)) as f64;
        assert!((late - 3000.0).abs() < 5.0 * 3000f64.sqrt(), "{late}");
    }

    #[test]
    fn bad_profiles_are_errors() {
        assert!(RateProfile::new(vec![]).is_err());
        let p = |at, rate| RatePoint {
            at: SimTime(at),
            rate,
            ramp: false,
        };
        assert!(RateProfile::new(vec![p(5, 1.0), p(5, 2.0)]).is_err());
        assert!(RateProfile::new(vec![p(0, -1.0)]).is_err());
    }
}
