//! The terminal's line on the proxies' connections to pods: per tier with keep-alive pools
//! (the L7 gateway's, the mesh's), the share of tries that opened a new connection — a result
//! of the pools, where it used to be an input.

use std::fmt::Write;

use super::est;
use crate::runner::UpstreamConnectionsSummary;

/// Writes the line, when some tier keeps pools.
pub(super) fn block(out: &mut String, tiers: &[UpstreamConnectionsSummary]) {
    let parts: Vec<String> = tiers
        .iter()
        .map(|t| {
            format!(
                "{} {}% new ({} opened)",
                t.tier,
                est(&t.new_connection_share, 100.0),
                t.new_connections
            )
        })
        .collect();
    if !parts.is_empty() {
        let _ = writeln!(out, "connections to pods: {}", parts.join(", "));
    }
}
