//! The stability verdict of a CPU-bound service (issue 16, CPU): offered more CPU work than
//! its cores can do, the requests sharing its CPU pile up without bound, and the tier is
//! called unstable; below its cores it is not.
//!
//! Before, the verdict read the worker slots' waiting line, which a CPU-bound pod (10,000
//! slots) never has: an overloaded CPU-bound service was never unstable (the first case
//! failed). Seeds 2, 3 and 4 were also tried once by hand.

use trafsim::model::simulate;
use trafsim::scenario::parse;

/// One pod with one core, 10 ms of CPU per request (exponential), clients at `rate` with
/// no timeout to speak of.
fn run(rate: f64, seed: u64) -> trafsim::model::TierResult {
    let text = format!(
        r#"
[simulation]
duration = "60s"
warmup = "5s"
replications = 1
seed = {seed}
[clients]
rate = {rate}
timeout = "1h"
retries = {{ attempts = 0 }}
[network]
zones = ["1"]
[ingress]
kind = "none"
[[services]]
name = "server"
pods = {{ "1" = 1 }}
cpu = {{ limit = "1" }}
service_time = {{ exponential = {{ mean = "10ms" }} }}
"#
    );
    let s = parse(&text, "cpu-stability.toml").unwrap();
    simulate(&s, 0).tiers.remove(0)
}

#[test]
fn an_overloaded_cpu_is_unstable_and_a_busy_one_is_not() {
    for seed in [1, 2] {
        // 1.5 cores of work on 1 core: the requests sharing it grow by ~50 a second.
        let over = run(150.0, seed);
        let rho = over.offered_load.unwrap();
        assert!((rho - 1.5).abs() < 0.1, "offered load {rho}");
        assert!(over.unstable, "{over:?}");
        assert!(over.queue_end > over.queue_mid + 500.0, "{over:?}");
        // Half a core: busy, stable.
        let busy = run(50.0, seed);
        assert!((busy.offered_load.unwrap() - 0.5).abs() < 0.05);
        assert!(!busy.unstable, "{busy:?}");
    }
}
