//! `[clients] connections`, checked: the clients' long-lived connections to the ingress front,
//! with the server's keep-alive limits filled in by ingress kind
//! ([`Scenario::client_connections`]).

use super::{IngressKind, Protocol, Scenario};
use crate::engine::SimDuration;
use crate::scenario::defaults as d;

/// `[clients] connections` as given (checked ranges; `None`: the default).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientConnections {
    /// Connections the clients hold (at least 1).
    pub count: u32,
    /// What they speak.
    pub protocol: Protocol,
    /// Requests per connection.
    pub max_requests: Option<u32>,
    /// Age at which a connection is closed.
    pub max_age: Option<SimDuration>,
    /// Idle time after which a connection is closed.
    pub idle_timeout: Option<SimDuration>,
    /// HTTP/1.1: an attempt that finds every connection busy waits for one (`when_full =
    /// "wait"`) instead of opening one more.
    pub wait_when_full: bool,
}

/// The clients' connections, resolved: the file's values, else the limits of the server side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientConnectionSpec {
    /// Connections the clients hold.
    pub count: u32,
    /// What they speak (HTTP/1.1: one request at a time per connection).
    pub protocol: Protocol,
    /// A connection closes after this many requests (`u32::MAX`: no limit).
    pub max_requests: u32,
    /// A connection closes once this old (`None`: no limit).
    pub max_age: Option<SimDuration>,
    /// An idle connection closes after this long.
    pub idle_timeout: SimDuration,
    /// HTTP/1.1: an attempt that finds every connection busy waits for one to come free,
    /// first come first served, instead of opening one more.
    pub wait_when_full: bool,
}

impl Scenario {
    /// The clients' long-lived connections, if `[clients] connections` is set: its values, the
    /// rest from the ingress kind's keep-alive limits and the Azure Load Balancer's TCP idle
    /// timeout (see `defaults`).
    pub fn client_connections(&self) -> Option<ClientConnectionSpec> {
        let c = self.clients.connections?;
        let multiplexed = c.protocol.multiplexed();
        let (requests, idle) = match &self.ingress.kind {
            IngressKind::Nginx(_) => (
                if multiplexed {
                    d::NGINX_HTTP2_MAX_REQUESTS
                } else {
                    d::NGINX_KEEP_ALIVE_REQUESTS
                },
                d::NGINX_CLIENT_KEEP_ALIVE.min(d::LB_TCP_IDLE_TIMEOUT),
            ),
            IngressKind::Istio(_) => (
                u32::MAX,
                d::ENVOY_DOWNSTREAM_IDLE_TIMEOUT.min(d::LB_TCP_IDLE_TIMEOUT),
            ),
            IngressKind::AppGateway(_) => (u32::MAX, d::APP_GATEWAY_CLIENT_IDLE_TIMEOUT),
            IngressKind::LoadBalancer | IngressKind::None => (u32::MAX, d::LB_TCP_IDLE_TIMEOUT),
        };
        Some(ClientConnectionSpec {
            count: c.count,
            protocol: c.protocol,
            max_requests: c.max_requests.unwrap_or(requests),
            max_age: c.max_age,
            idle_timeout: c.idle_timeout.unwrap_or(idle),
            wait_when_full: c.wait_when_full,
        })
    }
}
