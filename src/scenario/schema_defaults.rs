//! The `default` keywords of the scenario's JSON Schema, taken from the constants in
//! [`super::defaults`] (so an editor shows the value the loader really uses, and the two
//! cannot drift), and the descriptions' line breaks: doc comments are wrapped at 100
//! columns, which editors would show as breaks mid-sentence.
//!
//! Only defaults that do not depend on another field are listed: an ingress's instances
//! differ by `kind`, so their description names each kind's default instead.

use serde_json::{Value, json};

use super::defaults as d;

/// A field (`section.key`, `services[].key` for every element of an array of tables) and its
/// built-in default as written in a file.
pub(crate) fn defaults() -> Vec<(&'static str, Value)> {
    let t = |x: crate::engine::SimDuration| Value::String(x.to_string());
    vec![
        ("simulation.duration", t(d::DURATION)),
        ("simulation.warmup", t(d::WARMUP)),
        ("simulation.replications", json!(d::REPLICATIONS)),
        ("simulation.seed", json!(d::SEED)),
        ("simulation.window", t(d::WINDOW)),
        ("simulation.max_windows", json!(d::MAX_WINDOWS)),
        ("clients.new_tls_connection_share", json!(d::NEW_TLS_SHARE)),
        ("clients.kib_per_request", json!(d::KIB_PER_REQUEST)),
        ("clients.timeout", t(d::CLIENT_TIMEOUT)),
        ("clients.retries.attempts", json!(d::RETRY_ATTEMPTS)),
        ("clients.retries.backoff", t(d::RETRY_BACKOFF)),
        ("clients.retries.max_backoff", t(d::RETRY_MAX_BACKOFF)),
        ("clients.connections.protocol", json!("http1")),
        ("network.zones", json!(d::ZONES)),
        ("network.in_zone", t(d::IN_ZONE)),
        ("network.cross_zone", t(d::CROSS_ZONE)),
        ("network.node_provisioning", t(d::NODE_PROVISIONING)),
        ("ingress.kind", json!("none")),
        ("services[].concurrency", json!(d::POD_CONCURRENCY)),
        ("services[].protocol", json!("http1")),
        ("services[].startup", t(d::POD_STARTUP)),
        ("services[].termination_grace", t(d::TERMINATION_GRACE)),
        ("egress.kind", json!("load-balancer")),
        ("egress.port_cooldown", t(d::PORT_COOLDOWN)),
        ("egress.ports_per_ip", json!(d::NAT_PORTS_PER_IP)),
        ("egress.outbound_ips", json!(d::LB_OUTBOUND_IPS)),
        (
            "egress.allocated_outbound_ports",
            json!(d::LB_ALLOCATED_OUTBOUND_PORTS),
        ),
        ("egress.instances", json!(d::FIREWALL_INSTANCES)),
        (
            "egress.destinations[].pool.idle_timeout",
            t(d::POOL_IDLE_TIMEOUT),
        ),
    ]
}

/// Sets every [`defaults`] entry as the `default` of its property in `schema`; an entry whose
/// property is not found is left out (a unit test makes sure none is).
pub(crate) fn add_defaults(schema: &mut Value) {
    for (path, value) in defaults() {
        if let Some(pointer) = pointer(schema, path)
            && let Some(property) = schema.pointer_mut(&pointer)
            && let Some(object) = property.as_object_mut()
        {
            object.insert("default".into(), value);
        }
    }
}

/// The JSON pointer of the property schema of `path` (see [`defaults`]): each step but the
/// last goes into the table its property refers to (`$ref`, a one-element `allOf`, or the
/// `items` of an array of tables), which is a shared definition.
pub(crate) fn pointer(schema: &Value, path: &str) -> Option<String> {
    let mut table = String::new();
    let steps: Vec<&str> = path.split('.').collect();
    for (i, step) in steps.iter().enumerate() {
        let key = step.strip_suffix("[]").unwrap_or(step);
        let at = format!("{table}/properties/{key}");
        let node = schema.pointer(&at)?;
        if i + 1 == steps.len() {
            return Some(at);
        }
        let target = if step.ends_with("[]") {
            node.get("items")?.get("$ref")
        } else {
            node.get("$ref")
                .or_else(|| node.get("allOf")?.get(0)?.get("$ref"))
        }?;
        table = target.as_str()?.strip_prefix('#')?.to_string();
    }
    None
}

/// Joins the lines of every `description` into one paragraph per blank-line-separated block:
/// doc comments are wrapped at 100 columns, not where the sentence ends.
pub(crate) fn unwrap_descriptions(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if key == "description"
                    && let Value::String(text) = v
                {
                    *text = unwrap(text);
                } else {
                    unwrap_descriptions(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(unwrap_descriptions),
        _ => {}
    }
}

/// `text` with single line breaks turned into spaces; blank lines (paragraphs) kept.
fn unwrap(text: &str) -> String {
    text.split("\n\n")
        .map(|para| {
            para.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimDuration;

    /// The value a description gives after "Default: ", as JSON: a quoted string, a list or a
    /// number.
    fn documented(description: &str) -> Option<Value> {
        let rest = description.split("Default: ").nth(1)?;
        let end = if let Some(quoted) = rest.strip_prefix('"') {
            quoted.find('"')? + 2
        } else if rest.starts_with('[') {
            rest.find(']')? + 1
        } else {
            rest.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
                .unwrap_or(rest.len())
                .min(rest.trim_end_matches('.').len())
        };
        serde_json::from_str(rest[..end].trim_end_matches('.')).ok()
    }

    /// Equal as a file means it: durations by value ("0.1ms" = "100us"), else as JSON.
    fn same(a: &Value, b: &Value) -> bool {
        match (a.as_str(), b.as_str()) {
            (Some(x), Some(y)) => match (SimDuration::parse(x), SimDuration::parse(y)) {
                (Ok(x), Ok(y)) => x == y,
                _ => x == y,
            },
            _ => a == b || a.as_f64().zip(b.as_f64()).is_some_and(|(x, y)| x == y),
        }
    }

    #[test]
    fn every_default_lands_on_its_property_and_agrees_with_its_description() {
        let schema = crate::scenario::json_schema();
        for (path, value) in defaults() {
            let at = pointer(&schema, path).unwrap_or_else(|| panic!("{path}: not in the schema"));
            let property = schema.pointer(&at).unwrap();
            assert_eq!(property.get("default"), Some(&value), "{path}");
            let description = property["description"].as_str().unwrap_or_default();
            let written = documented(description)
                .unwrap_or_else(|| panic!("{path}: no Default in {description:?}"));
            assert!(
                same(&written, &value),
                "{path}: doc {written}, constant {value}"
            );
        }
    }

    #[test]
    fn descriptions_are_not_broken_mid_sentence() {
        let text = crate::scenario::json_schema().to_string();
        // A line break inside a description shows as an escaped \n in the JSON text.
        for (i, _) in text.match_indices("\\n") {
            let around = &text[i.saturating_sub(40)..(i + 40).min(text.len())];
            assert!(around.contains("\\n\\n"), "a single line break: {around}");
        }
        assert_eq!(unwrap("a\nb\n\nc\nd"), "a b\n\nc d");
    }
}
