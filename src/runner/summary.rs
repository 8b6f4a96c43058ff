//! The summary of a scenario's replications: what `summary.json` holds and the table shows.
//!
//! Each metric is estimated across replications: every replication gives one value (its p99,
//! its throughput, its error rate), and the [`Estimate`] is their mean with a 95% Student t
//! interval. Latency quantiles are also given pooled (all replications' histograms merged),
//! which is the better point value for the tail but has no interval. Replications in which no
//! request succeeded have no latency and are left out of the latency estimates (their `n` says
//! so). Totals (requests, events) are sums over replications. Durations are in seconds, rates
//! per second, shares in [0, 1].
//!
//! Everything is computed in replication-index order, so equal inputs give bit-identical
//! summaries.

use serde::{Serialize, Serializer, ser::SerializeMap};

use crate::cost::CostSummary;
use crate::model::result::{FirewallRun, ReplicaStats};
use crate::model::{ErrorCause, RunResult};
use crate::runner::builder::SummaryBuilder;
use crate::runner::failover::FailoverSummary;
use crate::runner::phases::Phase;
use crate::runner::precision::PrecisionOutcome;
use crate::runner::slo::SloVerdict;
use crate::runner::tiers::TierSummary;
use crate::scenario::Scenario;
use crate::stats::{Estimate, LatencyHistogram, Percentiles, TimeSeries};

/// Version of the `summary.json` layout (`schemas/summary.schema.json`). Raised on any change
/// that could break a script: a field removed, renamed or given another meaning.
///
/// Version 2 added `failover` (one entry per fault: detection, failures, surviving zones,
/// recovery and the N+1 arithmetic); nothing else changed. Later additions that break no
/// script kept version 2: the `policy-denied` error cause and `policy_denied`.
///
/// Version 3: a latency figure with no data (no request completed) is `null`, not 0;
/// `requests.unfinished` and `unfinished` count requests still in flight at the end; the SLO
/// verdict counts them; each tier has `carried_in`, `lost`, `in_flight`, `offered_load` and
/// `unstable`; a replication in which nothing finished gives no error-rate sample.
///
/// Version 5: `events` counts again the stale timeouts that a timer lane's clean-up dropped
/// before the end (each was due within the run and is handled by being dropped instead of
/// popped), so the count no longer depends on how often the lanes are cleaned up; folded
/// hops are still not counted (zone-outage.toml: 212.0 M events in version 4, 244.6 M in 5).
///
/// Version 4: `events` counts the events handled from the calendar (a zero-delay hop folded
/// into the event before it is not one, nor is a stale timeout dropped unhandled: mmc.toml
/// reads 2 events a customer where version 3 read 6); `snat_peak` is `null` when no call went
/// out (it was 0); `window_secs` may be wider than the scenario's `window` when the run would
/// exceed `max_windows`. Added with it: the tiers' `cpu` capacity in `failover`, `pod_balance`,
/// `ingress_balance`.
pub const SCHEMA_VERSION: u32 = 5;

