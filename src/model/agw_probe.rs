//! Application Gateway's health probes towards a dead backend: when each probe is sent, when
//! it fails, and so when the gateway marks the backend down.
//!
//! - **Which probe.** AGIC builds the gateway's probe from the container's readiness (or
//!   liveness) httpGet probe: interval = `periodSeconds`, timeout = `timeoutSeconds`,
//!   unhealthy threshold = `failureThreshold`; 30 s / 30 s / 3 only when the container has
//!   none (Microsoft Learn, "Application Gateway Ingress Controller: add health probes to your
//!   AKS pods", facts §10). See [`crate::scenario::AppGateway::probe_for`].
//! - **When probes go out.** v2 sends one probe per interval and does not retry a failed probe
//!   early: it waits a full interval before the next (application-gateway-probe-overview,
//!   facts §1). `interval` is the time between two consecutive probes (the ARM probe
//!   property), so probes go out at a fixed period.
//! - **When a probe fails.** A backend that refuses the connection (reset: a crashed or
//!   stopped container) fails the probe at once; one that does not answer (black hole: a lost
//!   node or zone, a hung container) fails it only when the probe's `timeout` runs out ("probe
//!   marked as failed if a valid response is not received within this timeout period").
//! - **The phase.** The backend fails at a moment unrelated to the probe cycle, so the first
//!   probe after the failure goes out after a time uniform in [0, interval). Each gateway
//!   instance probes independently (facts §1); the model has one gateway view shared by all
//!   instances, so it draws one phase per failure. Every instance takes the same share of the
//!   traffic, so the expected traffic still sent to the dead backend at any moment — the
//!   share of instances that have not yet marked it down — equals the chance that one phase
//!   has not yet reached detection: the mean of the errors is that of independent phases;
//!   only their spread between replications is larger (README, "Known limits").
//!
//! The backend is marked down when the `unhealthy_threshold`-th consecutive probe fails:
//! `phase + (threshold − 1) × interval`, plus `timeout` for a black hole.

use crate::engine::SimDuration;
use crate::scenario::Probe;

/// How a dead backend answers a probe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProbeAnswer {
    /// The connection is refused or reset: the probe fails at once.
    Refused,
    /// Nothing answers: the probe fails when its timeout runs out.
    Silent,
}

/// The time from a backend's failure to App Gateway marking it down, when the first probe
/// after the failure goes out `phase × interval` later (`phase` in [0, 1)).
pub fn probe_detection(probe: &Probe, answer: ProbeAnswer, phase: f64) -> SimDuration {
    let interval = probe.interval.0;
    let first = (interval as f64 * phase.clamp(0.0, 1.0)) as u64;
    let later = interval * u64::from(probe.failure_threshold.saturating_sub(1));
    let wait = match answer {
        ProbeAnswer::Refused => 0,
        ProbeAnswer::Silent => probe.timeout.0,
    };
    SimDuration(first + later + wait)
}

/// The mean of [`probe_detection`] over a uniform phase.
pub fn mean_probe_detection(probe: &Probe, answer: ProbeAnswer) -> SimDuration {
    probe_detection(probe, answer, 0.5)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(interval: u64, timeout: u64, threshold: u32) -> Probe {
        Probe {
            interval: SimDuration::from_secs(interval),
            timeout: SimDuration::from_secs(timeout),
            failure_threshold: threshold,
        }
    }

    #[test]
    fn a_reset_fails_at_the_threshold_th_probe() {
        let p = probe(30, 30, 3);
        // The first probe at once, then two more an interval apart: 60 s.
        assert_eq!(
            probe_detection(&p, ProbeAnswer::Refused, 0.0),
            SimDuration::from_secs(60)
        );
        // Mean phase: 15 s + 60 s.
        assert_eq!(
            mean_probe_detection(&p, ProbeAnswer::Refused),
            SimDuration::from_secs(75)
        );
    }

    #[test]
    fn a_black_hole_waits_for_the_last_probe_s_timeout() {
        let p = probe(10, 1, 3);
        assert_eq!(
            probe_detection(&p, ProbeAnswer::Silent, 0.0),
            SimDuration::from_secs(21)
        );
        assert_eq!(
            probe_detection(&p, ProbeAnswer::Silent, 0.5),
            SimDuration::from_secs(26)
        );
        // The 30 s / 30 s / 3 fallback: 90 s to 120 s.
        let p = probe(30, 30, 3);
        assert_eq!(
            mean_probe_detection(&p, ProbeAnswer::Silent),
            SimDuration::from_secs(105)
        );
    }
}
