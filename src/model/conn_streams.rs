//! gRPC calls waiting for a stream: a caller whose connections to a service all carry as many
//! calls as the server allows (`calls[].connections.max_streams`, the server's
//! SETTINGS_MAX_CONCURRENT_STREAMS) waits for one of them to end.
//!
//! grpc-go's transport does not open another connection at the limit: `NewStream` parks on the
//! transport's stream quota (`checkForStreamQuota` and `streamsQuotaAvailable` in
//! `internal/transport/http2_client.go`) until a stream of that connection ends or the call's
//! deadline passes (D: grpc-go source). Go's `net/http` HTTP/2 client opens one more
//! connection instead (`StrictMaxConcurrentStreams` false), which `conn_pool` models for
//! `protocol = "http2"`.
//!
//! Here the waiting calls of one caller pod and target service stand in one line, first come
//! first served, and the call that ends a stream hands it to the first of them that still
//! waits (a call whose timeout fired, or whose node was freed, has left the line: its token or
//! generation moved on). The connection then behaves as a queue with `max_streams` servers in
//! front of the pod. With `pool` above 1 a waiting call takes the first stream freed on any
//! connection of the pool (grpc-go waits on the connection its balancer picked): the same
//! for the default single connection. A waiting call's deadline is its call's `timeout`, set
//! when it was made, so a call that waits too long fails by timeout without reaching a pod.

use crate::scenario::CallTarget;

use super::conn_pool::Acquired;
use super::result::ErrorCause;
use super::sim::Sim;

impl Sim<'_> {
    /// A stream may have come free in the pool of `key` (a call on it ended): the first calls
    /// still waiting there take the free streams, in the order they came.
    pub(super) fn serve_stream_waiters(&mut self, key: (u32, u16)) {
        while let Some(w) = self.conns.first_waiting(key) {
            let n = self.nodes[w.node as usize];
            if n.ver != w.ver || n.tok != w.tok {
                // Its timeout fired, or its node is gone: it no longer waits.
                self.conns.pop_waiting(key);
                continue;
            }
            let k = usize::from(w.call);
            let Some(spec) = self.conns.spec(n.service as usize, k) else {
                self.conns.pop_waiting(key);
                continue;
            };
            if !self.conns.stream_free(key, &spec) {
                return;
            }
            self.conns.pop_waiting(key);
            let CallTarget::Service(t) = self.s.services[n.service as usize].calls[k].target else {
                continue;
            };
            let zone = self.topo.pods[n.at as usize].zone;
            let locality = self.kube_proxy_locality(t, zone);
            match self.conn_acquire(w.node, k, t, locality) {
                Some(Acquired::Pod(pod)) => {
                    self.send_call(w.node, pod, zone, crate::engine::SimDuration::ZERO)
                }
                // Back in the line (a connection it counted on closed as it looked): it
                // waits for the next stream that ends.
                Some(Acquired::Queued) => return,
                None => self.fail_call(w.node, ErrorCause::NoBackend),
            }
        }
    }
}
