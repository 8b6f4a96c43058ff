//! Routing, checked: request classes, the client routes and call options they match, and the
//! weighted choice among a call's targets. Everything is indexed by small integers (a class, a
//! call), so the model picks a target without hashing a header.

use std::ops::Range;

use super::{CallTarget, Scenario, Service};

/// Name of the class of requests that belong to no declared class.
pub const DEFAULT_CLASS: &str = "default";

/// A request class: a share of the clients whose requests carry some headers.
#[derive(Clone, Debug, PartialEq)]
pub struct RequestClass {
    /// Name (`default` for the requests of no declared class).
    pub name: String,
    /// Share of client requests, in (0, 1]; the classes' shares sum to 1.
    pub share: f64,
    /// Headers its requests carry, names in lower case.
    pub headers: Vec<(String, String)>,
}

/// A weighted (or header-matched) choice among consecutive calls of a service: a request that
/// makes the call makes exactly one of them.
#[derive(Clone, Debug, PartialEq)]
pub struct Choice {
    /// The options, indices into [`Service::calls`] (one call each, in the file's order).
    pub calls: Range<usize>,
    /// Probability that a request makes the call at all, in [0, 1].
    pub probability: f64,
    /// Per request class (indexed like [`super::Clients::classes`]): the option (call index)
    /// its first matching rule takes, or `None` for the weighted split. Empty without rules.
    pub by_class: Vec<Option<usize>>,
    /// The options without a rule that have weight: (call index, cumulative share in (0, 1]),
    /// the last share being 1.
    pub weighted: Vec<(usize, f64)>,
    /// Index of the first option among all the scenario's options, for per-target results
    /// (see [`Scenario::call_options`]).
    pub slot: usize,
}

impl Choice {
    /// The option (call index) a request of `class` takes; `u` draws a uniform number in
    /// [0, 1), called only for the weighted split.
    pub fn pick(&self, class: usize, u: impl FnOnce() -> f64) -> usize {
        if let Some(Some(k)) = self.by_class.get(class) {
            return *k;
        }
        match self.weighted.as_slice() {
            [] => self.calls.start,
            [(k, _)] => *k,
            options => {
                let u = u();
                options
                    .iter()
                    .find(|(_, cum)| u < *cum)
                    .unwrap_or(&options[options.len() - 1])
                    .0
            }
        }
    }
}

/// One option of a choice, for naming per-target results.
#[derive(Clone, Debug, PartialEq)]
pub struct CallOption {
    /// The calling service (index into [`Scenario::services`]).
    pub caller: usize,
    /// The call's position in the file's `calls` of the caller.
    pub call: usize,
    /// The option's position in its `choose`.
    pub option: usize,
    /// Where it goes.
    pub target: CallTarget,
}

impl Service {
    /// Where call `k` (an index into [`Service::calls`]) is written in the file: its entry in
    /// `calls` and, for an option of a `choose`, its position there.
    pub fn call_origin(&self, k: usize) -> (usize, Option<usize>) {
        let mut extra = 0;
        for c in &self.choices {
            if c.calls.end <= k {
                extra += c.calls.len() - 1;
            } else if c.calls.start <= k {
                return (c.calls.start - extra, Some(k - c.calls.start));
            }
        }
        (k - extra, None)
    }

    /// The choice whose first option is call `k`, if any.
    #[inline]
    pub fn choice_at(&self, k: usize) -> Option<&Choice> {
        if self.choices.is_empty() {
            return None;
        }
        self.choices.iter().find(|c| c.calls.start == k)
    }
}

impl Scenario {
    /// Every option of every choice, in service then call order: the per-target results'
    /// order ([`Choice::slot`] indexes it).
    pub fn call_options(&self) -> Vec<CallOption> {
        let mut out = Vec::new();
        for (caller, svc) in self.services.iter().enumerate() {
            for c in &svc.choices {
                for k in c.calls.clone() {
                    let (call, option) = svc.call_origin(k);
                    out.push(CallOption {
                        caller,
                        call,
                        option: option.unwrap_or(0),
                        target: svc.calls[k].target,
                    });
                }
            }
        }
        out
    }

    /// The name of a call target.
    pub fn target_name(&self, target: CallTarget) -> &str {
        match target {
            CallTarget::Service(s) => &self.services[s].name,
            CallTarget::Destination(d) => &self.egress.destinations[d].name,
        }
    }
}
