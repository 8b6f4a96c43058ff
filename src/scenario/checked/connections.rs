//! Connections, checked: the protocol a service speaks and a caller's connection pool for a
//! call, with the protocol's defaults filled in ([`Scenario::connection_pool`]).

use super::{CallTarget, Scenario};
use crate::engine::SimDuration;
use crate::scenario::defaults as d;

/// What a service's callers speak to it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Protocol {
    /// HTTP/1.1: one request at a time per connection.
    #[default]
    Http1,
    /// HTTP/2: every request of a caller multiplexed on its connection.
    Http2,
    /// gRPC over HTTP/2.
    Grpc,
}

impl Protocol {
    /// Whether a connection carries many requests at once.
    pub fn multiplexed(self) -> bool {
        !matches!(self, Protocol::Http1)
    }

    /// The name as written in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Http1 => "http1",
            Protocol::Http2 => "http2",
            Protocol::Grpc => "grpc",
        }
    }
}

/// A call's `connections` as given (checked ranges; `None`: the protocol's default).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Connections {
    /// Pool size per caller pod.
    pub pool: Option<u32>,
    /// Requests per connection.
    pub max_requests: Option<u32>,
    /// Age at which a connection takes no new requests.
    pub max_age: Option<SimDuration>,
    /// Idle time after which a connection is closed.
    pub idle_timeout: Option<SimDuration>,
    /// Whether the connections speak TLS.
    pub tls: Option<bool>,
    /// How long a new connection waits for a pod that does not answer.
    pub connect_timeout: Option<SimDuration>,
    /// HTTP/2 and gRPC: calls one connection carries at once.
    pub max_streams: Option<u32>,
}

/// A caller's connection pool for one call, resolved: kube-proxy picks a pod per connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectionPool {
    /// The target's protocol.
    pub protocol: Protocol,
    /// HTTP/1.1: idle connections kept per caller pod; HTTP/2: connections per caller pod.
    pub pool: u32,
    /// A connection closes after this many requests (`u32::MAX`: no limit).
    pub max_requests: u32,
    /// A connection takes no new request once this old (`None`: no limit).
    pub max_age: Option<SimDuration>,
    /// An idle connection closes after this long.
    pub idle_timeout: SimDuration,
    /// A new connection pays TLS 1.3's handshake (one round trip) after TCP's.
    pub tls: bool,
    /// A new connection to a pod that does not answer fails after this long.
    pub connect_timeout: SimDuration,
    /// HTTP/2 and gRPC: calls a connection carries at once (`u32::MAX`: no limit; 1 for
    /// HTTP/1.1). A call that finds every connection at it opens one more, beyond `pool`.
    pub max_streams: u32,
}

impl Scenario {
    /// The connection pool of call `call` of service `service`, if the call is balanced per
    /// connection: a service call whose target speaks HTTP/2 or gRPC, or that sets
    /// `connections`. `None`: a pod per request (the default for HTTP/1.1, and every egress
    /// call). Whether a `mesh` takes over is the model's business. Every call of `service` to
    /// the same target shares one pool per caller pod, with the settings of the first of them
    /// that sets `connections`.
    pub fn connection_pool(&self, service: usize, call: usize) -> Option<ConnectionPool> {
        let c = &self.services[service].calls[call];
        let CallTarget::Service(t) = c.target else {
            return None;
        };
        let protocol = self.services[t].protocol;
        if c.connections.is_none() && !protocol.multiplexed() {
            return None;
        }
        // One pool per caller pod and target service: the first call entry to the target
        // that sets `connections` gives its settings (the others' are not used).
        let first = self.services[service]
            .calls
            .iter()
            .find(|o| o.target == c.target && o.connections.is_some())
            .and_then(|o| o.connections);
        let given = first.unwrap_or_default();
        let (pool, idle, connect, streams) = match protocol {
            Protocol::Http1 => (
                d::HTTP1_POOL,
                d::HTTP_IDLE_TIMEOUT,
                d::HTTP_CONNECT_TIMEOUT,
                1,
            ),
            Protocol::Http2 => (
                d::HTTP2_POOL,
                d::HTTP_IDLE_TIMEOUT,
                d::HTTP_CONNECT_TIMEOUT,
                d::HTTP2_MAX_STREAMS,
            ),
            Protocol::Grpc => (
                d::HTTP2_POOL,
                d::GRPC_IDLE_TIMEOUT,
                d::GRPC_CONNECT_TIMEOUT,
                d::GRPC_MAX_STREAMS,
            ),
        };
        Some(ConnectionPool {
            protocol,
            pool: given.pool.unwrap_or(pool),
            max_requests: given.max_requests.unwrap_or(u32::MAX),
            max_age: given.max_age,
            idle_timeout: given.idle_timeout.unwrap_or(idle),
            tls: given.tls.unwrap_or(d::CLUSTER_CONNECTION_TLS),
            connect_timeout: given.connect_timeout.unwrap_or(connect),
            max_streams: if protocol.multiplexed() {
                given.max_streams.unwrap_or(streams)
            } else {
                1
            },
        })
    }
}
