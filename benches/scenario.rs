//! Whole-scenario benchmark: one replication of each shipped ingress scenario, shortened to one
//! simulated minute, reporting client requests per second of wall time (criterion's
//! `elem/s`: one element is one client request).
//!
//! The `pods` group runs `ingress-istio.toml` (least-request balancing with locality priority
//! levels, the pick with the most work) with `web` at 10 pods and at 10,000 pods over the three
//! zones, the same load: the cost per request should not depend on the pod count. At the end
//! the bench prints a `RATIO` line and the µs per request of each.
//!
//! The `threads` comparison runs what `trafsim run` runs — the replications on a rayon pool,
//! summarised one at a time as they finish — for `zone-outage.toml` (its design, load and
//! eight replications, shortened to [`THREADS_MINUTES`] simulated minutes with its warm-up)
//! on a pool of two threads and on a pool of one, and prints their `RATIO` line: on a 2-core
//! machine, how close two threads come to twice the events/s of one (events of the whole run,
//! warm-up included: the summary's request counts leave the warm-up out).

mod common;

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use trafsim::engine::SimDuration;
use trafsim::model::simulate;
use trafsim::scenario::Scenario;

/// A shipped scenario shortened to `secs` simulated seconds, no warm-up, no faults.
fn shortened(name: &str, secs: u64) -> Scenario {
    let path = format!("scenarios/{name}.toml");
    let mut s = trafsim::scenario::load(Path::new(&path)).expect("shipped scenario loads");
    s.simulation.duration = SimDuration::from_secs(secs);
    s.simulation.warmup = SimDuration::ZERO;
    s.faults.clear();
    s
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("scenario_1min");
    g.sample_size(10);
    for name in ["ingress-app-gateway", "ingress-nginx", "ingress-istio"] {
        let s = shortened(name, 60);
        let first = simulate(&s, 0);
        g.throughput(Throughput::Elements(first.offered));
        eprintln!(
            "{name}: {} requests, {} events per replication",
            first.offered, first.events
        );
        g.bench_function(name, |b| {
            b.iter(|| black_box(simulate(black_box(&s), 0).events))
        });
    }
    g.finish();
}

/// `ingress-istio.toml` for 20 simulated seconds with `pods` pods of `web` spread over its
/// three zones.
fn with_pods(pods: u32) -> Scenario {
    let mut s = shortened("ingress-istio", 20);
    let zones = s.services[0].pods.len() as u32;
    s.services[0].pods = (0..zones)
        .map(|z| pods / zones + u32::from(z < pods % zones))
        .collect();
    s
}

/// Pod counts of the `pods` group.
const PODS: [u32; 2] = [10, 10_000];

fn bench_pods(c: &mut Criterion) {
    let mut g = c.benchmark_group("pods");
    g.sample_size(10);
    for pods in PODS {
        let s = with_pods(pods);
        let first = simulate(&s, 0);
        g.throughput(Throughput::Elements(first.offered));
        g.bench_function(format!("istio_web_{pods}_pods"), |b| {
            b.iter(|| black_box(simulate(black_box(&s), 0).events))
        });
    }
    g.finish();
    let (few, many) = (with_pods(PODS[0]), with_pods(PODS[1]));
    let run = |s: &Scenario| common::timed(|| simulate(s, 0).offered);
    let (a, b) = common::print_ratio(
        "pods 10000 vs 10 (istio web)",
        "requests",
        ("10000-pods", || run(&many)),
        ("10-pods", || run(&few)),
    );
    eprintln!(
        "RATIO pods µs per request: 10 pods {:.3}, 10000 pods {:.3}, 10000/10 = {:.2}",
        1e6 / b,
        1e6 / a,
        b / a
    );
}

/// Simulated minutes of each `zone-outage.toml` replication in the `threads` comparison (its
/// two-minute warm-up included): long enough that a replication is far more than the pool's
/// start-up, short enough for seven rounds of eight replications on each side.
const THREADS_MINUTES: u64 = 4;

/// `zone-outage.toml` at [`THREADS_MINUTES`] simulated minutes, its eight replications summarised
/// on a pool of 2 threads vs a pool of 1 (what `trafsim run --threads N` does).
fn bench_threads(_: &mut Criterion) {
    let mut s = trafsim::scenario::load(Path::new("scenarios/zone-outage.toml"))
        .expect("shipped scenario loads");
    s.simulation.duration = SimDuration::from_secs(THREADS_MINUTES * 60);
    let reps = u64::from(s.simulation.replications);
    let pool = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("thread pool")
    };
    let (two, one) = (pool(2), pool(1));
    let run = |p: &rayon::ThreadPool| {
        common::timed(|| {
            p.install(|| {
                trafsim::runner::summarise_replications_within_budget(&s, 0..reps, &|_| {})
                    .expect("no memory budget is set")
                    .events
            })
        })
    };
    common::print_ratio(
        &format!("threads 2 vs 1 (zone-outage, {reps} replications)"),
        "events",
        ("2-threads", || run(&two)),
        ("1-thread", || run(&one)),
    );
}

criterion_group!(benches, bench, bench_pods, bench_threads);
criterion_main!(benches);
