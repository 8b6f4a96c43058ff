//! Draining a pod's pooled connections when it gets SIGTERM (see `conn_pool`): what happens
//! to a call that was already on the wire to the pod on one of its callers' connections.
//!
//! - **HTTP/2 and gRPC: GOAWAY.** A server that gets SIGTERM and stops gracefully (grpc-go's
//!   `GracefulStop`, Go's `http.Server.Shutdown`) sends GOAWAY on each connection. The client
//!   opens no new stream on it: every later call opens a new connection, to a pod kube-proxy
//!   chooses anew. The streams the client had sent before it saw the GOAWAY are within its
//!   last stream id — the graceful two-step GOAWAY of RFC 9113 §6.8 (a first GOAWAY with the
//!   largest id, the real one a round trip later), which grpc-go's `GracefulStop` sends — so
//!   the pod serves them, and everything it holds, until its termination grace period ends;
//!   then it is killed and what still runs there is reset (`termination`). No call is lost by
//!   the SIGTERM itself.
//! - **HTTP/1.1: idle connections close.** Go's `Shutdown` closes the connections that carry
//!   no request and lets active requests finish (their responses say `Connection: close`). A
//!   request still on the wire rides a connection the server saw as idle, so it finds the
//!   connection closed; the client sends it again on another connection (Go's transport
//!   retries a request on a reused connection that the server closed before answering) — to
//!   a pod chosen anew, with the call's own deadline unchanged. Every call counts as safe to
//!   send again (Go does so only for idempotent requests).
//! - **Not drained.** A connection whose handshake ends after the SIGTERM meets a closed
//!   listener, and a call sent to a stopping pod on no pooled connection (kube-proxy still
//!   listing it): both are refused, as before.
//!
//! The client learns of the GOAWAY (or the closed idle connection) at the SIGTERM itself: a
//! call made in the one-way latency after it would, in the real exchange, also be served or
//! sent again, so nothing differs but which pod serves it.

use crate::scenario::CallTarget;

use super::conn_pool::Acquired;
use super::result::ErrorCause;
use super::sim::{NONE, Sim};

/// What becomes of work that reaches a pod after the pod's SIGTERM.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Drained {
    /// It was on the wire on an HTTP/2 connection established before GOAWAY: the pod serves
    /// it.
    Serve,
    /// It was on the wire on an HTTP/1.1 connection the pod closed as idle: its caller has sent
    /// it again on another connection (the work node is gone).
    Resent,
    /// Refused (connection refused: the pod's listener is closed).
    Refused,
}

impl Sim<'_> {
    /// Pod `p` (in `epoch`) gets SIGTERM: its callers' connections to it get GOAWAY (HTTP/2)
    /// or close when idle (HTTP/1.1), and leave their pools.
    pub(super) fn conn_sigterm(&mut self, p: u32, epoch: u32) {
        let now = self.cal.now();
        self.conns.goaway(p, epoch, now);
    }

    /// Work `id` reaches its pod, which has got SIGTERM: served, sent again or refused (see
    /// the module doc). The caller of refused work is not told here.
    pub(super) fn at_stopping_pod(&mut self, id: u32) -> Drained {
        let w = self.nodes[id as usize];
        let Some(parent) = self.nodes.get(w.parent as usize) else {
            return Drained::Refused;
        };
        let live = parent.ver == w.parent_ver && parent.tok == w.parent_tok;
        if !live || parent.conn == NONE {
            return Drained::Refused;
        }
        match self.conns.drained(parent.conn, w.at, w.epoch) {
            Some(true) => Drained::Serve,
            Some(false) => {
                self.resend(id);
                Drained::Resent
            }
            None => Drained::Refused,
        }
    }

    /// Work `id` found its HTTP/1.1 connection closed: it is dropped, and its caller sends the
    /// call again on another connection of its pool (or a new one) once the close is back.
    fn resend(&mut self, id: u32) {
        let w = self.nodes[id as usize];
        let caller = w.parent;
        let pod = &mut self.topo.pods[w.at as usize];
        pod.in_flight = pod.in_flight.saturating_sub(1);
        let pod_zone = pod.zone;
        self.release(id);
        let c = self.nodes[caller as usize].conn;
        self.nodes[caller as usize].conn = NONE;
        self.conns.leave(c);
        let n = self.nodes[caller as usize];
        let k = n.call as usize;
        let CallTarget::Service(t) = self.s.services[n.service as usize].calls[k].target else {
            return self.fail_call(caller, ErrorCause::DeadBackend);
        };
        let zone = self.topo.pods[n.at as usize].zone;
        let back = self.one_way(pod_zone, zone);
        let locality = self.kube_proxy_locality(t, zone);
        match self.conn_acquire(caller, k, t, locality) {
            Some(Acquired::Pod(pod)) => self.send_call(caller, pod, zone, back),
            // Only gRPC waits for a stream (see `conn_streams`); this is HTTP/1.1.
            Some(Acquired::Queued) => {}
            None => self.fail_call(caller, ErrorCause::NoBackend),
        }
    }
}
