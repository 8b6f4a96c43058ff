//! `summary.json`: the [`Summary`] as pretty-printed JSON.
//!
//! The layout is versioned (`schema_version`) and documented field by field in
//! `schemas/summary.schema.json` (JSON Schema draft 2020-12); a test validates real output
//! against it. Durations are seconds, rates per second, shares in [0, 1]; every estimate is an
//! object `{mean, half_width, n, std_dev}` with a 95% interval.

use crate::runner::Summary;

/// The summary as pretty-printed JSON, ending with a newline.
pub fn to_json(summary: &Summary) -> Result<String, serde_json::Error> {
    let mut text = serde_json::to_string_pretty(summary)?;
    text.push('\n');
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::{PrecisionOutcome, fake};

    fn validator() -> jsonschema::Validator {
        let schema: serde_json::Value =
            serde_json::from_str(include_str!("../../schemas/summary.schema.json")).unwrap();
        jsonschema::draft202012::new(&schema).unwrap()
    }

    fn assert_valid(json: &str) {
        let value: serde_json::Value = serde_json::from_str(json).unwrap();
        let v = validator();
        let errors: Vec<String> = v.iter_errors(&value).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{errors:#?}\n{json}");
    }

    #[test]
    fn summary_with_slo_and_precision_matches_the_schema() {
        let (scenario, runs) = fake::runs(3);
        let mut summary = Summary::from_runs(&scenario, &runs);
        summary.precision = Some(PrecisionOutcome {
            target: 0.05,
            achieved: Some(0.04),
            met: true,
            max_replications: 10,
        });
        let json = to_json(&summary).unwrap();
        assert!(json.ends_with("}\n"));
        assert!(json.contains("\"verdict\""));
        assert!(json.contains("\"snat_peak\": 200"));
        assert_valid(&json);
    }

    #[test]
    fn summary_of_one_and_of_no_replication_matches_the_schema() {
        let (mut scenario, runs) = fake::runs(1);
        scenario.slo = None;
        assert_valid(&to_json(&Summary::from_runs(&scenario, &runs)).unwrap());
        assert_valid(&to_json(&Summary::from_runs(&scenario, &[])).unwrap());
    }

    #[test]
    fn summary_with_faults_matches_the_schema() {
        let (scenario, runs) = fake::runs_with_faults(3);
        let summary = Summary::from_runs(&scenario, &runs);
        assert_eq!(summary.failover.len(), 4);
        let json = to_json(&summary).unwrap();
        assert!(json.contains("\"time_to_detect_secs\""), "{json}");
        assert!(json.contains("\"dependency-degradation\""), "{json}");
        assert_valid(&json);
        let one = Summary::from_runs(&scenario, &runs[..1]);
        assert_valid(&to_json(&one).unwrap());
        assert_valid(&to_json(&Summary::from_runs(&scenario, &[])).unwrap());
    }

    #[test]
    fn summary_where_nothing_finished_has_nulls_and_matches_the_schema() {
        let (scenario, mut runs) = fake::runs(2);
        for r in &mut runs {
            r.latency = crate::stats::LatencyHistogram::new();
            for t in &mut r.tiers {
                t.latency = crate::stats::LatencyHistogram::new();
                t.unstable = true;
            }
            r.unfinished
                .record(crate::engine::SimDuration::from_secs(3));
            r.unfinished_over_slo = 1;
            r.offered = 1;
            r.succeeded = 0;
            r.failed = [0; crate::model::ErrorCause::COUNT];
        }
        let json = to_json(&Summary::from_runs(&scenario, &runs)).unwrap();
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert!(value["latency"]["p99"].is_null(), "{json}");
        assert!(value["latency"]["pooled"].is_null(), "{json}");
        assert!(value["errors"]["rate"].is_null(), "{json}");
        assert_eq!(value["requests"]["unfinished"], 2);
        assert_eq!(value["slo"]["verdict"], "missed", "{json}");
        assert_eq!(value["tiers"][0]["unstable"], true);
        assert_valid(&json);
    }

    #[test]
    fn schema_rejects_an_undocumented_field() {
        let (scenario, runs) = fake::runs(2);
        let mut value = serde_json::to_value(Summary::from_runs(&scenario, &runs)).unwrap();
        value["surprise"] = serde_json::json!(1);
        assert!(!validator().is_valid(&value));
    }
}
