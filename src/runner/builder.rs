//! The summary built one replication at a time: [`SummaryBuilder`] takes each [`RunResult`] in
//! replication-index order and keeps only what [`Summary`] needs, so memory does not grow with
//! whole results.
//!
//! What it keeps per replication: a few numbers per figure (the samples of the Student t
//! intervals), the per-zone utilisation of each tier, one cost estimate, and — only for a
//! scenario with faults — the replication's time series and dead sends ([`RunTrace`]: the
//! failover analysis judges each replication against thresholds taken from the merged series,
//! which is known only at the end). Histograms and the time series are merged as runs come in.
//! Every merge and every sample is taken in the same order as a summary of all the runs at
//! once, so the summary is bit for bit the same.

use crate::cost::{self, CostEstimate, CostSummary};
use crate::engine::SimTime;
use crate::model::result::{FirewallRun, ReplicaStats};
use crate::model::{ErrorCause, RunResult};
use crate::runner::failover::{FailoverSummary, RunTrace};
use crate::runner::phases::PhaseSamples;
use crate::runner::slo::SloVerdict;
use crate::runner::summary::{
    CauseSummary, DeniedSummary, ErrorSummary, FirewallSummary, LatencyAccumulator, ReplicaSummary,
    RequestCounts, SCHEMA_VERSION, Summary, UnfinishedSummary,
};
use crate::runner::tiers::TiersAccumulator;
use crate::scenario::Scenario;
use crate::stats::{Estimate, LatencyHistogram, TimeSeries};

/// Builds a [`Summary`] from replications pushed one at a time, in index order.
#[derive(Debug)]
pub struct SummaryBuilder<'a> {
    scenario: &'a Scenario,
    replications: u64,
    events: u64,
    requests: RequestCounts,
    failed_by_cause: [u64; ErrorCause::COUNT],
    throughput: Vec<f64>,
    goodput: Vec<f64>,
    amplification: Vec<f64>,
    ingress_amplification: Vec<f64>,
    mesh_retries: Vec<f64>,
    call_retries: Vec<f64>,
    cross_zone_share: Vec<f64>,
    /// Error rates of the runs in which something finished.
    error_rate: Vec<f64>,
    /// Per cause, its rate in the runs in which something finished.
    cause_rate: Vec<Vec<f64>>,
    latency: LatencyAccumulator,
    unfinished_ages: LatencyHistogram,
    unfinished_rate: Vec<f64>,
    unfinished_over_slo: u64,
    /// p99 of successes and unfinished ages together, per run that had any.
    slo_p99: Vec<f64>,
    /// (failed + unfinished over the target) ÷ offered, per run that was offered any.
    slo_rate: Vec<f64>,
    tiers: TiersAccumulator,
    snat_peak: Option<u64>,
    firewall: Vec<FirewallRun>,
    replicas: Vec<ReplicaStats>,
    pending_pods_peak: u32,
    costs: Vec<CostEstimate>,
    denied: Vec<DeniedAccumulator>,
    routing: crate::runner::routing::RoutingAccumulator,
    series: Option<TimeSeries>,
    /// Per tier (by name, in the order first seen): its per-window latency, merged.
    tier_series: Vec<(String, TimeSeries)>,
    traces: Vec<RunTrace>,
    /// The timeline of the lowest replication index pushed, with that index.
    timeline: Option<(u64, Vec<crate::model::timeline::TimedEvent>)>,
    findings: crate::runner::findings::FindingsAccumulator,
    phases: PhaseSamples,
    pod_balance: crate::runner::pod_balance::PodBalanceAccumulator,
    ingress_balance: crate::runner::ingress_balance::IngressBalanceAccumulator,
    upstream_connections: crate::runner::upstream_connections::UpstreamConnectionsAccumulator,
}

/// One denied caller → target pair: its first run's names, its total and its rates.
#[derive(Debug)]
struct DeniedAccumulator {
    caller: String,
    target: String,
    policy: String,
    count: u64,
    per_second: Vec<f64>,
}

