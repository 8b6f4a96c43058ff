//! The client side of the ingress front: the hop from a client to the ingress and back, and
//! how the Azure Load Balancer in front of the NGINX or Istio gateway pods reaches them
//! (`externalTrafficPolicy`).
//!
//! Public clients reach the ingress with `[clients] latency` each way. With `[ingress] internal
//! = true` the clients are inside the VNet, spread evenly over the zones (a zone drawn per
//! attempt from its own stream), and the front is a private one (App Gateway private frontend,
//! internal Standard Load Balancer): the hop is the `[network]` in-zone or cross-zone latency
//! between the client's zone and the zone where the attempt enters the cluster (the ingress
//! instance, or for `load-balancer` the node the load balancer picked). These client hops are
//! counted apart from the ingress-to-pod and pod-to-pod hops of `cross_zone_share`.
//!
//! With `externalTrafficPolicy: Local` the load balancer probes only the nodes that hold a
//! ready gateway pod and sends straight to them: it picks among the instances it believes
//! healthy (`Instance::routable`, which follows its probe). With `Cluster` (Kubernetes'
//! default) it probes every node and sends to a node in any zone that it believes up; kube-proxy
//! there forwards to a gateway pod picked at random from the endpoints (`Instance::routable`,
//! which then follows the endpoints), one more node hop each way, in-zone or cross-zone,
//! counted apart as the node hops. A lost zone's nodes take traffic until the load balancer's
//! probe notices (they reset or drop it, as the outage says); a lost gateway pod takes traffic
//! from every node until the endpoints drop it (see [`super::detection`]).

use rand::Rng;

use crate::engine::SimDuration;
use crate::scenario::TrafficPolicy;

use super::detection::LB_PROBE_DETECTION;
use super::result::ErrorCause;
use super::sim::{Ev, Node, Sim};

/// The load balancer's view of the nodes, per zone (`externalTrafficPolicy: Cluster`), and the
/// node hops kube-proxy adds.
#[derive(Clone, Debug)]
pub struct Front {
    /// Whether the load balancer still sends to the zone's nodes (its probe's view).
    pub nodes_routable: Vec<bool>,
    /// The zone's nodes are lost: `Some(reset)` says how connections to them fail.
    pub nodes_lost: Vec<Option<bool>>,
    /// Node → gateway pod hops (both ways, after warm-up).
    pub node_hops: u64,
    /// Those that crossed zones.
    pub node_cross_hops: u64,
}

impl Front {
    /// Every node of `zones` zones up and routable.
    pub fn new(zones: usize) -> Front {
        Front {
            nodes_routable: vec![true; zones],
            nodes_lost: vec![None; zones],
            node_hops: 0,
            node_cross_hops: 0,
        }
    }
}

