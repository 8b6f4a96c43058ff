//! Measuring: the end of the warm-up, periodic gauges, and turning the state at the end of a
//! run into a [`RunResult`].

use crate::stats::LatencyHistogram;

use super::result::{ReplicaStats, RunResult, TierResult, gauge};
use super::sim::{Ev, Sim};
use super::topology::Life;
use crate::engine::{Dist, SimTime};

/// Gauge samples per time-series window.
const SAMPLES_PER_WINDOW: u64 = 4;

impl Sim<'_> {
    /// The warm-up ends: statistics start from here.
    pub(super) fn warmup_end(&mut self) {
        let now = self.cal.now();
        for p in &mut self.topo.pods {
            p.station.reset_stats(now);
            p.cpu.mark_measured(now);
        }
        for i in &mut self.topo.instances {
            i.station.reset_stats(now);
        }
        self.replica_level.reset(now);
        self.replica_min = f64::from(self.ingress_replicas());
        self.pending_peak = self.pending.iter().sum();
        // The peak is per slot: a node's (Load Balancer outbound) or the pool's ports to one
        // destination endpoint.
        self.snat.peak = self.snat.busiest();
        self.pools.warm_up();
        if let Some(fw) = self.fw.as_mut() {
            fw.instances.reset(now);
        }
    }

    /// Records the gauges of the current window and schedules the next sample.
    pub(super) fn sample(&mut self) {
        let now = self.cal.now();
        let zones = self.topo.zones.min(gauge::MAX_ZONES);
        for z in 0..zones {
            let (mut ready, mut busy, mut servers) = (0u32, 0u32, 0u32);
            for p in self.topo.pods.iter().filter(|p| p.zone == z) {
                if p.life == Life::Up && !p.retired {
                    ready += 1;
                    servers += p.station.servers();
                }
                busy += p.station.busy().min(p.station.servers());
            }
            self.series
                .record_gauge(now, gauge::READY_PODS + z, f64::from(ready));
            let util = if servers == 0 {
                0.0
            } else {
                f64::from(busy) / f64::from(servers)
            };
            self.series.record_gauge(now, gauge::UTILISATION + z, util);
        }
        for s in 0..self.topo.service_pods.len().min(gauge::MAX_SERVICES) {
            let ready = self.topo.service_pods[s]
                .iter()
                .filter(|&&p| {
                    let pod = &self.topo.pods[p as usize];
                    pod.life == Life::Up && !pod.retired
                })
                .count();
            self.series
                .record_gauge(now, gauge::SERVICE_READY_PODS + s, ready as f64);
        }
        if self.snat.modelled {
            self.series
                .record_gauge(now, gauge::SNAT_PORTS, self.snat.busiest() as f64);
            self.series
                .record_gauge(now, gauge::SNAT_LIMIT, self.snat.port_limit as f64);
        }
        if let Some(fw) = &self.fw {
            self.series
                .record_gauge(now, gauge::FIREWALL_INSTANCES, f64::from(fw.active));
        }
        // Counters are cumulative within a window: the last sample of a window holds its total.
        self.series
            .record_gauge(now, gauge::CLIENT_RETRIES, self.retries_in_window as f64);
        self.series
            .record_gauge(now, gauge::DEAD_SENDS, self.dead_sends_in_window as f64);
        self.sample_slots();
        self.samples += 1;
        if self.samples.is_multiple_of(SAMPLES_PER_WINDOW) {
            self.retries_in_window = 0;
            self.dead_sends_in_window = 0;
        }
        let up = self
            .topo
            .instances
            .iter()
            .filter(|i| i.life == Life::Up)
            .count();
        self.series
            .record_gauge(now, gauge::INGRESS_INSTANCES, up as f64);
        if now >= self.warm {
            self.usage.sample(&self.topo);
        }
        let mid = SimTime(self.warm.0 + self.end.since(self.warm).0 / 2);
        if self.tier.queue_mid.is_none() && now >= mid {
            self.tier.queue_mid = Some(self.tier_queues());
        }
        self.schedule_sample();
    }

    /// Schedules the next sample: a few per window so the per-window maximum means something,
    /// the last one a nanosecond before the window ends so it still belongs to it.
    pub(super) fn schedule_sample(&mut self) {
        let width = self.series.width().0.max(SAMPLES_PER_WINDOW);
        let next = self.samples + 1;
        let w = next.div_ceil(SAMPLES_PER_WINDOW) - 1;
        let j = next - w * SAMPLES_PER_WINDOW;
        let at = w * width + j * (width / SAMPLES_PER_WINDOW) - 1;
        let at = if j == SAMPLES_PER_WINDOW {
            (w + 1) * width - 1
        } else {
            at
        };
        self.cal.schedule(SimTime(at), Ev::Sample);
    }

    /// Bytes held by the per-window records of the run: its time series, the tiers' latency
    /// series and the findings' counters. Each has the series' windows, at most the scenario's
    /// `max_windows`, so this does not grow with the run's length; the memory budget counts it.
    pub(super) fn window_bytes(&self) -> u64 {
        let tiers: u64 = self.tier.windows.iter().map(|t| t.bytes_held()).sum();
        self.series.bytes_held() + tiers + self.attr.bytes_held()
    }

    /// Requests waiting now per tier: the ingress (if it has instances), then each service.
    fn tier_queues(&self) -> Vec<f64> {
        let ingress = (!self.topo.instances.is_empty()).then(|| {
            self.topo
                .instances
                .iter()
                .map(|i| i.station.queue_len() as f64)
                .sum()
        });
        // A CPU-bound pod's line is its CPU's (`cpu`): the requests sharing it.
        let services = self.topo.service_pods.iter().map(|pods| {
            pods.iter()
                .map(|&p| {
                    let pod = &self.topo.pods[p as usize];
                    (pod.station.queue_len() + pod.cpu.jobs()) as f64
                })
                .sum()
        });
        ingress.into_iter().chain(services).collect()
    }

    /// Ages at the end of the run of the requests offered after the warm-up that are still
    /// in the arena (neither succeeded nor failed), each also counted in the time series in
    /// the window of its arrival.
    fn unfinished_requests(&mut self) -> (LatencyHistogram, u64) {
        let mut free = vec![false; self.nodes.len()];
        for &i in &self.free {
            free[i as usize] = true;
        }
        let target = self.s.slo.as_ref().map(|slo| slo.p99);
        let mut ages = LatencyHistogram::new();
        let mut over_slo = 0;
        for (n, _) in self
            .nodes
            .iter()
            .zip(&free)
            .filter(|(n, f)| !**f && n.kind == super::sim::Kind::Request && n.counted)
        {
            let age = self.end.since(n.born);
            ages.record(age);
            over_slo += u64::from(target.is_some_and(|t| age > t));
            self.series.record_unfinished(n.born);
        }
        (ages, over_slo)
    }

    /// What this replication measured.
    pub(super) fn into_result(mut self, replication: u64) -> RunResult {
        let now = self.end;
        let measured_secs = self.end.since(self.warm).as_secs_f64();
        let zones = self.topo.zones;
        let (unfinished, unfinished_over_slo) = self.unfinished_requests();
        let mut mid = self.tier.queue_mid.take().unwrap_or_default().into_iter();
        let mut tiers = Vec::new();
        // Per-window latency, one series per entry of `tiers`.
        let mut windows = std::mem::take(&mut self.tier.windows).into_iter();
        let ingress_windows = windows.next();
        let egress_windows = windows.next_back();
        let mut tier_series = Vec::new();
        if !self.topo.instances.is_empty() {
            tier_series.extend(ingress_windows);
            let stations: Vec<_> = self
                .topo
                .instances
                .iter()
                .map(|i| (i.zone, &i.station))
                .collect();
            let at_start =
                self.s.ingress.instances.iter().sum::<u32>() * self.s.ingress.concurrency;
            let ing = &self.s.ingress;
            let work = ing.processing.mean_secs()
                + self.new_tls_share() * ing.tls_handshake.mean_secs()
                + ing.inspection.as_ref().map_or(0.0, Dist::mean_secs);
            tiers.push(tier(
                "ingress".into(),
                format!("ingress:{}", ingress_kind(self.s)),
                (&stations, at_start),
                self.tier.ingress.to_histogram(),
                zones,
                (now, measured_secs),
                (work, mid.next().unwrap_or(0.0)),
            ));
        }
        for (si, svc) in self.s.services.iter().enumerate() {
            tier_series.extend(windows.next());
            let stations: Vec<_> = self.topo.service_pods[si]
                .iter()
                .map(|&p| {
                    let pod = &self.topo.pods[p as usize];
                    (pod.zone, &pod.station)
                })
                .collect();
            let at_start = svc.pods.iter().sum::<u32>() * svc.concurrency;
            tiers.push(tier(
                svc.name.clone(),
                "service".into(),
                (&stations, at_start),
                self.tier.services[si].to_histogram(),
                zones,
                (now, measured_secs),
                (svc.service_time.mean_secs(), mid.next().unwrap_or(0.0)),
            ));
            if let Some(cpu) = svc.cpu {
                let t = tiers.last_mut().expect("just pushed");
                self.cpu_figures(si, cpu.cores(), svc.concurrency, measured_secs, t);
            }
        }
        if self.tier.egress_calls > 0 {
            // Pooled calls that never got a connection (see `egress_pool`).
            let (waiting, abandoned, pool_lost) = self.pool_call_counts();
            tier_series.extend(egress_windows);
            tiers.push(TierResult {
                name: "egress".into(),
                kind: format!("egress:{}", egress_kind(self.s)),
                servers: 0,
                arrivals: self.tier.egress_calls,
                rejected: self.tier.egress_snat_failed + abandoned,
                // Each egress call ends in exactly one of the four counts, each counted where
                // it happens (the conservation test checks they add up).
                completed: self.tier.egress_completed,
                lost: self.tier.egress_lost + pool_lost,
                in_flight: self.tier.egress_in_flight + waiting,
                carried_in: 0,
                offered_load: None,
                queue_mid: 0.0,
                queue_end: 0.0,
                unstable: false,
                mean_busy: 0.0,
                utilisation: 0.0,
                mean_queue: 0.0,
                peak_queue: 0.0,
                latency: self.tier.egress.to_histogram(),
                zone_utilisation: vec![],
            });
        }
        self.series.finish();
        let pod_balance = self.pod_balance();
        let ingress_balance = self.ingress_balance();
        if self.usage.samples == 0 {
            // A measured span shorter than one sample: what the run holds at its end.
            self.usage.sample(&self.topo);
        }
        RunResult {
            replication,
            // Handled, or dropped stale by a lane's clean-up: the count does not depend on
            // how often the lanes are cleaned up.
            events: self.events + self.cal.discarded(),
            measured_secs,
            offered: self.offered,
            succeeded: self.succeeded,
            failed: self.failed,
            client_attempts: self.client_attempts,
            ingress_tries: self.ingress_tries,
            mesh_retries: self.mesh_retries,
            call_retries: self.call_retries,
            latency: self.latency.to_histogram(),
            unfinished,
            unfinished_over_slo,
            tiers,
            tier_series,
            cross_zone_share: if self.hops == 0 {
                0.0
            } else {
                self.cross_hops as f64 / self.hops as f64
            },
            // With no outbound call after the warm-up the figure has no data.
            snat_peak: (self.snat.modelled && self.tier.egress_calls > 0).then_some(self.snat.peak),
            firewall: self.fw.as_ref().map(|fw| super::result::FirewallRun {
                mean_instances: fw.instances.mean(now),
                peak_instances: fw.instances.max() as u32,
                mean_queueing_secs: if fw.calls == 0 {
                    0.0
                } else {
                    fw.queueing_secs / fw.calls as f64
                },
                calls: fw.calls,
                gib_processed: fw.bits / 8.0 / f64::from(1u32 << 30),
            }),
            dead_sends: self.dead_sends,
            timeline: std::mem::take(&mut self.timeline).into_parts().0,
            sends_after_scale_down: self.sends_after_scale_down,
            usage: self.usage,
            policy_denied: self.policy.result(self.s),
            routing: self.routing,
            ingress_replicas: (!self.topo.instances.is_empty()).then(|| ReplicaStats {
                min: self.replica_min as u32,
                max: self.replica_level.max() as u32,
                mean: self.replica_level.mean(now),
            }),
            pending_pods_peak: self.pending_peak,
            client_cross_zone_share: self.s.ingress.internal.then(|| {
                if self.client_hops == 0 {
                    0.0
                } else {
                    self.client_cross_hops as f64 / self.client_hops as f64
                }
            }),
            node_hop_cross_zone_share: self.s.ingress.external_traffic_policy.map(|_| {
                if self.front.node_hops == 0 {
                    0.0
                } else {
                    self.front.node_cross_hops as f64 / self.front.node_hops as f64
                }
            }),
            pod_balance,
            connections_opened: self.conns.opened,
            upstream: self.upstream.counts,
            ingress_balance,
            series: self.series,
            attribution: std::mem::take(&mut self.attr),
        }
    }
}

