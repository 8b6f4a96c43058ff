//! Reading the parsed document into the raw types, one section (and one `[[array]]` element)
//! at a time, so that a typo in `[simulation]` and a wrong type in the third `[[services]]`
//! are both reported, not only the first: serde stops at the first error of a value.

use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use super::context::Cx;
use super::error::{list, suggestion};
use super::locate::FieldPath;
use super::raw::{SECTIONS, ScenarioFile};

/// The raw scenario; every problem found is recorded in `cx`.
pub(crate) fn scenario_file(cx: &mut Cx<'_>) -> ScenarioFile {
    let mut file = ScenarioFile::default();
    let Some(root) = cx.root() else { return file };
    let mut saw_clients = false;
    integers_in_range(cx, root);
    for (key, value) in root.iter() {
        let name: &str = key.get_ref();
        let at = FieldPath::root().key(name);
        if TABLES.contains(&name) && !value.get_ref().is_table() {
            not_a_table(cx, &at, value);
            saw_clients |= name == "clients";
            continue;
        }
        match name {
            "simulation" => file.simulation = one(cx, value, &at),
            "clients" => {
                saw_clients = true;
                file.clients = one(cx, value, &at).unwrap_or_default();
            }
            "network" => file.network = one(cx, value, &at),
            "ingress" => file.ingress = one(cx, value, &at),
            "services" => file.services = each(cx, value, &at).unwrap_or_default(),
            "egress" => file.egress = one(cx, value, &at),
            "network_policies" => file.network_policies = each(cx, value, &at),
            "faults" => file.faults = each(cx, value, &at),
            "slo" => file.slo = one(cx, value, &at),
            "costs" => file.costs = one(cx, value, &at),
            "variants" => file.variants = each(cx, value, &at),
            "sweep" => file.sweep = one(cx, value, &at),
            other => cx.error(
                &at,
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

/// The sections that are one table (`[clients]`), not an array of tables (`[[services]]`).
const TABLES: &[&str] = &[
    "simulation",
    "clients",
    "network",
    "ingress",
    "egress",
    "slo",
    "costs",
    "sweep",
];

/// A section that must be one table but is written as something else (`[[clients]]`).
fn not_a_table(cx: &mut Cx<'_>, at: &FieldPath, value: &Spanned<DeValue<'_>>) {
    let given = match value.get_ref() {
        DeValue::Array(items) if items.iter().all(|i| i.get_ref().is_table()) => {
            format!("an array of tables (`[[{at}]]`)")
        }
        other => format!("{} value", kind(other)),
    };
    cx.error(
        at,
        format!("must be one table, written `[{at}]`, got {given}"),
    );
}

/// What a TOML value is, for messages.
fn kind(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// Reports every integer outside TOML's range (−2^63 to 2^63−1) at its own place: toml reads
/// them for the scenario types, but any later read of the file as TOML fails with no place.
fn integers_in_range(cx: &mut Cx<'_>, root: &DeTable<'_>) {
    fn walk(cx: &mut Cx<'_>, value: &Spanned<DeValue<'_>>, here: &FieldPath) {
        match value.get_ref() {
            DeValue::Integer(n) => {
                let digits = n.as_str().replace('_', "");
                let digits = digits.strip_prefix('+').unwrap_or(&digits);
                if i64::from_str_radix(digits, n.radix()).is_err()
                    && i128::from_str_radix(digits, n.radix()).is_ok()
                {
                    cx.error_at(
                        value.span(),
                        here,
                        format!(
                            "{} is out of TOML's integer range, {} to {}",
                            n.as_str(),
                            i64::MIN,
                            i64::MAX
                        ),
                    );
                }
            }
            DeValue::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    walk(cx, item, &here.index(i));
                }
            }
            DeValue::Table(t) => {
                for (k, v) in t.iter() {
                    walk(cx, v, &here.key(k.get_ref()));
                }
            }
            _ => {}
        }
    }
    for (k, v) in root.iter() {
        walk(cx, v, &FieldPath::root().key(k.get_ref()));
    }
}

/// One value at `at`, or `None` after recording toml's error.
fn one<T: DeserializeOwned>(
    cx: &mut Cx<'_>,
    value: &Spanned<DeValue<'_>>,
    at: &FieldPath,
) -> Option<T> {
    T::deserialize(ValueDeserializer::from(value.clone()))
        .map_err(|e| cx.toml_error(&e, Some((value.get_ref(), at))))
        .ok()
}

/// An array read element by element, so that each element's first error is reported; `None`
/// if any element (or the value itself) is wrong.
fn each<T: DeserializeOwned>(
    cx: &mut Cx<'_>,
    value: &Spanned<DeValue<'_>>,
    at: &FieldPath,
) -> Option<Vec<T>> {
    let DeValue::Array(items) = value.get_ref() else {
        return one(cx, value, at);
    };
    let read: Vec<Option<T>> = items
        .iter()
        .enumerate()
        .map(|(i, item)| one(cx, item, &at.index(i)))
        .collect();
    read.into_iter().collect()
}
