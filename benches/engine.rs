//! Kernel benchmark: the engine alone on M/M/c (c = 4, ρ = 0.8), against the simplest possible
//! hand-written loop for the same model (a `BinaryHeap` of (time, event) and nothing else), so
//! that the engine's overhead is a ratio measured in one run.
//!
//! Criterion's throughput line (`thrpt: … elem/s`) is events per second: one element is one
//! event popped from the calendar (an arrival or a departure).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::Rng;
use rand_distr::{Distribution, Exp1};
use trafsim::engine::{
    ArrivalProcess, Dist, NetworkSpec, SimDuration, SourceSpec, StationSpec, simulate, stream,
};

const SERVERS: u32 = 4;
const MU: f64 = 100.0; // per server, per second
const LAMBDA: f64 = 0.8 * MU * SERVERS as f64;
const SECS: u64 = 200;

fn spec() -> NetworkSpec {
    NetworkSpec {
        stations: vec![StationSpec {
            servers: SERVERS,
            limit: None,
            service: Dist::exponential(SimDuration::from_secs_f64(1.0 / MU)).unwrap(),
            routes: vec![],
        }],
        sources: vec![SourceSpec {
            arrivals: ArrivalProcess::Poisson(LAMBDA),
            station: 0,
        }],
        duration: SimDuration::from_secs(SECS),
        warmup: SimDuration::from_secs(SECS / 10),
    }
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    Arrival,
    Departure,
}

/// The baseline: a heap of (time, event), a busy count and a waiting count. Returns events
/// processed.
fn baseline(seed: u64) -> u64 {
    let mut rng = stream(seed, 0, 0);
    let end = SECS * 1_000_000_000;
    let exp_ns = |rng: &mut trafsim::engine::StreamRng, rate: f64| -> u64 {
        let e: f64 = Exp1.sample(rng);
        (e / rate * 1e9) as u64
    };
    let mut heap = BinaryHeap::new();
    heap.push(Reverse((exp_ns(&mut rng, LAMBDA), Ev::Arrival)));
    let (mut busy, mut waiting, mut events) = (0u32, 0u64, 0u64);
    while let Some(Reverse((t, ev))) = heap.pop() {
        if t >= end {
            break;
        }
        events += 1;
        match ev {
            Ev::Arrival => {
                heap.push(Reverse((t + exp_ns(&mut rng, LAMBDA), Ev::Arrival)));
                if busy < SERVERS {
                    busy += 1;
                    heap.push(Reverse((t + exp_ns(&mut rng, MU), Ev::Departure)));
                } else {
                    waiting += 1;
                }
            }
            Ev::Departure => {
                if waiting > 0 {
                    waiting -= 1;
                    heap.push(Reverse((t + exp_ns(&mut rng, MU), Ev::Departure)));
                } else {
                    busy -= 1;
                }
            }
        }
    }
    let _: f64 = rng.random();
    events
}

fn bench(c: &mut Criterion) {
    let spec = spec();
    let engine_events = simulate(&spec, 1, 0).events;
    let base_events = baseline(1);
    let mut g = c.benchmark_group("mmc_c4_rho0.8");
    g.sample_size(20);
    g.throughput(Throughput::Elements(engine_events));
    g.bench_function("engine", |b| {
        b.iter(|| black_box(simulate(black_box(&spec), 1, 0).events))
    });
    g.throughput(Throughput::Elements(base_events));
    g.bench_function("baseline_binaryheap", |b| {
        b.iter(|| black_box(baseline(black_box(1))))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
