//! Connect timeouts: what a proxy sees when it sends a try to a pod that no longer answers (a
//! black hole: its node or zone is gone, or it hangs).
//!
//! A proxy sends most requests on keep-alive connections it already holds, and opens a new
//! connection for the rest (`[ingress] new_connection_share`). A request on an open connection
//! to a black-holed pod hangs until the proxy's read timeout (`backend_timeout`, Istio's
//! per-try timeout). A new connection gets no answer to its SYN and fails at the connect
//! timeout (ingress-nginx `proxy-connect-timeout` 5 s, Envoy's `connectTimeout` 10 s under
//! Istio): a connection error, [`ErrorCause::DeadBackend`], which NGINX's
//! `proxy_next_upstream error` and Istio's `connect-failure` retry on another pod. The same
//! holds for the Istio sidecars' east-west calls with `mesh` (Envoy's pools and connect
//! timeout). Without a proxy (kube-proxy, the application's own client) nothing changes: the
//! caller's timeout fires.
//!
//! Which connection a try rides follows from its sender's pool (`upstream_pool`): a try that
//! took an idle connection its gateway replica (or sidecar) held to the pod hangs until the
//! read timeout, and that connection is gone with it; a try whose sender had none opens one
//! and fails at the connect timeout. So as many tries hang as there were idle connections to
//! the pod when it died, and every later try fails over at the connect timeout (NGINX 5 s,
//! Istio 10 s), the behaviour the ingress-nginx and Envoy docs describe for a host that does
//! not answer. App Gateway has no connect timeout here: its tries hang until its request
//! timeout either way.
//!
//! [`ErrorCause::DeadBackend`]: super::result::ErrorCause::DeadBackend

use crate::engine::SimDuration;

use super::sim::{NONE, Sim};

impl Sim<'_> {
    /// Work `id` reached a black-holed pod. Returns the delay from now until its sender sees
    /// the connect failure, if the sender is a proxy that opened a new connection for it;
    /// `None` if it rides an open keep-alive connection (it hangs until the sender's read
    /// timeout) or its sender is no proxy with a connect timeout.
    pub(super) fn connect_failure_in(&mut self, id: u32) -> Option<SimDuration> {
        let connect = self.s.ingress.connect?;
        let w = self.nodes[id as usize];
        if w.up_pair == NONE || w.up_uses != 1 {
            return None;
        }
        // The connection was opened when the work was sent.
        Some(connect.timeout - (self.cal.now() - w.born))
    }
}
