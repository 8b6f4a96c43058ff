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
//! Ports are counted per destination endpoint (a destination's IP address and port; a
//! destination with `addresses = k` is k endpoints, chosen evenly): NAT Gateway "reuses a SNAT
//! port for a different destination IP and port", so each endpoint has the whole pool of
//! public IPs × ports per IP, and each public IP allows at most 50,000 concurrent connections to
//! one endpoint (learn.microsoft.com/azure/nat-gateway/nat-gateway-snat, facts §6, §10). The
//! Load Balancer's outbound rules reuse a port likewise for different destinations
//! (learn.microsoft.com/azure/load-balancer/load-balancer-outbound-connections, "Source
//! Network Address Translation (SNAT) for outbound connections"), so each node's allocation is
//! per endpoint. Azure Firewall's own SNAT documents only 2,496 ports per public IP per
//! instance (facts §7) and no reuse per destination, so it stays one pool for all destinations
//! — unless a NAT Gateway on its subnet does the SNAT.
//!
//! The call's part of the hold is its latency (or its timeout, if that comes first: the caller
//! then gives up on the connection). Model limit: a kept-alive connection that a later call
//! reuses would stay open longer (each use restarts its idle timer); here each new connection
//! carries one call and one idle period, and `connection_reuse` stands for the rest.

use rand::Rng;

use crate::engine::SimDuration;
use crate::scenario::defaults as d;
use crate::scenario::{EgressKind, Scenario};

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

/// How long a new connection stays open after the call starts (the part of [`port_hold`] that
/// counts against the per-destination connection cap): the call, then the caller's
/// `keep_alive` or the device's `idle_timeout`, whichever ends it first.
pub(crate) fn connection_open(
    call: SimDuration,
    keep_alive: SimDuration,
    idle_timeout: SimDuration,
) -> SimDuration {
    call + keep_alive.min(idle_timeout)
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
    /// It opened a new connection and took a port in `slot` (release it with
    /// [`Sim::hold_port`]).
    New {
        /// The (owner, endpoint) slot the port came from.
        slot: u32,
    },
    /// No port was free, or the endpoint's connection cap was reached: the connection fails
    /// (SNAT exhaustion).
    Exhausted,
}

/// When a closing connection's SNAT port becomes free (carried by its close event).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterClose {
    /// At the close (a release event at the same instant).
    Free,
    /// After the egress device's reuse cool-down (`egress.port_cooldown`).
    Cooldown,
    /// At a release event scheduled with the close.
    Scheduled,
}

/// SNAT ports over one replication: ports held (open connections and ports in their
/// cool-down) and connections open, per slot. A slot is an (owner, destination endpoint)
/// pair; the owner is the shared pool (NAT Gateway, firewall) or a node (Load Balancer
/// outbound).
#[derive(Clone, Debug)]
pub struct SnatState {
    /// Whether the egress path has SNAT at all.
    pub modelled: bool,
    /// First endpoint of each destination.
    base: Vec<u32>,
    /// Endpoints of each destination (1 each when one pool serves all destinations).
    addresses: Vec<u32>,
    /// Endpoint slots per owner.
    endpoints: u32,
    /// Ports held per slot (owner × endpoints + endpoint).
    ports: Vec<u64>,
    /// Connections open per slot.
    conns: Vec<u64>,
    /// Ports one slot may hold (moves with Azure Firewall instances).
    pub port_limit: u64,
    /// Connections one slot may have open.
    conn_limit: u64,
    /// Most ports held in one slot (after warm-up).
    pub peak: u64,
}

impl SnatState {
    /// The SNAT state of scenario `s` at the start of a run.
    pub fn of(s: &Scenario) -> SnatState {
        let dests = &s.egress.destinations;
        let (modelled, owners, per_destination, port_limit, conn_limit) = match &s.egress.kind {
            EgressKind::NatGateway {
                public_ips,
                ports_per_ip,
                ..
            } => (
                true,
                1,
                true,
                u64::from(*public_ips) * u64::from(*ports_per_ip),
                nat_connection_cap(*public_ips),
            ),
            EgressKind::Firewall { instances, nat, .. } => (
                true,
                1,
                nat.is_some(),
                super::firewall::firewall_ports(s, *instances),
                nat.as_ref()
                    .map_or(u64::MAX, |n| nat_connection_cap(n.public_ips)),
            ),
            EgressKind::LoadBalancer {
                nodes,
                ports_per_node,
                ..
            } => (true, *nodes, true, u64::from(*ports_per_node), u64::MAX),
            EgressKind::PrivateEndpoint | EgressKind::Direct => {
                (false, 0, false, u64::MAX, u64::MAX)
            }
        };
        let addresses: Vec<u32> = dests
            .iter()
            .map(|d| if per_destination { d.addresses } else { 1 })
            .collect();
        let mut base = Vec::with_capacity(dests.len());
        let mut endpoints = 0u32;
        for (i, a) in addresses.iter().enumerate() {
            // One pool for all destinations: every destination maps to endpoint 0.
            base.push(if per_destination { endpoints } else { 0 });
            if per_destination || i == 0 {
                endpoints += a;
            }
        }
        let slots = if modelled {
            owners as usize * endpoints.max(1) as usize
        } else {
            0
        };
        SnatState {
            modelled,
            base,
            addresses,
            endpoints: endpoints.max(1),
            ports: vec![0; slots],
            conns: vec![0; slots],
            port_limit,
            conn_limit,
            peak: 0,
        }
    }

