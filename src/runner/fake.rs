//! Made-up replications for unit tests of the runner and the reports, independent of the model.

use crate::engine::{SimDuration, SimTime};
use crate::model::result::gauge;
use crate::model::{ErrorCause, RunResult, TierResult};
use crate::scenario::{self, Scenario, Slo};
use crate::stats::{LatencyHistogram, TimeSeries};

/// The M/M/1 scenario from `scenarios/`.
pub(crate) fn scenario() -> Scenario {
    let text = include_str!("../../scenarios/mm1.toml");
    match scenario::parse(text, "mm1.toml") {
        Ok(s) => s,
        Err(e) => panic!("scenarios/mm1.toml does not load: {e}"),
    }
}

/// The M/M/1 scenario with an SLO, and `n` made-up replications of it.
pub(crate) fn runs(n: u64) -> (Scenario, Vec<RunResult>) {
    let mut s = scenario();
    s.slo = Some(Slo {
        p99: SimDuration::from_millis(300),
        error_rate: 0.001,
    });
    let runs = (0..n).map(|r| run(r, &s)).collect();
    (s, runs)
}

/// The made-up runs of [`runs`] with faults of four kinds in the scenario: a zone outage from
/// 60 s to 120 s (with dead-backend sends at 61–70 s in replication 0), a degradation from
/// 300 s on, a node failure at 400 s and an ingress-instance loss at 500 s.
pub(crate) fn runs_with_faults(n: u64) -> (Scenario, Vec<RunResult>) {
    use crate::scenario::{CallTarget, FailureMode, Fault, FaultKind};
    let (mut s, mut runs) = runs(n);
    s.faults = vec![
        Fault {
            at: SimDuration::from_secs(60),
            duration: Some(SimDuration::from_secs(60)),
            kind: FaultKind::ZoneOutage {
                zone: 0,
                mode: FailureMode::Reset,
            },
        },
        Fault {
            at: SimDuration::from_secs(300),
            duration: None,
            kind: FaultKind::DependencyDegradation {
                target: CallTarget::Service(0),
                latency_multiplier: 2.0,
                error_rate: 0.0,
            },
        },
        Fault {
            at: SimDuration::from_secs(400),
            duration: None,
            kind: FaultKind::NodeFailure {
                zone: 0,
                count: 1,
                mode: FailureMode::BlackHole,
            },
        },
        Fault {
            at: SimDuration::from_secs(500),
            duration: Some(SimDuration::from_secs(60)),
            kind: FaultKind::IngressInstanceLoss {
                zone: None,
                count: 1,
                mode: FailureMode::Reset,
            },
        },
    ];
    runs[0].dead_sends = crate::model::DeadSends {
        count: 5,
        first_secs: Some(61.0),
        last_secs: Some(70.0),
    };
    (s, runs)
}

/// Replication `rep`: latencies rep+1 ..= rep+100 ms, one timeout per 100 requests.
pub(crate) fn run(rep: u64, s: &Scenario) -> RunResult {
    let mut latency = LatencyHistogram::new();
    for i in 1..=100 {
        latency.record(SimDuration::from_millis(i + rep));
    }
    let end = SimTime::ZERO + s.simulation.duration;
    let mut series = TimeSeries::new(s.simulation.window, end);
    let t = SimTime::ZERO + SimDuration::from_secs(1);
    series.record_offered(t);
    series.record_completed(t, SimDuration::from_millis(20 + rep));
    series.record_error(t, ErrorCause::Timeout as usize);
    series.record_gauge(t, gauge::READY_PODS, 1.0);
    series.record_gauge(t, gauge::UTILISATION, 0.5);
    series.record_gauge(t, gauge::CLIENT_RETRIES, 2.0);
    series.finish();
    let mut failed = [0; ErrorCause::COUNT];
    failed[ErrorCause::Timeout as usize] = 1;
    let mut usage = crate::model::Usage::new(s.egress.destinations.len());
    usage.samples = 4;
    usage.pod_samples = 4.0;
    RunResult {
        usage,
        replication: rep,
        events: 1_000 + rep,
        measured_secs: 60.0,
        offered: 100,
        succeeded: 99,
        failed,
        client_attempts: 101,
        ingress_tries: 101,
        mesh_retries: 0,
        call_retries: 0,
        latency: latency.clone(),
        unfinished: LatencyHistogram::new(),
        unfinished_over_slo: 0,
        tiers: vec![TierResult {
            name: "server".into(),
            kind: "service".into(),
            servers: 1,
            arrivals: 101,
            rejected: 0,
            completed: 99,
            carried_in: 0,
            lost: 0,
            in_flight: 2,
            offered_load: Some(0.5),
            queue_mid: 0.0,
            queue_end: 0.0,
            unstable: false,
            mean_busy: 0.5,
            utilisation: 0.5 + rep as f64 * 0.01,
            mean_queue: 0.5,
            peak_queue: 3.0 + rep as f64,
            latency,
            zone_utilisation: vec![0.5],
        }],
        cross_zone_share: 0.0,
        snat_peak: (rep > 0).then_some(100 * rep),
        firewall: None,
        dead_sends: Default::default(),
        timeline: Vec::new(),
        sends_after_scale_down: 0,
        policy_denied: Vec::new(),
        routing: Default::default(),
        ingress_replicas: Some(crate::model::ReplicaStats {
            min: 2,
            max: 3 + rep as u32,
            mean: 2.5,
        }),
        pending_pods_peak: rep as u32,
        client_cross_zone_share: None,
        node_hop_cross_zone_share: None,
        tier_series: vec![series.clone()],
        series,
        attribution: crate::model::attribution::Attribution::of(s),
        pod_balance: Vec::new(),
        connections_opened: 0,
        upstream: Default::default(),
        ingress_balance: None,
    }
}
