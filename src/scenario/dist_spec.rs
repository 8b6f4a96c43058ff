//! Distributions as written in the file, and their conversion into engine [`Dist`]s.
//!
//! A distribution is a bare duration (`"5ms"`, a constant) or a table with exactly one key that
//! names the family:
//!
//! ```toml
//! service_time = { exponential = { mean = "25ms" } }
//! service_time = { lognormal = { mean = "25ms", p99 = "150ms" } }   # or { mu = -3.9, sigma = 0.8 }
//! service_time = { empirical = { p50 = "20ms", p90 = "45ms", "p99.9" = "180ms", min = "2ms" } }
//! ```
//!
//! Families: `constant`, `exponential`, `uniform`, `normal`, `lognormal`, `gamma`, `erlang`,
//! `pareto`, `empirical`. Parameters out of range (a p99 below the mean, `k = 0`) are reported
//! by the engine's constructors and turned into a diagnostic on the field.

use std::collections::BTreeMap;
use std::fmt;

use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use super::units::HumanDuration;
use crate::engine::{Dist, DistError, SimDuration};

/// The family names, in the order the messages list them.
const FAMILIES: &[&str] = &[
    "constant",
    "exponential",
    "uniform",
    "normal",
    "lognormal",
    "gamma",
    "erlang",
    "pareto",
    "empirical",
];

/// A distribution of durations: a bare duration (a constant), or a table with exactly one key
/// naming the family, e.g. `{ exponential = { mean = "25ms" } }`.
#[derive(Clone, Debug, JsonSchema)]
#[serde(untagged)]
pub(crate) enum DistSpec {
    /// A constant, written as a bare duration: `"5ms"`.
    Bare(HumanDuration),
    /// A table naming one family and its parameters.
    Family(Family),
}

/// The distribution families.
#[derive(Clone, Debug, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Family {
    /// Always the same value: `{ constant = "5ms" }`.
    Constant(HumanDuration),
    /// Exponential (memoryless) with a mean: `{ exponential = { mean = "25ms" } }`.
    Exponential(Exponential),
    /// Uniform between two bounds: `{ uniform = { min = "1ms", max = "3ms" } }`.
    Uniform(Uniform),
    /// Normal, truncated at zero: `{ normal = { mean = "20ms", sd = "5ms" } }`.
    Normal(Normal),
    /// Lognormal, fitted to a mean and p99 (`{ lognormal = { mean = "25ms", p99 = "150ms" } }`),
    /// or given by `mu` and `sigma` of ln(seconds).
    Lognormal(Lognormal),
    /// Gamma with a mean and a shape (squared coefficient of variation = 1/shape).
    Gamma(Gamma),
    /// Erlang-k with a mean: `{ erlang = { mean = "10ms", k = 4 } }`.
    Erlang(Erlang),
    /// Pareto (heavy tail) with a minimum, a tail index and an optional cap.
    Pareto(Pareto),
    /// A measured percentile table: `{ p50 = "20ms", p90 = "45ms", p99 = "180ms", min = "2ms" }`.
    /// Keys are `pNN` or `"pNN.N"` (p99.9 is quantile 0.999); quote keys with a dot.
    Empirical(BTreeMap<String, Percentile>),
}

/// `exponential` parameters.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Exponential {
    /// Mean.
    pub mean: HumanDuration,
}

/// `uniform` parameters.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Uniform {
    /// Lower bound.
    pub min: HumanDuration,
    /// Upper bound (at least `min`).
    pub max: HumanDuration,
}

/// `normal` parameters.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Normal {
    /// Mean of the untruncated normal.
    pub mean: HumanDuration,
    /// Standard deviation.
    pub sd: HumanDuration,
}

/// `lognormal` parameters: either `mean` and `p99`, or `mu` and `sigma`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Lognormal {
    /// Mean (with `p99`).
    pub mean: Option<HumanDuration>,
    /// 99th percentile (with `mean`); at most about 15 times the mean.
    pub p99: Option<HumanDuration>,
    /// Location of ln(seconds) (with `sigma`), e.g. -3.9 for a median of about 20 ms.
    pub mu: Option<f64>,
    /// Scale of ln(seconds) (with `mu`), at least 0.
    pub sigma: Option<f64>,
}

/// `gamma` parameters.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Gamma {
    /// Mean.
    pub mean: HumanDuration,
    /// Shape (> 0); 1 is exponential, larger is less variable.
    pub shape: f64,
}

/// `erlang` parameters.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Erlang {
    /// Mean.
    pub mean: HumanDuration,
    /// Number of exponential phases (at least 1).
    pub k: u32,
}

/// `pareto` parameters.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Pareto {
    /// The minimum (scale).
    pub min: HumanDuration,
    /// Tail index (> 0); below 2 the variance is infinite.
    pub alpha: f64,
    /// Optional cap (greater than `min`).
    pub max: Option<HumanDuration>,
}

