//! Callers' keep-alive connections to a service behind kube-proxy: the backend pod is chosen
//! when a connection opens, not per request.
//!
//! kube-proxy (iptables: a random endpoint; IPVS `rr`) and the Azure Load Balancer choose a
//! backend per *connection* (kubernetes.io, "Virtual IPs and Service Proxies"). A call without
//! `mesh` whose target speaks HTTP/2 or gRPC, or that sets `connections`, therefore rides one
//! of its caller pod's connections for that call ([`crate::scenario::ConnectionPool`]), and
//! goes to the pod that connection was opened to:
//!
//! - **HTTP/1.1**: a connection carries one request at a time. A call takes the most recently
//!   used idle connection (Go's `net/http` does); with none idle it opens one — Go's
//!   `MaxConnsPerHost` is 0 (no limit), so nothing waits for a connection. When a request
//!   ends, its connection stays idle unless `pool` connections are idle already (then it
//!   closes: `MaxIdleConnsPerHost`).
//! - **HTTP/2 and gRPC**: up to `pool` connections (default 1) carry every request of the caller
//!   pod at once; a call takes the least busy one, and opens one while fewer than `pool` are
//!   open. A connection carries at most `max_streams` calls at once (the server's
//!   SETTINGS_MAX_CONCURRENT_STREAMS: 250 for HTTP/2, no limit for gRPC). An HTTP/2 call
//!   that finds every connection at that limit opens one more, beyond `pool`, as Go's HTTP/2
//!   transport does; a gRPC call waits for a stream instead, as grpc-go does (see
//!   `conn_streams`).
//! - **One pool per caller pod and target service**, shared by every call entry of the caller
//!   to that service (grpc-go shares a `ClientConn`, Go's `http.Transport` its per-host
//!   pool); the first entry that sets `connections` gives its settings.
//! - **Recycling.** A connection takes no new request once it has carried `max_requests`, is
//!   `max_age` old (gRPC's server-side `MaxConnectionAge` sends GOAWAY) or idle for
//!   `idle_timeout`; its requests in flight finish on it, and the next call opens a new
//!   connection to a pod chosen anew — only then do pods added by a scale-up get traffic.
//! - **A pod that goes away.** A pod that is killed, crashes or restarts closes its
//!   connections (FIN/RST): the next call opens a new one. One that gets SIGTERM drains them:
//!   GOAWAY on HTTP/2, idle HTTP/1.1 connections closed, and what was on the wire served or
//!   sent again (see `conn_drain`). A black-holed pod (lost
//!   node or zone) says nothing: requests on its connections hang until the call's timeout,
//!   and a call that fails by timeout or reset closes the connection it rode (an HTTP/1.1
//!   client always does; for HTTP/2 this stands in for keepalive pings or TCP's retransmission
//!   timeout, which take longer). A call that times out on a pod that still answers (a slow
//!   one) closes an HTTP/1.1 connection too, but on HTTP/2 or gRPC only resets its stream
//!   (RST_STREAM): the connection and its other calls stay.
//!
//! Opening a connection costs its handshake, and a new connection to a black-holed pod fails
//! at the connect timeout (see `conn_handshake`).
//!
//! Expiry is checked when a call looks at the pool (no timer events): a connection past its age
//! or idle time is closed then, which is when its caller would next see it. The L7 proxies —
//! NGINX, App Gateway, Istio's gateway and, with `mesh`, the sidecars — hold pools to every pod
//! and keep balancing per request (the documented fix), so none of this applies to them.
//!
//! The component also counts the work sent to each pod after the warm-up (every balancer),
//! for the per-pod balance of each service ([`PodBalance`]).

use std::collections::{HashMap, VecDeque};

use serde::{Deserialize, Serialize};

use crate::engine::SimTime;
use crate::scenario::{ConnectionPool, Protocol, Scenario};

use super::conn_handshake::Handshake;
use super::locality::Locality;
use super::result::ErrorCause;
use super::sim::{NONE, Sim};
use super::topology::{Life, Pod, View};

