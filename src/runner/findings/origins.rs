//! Failed requests counted at their origin: the egress device lost, SNAT exhaustion at a
//! destination, and the other origins that hold a share of the failures, with their levers.

use std::collections::BTreeMap;

use super::{Context, Finding, grouped, pct, secs};
use crate::model::attribution::OriginKind;
use crate::scenario::{EgressKind, FaultKind, IngressKind};

impl Context<'_> {
    /// The component an origin names.
    pub(super) fn origin_component(&self, kind: OriginKind, index: usize) -> String {
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
    pub(super) fn origin_phrase(&self, kind: OriginKind, index: usize) -> String {
        let c = self.origin_component(kind, index);
        let pool = match &self.s.ingress.kind {
            IngressKind::AppGateway(a) if a.for_containers.is_some() => {
                "Application Gateway for Containers' backend pool"
            }
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
    pub(super) fn origins(&self, out: &mut Vec<Finding>) {
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
    pub(super) fn egress_lost(
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
    pub(super) fn origin_lever(&self, kind: OriginKind, index: usize) -> Option<String> {
        let c = self.origin_component(kind, index);
        let t = "to test with `trafsim compare`:";
        match kind {
            OriginKind::QueueFull => Some(format!(
                "{t} more replicas of {c} (or a higher `hpa.max`), or shorter timeouts on its slowest call so its slots free sooner"
            )),
            OriginKind::DeadPodInIngressPool | OriginKind::DeadPodInEndpoints => Some(format!(
                "{t} faster detection (a shorter probe interval or `unhealthy_threshold`{}), a `pre_stop` on {c} longer than the time the ingress takes to drop a pod (pods removed by a scale-in keep serving until then), or retries on another pod at the ingress",
                match &self.s.ingress.kind {
                    IngressKind::AppGateway(a) if a.for_containers.is_some() => {
                        ", a shorter `control_plane_lag`"
                    }
                    IngressKind::AppGateway(_) => ", a shorter `agic_update_lag`",
                    _ => "",
                }
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
}
