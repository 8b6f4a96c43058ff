//! Network policies in the model: a call that the scenario's policies deny is dropped at the
//! caller's node, as Kubernetes network-policy implementations (Azure NPM, Cilium, Calico) drop
//! denied packets. The caller sees nothing until its call timeout, then fails the call as
//! `policy-denied`. Denied calls are counted per caller → target pair (after the warm-up).

use crate::engine::SimDuration;
use crate::scenario::{CallTarget, Scenario};

use super::result::{DeniedCalls, ErrorCause};
use super::sim::{Ev, Sim};

/// Which (caller, target) pairs the policies deny, and how many calls each had dropped.
#[derive(Clone, Debug, Default)]
pub struct PolicyGate {
    /// Targets per caller: the services, then the destinations.
    width: usize,
    /// For each caller × target, the denying policy's index in the denied-pair list + 1
    /// (0: allowed).
    slot: Vec<u32>,
    /// The denied pairs that the scenario's calls use, in caller then call order, with their
    /// policy.
    pairs: Vec<(usize, CallTarget, usize)>,
    /// Calls dropped per denied pair (after warm-up).
    counts: Vec<u64>,
}

impl PolicyGate {
    /// The gate of `s`'s policies.
    pub fn new(s: &Scenario) -> PolicyGate {
        let services = s.services.len();
        let width = services + s.egress.destinations.len();
        let mut gate = PolicyGate {
            width,
            slot: Vec::new(),
            pairs: Vec::new(),
            counts: Vec::new(),
        };
        if s.network_policies.is_empty() {
            return gate;
        }
        gate.slot = vec![0; services * width];
        // Only the pairs the scenario's calls use: the others can never drop a call.
        for (caller, svc) in s.services.iter().enumerate() {
            for call in &svc.calls {
                let t = match call.target {
                    CallTarget::Service(t) => t,
                    CallTarget::Destination(d) => services + d,
                };
                if gate.slot[caller * width + t] != 0 {
                    continue;
                }
                if let Some(policy) = s.call_denied_by(caller, call.target) {
                    gate.pairs.push((caller, call.target, policy));
                    gate.slot[caller * width + t] = gate.pairs.len() as u32;
                }
            }
        }
        gate.counts = vec![0; gate.pairs.len()];
        gate
    }

    /// The denied-pair slot (1-based) of a call from `caller` to `target`, 0 if allowed.
    fn slot_of(&self, caller: usize, target: CallTarget, services: usize) -> u32 {
        if self.slot.is_empty() {
            return 0;
        }
        let t = match target {
            CallTarget::Service(t) => t,
            CallTarget::Destination(d) => services + d,
        };
        self.slot[caller * self.width + t]
    }

    /// Every denied pair that the scenario's calls use, with its dropped calls.
    pub fn result(&self, s: &Scenario) -> Vec<DeniedCalls> {
        self.pairs
            .iter()
            .zip(&self.counts)
            .map(|(&(caller, target, policy), &count)| DeniedCalls {
                caller: s.services[caller].name.clone(),
                target: match target {
                    CallTarget::Service(t) => s.services[t].name.clone(),
                    CallTarget::Destination(d) => s.egress.destinations[d].name.clone(),
                },
                policy: s.network_policies[policy].name.clone(),
                count,
            })
            .collect()
    }
}

impl Sim<'_> {
    /// If the policies deny a call from node `id`'s service to `target`, drops it: counts it
    /// and fails it as policy-denied when its `timeout` runs out. Returns whether it did.
    pub(super) fn policy_drops(
        &mut self,
        id: u32,
        target: CallTarget,
        timeout: SimDuration,
    ) -> bool {
        let n = self.nodes[id as usize];
        let slot = self
            .policy
            .slot_of(n.service as usize, target, self.s.services.len());
        if slot == 0 {
            return false;
        }
        if self.cal.now() >= self.warm {
            self.policy.counts[slot as usize - 1] += 1;
        }
        self.cal.schedule_in(
            timeout,
            Ev::Reply {
                node: id,
                ver: n.ver,
                tok: n.tok,
                ok: false,
                cause: ErrorCause::PolicyDenied as u8,
            },
        );
        true
    }
}