/// One open (or closing) connection from a caller pod to a target pod.
#[derive(Clone, Copy, Debug)]
struct Conn {
    /// The caller pod and target service whose pool holds it.
    key: (u32, u16),
    /// The target pod, and its epoch when the connection opened.
    pod: u32,
    epoch: u32,
    opened: SimTime,
    last_used: SimTime,
    /// Requests it has carried.
    requests: u32,
    /// Requests on it now.
    in_use: u32,
    /// Taken out of its pool: no new requests; freed when `in_use` is 0.
    closed: bool,
    /// Its id is back in `ConnPools::free` (for the next connection to take).
    freed: bool,
    /// Its handshake: when requests can go, or when it fails (see `conn_handshake`).
    handshake: Handshake,
    /// HTTP/2 or gRPC (many requests at once), not HTTP/1.1.
    multiplexed: bool,
    /// Its pool's `pool` setting.
    pool: u32,
    /// When its pod got SIGTERM and sent GOAWAY, or closed it (see `conn_drain`).
    goaway: Option<SimTime>,
}

/// A caller pod's connections to one service, shared by every call entry to it.
#[derive(Clone, Debug, Default)]
struct Pool {
    /// The caller pod's epoch the pool belongs to (a restarted pod starts with none).
    epoch: u32,
    /// Open connections (ids into `ConnPools::conns`), oldest first.
    conns: Vec<u32>,
    /// gRPC calls waiting for a stream, first come first (see `conn_streams`).
    waiting: VecDeque<Waiter>,
}

/// A gRPC call waiting for a stream of its pool: node `node` of generation `ver`, waiting
/// under token `tok` (stale once its timeout fired or it was freed), making call `call`.
#[derive(Clone, Copy, Debug)]
pub(super) struct Waiter {
    pub node: u32,
    pub ver: u32,
    pub tok: u32,
    pub call: u16,
}

/// What [`Sim::conn_acquire`] got a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Acquired {
    /// A connection to this pod.
    Pod(u32),
    /// gRPC, every connection at the server's stream limit: the call waits in its pool for
    /// a stream (see `conn_streams`).
    Queued,
}

/// The callers' connections and the per-pod counts of one replication.
#[derive(Debug, Default)]
pub struct ConnPools {
    /// Per service and call: its pool when the call is balanced per connection (no mesh).
    specs: Vec<Vec<Option<ConnectionPool>>>,
    /// Pools by (caller pod, target service).
    /// (Looked up on every pooled call, never iterated: a fast fixed-seed hash.)
    pools: HashMap<(u32, u16), Pool, foldhash::fast::FixedState>,
    /// Connections (a slab; `free` holds the ids of freed ones).
    conns: Vec<Conn>,
    free: Vec<u32>,
    /// Work sent to each pod after the warm-up, by any balancer.
    sent: Vec<u64>,
    /// Connections opened after the warm-up.
    pub opened: u64,
}

impl ConnPools {
    /// The pools of `s`: none when a `mesh` balances every call per request.
    pub fn of(s: &Scenario) -> ConnPools {
        let mesh = super::flow::mesh_of(s).is_some();
        ConnPools {
            specs: s
                .services
                .iter()
                .enumerate()
                .map(|(si, svc)| {
                    (0..svc.calls.len())
                        .map(|k| if mesh { None } else { s.connection_pool(si, k) })
                        .collect()
                })
                .collect(),
            ..ConnPools::default()
        }
    }

    /// The pool of call `k` of `service`, if the call is balanced per connection.
    pub fn spec(&self, service: usize, k: usize) -> Option<ConnectionPool> {
        self.specs.get(service)?.get(k).copied().flatten()
    }

    /// The first call waiting for a stream in the pool of `key`, if any.
    pub(super) fn first_waiting(&self, key: (u32, u16)) -> Option<Waiter> {
        self.pools.get(&key)?.waiting.front().copied()
    }

    /// Takes the first call waiting in the pool of `key` out of its line.
    pub(super) fn pop_waiting(&mut self, key: (u32, u16)) {
        if let Some(pool) = self.pools.get_mut(&key) {
            pool.waiting.pop_front();
        }
    }

    /// Whether a call could have a stream in the pool of `key` under `spec` now: a connection
    /// below the stream limit, or room for one more connection.
    pub(super) fn stream_free(&self, key: (u32, u16), spec: &ConnectionPool) -> bool {
        self.pools.get(&key).is_some_and(|pool| {
            pool.conns.len() < spec.pool as usize
                || pool
                    .conns
                    .iter()
                    .any(|&c| self.conns[c as usize].in_use < spec.max_streams)
        })
    }

    /// The handshake of connection `c` (see `conn_handshake`).
    pub(super) fn handshake_of(&self, c: u32) -> Handshake {
        self.conns[c as usize].handshake
    }

