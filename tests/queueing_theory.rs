//! The kernel against queueing theory.
//!
//! Each test builds a textbook network on the engine, runs independent replications and checks
//! that the analytic value lies inside the confidence interval of the replication means. The
//! interval used is the 99.9% Student t interval: a 95% interval misses the true value for one
//! seed in twenty by construction, and these tests must pass for any seed. Each test also
//! asserts that the interval is narrow (a few per cent of the value), so a wide interval cannot
//! make a wrong engine pass. Run in release mode (`cargo test --release`).

use rayon::prelude::*;
use trafsim::engine::{
    ArrivalProcess, Dist, NetworkResult, NetworkSpec, SimDuration, SourceSpec, StationSpec,
    simulate,
};
use trafsim::stats::Estimate;

const SEED: u64 = 20_261_126;

fn ms(x: f64) -> SimDuration {
    SimDuration::from_secs_f64(x / 1000.0)
}

fn mm_c(lambda: f64, mean_service_ms: f64, c: u32, limit: Option<u32>) -> StationSpec {
    let _ = lambda;
    StationSpec {
        servers: c,
        limit,
        service: Dist::exponential(ms(mean_service_ms)).unwrap(),
        routes: vec![],
    }
}

fn network(stations: Vec<StationSpec>, lambda: f64, secs: u64) -> NetworkSpec {
    NetworkSpec {
        stations,
        sources: vec![SourceSpec {
            arrivals: ArrivalProcess::Poisson(lambda),
            station: 0,
        }],
        duration: SimDuration::from_secs(secs + secs / 10),
        warmup: SimDuration::from_secs(secs / 10),
    }
}

/// Runs `reps` replications in parallel and returns them in replication order.
fn replicate(spec: &NetworkSpec, reps: u64, seed: u64) -> Vec<NetworkResult> {
    (0..reps)
        .into_par_iter()
        .map(|r| simulate(spec, seed, r))
        .collect()
}

/// Asserts that `truth` lies in the 99.9% interval of the per-replication values and that the
/// interval is narrower than `max_rel` of the truth.
fn assert_matches(what: &str, values: &[f64], truth: f64, max_rel: f64) {
    let e = Estimate::from_samples(values);
    let hw = e.half_width_at(0.999);
    assert!(
        (e.mean - truth).abs() <= hw,
        "{what}: simulated {:.6} ± {:.6} (99.9%), theory {truth:.6}",
        e.mean,
        hw
    );
    assert!(
        hw <= max_rel * truth.abs(),
        "{what}: interval ±{hw:.6} too wide for a meaningful check of {truth:.6}"
    );
}

fn column(rs: &[NetworkResult], f: impl Fn(&NetworkResult) -> f64) -> Vec<f64> {
    rs.iter().map(f).collect()
}

fn check_mm1(rho: f64, secs: u64, reps: u64, tol: f64) {
    let mu = 100.0; // service mean 10 ms
    let lambda = rho * mu;
    let spec = network(vec![mm_c(lambda, 10.0, 1, None)], lambda, secs);
    let rs = replicate(&spec, reps, SEED);
    let w = 1.0 / (mu - lambda);
    let wq = rho / (mu - lambda);
    let l = rho / (1.0 - rho);
    let p99 = 100f64.ln() / (mu - lambda);
    assert_matches("W", &column(&rs, |r| r.stations[0].response.mean), w, tol);
    assert_matches("Wq", &column(&rs, |r| r.stations[0].wait.mean), wq, tol);
    assert_matches("L", &column(&rs, |r| r.stations[0].mean_in_system), l, tol);
    assert_matches(
        "p99",
        &column(&rs, |r| r.response.quantile(0.99).as_secs_f64()),
        p99,
        tol,
    );
}

#[test]
fn mm1_at_half_load() {
    check_mm1(0.5, 2_000, 20, 0.03);
}

#[test]
fn mm1_at_ninety_percent_load() {
    check_mm1(0.9, 20_000, 20, 0.08);
}

/// Erlang C: the probability that an arrival waits in an M/M/c queue.
fn erlang_c(c: u32, a: f64) -> f64 {
    let rho = a / f64::from(c);
    let mut term = 1.0;
    let mut sum = 1.0;
    for k in 1..c {
        term *= a / f64::from(k);
        sum += term;
    }
    let last = term * a / f64::from(c) / (1.0 - rho);
    last / (sum + last)
}

