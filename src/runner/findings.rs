//! Findings: what bound the system, per phase, with the evidence — read from the counters of
//! [`crate::model::attribution`] summed over the replications, the merged time series and
//! the tier summaries.
//!
//! - **Failure origins**: failed requests counted where they failed (a lost NAT Gateway, a
//!   full queue, a dead pod still in a pool, SNAT exhaustion at a destination, a call's
//!   timeout), the largest first.
//! - **Saturation**: a tier whose slots were at least [`SATURATED`] busy in a zone over
//!   consecutive windows, with the share of its busy slot-time spent on its own work and on
//!   each call (and the egress device the call went through).
//! - **Limits approached**: SNAT ports above 80% of the limit, an HPA at its maximum, pods
//!   pending, a queue full, an ingress wanting more than its maximum, Azure Firewall above its
//!   throughput — with the time first reached and the figure.
//! - **Steady state**: whether the windows before the first fault met the SLO (computed here
//!   from the time series; the per-phase verdicts elsewhere may replace it).
//!
//! Each finding may carry a suggestion, phrased as something to test with `trafsim compare`,
//! never as a claim. Times are seconds since the start of a replication; counts are summed
//! over the replications.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use crate::model::RunResult;
use crate::model::attribution::{Attribution, LimitKind, OriginKind};
use crate::model::result::gauge;
use crate::runner::tiers::TierSummary;
use crate::scenario::{CallTarget, EgressKind, FaultKind, IngressKind, Scenario};
use crate::stats::TimeSeries;

/// Busy share of a zone's slots at or above which a tier counts as saturated in a window.
pub const SATURATED: f64 = 0.9;

/// Share of the SNAT port limit that counts as approaching it.
pub const SNAT_HIGH: f64 = 0.8;

/// One finding.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// What kind: `egress-device-lost`, `saturation`, `snat-exhaustion`, `failure-origin`,
    /// `snat-high`, `hpa-at-max`, `pods-pending`, `queue-full`, `ingress-at-max`,
    /// `firewall-over-throughput`, `steady-state-slo`.
    pub kind: String,
    /// The component it names: a service, `ingress`, a destination, an egress device.
    pub component: String,
    /// The phase it starts in: `steady state` (no faults), `before the first fault`,
    /// `during fault N (kind)`, `after the faults`.
    pub phase: String,
    /// Start of the span, seconds since the start of a replication.
    pub from_secs: Option<f64>,
    /// End of the span.
    pub to_secs: Option<f64>,
    /// The figures behind the sentence (names in snake case; shares in [0, 1]).
    pub figures: BTreeMap<String, f64>,
    /// The finding in one sentence.
    pub sentence: String,
    /// What to test with `trafsim compare`, where the model knows the lever.
    pub suggestion: Option<String>,
}

/// One limit over the replications.
#[derive(Clone, Copy, Debug, Default)]
struct LimitAcc {
    reached: u64,
    first_secs: Option<f64>,
    figure: f64,
}

/// Sums the findings' counters over replications pushed in index order.
#[derive(Debug, Default)]
pub struct FindingsAccumulator {
    sum: Option<Attribution>,
    limits: Vec<LimitAcc>,
    replications: u64,
}

impl FindingsAccumulator {
    /// Adds the next replication.
    pub fn push(&mut self, r: &RunResult) {
        self.replications += 1;
        let a = &r.attribution;
        match &mut self.sum {
            None => self.sum = Some(a.clone()),
            Some(s) => s.merge(a),
        }
        self.limits
            .resize(a.limits.len().max(self.limits.len()), LimitAcc::default());
        for (acc, m) in self.limits.iter_mut().zip(&a.limits) {
            if let Some(t) = m.first_secs {
                acc.reached += 1;
                acc.first_secs = Some(acc.first_secs.map_or(t, |f: f64| f.min(t)));
                acc.figure = acc.figure.max(m.figure);
            }
        }
    }

    /// The findings of the replications pushed.
    pub fn finish(self, s: &Scenario, series: &TimeSeries, tiers: &[TierSummary]) -> Vec<Finding> {
        let Some(a) = self.sum.as_ref().filter(|a| a.windows() > 0) else {
            return Vec::new();
        };
        let cx = Context {
            s,
            a,
            series,
            tiers,
            reps: self.replications,
            warm: s.simulation.warmup.as_secs_f64(),
        };
        let mut out = Vec::new();
        cx.origins(&mut out);
        cx.saturation(&mut out);
        cx.snat_high(&mut out);
        cx.limits(&self.limits, &mut out);
        // Stable: within a kind, the order of generation (largest origin first, tiers in
        // order), the longest saturated span first.
        out.sort_by_key(|f| {
            let span = f.to_secs.unwrap_or(0.0) - f.from_secs.unwrap_or(0.0);
            let longest = if f.kind == "saturation" {
                -(span * 1e3) as i64
            } else {
                0
            };
            (rank(&f.kind, &f.component), longest)
        });
        if let Some(f) = cx.steady_state() {
            out.push(f);
        }
        out
    }
}

