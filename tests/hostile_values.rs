//! Bad values never panic: every number and every duration in every shipped scenario is
//! replaced, one at a time, by hostile values (0, negative, fractional, huge, beyond `u32`). Each mutant must either be
//! refused with an error that names the file and a field, or load; a mutant that loads must
//! simulate a short stretch without panicking.
//!
//! Release mode: a few thousand parses and a few hundred short simulations.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use trafsim::engine::{SimDuration, SimTime};
use trafsim::model::simulate;
use trafsim::scenario::{Scenario, parse};

/// Values that each number is replaced by.
const HOSTILE: [&str; 6] = ["0", "-1", "0.5", "1e300", "4294967296", "1e-300"];

/// Values that each duration string (`"10s"`) is replaced by.
const HOSTILE_DURATIONS: [&str; 4] = ["\"0s\"", "\"-1s\"", "\"99999999999h\"", "\"1ns\""];

/// Simulated time of each mutant that loads (beyond this, faults simply do not fire).
const SHORT: SimDuration = SimDuration::from_secs(3);

/// Mutants that load are simulated only below this mean arrival rate, so that a huge rate (a
/// valid, if absurd, input) does not take the test's time.
const MAX_SIMULATED_RATE: f64 = 20_000.0;

fn scenario_files() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

/// Byte ranges of the numbers written as a value (after `=` or inside an inline table or
/// array), skipping comments and strings.
fn number_spans(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut spans = Vec::new();
    let mut i = 0;
    let mut in_string = false;
    let mut in_comment = false;
    while i < bytes.len() {
        let c = bytes[i];
        if in_comment {
            in_comment = c != b'\n';
            i += 1;
            continue;
        }
        if c == b'"' {
            in_string = !in_string;
        } else if !in_string && c == b'#' {
            in_comment = true;
        } else if !in_string
            && (c.is_ascii_digit() || c == b'-')
            && i > 0
            && matches!(bytes[i - 1], b' ' | b'=' | b'[' | b',')
        {
            let start = i;
            i += 1;
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric() || matches!(bytes[i], b'.' | b'_' | b'-'))
            {
                i += 1;
            }
            // A value, not a key or a table header: what precedes it on the line holds `=`.
            let line_start = text[..start].rfind('\n').map_or(0, |p| p + 1);
            if text[line_start..start].contains('=') {
                spans.push((start, i));
            }
            continue;
        }
        i += 1;
    }
    spans
}

/// Byte ranges of the duration strings (`"250ms"`, quotes included) written as values.
fn duration_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let code = line.split('#').next().unwrap_or("");
        let mut rest = code;
        let mut base = offset;
        while let Some(open) = rest.find('"') {
            let Some(len) = rest[open + 1..].find('"') else {
                break;
            };
            let inner = &rest[open + 1..open + 1 + len];
            let unit = inner.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
            let is_duration = unit.len() < inner.len()
                && ["ns", "us", "µs", "ms", "s", "m", "h"].contains(&unit)
                && code[..base - offset + open].contains('=');
            if is_duration {
                spans.push((base + open, base + open + len + 2));
            }
            base += open + len + 2;
            rest = &rest[open + len + 2..];
        }
        offset += line.len();
    }
    spans
}

/// A short, single-replication copy of `s`, or `None` when its load is too heavy to simulate
/// in a test.
fn shortened(mut s: Scenario) -> Option<Scenario> {
    let rate = s
        .clients
        .arrivals
        .mean_rate(SimTime::ZERO, SimTime::ZERO + s.simulation.duration);
    if rate.is_nan() || rate > MAX_SIMULATED_RATE {
        return None;
    }
    s.simulation.duration = SHORT;
    s.simulation.warmup = SimDuration::from_secs(1);
    s.simulation.replications = 1;
    Some(s)
}

