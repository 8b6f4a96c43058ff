//! East-west retries in an Istio mesh: a call whose connection fails (a crashed pod resets it)
//! is retried by the client sidecar on another pod, so the caller never sees the failure; with
//! `mesh_retries = 0` the same crash fails calls.
//!
//! Release mode; fixed seed (2, 3 and 4 were also checked once); one replication each.

use trafsim::model::{ErrorCause, simulate};
use trafsim::scenario::parse;

const SEED: u64 = 1;

/// `web` calls `orders` (4 pods); one `orders` pod crashes at 30 s and restarts. The gateway
/// does not retry, so what the clients see is what the east-west call returned.
fn scenario(mesh_retries: u32) -> String {
    format!(
        r#"
[simulation]
duration = "90s"
warmup = "10s"
replications = 1
seed = {SEED}
[clients]
rate = 400
timeout = "5s"
[network]
zones = ["1"]
[ingress]
kind = "istio"
instances = {{ "1" = 2 }}
concurrency = 50
retries = 0
mesh = true
mesh_retries = {mesh_retries}
[[services]]
name = "web"
pods = {{ "1" = 2 }}
concurrency = 100
service_time = "2ms"
calls = [{{ service = "orders", timeout = "2s" }}]
[[services]]
name = "orders"
pods = {{ "1" = 4 }}
concurrency = 100
service_time = "5ms"
[[faults]]
kind = "pod-crash"
service = "orders"
count = 1
at = "30s"
"#
    )
}

#[test]
fn the_sidecar_retries_a_reset_call_on_another_pod() {
    let without = simulate(&parse(&scenario(0), "no-retries.toml").unwrap(), 0);
    let dead = without.failed[ErrorCause::DeadBackend as usize];
    assert!(
        dead > 20,
        "the crash should fail calls without retries, failed {dead}"
    );
    assert_eq!(without.mesh_retries, 0);

    let with = simulate(&parse(&scenario(2), "retries.toml").unwrap(), 0);
    assert_eq!(
        with.failed_total(),
        0,
        "every reset call found a live pod on its retry: {:?}",
        with.failed
    );
    // Calls still hit the crashed pod (least-request even favours it: nothing is in flight
    // there), and each hit was retried.
    assert!(with.mesh_retries > 0, "no retries were made");
}

#[test]
fn mesh_retries_need_the_mesh() {
    let text = scenario(2).replace("mesh = true\n", "");
    let e = parse(&text, "bad.toml").unwrap_err().to_string();
    assert!(
        e.contains("ingress.mesh_retries: applies only with `mesh = true`"),
        "{e}"
    );
}
