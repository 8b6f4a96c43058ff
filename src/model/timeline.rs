//! The timeline of one replication: when the control loops acted (a node's pods evicted, an
//! HPA changing a service's replicas, the gateway's HPA or App Gateway autoscaling adding
//! instances), so the time charts can mark them. Only times the model measured are kept: a
//! small list per replication, capped at [`MAX_EVENTS`] (later events are counted, not kept).

use serde::{Deserialize, Serialize};

use crate::engine::SimTime;

/// Events kept per replication; a run with more (an HPA flapping for hours) keeps the first.
pub const MAX_EVENTS: usize = 256;

/// What happened.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum EventKind {
    /// The node lifecycle controller evicted the pods of a lost node (its taint's toleration
    /// ran out).
    NodeEviction {
        /// The node's zone (index in the scenario's zones).
        zone: usize,
    },
    /// A service's HPA changed its replicas.
    HpaScale {
        /// The service (index in the scenario's services).
        service: usize,
        /// Replicas before.
        from: u32,
        /// Replicas wanted after.
        to: u32,
    },
    /// The ingress's HPA (NGINX, Istio) or App Gateway autoscaling added or removed instances.
    GatewayScale {
        /// Instances before.
        from: u32,
        /// Instances after.
        to: u32,
    },
}

/// One event of a replication.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimedEvent {
    /// When, seconds since the start of the run.
    pub secs: f64,
    /// What.
    #[serde(flatten)]
    pub kind: EventKind,
}

/// The events of one replication, in time order.
#[derive(Clone, Debug, Default)]
pub struct Timeline {
    /// Kept events.
    events: Vec<TimedEvent>,
    /// Events left out past [`MAX_EVENTS`].
    dropped: u64,
}

impl Timeline {
    /// Records `kind` at `now`.
    pub fn record(&mut self, now: SimTime, kind: EventKind) {
        if self.events.len() >= MAX_EVENTS {
            self.dropped += 1;
            return;
        }
        self.events.push(TimedEvent {
            secs: now.as_secs_f64(),
            kind,
        });
    }

    /// The kept events and how many were left out.
    pub fn into_parts(self) -> (Vec<TimedEvent>, u64) {
        (self.events, self.dropped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_first_events_and_counts_the_rest() {
        let mut t = Timeline::default();
        for i in 0..MAX_EVENTS as u64 + 3 {
            t.record(
                SimTime(i * 1_000_000_000),
                EventKind::NodeEviction { zone: 0 },
            );
        }
        let (events, dropped) = t.into_parts();
        assert_eq!(events.len(), MAX_EVENTS);
        assert_eq!(dropped, 3);
        assert_eq!(events[1].secs, 1.0);
    }
}
