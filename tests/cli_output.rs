//! The files `trafsim run` writes, checked against their documented shape: `summary.json`
//! against `schemas/summary.schema.json` (JSON Schema draft 2020-12), `timeseries.csv` against
//! the columns `report::csv` documents. Needs the traffic model.

use std::path::Path;

use assert_cmd::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("schemas/summary.schema.json")).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    jsonschema::draft202012::new(&schema).expect("the summary schema is a valid 2020-12 schema")
}

/// Runs `scenario` with two replications into a temporary folder; returns the folder and the
/// summary printed with `--format json`.
fn run(scenario: &str) -> (tempfile::TempDir, serde_json::Value) {
    let out = tempfile::tempdir().unwrap();
    let output = Command::cargo_bin("trafsim")
        .unwrap()
        .arg("run")
        .arg(root().join("scenarios").join(scenario))
        .args([
            "--replications",
            "2",
            "--format",
            "json",
            "--quiet",
            "--out",
        ])
        .arg(out.path())
        .assert()
        .success()
        .get_output()
        .clone();
    let printed = serde_json::from_slice(&output.stdout).expect("stdout is one JSON document");
    (out, printed)
}

fn assert_valid(summary: &serde_json::Value) {
    let errors: Vec<String> = validator()
        .iter_errors(summary)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn summary_json_matches_its_schema() {
    let (out, printed) = run("mm1.toml");
    assert_valid(&printed);
    let text = std::fs::read_to_string(out.path().join("mm1/summary.json")).unwrap();
    let written: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(written, printed);
    assert_eq!(written["schema_version"], 5);
    assert_eq!(written["trafsim_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(written["tiers"][0]["name"], "server");
}

#[test]
fn summary_with_ingress_egress_faults_and_slo_matches_its_schema() {
    // In process, shortened: the zone-outage scenario has every optional part (an ingress, an
    // egress with SNAT, a fault, an SLO) but takes long at full length.
    let mut s = trafsim::scenario::load(&root().join("scenarios/zone-outage.toml")).unwrap();
    let k = 90.0 / s.simulation.duration.as_secs_f64();
    s.simulation.duration = s.simulation.duration.mul_f64(k);
    s.simulation.warmup = s.simulation.warmup.mul_f64(k);
    for f in &mut s.faults {
        f.at = f.at.mul_f64(k);
        f.duration = f.duration.map(|d| d.mul_f64(k));
    }
    let runs = trafsim::runner::run_replications(&s, 0..2, &|_| {});
    let summary = trafsim::runner::Summary::from_runs(&s, &runs);
    let value = serde_json::to_value(&summary).unwrap();
    assert!(value["slo"].is_object(), "{value:#}");
    assert!(value["snat_peak"].is_u64(), "{value:#}");
    assert!(value["tiers"].as_array().unwrap().len() >= 3, "{value:#}");
    assert_valid(&value);
}

#[test]
fn summary_with_a_firewall_matches_its_schema() {
    // A firewall that scales out: `firewall` is an object with instances and queueing.
    let text = r#"
[simulation]
duration = "8m"
warmup = "30s"
[clients]
rate = 40
[[services]]
name = "web"
pods = { "1" = 2 }
concurrency = 64
service_time = "1ms"
calls = [{ destination = "api" }]
[egress]
kind = "firewall"
gbps_per_instance = 0.005
[[egress.destinations]]
name = "api"
latency = "10ms"
kib_per_call = 16
"#;
    let s = trafsim::scenario::parse(text, "fw.toml").unwrap();
    let runs = trafsim::runner::run_replications(&s, 0..2, &|_| {});
    let summary = trafsim::runner::Summary::from_runs(&s, &runs);
    let value = serde_json::to_value(&summary).unwrap();
    // 40 calls/s × 16 KiB = 5.2 Mbps of 10 Mbps: 52% (no scale-out) — the object is there.
    assert!(
        value["firewall"]["mean_instances"]["mean"].is_f64(),
        "{value:#}"
    );
    assert_eq!(value["firewall"]["peak_instances"], 2, "{value:#}");
    assert_valid(&value);
}

#[test]
fn timeseries_csv_has_one_row_per_window() {
    let (out, summary) = run("mm1.toml");
    let text = std::fs::read_to_string(out.path().join("mm1/timeseries.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(
        &header[..3],
        ["window_start_s", "offered_per_s", "completed_per_s"]
    );
    assert!(header.contains(&"p99_ms") && header.contains(&"ready_pods_1"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let duration = summary["duration_secs"].as_f64().unwrap();
    let window = summary["window_secs"].as_f64().unwrap();
    assert_eq!(rows.len() as f64, (duration / window).ceil());
    for row in &rows {
        assert_eq!(row.len(), header.len());
    }
    // M/M/1 at 50 requests per second: every window after the first offers about 50/s.
    let offered: f64 = rows[5][1].parse().unwrap();
    assert!((30.0..70.0).contains(&offered), "{offered}");
}
