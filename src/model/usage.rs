//! What a replication held and carried, for the monthly cost estimate (`crate::cost`): the
//! time-averaged ingress instances and pods, and the traffic through the billed devices.
//!
//! Counts are sampled with the gauges (four times per time-series window) after the warm-up,
//! so whatever changes them — autoscaling, faults, replacements — is averaged over time
//! without a hook where it happens. An instance or pod counts while it is running or
//! starting (a starting one holds its node's capacity), and not while it is down. Traffic
//! counters start at the end of the warm-up, like every other statistic.

use serde::{Deserialize, Serialize};

use crate::model::topology::{Life, Topology};

/// Resources held (time averages) and traffic carried (counts after the warm-up).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Usage {
    /// Gauge samples taken after the warm-up.
    pub samples: u64,
    /// Sum over the samples of the ingress instances running or starting.
    pub ingress_instance_samples: f64,
    /// Sum over the samples of the pods (all services) running or starting.
    pub pod_samples: f64,
    /// Client attempts that opened a new TLS connection at the ingress.
    pub tls_attempts: u64,
    /// East-west calls sent between services through the mesh's sidecars (0 without one).
    pub mesh_calls: u64,
    /// Calls that left through the egress path, per destination (index like the scenario's
    /// destinations): past a zonal NAT Gateway and SNAT, so the egress device processed them.
    pub egress_calls: Vec<u64>,
}

impl Usage {
    /// Counters for `destinations` external destinations.
    pub fn new(destinations: usize) -> Usage {
        Usage {
            egress_calls: vec![0; destinations],
            ..Usage::default()
        }
    }

    /// Adds one sample of what `topo` holds.
    pub(crate) fn sample(&mut self, topo: &Topology) {
        let held = |life: Life| !matches!(life, Life::Down { .. });
        self.samples += 1;
        self.ingress_instance_samples +=
            topo.instances.iter().filter(|i| held(i.life)).count() as f64;
        self.pod_samples += topo.pods.iter().filter(|p| held(p.life)).count() as f64;
    }

    /// Time-averaged ingress instances (running or starting).
    pub fn ingress_instances(&self) -> f64 {
        self.ingress_instance_samples / self.samples.max(1) as f64
    }

    /// Time-averaged pods of all services (running or starting).
    pub fn pods(&self) -> f64 {
        self.pod_samples / self.samples.max(1) as f64
    }
}
