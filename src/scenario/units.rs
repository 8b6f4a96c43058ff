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
                parse_duration(s).map(HumanDuration).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Text)
    }
}

/// The JSON-Schema pattern of a duration, for editors.
pub(crate) const DURATION_PATTERN: &str =
    r"^(0|(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|ms|s|min|m|h))+)$";

/// The units of a duration, largest first, each with its rank (`m` and `min` are one unit).
const UNITS: [(&str, u8); 8] = [
    ("h", 6),
    ("min", 5),
    ("m", 5),
    ("s", 4),
    ("ms", 3),
    ("us", 2),
    ("µs", 2),
    ("ns", 1),
];

/// A duration as the file writes it: `"250ms"`, `"1m30s"`, `"0"`. Stricter than
/// [`SimDuration::parse`], so that a typo is refused rather than read as something else: no
/// spaces (`"10 s"`), and each unit at most once, largest first (`"1h1h"`, `"30s1m"`), as
/// Kubernetes and Go write durations.
pub(crate) fn parse_duration(text: &str) -> Result<SimDuration, String> {
    let bad = |why: &str| format!("invalid duration {text:?}: {why}");
    if text.chars().any(char::is_whitespace) {
        return Err(bad(&format!(
            "no spaces inside a duration; write {:?}",
            text.split_whitespace().collect::<String>()
        )));
    }
    let mut rest = text;
    let mut last: Option<(&str, u8)> = None;
    while !rest.is_empty() {
        let number = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let tail = &rest[number..];
        let unit_len = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let unit = &tail[..unit_len];
        if let Some(&(_, rank)) = UNITS.iter().find(|(u, _)| *u == unit) {
            match last {
                Some((before, r)) if r == rank => {
                    return Err(bad(&format!(
                        "`{unit}` comes twice (after `{before}`); give each unit once, such as \"1h30m\""
                    )));
                }
                Some((before, r)) if r < rank => {
                    return Err(bad(&format!(
                        "`{unit}` after `{before}`; give units from the largest to the smallest, such as \"1m30s\""
                    )));
                }
                _ => last = Some((unit, rank)),
            }
        }
        rest = &tail[unit_len..];
    }
    SimDuration::parse(text).map_err(|e| e.to_string())
}

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

/// A CPU quantity as Kubernetes writes it: millicores (`"500m"`), cores (`"1.5"`, `"2"`) or a
/// number of cores (`0.5`); kept in cores. Kubernetes allows no precision finer than 1m.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct CpuQuantity(pub(crate) f64);

/// Reads `"500m"`, `"1.5"` or `"2"` as cores.
pub(crate) fn parse_cpu(text: &str) -> Result<f64, String> {
    let bad = || {
        format!(
            "invalid CPU quantity {text:?}: expected millicores such as \"500m\" or cores such as \"1.5\""
        )
    };
    let (number, scale) = match text.strip_suffix('m') {
        Some(n) => (n, 1e-3),
        None => (text, 1.0),
    };
    if number.is_empty() || !number.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return Err(bad());
    }
    let v: f64 = number.parse().map_err(|_| bad())?;
    cpu_cores(v * scale).ok_or_else(bad)
}

/// Cores if finite and at least 1m.
fn cpu_cores(v: f64) -> Option<f64> {
    (v.is_finite() && v >= 1e-3 - 1e-12).then_some(v)
}

impl<'de> Deserialize<'de> for CpuQuantity {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Quantity;
        impl Visitor<'_> for Quantity {
            type Value = CpuQuantity;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a CPU quantity such as \"500m\", \"1.5\" or 2 (at least 1m)")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<CpuQuantity, E> {
                parse_cpu(s).map(CpuQuantity).map_err(E::custom)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<CpuQuantity, E> {
                cpu_cores(v).map(CpuQuantity).ok_or_else(|| {
                    E::custom(format!(
                        "invalid CPU quantity {v}: at least 0.001 cores (1m)"
                    ))
                })
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<CpuQuantity, E> {
                self.visit_f64(v as f64)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<CpuQuantity, E> {
                self.visit_f64(v as f64)
            }
        }
        deserializer.deserialize_any(Quantity)
    }
}

impl JsonSchema for CpuQuantity {
    fn schema_name() -> Cow<'static, str> {
        "CpuQuantity".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "CPU as Kubernetes writes it: millicores (\"500m\") or cores (\"1.5\", 2); at least 1m.",
            "oneOf": [
                { "type": "string", "pattern": r"^([0-9]+(\.[0-9]*)?|\.[0-9]+)m?$" },
                { "type": "number", "minimum": 0.001 }
            ],
            "examples": ["500m", "1", 2]
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

    #[test]
    fn cpu_quantities_read_as_cores() {
        assert_eq!(parse_cpu("500m"), Ok(0.5));
        assert_eq!(parse_cpu("1.5"), Ok(1.5));
        assert!(parse_cpu("0.5m").is_err());
        assert!(parse_cpu("1 core").unwrap_err().contains("\"500m\""));
        assert!(parse_cpu("-1").is_err());
    }

    #[test]
    fn durations_are_written_one_way() {
        assert_eq!(parse_duration("1m30s"), Ok(SimDuration::from_secs(90)));
        assert_eq!(
            parse_duration("1h2min3s4ms"),
            SimDuration::parse("1h2m3s4ms").map_err(|e| e.to_string())
        );
        assert_eq!(parse_duration("0"), Ok(SimDuration::ZERO));
        let e = parse_duration("10 s").unwrap_err();
        assert!(e.contains("no spaces") && e.contains("\"10s\""), "{e}");
        assert!(parse_duration(" 10s").is_err());
        let e = parse_duration("1h1h").unwrap_err();
        assert!(e.contains("`h` comes twice"), "{e}");
        assert!(parse_duration("1m2min").unwrap_err().contains("twice"));
        let e = parse_duration("30s1m").unwrap_err();
        assert!(e.contains("largest to the smallest"), "{e}");
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("").is_err());
    }
}