#[test]
fn hostile_numbers_are_refused_or_simulated_without_a_panic() {
    let mut mutants = 0;
    let mut refused = 0;
    let mut simulated = 0;
    let mut panics = Vec::new();
    for path in scenario_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let numbers = number_spans(&text)
            .into_iter()
            .map(|span| (span, &HOSTILE[..]));
        let durations = duration_spans(&text)
            .into_iter()
            .map(|span| (span, &HOSTILE_DURATIONS[..]));
        for ((start, end), values) in numbers.chain(durations) {
            for &value in values {
                let mutant = format!("{}{value}{}", &text[..start], &text[end..]);
                mutants += 1;
                let what = format!("{name}: `{}` → `{value}`", &text[start..end]);
                match catch_unwind(|| parse(&mutant, &name)) {
                    Err(_) => panics.push(format!("{what}: parse panicked")),
                    Ok(Err(e)) => {
                        refused += 1;
                        let e = e.to_string();
                        assert!(e.starts_with(&format!("{name}:")), "{what}: {e}");
                    }
                    Ok(Ok(s)) => {
                        if let Some(s) = shortened(s) {
                            simulated += 1;
                            if catch_unwind(AssertUnwindSafe(|| simulate(&s, 0))).is_err() {
                                panics.push(format!("{what}: simulate panicked"));
                            }
                        }
                    }
                }
            }
        }
    }
    eprintln!("{mutants} mutants, {refused} refused, {simulated} simulated");
    assert!(
        panics.is_empty(),
        "{} panics:\n{}",
        panics.len(),
        panics.join("\n")
    );
    // The mutation reached the files: most hostile values are refused, some load and run.
    assert!(mutants > 500, "only {mutants} mutants");
    assert!(refused > mutants / 4, "{refused} of {mutants} refused");
    assert!(simulated > 50, "only {simulated} simulated");
}

/// Hostile edits of `scenarios/mm1.toml` from issue 12 (items 6 and 9), each with the field
/// its refusal must name: every one is refused with `file:line:column: field:`, never loaded
/// and never left without a place. Before, most loaded or were refused with no place.
const HOSTILE_EDITS: &[(&str, &str, &str)] = &[
    ("seed = 1", "seed = 9223372036854775808", "simulation.seed"),
    ("seed = 1", "seed = 18446744073709551616", "simulation.seed"),
    ("[clients]", "[[clients]]", "clients"),
    (
        "duration = \"20m\"",
        "duration = 1979-05-27T07:32:00Z",
        "simulation.duration",
    ),
    (
        "duration = \"20m\"",
        "duration = 07:32:00",
        "simulation.duration",
    ),
    (
        "duration = \"20m\"",
        "duration = \"1h1h\"",
        "simulation.duration",
    ),
    ("warmup = \"1m\"", "warmup = \"10 s\"", "simulation.warmup"),
    ("name = \"mm1\"", "name = \"a\\u0000b\"", "simulation.name"),
    ("name = \"mm1\"", "name = \"a\\nb\"", "simulation.name"),
    ("name = \"mm1\"", "name = \"a|b\"", "simulation.name"),
    (
        "pods = { \"1\" = 1 }",
        "pods = { \"1\" = 4294967295 }",
        "services[0].pods.\"1\"",
    ),
    (
        "pods = { \"1\" = 1 }",
        "replicas = 4294967295",
        "services[0].replicas",
    ),
    (
        "attempts = 0",
        "attempts = 4294967295",
        "clients.retries.attempts",
    ),
    ("rate = 50", "rate = 1e12", "clients.rate"),
    ("rate = 50", "rate = 1e308", "clients.rate"),
    (
        "concurrency = 1 ",
        "concurrency = 1\nhpa = { max = 2, target_utilisation = 0.5, sync_period = \"1ms\" }\n",
        "services[0].hpa.sync_period",
    ),
    (
        "zones = [\"1\"]",
        "zones = [\"1\"]\nzone_capacity = { \"1\" = 1 }\nnode_provisioning = \"1h1h\"",
        "network.node_provisioning",
    ),
];

#[test]
fn hostile_edits_are_refused_with_a_place() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios/mm1.toml");
    let text = std::fs::read_to_string(path).unwrap();
    let deep = format!("{text}\n{}x = 1\n", "a.".repeat(100));
    let mut mutants: Vec<(String, &str)> = vec![(deep, "")];
    for &(from, to, field) in HOSTILE_EDITS {
        assert!(text.contains(from), "mm1.toml no longer has {from:?}");
        mutants.push((text.replacen(from, to, 1), field));
    }
    for (mutant, field) in mutants {
        let e = match catch_unwind(|| parse(&mutant, "mm1.toml")) {
            Err(_) => panic!("parse panicked on the edit of {field}"),
            Ok(Ok(_)) => panic!("the edit of {field} loaded"),
            Ok(Err(e)) => e.to_string(),
        };
        let (place, rest) = e.split_at(e.find(": ").unwrap());
        let mut parts = place.split(':');
        assert_eq!(parts.next(), Some("mm1.toml"), "{e}");
        assert!(
            parts.next().is_some_and(|l| l.parse::<usize>().is_ok()),
            "no line: {e}"
        );
        assert!(
            parts.next().is_some_and(|c| c.parse::<usize>().is_ok()),
            "no column: {e}"
        );
        assert!(rest[2..].starts_with(field), "expected {field:?} in {e}");
    }
}
