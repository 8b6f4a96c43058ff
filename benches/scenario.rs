//! Whole-scenario benchmark: one replication of each shipped ingress scenario, shortened to one
//! simulated minute, reporting client requests per second of wall time (criterion's
//! `elem/s`: one element is one client request).

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use trafsim::engine::SimDuration;
use trafsim::model::simulate;

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("scenario_1min");
    g.sample_size(10);
    for name in ["ingress-app-gateway", "ingress-nginx", "ingress-istio"] {
        let path = format!("scenarios/{name}.toml");
        let mut s = trafsim::scenario::load(Path::new(&path)).expect("shipped scenario loads");
        s.simulation.duration = SimDuration::from_secs(60);
        s.simulation.warmup = SimDuration::ZERO;
        s.faults.clear();
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

criterion_group!(benches, bench);
criterion_main!(benches);
