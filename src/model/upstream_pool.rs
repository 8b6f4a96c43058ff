//! The L7 proxies' keep-alive pools to the pods: each gateway replica (NGINX, Istio gateway,
//! App Gateway or App Gateway for Containers instance) per pod, and with `mesh` each caller
//! pod's sidecar per target pod ([`crate::scenario::Upstream`]).
//!
//! Balancing stays per request (the proxies are L7): the pool only decides whether a try to
//! the chosen pod rides an idle connection or opens one.
//!
//! - **Reuse.** A try takes the most recently used idle connection its replica (or sidecar)
//!   holds to the chosen pod (NGINX's keepalive cache and Envoy's pools hand out the last
//!   freed); with none it opens one, and pays the handshake: a round trip for TCP, one more
//!   for TLS (TLS 1.3, RFC 8446 §2) when the hop speaks TLS — Istio's mTLS (the sidecars, and
//!   the gateway with `mesh`), `upstream.tls` for the gateway otherwise (NGINX and App Gateway
//!   speak plain HTTP to pods by default). A round trip is two one-way latencies between the
//!   sender's and the pod's zones, drawn from their own stream, so the other draws do not
//!   move. With `mesh` the pod's sidecar pays the mTLS handshake's CPU
//!   ([`Sim::connection_opened`]) once per connection, when the try arrives.
//! - **Back to the pool.** When the pod replies and the proxy still waits for it, the
//!   connection goes back idle, unless it has carried `max_requests`, its pod has gone away
//!   (stopped, restarted, got SIGTERM), its replica restarted, or `max_idle` are idle already.
//!   A try that times out or fails on the connection (reset, connect failure) closes it; so
//!   does a reply the proxy no longer waits for. An idle connection closes after
//!   `idle_timeout`; this is checked when the pool is next looked at (no timer events).
//! - **Black holes.** A pod that goes silent (lost node or zone) says nothing: the proxies'
//!   idle connections to it stay in their pools. A try that takes one hangs until the read
//!   timeout and the connection is gone with it; once a replica has none left, its tries open
//!   new ones and fail at the connect timeout (see `connect`). So the number of tries that
//!   hang is the number of idle connections held to the pod when it died.
//!
//! The pools count the connections opened and reused after the warm-up, per tier (gateway,
//! mesh): the share of new connections is a result, no longer an input.

use serde::{Deserialize, Serialize};

use crate::engine::{SimDuration, SimTime};
use crate::scenario::{IngressKind, Scenario, Upstream};

use super::result::ErrorCause;
use super::sim::{Kind, NONE, Node, Sim};
use super::topology::{Life, Pod};

/// An idle connection of a pool.
#[derive(Clone, Copy, Debug)]
struct Idle {
    /// When it was last freed.
    at: SimTime,
    /// Requests it has carried.
    uses: u32,
    /// The pod's epoch when it opened.
    epoch: u32,
}

/// One sender's (a gateway replica or a caller pod's sidecar) pool to one pod.
#[derive(Clone, Debug, Default)]
struct Pair {
    /// The sender's epoch the pool belongs to (a restarted sender starts with none).
    sender_epoch: u32,
    /// Idle connections, least recently freed first.
    idle: Vec<Idle>,
}

/// Connections opened and reused after the warm-up, per tier.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpstreamCounts {
    /// Gateway replicas → pods: tries that opened a new connection.
    pub gateway_opened: u64,
    /// Gateway replicas → pods: tries that reused an idle connection.
    pub gateway_reused: u64,
    /// Sidecar → pod calls (with `mesh`) that opened a new connection.
    pub mesh_opened: u64,
    /// Sidecar → pod calls (with `mesh`) that reused an idle connection.
    pub mesh_reused: u64,
}