impl<'a> SummaryBuilder<'a> {
    /// An empty summary of replications of `scenario`.
    pub fn new(scenario: &'a Scenario) -> Self {
        SummaryBuilder {
            scenario,
            replications: 0,
            events: 0,
            requests: RequestCounts {
                offered: 0,
                succeeded: 0,
                failed: 0,
                unfinished: 0,
                client_attempts: 0,
            },
            failed_by_cause: [0; ErrorCause::COUNT],
            throughput: Vec::new(),
            goodput: Vec::new(),
            amplification: Vec::new(),
            ingress_amplification: Vec::new(),
            mesh_retries: Vec::new(),
            call_retries: Vec::new(),
            cross_zone_share: Vec::new(),
            error_rate: Vec::new(),
            cause_rate: vec![Vec::new(); ErrorCause::COUNT],
            latency: LatencyAccumulator::default(),
            unfinished_ages: LatencyHistogram::new(),
            unfinished_rate: Vec::new(),
            unfinished_over_slo: 0,
            slo_p99: Vec::new(),
            slo_rate: Vec::new(),
            tiers: TiersAccumulator::default(),
            snat_peak: None,
            firewall: Vec::new(),
            replicas: Vec::new(),
            pending_pods_peak: 0,
            costs: Vec::new(),
            denied: Vec::new(),
            routing: Default::default(),
            series: None,
            tier_series: Vec::new(),
            traces: Vec::new(),
            timeline: None,
            findings: Default::default(),
            phases: PhaseSamples::default(),
            pod_balance: Default::default(),
            ingress_balance: Default::default(),
            upstream_connections: Default::default(),
        }
    }

    /// Replications pushed so far.
    pub fn replications(&self) -> u64 {
        self.replications
    }

    /// The p99s (seconds) of the replications so far that had a success, in index order.
    pub fn p99_samples(&self) -> &[f64] {
        self.latency.p99s()
    }

    /// Adds the next replication (in index order).
    pub fn push(&mut self, r: &RunResult) {
        let share = |n: u64, d: u64| if d == 0 { 0.0 } else { n as f64 / d as f64 };
        let per_sec = |n: u64| n as f64 / r.measured_secs.max(f64::MIN_POSITIVE);
        self.replications += 1;
        self.events += r.events;
        self.requests.offered += r.offered;
        self.requests.succeeded += r.succeeded;
        self.requests.failed += r.failed_total();
        self.requests.unfinished += r.unfinished_total();
        self.requests.client_attempts += r.client_attempts;
        for (sum, n) in self.failed_by_cause.iter_mut().zip(r.failed) {
            *sum += n;
        }
        if self
            .timeline
            .as_ref()
            .is_none_or(|(rep, _)| r.replication < *rep)
        {
            self.timeline = Some((r.replication, r.timeline.clone()));
        }
        self.throughput.push(r.throughput());
        self.goodput.push(r.goodput());
        self.amplification.push(share(r.client_attempts, r.offered));
        self.ingress_amplification
            .push(share(r.ingress_tries, r.client_attempts));
        self.mesh_retries.push(per_sec(r.mesh_retries));
        self.call_retries.push(per_sec(r.call_retries));
        self.cross_zone_share.push(r.cross_zone_share);
        if r.anything_finished() {
            self.error_rate.push(r.error_rate());
            for (rates, &n) in self.cause_rate.iter_mut().zip(&r.failed) {
                rates.push(share(n, r.offered));
            }
        }
        self.latency.push(&r.latency);
        self.unfinished_ages.merge(&r.unfinished);
        self.unfinished_rate.push(r.unfinished_rate());
        self.unfinished_over_slo += r.unfinished_over_slo;
        if self.scenario.slo.is_some() {
            let mut h = r.latency.clone();
            h.merge(&r.unfinished);
            if !h.is_empty() {
                self.slo_p99.push(h.quantile(0.99).as_secs_f64());
            }
            if r.offered > 0 {
                self.slo_rate
                    .push((r.failed_total() + r.unfinished_over_slo) as f64 / r.offered as f64);
            }
        }
        self.tiers.push(r);
        self.findings.push(r);
        self.snat_peak = self.snat_peak.max(r.snat_peak);
        self.firewall.extend(r.firewall);
        self.replicas.extend(r.ingress_replicas);
        self.pending_pods_peak = self.pending_pods_peak.max(r.pending_pods_peak);
        self.costs.push(cost::estimate(self.scenario, r));
        self.push_denied(r);
        self.routing.push(self.scenario, r);
        match &mut self.series {
            None => self.series = Some(r.series.clone()),
            Some(s) => s.merge(&r.series),
        }
        for (t, series) in r.tiers.iter().zip(&r.tier_series) {
            match self
                .tier_series
                .iter_mut()
                .find(|(name, _)| *name == t.name)
            {
                Some((_, s)) => s.merge(series),
                None => self.tier_series.push((t.name.clone(), series.clone())),
            }
        }
        if !self.scenario.faults.is_empty() {
            self.traces.push(RunTrace::of(r));
        }
        self.phases.push(self.scenario, &r.series);
        self.pod_balance.push(r);
        self.ingress_balance.push(r);
        self.upstream_connections.push(r);
    }

