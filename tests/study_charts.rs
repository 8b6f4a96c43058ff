//! The charts of studies: `capacity.svg`/`.png` beside a sweep's results and
//! `comparison.svg`/`.png` beside a comparison's, drawn by the binary and decoded here.

mod common;

use common::{trafsim, write};

use std::path::Path;

/// An M/M/1 queue (μ = 100/s, no ingress, no network latency) with an SLO and two variants
/// that differ only in the mean service time.
const MM1: &str = r#"
[simulation]
name = "mm1-charts"
duration = "60s"
warmup = "5s"
replications = 2
seed = 11

[clients]
rate = 50
timeout = "1h"

[network]
zones = ["1"]
in_zone = "0s"
cross_zone = "0s"

[[services]]
name = "server"
pods = { "1" = 1 }
service_time = { exponential = { mean = "10ms" } }

[slo]
p99 = "200ms"
error_rate = 0.01

[[variants]]
name = "fast"

[[variants]]
name = "slow"
set = { "services[0].service_time" = { exponential = { mean = "12ms" } } }
"#;

/// Decodes the PNG at `path` completely and returns its size.
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap();
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut buf).unwrap();
    // Not a blank image: some pixels are not white.
    assert!(
        buf[..frame.buffer_size()].iter().any(|&b| b < 200),
        "{} is blank",
        path.display()
    );
    (frame.width, frame.height)
}

/// Reads the SVG at `path` and checks that it holds every one of `texts`.
fn svg_with(path: &Path, texts: &[&str]) {
    let svg = std::fs::read_to_string(path).unwrap();
    assert!(svg.starts_with("<svg"), "{}", &svg[..40.min(svg.len())]);
    assert!(svg.trim_end().ends_with("</svg>"));
    for t in texts {
        assert!(svg.contains(t), "{} lacks {t:?}", path.display());
    }
}

#[test]
fn a_sweep_writes_its_capacity_curve_beside_its_results() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "mm1.toml", MM1);
    let out = dir.path().join("out");
    trafsim()
        .args([
            "run",
            "--sweep",
            "clients.rate=20..80:20",
            "--quiet",
            "--out",
        ])
        .arg(&out)
        .arg(&file)
        .assert()
        .success();
    let folder = out.join("mm1-charts");
    for name in ["sweep.json", "sweep.csv", "capacity.svg", "capacity.png"] {
        assert!(folder.join(name).is_file(), "no {name}");
    }
    assert_eq!(png_size(&folder.join("capacity.png")), (1600, 900));
    svg_with(
        &folder.join("capacity.svg"),
        &[
            "mm1-charts: capacity curve over clients.rate",
            "fast p50",
            "fast p99",
            "slow p50",
            "slow p99",
            "SLO p99 200 ms",
            // p99 of M/M/1 is ln(100)/(μ − λ): 58 ms at 20 req/s, 230 ms at 80 req/s.
            "knee (p99 elasticity 2)",
            "clients.rate (req/s)",
            "error rate (%)",
        ],
    );
}

#[test]
fn a_comparison_writes_its_bar_chart_beside_its_results() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "mm1.toml", MM1);
    let out = dir.path().join("out");
    trafsim()
        .args(["compare", "--quiet", "--out"])
        .arg(&out)
        .arg(&file)
        .assert()
        .success();
    let folder = out.join("compare/mm1-charts");
    for name in ["comparison.json", "comparison.svg", "comparison.png"] {
        assert!(folder.join(name).is_file(), "no {name}");
    }
    assert_eq!(png_size(&folder.join("comparison.png")), (1600, 900));
    svg_with(
        &folder.join("comparison.svg"),
        &[
            "mm1-charts: latency, errors and cost by variant",
            "fast",
            "slow",
            "p50",
            "p99",
            "p99.9",
            "latency (log scale)",
            "error rate (%)",
            "monthly cost (USD)",
            "10 ms",
        ],
    );
}
