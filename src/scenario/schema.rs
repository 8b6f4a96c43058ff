//! The JSON Schema of the scenario file, for editors (Taplo / Even Better TOML): generated from
//! the raw types' `schemars` derives, so field docs become descriptions and the schema cannot
//! drift from what the loader reads.

use schemars::Schema;
use schemars::generate::SchemaSettings;
use schemars::transform::transform_subschemas;
use serde_json::Value;

use super::raw::ScenarioFile;

/// The schema, as draft 7 (the draft TOML editors understand best).
pub(crate) fn scenario_schema() -> Value {
    let settings = SchemaSettings::draft07().with_transform(drop_null);
    let mut schema = settings
        .into_generator()
        .into_root_schema_for::<ScenarioFile>()
        .to_value();
    super::schema_defaults::add_defaults(&mut schema);
    super::schema_defaults::unwrap_descriptions(&mut schema);
    schema
}

/// TOML has no null: an optional field is one that may be left out, so the `null` that
/// schemars allows for `Option` fields is removed (editors would otherwise offer it).
fn drop_null(schema: &mut Schema) {
    if let Some(obj) = schema.as_object_mut() {
        let null = serde_json::json!({ "type": "null" });
        if let Some(Value::Array(any)) = obj.get_mut("anyOf") {
            any.retain(|s| s != &null);
            if any.len() == 1 {
                let only = any.remove(0);
                obj.remove("anyOf");
                obj.insert("allOf".into(), Value::Array(vec![only]));
            }
        }
        if let Some(Value::Array(types)) = obj.get_mut("type") {
            types.retain(|t| t != "null");
            if types.len() == 1 {
                let only = types.remove(0);
                obj.insert("type".into(), only);
            }
        }
    }
    transform_subschemas(&mut drop_null, schema);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::raw::SECTIONS;

    #[test]
    fn has_every_section_the_reader_knows_and_no_null() {
        let schema = scenario_schema();
        let props = schema["properties"].as_object().unwrap();
        let mut names: Vec<&str> = props.keys().map(String::as_str).collect();
        let mut sections = SECTIONS.to_vec();
        names.sort_unstable();
        sections.sort_unstable();
        assert_eq!(names, sections);
        assert!(!schema.to_string().contains("\"null\""));
        assert_eq!(schema["additionalProperties"], Value::Bool(false));
    }
}