/// A scenario's results over all its replications.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    /// Layout version, [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Version of trafsim that produced it.
    pub trafsim_version: String,
    /// Scenario name.
    pub scenario: String,
    /// Master seed.
    pub seed: u64,
    /// Replications summarised.
    pub replications: u64,
    /// How a `--precision` run ended; `None` for a fixed number of replications.
    pub precision: Option<PrecisionOutcome>,
    /// Simulated time per replication, warm-up included, seconds.
    pub duration_secs: f64,
    /// Warm-up left out of the statistics, seconds.
    pub warmup_secs: f64,
    /// Time-series window width, seconds: the scenario's `window`, doubled as often as needed to
    /// give at most its `max_windows` windows.
    pub window_secs: f64,
    /// Zone names, in the order of per-zone figures.
    pub zones: Vec<String>,
    /// Events processed by the calendar, all replications.
    pub events: u64,
    /// Request totals, all replications.
    pub requests: RequestCounts,
    /// End-to-end latency of successful requests, as clients saw it.
    pub latency: LatencySummary,
    /// Offered requests per second.
    pub throughput: Estimate,
    /// Successful requests per second.
    pub goodput: Estimate,
    /// Failed requests, all together and by cause.
    pub errors: ErrorSummary,
    /// Requests still in flight when the runs ended (neither succeeded nor failed).
    pub unfinished: UnfinishedSummary,
    /// Client attempts (first tries and retries) per offered request.
    pub amplification: Estimate,
    /// Tries the ingress sent to pods per client attempt (its own retries stack on the
    /// clients': the load multiplier on the pods is the product of the two).
    pub ingress_amplification: Estimate,
    /// East-west retries the mesh's sidecars made, per second (0 without a mesh).
    pub mesh_retries: Estimate,
    /// Retries the services' own code made of failed calls, per second (0 without `retries`
    /// on calls).
    pub call_retries: Estimate,
    /// Per tier: the ingress, each service, the egress.
    pub tiers: Vec<TierSummary>,
    /// Share of hops that crossed zones.
    pub cross_zone_share: Estimate,
    /// Most SNAT ports in use at one destination endpoint (of one node, for Load Balancer outbound)
    /// in any replication; `None` when SNAT is not modelled or no call went out (no data).
    pub snat_peak: Option<u64>,
    /// Azure Firewall instances, queueing and data processed; `None` unless the egress is a
    /// firewall.
    pub firewall: Option<FirewallSummary>,
    /// Ingress replicas (instances) after the warm-up; `None` for the kinds without instances.
    pub ingress_replicas: Option<ReplicaSummary>,
    /// Most pods pending at once in any replication (a `DoNotSchedule` topology spread that
    /// allows no zone); 0 when none ever were.
    pub pending_pods_peak: u32,
    /// The SLO verdict, when the scenario has an `[slo]`.
    pub slo: Option<SloVerdict>,
    /// One failover story per fault of the scenario, in its order (empty without faults).
    pub failover: Vec<FailoverSummary>,
    /// The measured run cut at the faults (one `steady` phase without faults), with the
    /// headline figures and SLO verdict of each phase (see [`crate::runner::phases`]).
    pub phases: Vec<Phase>,
    /// The monthly cost estimate (line items and total, averaged over replications).
    pub cost: CostSummary,
    /// Calls dropped by network policies, per caller → target pair that the scenario's
    /// policies deny (empty without policies or without denied pairs).
    pub policy_denied: Vec<DeniedSummary>,
    /// Latency and error rate per request class, client route and call target (a canary's
    /// users apart from the rest).
    pub routing: crate::runner::routing::RoutingSummary,
    /// Per service, how evenly its pods shared the work (busiest pod over the mean, idle
    /// pods): a service pinned by per-connection balancing shows here.
    pub pod_balance: Vec<crate::runner::PodBalanceSummary>,
    /// How evenly the ingress replicas shared the client attempts (busiest replica, share on
    /// replicas added by scaling); `None` when the ingress has no replicas.
    pub ingress_balance: Option<crate::runner::IngressBalanceSummary>,
    /// Per tier with keep-alive pools to the pods (the L7 gateway's, the mesh's): connections
    /// opened and reused, and the share of new ones — a result of the pools.
    pub upstream_connections: Vec<crate::runner::UpstreamConnectionsSummary>,
    /// Per-window series summed over replications (written to `timeseries.csv`, not to JSON).
    #[serde(skip)]
    pub series: TimeSeries,
    /// The first replication's timeline (evictions, HPA and gateway scaling), for the
    /// charts' markers; not in JSON.
    #[serde(skip)]
    pub timeline: Vec<crate::model::timeline::TimedEvent>,
    /// What bound the system, per phase, with the evidence (see [`crate::runner::findings`]).
    pub findings: Vec<crate::runner::findings::Finding>,
    /// Per tier (the ingress, each service, the egress; by name): per-window latency of its own
    /// work summed over replications (written to `timeseries.csv`, not to JSON).
    #[serde(skip)]
    pub tier_series: Vec<(String, TimeSeries)>,
}

/// Calls from one service to one target that a network policy dropped, over all replications.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DeniedSummary {
    /// The calling service.
    pub caller: String,
    /// The called service or external destination.
    pub target: String,
    /// The policy that denies the pair.
    pub policy: String,
    /// Calls dropped, all replications (after warm-up).
    pub count: u64,
    /// Calls dropped per second.
    pub per_second: Estimate,
}

