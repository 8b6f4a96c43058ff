//! Whole-pipeline benchmark: `scenarios/mmc.toml` (M/M/4 at ρ = 0.8, 20 simulated minutes) as
//! `trafsim run --replications 1 --threads 1` runs it — the runner's
//! [`summarise_replications_within_budget`] in a one-thread pool: model, statistics, time
//! series and the summary, everything but writing files — against a bare `BinaryHeap` loop
//! doing the same model (Poisson arrivals, four servers sharing one FIFO line, exponential
//! service) and nothing else.
//!
//! Criterion's throughput line (`thrpt: … elem/s`) is customers per second: one element is one
//! client request. At the end the bench prints a `RATIO` line (pipeline / bare loop, medians
//! of runs timed alternately in this run), the figure the README's Performance table quotes.

mod common;

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand_distr::{Distribution, Exp1};
use trafsim::engine::{SimDuration, stream};
use trafsim::runner::summarise_replications_within_budget;
use trafsim::scenario::Scenario;

/// Arrival rate (per second), servers and service rate per server of `mmc.toml`.
const LAMBDA: f64 = 320.0;
const SERVERS: u32 = 4;
const MU: f64 = 100.0;

/// `mmc.toml` with one replication and no warm-up (so every customer is offered and counted;
/// a warm-up costs the same work but leaves its customers out of the count).
fn scenario() -> Scenario {
    let mut s = trafsim::scenario::load(Path::new("scenarios/mmc.toml")).expect("mmc.toml loads");
    s.simulation.replications = 1;
    s.simulation.warmup = SimDuration::ZERO;
    s
}

/// The CLI's path for one replication on one thread; returns the customers offered.
fn pipeline(s: &Scenario, pool: &rayon::ThreadPool) -> u64 {
    let summary = pool
        .install(|| summarise_replications_within_budget(s, 0..1, &|_| {}))
        .expect("no memory budget is reached");
    summary.requests.offered
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    Arrival,
    Departure,
}

/// The bare loop: a heap of (time, event), a busy count and a FIFO line of arrival times (to
/// know each customer's response time, the one figure any simulation of it must produce —
/// summed, so the compiler keeps it). Returns the customers that arrived.
fn bare_loop(seed: u64, secs: u64) -> u64 {
    let mut rng = stream(seed, 0, 0);
    let end = secs * 1_000_000_000;
    let exp_ns = |rng: &mut trafsim::engine::StreamRng, rate: f64| -> u64 {
        let e: f64 = Exp1.sample(rng);
        (e / rate * 1e9) as u64
    };
    let mut heap = BinaryHeap::new();
    heap.push(Reverse((exp_ns(&mut rng, LAMBDA), Ev::Arrival, 0u64)));
    let mut line = std::collections::VecDeque::new();
    let (mut busy, mut customers, mut total_ns) = (0u32, 0u64, 0u64);
    while let Some(Reverse((t, ev, born))) = heap.pop() {
        if t >= end {
            break;
        }
        match ev {
            Ev::Arrival => {
                customers += 1;
                heap.push(Reverse((t + exp_ns(&mut rng, LAMBDA), Ev::Arrival, 0)));
                if busy < SERVERS {
                    busy += 1;
                    heap.push(Reverse((t + exp_ns(&mut rng, MU), Ev::Departure, t)));
                } else {
                    line.push_back(t);
                }
            }
            Ev::Departure => {
                total_ns = total_ns.wrapping_add(t - born);
                if let Some(b) = line.pop_front() {
                    heap.push(Reverse((t + exp_ns(&mut rng, MU), Ev::Departure, b)));
                } else {
                    busy -= 1;
                }
            }
        }
    }
    black_box(total_ns);
    customers
}

fn bench(c: &mut Criterion) {
    let s = scenario();
    let secs = s.simulation.duration.as_secs_f64() as u64;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a one-thread pool");
    let customers = pipeline(&s, &pool);
    let bare = bare_loop(1, secs);
    eprintln!("mmc: {customers} customers through the pipeline, {bare} through the bare loop");
    let mut g = c.benchmark_group("mmc_pipeline");
    g.sample_size(10);
    g.throughput(Throughput::Elements(customers));
    g.bench_function("cli_run_1rep_1thread", |b| {
        b.iter(|| black_box(pipeline(black_box(&s), &pool)))
    });
    g.throughput(Throughput::Elements(bare));
    g.bench_function("bare_binaryheap", |b| {
        b.iter(|| black_box(bare_loop(black_box(1), secs)))
    });
    g.finish();
    common::print_ratio(
        "pipeline mmc M/M/4 rho 0.8",
        "customers",
        ("pipeline", || common::timed(|| pipeline(&s, &pool))),
        ("bare", || common::timed(|| bare_loop(1, secs))),
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