/// The gateways' and sidecars' pools of one replication.
#[derive(Debug, Default)]
pub struct UpstreamPools {
    /// The gateway replicas' pools, `None` without an L7 gateway.
    gateway: Option<Upstream>,
    /// The sidecars' pools, `None` without `mesh`.
    mesh: Option<Upstream>,
    /// The gateway tier's pool index by replica, then pod ([`NONE`]: no pool yet): a flat
    /// lookup on every try (replicas × pods stays small: tens of replicas).
    by_replica: Vec<Vec<u32>>,
    /// The sidecar tier's pool index by (tier bit, sender, pod): caller pods × target pods
    /// could be large, so a map of the pairs met.
    /// (Looked up on every try, never iterated: a fast fixed-seed hash, no order depends on it.)
    index: std::collections::HashMap<u64, u32, foldhash::fast::FixedState>,
    pairs: Vec<Pair>,
    /// Counts after the warm-up.
    pub counts: UpstreamCounts,
}

/// The sidecar tier's bit in a pool key.
const MESH_BIT: u64 = 1 << 63;

impl UpstreamPools {
    /// The pools of `s`.
    pub fn of(s: &Scenario) -> UpstreamPools {
        let gateway = s.ingress.upstream;
        let mesh = match &s.ingress.kind {
            IngressKind::Istio(i) if i.mesh.is_some() => {
                gateway.map(|u| Upstream { tls: true, ..u })
            }
            _ => None,
        };
        UpstreamPools {
            gateway,
            mesh,
            ..UpstreamPools::default()
        }
    }
}

/// Whether a connection to `pod` opened at `epoch` still carries requests as its sender sees
/// it: the pod runs the same life and has not got SIGTERM, or it became a black hole after
/// the connection opened (nothing tells the sender).
#[inline]
fn connected(pod: &Pod, epoch: u32) -> bool {
    match pod.life {
        Life::Up => pod.epoch == epoch && !pod.stopping,
        Life::Down { reset: false } => pod.epoch == epoch.wrapping_add(1),
        _ => false,
    }
}

