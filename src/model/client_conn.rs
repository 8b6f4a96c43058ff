//! The clients' long-lived connections to the ingress front (`[clients] connections`): the
//! Azure Load Balancer is L4 and picks a backend per *connection*, so with keep-alive clients
//! the load per ingress replica follows the connections, not the requests.
//!
//! The client population holds `count` connections. Each attempt rides one of them, drawn
//! uniformly from this component's own random stream:
//!
//! - **HTTP/2 and gRPC**: any of the `count` connections, busy or not (streams multiplex).
//! - **HTTP/1.1**: one of the connections carrying no request; with every one busy, the client
//!   opens one more for this request and closes it after (the population's pools have no cap
//!   on connections, like Go's `MaxConnsPerHost` 0) — or, with `when_full = "wait"`, the
//!   attempt waits for one to come free, first come first served (a browser's 6 connections
//!   per host; Go with `MaxConnsPerHost` set), until the client's timeout gives it up.
//!
//! A connection's backend was chosen when it opened, among those the load balancer then sent
//! to: an ingress replica it believes healthy (`externalTrafficPolicy: Local`, App Gateway and
//! Application Gateway for Containers instances); a node in a zone it believes up and a gateway
//! pod kube-proxy picked there (`Cluster`); for `load-balancer`, a node and the pod kube-proxy
//! picked (the ingress's balancing). Every attempt on the connection goes there.
//!
//! A connection closes, and the next attempt that draws it opens a new one to a backend chosen
//! anew, when it has carried `max_requests`, is `max_age` old, has been idle for
//! `idle_timeout` (the server's keep-alive limits and the load balancer's TCP idle timeout:
//! see [`crate::scenario::Scenario::client_connections`]), when its replica or pod is gone
//! (restarted, reset, deleted, drained by a scale-in), when the load balancer stops sending to
//! it (its probe saw it down) or, under `Cluster`, to its node's zone, and when an attempt on
//! it fails by timeout or reset (the client drops a connection that failed it). A black-holed
//! replica says nothing: attempts on its connections hang until the client's timeout, until
//! the probe takes it out. Expiry is checked when an attempt draws the connection (no timer
//! events), which is when the client would next see it.
//!
//! Opening costs the handshake: TCP's round trip and TLS 1.3's (RFC 8446, §2), two round trips
//! of the client hop, before the first request leaves (attempts that draw a connection still
//! opening wait for it), and the ingress's TLS handshake work on the attempt that opened it —
//! with `connections` that attempt is what `new_tls_connection_share` stands for without.
//!
//! The component also counts the attempts sent to each ingress replica after the warm-up,
//! with or without connections ([`IngressBalance`]).

use std::collections::VecDeque;

use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::engine::{SimDuration, SimTime, StreamRng, named_stream};
use crate::scenario::{ClientConnectionSpec, IngressKind, Scenario};

use super::result::ErrorCause;
use super::sim::{Ev, NONE, Node, Sim};
use super::topology::{Life, View};

/// One client connection.
#[derive(Clone, Copy, Debug)]
struct Conn {
    /// Its slot in its pool, [`NONE`] for an HTTP/1.1 connection opened beyond `count`.
    slot: u32,
    /// Its pool.
    pool: u32,
    /// The ingress instance, or the pod for `load-balancer`, and its epoch when it opened.
    target: u32,
    epoch: u32,
    /// The node zone the load balancer picked (`Cluster`, `load-balancer`), else `u8::MAX`.
    zone: u8,
    /// The client's zone (internal clients), else 0.
    client_zone: u8,
    opened: SimTime,
    /// When its handshake is done.
    ready: SimTime,
    last_used: SimTime,
    /// Requests it has carried.
    requests: u32,
    /// Requests on it now.
    in_use: u32,
    /// Out of its slot: freed when `in_use` is 0.
    closed: bool,
}

/// The `count` connections to one load balancer: the ingress's, or for `load-balancer` one
/// service's.
#[derive(Clone, Debug, Default)]
struct Pool {
    /// Per slot, its open connection or [`NONE`].
    slots: Vec<u32>,
    /// HTTP/1.1: the slots no request holds, and each slot's place in that list.
    idle: Vec<u32>,
    place: Vec<u32>,
    /// HTTP/1.1 with `when_full = "wait"`: the requests whose attempt waits for a slot, first
    /// come first, as (request, generation, token) — stale once the request moved on.
    waiting: VecDeque<(u32, u32, u32)>,
}

