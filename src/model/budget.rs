//! Retry budgets over a sliding horizon: counts of requests and retries that decay
//! exponentially, so a budget reflects recent traffic and quiet minutes do not save up retries
//! for a later storm.
//!
//! This is the client-side kind of budget: Finagle's `RetryBudget` (its default: 20% of
//! requests, deposits that expire after a 10 s TTL, plus a reserve of 10 retries/s) and tower's
//! `retry::budget::Budget` (a TTL and a minimum per second) count requests and retries over
//! a recent window. Here the window is an exponential decay with a 10 s time constant
//! ([`HORIZON`]) instead of a hard TTL, and there is no minimum reserve: with little traffic the
//! budget allows few retries. It is not Envoy's `retry_budget` (Istio's), which limits the
//! retries *in flight* to a share of the active requests (Gateway API GEP-3388 sets the two
//! kinds side by side).

use crate::engine::{SimDuration, SimTime};

/// Time constant of the decay: counts older than this weigh 1/e.
pub const HORIZON: SimDuration = SimDuration::from_secs(10);

/// An exponentially decaying count.
#[derive(Clone, Copy, Debug, Default)]
pub struct Decaying {
    value: f64,
    at: SimTime,
}

impl Decaying {
    /// The count at `now`.
    pub fn value(&self, now: SimTime) -> f64 {
        let dt = now.since(self.at).as_secs_f64();
        self.value * (-dt / HORIZON.as_secs_f64()).exp()
    }

    /// Adds `x` at `now`.
    pub fn add(&mut self, now: SimTime, x: f64) {
        self.value = self.value(now) + x;
        self.at = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decays_with_the_horizon() {
        let mut d = Decaying::default();
        d.add(SimTime::ZERO, 100.0);
        let later = SimTime::ZERO + HORIZON;
        assert!((d.value(later) - 100.0 / std::f64::consts::E).abs() < 1e-9);
        d.add(later, 1.0);
        assert!((d.value(later) - (100.0 / std::f64::consts::E + 1.0)).abs() < 1e-9);
    }
}
