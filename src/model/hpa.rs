//! The HorizontalPodAutoscaler algorithm, shared by the services' HPA and the NGINX / Istio
//! gateway HPA: one reading per pod of its busy worker slots (or, for a service with `cpu`, its
//! cores used over its CPU request: see `cpu`) per sync period, each pod sorted
//! as the replica calculator sorts it, and the desired replica count from them (kubernetes.io,
//! Horizontal Pod Autoscaling, "Algorithm details"; kubernetes PR #33593; facts §4 and §10).
//!
//! - Pods being deleted are ignored. Pods not yet ready (pending, starting, or ready for less
//!   than one metric window within the CPU initialisation period) are *unready*; pods whose
//!   node is lost have *no metrics*. Both are set aside at first.
//! - `ratio = utilisation of the ready pods / target`. With no pod set aside, or none that
//!   matters (unready pods matter only on a scale-up): no change inside the tolerance band,
//!   else `desired = ceil(ratio × ready pods)`.
//! - Otherwise the average is taken again, more conservatively: pods without metrics count as
//!   100% busy on a scale-down and 0% on a scale-up; unready pods count as 0% on a scale-up.
//!   If the new ratio is inside the tolerance or points the other way, or the new count
//!   `ceil(new ratio × pods counted)` would move against the ratio, there is no change.
//! - Then the controller's limits: scale-up at most `max(2 × replicas, replicas + 4)` per period,
//!   scale-down only to the highest recommendation of the stabilisation window, always within
//!   `[min, max]`.
//!
//! A pod's metric window is the HPA's reading span (its sync period): a pod that became ready
//! within it has not been measured over a full window.

use std::collections::VecDeque;

use crate::engine::{SimDuration, SimTime, Station};
use crate::scenario::Hpa;
use crate::scenario::defaults::{HPA_CPU_INITIALIZATION_PERIOD, HPA_INITIAL_READINESS_DELAY};

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

/// One pod as the HPA's replica calculator sees it. `capacity` is the pod's worker
/// slot-seconds over the reading (its "request"), `busy` the busy slot-seconds measured.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Sample {
    /// Ready, with a metric over a full window.
    Ready {
        /// Busy slot-seconds.
        busy: f64,
        /// Slot-seconds available.
        capacity: f64,
    },
    /// Not yet ready (or ready for less than a metric window): 0% on a scale-up, else unused.
    Unready {
        /// Slot-seconds it would offer.
        capacity: f64,
    },
    /// No metrics (its node is lost): 0% on a scale-up, 100% on a scale-down.
    Missing {
        /// Slot-seconds it would offer.
        capacity: f64,
    },
}

/// What the HPA knows of one pod (not being deleted) to sort it.
#[derive(Clone, Copy, Debug)]
pub(super) struct PodView {
    /// Running and ready now.
    pub ready: bool,
    /// Its node is lost: no metrics.
    pub node_lost: bool,
    /// When the pod was created.
    pub created: SimTime,
    /// When its readiness last changed (its creation if it never did).
    pub ready_changed: SimTime,
}

impl PodView {
    /// The sample of this pod, with `busy` of `capacity` slot-seconds measured, at `now`;
    /// `window` is the metric window. Follows the replica calculator's grouping of pods.
    pub fn sample(&self, busy: f64, capacity: f64, now: SimTime, window: SimDuration) -> Sample {
        if self.node_lost {
            return Sample::Missing { capacity };
        }
        let initialising = now < self.created + HPA_CPU_INITIALIZATION_PERIOD;
        let unready = if initialising {
            // Not ready, or no full metric window since it became ready.
            !self.ready || now < self.ready_changed + window
        } else {
            // Not ready and never was (its readiness last changed within the delay).
            !self.ready && self.ready_changed < self.created + HPA_INITIAL_READINESS_DELAY
        };
        if unready {
            Sample::Unready { capacity }
        } else {
            Sample::Ready { busy, capacity }
        }
    }
}