impl Pool {
    fn new(count: u32) -> Pool {
        Pool {
            slots: vec![NONE; count as usize],
            idle: (0..count).collect(),
            place: (0..count).collect(),
            waiting: VecDeque::new(),
        }
    }

    fn take_idle(&mut self, k: usize) -> u32 {
        let slot = self.idle.swap_remove(k);
        if let Some(&moved) = self.idle.get(k) {
            self.place[moved as usize] = k as u32;
        }
        slot
    }

    fn put_idle(&mut self, slot: u32) {
        self.place[slot as usize] = self.idle.len() as u32;
        self.idle.push(slot);
    }
}

/// The clients' connections and the per-replica counts of one replication.
#[derive(Debug)]
pub struct ClientConns {
    spec: Option<ClientConnectionSpec>,
    /// One pool, or one per service for `load-balancer` and no ingress.
    pools: Vec<Pool>,
    conns: Vec<Conn>,
    free: Vec<u32>,
    /// The draws of a connection for each attempt.
    rng: StreamRng,
    /// Attempts sent to each ingress instance after the warm-up.
    sent: Vec<u64>,
    /// Instances at the start (those after were added by scaling).
    initial: usize,
    /// Connections opened after the warm-up.
    opened: u64,
}

impl ClientConns {
    /// The clients' connections of replication `rep` of `s`, with `instances` ingress instances
    /// at the start.
    pub fn of(s: &Scenario, rep: u64, instances: usize) -> ClientConns {
        let spec = s.client_connections();
        let per_service = matches!(
            s.ingress.kind,
            IngressKind::LoadBalancer | IngressKind::None
        );
        let pools = match spec {
            None => Vec::new(),
            Some(c) if per_service => (0..s.services.len()).map(|_| Pool::new(c.count)).collect(),
            Some(c) => vec![Pool::new(c.count)],
        };
        ClientConns {
            spec,
            pools,
            conns: Vec::new(),
            free: Vec::new(),
            rng: named_stream(s.simulation.seed, rep, "clients.connections"),
            sent: vec![0; instances],
            initial: instances,
            opened: 0,
        }
    }

    /// Whether attempts ride long-lived connections.
    pub fn enabled(&self) -> bool {
        self.spec.is_some()
    }

    /// Closes connection `c` (out of its slot); frees it when nothing rides it. An HTTP/1.1
    /// slot it leaves is given back by whoever holds it.
    fn close(&mut self, c: u32) {
        let conn = &mut self.conns[c as usize];
        if !conn.closed {
            conn.closed = true;
            if conn.slot != NONE {
                self.pools[conn.pool as usize].slots[conn.slot as usize] = NONE;
            }
        }
        if conn.in_use == 0 {
            self.free.push(c);
        }
    }
}

/// Whether the client still sees a connection opened to something at `epoch` that now runs
/// `life` at `now_epoch`: the same life, or a black hole that started after it opened.
fn connected(life: Life, now_epoch: u32, epoch: u32) -> bool {
    match life {
        Life::Up => now_epoch == epoch,
        Life::Down { reset: false } => now_epoch == epoch.wrapping_add(1),
        _ => false,
    }
}

/// What an attempt got from [`Sim::conn_open_target`]: the backend, and the node zone.
type Target = (u32, u8);

