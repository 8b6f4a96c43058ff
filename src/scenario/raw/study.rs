//! `[[variants]]` and `[sweep]` as written: the sections that turn one scenario into a study.
//!
//! They are only read here (types, unknown keys); the scenario itself ignores them. The
//! [`crate::study`] module applies a variant's overrides, or a sweep point, to the file's TOML
//! value and resolves the result again, so every check of the scenario applies to each variant
//! and each point.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

/// `[[variants]]`: one design alternative of the scenario, written as overrides of its fields.
/// `trafsim compare` runs each variant as a column; `trafsim capacity` searches each.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, expecting = "a [[variants]] table")]
pub(crate) struct VariantTable {
    /// Name, shown as the column or row label, e.g. "nginx".
    pub name: String,
    /// Overrides: a quoted field path and its new value, e.g.
    /// { "ingress.kind" = "nginx", "services[0].pods" = { "1" = 2 }, "clients.rate" = 3000 }.
    /// Array elements are counted from 0 or named ("services.web.concurrency"). A value
    /// replaces what the file gives (a table value replaces the whole table; `merge` merges
    /// one). Applied last. Default: no override (the scenario as written).
    #[schemars(with = "Option<BTreeMap<String, serde_json::Value>>")]
    pub set: Option<BTreeMap<String, toml::Value>>,
    /// Field paths to remove from the file, e.g. ["egress.zone"]: TOML has no null, so this
    /// list is how a variant deletes a key (or an array element: "services[1]",
    /// "services.orders"). Removing what the file does not have is an error. Applied first.
    pub remove: Option<Vec<String>>,
    /// A patch merged into the file, as in JSON Merge Patch (RFC 7396): a table merges into the
    /// table at the same place, key by key, recursively; any other value (a number, a string,
    /// an array) replaces what is there. A table under an array of named tables merges into
    /// the element of that name ([variants.merge.services.web] changes the service `web`
    /// only). Applied after `remove`, before `set`.
    #[schemars(with = "Option<BTreeMap<String, serde_json::Value>>")]
    pub merge: Option<toml::Table>,
}

/// `[sweep]`: one numeric field run at several values (what `--sweep` gives on the command
/// line). Give `from`, `to` and `step`, or `values`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, expecting = "a [sweep] table")]
pub(crate) struct SweepTable {
    /// The field swept, as a path such as "clients.rate" or "services[0].concurrency".
    pub field: String,
    /// First value.
    pub from: Option<f64>,
    /// Last value (included when a whole number of steps reaches it).
    pub to: Option<f64>,
    /// Distance between values, more than 0.
    pub step: Option<f64>,
    /// The values, instead of `from`, `to` and `step`: numbers, or durations such as "10ms".
    #[schemars(with = "Option<Vec<serde_json::Value>>")]
    pub values: Option<Vec<toml::Value>>,
}
