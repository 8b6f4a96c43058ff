//! Routing as written: request classes (`[[clients.classes]]`), the weighted choice among call
//! targets (`choose = [...]` on a call) and the header rules (`match`) of routes and options.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

/// `[[clients.classes]]`: a share of the clients whose requests carry some headers (a canary's
/// beta users, an A/B cohort). Requests of no declared class form the class "default".
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ClassTable {
    /// Name, for rules (`match = { class = "beta" }`) and for the per-class results. Not
    /// "default", which names the requests of no declared class.
    pub name: String,
    /// Share of client requests in this class, greater than 0 and at most 1; the classes'
    /// shares sum to at most 1, and what they leave is the class "default".
    pub share: f64,
    /// Headers every request of the class carries, e.g. { "x-canary" = "true" }; names are
    /// case-insensitive. Default: none.
    pub headers: Option<BTreeMap<String, String>>,
}

/// `match`: which requests a route or an option takes — those of the request classes that
/// carry a header with a value, or those of one class. Give `header` and `value`, or `class`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct MatchRule {
    /// A header name (case-insensitive), e.g. "x-canary".
    pub header: Option<String>,
    /// The header's value, matched exactly, e.g. "true".
    pub value: Option<String>,
    /// A request class name (`[[clients.classes]]`), instead of a header.
    pub class: Option<String>,
}

/// One option of a weighted choice: a target with a weight, or a target that takes the
/// requests a `match` rule selects. Give `service` or `destination`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChoiceOption {
    /// A `[[services]]` name.
    pub service: Option<String>,
    /// An `[[egress.destinations]]` name.
    pub destination: Option<String>,
    /// Relative weight among the options without `match`, at least 0 (90 and 10 send 90% and
    /// 10%). Default: 1.
    pub weight: Option<f64>,
    /// Header-based routing: requests whose class matches take this option (the first
    /// matching option in order); the rest are split by weight among the options without
    /// `match`. Default: none.
    #[serde(rename = "match")]
    pub matches: Option<MatchRule>,
}
