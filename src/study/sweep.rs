//! Sweeps: one field of the scenario run at several values, one row of estimates per value.
//!
//! A sweep is given on the command line (`trafsim run FILE --sweep clients.rate=500..5000:250`)
//! or in the file:
//!
//! ```toml
//! [sweep]
//! field = "clients.rate"
//! from = 500
//! to = 5000
//! step = 250            # or: values = [500, 1000, 2000]
//! ```
//!
//! Any numeric field of the file can be swept (`services[0].concurrency=1..8:1`), and so can a
//! duration, with its unit on every number (`clients.timeout=1s..5s:1s`). Each value is applied
//! as an override to the TOML value and the scenario resolved again, so a value the scenario
//! does not allow is reported before anything runs. Whole numbers are written as integers, so
//! count fields accept them.
//!
//! All points × replications run in one rayon pool and are collected in index order, so the
//! rows do not depend on the thread count; every point uses the same seed, so neighbouring
//! points see the same underlying random numbers (common random numbers) and the curve is
//! smoother than independent runs would make it. Results go to `<out>/<scenario>/sweep.csv`
//! (see [`crate::study::sweep_run`]) and `sweep.json`.

use serde::Serialize;

use crate::runner::Summary;
use crate::scenario::SweepTable;
use crate::stats::Estimate;
use crate::study::overrides::{FieldPath, Override, number};

/// Most points a sweep may have.
pub const MAX_POINTS: usize = 1_000;

/// A field and the values it takes.
#[derive(Clone, Debug, PartialEq)]
pub struct Sweep {
    /// The field.
    pub path: FieldPath,
    /// The values, in order.
    pub values: Vec<SweepValue>,
}

/// One value of a sweep.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepValue {
    /// As written into the file: a number, or a string such as "10ms".
    pub value: toml::Value,
    /// The number (in the unit written, if any), for the x axis.
    pub x: f64,
    /// As shown: "500", "10ms".
    pub label: String,
}

impl Sweep {
    /// Parses `--sweep PATH=FROM..TO:STEP` or `--sweep PATH=V1,V2,…`; numbers may carry a
    /// unit (`10ms`), the same on every number.
    pub fn parse_flag(text: &str) -> Result<Sweep, String> {
        let Some((path, spec)) = text.split_once('=') else {
            return Err(format!(
                "expected FIELD=FROM..TO:STEP or FIELD=V1,V2,…, e.g. clients.rate=500..5000:250, got `{text}`"
            ));
        };
        let path = FieldPath::parse(path)?;
        let spec = spec.trim();
        let values = if let Some((from, rest)) = spec.split_once("..") {
            let Some((to, step)) = rest.split_once(':') else {
                return Err(format!(
                    "a range needs a step: FROM..TO:STEP, e.g. 500..5000:250, got `{spec}`"
                ));
            };
            let (from, unit) = quantity(from)?;
            let (to, to_unit) = quantity(to)?;
            let (step, step_unit) = quantity(step)?;
            if to_unit != unit || step_unit != unit {
                return Err(format!(
                    "FROM, TO and STEP need the same unit, got `{spec}`"
                ));
            }
            range(from, to, step)?
                .into_iter()
                .map(|x| value(x, &unit))
                .collect()
        } else {
            let list: Vec<(f64, String)> =
                spec.split(',').map(quantity).collect::<Result<_, _>>()?;
            list.into_iter().map(|(x, unit)| value(x, &unit)).collect()
        };
        Sweep::new(path, values)
    }

    /// The sweep of a `[sweep]` table.
    pub(crate) fn from_table(t: &SweepTable) -> Result<Sweep, String> {
        let path = FieldPath::parse(&t.field)?;
        let values = match (&t.values, t.from, t.to, t.step) {
            (Some(list), None, None, None) => list
                .iter()
                .map(|v| match v {
                    toml::Value::Integer(i) => Ok(value(*i as f64, "")),
                    toml::Value::Float(x) => Ok(value(*x, "")),
                    toml::Value::String(s) => quantity(s).map(|(x, unit)| value(x, &unit)),
                    other => Err(format!(
                        "`values` holds numbers or durations such as \"10ms\", got {other}"
                    )),
                })
                .collect::<Result<Vec<_>, _>>()?,
            (None, Some(from), Some(to), Some(step)) => range(from, to, step)?
                .into_iter()
                .map(|x| value(x, ""))
                .collect(),
            _ => {
                return Err(
                    "give `from`, `to` and `step`, or `values` (not both, not only some)".into(),
                );
            }
        };
        Sweep::new(path, values)
    }

