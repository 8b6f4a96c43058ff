//! The whole pipeline (scenario file → model → results) against queueing theory: a degenerate
//! scenario with no ingress, no network latency and one service with exponential service times
//! is exactly an M/M/c queue, so its mean response time must match the formula within the
//! confidence interval of the replications (99.9% interval, for any seed; see
//! `queueing_theory.rs`).

mod common;

use common::erlang_c;
use rayon::prelude::*;
use trafsim::model::{RunResult, simulate};
use trafsim::scenario::{Scenario, load};
use trafsim::stats::Estimate;

fn runs(s: &Scenario, reps: u64) -> Vec<RunResult> {
    (0..reps).into_par_iter().map(|r| simulate(s, r)).collect()
}

fn assert_in_ci(what: &str, values: &[f64], truth: f64, max_rel: f64) {
    let e = Estimate::from_samples(values);
    let hw = e.half_width_at(0.999);
    assert!(
        (e.mean - truth).abs() <= hw,
        "{what}: simulated {:.6} ± {hw:.6}, theory {truth:.6}",
        e.mean
    );
    assert!(hw <= max_rel * truth, "{what}: interval ±{hw:.6} too wide");
}

fn check_mmc(path: &str) {
    let s = load(std::path::Path::new(path)).expect("scenario loads");
    let svc = &s.services[0];
    let c = svc.concurrency * svc.pods.iter().sum::<u32>();
    let mean = svc.service_time.mean_secs();
    let lambda = s
        .clients
        .arrivals
        .mean_rate(Default::default(), Default::default());
    let mu = 1.0 / mean;
    let a = lambda / mu;
    let w = erlang_c(c, a) / (f64::from(c) * mu - lambda) + mean;
    let rs = runs(&s, u64::from(s.simulation.replications).max(10));
    let means: Vec<f64> = rs.iter().map(|r| r.latency.mean_secs()).collect();
    assert_in_ci(path, &means, w, 0.05);
    for r in &rs {
        assert_eq!(r.failed_total(), 0, "no errors in a textbook queue");
        let util = r.tiers[0].utilisation;
        assert!((util - a / f64::from(c)).abs() < 0.03, "utilisation {util}");
    }
}

#[test]
fn mm1_scenario_matches_theory() {
    check_mmc("scenarios/mm1.toml");
}

#[test]
fn mmc_scenario_matches_theory() {
    check_mmc("scenarios/mmc.toml");
}
