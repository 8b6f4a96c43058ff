//! Helpers the integration tests share: the `trafsim` command, scenario files written into a
//! test's folder, shipped scenarios edited in place, and a merge that must be refused. Each
//! test file that needs them declares `mod common;` and uses the ones it needs.

// Each test file is its own crate and uses only some of these.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The `trafsim` binary of this build.
pub fn trafsim() -> Command {
    Command::cargo_bin("trafsim").unwrap()
}

/// Writes `text` to `dir/name` and returns its path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// The shipped scenario `scenarios/<file>` as TOML, with each `(from, to)` replaced once (each
/// `from` must be there).
pub fn shipped_text(file: &str, edits: &[(&str, &str)]) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(file);
    let mut text = std::fs::read_to_string(path).unwrap();
    for (from, to) in edits {
        assert!(text.contains(from), "{file} no longer has `{from}`");
        text = text.replacen(from, to, 1);
    }
    text
}

/// The message (standard error) of a merge of `paths` into `out` that must fail with exit 2.
pub fn merge_refused(paths: &[PathBuf], out: &Path) -> String {
    let output = trafsim()
        .arg("merge")
        .args(paths)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    String::from_utf8(output.stderr).unwrap()
}

/// The scenario in `text`, read as file `origin`; panics with the error and the text if it
/// does not load.
pub fn load(text: &str, origin: &str) -> trafsim::scenario::Scenario {
    trafsim::scenario::parse(text, origin).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// The error text for `text` (read as `broken.toml`), which must not load.
pub fn load_error(text: &str) -> String {
    match trafsim::scenario::parse(text, "broken.toml") {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(e) => e.to_string(),
    }
}

/// The mean of `values` and its 99.9% half-width (Student t).
pub fn interval_999(values: &[f64]) -> (f64, f64) {
    let e = trafsim::stats::Estimate::from_samples(values);
    (e.mean, e.half_width_at(0.999))
}

/// One zone with no network latency, and clients that reach the pods directly (no ingress):
/// the `[network]` and `[ingress]` tables of the textbook scenarios.
pub const DIRECT: &str = r#"
[network]
zones = ["1"]
in_zone = "0s"
cross_zone = "0s"

[ingress]
kind = "none"
"#;

/// A scenario with one pod of `concurrency` slots (service `server`, exponential service time
/// of mean `service`) reached directly by clients, in one zone with no network latency: the
/// textbook queue (M/M/1 with one slot, M/M/c with c). `simulation` and `clients` are the
/// lines of those tables, which are what the tests vary.
pub fn one_server(simulation: &str, clients: &str, concurrency: u32, service: &str) -> String {
    format!(
        r#"
[simulation]
{simulation}

[clients]
{clients}
{DIRECT}
[[services]]
name = "server"
pods = {{ "1" = 1 }}
concurrency = {concurrency}
service_time = {{ exponential = {{ mean = "{service}" }} }}
"#
    )
}

/// An HPA scale-down behind App Gateway (AGIC lag 40 s): 100 requests/s on 4 pods (3% busy)
/// bring the HPA to 1 pod after its 30 s stabilisation window, and 3 pods are deleted at one
/// sync tick. `service` holds extra `[[services]]` lines (grace, preStop).
pub fn agw_scale_down(service: &str, seed: u64) -> trafsim::scenario::Scenario {
    let text = format!(
        r#"
[simulation]
duration = "3m"
warmup = "0s"
replications = 2
seed = {seed}

[clients]
rate = 100
timeout = "5s"

[network]
zones = ["1"]

[ingress]
kind = "app-gateway"
instances = {{ "1" = 1 }}
agic_update_lag = "40s"

[[services]]
name = "web"
pods = {{ "1" = 4 }}
concurrency = 4
service_time = {{ exponential = {{ mean = "5ms" }} }}
hpa = {{ min = 1, max = 4, target_utilisation = 0.5, sync_period = "15s", scale_down_stabilisation = "30s" }}
{service}
"#
    );
    load(&text, "inline.toml")
}

/// Erlang C: the probability that an arrival waits in an M/M/c queue of `c` servers offered
/// `a` Erlangs (a < c).
pub fn erlang_c(c: u32, a: f64) -> f64 {
    let rho = a / f64::from(c);
    let (mut term, mut sum) = (1.0, 1.0);
    for k in 1..c {
        term *= a / f64::from(k);
        sum += term;
    }
    let last = term * a / f64::from(c) / (1.0 - rho);
    last / (sum + last)
}

/// The mean end-to-end latency of runs `rs` must be `truth` within its 99.9% interval over
/// the replications, and that interval within 5% of it.
pub fn assert_mean_latency(what: &str, rs: &[trafsim::model::RunResult], truth: f64) {
    let means: Vec<f64> = rs.iter().map(|r| r.latency.mean_secs()).collect();
    let (mean, hw) = interval_999(&means);
    assert!(
        (mean - truth).abs() <= hw,
        "{what}: simulated {mean:.6} ± {hw:.6} s, theory {truth:.6} s"
    );
    assert!(hw <= 0.05 * truth, "{what}: interval ±{hw:.6} too wide");
}

/// A first-come line offered twice what it can carry (`capacity` requests/s), under a
/// deadline: most requests fail by timeout, and the successes stay within `capacity`.
pub fn assert_line_collapsed(r: &trafsim::model::RunResult, capacity: f64) {
    let timeouts = r.failed[trafsim::model::ErrorCause::Timeout as usize];
    assert!(
        timeouts as f64 >= 0.6 * r.offered as f64,
        "{timeouts} of {} failed by timeout",
        r.offered
    );
    let good = r.succeeded as f64 / r.measured_secs;
    assert!(
        good <= 1.02 * capacity,
        "{good} successes/s, at most {capacity}"
    );
}

/// Every replication of the scenario `text`, run in order.
pub fn run_inline(text: &str) -> Vec<trafsim::model::RunResult> {
    let s = trafsim::scenario::parse(text, "inline").unwrap_or_else(|e| panic!("{e}"));
    trafsim::runner::run_all(&s)
}

/// An exponential service time of mean 20 ms, as a scenario writes it.
pub const EXP_20MS: &str = r#"{ exponential = { mean = "20ms" } }"#;

/// The mean wait in an M/M/c queue of `c` servers of rate `mu`, offered `lambda` (Erlang C),
/// asserted long enough for a test to see.
pub fn mmc_wait(lambda: f64, mu: f64, c: u32) -> f64 {
    let wait = erlang_c(c, lambda / mu) / (f64::from(c) * mu - lambda);
    assert!(wait > 0.004, "the test needs a wait to see: {wait}");
    wait
}
