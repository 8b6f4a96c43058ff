//! Human units in the file: durations written as text such as `"250ms"`, `"1.5s"`, `"10m"`.
//!
//! A [`HumanDuration`] is parsed while the file is deserialized, so a badly written duration is
//! reported by toml at its exact line and column, with the units that are allowed. Rates are plain
//! numbers of requests per second and need no type of their own.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Deserialize, Deserializer, Visitor};

use crate::engine::SimDuration;

/// A duration written with a unit: `"250ms"`, `"1.5s"`, `"10m"`, `"1m30s"` (units `ns`, `us`,
/// `ms`, `s`, `m`, `h`); a bare `"0"` is zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct HumanDuration(pub(crate) SimDuration);

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Text;
        impl Visitor<'_> for Text {
            type Value = HumanDuration;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration with a unit, such as \"250ms\", \"1.5s\" or \"10m\"")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<HumanDuration, E> {
                SimDuration::parse(s).map(HumanDuration).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Text)
    }
}

/// The JSON-Schema pattern of a duration, for editors.
pub(crate) const DURATION_PATTERN: &str =
    r"^\s*(0|(([0-9]+(\.[0-9]*)?|\.[0-9]+)\s*(ns|us|µs|ms|s|min|m|h)\s*)+)$";

impl JsonSchema for HumanDuration {
    fn schema_name() -> Cow<'static, str> {
        "Duration".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "A duration with a unit: \"250ms\", \"1.5s\", \"10m\", \"1m30s\" (ns, us, ms, s, m, h).",
            "pattern": DURATION_PATTERN,
            "examples": ["250ms", "1.5s", "10m"]
        })
    }
}

/// Optional durations as engine values.
pub(crate) fn or(value: Option<HumanDuration>, default: SimDuration) -> SimDuration {
    value.map_or(default, |d| d.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct T {
        d: HumanDuration,
    }

    #[test]
    fn parses_or_says_what_is_allowed() {
        let t: T = toml::from_str("d = \"1.5s\"").unwrap();
        assert_eq!(t.d.0, SimDuration::from_millis(1500));
        let e = toml::from_str::<T>("d = \"1.5 parsecs\"").err().unwrap();
        assert!(
            e.message().contains("invalid duration \"1.5 parsecs\""),
            "{e}"
        );
        let e = toml::from_str::<T>("d = 30").err().unwrap();
        assert!(e.message().contains("such as \"250ms\""), "{e}");
    }
}
