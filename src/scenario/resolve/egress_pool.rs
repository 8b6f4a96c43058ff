//! A destination's `pool`, resolved: limits and timers with .NET `SocketsHttpHandler`'s
//! defaults, and the refusal of `pool` beside the older `connection_reuse`/`keep_alive`
//! shorthand (two models of the same connections).

use crate::scenario::EgressPool;
use crate::scenario::context::Cx;
use crate::scenario::defaults as d;
use crate::scenario::locate::FieldPath;
use crate::scenario::raw::DestinationTable;

/// The destination's pool (`None` without `pool`); `p` is the destination's path.
pub(super) fn pool(cx: &mut Cx<'_>, p: &FieldPath, t: &DestinationTable) -> Option<EgressPool> {
    let pt = t.pool.as_ref()?;
    for (key, given) in [
        ("connection_reuse", t.connection_reuse.is_some()),
        ("keep_alive", t.keep_alive.is_some()),
    ] {
        if given {
            cx.error(
                &p.key(key),
                format!(
                    "give `pool` (each pod's connection pool, the explicit model) or \
                     `{key}` (a share of calls on open connections), not both; with `pool`, \
                     reuse follows from the pool and an idle connection closes after \
                     `pool.idle_timeout`"
                ),
            );
        }
    }
    let pp = p.key("pool");
    let max_connections = cx.at_least(
        &pp.key("max_connections"),
        pt.max_connections,
        1,
        d::POOL_MAX_CONNECTIONS,
    );
    Some(EgressPool {
        max_connections,
        max_idle: pt.max_idle.unwrap_or(d::POOL_MAX_IDLE),
        idle_timeout: cx.positive(
            &pp.key("idle_timeout"),
            pt.idle_timeout,
            d::POOL_IDLE_TIMEOUT,
        ),
        max_lifetime: match pt.max_lifetime {
            Some(h) => Some(cx.positive(&pp.key("max_lifetime"), Some(h), d::POOL_IDLE_TIMEOUT)),
            None => d::POOL_MAX_LIFETIME,
        },
    })
}
