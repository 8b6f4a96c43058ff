//! `[[ingress.http_routes]]` as written: Gateway API HTTPRoute rules (matches and weighted
//! backendRefs) for the ingress kinds that implement Gateway API.

use schemars::JsonSchema;
use serde::Deserialize;

/// One HTTPRoute rule: which requests it takes (`matches`) and the services it sends them to
/// (`backend_refs`, split by weight).
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct HttpRouteRule {
    /// The rule's match: a path, and optionally one header. At most one match per rule (write
    /// another rule for another). Default: path prefix "/".
    pub matches: Option<Vec<HttpRouteMatch>>,
    /// The services the rule sends to, each with a weight (Gateway API `backendRefs`).
    pub backend_refs: Vec<BackendRef>,
    /// trafsim's own: the share of client requests whose path this rule matches, greater
    /// than 0 and at most 1 (HTTPRoute itself carries no traffic mix). Only for rules without
    /// a header match; rules without a share split what the others leave. Default: that split.
    pub share: Option<f64>,
}

/// An HTTPRoute match: a path and optionally a header.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct HttpRouteMatch {
    /// The path the rule matches. Default: { type = "PathPrefix", value = "/" }.
    pub path: Option<PathMatch>,
    /// Header matches: at most one here, and a request class (`[[clients.classes]]`) must
    /// carry that header and value. Default: none.
    pub headers: Option<Vec<HeaderMatch>>,
}

/// An HTTPRoute path match.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PathMatch {
    /// "PathPrefix" or "Exact". Default: "PathPrefix".
    #[serde(rename = "type")]
    pub kind: Option<PathMatchType>,
    /// The path, starting with "/".
    pub value: String,
}

/// HTTPRoute path match types trafsim takes (a path is a label for a share of requests).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
pub(crate) enum PathMatchType {
    /// Requests whose path starts with the value.
    PathPrefix,
    /// Requests whose path is the value.
    Exact,
}

/// An HTTPRoute header match (exact value).
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct HeaderMatch {
    /// "Exact" (the only type trafsim takes). Default: "Exact".
    #[serde(rename = "type")]
    #[allow(
        dead_code,
        reason = "read only so that another type is refused by name"
    )]
    pub kind: Option<HeaderMatchType>,
    /// The header name (case-insensitive).
    pub name: String,
    /// Its value, matched exactly.
    pub value: String,
}

/// HTTPRoute header match types trafsim takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
pub(crate) enum HeaderMatchType {
    /// The header's value equals the given one.
    Exact,
}

/// An HTTPRoute backendRef: a `[[services]]` name and its weight.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct BackendRef {
    /// A `[[services]]` name.
    pub name: String,
    /// Relative weight among the rule's backends, 0 to 1,000,000 (Gateway API's range); 0
    /// sends it nothing. Default: 1.
    #[schemars(range(max = 1_000_000))]
    pub weight: Option<u32>,
}
