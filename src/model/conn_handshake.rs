//! What opening one of a caller's pooled connections costs (see `conn_pool`): the TCP
//! handshake, TLS's when the call speaks TLS, and the connect timeout when the pod does not
//! answer.
//!
//! - **Handshake.** A new connection takes one round trip (SYN, SYN-ACK; the request goes
//!   with the ACK) before its first request can leave, and with `tls = true` one more (TLS
//!   1.3's full handshake is one round trip: RFC 8446, §2). A round trip is two one-way
//!   latencies of the hop between the caller's and the pod's zones (`in_zone` or
//!   `cross_zone`), drawn from the connections' own stream, so runs without pooled calls draw
//!   nothing new. Every request that takes the connection before the handshake is done (an
//!   HTTP/2 stream) waits for it; later ones go at once: reuse is cheap. The sidecar's mTLS
//!   CPU for a new connection ([`Sim::connection_opened`]) is charged to the pod; it is
//!   nothing today, as with a `mesh` the sidecars take over the connections.
//! - **Connect timeout.** A new connection to a black-holed pod (its node or zone gone, or it
//!   hangs: it says nothing) gets no SYN-ACK: every request riding it fails with a connection
//!   error ([`ErrorCause::DeadBackend`]) when `connect_timeout` has passed since it opened, if
//!   the call's own timeout has not fired first; the caller then closes it, and the next call
//!   opens a new connection (kube-proxy picks anew). A request on a connection opened before
//!   the pod went silent hangs until the call's timeout (`conn_pool`). Whether the pod
//!   answers is decided when the connection opens: a pod that goes silent during the
//!   handshake looks like one that went silent just after it.
//!
//! [`ErrorCause::DeadBackend`]: super::result::ErrorCause::DeadBackend

use crate::engine::{SimDuration, SimTime};
use crate::scenario::ConnectionPool;

use super::result::ErrorCause;
use super::sim::{Ev, NONE, Sim};
use super::topology::Life;

/// The outcome of a connection's handshake, fixed when it opens.
#[derive(Clone, Copy, Debug)]
pub(super) enum Handshake {
    /// Requests can go from this time on.
    Ready(SimTime),
    /// The pod does not answer: the connection fails at this time.
    Fails(SimTime),
}

impl Sim<'_> {
    /// The handshake of a connection opening now from pod `caller` to pod `pod` on `spec`.
    pub(super) fn handshake(&mut self, caller: u32, pod: u32, spec: &ConnectionPool) -> Handshake {
        let now = self.cal.now();
        let target = &self.topo.pods[pod as usize];
        if target.life == (Life::Down { reset: false }) {
            return Handshake::Fails(now + spec.connect_timeout);
        }
        let (from, to) = (self.topo.pods[caller as usize].zone, target.zone);
        let trips = 1 + u32::from(spec.tls);
        let mut wait = SimDuration::ZERO;
        for _ in 0..2 * trips {
            wait += self.one_way(from, to);
        }
        self.connection_opened(pod);
        Handshake::Ready(now + wait)
    }

    /// Sends node `id`'s call to `pod`, from a pod in `zone`, `before` from now plus the
    /// handshake of the pooled connection it took, if any ([`Sim::conn_wait`]; a connect
    /// timeout fails it instead).
    pub(super) fn send_call(&mut self, id: u32, pod: u32, zone: usize, before: SimDuration) {
        let Some(handshake) = self.conn_wait(id) else {
            return;
        };
        self.send_work_after(id, pod, zone as u8, before + handshake);
    }

    /// Call `id`, riding a pooled connection, goes on: the wait until its connection's
    /// handshake is done (zero on an established one, and for a call on no pooled connection).
    /// `None`: the connection cannot open, and the call has been failed at its connect timeout.
    pub(super) fn conn_wait(&mut self, id: u32) -> Option<SimDuration> {
        let c = self.nodes[id as usize].conn;
        if c == NONE {
            return Some(SimDuration::ZERO);
        }
        let now = self.cal.now();
        match self.conns.handshake_of(c) {
            Handshake::Ready(at) => Some(at.since(now)),
            Handshake::Fails(at) => {
                let n = self.nodes[id as usize];
                self.send_in(
                    at.since(now),
                    Ev::Reply {
                        node: id,
                        ver: n.ver,
                        tok: n.tok,
                        ok: false,
                        cause: ErrorCause::DeadBackend as u8,
                    },
                );
                None
            }
        }
    }

    /// One packet's latency from `from` to `to` (zones), as a request hop's but not counted
    /// as one, drawn from the connections' stream.
    pub(super) fn one_way(&mut self, from: usize, to: usize) -> SimDuration {
        let net = &self.s.network;
        if from == to {
            net.in_zone.sample(&mut self.rng.connections)
        } else {
            let d = net.cross_zone.sample(&mut self.rng.connections);
            if self.cross_zone_multiplier == 1.0 {
                d
            } else {
                d.mul_f64(self.cross_zone_multiplier)
            }
        }
    }
}