/// What the Azure Firewall did, over the replications (after the warm-up).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct FirewallSummary {
    /// Time-averaged instances taking traffic.
    pub mean_instances: Estimate,
    /// Most instances taking traffic at once in any replication.
    pub peak_instances: u32,
    /// Mean wait of a call for its instance, seconds.
    pub queueing: Estimate,
    /// Data processed per replication, GiB.
    pub gib_processed: Estimate,
}

impl FirewallSummary {
    /// The firewall figures of the replications that had a firewall, if any had.
    pub(crate) fn from_runs(fw: &[FirewallRun]) -> Option<FirewallSummary> {
        if fw.is_empty() {
            return None;
        }
        let est = |f: &dyn Fn(&FirewallRun) -> f64| {
            Estimate::from_samples(&fw.iter().map(f).collect::<Vec<_>>())
        };
        Some(FirewallSummary {
            mean_instances: est(&|f| f.mean_instances),
            peak_instances: fw.iter().map(|f| f.peak_instances).max().unwrap_or(0),
            queueing: est(&|f| f.mean_queueing_secs),
            gib_processed: est(&|f| f.gib_processed),
        })
    }
}

/// Ingress replica counts over the replications (HPA or App Gateway autoscaling).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ReplicaSummary {
    /// Fewest replicas at any time in any replication.
    pub min: u32,
    /// Most replicas at any time in any replication.
    pub max: u32,
    /// Time-averaged replicas (replica-seconds per second of the measured period).
    pub mean: Estimate,
}

impl ReplicaSummary {
    /// Over the replica counts of the replications that had them; `None` when none had.
    pub(crate) fn from_stats(stats: &[ReplicaStats]) -> Option<ReplicaSummary> {
        Some(ReplicaSummary {
            min: stats.iter().map(|s| s.min).min()?,
            max: stats.iter().map(|s| s.max).max()?,
            mean: Estimate::from_samples(&stats.iter().map(|s| s.mean).collect::<Vec<_>>()),
        })
    }
}

/// Request totals over all replications (after warm-up).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct RequestCounts {
    /// Requests the clients offered.
    pub offered: u64,
    /// Requests that succeeded.
    pub succeeded: u64,
    /// Requests that failed.
    pub failed: u64,
    /// Requests still in flight when the run ended: `offered = succeeded + failed +
    /// unfinished`.
    pub unfinished: u64,
    /// Attempts the clients sent, retries included.
    pub client_attempts: u64,
}

/// Requests still in flight when the runs ended, and how old they were then.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct UnfinishedSummary {
    /// Requests unfinished at the end, all replications.
    pub count: u64,
    /// Their share of offered requests.
    pub rate: Estimate,
    /// Mean age at the end (time since arrival), seconds; `None` when there were none.
    pub mean_age_secs: Option<f64>,
    /// Oldest at the end, seconds; `None` when there were none.
    pub max_age_secs: Option<f64>,
    /// Those older than the SLO's p99 target at the end (0 without `[slo]`).
    pub over_slo_target: u64,
}

/// Latency quantiles: across replications with intervals, and pooled. A figure with no data
/// (no replication completed anything) has `n = 0` (`count = 0` for `pooled`) and is written
/// as `null` in JSON and "n/a" in reports — never 0.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct LatencySummary {
    /// Median: mean of the replications' medians, seconds.
    #[serde(serialize_with = "estimate_or_null")]
    pub p50: Estimate,
    /// 90th percentile, seconds.
    #[serde(serialize_with = "estimate_or_null")]
    pub p90: Estimate,
    /// 99th percentile, seconds.
    #[serde(serialize_with = "estimate_or_null")]
    pub p99: Estimate,
    /// 99.9th percentile, seconds.
    #[serde(serialize_with = "estimate_or_null")]
    pub p999: Estimate,
    /// Mean latency, seconds.
    #[serde(serialize_with = "estimate_or_null")]
    pub mean: Estimate,
    /// Quantiles of all replications' samples pooled, seconds.
    #[serde(serialize_with = "percentiles_or_null")]
    pub pooled: Percentiles,
}

/// An estimate with no samples is written as `null`.
pub(crate) fn estimate_or_null<S: Serializer>(e: &Estimate, s: S) -> Result<S::Ok, S::Error> {
    if e.n == 0 {
        s.serialize_none()
    } else {
        e.serialize(s)
    }
}