    fn new(path: FieldPath, values: Vec<SweepValue>) -> Result<Sweep, String> {
        if values.is_empty() {
            return Err("a sweep needs at least one value".into());
        }
        if values.len() > MAX_POINTS {
            return Err(format!(
                "a sweep may have at most {MAX_POINTS} values, this one has {}",
                values.len()
            ));
        }
        Ok(Sweep { path, values })
    }

    /// The override that sets the field to `v`.
    pub fn point(&self, v: &SweepValue) -> Override {
        Override {
            path: self.path.clone(),
            value: v.value.clone(),
        }
    }
}

/// `from, from + step, …` up to `to` (included when reached, allowing for rounding).
fn range(from: f64, to: f64, step: f64) -> Result<Vec<f64>, String> {
    if !(from.is_finite() && to.is_finite() && step.is_finite()) {
        return Err("FROM, TO and STEP must be finite numbers".into());
    }
    if step <= 0.0 {
        return Err(format!("STEP must be more than 0, got {step}"));
    }
    if to < from {
        return Err(format!("TO ({to}) must not be below FROM ({from})"));
    }
    let count = ((to - from) / step + 1e-9).floor() + 1.0;
    if count > MAX_POINTS as f64 {
        return Err(format!(
            "a sweep may have at most {MAX_POINTS} values; {from}..{to} in steps of {step} has {count}"
        ));
    }
    // Each value from its index, rounded to 12 significant digits, so that 0.1 + 0.2 reads 0.3.
    Ok((0..count as usize)
        .map(|k| round12(from + k as f64 * step))
        .collect())
}

fn round12(x: f64) -> f64 {
    if x == 0.0 {
        return 0.0;
    }
    let scale = 10f64.powi(11 - x.abs().log10().floor() as i32);
    (x * scale).round() / scale
}

/// A number with an optional unit suffix: `250`, `2.5`, `10ms`.
fn quantity(text: &str) -> Result<(f64, String), String> {
    let text = text.trim();
    // The unit is the trailing run of letters, so that `1e9` stays a number.
    let split = text
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphabetic())
        .last()
        .map_or(text.len(), |(i, _)| i);
    let (number, unit) = text.split_at(split);
    let x: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("expected a number such as `250` or `10ms`, got `{text}`"))?;
    if !x.is_finite() {
        return Err(format!("expected a finite number, got `{text}`"));
    }
    Ok((x, unit.trim().to_string()))
}

/// The value `x` with `unit` (a string such as "10ms"), or the plain number.
fn value(x: f64, unit: &str) -> SweepValue {
    let label = format!("{x}{unit}");
    let value = if unit.is_empty() {
        number(x)
    } else {
        toml::Value::String(label.clone())
    };
    SweepValue { value, x, label }
}

/// One row of a sweep's results.
#[derive(Clone, Debug, Serialize)]
pub struct SweepRow {
    /// The field's value, as written.
    pub value: String,
    /// The field's value as a number (in the unit written).
    pub x: f64,
    /// Offered requests per second.
    pub offered_per_s: Estimate,
    /// Successful requests per second.
    pub goodput_per_s: Estimate,
    /// End-to-end latency quantiles of successful requests, seconds.
    pub p50_s: Estimate,
    /// 90th percentile, seconds.
    pub p90_s: Estimate,
    /// 99th percentile, seconds.
    pub p99_s: Estimate,
    /// 99.9th percentile, seconds.
    pub p999_s: Estimate,
    /// Failed share of offered requests.
    pub error_rate: Estimate,
    /// Busy share of each tier's servers, in tier order.
    pub utilisation: Vec<TierUtilisation>,
    /// The SLO verdict ("met", "missed", "inconclusive"), when the scenario has an `[slo]`.
    pub slo: Option<String>,
}