/// Order of the kinds in the list (the terminal prints the first few): a lost device or
/// exhausted ports, a saturated service, the largest failure origins, a saturated ingress,
/// then the limits.
fn rank(kind: &str, component: &str) -> u8 {
    match kind {
        "egress-device-lost" | "snat-exhaustion" => 0,
        "saturation" if component != "ingress" => 1,
        "failure-origin" => 2,
        "saturation" => 3,
        "snat-high" | "firewall-over-throughput" => 4,
        "hpa-at-max" | "ingress-at-max" | "pods-pending" => 5,
        "queue-full" => 6,
        _ => 7,
    }
}

struct Context<'a> {
    s: &'a Scenario,
    a: &'a Attribution,
    series: &'a TimeSeries,
    tiers: &'a [TierSummary],
    reps: u64,
    warm: f64,
}

/// `1,234`.
fn grouped(n: u64) -> String {
    crate::scenario::limits::grouped(n as usize)
}

fn pct(x: f64) -> String {
    if x >= 0.995 || x == 0.0 {
        format!("{:.0}%", x * 100.0)
    } else if x < 0.001 {
        format!("{:.2}%", x * 100.0)
    } else {
        format!("{:.1}%", x * 100.0)
    }
}

fn secs(t: f64) -> String {
    format!("{t:.0} s")
}

/// "1", "1 and 3", "1, 2 and 3".
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

