//! What one queueing station reports after a run.
//!
//! A station (an ingress instance pool, a service's pods, an egress path) counts its arrivals and
//! rejections, tracks its queue and busy servers with
//! [`TimeWeighted`](crate::stats::TimeWeighted), and records response and waiting times in
//! [`LatencyHistogram`](crate::stats::LatencyHistogram)s. At the end of a run it condenses them
//! into a [`StationStats`], which is small, serialisable and the same shape for every station.

use serde::Serialize;

use crate::stats::Percentiles;

/// One station's results for one run (after warm-up). All zero for a station that saw nothing.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StationStats {
    /// Requests that reached the station.
    pub arrivals: u64,
    /// Requests turned away because the waiting line was full (or the station was down).
    pub rejected: u64,
    /// Requests whose service finished.
    pub completed: u64,
    /// Time-weighted mean number in the station (waiting + in service).
    pub mean_in_system: f64,
    /// Time-weighted mean number waiting.
    pub mean_in_queue: f64,
    /// Time-weighted mean number of busy servers.
    pub mean_busy: f64,
    /// `mean_busy / servers`, in [0, 1] (0 when the station has no servers).
    pub utilisation: f64,
    /// Largest number waiting at any instant.
    pub peak_queue: f64,
    /// Time from arrival to the end of service, seconds.
    pub response: Percentiles,
    /// Time from arrival to the start of service, seconds.
    pub wait: Percentiles,
}

impl StationStats {
    /// The fraction of arrivals rejected, or 0 with no arrivals.
    pub fn rejection_rate(&self) -> f64 {
        if self.arrivals == 0 {
            0.0
        } else {
            self.rejected as f64 / self.arrivals as f64
        }
    }

    /// `mean_busy / servers`, or 0 with no servers: the value for
    /// [`utilisation`](Self::utilisation).
    pub fn utilisation_of(mean_busy: f64, servers: u64) -> f64 {
        if servers == 0 {
            0.0
        } else {
            mean_busy / servers as f64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_all_zero() {
        let s = StationStats::default();
        assert_eq!(s.arrivals, 0);
        assert_eq!(s.response, Percentiles::default());
        assert_eq!(s.rejection_rate(), 0.0);
    }

    #[test]
    fn rates() {
        let s = StationStats {
            arrivals: 200,
            rejected: 5,
            ..StationStats::default()
        };
        assert!((s.rejection_rate() - 0.025).abs() < 1e-12);
        assert!((StationStats::utilisation_of(3.0, 4) - 0.75).abs() < 1e-12);
        assert_eq!(StationStats::utilisation_of(3.0, 0), 0.0);
    }

    #[test]
    fn serialises_every_field() {
        let json = serde_json::to_value(StationStats::default()).unwrap();
        let obj = json.as_object().unwrap();
        for key in [
            "arrivals",
            "rejected",
            "completed",
            "mean_in_system",
            "mean_in_queue",
            "mean_busy",
            "utilisation",
            "peak_queue",
            "response",
            "wait",
        ] {
            assert!(obj.contains_key(key), "missing {key}");
        }
        assert_eq!(json["response"]["count"], 0);
    }
}
