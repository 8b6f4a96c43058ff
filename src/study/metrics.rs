//! The figures a comparison sets side by side, one value per replication so that two columns
//! can be compared replication by replication (paired differences).
//!
//! Per replication: end-to-end p50, p99 and p99.9 of successful requests (none when nothing
//! succeeded), the error rate, offered and successful requests per second, each tier's
//! utilisation, the ingress instances up and the pods ready (time averages over the measured
//! windows, from the run's gauges), and the estimated monthly cost ([`crate::cost`]); for a
//! service reached per connection (HTTP/2, gRPC, `connections`), its busiest pod's rate over
//! the mean pod's and its idle pods ([`crate::model::PodBalance`]).

use serde::Serialize;

use crate::model::RunResult;
use crate::model::result::gauge;
use crate::scenario::Scenario;

/// How a metric's values are measured, for printing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Seconds (printed as milliseconds).
    Seconds,
    /// A share in [0, 1] (printed as a percentage).
    Share,
    /// Per second.
    PerSecond,
    /// A count (instances, pods).
    Count,
    /// US dollars per month (the cost estimate).
    UsdPerMonth,
}

impl Unit {
    /// The factor a value is multiplied by for printing and the suffix naming the printed
    /// unit: milliseconds, percent, req/s, USD per month, or a bare count.
    pub fn display_scale(self) -> (f64, &'static str) {
        match self {
            Unit::Seconds => (1e3, " (ms)"),
            Unit::Share => (100.0, " (%)"),
            Unit::PerSecond => (1.0, " (req/s)"),
            Unit::Count => (1.0, ""),
            Unit::UsdPerMonth => (1.0, " (USD/month)"),
        }
    }
}

/// One figure of one column: its value in each replication.
#[derive(Clone, Debug, PartialEq)]
pub struct Metric {
    /// Stable key, e.g. `latency_p99`, `utilisation.web`.
    pub key: String,
    /// Row label in the table, e.g. "p99 latency".
    pub label: String,
    /// Unit.
    pub unit: Unit,
    /// Value per replication, in replication order; `None` where the replication has none.
    pub values: Vec<Option<f64>>,
}

/// The metrics of one column's replications of `s` (in replication order).
pub fn of_runs(s: &Scenario, runs: &[RunResult]) -> Vec<Metric> {
    let mut b = MetricsBuilder::new(s);
    for r in runs {
        b.push(r);
    }
    b.finish()
}

/// A column's metrics built one replication at a time, in index order: keeps a few numbers per
/// metric per replication, not the runs, and gives what [`of_runs`] gives for the same runs.
#[derive(Debug)]
pub struct MetricsBuilder<'a> {
    scenario: &'a Scenario,
    replications: usize,
    p50: Vec<Option<f64>>,
    p99: Vec<Option<f64>>,
    p999: Vec<Option<f64>>,
    error_rate: Vec<Option<f64>>,
    offered: Vec<Option<f64>>,
    goodput: Vec<Option<f64>>,
    /// Tiers with worker slots, in order of first appearance, with their utilisation per
    /// replication (`None` where the replication did not have the tier).
    tiers: Vec<(String, Vec<Option<f64>>)>,
    instances: Vec<Option<f64>>,
    pods: Vec<Option<f64>>,
    cost: Vec<Option<f64>>,
    /// Services reached per connection (see `runner::pod_balance`).
    balance: Vec<BalanceRows>,
}

/// A service reached per connection: its name and index, and per replication its busiest
/// pod's rate over the mean pod's and its idle pods.
type BalanceRows = (String, usize, Vec<Option<f64>>, Vec<Option<f64>>);

impl<'a> MetricsBuilder<'a> {
    /// No replications yet, of `scenario`.
    pub fn new(scenario: &'a Scenario) -> Self {
        MetricsBuilder {
            scenario,
            replications: 0,
            p50: Vec::new(),
            p99: Vec::new(),
            p999: Vec::new(),
            error_rate: Vec::new(),
            offered: Vec::new(),
            goodput: Vec::new(),
            tiers: Vec::new(),
            instances: Vec::new(),
            pods: Vec::new(),
            cost: Vec::new(),
            balance: crate::runner::per_connection_targets(scenario)
                .into_iter()
                .enumerate()
                .filter(|&(_, on)| on)
                .map(|(i, _)| (scenario.services[i].name.clone(), i, Vec::new(), Vec::new()))
                .collect(),
        }
    }

