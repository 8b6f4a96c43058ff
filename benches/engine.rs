//! Kernel benchmark: the engine alone on M/M/c (c = 4, ρ = 0.8), against the simplest possible
//! hand-written loop for the same model (a `BinaryHeap` of (time, event) and nothing else), so
//! that the engine's overhead is a ratio measured in one run. The two do not do the same work:
//! the engine also keeps each job's times, a FIFO line, the time-weighted busy servers and queue
//! length, and records every customer's wait and response in histograms; the loop measures
//! nothing.
//!
//! Criterion's throughput line (`thrpt: … elem/s`) is events per second: one element is one
//! event popped from the calendar (an arrival or a departure).
//!
//! The M/M/c calendar holds about five events; real scenarios hold 10^4–10^6. The `hold`
//! groups measure the calendar alone at those sizes with the classic hold model: the calendar
//! is filled with `n` events, then each step pops the earliest and schedules one an
//! exponential time later, so the size stays `n`. The baseline is a `BinaryHeap` of
//! (time, sequence, event) — the same FIFO tie-break. One element is one pop + schedule.
//!
//! At the end the bench prints one `RATIO` line per comparison (engine / baseline, medians of
//! runs timed alternately in this run): the figures the README's Performance table quotes.

mod common;

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use rand::Rng;
use rand_distr::{Distribution, Exp1};
use trafsim::engine::{
    ArrivalProcess, Calendar, Dist, NetworkSpec, SimDuration, SimTime, SourceSpec, StationSpec,
    simulate, stream,
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

/// Hold-model steps per measurement.
const HOLD_STEPS: u64 = 1_000_000;

/// Mean time between an event and the one it schedules, in ns (any positive value: the
/// calendar's work depends on the size, not the scale).
const HOLD_MEAN_NS: f64 = 1e6;

/// Exponential delays in ns, precomputed so that both calendars see the same ones and the
/// random numbers cost neither.
fn hold_delays(count: usize) -> Vec<u64> {
    let mut rng = stream(7, 0, 0);
    (0..count)
        .map(|_| {
            let e: f64 = Exp1.sample(&mut rng);
            (e * HOLD_MEAN_NS) as u64 + 1
        })
        .collect()
}

/// trafsim's calendar filled with `n` events.
fn hold_engine_setup(n: usize, delays: &[u64]) -> Calendar<u64> {
    let mut cal = Calendar::new();
    for (i, &d) in delays.iter().take(n).enumerate() {
        cal.schedule(SimTime(d), i as u64);
    }
    cal
}

/// `steps` hold steps on `cal`; returns a checksum.
fn hold_engine(cal: &mut Calendar<u64>, delays: &[u64], steps: u64) -> u64 {
    let mut sum = 0u64;
    for i in 0..steps as usize {
        let (t, e) = cal.pop().expect("never empty");
        sum = sum.wrapping_add(e);
        cal.schedule(SimTime(t.0 + delays[i % delays.len()]), e);
    }
    sum
}

type BaselineHeap = BinaryHeap<Reverse<(u64, u64, u64)>>;

/// The baseline heap filled with `n` events.
fn hold_baseline_setup(n: usize, delays: &[u64]) -> (BaselineHeap, u64) {
    let mut heap = BinaryHeap::with_capacity(n);
    for (i, &d) in delays.iter().take(n).enumerate() {
        heap.push(Reverse((d, i as u64, i as u64)));
    }
    (heap, n as u64)
}

/// `steps` hold steps on the baseline heap; returns a checksum.
fn hold_baseline((heap, seq): &mut (BaselineHeap, u64), delays: &[u64], steps: u64) -> u64 {
    let mut sum = 0u64;
    for i in 0..steps as usize {
        let Reverse((t, _, e)) = heap.pop().expect("never empty");
        sum = sum.wrapping_add(e);
        heap.push(Reverse((t + delays[i % delays.len()], *seq, e)));
        *seq += 1;
    }
    sum
}

/// The calendar sizes of the `hold` groups.
const HOLD_SIZES: [usize; 3] = [10_000, 100_000, 1_000_000];

fn bench_hold(c: &mut Criterion) {
    let delays = hold_delays(HOLD_SIZES[2] + 1);
    for n in HOLD_SIZES {
        let mut g = c.benchmark_group(format!("hold_{n}"));
        g.sample_size(10);
        g.throughput(Throughput::Elements(HOLD_STEPS));
        g.bench_function("engine", |b| {
            b.iter_batched_ref(
                || hold_engine_setup(n, &delays),
                |cal| hold_engine(cal, &delays, HOLD_STEPS),
                BatchSize::LargeInput,
            )
        });
        g.bench_function("baseline_binaryheap", |b| {
            b.iter_batched_ref(
                || hold_baseline_setup(n, &delays),
                |heap| hold_baseline(heap, &delays, HOLD_STEPS),
                BatchSize::LargeInput,
            )
        });
        g.finish();
    }
}

/// Runs of the M/M/c model per timed round of its `RATIO` line: one run is about 128,000
/// events (a few milliseconds), too short to time on a shared machine.
const MMC_RUNS: u64 = 16;

/// The `RATIO` lines: M/M/c (each side [`MMC_RUNS`] runs, replications or seeds 0, 1, …) and
/// each hold size, engine against baseline.
fn summary(_: &mut Criterion) {
    let spec = spec();
    common::print_ratio(
        "engine mmc_c4_rho0.8",
        "events",
        ("engine", || {
            common::timed(|| (0..MMC_RUNS).map(|r| simulate(&spec, 1, r).events).sum())
        }),
        ("baseline", || {
            common::timed(|| (0..MMC_RUNS).map(|r| baseline(1 + r)).sum())
        }),
    );
    let delays = hold_delays(HOLD_SIZES[2] + 1);
    for n in HOLD_SIZES {
        common::print_ratio(
            &format!("calendar hold {n} pending"),
            "steps",
            ("engine", || {
                let mut cal = hold_engine_setup(n, &delays);
                common::timed(|| {
                    hold_engine(&mut cal, &delays, HOLD_STEPS);
                    HOLD_STEPS
                })
            }),
            ("baseline", || {
                let mut heap = hold_baseline_setup(n, &delays);
                common::timed(|| {
                    hold_baseline(&mut heap, &delays, HOLD_STEPS);
                    HOLD_STEPS
                })
            }),
        );
    }
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

criterion_group!(benches, bench, bench_hold, summary);
criterion_main!(benches);
