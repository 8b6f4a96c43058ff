//! Where a balancer may send a request by zone: anywhere, only the sender's zone
//! (kube-proxy's topology-aware routing), or Envoy's locality priority levels (Istio).
//!
//! Istio's locality load balancing puts the endpoints in the sender's zone at priority 0 and
//! the other zones of the region at a lower priority (istio.io, "Locality failover"). Envoy
//! sends each priority a share of the traffic from its health (Envoy docs, "Priority levels";
//! `LoadBalancerBase::recalculatePerPriorityState`), in whole percent:
//! `health = min(100, 140 × healthy / total)` — 140 is the overprovisioning factor 1.4 — and
//! priority 0 gets `min(100, health₀ × 100 / H)`, priority 1 the rest up to its own health,
//! where `H = min(100, health₀ + health₁)`; rounding leftovers go to the first priority with
//! healthy endpoints. A zone 71% healthy or more keeps all its traffic; with 1 of 3 local
//! endpoints healthy, 46% stays and 54% spills to the other zones. "Total" counts the
//! endpoints the balancer's view lists, "healthy" those outlier detection has not ejected.
//!
//! Not modelled: Envoy's panic mode (below 50% healthy when the levels together are below
//! 100%, a level balances over all its endpoints, ejected ones included).

/// Which zones a pick may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Locality {
    /// Every zone alike.
    Any,
    /// Only the given zone while it has a candidate (topology-aware routing).
    Strict(usize),
    /// Envoy's priority levels: the given zone first, spilling by the overprovisioning rule.
    Priority(usize),
}

/// Envoy's overprovisioning factor, in percent (D: Envoy docs "Priority levels", default 1.4).
const OVERPROVISIONING_PERCENT: u64 = 140;

/// A priority level's health in whole percent: `min(100, 140 × healthy / total)`.
fn health(healthy: usize, total: usize) -> u64 {
    if total == 0 {
        return 0;
    }
    (OVERPROVISIONING_PERCENT * healthy as u64 / total as u64).min(100)
}

/// Percent of the traffic Envoy sends to the local priority level, with `(healthy, total)`
/// endpoints in the local zone and in the others; the rest goes to the others.
pub(super) fn local_percent(local: (usize, usize), remote: (usize, usize)) -> u64 {
    let (h0, h1) = (health(local.0, local.1), health(remote.0, remote.1));
    let total = (h0 + h1).min(100);
    if total == 0 {
        // Nothing healthy anywhere: the caller finds no candidate.
        return 100;
    }
    let l0 = (h0 * 100 / total).min(100);
    let l1 = (h1 * 100 / total).min(100 - l0);
    let rest = 100 - l0 - l1;
    if h0 > 0 { l0 + rest } else { l0 }
}

#[cfg(test)]
mod tests {
    use super::local_percent;

    #[test]
    fn a_healthy_zone_keeps_its_traffic() {
        assert_eq!(local_percent((3, 3), (6, 6)), 100);
        // 71% healthy × 1.4 = 99.4% → 99; 3 of 4 → 105% → 100.
        assert_eq!(local_percent((3, 4), (6, 6)), 100);
    }

    #[test]
    fn a_partly_healthy_zone_spills_by_the_overprovisioning_factor() {
        // 1 of 3: 140 / 3 = 46 (whole percent) stays, 54 spills.
        assert_eq!(local_percent((1, 3), (6, 6)), 46);
        // 1 of 2: 70% stays.
        assert_eq!(local_percent((1, 2), (4, 4)), 70);
        assert_eq!(local_percent((0, 3), (6, 6)), 0);
    }

    #[test]
    fn load_is_scaled_when_the_levels_together_fall_short() {
        // 20% + 20% health → normalised total 40 → 50 / 50.
        assert_eq!(local_percent((1, 7), (1, 7)), 50);
        // No other zone: everything stays.
        assert_eq!(local_percent((1, 3), (0, 0)), 100);
    }
}
