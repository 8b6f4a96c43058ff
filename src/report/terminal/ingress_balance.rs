//! The terminal's ingress-balance line: with `[clients] connections` (the L4 load balancer
//! picks a replica per connection), the busiest ingress replica's share of the attempts
//! against an even share, the share on replicas added by scaling and the connections opened —
//! the per-pod balance line's counterpart for the gateway tier.

use std::fmt::Write;

use super::{count, est, num};
use crate::runner::IngressBalanceSummary;
use crate::stats::Estimate;

/// Writes the line, when the clients keep connections and the ingress has replicas.
pub(super) fn block(out: &mut String, balance: Option<&IngressBalanceSummary>) {
    let Some(b) = balance.filter(|b| b.per_connection) else {
        return;
    };
    let even = if b.replicas.mean > 0.0 {
        format!("{:.1}%", 100.0 / b.replicas.mean)
    } else {
        "n/a".to_string()
    };
    // A fixed count reads "16", not "16.0 ±0.0"; no scaling: no clause on added replicas.
    let replicas = if b.replicas.half_width == 0.0 {
        num(b.replicas.mean)
    } else {
        est(&b.replicas, 1.0)
    };
    let added = if b.added_share.n > 0 && b.added_share.mean > 0.0 {
        format!(", {} on replicas added by scaling", percent(&b.added_share))
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "ingress balance: busiest of {replicas} replicas took {} of the attempts (even: {even}){added}, {} client connections opened",
        percent(&b.busiest_share),
        count(b.connections_opened)
    );
}

/// A share as "25.8 ±0.4%", or "n/a" with no data.
fn percent(e: &Estimate) -> String {
    if e.n == 0 {
        "n/a".to_string()
    } else {
        format!("{}%", est(e, 100.0))
    }
}