impl Sim<'_> {
    /// The pool tier, spec, sender and sender epoch of a try sent by `parent`, if it goes
    /// through a pool: a gateway replica's attempt, or with `mesh` a call from a pod's sidecar.
    fn upstream_sender(&self, parent: &Node) -> Option<(u64, Upstream, u32, u32, usize)> {
        let pools = &self.upstream;
        match parent.kind {
            Kind::Attempt if parent.at != NONE => {
                let spec = pools.gateway?;
                let inst = &self.topo.instances[parent.at as usize];
                Some((0, spec, parent.at, inst.epoch, inst.zone))
            }
            Kind::Work | Kind::Leg if parent.at != NONE => {
                let spec = pools.mesh?;
                let caller = &self.topo.pods[parent.at as usize];
                Some((MESH_BIT, spec, parent.at, caller.epoch, caller.zone))
            }
            _ => None,
        }
    }

    /// `parent` sends a try to `pod`: it takes an idle connection of its pool to the pod or
    /// opens one. Returns the pool, the requests the connection has carried with this one (1:
    /// new), and the handshake's wait (zero on a reused connection, and towards a pod that
    /// does not answer); `(NONE, 0, 0)` when the sender holds no pool.
    pub(super) fn upstream_take(&mut self, parent: u32, pod: u32) -> (u32, u32, SimDuration) {
        let p = self.nodes[parent as usize];
        let Some((tier, spec, sender, sender_epoch, from)) = self.upstream_sender(&p) else {
            return (NONE, 0, SimDuration::ZERO);
        };
        let now = self.cal.now();
        let pools = &mut self.upstream;
        let next = pools.pairs.len() as u32;
        let pair = if tier == MESH_BIT {
            let key = tier | (u64::from(sender) << 32) | u64::from(pod);
            *pools.index.entry(key).or_insert(next)
        } else {
            let (s, p) = (sender as usize, pod as usize);
            if s >= pools.by_replica.len() {
                pools.by_replica.resize_with(s + 1, Vec::new);
            }
            let row = &mut pools.by_replica[s];
            if p >= row.len() {
                row.resize(p + 1, NONE);
            }
            if row[p] == NONE {
                row[p] = next;
            }
            row[p]
        };
        if pair == next {
            pools.pairs.push(Pair {
                sender_epoch,
                idle: Vec::new(),
            });
        }
        let target = &self.topo.pods[pod as usize];
        let pool = &mut pools.pairs[pair as usize];
        if pool.sender_epoch != sender_epoch {
            // The sender restarted: its old connections are gone.
            pool.idle.clear();
            pool.sender_epoch = sender_epoch;
        }
        let mut reused = None;
        while let Some(c) = pool.idle.pop() {
            if now.since(c.at) >= spec.idle_timeout {
                // The most recently freed is past its idle timeout: so are all the others.
                pool.idle.clear();
                break;
            }
            if connected(target, c.epoch) {
                reused = Some(c);
                break;
            }
        }
        let counted = u64::from(now >= self.warm);
        let c = &mut pools.counts;
        let (opened, reused_count) = if tier == MESH_BIT {
            (&mut c.mesh_opened, &mut c.mesh_reused)
        } else {
            (&mut c.gateway_opened, &mut c.gateway_reused)
        };
        if let Some(conn) = reused {
            *reused_count += counted;
            return (pair, conn.uses.saturating_add(1), SimDuration::ZERO);
        }
        *opened += counted;
        let (alive, to) = (target.life == Life::Up, target.zone);
        let mut wait = SimDuration::ZERO;
        if alive {
            for _ in 0..2 * (1 + u32::from(spec.tls)) {
                wait += self.handshake_hop(from, to);
            }
        }
        (pair, 1, wait)
    }

    /// Work `id` replies to its sender (`ok`, or failed by `cause`): the connection it rode
    /// goes back to its pool if the sender still waits for it and the connection may stay
    /// (see the module doc); otherwise it closes.
    pub(super) fn upstream_give_back(&mut self, id: u32, ok: bool, cause: ErrorCause) {
        let w = self.nodes[id as usize];
        if w.up_pair == NONE || w.kind != Kind::Work {
            return;
        }
        self.nodes[id as usize].up_pair = NONE;
        let broken = !ok && matches!(cause, ErrorCause::Timeout | ErrorCause::DeadBackend);
        let Some(parent) = self.nodes.get(w.parent as usize) else {
            return;
        };
        let waiting = parent.ver == w.parent_ver && parent.tok == w.parent_tok;
        if broken || !waiting {
            return;
        }
        let Some((_, spec, _, sender_epoch, _)) = self.upstream_sender(parent) else {
            return;
        };
        if w.up_uses >= spec.max_requests || !connected(&self.topo.pods[w.at as usize], w.epoch) {
            return;
        }
        let now = self.cal.now();
        let pool = &mut self.upstream.pairs[w.up_pair as usize];
        if pool.sender_epoch != sender_epoch {
            return;
        }
        // Those past their idle timeout have closed (the oldest first).
        let expired = pool
            .idle
            .iter()
            .take_while(|c| now.since(c.at) >= spec.idle_timeout)
            .count();
        if expired > 0 {
            pool.idle.drain(..expired);
        }
        if pool.idle.len() < spec.max_idle as usize {
            pool.idle.push(Idle {
                at: now,
                uses: w.up_uses,
                epoch: w.epoch,
            });
        }
    }

    /// One packet's latency from zone `from` to zone `to` for a handshake, drawn from the
    /// pools' own stream.
    fn handshake_hop(&mut self, from: usize, to: usize) -> SimDuration {
        let net = &self.s.network;
        if from == to {
            net.in_zone.sample(&mut self.rng.upstream)
        } else {
            let d = net.cross_zone.sample(&mut self.rng.upstream);
            if self.cross_zone_multiplier == 1.0 {
                d
            } else {
                d.mul_f64(self.cross_zone_multiplier)
            }
        }
    }
}