/// The replica calculator: the desired count before the controller's limits, from `replicas`
/// now and the pods' samples. `None` when no pod has a metric (the HPA does not act).
pub(super) fn calculate(h: &Hpa, replicas: u32, samples: &[Sample]) -> Option<u32> {
    let (mut busy, mut capacity, mut ready) = (0.0, 0.0, 0u32);
    let (mut unready_cap, mut missing_cap) = (0.0, 0.0);
    let (mut unready, mut missing) = (0u32, 0u32);
    for s in samples {
        match *s {
            Sample::Ready {
                busy: b,
                capacity: c,
            } => {
                busy += b;
                capacity += c;
                ready += 1;
            }
            Sample::Unready { capacity: c } => {
                unready_cap += c;
                unready += 1;
            }
            Sample::Missing { capacity: c } => {
                missing_cap += c;
                missing += 1;
            }
        }
    }
    if ready == 0 || capacity <= 0.0 {
        return None;
    }
    let ratio = busy / capacity / h.target;
    let scale_up_with_unready = unready > 0 && ratio > 1.0;
    if !scale_up_with_unready && missing == 0 {
        if (ratio - 1.0).abs() <= h.tolerance {
            return Some(replicas);
        }
        return Some((ratio * f64::from(ready)).ceil() as u32);
    }
    let mut counted = ready;
    if missing > 0 {
        if ratio < 1.0 {
            // Scale-down: pods without metrics count as fully busy (or the target if higher).
            busy += missing_cap * h.target.max(1.0);
            capacity += missing_cap;
            counted += missing;
        } else if ratio > 1.0 {
            // Scale-up: as idle.
            capacity += missing_cap;
            counted += missing;
        }
    }
    if scale_up_with_unready {
        capacity += unready_cap;
        counted += unready;
    }
    let new_ratio = busy / capacity / h.target;
    let reversed = (ratio < 1.0 && new_ratio > 1.0) || (ratio > 1.0 && new_ratio < 1.0);
    if (new_ratio - 1.0).abs() <= h.tolerance || reversed {
        return Some(replicas);
    }
    let n = (new_ratio * f64::from(counted)).ceil() as u32;
    if (new_ratio < 1.0 && n > replicas) || (new_ratio > 1.0 && n < replicas) {
        return Some(replicas);
    }
    Some(n)
}

