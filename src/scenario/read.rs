//! Reading the parsed document into the raw types, one section (and one `[[array]]` element)
//! at a time, so that a typo in `[simulation]` and a wrong type in the third `[[services]]`
//! are both reported, not only the first: serde stops at the first error of a value.

use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeValue, ValueDeserializer};

use super::context::Cx;
use super::error::{list, suggestion};
use super::locate::FieldPath;
use super::raw::{SECTIONS, ScenarioFile};

/// The raw scenario; every problem found is recorded in `cx`.
pub(crate) fn scenario_file(cx: &mut Cx<'_>) -> ScenarioFile {
    let mut file = ScenarioFile::default();
    let Some(root) = cx.root() else { return file };
    let mut saw_clients = false;
    for (key, value) in root.iter() {
        let name: &str = key.get_ref();
        match name {
            "simulation" => file.simulation = one(cx, value),
            "clients" => {
                saw_clients = true;
                file.clients = one(cx, value).unwrap_or_default();
            }
            "network" => file.network = one(cx, value),
            "ingress" => file.ingress = one(cx, value),
            "services" => file.services = each(cx, value).unwrap_or_default(),
            "egress" => file.egress = one(cx, value),
            "network_policies" => file.network_policies = each(cx, value),
            "faults" => file.faults = each(cx, value),
            "slo" => file.slo = one(cx, value),
            "costs" => file.costs = one(cx, value),
            "variants" => file.variants = each(cx, value),
            "sweep" => file.sweep = one(cx, value),
            other => cx.error(
                &FieldPath::root().key(other),
                format!(
                    "unknown section `{other}`, expected one of {}{}",
                    list(SECTIONS.iter().copied()),
                    suggestion(other, SECTIONS.iter().copied())
                ),
            ),
        }
    }
    if !saw_clients {
        cx.error(
            &FieldPath::root().key("clients"),
            "a [clients] section with `rate` or `profile` is required",
        );
    }
    if !root.contains_key("services") {
        cx.error(
            &FieldPath::root().key("services"),
            "at least one [[services]] section is required",
        );
    }
    file
}

/// One value, or `None` after recording toml's error.
fn one<T: DeserializeOwned>(cx: &mut Cx<'_>, value: &Spanned<DeValue<'_>>) -> Option<T> {
    T::deserialize(ValueDeserializer::from(value.clone()))
        .map_err(|e| cx.toml_error(&e))
        .ok()
}

/// An array read element by element, so that each element's first error is reported; `None`
/// if any element (or the value itself) is wrong.
fn each<T: DeserializeOwned>(cx: &mut Cx<'_>, value: &Spanned<DeValue<'_>>) -> Option<Vec<T>> {
    let DeValue::Array(items) = value.get_ref() else {
        return one(cx, value);
    };
    let read: Vec<Option<T>> = items.iter().map(|item| one(cx, item)).collect();
    read.into_iter().collect()
}