/// A tier's utilisation at one sweep point.
#[derive(Clone, Debug, Serialize)]
pub struct TierUtilisation {
    /// The tier: "ingress", a service name, "egress".
    pub tier: String,
    /// Time-average busy share of its servers.
    pub utilisation: Estimate,
}

impl SweepRow {
    /// The row for value `v`, from the point's summary.
    pub fn new(v: &SweepValue, s: &Summary) -> SweepRow {
        SweepRow {
            value: v.label.clone(),
            x: v.x,
            offered_per_s: s.throughput,
            goodput_per_s: s.goodput,
            p50_s: s.latency.p50,
            p90_s: s.latency.p90,
            p99_s: s.latency.p99,
            p999_s: s.latency.p999,
            error_rate: s.errors.rate,
            utilisation: s
                .tiers
                .iter()
                .map(|t| TierUtilisation {
                    tier: t.name.clone(),
                    utilisation: t.utilisation,
                })
                .collect(),
            slo: s.slo.as_ref().map(|v| v.verdict.as_str().to_string()),
        }
    }
}

/// A sweep's results: what `sweep.json` holds.
#[derive(Clone, Debug, Serialize)]
pub struct SweepResult {
    /// Layout version of `sweep.json`.
    pub schema_version: u32,
    /// Version of trafsim that produced it.
    pub trafsim_version: String,
    /// Scenario name.
    pub scenario: String,
    /// The field swept, as a path.
    pub field: String,
    /// Master seed (the same at every point).
    pub seed: u64,
    /// Replications per point.
    pub replications: u64,
    /// Simulated time measured per replication (after the warm-up), seconds.
    pub measured_secs: f64,
    /// One curve per variant (one curve, named after the scenario, without variants).
    pub series: Vec<SweepSeries>,
}

/// The rows of one variant.
#[derive(Clone, Debug, Serialize)]
pub struct SweepSeries {
    /// The variant's name, or the scenario's without variants.
    pub label: String,
    /// The variant, if the curve is one.
    pub variant: Option<String>,
    /// One row per value, in order.
    pub points: Vec<SweepRow>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_include_their_end_and_round() {
        let s = Sweep::parse_flag("clients.rate=500..5000:250").unwrap();
        assert_eq!(s.path.to_string(), "clients.rate");
        assert_eq!(s.values.len(), 19);
        assert_eq!(s.values[18].value, toml::Value::Integer(5000));
        let s = Sweep::parse_flag("clients.new_tls_connection_share=0..0.3:0.1").unwrap();
        let xs: Vec<f64> = s.values.iter().map(|v| v.x).collect();
        assert_eq!(xs, vec![0.0, 0.1, 0.2, 0.3]);
        assert_eq!(s.values[1].value, toml::Value::Float(0.1));
    }

    #[test]
    fn lists_and_units() {
        let s = Sweep::parse_flag("clients.timeout=1s..3s:1s").unwrap();
        let labels: Vec<&str> = s.values.iter().map(|v| v.label.as_str()).collect();
        assert_eq!(labels, ["1s", "2s", "3s"]);
        assert_eq!(s.values[0].value, toml::Value::String("1s".into()));
        let s = Sweep::parse_flag("clients.timeout=1.5e3ms,2e3ms").unwrap();
        assert_eq!(s.values[0].value, toml::Value::String("1500ms".into()));
        let s = Sweep::parse_flag("services[0].concurrency=1,2,4").unwrap();
        assert_eq!(s.values[2].value, toml::Value::Integer(4));
    }

    #[test]
    fn bad_sweeps_say_why() {
        for (text, expect) in [
            ("clients.rate", "FIELD=FROM..TO:STEP"),
            ("clients.rate=1..5", "needs a step"),
            ("clients.rate=5..1:1", "must not be below"),
            ("clients.rate=1..5:0", "more than 0"),
            ("clients.rate=1..5:x", "expected a number"),
            ("clients.rate=1s..5:1", "same unit"),
            ("clients.rate=0..1e9:1", "at most"),
            ("a..b=1,2", "not a field path"),
        ] {
            let e = Sweep::parse_flag(text).unwrap_err();
            assert!(e.contains(expect), "{text}: {e}");
        }
    }
}