    /// Adds the next replication (in index order).
    pub fn push(&mut self, r: &RunResult) {
        let s = self.scenario;
        let quantile =
            |q: f64| (!r.latency.is_empty()).then(|| r.latency.quantile(q).as_secs_f64());
        self.p50.push(quantile(0.5));
        self.p99.push(quantile(0.99));
        self.p999.push(quantile(0.999));
        self.error_rate.push(Some(r.error_rate()));
        self.offered.push(Some(r.throughput()));
        self.goodput.push(Some(r.goodput()));
        // Tiers with worker slots: the egress path has none (its devices report apart).
        for t in r.tiers.iter().filter(|t| t.servers > 0) {
            if !self.tiers.iter().any(|(name, _)| *name == t.name) {
                self.tiers
                    .push((t.name.clone(), vec![None; self.replications]));
            }
        }
        for (name, values) in &mut self.tiers {
            values.push(
                r.tiers
                    .iter()
                    .find(|t| t.name == *name)
                    .map(|t| t.utilisation),
            );
        }
        let configured_instances: u32 = s.ingress.instances.iter().sum();
        let configured_pods: u32 = s.services.iter().flat_map(|v| &v.pods).sum();
        let zones = s.network.zones.len().min(gauge::MAX_ZONES);
        let warm = s.simulation.warmup.as_secs_f64();
        let level = time_average(r, warm, &[gauge::INGRESS_INSTANCES]);
        self.instances
            .push(Some(level.unwrap_or(f64::from(configured_instances))));
        let ready: Vec<usize> = (0..zones).map(|z| gauge::READY_PODS + z).collect();
        self.pods.push(Some(
            time_average(r, warm, &ready).unwrap_or(f64::from(configured_pods)),
        ));
        self.cost.push(Some(crate::cost::estimate(s, r).total()));
        for (_, i, ratio, idle) in &mut self.balance {
            let b = r.pod_balance.get(*i);
            ratio.push(b.and_then(|b| b.max_over_mean));
            idle.push(b.map(|b| f64::from(b.idle_pods)));
        }
        self.replications += 1;
    }

    /// The metrics, in table order.
    pub fn finish(self) -> Vec<Metric> {
        let metric = |key: &str, label: &str, unit, values| Metric {
            key: key.to_string(),
            label: label.to_string(),
            unit,
            values,
        };
        let mut out = vec![
            metric("latency_p50", "p50 latency", Unit::Seconds, self.p50),
            metric("latency_p99", "p99 latency", Unit::Seconds, self.p99),
            metric("latency_p999", "p99.9 latency", Unit::Seconds, self.p999),
            metric("error_rate", "error rate", Unit::Share, self.error_rate),
            metric("offered", "offered", Unit::PerSecond, self.offered),
            metric("goodput", "goodput", Unit::PerSecond, self.goodput),
        ];
        for (name, values) in self.tiers {
            out.push(metric(
                &format!("utilisation.{name}"),
                &format!("{name} utilisation"),
                Unit::Share,
                values,
            ));
        }
        out.push(metric(
            "ingress_instances",
            "ingress instances",
            Unit::Count,
            self.instances,
        ));
        out.push(metric("ready_pods", "pods ready", Unit::Count, self.pods));
        for (name, _, ratio, idle) in self.balance {
            let label = format!("{name} busiest pod ÷ mean");
            out.push(metric(
                &format!("pod_balance.{name}"),
                &label,
                Unit::Count,
                ratio,
            ));
            let label = format!("{name} idle pods");
            out.push(metric(
                &format!("idle_pods.{name}"),
                &label,
                Unit::Count,
                idle,
            ));
        }
        out.push(metric(
            "monthly_cost",
            "monthly cost",
            Unit::UsdPerMonth,
            self.cost,
        ));
        out
    }
}

/// The time average, over the windows after `warm` seconds, of the sum of gauge `slots` at each
/// window's end; `None` when the run never set them.
fn time_average(r: &RunResult, warm: f64, slots: &[usize]) -> Option<f64> {
    let (mut weighted, mut time) = (0.0, 0.0);
    for (i, w) in r.series.windows().iter().enumerate() {
        if w.start.as_secs_f64() < warm {
            continue;
        }
        let levels: Vec<f64> = slots
            .iter()
            .filter_map(|&slot| r.series.gauge(i, slot).mean_last())
            .collect();
        if levels.is_empty() {
            continue;
        }
        let width = w.end.as_secs_f64() - w.start.as_secs_f64();
        weighted += levels.iter().sum::<f64>() * width;
        time += width;
    }
    (time > 0.0).then(|| weighted / time)
}
