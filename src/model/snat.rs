//! SNAT ports: whether a call opens a new outbound connection, the pool its port comes from,
//! and how long the port stays taken.
//!
//! A call rides a connection that is already open with probability `connection_reuse` and
//! then needs no port. Otherwise it opens a new connection, which holds a SNAT port from the
//! call's start until the connection closes, and then for the reuse hold-down after the close
//! (`egress.port_cooldown`; NAT Gateway: 65 s after a FIN, facts §6). How it closes depends on
//! how the caller treats an idle connection (the destination's `keep_alive`) and on the egress
//! device's idle timeout:
//!
//! - `keep_alive < idle_timeout`: the caller closes the connection (FIN) `keep_alive` after the
//!   call; the port is held for call + `keep_alive` + cool-down. With the default `keep_alive`
//!   of 0 that is call + 65 s.
//! - `keep_alive ≥ idle_timeout`: the connection sits idle until the device's idle timer ends
//!   it. NAT Gateway then *silently drops* the flow, and "holds onto the SNAT port until the
//!   connection idle times out" (learn.microsoft.com/azure/nat-gateway/nat-gateway-resource,
//!   "TCP idle timeout" and "TCP reset"); its port reuse timers are for connections closed by
//!   a FIN (65 s) or a RST (16 s), and a dropped flow sees neither — the RST NAT Gateway sends
//!   later, when the caller next uses the dead connection, is for a flow that no longer holds a
//!   port. So the port is free at call + `idle_timeout`, with no cool-down. The Load Balancer
//!   outbound rule and Azure Firewall are modelled the same way, with their own idle timeouts.
//!
//! The call's part of the hold is its latency (or its timeout, if that comes first: the caller
//! then gives up on the connection). Model limit: a kept-alive connection that a later call
//! reuses would stay open longer (each use restarts its idle timer); here each new connection
//! carries one call and one idle period, and `connection_reuse` stands for the rest.

use rand::Rng;

use crate::engine::SimDuration;
use crate::scenario::EgressKind;

use super::sim::{Ev, Sim};

/// How long a new connection holds its SNAT port after the call starts: the call, then either
/// the caller's `keep_alive` and the FIN `cooldown`, or the device's `idle_timeout` when that
/// ends the idle connection first (see the module docs).
///
/// ```text
/// keep_alive < idle_timeout:  call + keep_alive + cooldown
/// keep_alive ≥ idle_timeout:  call + idle_timeout
/// ```
pub(crate) fn port_hold(
    call: SimDuration,
    keep_alive: SimDuration,
    idle_timeout: SimDuration,
    cooldown: SimDuration,
) -> SimDuration {
    if keep_alive >= idle_timeout {
        call + idle_timeout
    } else {
        call + keep_alive + cooldown
    }
}

/// The idle timeout of the egress device that owns the SNAT ports (`None`: no SNAT).
pub(crate) fn idle_timeout(kind: &EgressKind) -> Option<SimDuration> {
    match kind {
        EgressKind::NatGateway { idle_timeout, .. }
        | EgressKind::Firewall { idle_timeout, .. }
        | EgressKind::LoadBalancer { idle_timeout, .. } => Some(*idle_timeout),
        EgressKind::PrivateEndpoint | EgressKind::Direct => None,
    }
}

/// What a call got when it asked for an outbound connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Connection {
    /// It rides a connection that is already open: no new port.
    Reused,
    /// It opened a new connection and took a port (release it with [`Sim::hold_port`]).
    New,
    /// No port was free: the connection fails (SNAT exhaustion).
    Exhausted,
}

impl Sim<'_> {
    /// A call opens a new outbound connection unless it reuses one (`reuse` share); a new one
    /// takes a port from the shared pool, or from `node`'s own allocation (Load Balancer
    /// outbound). The caller must schedule the port's release with [`Self::hold_port`].
    pub(super) fn open_connection(
        &mut self,
        node: Option<u32>,
        reuse: f64,
        counted: bool,
    ) -> Connection {
        if self.rng.egress.random::<f64>() < reuse {
            return Connection::Reused;
        }
        let in_use = match node {
            Some(n) => self.node_ports[n as usize],
            None => self.ports_in_use,
        };
        if in_use >= self.port_capacity {
            self.tier.egress_snat_failed += u64::from(counted);
            return Connection::Exhausted;
        }
        self.ports_in_use += 1;
        if let Some(n) = node {
            self.node_ports[n as usize] += 1;
        }
        if counted {
            self.ports_peak = self.ports_peak.max(in_use + 1);
        }
        Connection::New
    }

    /// Frees the port a new connection took (from `node`'s allocation or the shared pool)
    /// after `hold`.
    pub(super) fn hold_port(&mut self, node: Option<u32>, hold: SimDuration) {
        let release = match node {
            Some(node) => Ev::NodePortRelease { node },
            None => Ev::PortRelease,
        };
        self.cal.schedule_in(hold, release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn s(n: u64) -> SimDuration {
        SimDuration::from_secs(n)
    }

    #[test]
    fn closed_after_the_call_holds_call_plus_cooldown() {
        let call = SimDuration::from_millis(50);
        assert_eq!(
            port_hold(call, s(0), s(240), s(65)),
            SimDuration::from_millis(65_050)
        );
    }

    #[test]
    fn kept_alive_below_the_idle_timeout_adds_keep_alive_then_cooldown() {
        assert_eq!(port_hold(s(1), s(90), s(240), s(65)), s(1 + 90 + 65));
    }

    #[test]
    fn an_idle_timeout_drop_frees_the_port_without_cooldown() {
        assert_eq!(port_hold(s(1), s(240), s(240), s(65)), s(241));
        assert_eq!(port_hold(s(1), s(3600), s(240), s(65)), s(241));
    }
}