    /// Ports held in the busiest slot now.
    pub fn busiest(&self) -> u64 {
        self.ports.iter().copied().max().unwrap_or(0)
    }

    /// A connection closes: its slot has one connection fewer (its port may stay held).
    pub(super) fn close(&mut self, slot: u32) {
        let c = &mut self.conns[slot as usize];
        *c = c.saturating_sub(1);
    }

    /// A port's hold ends: its slot has one port fewer.
    pub(super) fn release(&mut self, slot: u32) {
        let p = &mut self.ports[slot as usize];
        *p = p.saturating_sub(1);
    }
}

/// Concurrent connections to one destination endpoint that `public_ips` NAT Gateway IPs allow.
fn nat_connection_cap(public_ips: u32) -> u64 {
    u64::from(public_ips) * u64::from(d::NAT_CONNECTIONS_PER_IP_PER_DESTINATION)
}

impl Sim<'_> {
    /// A call to destination `dest` opens a new outbound connection unless it reuses one
    /// (`reuse` share); a new one takes a port from the shared pool (`node` = `None`) or from
    /// `node`'s own allocation (Load Balancer outbound), for one of the destination's endpoints
    /// chosen evenly. The caller must schedule the port's release with [`Self::hold_port`].
    pub(super) fn open_connection(
        &mut self,
        dest: usize,
        node: Option<u32>,
        reuse: f64,
        counted: bool,
    ) -> Connection {
        if self.rng.egress.random::<f64>() < reuse {
            return Connection::Reused;
        }
        self.take_port(dest, node, counted)
    }

    /// A new outbound connection to destination `dest` takes a port from the shared pool
    /// (`node` = `None`) or from `node`'s own allocation, for one of the destination's
    /// endpoints chosen evenly: [`Connection::New`], or [`Connection::Exhausted`] when the
    /// endpoint has no port left (or is at its connection cap).
    pub(super) fn take_port(
        &mut self,
        dest: usize,
        node: Option<u32>,
        counted: bool,
    ) -> Connection {
        let sn = &self.snat;
        let k = sn.addresses[dest];
        let endpoint = sn.base[dest]
            + if k > 1 {
                self.rng.egress.random_range(0..k)
            } else {
                0
            };
        let slot = node.unwrap_or(0) * sn.endpoints + endpoint;
        let sn = &mut self.snat;
        let i = slot as usize;
        if sn.ports[i] >= sn.port_limit || sn.conns[i] >= sn.conn_limit {
            self.tier.egress_snat_failed += u64::from(counted);
            return Connection::Exhausted;
        }
        sn.ports[i] += 1;
        sn.conns[i] += 1;
        if counted {
            sn.peak = sn.peak.max(sn.ports[i]);
        }
        Connection::New { slot }
    }

    /// Closes the connection in `slot` after `open`, and frees its port after `hold`.
    ///
    /// When the port outlives the connection by nothing or by exactly the cool-down (every
    /// hold [`port_hold`] and the pools make), the close schedules the release itself: then it
    /// is scheduled a fixed time ahead, which has a calendar lane (see `timers`), instead of
    /// waiting in the heap for minutes from the call's start. Events of one instant keep their
    /// order: the release still comes after the close, at the same time.
    pub(super) fn hold_port(&mut self, slot: u32, open: SimDuration, hold: SimDuration) {
        let then = if hold == open {
            AfterClose::Free
        } else if hold == open + self.s.egress.port_cooldown {
            AfterClose::Cooldown
        } else {
            AfterClose::Scheduled
        };
        self.cal
            .schedule_in(open, Ev::ConnectionClose { slot, then });
        if then == AfterClose::Scheduled {
            self.cal.schedule_in(hold, Ev::PortRelease { slot });
        }
    }

    /// The connection in `slot` closes: its port is freed at once, after the cool-down, or
    /// when its release already scheduled comes (`then`).
    pub(super) fn connection_closed(&mut self, slot: u32, then: AfterClose) {
        self.snat.close(slot);
        let after = match then {
            AfterClose::Scheduled => return,
            AfterClose::Free => SimDuration::ZERO,
            AfterClose::Cooldown => self.s.egress.port_cooldown,
        };
        self.cal.schedule_in(after, Ev::PortRelease { slot });
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
    fn a_connection_is_open_for_the_call_and_its_idle_time() {
        assert_eq!(connection_open(s(1), s(0), s(240)), s(1));
        assert_eq!(connection_open(s(1), s(90), s(240)), s(91));
        assert_eq!(connection_open(s(1), s(600), s(240)), s(241));
    }

    #[test]
    fn an_idle_timeout_drop_frees_the_port_without_cooldown() {
        assert_eq!(port_hold(s(1), s(240), s(240), s(65)), s(241));
        assert_eq!(port_hold(s(1), s(3600), s(240), s(65)), s(241));
    }
}
