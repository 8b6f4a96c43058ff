//! No allocation on the node CPU's event path (`[network] node_cores`): a job starting or
//! ending on a pod re-shares its node's cores in buffers kept from one event to the next.
//!
//! A counting global allocator counts the allocations made on this test's thread. Two runs of
//! the same saturated node (same duration, so the same windows) differ only in their request
//! rate; the extra allocations per extra request are what each request's CPU events cost.
//! Before, every CPU event (two per request at least: start and end) built a weight, a cap
//! and a share vector and the water-filling's working lists — four or five allocations, so
//! about ten per request; the bound below is 1 (and holds for node CPU off, the same path
//! without the sharing).
//!
//! One test in this file: a global allocator is process-wide (its counter here is per thread).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use trafsim::model::simulate;
use trafsim::scenario::parse;

/// The system allocator, counting the allocations of each thread.
struct Counting;

thread_local! {
    static COUNT: Cell<u64> = const { Cell::new(0) };
}

fn counted() {
    // `try_with`: the counter may be gone while a thread exits.
    let _ = COUNT.try_with(|c| c.set(c.get() + 1));
}

// SAFETY: every call is passed through to the system allocator unchanged; the counter only
// observes the calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        counted();
        // SAFETY: the caller's contract is the system allocator's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        counted();
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        counted();
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Allocations made by one replication of 4 CPU-bound pods (requests 500m and 1, two
/// services) on one 4-core node at `rate` requests/s of 5 ms each, and the requests offered.
fn allocations(rate: f64, node_cores: &str) -> (u64, u64) {
    let text = format!(
        r#"
[simulation]
duration = "60s"
warmup = "0s"
replications = 1
seed = 3
[clients]
rate = {rate}
new_tls_connection_share = 0
timeout = "1h"
retries = {{ attempts = 0 }}
latency = "0s"
routes = [{{ path = "/a", service = "a", share = 0.5 }}, {{ path = "/b", service = "b" }}]
[network]
zones = ["1"]
in_zone = "0s"
cross_zone = "0s"
nodes_per_zone = 1
{node_cores}
[ingress]
kind = "none"
[[services]]
name = "a"
pods = {{ "1" = 2 }}
service_time = {{ exponential = {{ mean = "5ms" }} }}
cpu = {{ request = "500m" }}
[[services]]
name = "b"
pods = {{ "1" = 2 }}
service_time = {{ exponential = {{ mean = "5ms" }} }}
cpu = {{ request = "1" }}
"#
    );
    let s = parse(&text, "alloc.toml").unwrap_or_else(|e| panic!("{e}\n{text}"));
    let before = COUNT.with(Cell::get);
    let r = simulate(&s, 0);
    (COUNT.with(Cell::get) - before, r.offered)
}

#[test]
fn a_cpu_event_allocates_nothing() {
    for cores in ["node_cores = 4", ""] {
        let (low, n_low) = allocations(100.0, cores);
        let (high, n_high) = allocations(400.0, cores);
        let per_request = (high as f64 - low as f64) / (n_high - n_low) as f64;
        eprintln!("{cores:?}: {low} / {n_low}, {high} / {n_high}: {per_request:.3} per request");
        assert!(
            per_request < 1.0,
            "{cores:?}: {per_request:.2} allocations per extra request"
        );
    }
}