fn ingress_kind(s: &crate::scenario::Scenario) -> &'static str {
    use crate::scenario::IngressKind as K;
    match s.ingress.kind {
        K::None => "none",
        K::LoadBalancer => "load-balancer",
        K::AppGateway(ref a) if a.for_containers.is_some() => "app-gateway-for-containers",
        K::AppGateway(_) => "app-gateway",
        K::Nginx(_) => "nginx",
        K::Istio(_) => "istio",
    }
}

fn egress_kind(s: &crate::scenario::Scenario) -> &'static str {
    use crate::scenario::EgressKind as K;
    match s.egress.kind {
        K::NatGateway { .. } => "nat-gateway",
        K::Firewall { .. } => "firewall",
        K::LoadBalancer { .. } => "load-balancer",
        K::PrivateEndpoint => "private-endpoint",
        K::Direct => "direct",
    }
}

/// Sums the stations of a tier over the measured period (`measured` seconds up to `now`);
/// `servers` is the tier's worker slots at the start of the run, `work` the mean own work of
/// an attempt in seconds and `queue_mid` the waiting line at mid-run (for the offered load
/// and the stability verdict).
///
/// Busy, available and waiting figures are integrals over time divided by the measured
/// period, so pods and instances that came and went (autoscaling, faults, replacements) weigh
/// by how long they were there, and utilisation is busy slot-time over available slot-time.
fn tier(
    name: String,
    kind: String,
    (stations, servers): (&[(usize, &crate::engine::Station)], u32),
    latency: LatencyHistogram,
    zones: usize,
    (now, measured): (crate::engine::SimTime, f64),
    (work, queue_mid): (f64, f64),
) -> TierResult {
    let per_sec = |integral: f64| {
        if measured > 0.0 {
            integral / measured
        } else {
            0.0
        }
    };
    let mut zb = vec![0.0; zones];
    let mut zs = vec![0.0; zones];
    for (z, st) in stations {
        zb[*z] += per_sec(st.busy_integral(now));
        zs[*z] += per_sec(st.servers_integral(now));
    }
    let mean_busy: f64 = zb.iter().sum();
    let mean_servers: f64 = zs.iter().sum();
    let arrivals: u64 = stations.iter().map(|s| s.1.arrivals()).sum();
    let offered_load = (mean_servers > 0.0 && measured > 0.0)
        .then(|| arrivals as f64 / measured * work / mean_servers);
    let queue_end: f64 = stations.iter().map(|s| s.1.queue_len() as f64).sum();
    TierResult {
        name,
        kind,
        servers,
        arrivals,
        rejected: stations.iter().map(|s| s.1.rejected()).sum(),
        completed: stations.iter().map(|s| s.1.completed()).sum(),
        carried_in: stations.iter().map(|s| s.1.carried_in()).sum(),
        lost: stations.iter().map(|s| s.1.lost()).sum(),
        in_flight: stations.iter().map(|s| s.1.in_system()).sum(),
        offered_load,
        queue_mid,
        queue_end,
        unstable: super::result::is_unstable(offered_load, queue_mid, queue_end, mean_servers),
        mean_busy,
        utilisation: if mean_servers > 0.0 {
            mean_busy / mean_servers
        } else {
            0.0
        },
        mean_queue: stations
            .iter()
            .map(|s| per_sec(s.1.line_integral(now)))
            .sum(),
        peak_queue: stations
            .iter()
            .map(|s| s.1.peak_queue())
            .fold(0.0, f64::max),
        latency,
        zone_utilisation: zb
            .iter()
            .zip(&zs)
            .map(|(b, s)| if *s > 0.0 { b / s } else { 0.0 })
            .collect(),
    }
}
