//! `[clients] connections`, as written: the clients' long-lived connections to the ingress
//! front (see `model::client_conn`).

use schemars::JsonSchema;
use serde::Deserialize;

use super::ProtocolName;
use crate::scenario::units::HumanDuration;

/// `when_full`: what an HTTP/1.1 attempt does when every connection is busy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum WhenFullName {
    /// Open one more connection, closed after its request.
    Open,
    /// Wait for a connection to come free.
    Wait,
}

/// `connections`: the client population holds `count` keep-alive connections to the ingress,
/// and every attempt rides one of them; the load balancer in front picks the connection's
/// replica (or pod, for `load-balancer`) when it opens. Absent: every attempt is balanced on
/// its own.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a table such as { count = 8, protocol = \"http2\", max_age = \"5m\" }"
)]
pub(crate) struct ClientConnectionsTable {
    /// Connections the clients keep open (1 to 1,000,000). Required.
    #[schemars(range(min = 1, max = 1_000_000))]
    pub count: Option<u32>,
    /// "http1": a connection carries one request at a time (an attempt with every connection
    /// busy opens one more, closed after its request, unless `when_full = "wait"`); "http2" or
    /// "grpc": every attempt rides one of the `count` connections at once. Default: "http1".
    pub protocol: Option<ProtocolName>,
    /// HTTP/1.1: what an attempt does when every one of the `count` connections carries a
    /// request: "open" one more for it (Go's `net/http` with `MaxConnsPerHost` 0) or "wait"
    /// for one to come free, first come first served, until the client's timeout (a browser's
    /// 6 connections per host; Go with `MaxConnsPerHost` set). Default: "open".
    pub when_full: Option<WhenFullName>,
    /// A connection closes after this many requests and is reopened (to a replica picked
    /// anew), at least 1. Default: the server's limit — ingress-nginx `keep-alive-requests`
    /// 100 (HTTP/1.1) or `http2-max-requests` 1000 (HTTP/2); none for the others.
    #[schemars(range(min = 1))]
    pub max_requests: Option<u32>,
    /// A connection closes once this old and is reopened. Default: no limit.
    pub max_age: Option<HumanDuration>,
    /// A connection idle this long is closed (the next attempt on it reopens it). Default:
    /// the shorter of the server's keep-alive and the Azure Load Balancer's 4-minute TCP idle
    /// timeout — "75s" for NGINX, "4m" for Istio (Envoy's 1 h), `load-balancer` and App
    /// Gateway (an estimate for App Gateway).
    pub idle_timeout: Option<HumanDuration>,
}
