//! `pool` of an `[[egress.destinations]]` entry as written: each calling pod's HTTP client
//! pool of connections to the destination.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::scenario::units::HumanDuration;

/// `pool = { … }` on a destination: every pod keeps its own pool of connections to the
/// destination, and each open connection holds one SNAT port for as long as it is open (and
/// the port's cool-down after it closes). `pool = {}` takes .NET's `SocketsHttpHandler`
/// defaults. Give `pool` or `connection_reuse`/`keep_alive`, not both.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PoolTable {
    /// Most connections one pod keeps open to the destination, busy and idle together; a call
    /// that finds them all busy waits for one (until its timeout). Default: no limit (.NET
    /// `MaxConnectionsPerServer`; Go's `MaxConnsPerHost` 0).
    pub max_connections: Option<u32>,
    /// Most idle connections one pod keeps; a connection freed beyond that closes at once (0:
    /// every connection closes after its call). Default: no limit (.NET); Go's
    /// `MaxIdleConnsPerHost` is 2.
    pub max_idle: Option<u32>,
    /// How long a connection may sit idle in the pool before the pod closes it (FIN). Default:
    /// "60s" (.NET 6+ `PooledConnectionIdleTimeout`); Go's `IdleConnTimeout` is 90 s.
    pub idle_timeout: Option<HumanDuration>,
    /// Age at which a connection is retired: closed when its call ends, or at once if idle.
    /// Default: none (.NET `PooledConnectionLifetime` infinite).
    pub max_lifetime: Option<HumanDuration>,
}