    /// Adds the denied pairs of `r`; the first run names them (every run lists the same).
    fn push_denied(&mut self, r: &RunResult) {
        if self.replications == 1 {
            self.denied = r
                .policy_denied
                .iter()
                .map(|d| DeniedAccumulator {
                    caller: d.caller.clone(),
                    target: d.target.clone(),
                    policy: d.policy.clone(),
                    count: 0,
                    per_second: Vec::new(),
                })
                .collect();
        }
        for (i, acc) in self.denied.iter_mut().enumerate() {
            let n = r.policy_denied.get(i).map_or(0, |d| d.count);
            acc.count += n;
            acc.per_second
                .push(n as f64 / r.measured_secs.max(f64::MIN_POSITIVE));
        }
    }

    /// The summary of the replications pushed (every estimate empty when none were).
    pub fn finish(self) -> Summary {
        let scenario = self.scenario;
        let sim = &scenario.simulation;
        let est = |v: &[f64]| Estimate::from_samples(v);
        let series = match self.series {
            Some(mut s) => {
                s.finish();
                s
            }
            None => TimeSeries::new(sim.window, SimTime::ZERO + sim.duration),
        };
        let failover = FailoverSummary::from_runs(scenario, &self.traces, &series);
        let phases = self.phases.finish(
            scenario,
            &series,
            self.traces.iter().map(|t| &t.series),
            &failover,
        );
        let ages = &self.unfinished_ages;
        let some_unfinished = !ages.is_empty();
        let routing = self.routing.finish(scenario);
        let slo = scenario.slo.as_ref().map(|slo| {
            SloVerdict::from_samples(slo, &self.slo_p99, &self.slo_rate, self.unfinished_over_slo)
        });
        let tiers = self.tiers.finish(&scenario.network.zones);
        let findings = self.findings.finish(scenario, &series, &tiers, &phases);
        Summary {
            schema_version: SCHEMA_VERSION,
            trafsim_version: env!("CARGO_PKG_VERSION").to_string(),
            scenario: scenario.name.clone(),
            seed: sim.seed,
            replications: self.replications,
            precision: None,
            duration_secs: sim.duration.as_secs_f64(),
            warmup_secs: sim.warmup.as_secs_f64(),
            window_secs: sim.window.as_secs_f64(),
            zones: scenario.network.zones.clone(),
            events: self.events,
            requests: self.requests,
            latency: self.latency.finish(),
            throughput: est(&self.throughput),
            goodput: est(&self.goodput),
            errors: ErrorSummary {
                rate: est(&self.error_rate),
                by_cause: ErrorCause::ALL
                    .iter()
                    .map(|&cause| CauseSummary {
                        cause,
                        count: self.failed_by_cause[cause as usize],
                        rate: est(&self.cause_rate[cause as usize]),
                    })
                    .collect(),
            },
            unfinished: UnfinishedSummary {
                count: ages.count(),
                rate: est(&self.unfinished_rate),
                mean_age_secs: some_unfinished.then(|| ages.mean_secs()),
                max_age_secs: some_unfinished.then(|| ages.max().as_secs_f64()),
                over_slo_target: self.unfinished_over_slo,
            },
            amplification: est(&self.amplification),
            ingress_amplification: est(&self.ingress_amplification),
            mesh_retries: est(&self.mesh_retries),
            call_retries: est(&self.call_retries),
            tiers,
            cross_zone_share: est(&self.cross_zone_share),
            snat_peak: self.snat_peak,
            firewall: FirewallSummary::from_runs(&self.firewall),
            ingress_replicas: ReplicaSummary::from_stats(&self.replicas),
            pending_pods_peak: self.pending_pods_peak,
            slo,
            failover,
            phases,
            cost: CostSummary::from_estimates(scenario, &self.costs),
            policy_denied: self
                .denied
                .into_iter()
                .map(|d| DeniedSummary {
                    per_second: est(&d.per_second),
                    caller: d.caller,
                    target: d.target,
                    policy: d.policy,
                    count: d.count,
                })
                .collect(),
            routing,
            pod_balance: self.pod_balance.finish(scenario),
            ingress_balance: self
                .ingress_balance
                .finish(scenario.clients.connections.is_some()),
            upstream_connections: self.upstream_connections.finish(scenario),
            series,
            timeline: self.timeline.map(|(_, t)| t).unwrap_or_default(),
            findings,
            tier_series: self.tier_series,
        }
    }
}
