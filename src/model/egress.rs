//! A call to an external destination through the egress path: the SNAT port it may take
//! (see `snat`), the firewall it may queue at (see `firewall`), the destination's latency and
//! errors, and the reply.

use rand::Rng;

use crate::engine::SimDuration;
use crate::scenario::EgressKind;

use super::result::ErrorCause;
use super::sim::{Ev, Sim};
use super::snat::{Connection, connection_open, idle_timeout, port_hold};

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
        // Where a new connection's SNAT port comes from: the shared pool (`None`) or a node's
        // own allocation; no SNAT at all for private endpoints and direct egress.
        let pool = match &s.egress.kind {
            EgressKind::NatGateway { .. } | EgressKind::Firewall { .. } => Some(None),
            // Pods are spread over the nodes in turn; each node has its own ports.
            EgressKind::LoadBalancer { nodes, .. } => Some(Some(w.at % *nodes)),
            EgressKind::PrivateEndpoint | EgressKind::Direct => None,
        };
        let slot = match pool {
            Some(node) => match self.open_connection(d, node, dest.connection_reuse, counted) {
                Connection::Exhausted => return self.fail_call(id, ErrorCause::SnatExhausted),
                Connection::New { slot } => Some(slot),
                Connection::Reused => None,
            },
            None => None,
        };
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
        if let (Some(slot), Some(idle)) = (slot, idle_timeout(&s.egress.kind)) {
            // The connection is open for the call (or until the caller gives up on it).
            let call = &s.services[w.service as usize].calls[w.call as usize];
            let busy = latency.min(call.timeout.unwrap_or(s.clients.timeout));
            let open = connection_open(busy, dest.keep_alive, idle);
            let hold = port_hold(busy, dest.keep_alive, idle, s.egress.port_cooldown);
            self.hold_port(slot, open, hold);
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