impl Sim<'_> {
    /// The client sends attempt `a` of request `req` on one of its connections (see the module
    /// doc): the ingress, or for `load-balancer` the pod, is the connection's.
    pub(super) fn send_on_connection(&mut self, req: u32, mut a: Node) {
        if self.client_conn_queued(req) {
            return;
        }
        let Some((c, wait, opened)) = self.client_conn_acquire(req) else {
            // No backend to open a connection to.
            let latency = self.conn_client_hop(&mut a, None);
            let id = self.alloc(a);
            return self.reply_parent(id, false, ErrorCause::NoBackend, latency + latency);
        };
        let conn = self.client_conns.conns[c as usize];
        a.conn = c;
        a.tls = opened;
        self.usage.tls_attempts += u64::from(a.counted && a.tls);
        let latency = wait + self.conn_client_hop(&mut a, Some(&conn));
        if self.topo.instances.is_empty() {
            // `load-balancer` (or no ingress): the pod is the connection's (see `forward`),
            // kept on the attempt (the connection may be closed and reused before it gets there).
            a.entry_zone = conn.zone;
            a.last_pod = conn.target;
            let id = self.alloc(a);
            let ver = self.nodes[id as usize].ver;
            return self.send_in(latency, Ev::IngressDone { node: id, ver });
        }
        let inst = conn.target as usize;
        a.at = conn.target;
        a.epoch = conn.epoch;
        self.count_ingress_sent(inst);
        let mut hop = SimDuration::ZERO;
        if self.cluster_policy() {
            let zone = conn.zone as usize;
            a.entry_zone = conn.zone;
            if let Some(reset) = self.front.nodes_lost[zone] {
                // A lost node the probe has not caught yet.
                let id = self.alloc(a);
                if reset {
                    return self.reply_parent(
                        id,
                        false,
                        ErrorCause::DeadBackend,
                        latency + latency,
                    );
                }
                return self.release(id);
            }
            hop = self.node_hop(zone, self.topo.instances[inst].zone);
        }
        let id = self.alloc(a);
        let ver = self.nodes[id as usize].ver;
        self.send_in(latency + hop, Ev::AtIngress { node: id, ver });
    }

    /// The pod of attempt `id` when it rides a client connection to a `load-balancer` Service.
    pub(super) fn client_conn_pod(&self, id: u32) -> Option<u32> {
        let a = &self.nodes[id as usize];
        (a.conn != NONE && self.topo.instances.is_empty()).then_some(a.last_pod)
    }

    /// The client hop in for attempt `a` on connection `conn` (`None`: it found none).
    fn conn_client_hop(&mut self, a: &mut Node, conn: Option<&Conn>) -> SimDuration {
        let Some(conn) = conn.filter(|_| self.s.ingress.internal) else {
            return self.client_hop_in(a, None);
        };
        let entry = self.conn_entry_zone(conn);
        a.from_zone = conn.client_zone;
        a.entry_zone = entry as u8;
        self.client_vnet_hop(conn.client_zone as usize, entry)
    }

    /// The zone where connection `conn` enters the cluster: its node's, else its backend's.
    fn conn_entry_zone(&self, conn: &Conn) -> usize {
        if conn.zone != u8::MAX {
            conn.zone as usize
        } else {
            self.target_zone(conn.target)
        }
    }

    /// The zone of a connection's backend: an ingress instance, or a pod without one.
    fn target_zone(&self, target: u32) -> usize {
        if self.topo.instances.is_empty() {
            self.topo.pods[target as usize].zone
        } else {
            self.topo.instances[target as usize].zone
        }
    }

    /// The pool of request `req`'s connections: its service's for `load-balancer` and no
    /// ingress, else the one pool.
    fn client_pool_of(&self, req: u32) -> usize {
        if self.client_conns.pools.len() > 1 {
            self.nodes[req as usize].service as usize
        } else {
            0
        }
    }

    /// With `when_full = "wait"` and every HTTP/1.1 connection of request `req`'s pool busy:
    /// puts the request in the pool's line (its attempt goes when a connection comes free)
    /// and says so.
    fn client_conn_queued(&mut self, req: u32) -> bool {
        let spec = self.client_conns.spec.expect("connections enabled");
        let p = self.client_pool_of(req);
        let pool = &mut self.client_conns.pools[p];
        if !spec.wait_when_full || spec.protocol.multiplexed() || !pool.idle.is_empty() {
            return false;
        }
        let r = self.nodes[req as usize];
        pool.waiting.push_back((req, r.ver, r.tok));
        true
    }

    /// A connection of pool `p` came free: the first requests still waiting there (their
    /// timeout has not fired) send their attempt, while connections are free.
    fn serve_client_waiters(&mut self, p: usize) {
        loop {
            let pool = &mut self.client_conns.pools[p];
            if pool.idle.is_empty() {
                return;
            }
            let Some((req, ver, tok)) = pool.waiting.pop_front() else {
                return;
            };
            let r = self.nodes[req as usize];
            if r.ver == ver && r.tok == tok {
                let a = self.attempt_of(req);
                self.send_on_connection(req, a);
            }
        }
    }

    /// Takes a connection for request `req`'s next attempt, opening one when the drawn one is
    /// closed or stale. Returns it, the wait for its handshake and whether it opened now;
    /// `None` when a connection must open and the load balancer has nothing to send it to.
    fn client_conn_acquire(&mut self, req: u32) -> Option<(u32, SimDuration, bool)> {
        let now = self.cal.now();
        let spec = self.client_conns.spec.expect("connections enabled");
        let service = self.nodes[req as usize].service;
        let p = self.client_pool_of(req) as u32;
        let cc = &mut self.client_conns;
        let pool = &mut cc.pools[p as usize];
        let slot = if spec.protocol.multiplexed() {
            cc.rng.random_range(0..pool.slots.len()) as u32
        } else if pool.idle.is_empty() {
            NONE
        } else {
            let k = cc.rng.random_range(0..pool.idle.len());
            pool.take_idle(k)
        };
        let mut c = if slot == NONE {
            NONE
        } else {
            pool.slots[slot as usize]
        };
        if c != NONE && self.conn_stale(c, &spec) {
            self.client_conns.close(c);
            c = NONE;
        }
        let opened = c == NONE;
        if opened {
            let Some((target, zone)) = self.conn_open_target(service as usize) else {
                if slot != NONE && !spec.protocol.multiplexed() {
                    self.client_conns.pools[p as usize].put_idle(slot);
                }
                return None;
            };
            c = self.conn_open(p, slot, target, zone);
        }
        let conn = &mut self.client_conns.conns[c as usize];
        conn.in_use += 1;
        conn.requests += 1;
        conn.last_used = now;
        let wait = conn.ready.since(now);
        self.nodes[req as usize].conn = c;
        Some((c, wait, opened))
    }

    /// Whether connection `c` must close before it carries another request.
    fn conn_stale(&self, c: u32, spec: &ClientConnectionSpec) -> bool {
        let now = self.cal.now();
        let conn = &self.client_conns.conns[c as usize];
        let aged = spec.max_age.is_some_and(|a| now.since(conn.opened) >= a);
        let idle = conn.in_use == 0 && now.since(conn.last_used) >= spec.idle_timeout;
        let used_up = conn.requests >= spec.max_requests;
        aged || idle || used_up || !self.conn_backend_there(conn)
    }

    /// Whether the load balancer still sends connection `conn`'s packets to its backend, as
    /// the client sees it.
    fn conn_backend_there(&self, conn: &Conn) -> bool {
        if self.topo.instances.is_empty() {
            let pod = &self.topo.pods[conn.target as usize];
            return connected(pod.life, pod.epoch, conn.epoch) && !pod.stopping && !pod.retired;
        }
        let inst = &self.topo.instances[conn.target as usize];
        let node_up = conn.zone == u8::MAX || self.front.nodes_routable[conn.zone as usize];
        node_up && inst.routable() && !inst.retired && connected(inst.life, inst.epoch, conn.epoch)
    }

    /// The backend a new connection for `service` goes to, and the node zone: `None` when the
    /// load balancer has none.
    fn conn_open_target(&mut self, service: usize) -> Option<Target> {
        let zones = self.topo.zones;
        if self.topo.instances.is_empty() {
            // The load balancer hands the connection to a node; kube-proxy there picks the pod.
            let zone = if matches!(self.s.ingress.kind, IngressKind::LoadBalancer) {
                self.rng.balance.random_range(0..zones) as u8
            } else {
                u8::MAX
            };
            let pod = self.pick(
                service,
                View::Endpoints,
                self.s.ingress.balancing,
                super::locality::Locality::Any,
                NONE,
            )?;
            return Some((pod, zone));
        }
        let mut zone = u8::MAX;
        if self.cluster_policy() {
            let up = self.front.nodes_routable.iter().filter(|&&u| u).count();
            if up == 0 {
                return None;
            }
            let k = self.rng.balance.random_range(0..up);
            let z = (0..self.front.nodes_routable.len())
                .filter(|&z| self.front.nodes_routable[z])
                .nth(k)
                .expect("k < up");
            zone = z as u8;
        }
        let up = self.topo.routable_instances();
        if up == 0 {
            return None;
        }
        let k = self.rng.balance.random_range(0..up);
        Some((self.topo.routable_instance(k) as u32, zone))
    }

    /// Opens a connection in slot `slot` of pool `p` to `target` (node zone `zone`).
    fn conn_open(&mut self, p: u32, slot: u32, target: u32, zone: u8) -> u32 {
        let now = self.cal.now();
        let epoch = if self.topo.instances.is_empty() {
            self.topo.pods[target as usize].epoch
        } else {
            self.topo.instances[target as usize].epoch
        };
        let internal = self.s.ingress.internal;
        let client_zone = if internal {
            self.client_conns.rng.random_range(0..self.topo.zones) as u8
        } else {
            0
        };
        let entry = if zone != u8::MAX {
            zone as usize
        } else {
            self.target_zone(target)
        };
        // TCP's and TLS 1.3's round trips over the client hop.
        let mut wait = SimDuration::ZERO;
        for _ in 0..4 {
            wait += if internal {
                let net = &self.s.network;
                let d = if client_zone as usize == entry {
                    &net.in_zone
                } else {
                    &net.cross_zone
                };
                d.sample(&mut self.client_conns.rng)
            } else {
                self.s.clients.latency.sample(&mut self.client_conns.rng)
            };
        }
        let conn = Conn {
            slot,
            pool: p,
            target,
            epoch,
            zone,
            client_zone,
            opened: now,
            ready: now + wait,
            last_used: now,
            requests: 0,
            in_use: 0,
            closed: slot == NONE,
        };
        let cc = &mut self.client_conns;
        cc.opened += u64::from(now >= self.warm);
        let c = match cc.free.pop() {
            Some(c) => {
                cc.conns[c as usize] = conn;
                c
            }
            None => {
                cc.conns.push(conn);
                (cc.conns.len() - 1) as u32
            }
        };
        if slot != NONE {
            cc.pools[p as usize].slots[slot as usize] = c;
        }
        c
    }

    /// Request `id`'s attempt ended (its reply or the client's timeout): the connection it rode
    /// carries one request less; a timeout or a reset closes it, and an HTTP/1.1 connection is
    /// free for the next attempt.
    pub(super) fn client_conn_release(&mut self, id: u32, ok: bool, cause: ErrorCause) {
        let c = self.nodes[id as usize].conn;
        if c == NONE || !self.client_conns.enabled() {
            return;
        }
        self.nodes[id as usize].conn = NONE;
        let now = self.cal.now();
        let multiplexed = self
            .client_conns
            .spec
            .is_some_and(|s| s.protocol.multiplexed());
        let cc = &mut self.client_conns;
        let conn = &mut cc.conns[c as usize];
        conn.in_use -= 1;
        conn.last_used = now;
        let (slot, pool) = (conn.slot, conn.pool);
        let broken = !ok && matches!(cause, ErrorCause::Timeout | ErrorCause::DeadBackend);
        if conn.closed || broken {
            cc.close(c);
        }
        if !multiplexed && slot != NONE {
            cc.pools[pool as usize].put_idle(slot);
            self.serve_client_waiters(pool as usize);
        }
    }

    /// Counts an attempt sent to ingress instance `inst` (after the warm-up).
    pub(super) fn count_ingress_sent(&mut self, inst: usize) {
        if self.cal.now() < self.warm {
            return;
        }
        let sent = &mut self.client_conns.sent;
        if sent.len() <= inst {
            sent.resize(self.topo.instances.len().max(inst + 1), 0);
        }
        sent[inst] += 1;
    }

    /// The share of client attempts that opened a TLS connection: `new_tls_connection_share`,
    /// or with `connections` the share measured (attempts that opened one, after the warm-up).
    pub(super) fn new_tls_share(&self) -> f64 {
        if !self.client_conns.enabled() {
            return self.s.clients.new_tls_share;
        }
        if self.client_attempts == 0 {
            return 0.0;
        }
        self.usage.tls_attempts as f64 / self.client_attempts as f64
    }

    /// How evenly the ingress replicas shared the attempts (`None` without replicas).
    pub(super) fn ingress_balance(&self) -> Option<IngressBalance> {
        let cc = &self.client_conns;
        if self.topo.instances.is_empty() {
            return None;
        }
        let total: u64 = cc.sent.iter().sum();
        let busiest = cc.sent.iter().copied().max().unwrap_or(0);
        let added: u64 = cc.sent.iter().skip(cc.initial).sum();
        let mut per_replica = cc.sent.clone();
        per_replica.resize(self.topo.instances.len(), 0);
        Some(IngressBalance {
            replicas: self.topo.instances.len() as u32,
            per_replica,
            busiest_share: (total > 0).then(|| busiest as f64 / total as f64),
            added_share: (total > 0).then(|| added as f64 / total as f64),
            connections_opened: cc.opened,
        })
    }
}

/// How the client attempts spread over the ingress replicas in one replication (after the
/// warm-up).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IngressBalance {
    /// Replicas that ran at some time (those at the start and those scaling added).
    pub replicas: u32,
    /// Attempts sent to each replica, in instance order (those at the start first).
    pub per_replica: Vec<u64>,
    /// The busiest replica's share of the attempts sent to a replica; `None` when none was.
    pub busiest_share: Option<f64>,
    /// The share that went to replicas added by scaling after the start; `None` when none
    /// was sent.
    pub added_share: Option<f64>,
    /// Client connections opened (`[clients] connections`; 0 without).
    pub connections_opened: u64,
}
