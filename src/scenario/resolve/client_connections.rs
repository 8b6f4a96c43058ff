//! `[clients] connections`: the clients' long-lived connections to the ingress front, checked
//! (a count in range, limits above 0, no `new_tls_connection_share` beside it: with
//! connections, which attempts open a TLS connection follows from them).

use crate::scenario::ClientConnections;
use crate::scenario::context::Cx;
use crate::scenario::limits::{CLIENT_CONNECTIONS_WHY, MAX_CLIENT_CONNECTIONS};
use crate::scenario::locate::FieldPath;
use crate::scenario::raw::{ClientsTable, WhenFullName};

/// `[clients] connections` (at `p`, the `[clients]` table's path), if given.
pub(super) fn resolve(
    cx: &mut Cx<'_>,
    p: &FieldPath,
    t: &ClientsTable,
) -> Option<ClientConnections> {
    let c = t.connections.as_ref()?;
    let q = p.key("connections");
    if t.new_tls_connection_share.is_some() {
        cx.error(
            &p.key("new_tls_connection_share"),
            "does not apply with `connections`: an attempt then opens a new TLS connection \
             exactly when its connection (re)opens; leave one of the two out",
        );
    }
    let count = match c.count {
        None => {
            cx.error(
                &q,
                "needs `count`, the connections the clients keep open (1 to 1,000,000), \
                 such as { count = 8 }",
            );
            1
        }
        Some(n) => {
            let n = cx
                .at_most(
                    &q.key("count"),
                    Some(n),
                    MAX_CLIENT_CONNECTIONS,
                    CLIENT_CONNECTIONS_WHY,
                )
                .unwrap_or(1);
            cx.at_least(&q.key("count"), Some(n), 1, 1)
        }
    };
    let duration = |cx: &mut Cx<'_>, key: &str, v| {
        Option::map(v, |d: crate::scenario::units::HumanDuration| {
            cx.positive(&q.key(key), Some(d), d.0)
        })
    };
    let protocol = super::connections::protocol(c.protocol);
    let wait_when_full = c.when_full == Some(WhenFullName::Wait);
    if c.when_full.is_some() && protocol.multiplexed() {
        cx.error(
            &q.key("when_full"),
            "applies to `protocol = \"http1\"` only: an HTTP/2 or gRPC attempt rides one of \
             the `count` connections however busy it is; leave it out",
        );
    }
    Some(ClientConnections {
        count,
        protocol,
        wait_when_full,
        max_requests: c
            .max_requests
            .map(|n| cx.at_least(&q.key("max_requests"), Some(n), 1, 1)),
        max_age: duration(cx, "max_age", c.max_age),
        idle_timeout: duration(cx, "idle_timeout", c.idle_timeout),
    })
}