/// Percentiles of no samples are written as `null`.
fn percentiles_or_null<S: Serializer>(p: &Percentiles, s: S) -> Result<S::Ok, S::Error> {
    if p.count == 0 {
        s.serialize_none()
    } else {
        p.serialize(s)
    }
}

impl LatencySummary {
    /// Estimates from one histogram per replication (empty ones are left out of the estimates).
    pub fn from_histograms<'a>(hists: impl Iterator<Item = &'a LatencyHistogram>) -> Self {
        let mut acc = LatencyAccumulator::default();
        for h in hists {
            acc.push(h);
        }
        acc.finish()
    }
}

/// The latency figures of replications taken one at a time, in index order: each non-empty
/// histogram's quantiles and mean (five numbers per replication, for the intervals) and the
/// pooled histogram of all of them.
#[derive(Clone, Debug, Default)]
pub(crate) struct LatencyAccumulator {
    p50: Vec<f64>,
    p90: Vec<f64>,
    p99: Vec<f64>,
    p999: Vec<f64>,
    means: Vec<f64>,
    pooled: LatencyHistogram,
}

impl LatencyAccumulator {
    /// Adds one replication's histogram.
    pub(crate) fn push(&mut self, h: &LatencyHistogram) {
        if !h.is_empty() {
            let q = |q: f64| h.quantile(q).as_secs_f64();
            self.p50.push(q(0.5));
            self.p90.push(q(0.9));
            self.p99.push(q(0.99));
            self.p999.push(q(0.999));
            self.means.push(h.mean_secs());
        }
        self.pooled.merge(h);
    }

    /// The p99s of the non-empty histograms so far, in order.
    pub(crate) fn p99s(&self) -> &[f64] {
        &self.p99
    }

    /// The summary.
    pub(crate) fn finish(&self) -> LatencySummary {
        LatencySummary {
            p50: Estimate::from_samples(&self.p50),
            p90: Estimate::from_samples(&self.p90),
            p99: Estimate::from_samples(&self.p99),
            p999: Estimate::from_samples(&self.p999),
            mean: Estimate::from_samples(&self.means),
            pooled: self.pooled.percentiles(),
        }
    }
}

/// Failed requests, all causes and by cause.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ErrorSummary {
    /// Failed share of offered requests, over the replications in which any request finished
    /// (succeeded or failed): a run where nothing finished has no error rate, not 0 (`null`
    /// when no run finished anything). Unfinished requests are counted apart.
    #[serde(serialize_with = "estimate_or_null")]
    pub rate: Estimate,
    /// Per cause, in [`ErrorCause::ALL`] order; a JSON object keyed by the cause's name.
    #[serde(serialize_with = "cause_map")]
    pub by_cause: Vec<CauseSummary>,
}

/// Failed requests of one cause.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CauseSummary {
    /// The cause (the key in JSON).
    #[serde(skip)]
    pub cause: ErrorCause,
    /// Requests that failed with it, all replications.
    pub count: u64,
    /// Its share of offered requests (over the replications in which any request finished).
    #[serde(serialize_with = "estimate_or_null")]
    pub rate: Estimate,
}

fn cause_map<S: Serializer>(causes: &[CauseSummary], s: S) -> Result<S::Ok, S::Error> {
    let mut map = s.serialize_map(Some(causes.len()))?;
    for c in causes {
        map.serialize_entry(c.cause.name(), c)?;
    }
    map.end()
}

