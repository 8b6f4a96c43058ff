//! Limits approached (SNAT ports above 80% of the limit, the limits the model records as it
//! runs) and the steady state's SLO verdict before the first fault.

use std::collections::BTreeMap;

use super::{Context, Finding, LimitAcc, SNAT_HIGH, grouped, pct, secs};
use crate::model::attribution::LimitKind;
use crate::model::result::gauge;
use crate::scenario::EgressKind;

impl Context<'_> {
    /// SNAT ports held above [`SNAT_HIGH`] of the limit (from the time series' gauges).
    pub(super) fn snat_high(&self, out: &mut Vec<Finding>) {
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
    pub(super) fn snat_lever(&self) -> &'static str {
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
    pub(super) fn limits(&self, limits: &[LimitAcc], out: &mut Vec<Finding>) {
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
    pub(super) fn steady_state(&self) -> Option<Finding> {
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