/// One entry of an empirical table: a duration, or (for an unquoted dotted key such as
/// `p99.9 = "180ms"`, which TOML reads as `p99 = { 9 = "180ms" }`) a table of decimals.
#[derive(Clone, Debug, JsonSchema)]
#[serde(untagged)]
pub(crate) enum Percentile {
    /// The value at this percentile.
    Value(HumanDuration),
    /// Values at `pNN.D`, keyed by the decimals `D`.
    Decimals(BTreeMap<String, HumanDuration>),
}

impl<'de> Deserialize<'de> for Percentile {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PercentileVisitor;
        impl<'de> Visitor<'de> for PercentileVisitor {
            type Value = Percentile;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration such as \"180ms\"")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Percentile, E> {
                SimDuration::parse(s)
                    .map(|d| Percentile::Value(HumanDuration(d)))
                    .map_err(E::custom)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Percentile, A::Error> {
                let decimals =
                    Deserialize::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(Percentile::Decimals(decimals))
            }
        }
        deserializer.deserialize_any(PercentileVisitor)
    }
}

impl<'de> Deserialize<'de> for DistSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SpecVisitor)
    }
}

struct SpecVisitor;

impl<'de> Visitor<'de> for SpecVisitor {
    type Value = DistSpec;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a duration such as \"5ms\", or a table with one distribution such as { exponential = { mean = \"25ms\" } }")
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<DistSpec, E> {
        SimDuration::parse(s)
            .map(|d| DistSpec::Bare(HumanDuration(d)))
            .map_err(E::custom)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<DistSpec, A::Error> {
        let Some(name) = map.next_key::<String>()? else {
            return Err(de::Error::custom(format!(
                "an empty table is not a distribution; write one of {}",
                super::error::list(FAMILIES.iter().copied())
            )));
        };
        let family = match name.as_str() {
            "constant" => Family::Constant(map.next_value()?),
            "exponential" => Family::Exponential(map.next_value()?),
            "uniform" => Family::Uniform(map.next_value()?),
            "normal" => Family::Normal(map.next_value()?),
            "lognormal" => Family::Lognormal(map.next_value()?),
            "gamma" => Family::Gamma(map.next_value()?),
            "erlang" => Family::Erlang(map.next_value()?),
            "pareto" => Family::Pareto(map.next_value()?),
            "empirical" => Family::Empirical(map.next_value()?),
            other => return Err(de::Error::unknown_variant(other, FAMILIES)),
        };
        if let Some(extra) = map.next_key::<String>()? {
            return Err(de::Error::custom(format!(
                "a distribution has exactly one family, found `{name}` and `{extra}`"
            )));
        }
        Ok(DistSpec::Family(family))
    }
}

/// Why a spec could not become a [`Dist`]: the message, and the sub-field it concerns
/// (e.g. `["lognormal"]`), relative to the distribution's own field.
#[derive(Debug, PartialEq)]
pub(crate) struct SpecError {
    /// Keys below the distribution's field where the problem is.
    pub at: Vec<String>,
    /// What is wrong.
    pub message: String,
}

fn fail(at: &[&str], e: impl ToString) -> SpecError {
    SpecError {
        at: at.iter().map(|s| s.to_string()).collect(),
        message: e.to_string(),
    }
}

impl DistSpec {
    /// The engine distribution, or what is wrong with the parameters.
    pub(crate) fn to_dist(&self) -> Result<Dist, SpecError> {
        let family = match self {
            DistSpec::Bare(d) => return Ok(Dist::constant(d.0)),
            DistSpec::Family(f) => f,
        };
        fn at(name: &'static str) -> impl Fn(DistError) -> SpecError {
            move |e| fail(&[name], e)
        }
        match family {
            Family::Constant(d) => Ok(Dist::constant(d.0)),
            Family::Exponential(p) => Dist::exponential(p.mean.0).map_err(at("exponential")),
            Family::Uniform(p) => Dist::uniform(p.min.0, p.max.0).map_err(at("uniform")),
            Family::Normal(p) => Dist::normal(p.mean.0, p.sd.0).map_err(at("normal")),
            Family::Lognormal(p) => lognormal(p),
            Family::Gamma(p) => Dist::gamma(p.mean.0, p.shape).map_err(at("gamma")),
            Family::Erlang(p) => Dist::erlang(p.mean.0, p.k).map_err(at("erlang")),
            Family::Pareto(p) => {
                Dist::pareto(p.min.0, p.alpha, p.max.map(|m| m.0)).map_err(at("pareto"))
            }
            Family::Empirical(table) => empirical(table),
        }
    }
}

fn lognormal(p: &Lognormal) -> Result<Dist, SpecError> {
    let here = |e: DistError| fail(&["lognormal"], e);
    match (p.mean, p.p99, p.mu, p.sigma) {
        (Some(mean), Some(p99), None, None) => {
            Dist::lognormal_mean_p99(mean.0, p99.0).map_err(here)
        }
        (None, None, Some(mu), Some(sigma)) => Dist::lognormal_mu_sigma(mu, sigma).map_err(here),
        _ => Err(fail(
            &["lognormal"],
            "give either `mean` and `p99`, or `mu` and `sigma` (of ln seconds), not a mix",
        )),
    }
}

