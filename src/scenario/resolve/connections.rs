//! `protocol` on a service and `connections` on a call: names to the checked types, ranges
//! checked; a call to an external destination has no `connections` here (its connections are
//! the destination's `connection_reuse` and `keep_alive`).

use crate::scenario::context::Cx;
use crate::scenario::locate::FieldPath;
use crate::scenario::raw::{ConnectionsTable, ProtocolName};
use crate::scenario::units::HumanDuration;
use crate::scenario::{CallTarget, Connections, Protocol};

/// A service's `protocol` (default HTTP/1.1).
pub(super) fn protocol(name: Option<ProtocolName>) -> Protocol {
    match name {
        None | Some(ProtocolName::Http1) => Protocol::Http1,
        Some(ProtocolName::Http2) => Protocol::Http2,
        Some(ProtocolName::Grpc) => Protocol::Grpc,
    }
}

/// A call's `connections` (at `p`), checked: counts at least 1, durations above 0, and only
/// on a call to a service.
pub(super) fn connections(
    cx: &mut Cx<'_>,
    p: &FieldPath,
    table: Option<&ConnectionsTable>,
    target: CallTarget,
) -> Option<Connections> {
    let t = table?;
    let q = p.key("connections");
    if matches!(target, CallTarget::Destination(_)) {
        cx.error(
            &q,
            "applies to calls to a service only; for an external destination set its \
             `connection_reuse` and `keep_alive`",
        );
        return None;
    }
    let count = |cx: &mut Cx<'_>, key: &str, v: Option<u32>| {
        v.map(|n| cx.at_least(&q.key(key), Some(n), 1, 1))
    };
    let duration = |cx: &mut Cx<'_>, key: &str, v: Option<HumanDuration>| {
        v.map(|d| cx.positive(&q.key(key), Some(d), d.0))
    };
    Some(Connections {
        pool: count(cx, "pool", t.pool),
        max_requests: count(cx, "max_requests", t.max_requests),
        max_age: duration(cx, "max_age", t.max_age),
        idle_timeout: duration(cx, "idle_timeout", t.idle_timeout),
        tls: t.tls,
        connect_timeout: duration(cx, "connect_timeout", t.connect_timeout),
        max_streams: count(cx, "max_streams", t.max_streams),
    })
}