    /// Pod `pod` (in `epoch`) got SIGTERM at `now`: each of its connections still open gets
    /// GOAWAY and leaves its pool; one that carries nothing closes (see `conn_drain`).
    pub(super) fn goaway(&mut self, pod: u32, epoch: u32, now: SimTime) {
        for c in 0..self.conns.len() as u32 {
            let conn = &mut self.conns[c as usize];
            let freed = conn.closed && conn.in_use == 0;
            if freed || conn.pod != pod || conn.epoch != epoch || conn.goaway.is_some() {
                continue;
            }
            conn.goaway = Some(now);
            self.close(c);
        }
    }

    /// How connection `c` stands for a request reaching pod `pod` (in `epoch`) after its
    /// SIGTERM: `Some(multiplexed)` when the connection is to that pod and was established
    /// before GOAWAY (the request was on the wire then), `None` otherwise.
    pub(super) fn drained(&self, c: u32, pod: u32, epoch: u32) -> Option<bool> {
        let conn = self.conns.get(c as usize)?;
        let goaway = conn.goaway?;
        let established = matches!(conn.handshake, Handshake::Ready(at) if at <= goaway);
        (conn.pod == pod && conn.epoch == epoch && established).then_some(conn.multiplexed)
    }

    /// The call riding connection `c` leaves it without a result (its request goes again on
    /// another connection): the connection frees when nothing else rides it.
    pub(super) fn leave(&mut self, c: u32) {
        let conn = &mut self.conns[c as usize];
        conn.in_use -= 1;
        self.close(c);
    }

    /// Closes connection `c` (out of its pool); frees it when nothing rides it. Closing it
    /// again does nothing more: its id goes back to the free list once, never twice (two
    /// connections would then share it, and one's calls end on the other's count).
    fn close(&mut self, c: u32) {
        let conn = &mut self.conns[c as usize];
        if !conn.closed {
            conn.closed = true;
            if let Some(pool) = self.pools.get_mut(&conn.key) {
                pool.conns.retain(|&x| x != c);
            }
        }
        if conn.in_use == 0 && !conn.freed {
            conn.freed = true;
            self.free.push(c);
        }
    }
}

/// Whether a connection to `pod` opened at `epoch` still carries requests as its caller sees
/// it: the pod runs the same life and has not got SIGTERM, or it became a black hole after the
/// connection opened (nothing tells the caller).
fn connected(pod: &Pod, epoch: u32) -> bool {
    match pod.life {
        Life::Up => pod.epoch == epoch && !pod.stopping,
        Life::Down { reset: false } => pod.epoch == epoch.wrapping_add(1),
        _ => false,
    }
}

