//! A destination's connection pool, checked: the limits and timers of each calling pod's
//! pool of connections to one external destination (see `model::egress_pool`).

use crate::engine::SimDuration;

/// Each calling pod's pool of connections to one destination (`pool` on a destination).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EgressPool {
    /// Most connections open per pod, busy and idle (`u32::MAX`: no limit); at least 1.
    pub max_connections: u32,
    /// Most idle connections kept per pod (`u32::MAX`: no limit); 0 closes each after its call.
    pub max_idle: u32,
    /// How long a connection may sit idle before the pod closes it (> 0).
    pub idle_timeout: SimDuration,
    /// Age at which a connection is retired (`None`: never).
    pub max_lifetime: Option<SimDuration>,
}
