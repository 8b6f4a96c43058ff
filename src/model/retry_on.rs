//! Which failures Istio's default retry policy retries — one rule for the ingress gateway's
//! retries (`flow`) and the mesh sidecars' east-west retries (`mesh_retry`).
//!
//! Istio's default `retryOn` is `connect-failure,refused-stream,unavailable,cancelled,
//! retriable-status-codes` (istio.io, VirtualService `HTTPRetry`); since Istio 1.24 the
//! retriable status codes no longer hold the unsafe 503 (`EXCLUDE_UNSAFE_503_FROM_DEFAULT_RETRY`,
//! facts §10). In trafsim's causes that leaves one: a connection that could not be made or was
//! refused ([`ErrorCause::DeadBackend`]). Not retried:
//! - a 503 from a full pod ([`ErrorCause::Rejected`]) or any other 5xx ([`ErrorCause::Upstream`]):
//!   only `5xx`, `gateway-error` or `retriable-status-codes` with 503 would;
//! - a per-try timeout ([`ErrorCause::Timeout`]): Envoy retries a per-try timeout only when
//!   `retry_on` holds `5xx`, `gateway-error` or `reset` (Envoy docs, `x-envoy-retry-on`: "5xx …
//!   or does not respond at all (disconnect/reset/read timeout)"; `reset` likewise), none of
//!   which is in Istio's default;
//! - no endpoint at all ([`ErrorCause::NoBackend`]): Envoy answers 503 itself, nothing to retry.

use super::result::ErrorCause;

/// Whether Istio's default `retryOn` retries a try that failed with `cause`.
pub(super) fn istio_default_retries(cause: ErrorCause) -> bool {
    matches!(cause, ErrorCause::DeadBackend)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_connection_failures_are_retried() {
        for cause in ErrorCause::ALL {
            assert_eq!(
                istio_default_retries(cause),
                cause == ErrorCause::DeadBackend,
                "{cause:?}"
            );
        }
    }
}
