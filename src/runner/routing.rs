//! Results per request class, client route and call target, over the replications: what
//! `summary.json`'s `routing` holds and the report's "Per route and request class" table shows,
//! so that a canary's users (a class, a route, an option of a weighted call) can be seen apart
//! from the rest.
//!
//! Each figure is estimated across replications as the scenario's own: one value per
//! replication (its share, its error rate, its p50 and p99), then their mean with a 95% Student
//! t interval. A slice with no success in a replication has no latency there (the estimate's
//! `n` says so); one where nothing ended has no error rate.

use serde::Serialize;

use crate::model::RunResult;
use crate::model::routing::SliceRun;
use crate::runner::summary::{LatencyAccumulator, LatencySummary, estimate_or_null};
use crate::scenario::Scenario;
use crate::stats::Estimate;

/// The per-class, per-route and per-target results (each list empty when there is nothing to
/// tell apart: no `[[clients.classes]]`, one route, no `choose`).
#[derive(Clone, Debug, Serialize)]
pub struct RoutingSummary {
    /// Per request class, `default` (requests of no declared class) last.
    pub classes: Vec<SliceSummary>,
    /// Per client route (`[clients] routes`).
    pub routes: Vec<SliceSummary>,
    /// Per option of each weighted choice among call targets (`choose`): the calls to that
    /// target as their caller saw them.
    pub call_targets: Vec<SliceSummary>,
}

impl RoutingSummary {
    /// Whether there is anything to show.
    pub fn is_empty(&self) -> bool {
        self.classes.is_empty() && self.routes.is_empty() && self.call_targets.is_empty()
    }
}

/// One class, route or call target over the replications.
#[derive(Clone, Debug, Serialize)]
pub struct SliceSummary {
    /// The class name, the route's path, or `caller → target` for a call target.
    pub name: String,
    /// Call targets: the calling service.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caller: Option<String>,
    /// Call targets: the called service or destination.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Call targets: the call's position in the caller's `calls`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call: Option<usize>,
    /// Requests offered (a class, a route) or calls made to the target (a call target,
    /// retries included), all replications.
    pub offered: u64,
    /// Of those, the ones that succeeded.
    pub succeeded: u64,
    /// Of those, the ones that failed.
    pub failed: u64,
    /// Share of the offered requests (a class, a route), or of the calls of its choice (a call
    /// target).
    pub share: Estimate,
    /// Failed share of its offered requests or calls, over the replications in which any
    /// ended; `null` when none did.
    #[serde(serialize_with = "estimate_or_null")]
    pub error_rate: Estimate,
    /// Latency of its successes: end to end for a class or a route; the call's, as its caller
    /// waited, for a call target.
    pub latency: LatencySummary,
}

/// One slice's samples, replication by replication.
#[derive(Debug, Default)]
struct SliceAccumulator {
    offered: u64,
    succeeded: u64,
    failed: u64,
    share: Vec<f64>,
    error_rate: Vec<f64>,
    latency: LatencyAccumulator,
}

impl SliceAccumulator {
    fn push(&mut self, s: &SliceRun, total: u64) {
        self.offered += s.offered;
        self.succeeded += s.succeeded;
        self.failed += s.failed;
        if total > 0 {
            self.share.push(s.offered as f64 / total as f64);
        }
        self.error_rate.extend(s.error_rate());
        self.latency.push(&s.latency);
    }

    fn finish(&self, name: String) -> SliceSummary {
        SliceSummary {
            name,
            caller: None,
            target: None,
            call: None,
            offered: self.offered,
            succeeded: self.succeeded,
            failed: self.failed,
            share: Estimate::from_samples(&self.share),
            error_rate: Estimate::from_samples(&self.error_rate),
            latency: self.latency.finish(),
        }
    }
}

/// The routing results of replications pushed one at a time, in index order.
#[derive(Debug, Default)]
pub(crate) struct RoutingAccumulator {
    classes: Vec<SliceAccumulator>,
    routes: Vec<SliceAccumulator>,
    call_targets: Vec<SliceAccumulator>,
}

impl RoutingAccumulator {
    /// Adds one replication.
    pub(crate) fn push(&mut self, s: &Scenario, r: &RunResult) {
        let routing = &r.routing;
        let grow = |acc: &mut Vec<SliceAccumulator>, n: usize| {
            acc.resize_with(acc.len().max(n), SliceAccumulator::default)
        };
        grow(&mut self.classes, routing.classes.len());
        grow(&mut self.routes, routing.routes.len());
        grow(&mut self.call_targets, routing.call_targets.len());
        let total = |slices: &[SliceRun]| slices.iter().map(|c| c.offered).sum::<u64>();
        let classes_total = total(&routing.classes);
        for (acc, c) in self.classes.iter_mut().zip(&routing.classes) {
            acc.push(c, classes_total);
        }
        let routes_total = total(&routing.routes);
        for (acc, c) in self.routes.iter_mut().zip(&routing.routes) {
            acc.push(c, routes_total);
        }
        // A call target's share is of its own choice's calls.
        let mut slot = 0;
        for c in s.services.iter().flat_map(|v| &v.choices) {
            let n = c.calls.len();
            let Some(options) = routing.call_targets.get(slot..slot + n) else {
                break;
            };
            let choice_total = total(options);
            for (acc, o) in self.call_targets[slot..slot + n].iter_mut().zip(options) {
                acc.push(o, choice_total);
            }
            slot += n;
        }
    }

    /// The summary, named from `s`.
    pub(crate) fn finish(&self, s: &Scenario) -> RoutingSummary {
        let classes = self
            .classes
            .iter()
            .zip(&s.clients.classes)
            .map(|(acc, c)| acc.finish(c.name.clone()))
            .collect();
        let routes = self
            .routes
            .iter()
            .zip(&s.clients.routes)
            .map(|(acc, r)| acc.finish(r.name.clone()))
            .collect();
        let call_targets = self
            .call_targets
            .iter()
            .zip(s.call_options())
            .map(|(acc, o)| {
                let caller = s.services[o.caller].name.clone();
                let target = s.target_name(o.target).to_string();
                SliceSummary {
                    caller: Some(caller.clone()),
                    target: Some(target.clone()),
                    call: Some(o.call),
                    ..acc.finish(format!("{caller} → {target}"))
                }
            })
            .collect();
        RoutingSummary {
            classes,
            routes,
            call_targets,
        }
    }
}
