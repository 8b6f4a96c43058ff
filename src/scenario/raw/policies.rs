//! `[[network_policies]]` as written: Kubernetes NetworkPolicies between services and to
//! external destinations.

use schemars::JsonSchema;
use serde::Deserialize;

/// `[[network_policies]]`: one NetworkPolicy. It selects the pods of `service`; `allow_from`
/// is its ingress rule, `allow_to` and `allow_destinations` its egress rule. A list that is
/// given (even empty) isolates the service in that direction, as `policyTypes` does; a service
/// that no policy isolates allows everything in that direction.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NetworkPolicyTable {
    /// Name, used in warnings and in the denied-call counts.
    pub name: String,
    /// The `[[services]]` name whose pods the policy selects (its podSelector).
    pub service: String,
    /// Services that may call the selected service (ingress rule); `[]` denies every caller.
    /// Default: the policy does not restrict incoming calls. The ingress tier is always
    /// allowed.
    pub allow_from: Option<Vec<String>>,
    /// Services the selected service may call (egress rule). Giving this or
    /// `allow_destinations` restricts all its outgoing calls to the two lists. Default: the
    /// policy does not restrict outgoing calls.
    pub allow_to: Option<Vec<String>>,
    /// `[[egress.destinations]]` the selected service may call (egress rule, an ipBlock).
    /// Default: the policy does not restrict outgoing calls.
    pub allow_destinations: Option<Vec<String>>,
}