#[test]
fn mmc_four_servers_at_eighty_percent() {
    let (c, mu, rho) = (4u32, 100.0, 0.8);
    let lambda = rho * mu * f64::from(c);
    let spec = network(vec![mm_c(lambda, 10.0, c, None)], lambda, 2_000);
    let rs = replicate(&spec, 20, SEED);
    let pw = erlang_c(c, lambda / mu);
    let wq = pw / (f64::from(c) * mu - lambda);
    assert!((pw - 0.5964).abs() < 1e-3, "Erlang C itself: {pw}");
    assert_matches(
        "P(wait)",
        &column(&rs, |r| r.delayed[0] as f64 / r.started[0] as f64),
        pw,
        0.03,
    );
    assert_matches("Wq", &column(&rs, |r| r.stations[0].wait.mean), wq, 0.04);
}

#[test]
fn md1_pollaczek_khinchine() {
    let (mu, rho) = (100.0, 0.7);
    let lambda = rho * mu;
    let mut st = mm_c(lambda, 10.0, 1, None);
    st.service = Dist::constant(ms(10.0));
    let spec = network(vec![st], lambda, 2_000);
    let rs = replicate(&spec, 20, SEED);
    // P-K with zero service variance: Wq = rho / (2 mu (1 - rho)).
    let wq = rho / (2.0 * mu * (1.0 - rho));
    assert_matches("Wq", &column(&rs, |r| r.stations[0].wait.mean), wq, 0.03);
}

#[test]
fn mm1k_blocking_probability() {
    // K = 5 in the system: one in service, four waiting.
    let (mu, rho, k) = (100.0, 0.9, 5);
    let lambda = rho * mu;
    let spec = network(vec![mm_c(lambda, 10.0, 1, Some(k - 1))], lambda, 2_000);
    let rs = replicate(&spec, 20, SEED);
    let pk = (1.0 - rho) * rho.powi(k as i32) / (1.0 - rho.powi(k as i32 + 1));
    assert_matches(
        "P(block)",
        &column(&rs, |r| {
            r.stations[0].rejected as f64 / r.stations[0].arrivals as f64
        }),
        pk,
        0.03,
    );
}

#[test]
fn jackson_tandem_of_two_mm1() {
    let lambda = 50.0;
    let mut first = mm_c(lambda, 10.0, 1, None); // mu1 = 100
    first.routes = vec![(1.0, 1)];
    let second = mm_c(lambda, 12.5, 1, None); // mu2 = 80
    let spec = network(vec![first, second], lambda, 2_000);
    let rs = replicate(&spec, 20, SEED);
    let w = 1.0 / (100.0 - lambda) + 1.0 / (80.0 - lambda);
    assert_matches(
        "end-to-end W",
        &column(&rs, |r| r.response.mean_secs()),
        w,
        0.03,
    );
}

#[test]
fn littles_law_on_every_station() {
    // A tandem with feedback, an M/D/1 and a finite queue: L = lambda W at each station,
    // with lambda the measured admitted rate and W the measured mean response.
    let lambda = 40.0;
    let mut a = mm_c(lambda, 10.0, 2, None);
    a.routes = vec![(0.6, 1), (0.3, 2)];
    let mut b = mm_c(lambda, 8.0, 1, None);
    b.service = Dist::constant(ms(8.0));
    b.routes = vec![(0.2, 0)];
    let c = mm_c(lambda, 20.0, 1, Some(3));
    let spec = network(vec![a, b, c], lambda, 2_000);
    for r in replicate(&spec, 4, SEED) {
        for (i, s) in r.stations.iter().enumerate() {
            let admitted = (s.arrivals - s.rejected) as f64 / r.measured_secs;
            let l = s.mean_in_system;
            let lw = admitted * s.response.mean;
            assert!(
                (l - lw).abs() <= 0.02 * l,
                "station {i}: L = {l:.4}, lambda W = {lw:.4}"
            );
        }
    }
}

#[test]
fn erlang_c_formula_sanity() {
    // One server: Erlang C is the utilisation.
    assert!((erlang_c(1, 0.7) - 0.7).abs() < 1e-12);
}