impl Sim<'_> {
    /// The way in for attempt `a` entering the cluster in `entry_zone` (`None`: an ingress that
    /// picks its node itself, `load-balancer`): records the client's and the entry zones in the
    /// node and returns the latency. Public clients: `[clients] latency`.
    ///
    /// Inlined, so that the attempt being built stays in registers until it is allocated.
    #[inline(always)]
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

    /// The way back to the client of attempt `id` (through the node it came by, under
    /// `externalTrafficPolicy: Cluster`).
    pub(super) fn client_hop_out(&mut self, id: u32) -> SimDuration {
        if !self.s.ingress.internal && !self.cluster_policy() {
            // Public clients, no node hop: the node's fields are not needed.
            return self.s.clients.latency.sample(&mut self.rng.clients);
        }
        let a = self.nodes[id as usize];
        let node_hop =
            if self.cluster_policy() && a.at != super::sim::NONE && a.entry_zone != u8::MAX {
                let gateway = self.topo.instances[a.at as usize].zone;
                self.node_hop(gateway, a.entry_zone as usize)
            } else {
                SimDuration::ZERO
            };
        if !self.s.ingress.internal {
            return node_hop + self.s.clients.latency.sample(&mut self.rng.clients);
        }
        let (entry, client) = (a.entry_zone as usize, a.from_zone as usize);
        node_hop + self.client_vnet_hop(entry, client)
    }

    /// Whether the gateway pods' Service has `externalTrafficPolicy: Cluster`.
    pub(super) fn cluster_policy(&self) -> bool {
        self.s.ingress.external_traffic_policy == Some(TrafficPolicy::Cluster)
    }

    /// `externalTrafficPolicy: Cluster`: the load balancer hands attempt `a` to a node in a zone
    /// it believes up, and kube-proxy there forwards it to a gateway pod in the endpoints.
    /// Sends it on (or fails it as the lost node or the empty endpoints make it fail).
    pub(super) fn send_via_node(&mut self, mut a: Node) {
        let zones = self.front.nodes_routable.iter().filter(|&&up| up).count();
        if zones == 0 {
            let latency = self.client_hop_in(&mut a, None);
            let id = self.alloc(a);
            return self.reply_parent(id, false, ErrorCause::NoBackend, latency + latency);
        }
        let k = self.rng.balance.random_range(0..zones);
        let zone = (0..self.front.nodes_routable.len())
            .filter(|&z| self.front.nodes_routable[z])
            .nth(k)
            .expect("k < zones");
        let latency = self.client_hop_in(&mut a, Some(zone));
        a.entry_zone = zone as u8;
        if let Some(reset) = self.front.nodes_lost[zone] {
            // A lost node the probe has not caught yet.
            let id = self.alloc(a);
            if reset {
                return self.reply_parent(id, false, ErrorCause::DeadBackend, latency + latency);
            }
            return self.release(id);
        }
        let up = self.topo.routable_instances();
        if up == 0 {
            // kube-proxy has no endpoint for the Service: it rejects the connection.
            let id = self.alloc(a);
            return self.reply_parent(id, false, ErrorCause::NoBackend, latency + latency);
        }
        let k = self.rng.balance.random_range(0..up);
        let inst = self.topo.routable_instance(k);
        self.count_ingress_sent(inst);
        a.at = inst as u32;
        a.epoch = self.topo.instances[inst].epoch;
        let hop = self.node_hop(zone, self.topo.instances[inst].zone);
        let id = self.alloc(a);
        let ver = self.nodes[id as usize].ver;
        self.send_in(latency + hop, Ev::AtIngress { node: id, ver });
    }

    /// kube-proxy's hop between a node in `from` and a node in `to` (counted as a node hop).
    pub(super) fn node_hop(&mut self, from: usize, to: usize) -> SimDuration {
        let counted = self.cal.now() >= self.warm;
        self.front.node_hops += u64::from(counted);
        if from == to {
            return self.s.network.in_zone.sample(&mut self.rng.network);
        }
        self.front.node_cross_hops += u64::from(counted);
        let d = self.s.network.cross_zone.sample(&mut self.rng.network);
        if self.cross_zone_multiplier == 1.0 {
            d
        } else {
            d.mul_f64(self.cross_zone_multiplier)
        }
    }

    /// A zone outage takes the zone's nodes: connections to them fail (`reset`) or vanish, and
    /// the load balancer stops sending there when its probe notices.
    pub(super) fn lb_nodes_lost(&mut self, zone: usize, reset: bool) {
        self.front.nodes_lost[zone] = Some(reset);
        self.cal.schedule_in(
            LB_PROBE_DETECTION,
            Ev::DetectNodes {
                zone: zone as u8,
                up: false,
            },
        );
    }

    /// The zone's nodes are back; the load balancer sends there again when its probe passes.
    pub(super) fn lb_nodes_back(&mut self, zone: usize) {
        self.front.nodes_lost[zone] = None;
        self.cal.schedule_in(
            LB_PROBE_DETECTION,
            Ev::DetectNodes {
                zone: zone as u8,
                up: true,
            },
        );
    }

    /// The load balancer's probe of the zone's nodes changes its view (unless the nodes changed
    /// again since).
    pub(super) fn detect_nodes(&mut self, zone: usize, up: bool) {
        if self.front.nodes_lost[zone].is_none() == up {
            self.front.nodes_routable[zone] = up;
        }
    }

    /// One VNet hop between a client and the ingress (counted apart from the tiers' hops).
    pub(super) fn client_vnet_hop(&mut self, from: usize, to: usize) -> SimDuration {
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