impl Sim<'_> {
    /// Whether call `k` of the service of node `id` is balanced per connection.
    pub(super) fn per_connection(&self, id: u32, k: usize) -> bool {
        let service = self.nodes[id as usize].service as usize;
        self.conns.spec(service, k).is_some()
    }

    /// Call `k` of node `id` (work or a fan-out leg, at its caller pod) to service `t`: takes a
    /// connection of the caller pod's pool, opening one (kube-proxy picks its pod among the
    /// endpoints, by `locality`) when none fits. Returns the pod, [`Acquired::Queued`] when a
    /// gRPC call must wait for a stream (it is then in its pool's line), or `None` when a new
    /// connection finds no endpoint. The node remembers the connection until its reply.
    pub(super) fn conn_acquire(
        &mut self,
        id: u32,
        k: usize,
        t: usize,
        locality: Locality,
    ) -> Option<Acquired> {
        let now = self.cal.now();
        let n = self.nodes[id as usize];
        let spec = self.conns.spec(n.service as usize, k)?;
        let key = (n.at, t as u16);
        let caller_epoch = self.topo.pods[n.at as usize].epoch;
        let pool = self.conns.pools.entry(key).or_default();
        let mut stale: Vec<u32> = Vec::new();
        if pool.epoch != caller_epoch {
            // The caller pod restarted: its old connections are gone.
            stale.extend(pool.conns.iter().copied());
            pool.epoch = caller_epoch;
        }
        let pools = &mut self.conns;
        for &c in &pools.pools[&key].conns {
            let conn = &pools.conns[c as usize];
            let aged = spec.max_age.is_some_and(|a| now.since(conn.opened) >= a);
            let idle = conn.in_use == 0 && now.since(conn.last_used) >= spec.idle_timeout;
            let used_up = conn.requests >= spec.max_requests;
            // A connection still waiting on a silent pod stays until it fails.
            let gone = !matches!(conn.handshake, Handshake::Fails(_))
                && !connected(&self.topo.pods[conn.pod as usize], conn.epoch);
            if aged || idle || used_up || gone {
                stale.push(c);
            }
        }
        for c in stale {
            pools.close(c);
        }
        let open = &pools.pools[&key].conns;
        let reuse = if spec.protocol.multiplexed() {
            if open.len() < spec.pool as usize {
                None
            } else {
                // The least busy connection (the first on a tie), unless it carries as many
                // calls as the server allows: then one more connection opens, beyond `pool`
                // (Go's HTTP/2 transport), or the call waits for a stream (grpc-go).
                let least = open
                    .iter()
                    .copied()
                    .min_by_key(|&c| pools.conns[c as usize].in_use)
                    .filter(|&c| pools.conns[c as usize].in_use < spec.max_streams);
                if least.is_none() && spec.protocol == Protocol::Grpc {
                    let waiter = Waiter {
                        node: id,
                        ver: n.ver,
                        tok: n.tok,
                        call: k as u16,
                    };
                    let pool = pools.pools.get_mut(&key).expect("created above");
                    pool.waiting.push_back(waiter);
                    return Some(Acquired::Queued);
                }
                least
            }
        } else {
            // The most recently used idle connection.
            open.iter()
                .copied()
                .filter(|&c| pools.conns[c as usize].in_use == 0)
                .max_by_key(|&c| pools.conns[c as usize].last_used)
        };
        let c = match reuse {
            Some(c) => c,
            None => {
                let pod = self.pick(
                    t,
                    View::Endpoints,
                    crate::scenario::Balancing::Random,
                    locality,
                    NONE,
                )?;
                let handshake = self.handshake(n.at, pod, &spec);
                let conn = Conn {
                    key,
                    pod,
                    epoch: self.topo.pods[pod as usize].epoch,
                    opened: now,
                    last_used: now,
                    requests: 0,
                    in_use: 0,
                    closed: false,
                    freed: false,
                    handshake,
                    goaway: None,
                    multiplexed: spec.protocol.multiplexed(),
                    pool: spec.pool,
                };
                let pools = &mut self.conns;
                pools.opened += u64::from(now >= self.warm);
                let c = match pools.free.pop() {
                    Some(c) => {
                        pools.conns[c as usize] = conn;
                        c
                    }
                    None => {
                        pools.conns.push(conn);
                        (pools.conns.len() - 1) as u32
                    }
                };
                pools
                    .pools
                    .get_mut(&key)
                    .expect("created above")
                    .conns
                    .push(c);
                c
            }
        };
        let conn = &mut self.conns.conns[c as usize];
        conn.in_use += 1;
        conn.requests += 1;
        conn.last_used = now;
        self.nodes[id as usize].conn = c;
        Some(Acquired::Pod(conn.pod))
    }

    /// Node `id`'s call ended (a reply or its timeout): the connection it rode, if any, is
    /// free for the next request; a reset closes it, a timeout too unless the connection
    /// multiplexes and its pod still answers, and an HTTP/1.1 connection beyond the idle pool
    /// closes too. A gRPC call waiting for a stream of the pool takes the one freed (see
    /// `conn_streams`).
    pub(super) fn conn_release(&mut self, id: u32, ok: bool, cause: ErrorCause) {
        let c = self.nodes[id as usize].conn;
        if c == NONE {
            return;
        }
        self.nodes[id as usize].conn = NONE;
        let conn = self.conns.conns[c as usize];
        // A reset closes the connection. So does a timeout on HTTP/1.1 (the only way to give up
        // a request), and on HTTP/2 or gRPC when the pod no longer answers (keepalive pings
        // would find it silent); to a pod that answers, late, the client resets the stream
        // only (RST_STREAM) and the connection stays.
        let answers = {
            let pod = &self.topo.pods[conn.pod as usize];
            pod.life == Life::Up && pod.epoch == conn.epoch
        };
        let broken = !ok
            && match cause {
                ErrorCause::DeadBackend => true,
                ErrorCause::Timeout => !conn.multiplexed || !answers,
                _ => false,
            };
        self.conns.release(c, self.cal.now(), broken);
        if conn.multiplexed {
            // Only gRPC calls wait for a stream (HTTP/1.1 pools never have a line).
            self.serve_stream_waiters(conn.key);
        }
    }
}

