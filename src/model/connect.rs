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
//! Which connection a try rides is decided when it meets the black-holed pod. It opens a new
//! one with probability `new_connection_share` (drawn from its own stream, so healthy runs draw
//! nothing), and otherwise reuses one of the idle keep-alive connections the proxies held to
//! the pod when it died (`idle_connections_per_pod`, default the pod's worker slots). A try
//! on a reused connection hangs until the read timeout, and the proxy then closes that
//! connection, so the idle pool only shrinks: once it is used up every later try opens a new
//! connection and fails at the connect timeout. In a black hole that lasts more than a moment
//! nearly every try therefore fails over at the connect timeout (NGINX 5 s, Istio 10 s), the
//! behaviour the ingress-nginx and Envoy docs describe for a host that does not answer.
//!
//! [`ErrorCause::DeadBackend`]: super::result::ErrorCause::DeadBackend

use rand::Rng;

use crate::engine::SimDuration;

use super::flow::mesh_of;
use super::sim::{Kind, Sim};

impl Sim<'_> {
    /// Work `id` reached a black-holed pod. Returns the delay from now until its sender sees
    /// the connect failure, if the sender is a proxy that opened a new connection for it;
    /// `None` if it rides an open keep-alive connection (it hangs until the sender's read
    /// timeout) or its sender is no proxy or is gone.
    pub(super) fn connect_failure_in(&mut self, id: u32) -> Option<SimDuration> {
        let connect = self.s.ingress.connect?;
        let w = self.nodes[id as usize];
        let parent = self.nodes.get(w.parent as usize)?;
        if parent.ver != w.parent_ver {
            return None;
        }
        let proxied = match parent.kind {
            // Only the NGINX and Istio gateways have `connect`.
            Kind::Attempt => true,
            // An east-west call through the sidecars.
            Kind::Work | Kind::Leg => mesh_of(self.s).is_some(),
            Kind::Request => false,
        };
        if !proxied {
            return None;
        }
        let new = self.rng.connections.random::<f64>() < connect.new_connection_share;
        let pod = &mut self.topo.pods[w.at as usize];
        if !new && pod.idle_conns > 0 {
            // It rides one of the pool's idle connections: it hangs until the read timeout.
            pod.idle_conns -= 1;
            return None;
        }
        // The connection was opened when the work was sent.
        Some(connect.timeout - (self.cal.now() - w.born))
    }
}