impl Summary {
    /// Summarises `runs` (replications of `scenario`, in index order). With no runs every
    /// estimate is empty (`n = 0`). The same as pushing each run into a [`SummaryBuilder`],
    /// which is how a run of many replications summarises them without keeping them.
    pub fn from_runs(scenario: &Scenario, runs: &[RunResult]) -> Summary {
        let mut builder = SummaryBuilder::new(scenario);
        for r in runs {
            builder.push(r);
        }
        builder.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::fake;

    #[test]
    fn totals_and_estimates() {
        let (scenario, runs) = fake::runs(3);
        let s = Summary::from_runs(&scenario, &runs);
        assert_eq!((s.schema_version, s.replications, s.seed), (5, 3, 1));
        assert_eq!(s.events, 3_003);
        assert_eq!(s.requests.offered, 300);
        assert_eq!(s.requests.failed, 3);
        assert_eq!(s.requests.client_attempts, 303);
        let timeout = &s.errors.by_cause[ErrorCause::Timeout as usize];
        assert_eq!((timeout.cause, timeout.count), (ErrorCause::Timeout, 3));
        assert!((timeout.rate.mean - 0.01).abs() < 1e-12);
        assert_eq!(timeout.rate.half_width, 0.0);
        assert!((s.errors.rate.mean - 0.01).abs() < 1e-12);
        assert!((s.amplification.mean - 1.01).abs() < 1e-12);
        assert!((s.throughput.mean - 100.0 / 60.0).abs() < 1e-12);
        // Latencies rep+1 ..= rep+100 ms: medians 50.x, 51.x, 52.x ms.
        assert_eq!(s.latency.p50.n, 3);
        assert!(
            (s.latency.p50.mean - 0.051).abs() < 0.001,
            "{:?}",
            s.latency.p50
        );
        assert!(s.latency.p50.half_width > 0.0);
        assert_eq!(s.latency.pooled.count, 300);
        assert_eq!(s.snat_peak, Some(200));
        assert_eq!(s.series.replications(), 3);
        assert_eq!(s.series.windows()[0].offered, 3);
        let tier = &s.tiers[0];
        assert_eq!(
            (tier.name.as_str(), tier.arrivals, tier.peak_queue),
            ("server", 303, 5.0)
        );
        assert!((tier.utilisation.mean - 0.51).abs() < 1e-12);
        assert_eq!(tier.zone_utilisation[0].zone, "1");
        assert!(s.slo.is_some());
        let replicas = s.ingress_replicas.unwrap();
        assert_eq!((replicas.min, replicas.max), (2, 5));
        assert!((replicas.mean.mean - 2.5).abs() < 1e-12);
        assert_eq!(s.pending_pods_peak, 2);
    }

    #[test]
    fn no_runs_give_empty_estimates() {
        let scenario = fake::scenario();
        let s = Summary::from_runs(&scenario, &[]);
        assert_eq!(s.replications, 0);
        assert_eq!(s.latency.p99.n, 0);
        assert!(s.tiers.is_empty());
        assert_eq!(s.snat_peak, None);
        assert!(!s.series.windows().is_empty());
    }

    #[test]
    fn runs_without_successes_or_tiers_are_left_out_where_they_have_nothing() {
        let (scenario, mut runs) = fake::runs(3);
        runs[1].latency = LatencyHistogram::new();
        runs[2].tiers.clear();
        let s = Summary::from_runs(&scenario, &runs);
        assert_eq!(s.latency.p99.n, 2);
        assert_eq!(s.latency.pooled.count, 200);
        assert_eq!(s.throughput.n, 3);
        assert_eq!(s.tiers[0].utilisation.n, 2);
        assert_eq!(s.tiers[0].arrivals, 202);
    }

    #[test]
    fn denied_calls_add_up_over_replications() {
        let (scenario, mut runs) = fake::runs(2);
        for (r, n) in runs.iter_mut().zip([30, 90]) {
            r.policy_denied = vec![crate::model::DeniedCalls {
                caller: "web".into(),
                target: "orders".into(),
                policy: "orders-from-api".into(),
                count: n,
            }];
        }
        let s = Summary::from_runs(&scenario, &runs);
        assert_eq!(s.policy_denied.len(), 1);
        let d = &s.policy_denied[0];
        assert_eq!((d.caller.as_str(), d.count), ("web", 120));
        // 30 and 90 calls in 60 s each: 0.5 and 1.5 per second.
        assert!((d.per_second.mean - 1.0).abs() < 1e-12);
        assert_eq!(d.per_second.n, 2);
    }

    #[test]
    fn equal_runs_give_equal_json() {
        let (scenario, runs) = fake::runs(4);
        let a = serde_json::to_string(&Summary::from_runs(&scenario, &runs)).unwrap();
        let b = serde_json::to_string(&Summary::from_runs(&scenario, &runs.clone())).unwrap();
        assert_eq!(a, b);
    }
}