impl ConnPools {
    /// The call on connection `c` ended at `now`; `broken` when the connection must close
    /// (see [`Sim::conn_release`]).
    fn release(&mut self, c: u32, now: SimTime, broken: bool) {
        let pools = self;
        let conn = &mut pools.conns[c as usize];
        conn.in_use -= 1;
        conn.last_used = now;
        let (key, multiplexed, pool) = (conn.key, conn.multiplexed, conn.pool);
        if conn.closed || broken {
            return pools.close(c);
        }
        if !multiplexed {
            let idle = pools.pools[&key]
                .conns
                .iter()
                .filter(|&&x| pools.conns[x as usize].in_use == 0)
                .count();
            if idle > pool as usize {
                pools.close(c);
            }
        }
    }
}

impl Sim<'_> {
    /// Counts work sent to `pod` (after the warm-up), for the per-pod balance.
    pub(super) fn count_sent(&mut self, pod: u32) {
        if self.cal.now() < self.warm {
            return;
        }
        let sent = &mut self.conns.sent;
        if sent.len() <= pod as usize {
            sent.resize(self.topo.pods.len().max(pod as usize + 1), 0);
        }
        sent[pod as usize] += 1;
    }

    /// The per-pod balance of each service at the end of the run (see [`PodBalance`]).
    pub(super) fn pod_balance(&self) -> Vec<PodBalance> {
        let end = self.end;
        let min_ready = self.s.simulation.window.as_secs_f64();
        let sent = |p: u32| self.conns.sent.get(p as usize).copied().unwrap_or(0);
        self.topo
            .service_pods
            .iter()
            .enumerate()
            .map(|(si, pods)| {
                let total: u64 = pods.iter().map(|&p| sent(p)).sum();
                let busiest = pods.iter().map(|&p| sent(p)).max().unwrap_or(0);
                let mut rates = Vec::new();
                for &p in pods {
                    let pod = &self.topo.pods[p as usize];
                    if pod.life != Life::Up || pod.retired {
                        continue;
                    }
                    let from = pod.ready_changed.max(self.warm);
                    let secs = end.since(from).as_secs_f64();
                    if secs >= min_ready {
                        rates.push(sent(p) as f64 / secs);
                    }
                }
                let mean = rates.iter().sum::<f64>() / rates.len().max(1) as f64;
                let max = rates.iter().copied().fold(0.0, f64::max);
                PodBalance {
                    service: self.s.services[si].name.clone(),
                    pods: rates.len() as u32,
                    idle_pods: rates.iter().filter(|&&r| r == 0.0).count() as u32,
                    max_over_mean: (mean > 0.0).then(|| max / mean),
                    busiest_share: (total > 0).then(|| busiest as f64 / total as f64),
                }
            })
            .collect()
    }
}

/// How evenly a service's pods shared its work over one replication.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PodBalance {
    /// The service.
    pub service: String,
    /// Pods measured: up at the end of the run and ready for at least one time-series window
    /// of the measured period.
    pub pods: u32,
    /// Of those, the pods that got no work in the measured period.
    pub idle_pods: u32,
    /// The busiest measured pod's rate of work (work sent to it ÷ its ready time in the
    /// measured period) over the mean of the measured pods' rates: 1 is even; `None` when
    /// none got any.
    pub max_over_mean: Option<f64>,
    /// The busiest pod's share of all work sent to the service's pods (every pod that ever
    /// ran) in the measured period; `None` when none was sent.
    pub busiest_share: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A connection closed twice while nothing rides it (a caller pod's restart and its
    /// pod's loss, seen at the same look at the pool) goes back to the free list once: freed
    /// twice, its id would go to two new connections, and the calls of one would end on the
    /// other's count (which then wrapped below zero and stalled every call waiting there).
    #[test]
    fn a_connection_closed_twice_is_freed_once() {
        let mut pools = ConnPools::default();
        let key = (0, 0);
        pools.pools.insert(key, Pool::default());
        pools.conns.push(Conn {
            key,
            pod: 0,
            epoch: 0,
            opened: SimTime::ZERO,
            last_used: SimTime::ZERO,
            requests: 1,
            in_use: 0,
            closed: false,
            freed: false,
            handshake: Handshake::Ready(SimTime::ZERO),
            multiplexed: true,
            pool: 1,
            goaway: None,
        });
        pools.pools.get_mut(&key).unwrap().conns.push(0);
        pools.close(0);
        pools.close(0);
        assert_eq!(pools.free, vec![0]);
        assert!(pools.pools[&key].conns.is_empty());
    }
}
