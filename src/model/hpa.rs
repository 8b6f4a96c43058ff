//! The HorizontalPodAutoscaler algorithm, shared by the services' HPA and the NGINX / Istio
//! gateway HPA: one reading of the busy worker slots per sync period, and the desired replica
//! count from it (HPA docs, facts §4):
//!
//! `desired = ceil(replicas × utilisation / target)`, no change inside the tolerance band,
//! scale-up at most `max(2 × replicas, replicas + 4)` per period, scale-down only to the highest
//! recommendation of the stabilisation window, always within `[min, max]`.

use std::collections::VecDeque;

use crate::engine::{SimTime, Station};
use crate::scenario::Hpa;

/// Busy slot-seconds of `station` since the last reading (kept in `snapshot`), and the span of
/// that reading in seconds (at most `period`; shorter after a statistics reset).
pub(super) fn read_busy(
    station: &Station,
    snapshot: &mut f64,
    now: SimTime,
    period: f64,
) -> (f64, f64) {
    let integral = station.busy_integral(now);
    let since = station.stats_since();
    let elapsed = now.since(since).as_secs_f64();
    // A reset (end of warm-up) in between restarts the reading.
    let used = if integral >= *snapshot && elapsed >= period {
        integral - *snapshot
    } else {
        integral
    };
    *snapshot = integral;
    (used, elapsed.min(period))
}

/// The replica count the HPA asks for, given `replicas` now and `busy` slot-seconds over
/// `slots` slot-seconds available; `window` keeps the recent recommendations for the
/// scale-down stabilisation. `None` when there is nothing to measure.
pub(super) fn desired(
    h: &Hpa,
    replicas: u32,
    busy: f64,
    slots: f64,
    window: &mut VecDeque<(SimTime, u32)>,
    now: SimTime,
) -> Option<u32> {
    if slots == 0.0 || replicas == 0 {
        return None;
    }
    let ratio = busy / slots / h.target;
    let mut desired = if (ratio - 1.0).abs() <= h.tolerance {
        replicas
    } else {
        (f64::from(replicas) * ratio).ceil() as u32
    };
    desired = desired.min((2 * replicas).max(replicas + 4));
    window.push_back((now, desired));
    while window
        .front()
        .is_some_and(|&(t, _)| now.since(t) > h.scale_down_stabilisation)
    {
        window.pop_front();
    }
    if desired < replicas {
        // Scale down only as far as the highest recent recommendation allows (never up).
        let highest = window.iter().map(|&(_, d)| d).max().unwrap_or(desired);
        desired = highest.min(replicas);
    }
    Some(desired.clamp(h.min, h.max))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimDuration;

    fn hpa(min: u32, max: u32, target: f64) -> Hpa {
        Hpa {
            min,
            max,
            target,
            sync_period: SimDuration::from_secs(15),
            tolerance: 0.1,
            scale_down_stabilisation: SimDuration::from_secs(300),
        }
    }

    #[test]
    fn desired_is_ceil_of_replicas_times_utilisation_over_target() {
        let h = hpa(1, 100, 0.5);
        let mut w = VecDeque::new();
        let t = SimTime::ZERO;
        // 3 replicas × 2 slots × 15 s = 90 slot-seconds; 63 busy: utilisation 0.7.
        // ceil(3 × 0.7 / 0.5) = ceil(4.2) = 5.
        assert_eq!(desired(&h, 3, 63.0, 90.0, &mut w, t), Some(5));
        // Inside the tolerance band (0.52 / 0.5 = 1.04): no change.
        assert_eq!(desired(&h, 3, 46.8, 90.0, &mut w, t), Some(3));
        // Scale-up cap: at most max(2 × 3, 3 + 4) = 7 however busy.
        assert_eq!(desired(&h, 3, 90.0 * 0.99 * 10.0, 90.0, &mut w, t), Some(7));
        // Within [min, max].
        assert_eq!(desired(&hpa(2, 4, 0.5), 3, 63.0, 90.0, &mut w, t), Some(4));
        assert_eq!(desired(&h, 3, 0.0, 0.0, &mut w, t), None);
    }

    #[test]
    fn scale_down_waits_for_the_stabilisation_window() {
        let h = hpa(1, 10, 0.5);
        let mut w = VecDeque::new();
        let at = |s: u64| SimTime::ZERO + SimDuration::from_secs(s);
        assert_eq!(desired(&h, 4, 40.0, 40.0, &mut w, at(0)), Some(8));
        // Idle 15 s later (still 4 replicas): the recommendation of 8 is in the window, so no
        // scale-down.
        assert_eq!(desired(&h, 4, 0.0, 40.0, &mut w, at(15)), Some(4));
        // After the window has passed, the idle recommendation (0, clamped to min) wins.
        assert_eq!(desired(&h, 4, 0.0, 40.0, &mut w, at(400)), Some(1));
    }
}
