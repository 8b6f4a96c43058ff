//! The client side of the ingress front: the hop from a client to the ingress and back.
//!
//! Public clients reach the ingress with `[clients] latency` each way. With `[ingress] internal
//! = true` the clients are inside the VNet, spread evenly over the zones (a zone drawn per
//! attempt from its own stream), and the front is a private one (App Gateway private frontend,
//! internal Standard Load Balancer): the hop is the `[network]` in-zone or cross-zone latency
//! between the client's zone and the zone where the attempt enters the cluster (the ingress
//! instance, or for `load-balancer` the node the load balancer picked). These client hops are
//! counted apart from the ingress-to-pod and pod-to-pod hops of `cross_zone_share`.

use rand::Rng;

use crate::engine::SimDuration;

use super::sim::{Node, Sim};

impl Sim<'_> {
    /// The way in for attempt `a` entering the cluster in `entry_zone` (`None`: an ingress that
    /// picks its node itself, `load-balancer`): records the client's and the entry zones in the
    /// node and returns the latency. Public clients: `[clients] latency`.
    pub(super) fn client_hop_in(&mut self, a: &mut Node, entry_zone: Option<usize>) -> SimDuration {
        if !self.s.ingress.internal {
            return self.s.clients.latency.sample(&mut self.rng.clients);
        }
        let zones = self.topo.zones;
        let client = self.rng.client_zones.random_range(0..zones);
        let entry = entry_zone.unwrap_or_else(|| self.rng.client_zones.random_range(0..zones));
        a.from_zone = client as u8;
        a.entry_zone = entry as u8;
        self.client_vnet_hop(client, entry)
    }

    /// The way back to the client of attempt `id`.
    pub(super) fn client_hop_out(&mut self, id: u32) -> SimDuration {
        if !self.s.ingress.internal {
            return self.s.clients.latency.sample(&mut self.rng.clients);
        }
        let a = &self.nodes[id as usize];
        let (entry, client) = (a.entry_zone as usize, a.from_zone as usize);
        self.client_vnet_hop(entry, client)
    }

    /// One VNet hop between a client and the ingress (counted apart from the tiers' hops).
    fn client_vnet_hop(&mut self, from: usize, to: usize) -> SimDuration {
        let counted = self.cal.now() >= self.warm;
        let net = &self.s.network;
        self.client_hops += u64::from(counted);
        if from == to {
            return net.in_zone.sample(&mut self.rng.client_zones);
        }
        self.client_cross_hops += u64::from(counted);
        let d = net.cross_zone.sample(&mut self.rng.client_zones);
        if self.cross_zone_multiplier == 1.0 {
            d
        } else {
            d.mul_f64(self.cross_zone_multiplier)
        }
    }
}