fn empirical(table: &BTreeMap<String, Percentile>) -> Result<Dist, SpecError> {
    let mut min = None;
    let mut points = Vec::new();
    for (key, entry) in table {
        match (key.as_str(), entry) {
            ("min", Percentile::Value(d)) => min = Some(d.0),
            (_, Percentile::Value(d)) => points.push((quantile(key)?, d.0)),
            (_, Percentile::Decimals(decimals)) => {
                for (digits, d) in decimals {
                    points.push((quantile(&format!("{key}.{digits}"))?, d.0));
                }
            }
        }
    }
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    Dist::empirical(&points, min).map_err(|e| fail(&["empirical"], e))
}

/// `"p99.9"` → 0.999 (parsed as `99.9e-2`, so the quantile is the nearest double to the
/// decimal written, not 99.9 / 100 with its rounding error).
fn quantile(key: &str) -> Result<f64, SpecError> {
    let value = key
        .strip_prefix('p')
        .filter(|n| n.chars().all(|c| c.is_ascii_digit() || c == '.'))
        .and_then(|n| format!("{n}e-2").parse::<f64>().ok())
        .filter(|q| *q > 0.0 && *q < 1.0);
    value.ok_or_else(|| {
        fail(
            &["empirical", key],
            format!("`{key}` is not a percentile: keys are `min` or `pNN` between p0 and p100, such as `p50`, `p99` or \"p99.9\""),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct T {
        d: DistSpec,
    }

    fn dist(text: &str) -> Result<Dist, String> {
        let t: T = toml::from_str(&format!("d = {text}")).map_err(|e| e.message().to_string())?;
        t.d.to_dist()
            .map_err(|e| format!("{}: {}", e.at.join("."), e.message))
    }

    #[test]
    fn reads_every_family() {
        let ms = SimDuration::from_millis;
        assert_eq!(dist("\"5ms\""), Ok(Dist::constant(ms(5))));
        assert_eq!(dist("{ constant = \"5ms\" }"), Ok(Dist::constant(ms(5))));
        assert_eq!(
            dist("{ exponential = { mean = \"10ms\" } }"),
            Dist::exponential(ms(10)).map_err(|e| e.0)
        );
        assert!(dist("{ uniform = { min = \"1ms\", max = \"3ms\" } }").is_ok());
        assert!(dist("{ normal = { mean = \"20ms\", sd = \"5ms\" } }").is_ok());
        assert!(dist("{ lognormal = { mean = \"25ms\", p99 = \"150ms\" } }").is_ok());
        assert!(dist("{ lognormal = { mu = -3.9, sigma = 0.8 } }").is_ok());
        assert!(dist("{ gamma = { mean = \"10ms\", shape = 2.5 } }").is_ok());
        assert!(dist("{ erlang = { mean = \"10ms\", k = 4 } }").is_ok());
        assert!(dist("{ pareto = { min = \"1ms\", alpha = 1.5, max = \"1s\" } }").is_ok());
    }

    #[test]
    fn reads_percentile_tables_with_dotted_or_quoted_keys() {
        let quoted =
            dist("{ empirical = { p50 = \"20ms\", p90 = \"45ms\", \"p99.9\" = \"180ms\" } }");
        let dotted = dist("{ empirical = { p50 = \"20ms\", p90 = \"45ms\", p99.9 = \"180ms\" } }");
        assert!(quoted.is_ok(), "{quoted:?}");
        assert_eq!(quoted, dotted);
        let Ok(Dist::Empirical { points, .. }) = quoted else {
            panic!()
        };
        assert_eq!(
            points.iter().map(|p| p.0).collect::<Vec<_>>(),
            [0.0, 0.5, 0.9, 0.999]
        );
        let e = dist("{ empirical = { q50 = \"20ms\" } }").unwrap_err();
        assert!(
            e.starts_with("empirical.q50: `q50` is not a percentile"),
            "{e}"
        );
    }

    #[test]
    fn reports_what_is_wrong() {
        let e = dist("{ lognormal = { mean = \"25ms\", p99 = \"10ms\" } }").unwrap_err();
        assert!(
            e.starts_with("lognormal: lognormal p99 (10ms) must be greater"),
            "{e}"
        );
        let e = dist("{ lognormal = { mean = \"25ms\", sigma = 1.0 } }").unwrap_err();
        assert!(
            e.contains("either `mean` and `p99`, or `mu` and `sigma`"),
            "{e}"
        );
        let e = dist("{ expo = { mean = \"1ms\" } }").unwrap_err();
        assert!(
            e.starts_with("unknown variant `expo`, expected one of `constant`"),
            "{e}"
        );
        let e = dist("{ exponential = { mean = \"1ms\" }, constant = \"1ms\" }").unwrap_err();
        assert!(e.contains("exactly one family"), "{e}");
        let e = dist("{}").unwrap_err();
        assert!(e.contains("empty table is not a distribution"), "{e}");
        let e = dist("5").unwrap_err();
        assert!(e.contains("expected a duration such as \"5ms\""), "{e}");
        let e = dist("{ erlang = { mean = \"1ms\", k = 0 } }").unwrap_err();
        assert_eq!(e, "erlang: erlang k must be at least 1, got 0");
    }
}
