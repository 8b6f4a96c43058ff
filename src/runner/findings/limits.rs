//! Limits approached (SNAT ports above 80% of the limit, the limits the model records as it
//! runs) and the steady state's SLO verdict before the first fault.

use std::collections::BTreeMap;

use super::{Context, Finding, LimitAcc, SNAT_HIGH, grouped, pct, secs};
use crate::model::attribution::LimitKind;
use crate::model::result::gauge;
use crate::runner::phases::{Phase, PhaseKind};
use crate::runner::slo::Verdict;
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

    /// The SLO verdict of the steady state: the first phase of the run (`before` the first
    /// fault, or `steady` without faults; see [`crate::runner::phases`]), with its p99 and
    /// error rate. `None` without `[slo]` or when that phase has no data, so this finding and
    /// the per-phase verdicts never disagree.
    pub(super) fn steady_state(&self, phases: &[Phase]) -> Option<Finding> {
        let slo = self.s.slo.as_ref()?;
        let p = phases
            .iter()
            .find(|p| matches!(p.kind, PhaseKind::Before | PhaseKind::Steady))?;
        let verdict = p.slo.as_ref()?;
        let (p99, errors) = (p.p99.mean, p.error_rate.mean);
        if p.p99.n == 0 || !p99.is_finite() || !errors.is_finite() {
            return None;
        }
        let said = match verdict.verdict {
            Verdict::Met => "met",
            Verdict::Missed => "missed",
            Verdict::Inconclusive => "was inconclusive against",
        };
        let what = if self.s.faults.is_empty() {
            "the run"
        } else {
            "steady state"
        };
        let mut figures = BTreeMap::new();
        figures.insert("p99_secs".into(), p99);
        figures.insert("error_rate".into(), errors);
        figures.insert(
            "met".into(),
            f64::from(u8::from(verdict.verdict == Verdict::Met)),
        );
        Some(Finding {
            kind: "steady-state-slo".into(),
            component: "slo".into(),
            phase: self.phase(p.from_secs),
            from_secs: Some(p.from_secs),
            to_secs: Some(p.to_secs),
            figures,
            sentence: format!(
                "{what} ({} to {}) {said} the SLO: p99 {:.3} s against {:.3} s, errors {} against {}",
                secs(p.from_secs),
                secs(p.to_secs),
                p99,
                slo.p99.as_secs_f64(),
                pct(errors),
                pct(slo.error_rate)
            ),
            suggestion: None,
        })
    }
}
