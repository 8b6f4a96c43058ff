//! Routing in the model: a request's class (drawn at arrival), the client route its class or
//! the route shares pick, the option of a weighted choice its calls take, and the results kept
//! apart per class, per route and per option.
//!
//! Classes, routes and options are small integers carried in the request's nodes (`class`,
//! `route`, `option`), so a rule is one table look-up and a result one indexed add: nothing is
//! hashed or compared per request. A scenario with one class, one route and no choice keeps
//! no per-slice results and draws nothing more than before.

use rand::Rng;

use crate::engine::SimDuration;
use crate::stats::LatencyHistogram;

use super::sim::{NO_OPTION, Node, Sim};

/// One class, route or call option over one replication (after the warm-up).
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct SliceRun {
    /// Requests (calls, for an option) that started: offered requests of a class or route;
    /// calls made to an option, retries included.
    pub offered: u64,
    /// Those that succeeded.
    pub succeeded: u64,
    /// Those that failed (for a request: finally, after its retries; for a call: each try).
    pub failed: u64,
    /// Latency of the successes: end to end for a class or a route; the call as its caller
    /// waited for it for an option.
    pub latency: LatencyHistogram,
}

impl SliceRun {
    /// Failed share of those offered (as the scenario's error rate), `None` when none ended
    /// (succeeded or failed).
    pub fn error_rate(&self) -> Option<f64> {
        (self.succeeded + self.failed > 0).then(|| self.failed as f64 / self.offered.max(1) as f64)
    }

    fn record(&mut self, ok: bool, latency: SimDuration) {
        if ok {
            self.succeeded += 1;
            self.latency.record(latency);
        } else {
            self.failed += 1;
        }
    }
}

/// Results per request class, per client route and per option of a weighted choice, in the
/// scenario's orders (classes as [`crate::scenario::Clients::classes`], routes as its
/// `routes`, options as [`crate::scenario::Scenario::call_options`]). A list is empty when
/// there is nothing to tell apart: no declared classes, one route, no `choose`.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct RoutingRun {
    /// Per request class.
    pub classes: Vec<SliceRun>,
    /// Per client route.
    pub routes: Vec<SliceRun>,
    /// Per option of a weighted choice among call targets.
    pub call_targets: Vec<SliceRun>,
}

impl RoutingRun {
    /// Empty results for the classes, routes and options of `s`.
    pub(super) fn of(s: &crate::scenario::Scenario) -> RoutingRun {
        let slices = |n: usize| vec![SliceRun::default(); n];
        let routes = s.clients.routes.len();
        RoutingRun {
            classes: slices(s.clients.classes.len()),
            routes: slices(if routes > 1 { routes } else { 0 }),
            call_targets: slices(
                s.services
                    .iter()
                    .flat_map(|v| &v.choices)
                    .map(|c| c.calls.len())
                    .sum(),
            ),
        }
    }
}

impl Sim<'_> {
    /// The class of a new request: drawn by the classes' shares (class 0 when none are
    /// declared, without a draw).
    pub(super) fn draw_class(&mut self) -> u8 {
        let classes = &self.s.clients.classes;
        if classes.len() <= 1 {
            return 0;
        }
        let u: f64 = self.rng.classes.random();
        let mut acc = 0.0;
        for (i, c) in classes.iter().enumerate() {
            acc += c.share;
            if u < acc {
                return i as u8;
            }
        }
        (classes.len() - 1) as u8
    }

    /// The client route of a request of `class`: its class's `match` rule, or the route
    /// shares (the routes with a rule have none).
    pub(super) fn draw_route(&mut self, class: u8) -> usize {
        let s = self.s;
        if let Some(Some(r)) = s.clients.route_by_class.get(class as usize) {
            return *r;
        }
        let routes = &s.clients.routes;
        if routes.len() == 1 {
            return 0;
        }
        let u: f64 = self.rng.clients.random();
        let mut acc = 0.0;
        for (i, r) in routes.iter().enumerate() {
            acc += r.share;
            if u < acc {
                return i;
            }
        }
        // Rounding left `u` above the last sum: the last route with a share.
        routes.iter().rposition(|r| r.share > 0.0).unwrap_or(0)
    }

    /// A request of `class` on `route` was offered (after the warm-up).
    pub(super) fn routing_offered(&mut self, class: u8, route: u16) {
        let r = &mut self.routing;
        if let Some(c) = r.classes.get_mut(class as usize) {
            c.offered += 1;
        }
        if let Some(c) = r.routes.get_mut(route as usize) {
            c.offered += 1;
        }
    }

    /// Request `r` ended, `ok` or not, after `latency` (counted requests only).
    pub(super) fn routing_request_done(&mut self, r: &Node, ok: bool, latency: SimDuration) {
        let routing = &mut self.routing;
        if let Some(c) = routing.classes.get_mut(r.class as usize) {
            c.record(ok, latency);
        }
        if let Some(c) = routing.routes.get_mut(r.route as usize) {
            c.record(ok, latency);
        }
    }

    /// The option a request of `class` takes at the choice whose first option is call `k` of
    /// `service`, with its result slot; `None` when the choice's probability skips the call.
    pub(super) fn choose_option(
        &mut self,
        service: usize,
        k: usize,
        class: u8,
    ) -> Option<(usize, u16)> {
        let s = self.s;
        let c = s.services[service].choice_at(k)?;
        if c.probability < 1.0 && self.rng.calls.random::<f64>() >= c.probability {
            return None;
        }
        let rng = &mut self.rng.choices;
        let pick = c.pick(class as usize, || rng.random());
        Some((pick, (c.slot + pick - c.calls.start) as u16))
    }

    /// Node `id` (work or leg) makes the option call it chose: count it, and remember its
    /// deadline, from which its reply's latency is taken.
    pub(super) fn option_call_made(&mut self, id: u32, deadline: crate::engine::SimTime) {
        let n = &mut self.nodes[id as usize];
        if n.option == NO_OPTION {
            return;
        }
        n.try_sent = deadline;
        let (option, counted) = (n.option, n.counted);
        if counted {
            self.routing.call_targets[option as usize].offered += 1;
        }
    }

    /// The option call of node `id` (work or leg) replied `ok` or not (a timeout included).
    pub(super) fn option_call_done(&mut self, id: u32, ok: bool) {
        let n = self.nodes[id as usize];
        if n.option == NO_OPTION || !n.counted {
            return;
        }
        let call = &self.s.services[n.service as usize].calls[n.call as usize];
        let timeout = call.timeout.unwrap_or(self.s.clients.timeout);
        let sent = n.try_sent.0.saturating_sub(timeout.0);
        let latency = SimDuration(self.cal.now().0.saturating_sub(sent));
        self.routing.call_targets[n.option as usize].record(ok, latency);
    }
}
