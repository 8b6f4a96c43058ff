//! Loading scenario files: every shipped scenario loads, and broken files give messages that
//! name the file, the line, the field and the fix — all problems at once, never a panic.

mod common;

use common::load_error;

use std::path::{Path, PathBuf};

use trafsim::engine::{ArrivalProcess, Dist, SimDuration};
use trafsim::scenario::{self, CallTarget, EgressKind, FaultKind, IngressKind, ScenarioError};

fn scenario_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("scenarios/ exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

/// A small valid scenario to break in one place at a time.
const BASE: &str = r#"[simulation]
duration = "10m"
warmup = "1m"
replications = 5

[clients]
rate = 100

[[services]]
name = "web"
pods = { "1" = 1, "2" = 1, "3" = 1 }
service_time = { exponential = { mean = "10ms" } }
calls = [{ service = "orders", probability = 0.5 }]

[[services]]
name = "orders"
pods = { "1" = 1 }
service_time = "5ms"
"#;

#[test]
fn every_shipped_scenario_loads() {
    let files = scenario_files();
    assert!(
        files.len() >= 6,
        "expected the shipped scenarios, found {files:?}"
    );
    for path in files {
        let s = scenario::load(&path).unwrap_or_else(|e| panic!("{}:\n{e}", path.display()));
        let stem = path.file_stem().unwrap().to_string_lossy();
        assert_eq!(s.name, stem, "[simulation].name should match the file name");
        assert!(s.simulation.warmup < s.simulation.duration);
        assert!(!s.services.is_empty());
    }
}

#[test]
fn every_shipped_scenario_matches_the_json_schema() {
    let schema = scenario::json_schema();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    for path in scenario_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        let json: serde_json::Value = toml::from_str(&text).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&json)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
    }
    // And the schema rejects what the loader rejects.
    let typo: serde_json::Value = toml::from_str(&BASE.replace("replications", "replics")).unwrap();
    assert!(!validator.is_valid(&typo));
    let bad_duration: serde_json::Value =
        toml::from_str(&BASE.replace("\"10m\"", "\"10 minutes\"")).unwrap();
    assert!(!validator.is_valid(&bad_duration));
}

#[test]
fn the_textbook_scenarios_are_textbook_queues() {
    for (file, rate, slots) in [("mm1.toml", 50.0, 1), ("mmc.toml", 320.0, 4)] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios")
            .join(file);
        let s = scenario::load(&path).unwrap();
        assert_eq!(s.clients.arrivals, ArrivalProcess::Poisson(rate), "{file}");
        assert!(matches!(s.ingress.kind, IngressKind::None), "{file}");
        assert!(s.ingress.instances.is_empty(), "{file}");
        let zero = Dist::constant(SimDuration::ZERO);
        assert_eq!(s.clients.latency, zero, "{file}");
        assert_eq!(s.network.in_zone, zero, "{file}");
        assert_eq!(s.network.cross_zone, zero, "{file}");
        assert_eq!(s.clients.retries.attempts, 0, "{file}");
        assert!(s.clients.timeout >= SimDuration::from_secs(3600), "{file}");
        assert_eq!(s.services.len(), 1, "{file}");
        let server = &s.services[0];
        assert_eq!(server.pods.iter().sum::<u32>(), 1, "{file}");
        assert_eq!(server.concurrency, slots, "{file}");
        assert_eq!(server.queue_limit, None, "{file}");
        assert_eq!(
            server.service_time,
            Dist::exponential(SimDuration::from_millis(10)).unwrap()
        );
        assert!(server.calls.is_empty() && s.faults.is_empty(), "{file}");
    }
}

#[test]
fn the_zone_outage_scenario_reads_as_designed() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/zone-outage.toml");
    let s = scenario::load(&path).unwrap();
    assert_eq!(s.simulation.duration, SimDuration::from_secs(20 * 60));
    assert_eq!(s.simulation.replications, 8);
    let IngressKind::AppGateway(gw) = &s.ingress.kind else {
        panic!("{:?}", s.ingress.kind)
    };
    assert!(gw.waf);
    assert_eq!(s.services[0].pods, [3, 3, 3]);
    assert_eq!(s.services[0].calls[0].target, CallTarget::Service(1));
    assert_eq!(s.services[0].calls[1].target, CallTarget::Destination(0));
    let EgressKind::NatGateway { zones, .. } = &s.egress.kind else {
        panic!()
    };
    assert_eq!(zones, &[1]);
    let fault = &s.faults[0];
    assert!(matches!(fault.kind, FaultKind::ZoneOutage { zone: 1, .. }));
    assert_eq!(fault.at, SimDuration::from_secs(360));
    assert_eq!(fault.duration, Some(SimDuration::from_secs(480)));
}

#[test]
fn a_typo_names_the_line_and_suggests_the_key() {
    let e = load_error(&BASE.replace("replications", "replics"));
    assert!(
        e.starts_with("broken.toml:4:1: simulation.replics: unknown field `replics`"),
        "{e}"
    );
    assert!(e.contains("did you mean `replications`?"), "{e}");
}

#[test]
fn a_wrong_type_names_the_line() {
    let e = load_error(&BASE.replace("replications = 5", "replications = \"ten\""));
    assert!(
        e.starts_with("broken.toml:4:16: simulation.replications: invalid type: string \"ten\""),
        "{e}"
    );
}