/// The replica count the HPA asks for, given `replicas` now and the pods' `samples`; `window`
/// keeps the recent recommendations for the scale-down stabilisation. `None` when there is
/// nothing to measure.
pub(super) fn desired(
    h: &Hpa,
    replicas: u32,
    samples: &[Sample],
    window: &mut VecDeque<(SimTime, u32)>,
    now: SimTime,
) -> Option<u32> {
    if replicas == 0 {
        return None;
    }
    let mut desired = calculate(h, replicas, samples)?;
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

    /// `n` ready pods of 2 slots over 15 s (30 slot-seconds each), each `u` busy.
    fn ready(n: usize, u: f64) -> Vec<Sample> {
        vec![
            Sample::Ready {
                busy: 30.0 * u,
                capacity: 30.0
            };
            n
        ]
    }
    fn unready(n: usize) -> Vec<Sample> {
        vec![Sample::Unready { capacity: 30.0 }; n]
    }
    fn missing(n: usize) -> Vec<Sample> {
        vec![Sample::Missing { capacity: 30.0 }; n]
    }

    #[test]
    fn desired_is_ceil_of_ready_pods_times_utilisation_over_target() {
        let h = hpa(1, 100, 0.5);
        let mut w = VecDeque::new();
        let t = SimTime::ZERO;
        // 3 pods at 0.7: ceil(3 × 0.7 / 0.5) = ceil(4.2) = 5.
        assert_eq!(desired(&h, 3, &ready(3, 0.7), &mut w, t), Some(5));
        // Inside the tolerance band (0.52 / 0.5 = 1.04): no change.
        assert_eq!(desired(&h, 3, &ready(3, 0.52), &mut w, t), Some(3));
        // Scale-up cap: at most max(2 × 3, 3 + 4) = 7 however busy.
        assert_eq!(desired(&h, 3, &ready(3, 10.0), &mut w, t), Some(7));
        // Within [min, max].
        assert_eq!(
            desired(&hpa(2, 4, 0.5), 3, &ready(3, 0.7), &mut w, t),
            Some(4)
        );
        // No metric at all: no action.
        assert_eq!(desired(&h, 3, &unready(3), &mut w, t), None);
        assert_eq!(desired(&h, 3, &[], &mut w, t), None);
    }

    #[test]
    fn scale_down_waits_for_the_stabilisation_window() {
        let h = hpa(1, 10, 0.5);
        let mut w = VecDeque::new();
        let at = |s: u64| SimTime::ZERO + SimDuration::from_secs(s);
        assert_eq!(desired(&h, 4, &ready(4, 1.0), &mut w, at(0)), Some(8));
        // Idle 15 s later (still 4 replicas): the recommendation of 8 is in the window, so no
        // scale-down.
        assert_eq!(desired(&h, 4, &ready(4, 0.0), &mut w, at(15)), Some(4));
        // After the window has passed, the idle recommendation (0, clamped to min) wins.
        assert_eq!(desired(&h, 4, &ready(4, 0.0), &mut w, at(400)), Some(1));
    }

    /// The runaway of issue 11: 6 ready pods fully busy (the load doubled at 50%), 6 starting.
    /// The old code multiplied all 12 replicas by 2 (→ 24, capped at 16); the documented
    /// algorithm counts the starting pods as idle: 6 × 1.0 / 12 = 0.5 = the target → no change.
    #[test]
    fn unready_pods_count_as_idle_on_a_scale_up() {
        let h = hpa(1, 40, 0.5);
        let mut samples = ready(6, 1.0);
        samples.extend(unready(6));
        assert_eq!(calculate(&h, 12, &samples), Some(12));
        // With fewer starting pods the scale-up goes on, over all counted pods:
        // 6 × 1.0 / 8 / 0.5 = 1.5 → ceil(1.5 × 8) = 12.
        let mut samples = ready(6, 1.0);
        samples.extend(unready(2));
        assert_eq!(calculate(&h, 8, &samples), Some(12));
    }

    /// Unready pods are left out on a scale-down (they are not filled in at all).
    #[test]
    fn unready_pods_are_left_out_on_a_scale_down() {
        let h = hpa(1, 40, 0.5);
        let mut samples = ready(4, 0.25);
        samples.extend(unready(4));
        // Ready pods alone: 0.25 / 0.5 = 0.5 → ceil(0.5 × 4) = 2.
        assert_eq!(calculate(&h, 8, &samples), Some(2));
    }

    /// Missing metrics count as 100% busy on a scale-down: 4 ready pods at 10% (ratio 0.2)
    /// and 4 pods without metrics. As 100%: (4 × 0.1 + 4 × 1) / 8 = 0.55, / 0.5 = 1.1 > 1:
    /// the direction reverses → no change. (Left out, the old code asked for 2 of 8.)
    #[test]
    fn missing_metrics_count_as_full_on_a_scale_down_and_reversal_means_no_change() {
        let h = hpa(1, 40, 0.5);
        let mut samples = ready(4, 0.1);
        samples.extend(missing(4));
        assert_eq!(calculate(&h, 8, &samples), Some(8));
        // Without reversal: 6 ready at 0.1, 1 missing → (0.6 + 1) / 7 = 0.2286, / 0.5 = 0.457
        // → ceil(0.457 × 7) = 4 (not ceil(0.2 × 6) = 2).
        let mut samples = ready(6, 0.1);
        samples.extend(missing(1));
        assert_eq!(calculate(&h, 7, &samples), Some(4));
    }

    /// Missing metrics count as idle on a scale-up: 4 ready pods at 100%, 4 on a lost node →
    /// 4 / 8 / 0.5 = 1.0: inside the tolerance → no change (not 16).
    #[test]
    fn missing_metrics_count_as_idle_on_a_scale_up() {
        let h = hpa(1, 40, 0.5);
        let mut samples = ready(4, 1.0);
        samples.extend(missing(4));
        assert_eq!(calculate(&h, 8, &samples), Some(8));
        // 4 ready at 100%, 1 missing: 4 / 5 / 0.5 = 1.6 → ceil(1.6 × 5) = 8.
        let mut samples = ready(4, 1.0);
        samples.extend(missing(1));
        assert_eq!(calculate(&h, 5, &samples), Some(8));
    }

    #[test]
    fn pods_are_sorted_as_the_replica_calculator_sorts_them() {
        let at = |s: u64| SimTime::ZERO + SimDuration::from_secs(s);
        let w = SimDuration::from_secs(15);
        let pod = |ready, created, changed| PodView {
            ready,
            node_lost: false,
            created: at(created),
            ready_changed: at(changed),
        };
        let is_ready =
            |v: PodView, now| matches!(v.sample(1.0, 2.0, at(now), w), Sample::Ready { .. });
        // Ready 10 s ago, within the initialisation period: no full window yet.
        assert!(!is_ready(pod(true, 0, 60), 70));
        assert!(is_ready(pod(true, 0, 60), 75));
        // Starting: unready.
        assert!(!is_ready(pod(false, 0, 0), 70));
        // After the initialisation period, a ready pod counts at once.
        assert!(is_ready(pod(true, 0, 400), 401));
        // ... a pod that was ready and is not now counts with its metric,
        assert!(is_ready(pod(false, 0, 400), 500));
        // ... but one that never became ready (last change within 30 s of its start) does not.
        assert!(!is_ready(pod(false, 0, 10), 500));
        // A pod on a lost node has no metrics.
        let mut lost = pod(true, 0, 0);
        lost.node_lost = true;
        assert_eq!(
            lost.sample(1.0, 2.0, at(500), w),
            Sample::Missing { capacity: 2.0 }
        );
    }
}