impl Context<'_> {
    fn window_start(&self, w: usize) -> f64 {
        w as f64 * self.a.width().as_secs_f64()
    }

    fn window_end(&self, w: usize) -> f64 {
        ((w + 1) as f64 * self.a.width().as_secs_f64())
            .min(self.s.simulation.duration.as_secs_f64())
    }

    /// First window after the warm-up.
    fn first_window(&self) -> usize {
        let width = self.a.width().as_secs_f64();
        ((self.warm / width).ceil() as usize).min(self.a.windows())
    }

    /// The phase that time `t` falls in.
    fn phase(&self, t: f64) -> String {
        let faults = &self.s.faults;
        if faults.is_empty() {
            return "steady state".into();
        }
        let first = faults
            .iter()
            .map(|f| f.at.as_secs_f64())
            .fold(f64::INFINITY, f64::min);
        if t < first {
            return "before the first fault".into();
        }
        for (i, f) in faults.iter().enumerate() {
            let start = f.at.as_secs_f64();
            let end = f
                .duration
                .map_or(f64::INFINITY, |d| start + d.as_secs_f64());
            if t >= start && t < end {
                return format!("during fault {} ({})", i + 1, fault_name(&f.kind));
            }
        }
        "after the faults".into()
    }

    fn zone(&self, z: usize) -> String {
        self.s
            .network
            .zones
            .get(z)
            .cloned()
            .unwrap_or_else(|| (z + 1).to_string())
    }

    fn target(&self, t: CallTarget) -> String {
        match t {
            CallTarget::Service(i) => self.s.services[i].name.clone(),
            CallTarget::Destination(d) => self.s.egress.destinations[d].name.clone(),
        }
    }

    /// The egress device a call from a pod in `zone` leaves through, if any.
    fn device(&self, zone: usize) -> Option<String> {
        match &self.s.egress.kind {
            EgressKind::NatGateway { zones, .. } if !zones.is_empty() => {
                let z = if zones.contains(&zone) {
                    zone
                } else {
                    zones[0]
                };
                Some(format!("the NAT Gateway in zone {}", self.zone(z)))
            }
            EgressKind::NatGateway { .. } => Some("the NAT Gateway".into()),
            EgressKind::Firewall { .. } => Some("Azure Firewall".into()),
            EgressKind::LoadBalancer { .. } => Some("the load balancer's outbound rules".into()),
            EgressKind::PrivateEndpoint => Some("a private endpoint".into()),
            EgressKind::Direct => None,
        }
    }

    /// The component an origin names.
    fn origin_component(&self, kind: OriginKind, index: usize) -> String {
        let svc = |i: usize| {
            self.s
                .services
                .get(i)
                .map_or_else(|| "?".into(), |v| v.name.clone())
        };
        let dest = |i: usize| {
            self.s
                .egress
                .destinations
                .get(i)
                .map_or_else(|| "?".into(), |d| d.name.clone())
        };
        let call = |n: usize| {
            let (sv, k) = self.a.layout.call_of(n);
            let target = self.s.services[sv].calls[k].target;
            format!("{} → {}", svc(sv), self.target(target))
        };
        match kind {
            OriginKind::EgressLost => match &self.s.egress.kind {
                EgressKind::Firewall { .. } => {
                    format!("the firewall's NAT Gateway in zone {}", self.zone(index))
                }
                _ => format!("the NAT Gateway in zone {}", self.zone(index)),
            },
            OriginKind::SnatExhausted | OriginKind::DestinationError => dest(index),
            OriginKind::QueueFull
            | OriginKind::DeadPodInIngressPool
            | OriginKind::DeadPodInEndpoints
            | OriginKind::NoBackend
            | OriginKind::ServiceError
            | OriginKind::IngressTimeout => svc(index),
            OriginKind::CallTimeout | OriginKind::PolicyDenied => call(index),
            OriginKind::IngressRejected
            | OriginKind::DeadIngress
            | OriginKind::NoIngress
            | OriginKind::ClientTimeout => "ingress".into(),
        }
    }

    /// Where the failure started, as a phrase.
    fn origin_phrase(&self, kind: OriginKind, index: usize) -> String {
        let c = self.origin_component(kind, index);
        let pool = match self.s.ingress.kind {
            IngressKind::AppGateway(_) => "App Gateway's backend pool",
            _ => "the ingress's endpoints",
        };
        match kind {
            OriginKind::EgressLost => format!("{c} (lost)"),
            OriginKind::SnatExhausted => format!("SNAT exhaustion towards {c}"),
            OriginKind::DestinationError => format!("errors of {c}"),
            OriginKind::QueueFull => format!("a full queue at {c}"),
            OriginKind::IngressRejected => "the ingress turning requests away".into(),
            OriginKind::DeadPodInIngressPool => format!("dead {c} pods still in {pool}"),
            OriginKind::DeadPodInEndpoints => format!("dead {c} pods still in its endpoints"),
            OriginKind::DeadIngress => "dead ingress instances".into(),
            OriginKind::NoBackend => format!("no ready pod of {c}"),
            OriginKind::NoIngress => "no ingress instance up".into(),
            OriginKind::ServiceError => format!("{c}'s own errors"),
            OriginKind::CallTimeout => format!("timeouts of the call {c}"),
            OriginKind::IngressTimeout => format!("the ingress's backend timeout on {c}"),
            OriginKind::ClientTimeout => {
                "the client's timeout (nothing below had failed: still queued or in progress)"
                    .into()
            }
            OriginKind::PolicyDenied => format!("a network policy dropping {c}"),
        }
    }

    /// Failed requests by origin: the egress device lost, SNAT exhaustion, and the other
    /// origins that hold at least 5% of the failures.
    fn origins(&self, out: &mut Vec<Finding>) {
        let n = self.a.layout.origins();
        let (w0, windows) = (self.first_window(), self.a.windows());
        let mut total = vec![0u64; n];
        let mut span = vec![(usize::MAX, 0usize); n];
        for w in w0..windows {
            for (c, t) in total.iter_mut().enumerate() {
                let k = self.a.origins[w * n + c];
                if k > 0 {
                    *t += k;
                    span[c].0 = span[c].0.min(w);
                    span[c].1 = w;
                }
            }
        }
        let all: u64 = total.iter().sum();
        if all == 0 {
            return;
        }
        let mut order: Vec<usize> = (0..n).filter(|&c| total[c] > 0).collect();
        order.sort_by_key(|&c| std::cmp::Reverse(total[c]));
        for (rank, &c) in order.iter().enumerate() {
            let o = self.a.layout.origin(c);
            let share = total[c] as f64 / all as f64;
            let special = matches!(o.kind, OriginKind::EgressLost | OriginKind::SnatExhausted);
            if !special && share < 0.05 && rank >= 3 {
                continue;
            }
            let (from, to) = (self.window_start(span[c].0), self.window_end(span[c].1));
            let mut figures = BTreeMap::new();
            figures.insert("failed_requests".into(), total[c] as f64);
            figures.insert("share_of_failures".into(), share);
            figures.insert("replications".into(), self.reps as f64);
            let component = self.origin_component(o.kind, o.index);
            let (kind, sentence, suggestion) = match o.kind {
                OriginKind::EgressLost => {
                    self.egress_lost(o.index, total[c], share, (from, to), &mut figures)
                }
                OriginKind::SnatExhausted => {
                    let sentence = format!(
                        "SNAT ports ran out for calls to {component} from {} to {}: {} failed requests started there ({} of all failures, {} replications)",
                        secs(from),
                        secs(to),
                        grouped(total[c]),
                        pct(share),
                        self.reps
                    );
                    (
                        "snat-exhaustion",
                        sentence,
                        Some(format!(
                            "to test with `trafsim compare`: {}, more connection reuse to {component} (`connection_reuse`) or keep-alive (`keep_alive`)",
                            self.snat_lever()
                        )),
                    )
                }
                _ => {
                    let sentence = format!(
                        "{} of failed requests ({}) started at {}, from {} to {}",
                        pct(share),
                        grouped(total[c]),
                        self.origin_phrase(o.kind, o.index),
                        secs(from),
                        secs(to)
                    );
                    (
                        "failure-origin",
                        sentence,
                        self.origin_lever(o.kind, o.index),
                    )
                }
            };
            out.push(Finding {
                kind: kind.into(),
                component,
                phase: self.phase(from),
                from_secs: Some(from),
                to_secs: Some(to),
                figures,
                sentence,
                suggestion,
            });
        }
    }

    /// The egress device of zone `z` was lost.
    fn egress_lost(
        &self,
        z: usize,
        failed: u64,
        share: f64,
        (from, to): (f64, f64),
        figures: &mut BTreeMap<String, f64>,
    ) -> (&'static str, String, Option<String>) {
        let device = self.origin_component(OriginKind::EgressLost, z);
        // The zone outage that took it, if one did (the time it was lost).
        let outage = self.s.faults.iter().find(|f| {
            matches!(f.kind, FaultKind::ZoneOutage { zone, .. } if zone == z)
                && f.at.as_secs_f64() <= from
        });
        let lost = match outage {
            Some(f) => {
                let at = f.at.as_secs_f64();
                let back = f
                    .duration
                    .map(|d| format!(" until {}", secs(at + d.as_secs_f64())))
                    .unwrap_or_default();
                format!("was lost at {} with zone {}{back}", secs(at), self.zone(z))
            }
            None => format!("was lost from {} to {}", secs(from), secs(to)),
        };
        let egress = self.tiers.iter().find(|t| t.name == "egress");
        let calls = match egress {
            Some(t) if t.arrivals > 0 => {
                let lost_share = t.lost as f64 / t.arrivals as f64;
                figures.insert("egress_calls".into(), t.arrivals as f64);
                figures.insert("egress_calls_lost".into(), t.lost as f64);
                figures.insert("egress_calls_lost_share".into(), lost_share);
                format!(
                    "; {} of the run's egress calls vanished there",
                    pct(lost_share)
                )
            }
            _ => String::new(),
        };
        let sentence = format!(
            "{device} {lost}{calls}; {} failed requests ({} of all failures) started there",
            grouped(failed),
            pct(share)
        );
        let suggestion = match &self.s.egress.kind {
            EgressKind::Firewall { .. } => "to test with `trafsim compare`: a NAT Gateway per zone on the firewall subnet, or a zone-redundant StandardV2 gateway".to_string(),
            _ => format!(
                "to test with `trafsim compare`: one NAT Gateway per zone (`zones = [{}]` under [egress]) or a zone-redundant one (`sku = \"standard-v2\"`)",
                self.s
                    .network
                    .zones
                    .iter()
                    .map(|z| format!("\"{z}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        ("egress-device-lost", sentence, Some(suggestion))
    }

    /// The lever of a failure origin, where the model knows one.
    fn origin_lever(&self, kind: OriginKind, index: usize) -> Option<String> {
        let c = self.origin_component(kind, index);
        let t = "to test with `trafsim compare`:";
        match kind {
            OriginKind::QueueFull => Some(format!(
                "{t} more replicas of {c} (or a higher `hpa.max`), or shorter timeouts on its slowest call so its slots free sooner"
            )),
            OriginKind::DeadPodInIngressPool | OriginKind::DeadPodInEndpoints => Some(format!(
                "{t} faster detection (a shorter probe interval or `unhealthy_threshold`, a shorter `agic_update_lag`), or retries on another pod at the ingress"
            )),
            OriginKind::CallTimeout => Some(format!(
                "{t} a shorter timeout or a retry budget on the call {c}"
            )),
            OriginKind::IngressRejected => {
                Some(format!("{t} more ingress instances or a higher maximum"))
            }
            _ => None,
        }
    }

    /// Busy slot-seconds of `service` (`None`: the ingress) in `zone`, window `w`.
    fn busy(&self, service: Option<usize>, zone: usize, w: usize) -> f64 {
        let l = &self.a.layout;
        let row = &self.a.slot_secs[w * l.buckets()..(w + 1) * l.buckets()];
        match service {
            None => row[l.ingress_bucket(zone)],
            Some(sv) => {
                let calls = self.s.services[sv].calls.len();
                (0..1 + 2 * calls).map(|k| row[l.bucket(sv, zone, k)]).sum()
            }
        }
    }

    /// Saturated spans of each tier (ingress, then services).
    fn saturation(&self, out: &mut Vec<Finding>) {
        let (w0, windows) = (self.first_window(), self.a.windows());
        let zones = self.a.zones();
        let services = self.s.services.len();
        let tiers: Vec<Option<usize>> = std::iter::once(None)
            .filter(|_| !self.s.ingress.instances.is_empty())
            .chain((0..services).map(Some))
            .collect();
        for tier in tiers {
            let cap_index = tier.unwrap_or(services);
            let util = |w: usize, z: usize| {
                let cap = self.a.capacity(w, cap_index, z);
                (cap > 0.0).then(|| self.busy(tier, z, w) / cap)
            };
            let hot = |w: usize| (0..zones).any(|z| util(w, z).is_some_and(|u| u >= SATURATED));
            // Spans of consecutive hot windows, bridging up to three cool ones.
            let mut spans: Vec<(usize, usize)> = Vec::new();
            for w in w0..windows {
                if !hot(w) {
                    continue;
                }
                match spans.last_mut() {
                    Some((_, end)) if w <= *end + 4 => *end = w,
                    _ => spans.push((w, w)),
                }
            }
            // The two longest spans, in time order.
            spans.sort_by_key(|&(a, b)| std::cmp::Reverse(b - a));
            spans.truncate(2);
            spans.sort();
            for (a, b) in spans {
                out.push(self.saturated_span(tier, a, b, &util));
            }
        }
    }

    fn saturated_span(
        &self,
        tier: Option<usize>,
        a: usize,
        b: usize,
        util: &dyn Fn(usize, usize) -> Option<f64>,
    ) -> Finding {
        let zones = self.a.zones();
        let n = b - a + 1;
        let hot: Vec<usize> = (0..zones)
            .filter(|&z| {
                let k = (a..=b)
                    .filter(|&w| util(w, z).is_some_and(|u| u >= SATURATED))
                    .count();
                2 * k >= n
            })
            .collect();
        let hot = if hot.is_empty() {
            (0..zones).collect()
        } else {
            hot
        };
        let cap_index = tier.unwrap_or(self.s.services.len());
        let (mut busy, mut cap) = (0.0, 0.0);
        for w in a..=b {
            for &z in &hot {
                busy += self.busy(tier, z, w);
                cap += self.a.capacity(w, cap_index, z);
            }
        }
        let busy_share = if cap > 0.0 {
            (busy / cap).min(1.0)
        } else {
            0.0
        };
        let name = tier.map_or_else(
            || "ingress".to_string(),
            |i| self.s.services[i].name.clone(),
        );
        let zone_names: Vec<String> = hot.iter().map(|&z| self.zone(z)).collect();
        let (from, to) = (self.window_start(a), self.window_end(b));
        let mut figures = BTreeMap::new();
        figures.insert("busy_share".into(), busy_share);
        let (attribution, suggestion);
        if let Some(sv) = tier {
            let l = &self.a.layout;
            let calls = &self.s.services[sv].calls;
            let sum = |slot: usize| -> f64 {
                (a..=b)
                    .flat_map(|w| hot.iter().map(move |&z| (w, z)))
                    .map(|(w, z)| self.a.slot_secs[w * l.buckets() + l.bucket(sv, z, slot)])
                    .sum()
            };
            let own = sum(0);
            figures.insert(
                "own_work_share".into(),
                if busy > 0.0 { own / busy } else { 0.0 },
            );
            let mut top: Option<(usize, f64, f64)> = None;
            for (k, call) in calls.iter().enumerate() {
                let (ok, failed) = (sum(1 + 2 * k), sum(2 + 2 * k));
                let share = if busy > 0.0 {
                    (ok + failed) / busy
                } else {
                    0.0
                };
                let key = format!(
                    "waiting_on_{}_share",
                    self.target(call.target).replace('-', "_")
                );
                *figures.entry(key).or_insert(0.0) += share;
                if top.is_none_or(|(_, s, _)| share > s) {
                    let failed_share = if ok + failed > 0.0 {
                        failed / (ok + failed)
                    } else {
                        0.0
                    };
                    top = Some((k, share, failed_share));
                }
            }
            let own_share = if busy > 0.0 { own / busy } else { 0.0 };
            match top {
                Some((k, share, failed_share)) if share > own_share => {
                    let call = &calls[k];
                    let target = self.target(call.target);
                    let via = match call.target {
                        CallTarget::Destination(_) => {
                            let devices: Vec<String> = {
                                let mut d: Vec<String> =
                                    hot.iter().filter_map(|&z| self.device(z)).collect();
                                d.dedup();
                                d
                            };
                            if devices.is_empty() {
                                String::new()
                            } else {
                                format!(" via {}", and_list(&devices))
                            }
                        }
                        CallTarget::Service(_) => String::new(),
                    };
                    figures.insert("top_wait_failed_share".into(), failed_share);
                    let failed = if failed_share > 0.0 {
                        format!(
                            " ({} of those waits ended in a failure or timeout)",
                            pct(failed_share)
                        )
                    } else {
                        String::new()
                    };
                    attribution =
                        format!(", {} of it waiting on {target}{via}{failed}", pct(share));
                    let timeout = call.timeout.unwrap_or(self.s.clients.timeout).as_secs_f64();
                    suggestion = Some(format!(
                        "to test with `trafsim compare`: a shorter timeout on {name}'s call to {target} (now {timeout} s), circuit breaking, or more replicas of {name}"
                    ));
                }
                _ => {
                    attribution = format!(", {} of it on its own work", pct(own_share));
                    let hpa = if self.s.services[sv].hpa.is_some() {
                        "a higher `hpa.max`"
                    } else {
                        "an HPA"
                    };
                    suggestion = Some(format!(
                        "to test with `trafsim compare`: more replicas of {name} ({hpa}) or more `concurrency` per pod"
                    ));
                }
            }
        } else {
            attribution = ", all of it its own processing (an ingress slot is not held while the backend works)".into();
            suggestion = Some(
                "to test with `trafsim compare`: more ingress instances (or a higher maximum)"
                    .into(),
            );
        }
        let zone_word = if hot.len() == 1 { "zone" } else { "zones" };
        let mut sentence = format!(
            "{name} saturated in {zone_word} {} from {} to {} ({} windows): {} busy{attribution}",
            and_list(&zone_names),
            secs(from),
            secs(to),
            n,
            pct(busy_share)
        );
        let mut suggestion = suggestion;
        // Saturation that outlives the fault it started in, and the clients' retries meanwhile:
        // a metastable failure sustained by its own retries.
        let retries = self.retries_per_request(a, b);
        if let Some(r) = retries {
            figures.insert("retries_per_request".into(), r);
        }
        if let Some(end) = self.fault_end_within(from) {
            let past = to - end;
            if past >= 3.0 * self.a.width().as_secs_f64() {
                figures.insert("outlasted_fault_secs".into(), past);
                let _ = write!(
                    sentence,
                    "; it outlasted the fault's end at {} by {}",
                    secs(end),
                    secs(past)
                );
            }
        }
        if let Some(r) = retries.filter(|&r| r >= 0.5) {
            let _ = write!(
                sentence,
                "; clients sent {r:.2} retries per request meanwhile"
            );
            if self.s.clients.retries.budget.is_none() {
                suggestion = Some(format!(
                    "to test with `trafsim compare`: a client retry budget (`retries = {{ …, budget = 0.2 }}`) or fewer attempts; {}",
                    suggestion
                        .as_deref()
                        .unwrap_or("")
                        .trim_start_matches("to test with `trafsim compare`: ")
                ));
            }
        }
        Finding {
            kind: "saturation".into(),
            component: name,
            phase: self.phase(from),
            from_secs: Some(from),
            to_secs: Some(to),
            figures,
            sentence,
            suggestion,
        }
    }

    /// Client retries per offered request in windows `a..=b` (from the time series), if any
    /// request was offered.
    fn retries_per_request(&self, a: usize, b: usize) -> Option<f64> {
        let windows = self.series.windows();
        let (mut retries, mut offered) = (0.0, 0u64);
        for (w, window) in windows.iter().enumerate().take(b + 1).skip(a) {
            let g = self.series.gauge(w, gauge::CLIENT_RETRIES);
            retries += g.mean_last().unwrap_or(0.0) * g.n as f64;
            offered += window.offered;
        }
        (offered > 0).then(|| retries / offered as f64)
    }

    /// The end of the fault that time `t` falls in, if it has one.
    fn fault_end_within(&self, t: f64) -> Option<f64> {
        self.s.faults.iter().find_map(|f| {
            let start = f.at.as_secs_f64();
            let end = start + f.duration?.as_secs_f64();
            (t >= start && t < end).then_some(end)
        })
    }

    /// SNAT ports held above [`SNAT_HIGH`] of the limit (from the time series' gauges).
    fn snat_high(&self, out: &mut Vec<Finding>) {
        let windows = self.series.windows();
        let w0 = self.first_window().min(windows.len());
        let mut first = None;
        let (mut peak, mut limit_at_peak) = (0.0f64, 0.0f64);
        for (w, _) in windows.iter().enumerate().skip(w0) {
            let (Some(ports), Some(limit)) = (
                self.series.gauge(w, gauge::SNAT_PORTS).mean_max(),
                self.series.gauge(w, gauge::SNAT_LIMIT).mean_max(),
            ) else {
                continue;
            };
            if limit > 0.0 && ports >= SNAT_HIGH * limit && first.is_none() {
                first = Some(w);
            }
            if limit > 0.0 && ports / limit > peak / limit_at_peak.max(f64::MIN_POSITIVE) {
                peak = ports;
                limit_at_peak = limit;
            }
        }
        let Some(w) = first else { return };
        let from = self.window_start(w);
        let mut figures = BTreeMap::new();
        figures.insert("peak_ports".into(), peak);
        figures.insert("port_limit".into(), limit_at_peak);
        figures.insert("peak_share".into(), peak / limit_at_peak);
        out.push(Finding {
            kind: "snat-high".into(),
            component: "SNAT ports".into(),
            phase: self.phase(from),
            from_secs: Some(from),
            to_secs: None,
            figures,
            sentence: format!(
                "SNAT ports at the busiest destination endpoint passed {} of the limit from {} (peak {} of {} on average over replications)",
                pct(SNAT_HIGH),
                secs(from),
                grouped(peak.round() as u64),
                grouped(limit_at_peak.round() as u64)
            ),
            suggestion: Some(format!(
                "to test with `trafsim compare`: {} or more connection reuse (`connection_reuse`, `keep_alive`)",
                self.snat_lever()
            )),
        });
    }

    /// The egress's own lever on SNAT ports.
    fn snat_lever(&self) -> &'static str {
        match &self.s.egress.kind {
            EgressKind::LoadBalancer { .. } => {
                "more outbound IPs (`outbound_ips`) or ports per node (`allocated_outbound_ports`)"
            }
            EgressKind::Firewall { nat: None, .. } => {
                "a NAT Gateway on the firewall subnet (`nat_gateway`) or more public IPs (`public_ips`)"
            }
            _ => "more public IPs (`public_ips`)",
        }
    }

    /// The limits the model records as it runs.
    fn limits(&self, limits: &[LimitAcc], out: &mut Vec<Finding>) {
        let services = self.a.services().max(1);
        for kind in LimitKind::ALL {
            let count = if kind.per_service() { services } else { 1 };
            for sv in 0..count {
                let i = kind as usize * services + sv;
                let Some(acc) = limits.get(i).filter(|a| a.reached > 0) else {
                    continue;
                };
                let Some(t) = acc.first_secs else { continue };
                let name = self
                    .s
                    .services
                    .get(sv)
                    .map_or_else(String::new, |v| v.name.clone());
                let reps = format!("in {} of {} replications", acc.reached, self.reps);
                let (kind_name, component, sentence, suggestion) = match kind {
                    LimitKind::HpaAtMax => (
                        "hpa-at-max",
                        name.clone(),
                        format!(
                            "{name}'s HPA reached its maximum ({} pods) at {} ({reps})",
                            acc.figure,
                            secs(t)
                        ),
                        Some(format!(
                            "to test with `trafsim compare`: a higher `hpa.max` for {name}"
                        )),
                    ),
                    LimitKind::PodsPending => (
                        "pods-pending",
                        name.clone(),
                        format!(
                            "pods of {name} were pending for capacity from {} (up to {} at once; {reps})",
                            secs(t),
                            acc.figure
                        ),
                        Some("to test with `trafsim compare`: more zone capacity (`zone_capacity`) or a spread rule that allows the surviving zones".into()),
                    ),
                    LimitKind::QueueFull => (
                        "queue-full",
                        name.clone(),
                        format!("{name}'s queue was first full (rejecting) at {} ({reps})", secs(t)),
                        None,
                    ),
                    LimitKind::IngressQueueFull => (
                        "queue-full",
                        "ingress".into(),
                        format!("the ingress first turned requests away at {} ({reps})", secs(t)),
                        None,
                    ),
                    LimitKind::IngressAtMax => (
                        "ingress-at-max",
                        "ingress".into(),
                        format!(
                            "the ingress wanted {} instances, at or above its maximum, from {} ({reps})",
                            acc.figure,
                            secs(t)
                        ),
                        Some("to test with `trafsim compare`: a higher ingress maximum (`max_instances` or the gateway `hpa.max`)".into()),
                    ),
                    LimitKind::FirewallOverThroughput => (
                        "firewall-over-throughput",
                        "Azure Firewall".into(),
                        format!(
                            "Azure Firewall carried more than its instances' throughput from {} (up to {} of it; {reps})",
                            secs(t),
                            pct(acc.figure)
                        ),
                        Some("to test with `trafsim compare`: more firewall instances to start with (`instances`)".into()),
                    ),
                };
                let mut figures = BTreeMap::new();
                figures.insert("figure".into(), acc.figure);
                figures.insert("replications_reached".into(), acc.reached as f64);
                out.push(Finding {
                    kind: kind_name.into(),
                    component,
                    phase: self.phase(t),
                    from_secs: Some(t),
                    to_secs: None,
                    figures,
                    sentence,
                    suggestion,
                });
            }
        }
    }

    /// Whether the windows after the warm-up and before the first fault met the SLO: the p99
    /// of their merged completions and their error ratio. `None` without `[slo]` or with no
    /// such window.
    fn steady_state(&self) -> Option<Finding> {
        let slo = self.s.slo.as_ref()?;
        let first = self
            .s
            .faults
            .iter()
            .map(|f| f.at.as_secs_f64())
            .fold(f64::INFINITY, f64::min);
        let windows = self.series.windows();
        let mut merged: Option<crate::stats::Window> = None;
        let (mut from, mut to) = (f64::INFINITY, 0.0f64);
        for w in windows {
            let (a, b) = (w.start.as_secs_f64(), w.end.as_secs_f64());
            if a < self.warm || b > first {
                continue;
            }
            from = from.min(a);
            to = to.max(b);
            match &mut merged {
                None => merged = Some(w.clone()),
                Some(m) => m.merge_counts(w),
            }
        }
        let m = merged?;
        let finished = m.completed + m.errors_total();
        if finished == 0 {
            return None;
        }
        let p99 = m.p99().as_secs_f64();
        let errors = m.errors_total() as f64 / finished as f64;
        let met = m.completed > 0 && p99 <= slo.p99.as_secs_f64() && errors <= slo.error_rate;
        let what = if self.s.faults.is_empty() {
            "the run"
        } else {
            "steady state"
        };
        let mut figures = BTreeMap::new();
        figures.insert("p99_secs".into(), p99);
        figures.insert("error_rate".into(), errors);
        figures.insert("met".into(), f64::from(u8::from(met)));
        Some(Finding {
            kind: "steady-state-slo".into(),
            component: "slo".into(),
            phase: self.phase(from),
            from_secs: Some(from),
            to_secs: Some(to),
            figures,
            sentence: format!(
                "{what} ({} to {}) {} the SLO: p99 {:.3} s against {:.3} s, errors {} against {}",
                secs(from),
                secs(to),
                if met { "met" } else { "missed" },
                p99,
                slo.p99.as_secs_f64(),
                pct(errors),
                pct(slo.error_rate)
            ),
            suggestion: None,
        })
    }
}

/// A fault kind's name as in the scenario file.
fn fault_name(k: &FaultKind) -> &'static str {
    match k {
        FaultKind::ZoneOutage { .. } => "zone-outage",
        FaultKind::PodCrash { .. } => "pod-crash",
        FaultKind::DependencyDegradation { .. } => "dependency-degradation",
        FaultKind::GrayFailure { .. } => "gray-failure",
        FaultKind::PodHang { .. } => "pod-hang",
        FaultKind::NodeFailure { .. } => "node-failure",
        FaultKind::IngressInstanceLoss { .. } => "ingress-instance-loss",
        FaultKind::ZoneLatency { .. } => "zone-latency",
    }
}