#[test]
fn a_negative_rate_names_the_field_and_the_line() {
    let e = load_error(&BASE.replace("rate = 100", "rate = -5"));
    assert_eq!(
        e,
        "broken.toml:7:1: clients.rate: must be a finite number of requests per second, at least 0, got -5"
    );
}

#[test]
fn an_unknown_service_gets_a_suggestion() {
    let e = load_error(&BASE.replace("service = \"orders\"", "service = \"ordrs\""));
    assert!(
        e.contains("broken.toml:13:12: services[0].calls[0].service: no service named `ordrs`"),
        "{e}"
    );
    assert!(e.contains("did you mean `orders`?"), "{e}");
}

#[test]
fn all_problems_are_reported_at_once() {
    // Two semantic problems in different sections.
    let text = BASE
        .replace("replications = 5", "replications = 0")
        .replace("probability = 0.5", "probability = 1.5");
    let e = scenario::parse(&text, "broken.toml").unwrap_err();
    let lines: Vec<String> = e.diagnostics.iter().map(|d| d.to_string()).collect();
    assert_eq!(
        lines,
        [
            "broken.toml:4:1: simulation.replications: must be at least 1, got 0",
            "broken.toml:13:32: services[0].calls[0].probability: must be between 0 and 1, got 1.5",
        ]
    );
    // Two reading problems in different sections.
    let text = BASE
        .replace("replications", "replics")
        .replace("rate = 100", "rate = \"fast\"");
    let e = scenario::parse(&text, "broken.toml").unwrap_err();
    assert_eq!(e.diagnostics.len(), 2, "{e}");
    assert_eq!(e.diagnostics[1].field, "clients.rate");
    assert_eq!(e.diagnostics[1].line, Some(7));
}

#[test]
fn a_call_cycle_is_reported() {
    let text = format!("{BASE}calls = [{{ service = \"web\" }}]\n");
    let e = load_error(&text);
    assert!(
        e.contains("services[1].calls[0].service: call cycle web → orders → web"),
        "{e}"
    );
}

#[test]
fn semantic_checks_cover_the_whole_file() {
    let text = format!(
        "{}\n[ingress]\nkind = \"nginx\"\nagic_update_lag = \"40s\"\n\n[[faults]]\nkind = \"zone-outage\"\nzone = \"4\"\nat = \"11m\"\n",
        BASE.replace("warmup = \"1m\"", "warmup = \"10m\"")
    );
    let e = load_error(&text);
    for expected in [
        "simulation.warmup: must be shorter than `duration` (10m), got 10m",
        "ingress.agic_update_lag: `agic_update_lag` applies only to kind = \"app-gateway\", not to kind = \"nginx\"",
        "faults[0].at: must be inside the run (duration = 10m), got 11m",
        "faults[0].zone: no zone named `4` (known: `1`, `2`, `3`)",
    ] {
        assert!(e.contains(expected), "missing {expected:?} in:\n{e}");
    }
}

#[test]
fn the_schema_describes_the_sections() {
    let schema = scenario::json_schema();
    assert!(schema.is_object());
    let props = &schema["properties"];
    assert!(props["simulation"].is_object(), "{schema:#}");
    assert!(props["services"].is_object());
    let text = schema.to_string();
    assert!(
        text.contains("Independent replications"),
        "field docs should be descriptions"
    );
}

#[test]
fn a_missing_file_names_the_path() {
    let path = Path::new("no/such/dir/missing-scenario.toml");
    let e: ScenarioError = scenario::load(path).unwrap_err();
    let text = e.to_string();
    assert!(
        text.starts_with("no/such/dir/missing-scenario.toml: could not read the scenario file:"),
        "{text}"
    );
    assert!(
        text.contains("No such file") || text.contains("cannot find"),
        "{text}"
    );
}

#[test]
fn the_name_defaults_to_the_file_stem() {
    let s = scenario::parse(BASE, "dir/my-design.toml").unwrap();
    assert_eq!(s.name, "my-design");
    assert_eq!(s.source_text, BASE);
}

#[test]
fn hostile_input_never_panics() {
    let inputs = [
        "",
        "[[[",
        "clients = 5",
        "services = \"web\"",
        "[clients]\nrate = nan\n[[services]]\nname = \"a\"\npods = {}\nservice_time = {}",
        "[clients]\nprofile = []\n[[services]]\nname = \"\"\npods = { \"x\" = 1 }\nservice_time = \"1ms\"",
        "\u{feff}[simulation]\nseed = -1",
    ];
    for text in inputs {
        let e = load_error(text);
        assert!(!e.is_empty());
    }
}

#[test]
fn a_size_must_be_above_zero() {
    let e = load_error(&BASE.replace("rate = 100", "rate = 100\nkib_per_request = 0"));
    assert_eq!(
        e,
        "broken.toml:8:1: clients.kib_per_request: must be a number above 0, got 0"
    );
}

/// A window finer than `max_windows` allows is widened, not refused: the count that bounds
/// memory is that of the widened windows (1 ms over 10 min, 180 windows at most: 4.096 s).
/// Before, it was refused with "gives 600000 windows", reading the window as given.
#[test]
fn a_window_too_fine_for_the_run_is_widened() {
    let text = BASE.replace("replications = 5", "replications = 5\nwindow = \"1ms\"");
    let s = scenario::parse(&text, "fine.toml").expect("a fine window loads");
    assert_eq!(s.simulation.window, SimDuration::from_micros(4_096_000));
}
