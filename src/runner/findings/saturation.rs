//! Saturated tiers: spans of windows in which a tier's slots were at least
//! [`SATURATED`](super::SATURATED) busy in a zone, with the share of the busy slot-time on own
//! work and on each call, and whether the saturation outlived its fault.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::{Context, Finding, SATURATED, and_list, pct, secs};
use crate::model::result::gauge;
use crate::scenario::CallTarget;

impl Context<'_> {
    /// Busy slot-seconds of `service` (`None`: the ingress) in `zone`, window `w`.
    pub(super) fn busy(&self, service: Option<usize>, zone: usize, w: usize) -> f64 {
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
    pub(super) fn saturation(&self, out: &mut Vec<Finding>) {
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

    pub(super) fn saturated_span(
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
    pub(super) fn retries_per_request(&self, a: usize, b: usize) -> Option<f64> {
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
    pub(super) fn fault_end_within(&self, t: f64) -> Option<f64> {
        self.s.faults.iter().find_map(|f| {
            let start = f.at.as_secs_f64();
            let end = start + f.duration?.as_secs_f64();
            (t >= start && t < end).then_some(end)
        })
    }
}
