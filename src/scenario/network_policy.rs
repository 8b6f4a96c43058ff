//! Kubernetes NetworkPolicy semantics over the scenario's services and destinations: which
//! calls the scenario's own policies allow.
//!
//! As in Kubernetes, policies are allow-lists that add up. A service that some policy selects
//! with an ingress rule (`allow_from`) accepts calls only from the services listed by any such
//! policy; one that no such policy selects accepts calls from everyone. Likewise for egress:
//! a service selected by a policy with an egress rule (`allow_to` or `allow_destinations`) may
//! call only the services and destinations those rules list. A call must pass both the caller's
//! egress and the target's ingress. The ingress tier is always allowed to reach services (as if
//! every policy allowed the ingress controller's namespace or the Application Gateway subnet).

use super::{CallTarget, Scenario};

/// One `[[network_policies]]` entry, names resolved to indices.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetworkPolicy {
    /// Name, for warnings and counts.
    pub name: String,
    /// The selected service (index into [`Scenario::services`]).
    pub service: usize,
    /// Ingress rule: services allowed to call it; `None`: no ingress rule.
    pub allow_from: Option<Vec<usize>>,
    /// Egress rule: services and destinations it may call; `None`: no egress rule.
    pub allow_to: Option<EgressRule>,
}

/// The egress rule of a policy.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EgressRule {
    /// Services it may call (indices into [`Scenario::services`]).
    pub services: Vec<usize>,
    /// External destinations it may call (indices into the egress destinations).
    pub destinations: Vec<usize>,
}

impl EgressRule {
    fn allows(&self, target: CallTarget) -> bool {
        match target {
            CallTarget::Service(t) => self.services.contains(&t),
            CallTarget::Destination(d) => self.destinations.contains(&d),
        }
    }
}

impl Scenario {
    /// The policy that denies a call from service `caller` to `target`, or `None` when the
    /// policies allow it. When several policies isolate the pair, the first in file order is
    /// named (the caller's egress ones before the target's ingress ones).
    pub fn call_denied_by(&self, caller: usize, target: CallTarget) -> Option<usize> {
        denied_by(&self.network_policies, caller, target)
    }
}

/// As [`Scenario::call_denied_by`], over a list of policies.
pub(crate) fn denied_by(
    policies: &[NetworkPolicy],
    caller: usize,
    target: CallTarget,
) -> Option<usize> {
    let egress: Vec<usize> = (0..policies.len())
        .filter(|&i| policies[i].service == caller && policies[i].allow_to.is_some())
        .collect();
    let egress_ok = egress.iter().any(|&i| {
        policies[i]
            .allow_to
            .as_ref()
            .is_some_and(|rule| rule.allows(target))
    });
    if !egress.is_empty() && !egress_ok {
        return egress.first().copied();
    }
    let CallTarget::Service(t) = target else {
        return None;
    };
    let ingress: Vec<usize> = (0..policies.len())
        .filter(|&i| policies[i].service == t && policies[i].allow_from.is_some())
        .collect();
    let ingress_ok = ingress.iter().any(|&i| {
        policies[i]
            .allow_from
            .as_ref()
            .is_some_and(|from| from.contains(&caller))
    });
    if !ingress.is_empty() && !ingress_ok {
        return ingress.first().copied();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(service: usize, from: Option<Vec<usize>>, to: Option<EgressRule>) -> NetworkPolicy {
        NetworkPolicy {
            name: format!("p{service}"),
            service,
            allow_from: from,
            allow_to: to,
        }
    }

    #[test]
    fn unselected_services_allow_everything() {
        let ps = [policy(2, Some(vec![0]), None)];
        assert_eq!(denied_by(&ps, 1, CallTarget::Service(0)), None);
        assert_eq!(denied_by(&ps, 1, CallTarget::Destination(0)), None);
        assert_eq!(denied_by(&[], 1, CallTarget::Service(2)), None);
    }

    #[test]
    fn ingress_rules_add_up() {
        let ps = [
            policy(2, Some(vec![0]), None),
            policy(2, Some(vec![1]), None),
            policy(3, Some(vec![]), None),
        ];
        assert_eq!(denied_by(&ps, 0, CallTarget::Service(2)), None);
        assert_eq!(denied_by(&ps, 1, CallTarget::Service(2)), None);
        assert_eq!(denied_by(&ps, 3, CallTarget::Service(2)), Some(0));
        assert_eq!(denied_by(&ps, 0, CallTarget::Service(3)), Some(2));
    }

    #[test]
    fn egress_rules_restrict_services_and_destinations() {
        let only_dest = EgressRule {
            services: vec![],
            destinations: vec![1],
        };
        let ps = [policy(0, None, Some(only_dest))];
        assert_eq!(denied_by(&ps, 0, CallTarget::Destination(1)), None);
        assert_eq!(denied_by(&ps, 0, CallTarget::Destination(0)), Some(0));
        assert_eq!(denied_by(&ps, 0, CallTarget::Service(1)), Some(0));
        assert_eq!(denied_by(&ps, 1, CallTarget::Destination(0)), None);
    }
}
