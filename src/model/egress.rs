//! A call to an external destination through the egress path: the SNAT port it may take
//! (see `snat`), the firewall it may queue at (see `firewall`), the destination's latency and
//! errors, and the reply.

use rand::Rng;

use crate::engine::SimDuration;
use crate::scenario::EgressKind;

use super::result::ErrorCause;
use super::sim::{Ev, Sim};
use super::snat::{Connection, connection_open, idle_timeout, port_hold};

/// The connection a call to an external destination rides, and so what holds a SNAT port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Hold {
    /// An open connection of the `connection_reuse` share, or no SNAT: nothing to hold.
    Nothing,
    /// A new connection for this call alone, with its port in this slot (see `snat`).
    Call(u32),
    /// A connection of the calling pod's pool (see `egress_pool`).
    Pooled(u32),
}

impl Sim<'_> {
    /// A call from a pod in `zone` to external destination `d` through the egress path. A new
    /// outbound connection takes a SNAT port for the call and its close (see `snat`); through
    /// Azure Firewall the call also queues at an instance (see `firewall`). The egress tier
    /// counts each call once: SNAT exhausted (`rejected`), lost with a NAT Gateway in a dead
    /// zone (`lost`), still in flight at the end of the run, or completed (the destination
    /// answered, with or without an error).
    pub(super) fn egress_call(&mut self, id: u32, d: usize, zone: usize) {
        let now = self.cal.now();
        let counted = now >= self.warm;
        self.tier.egress_calls += u64::from(counted);
        let s = self.s;
        let dest = &s.egress.destinations[d];
        let w = self.nodes[id as usize];
        // The zonal NAT Gateway the call leaves through, if any (`None`: zone-redundant or no
        // NAT Gateway).
        let nat_zone = match &s.egress.kind {
            EgressKind::NatGateway { zones, .. } if !zones.is_empty() => {
                Some(if zones.contains(&zone) {
                    zone
                } else {
                    zones[0]
                })
            }
            EgressKind::Firewall { nat: Some(nat), .. } => nat.zone,
            _ => None,
        };
        if let Some(z) = nat_zone.filter(|&z| !self.nat_up[z]) {
            self.egress_lost_at(id, z);
            // The zonal NAT Gateway went with its zone: packets vanish (the caller's timeout
            // fires). The egress tier counts the call as lost: the egress device is down.
            self.tier.egress_lost += u64::from(counted);
            return;
        }
        let call = &s.services[w.service as usize].calls[w.call as usize];
        // The caller gives up on the call (and on its connection) at its timeout.
        let left = call.timeout.unwrap_or(s.clients.timeout);
        if dest.pool.is_some() {
            return self.pooled_call(id, d, left, counted);
        }
        let hold = match self.snat_owner(w.at) {
            Some(node) => match self.open_connection(d, node, dest.connection_reuse, counted) {
                Connection::Exhausted => return self.fail_call(id, ErrorCause::SnatExhausted),
                Connection::New { slot } => Hold::Call(slot),
                Connection::Reused => Hold::Nothing,
            },
            None => Hold::Nothing,
        };
        self.egress_send(id, d, counted, hold, left);
    }

    /// Where a new connection from pod `pod` takes its SNAT port: the shared pool
    /// (`Some(None)`) or a node's own allocation (Load Balancer outbound); `None` without SNAT
    /// (private endpoints, direct egress).
    pub(super) fn snat_owner(&self, pod: u32) -> Option<Option<u32>> {
        match &self.s.egress.kind {
            EgressKind::NatGateway { .. } | EgressKind::Firewall { .. } => Some(None),
            // Pods are spread over the nodes in turn; each node has its own ports.
            EgressKind::LoadBalancer { nodes, .. } => Some(Some(pod % *nodes)),
            EgressKind::PrivateEndpoint | EgressKind::Direct => None,
        }
    }

    /// Call `id` to destination `d` leaves on its connection (`hold`): the firewall and the
    /// mesh sidecar it passes, the destination's latency and error, the egress tier's count
    /// (`counted`: made after the warm-up), the connection's end, and the reply. The caller
    /// gives up after `left`.
    pub(super) fn egress_send(
        &mut self,
        id: u32,
        d: usize,
        counted: bool,
        hold: Hold,
        left: SimDuration,
    ) {
        let now = self.cal.now();
        let s = self.s;
        let dest = &s.egress.destinations[d];
        let w = self.nodes[id as usize];
        let mut extra = SimDuration::ZERO;
        if let EgressKind::Firewall { latency, .. } = &s.egress.kind {
            extra = latency.sample(&mut self.rng.egress)
                + self.firewall_pass(dest.kib_per_call, counted);
        }
        // With a mesh, the call passes the pod's outbound sidecar.
        if let Some((sidecar, _)) = super::flow::mesh_of(s) {
            extra += sidecar.sample(&mut self.rng.network);
            self.sidecar_pass(self.nodes[id as usize].at);
        }
        self.usage.egress_calls[d] += u64::from(counted);
        let degr = self.dest_degr[d];
        let latency = dest
            .latency
            .sample(&mut self.rng.egress)
            .mul_f64(degr.multiplier)
            + extra;
        let err = dest.error_rate.max(degr.error_rate);
        let ok = !(err > 0.0 && self.rng.egress.random::<f64>() < err);
        if now + latency < self.end
            && let Some(w) = self.tier.windows.last_mut()
        {
            w.record_completed(now + latency, latency);
        }
        if counted {
            // The run stops before events at its end: a reply due then is still in flight.
            if now + latency >= self.end {
                self.tier.egress_in_flight += 1;
            } else {
                self.tier.egress_completed += 1;
                self.tier.egress.record(latency);
            }
        }
        // The connection is busy for the call (or until the caller gives up on it).
        let busy = latency.min(left);
        match hold {
            Hold::Call(slot) => {
                if let Some(idle) = idle_timeout(&s.egress.kind) {
                    let open = connection_open(busy, dest.keep_alive, idle);
                    let hold = port_hold(busy, dest.keep_alive, idle, s.egress.port_cooldown);
                    self.hold_port(slot, open, hold);
                }
            }
            Hold::Pooled(conn) => self.pooled_busy(conn, busy, latency > left),
            Hold::Nothing => {}
        }
        self.cal.schedule_in(
            latency,
            Ev::Reply {
                node: id,
                ver: w.ver,
                tok: w.tok,
                ok,
                cause: ErrorCause::Upstream as u8,
            },
        );
    }
}
