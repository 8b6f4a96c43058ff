//! The terminal's per-pod balance line: for each service that a call reaches per connection
//! (HTTP/2, gRPC, or `connections` on a call), how much busier its busiest pod was than the
//! mean pod and how many pods got nothing — a pinned service at a glance.

use std::fmt::Write;

use super::est;
use crate::runner::PodBalanceSummary;

/// Writes the line, when some service is reached per connection.
pub(super) fn block(out: &mut String, balance: &[PodBalanceSummary]) {
    let parts: Vec<String> = balance
        .iter()
        .filter(|b| b.per_connection)
        .map(|b| {
            let ratio = if b.max_over_mean.n == 0 {
                "n/a".to_string()
            } else {
                format!("{}×", est(&b.max_over_mean, 1.0))
            };
            format!(
                "{} busiest {ratio} the mean, {} of {} pods idle",
                b.service,
                est(&b.idle_pods, 1.0),
                est(&b.pods, 1.0)
            )
        })
        .collect();
    if !parts.is_empty() {
        let _ = writeln!(out, "per-pod balance: {}", parts.join("; "));
    }
}
