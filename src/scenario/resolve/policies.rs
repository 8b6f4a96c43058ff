//! `[[network_policies]]`: names become indices (unknown names are errors with a
//! did-you-mean), and every call of the scenario that its own policies deny becomes a warning
//! placed at the call.

use super::Names;
use crate::scenario::context::Cx;
use crate::scenario::locate::FieldPath;
use crate::scenario::network_policy::{EgressRule, NetworkPolicy, denied_by};
use crate::scenario::raw::NetworkPolicyTable;
use crate::scenario::{CallTarget, Diagnostic, Service};

/// The checked policies.
pub(super) fn resolve(
    cx: &mut Cx<'_>,
    tables: &[NetworkPolicyTable],
    names: &Names,
) -> Vec<NetworkPolicy> {
    let list = FieldPath::root().key("network_policies");
    super::unique(cx, &list, Some("name"), tables.iter().map(|t| &t.name));
    tables
        .iter()
        .enumerate()
        .filter_map(|(i, t)| policy(cx, &list.index(i), t, names))
        .collect()
}

fn policy(
    cx: &mut Cx<'_>,
    p: &FieldPath,
    t: &NetworkPolicyTable,
    names: &Names,
) -> Option<NetworkPolicy> {
    let service = names.service(cx, &p.key("service"), &t.service);
    let services = |cx: &mut Cx<'_>, key: &str, list: &Option<Vec<String>>| {
        list.as_ref().map(|given| {
            given
                .iter()
                .enumerate()
                .filter_map(|(j, name)| names.service(cx, &p.key(key).index(j), name))
                .collect::<Vec<_>>()
        })
    };
    let allow_from = services(cx, "allow_from", &t.allow_from);
    let allow_to_services = services(cx, "allow_to", &t.allow_to);
    let allow_destinations = t.allow_destinations.as_ref().map(|given| {
        given
            .iter()
            .enumerate()
            .filter_map(|(j, name)| {
                names.destination(cx, &p.key("allow_destinations").index(j), name)
            })
            .collect::<Vec<_>>()
    });
    let allow_to =
        (allow_to_services.is_some() || allow_destinations.is_some()).then(|| EgressRule {
            services: allow_to_services.unwrap_or_default(),
            destinations: allow_destinations.unwrap_or_default(),
        });
    if allow_from.is_none() && allow_to.is_none() {
        cx.error(
            p,
            format!(
                "policy `{}` has no rule: give `allow_from` (who may call `{}`), `allow_to` or \
                 `allow_destinations` (what it may call); `[]` denies everything",
                t.name, t.service
            ),
        );
    }
    Some(NetworkPolicy {
        name: t.name.clone(),
        service: service?,
        allow_from,
        allow_to,
    })
}

/// A warning for every call in `services` that `policies` deny, placed at the call's target
/// field and naming the caller, the target and the policy.
pub(super) fn contradictions(
    cx: &mut Cx<'_>,
    services: &[Service],
    policies: &[NetworkPolicy],
    names: &Names,
) -> Vec<Diagnostic> {
    let list = FieldPath::root().key("services");
    let mut warnings = Vec::new();
    for (s, svc) in services.iter().enumerate() {
        for (j, call) in svc.calls.iter().enumerate() {
            let Some(k) = denied_by(policies, s, call.target) else {
                continue;
            };
            let (key, target) = match call.target {
                CallTarget::Service(t) => ("service", &names.services[t]),
                CallTarget::Destination(d) => ("destination", &names.destinations[d]),
            };
            let side = if policies[k].service == s {
                format!("it limits what `{}` may call", svc.name)
            } else {
                format!("it limits who may call `{target}`")
            };
            let at = match svc.call_origin(j) {
                (j, None) => list.index(s).key("calls").index(j).key(key),
                (j, Some(i)) => list
                    .index(s)
                    .key("calls")
                    .index(j)
                    .key("choose")
                    .index(i)
                    .key(key),
            };
            warnings.push(cx.warning(
                &at,
                format!(
                    "the call from `{}` to `{target}` is denied by network policy `{}` \
                     (network_policies[{k}]; {side}): every such call will fail as \
                     policy-denied after its timeout",
                    svc.name, policies[k].name
                ),
            ));
        }
    }
    warnings
}
