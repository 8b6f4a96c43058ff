//! The protocol a service speaks (`protocol` on `[[services]]`) and a caller's connection pool
//! for one call (`connections` on a call), as written.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::scenario::units::HumanDuration;

/// `protocol`: what the service's callers speak to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum ProtocolName {
    /// HTTP/1.1: a connection carries one request at a time.
    Http1,
    /// HTTP/2: one connection carries all of a caller's requests at once.
    Http2,
    /// gRPC (HTTP/2): one connection per caller pod, all its calls multiplexed on it.
    Grpc,
}

/// `connections`: the caller's keep-alive connections for this call, one pool per caller pod.
/// Without a `mesh` such a call goes through kube-proxy, which picks the pod when a connection
/// opens, and every request on that connection goes to that pod.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a table such as { pool = 1, max_age = \"30s\" }"
)]
pub(crate) struct ConnectionsTable {
    /// HTTP/1.1: idle connections each caller pod keeps (a request with none idle opens one;
    /// one beyond this closes after its request), at least 1. Default: 2 (Go `net/http`
    /// `DefaultMaxIdleConnsPerHost`). HTTP/2 and gRPC: connections per caller pod, requests
    /// going to the least busy. Default: 1 (one channel, one connection).
    pub pool: Option<u32>,
    /// A connection closes after this many requests (the next request opens a new one, to a
    /// pod picked anew), at least 1. Default: no limit.
    pub max_requests: Option<u32>,
    /// A connection takes no new requests once this old (gRPC's server-side
    /// `MaxConnectionAge`, a GOAWAY). Default: no limit (grpc-go's default is infinite).
    pub max_age: Option<HumanDuration>,
    /// A connection idle this long is closed. Default: "90s" (Go `net/http`
    /// `IdleConnTimeout`) for HTTP/1.1 and HTTP/2; "30m" for gRPC (grpc-go channel idleness).
    pub idle_timeout: Option<HumanDuration>,
    /// Whether the caller speaks TLS on these connections: a new connection then pays the TLS
    /// 1.3 handshake (one more round trip) after TCP's. Default: false (plain HTTP inside the
    /// cluster; with a `mesh` the sidecars' mTLS replaces the pool).
    pub tls: Option<bool>,
    /// A new connection to a pod that does not answer (a black hole) fails after this long, a
    /// connection error; a request on an open connection to it hangs until the call's
    /// timeout. Default: "30s" for HTTP/1.1 and HTTP/2 (Go `http.DefaultTransport`'s
    /// `net.Dialer` `Timeout`), "20s" for gRPC (gRPC's `MIN_CONNECT_TIMEOUT`).
    pub connect_timeout: Option<HumanDuration>,
    /// HTTP/2 and gRPC: the server's SETTINGS_MAX_CONCURRENT_STREAMS, the calls one connection
    /// carries at once, at least 1. A call that finds every connection of the pool at this
    /// limit opens another connection, beyond `pool` (Go's HTTP/2 transport does, unless
    /// `StrictMaxConcurrentStreams`). Default: 250 for HTTP/2 (Go `net/http` server,
    /// `http2defaultMaxStreams`), no limit for gRPC (grpc-go server `MaxConcurrentStreams`
    /// default `math.MaxUint32`). Not for HTTP/1.1, which carries one call at a time.
    pub max_streams: Option<u32>,
}
