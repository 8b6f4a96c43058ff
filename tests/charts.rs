//! Charts written by `trafsim run`: a short zone outage behind a NAT Gateway gives the latency,
//! goodput, zones and SNAT charts, each as an SVG with its title, axes and legend entries and as a PNG
//! that decodes to 1600 × 900 pixels and is not blank; a scenario without a NAT Gateway gives
//! no SNAT chart (and removes one left by an earlier run); no temporary file is left behind.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use trafsim::model::simulate;
use trafsim::report::charts::{ChartData, MarkerKind, goodput_stacks, window_counts};
use trafsim::runner::Summary;
use trafsim::scenario::parse;

/// One minute, three zones, a reset zone outage from 25 s to 40 s, a NAT Gateway.
const SHORT_OUTAGE: &str = r#"
[simulation]
name = "short-outage"
duration = "60s"
warmup = "10s"
replications = 2
seed = 7
window = "2s"

[clients]
rate = 300
timeout = "2s"
retries = { attempts = 1, backoff = "50ms" }

[network]
zones = ["1", "2", "3"]

[ingress]
kind = "nginx"
instances = { "1" = 1, "2" = 1, "3" = 1 }

[[services]]
name = "web"
pods = { "1" = 2, "2" = 2, "3" = 2 }
concurrency = 4
queue_limit = 16
service_time = { exponential = { mean = "10ms" } }
calls = [{ destination = "payments-api", probability = 0.3, timeout = "1s" }]

[egress]
kind = "nat-gateway"
public_ips = 1

[[egress.destinations]]
name = "payments-api"
latency = { lognormal = { mean = "40ms", p99 = "200ms" } }
connection_reuse = 0.5

[[faults]]
kind = "zone-outage"
zone = "2"
at = "25s"
duration = "15s"
mode = "reset"

[slo]
p99 = "300ms"
error_rate = 0.01
"#;

/// Runs `trafsim run` on `text` (written as `name` into `dir`) with output under `dir/out`;
/// returns the scenario's output folder.
fn run(dir: &Path, name: &str, text: &str, scenario: &str) -> PathBuf {
    let file = dir.join(name);
    std::fs::write(&file, text).unwrap();
    let out = dir.join("out");
    Command::cargo_bin("trafsim")
        .unwrap()
        .arg("run")
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .arg("--quiet")
        .assert()
        .success();
    out.join(scenario)
}

/// Decodes the PNG at `path`; asserts its size and that it is not blank (enough non-white
/// pixels and colours for axes, text and lines).
fn assert_chart_png(path: &Path) {
    let bytes = std::fs::read(path).unwrap();
    let decoder = png::Decoder::new(bytes.as_slice());
    let mut reader = decoder
        .read_info()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height), (1600, 900), "{}", path.display());
    assert_eq!(info.color_type, png::ColorType::Rgb);
    let pixels: Vec<&[u8]> = buf[..info.buffer_size()].chunks(3).collect();
    let inked = pixels.iter().filter(|p| **p != [255, 255, 255]).count();
    let colours: HashSet<&[u8]> = pixels.iter().copied().collect();
    assert!(
        inked * 50 > pixels.len(),
        "{}: only {inked} of {} pixels drawn",
        path.display(),
        pixels.len()
    );
    assert!(
        colours.len() > 20,
        "{}: {} colours",
        path.display(),
        colours.len()
    );
}

/// The contents of the `<text>` elements of `svg`, trimmed: titles, axis labels, ticks and
/// legend entries.
fn svg_texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| {
            let body = &t[t.find('>')? + 1..];
            Some(body[..body.find("</text>")?].trim().to_string())
        })
        .collect()
}

/// Reads the SVG at `path`, asserts that it is a whole SVG document with a `<text>` element
/// for every one of `texts`, and returns all its texts.
fn assert_svg_has(path: &Path, texts: &[&str]) -> Vec<String> {
    let svg = std::fs::read_to_string(path).unwrap();
    assert!(svg.trim_start().starts_with("<svg"), "{}", path.display());
    assert!(svg.trim_end().ends_with("</svg>"), "{}", path.display());
    assert!(
        svg.contains("viewBox=\"0 0 1600 900\""),
        "{}",
        path.display()
    );
    let found = svg_texts(&svg);
    for t in texts {
        assert!(
            found.iter().any(|f| f == t),
            "{} has no text {t:?}; it has {found:?}",
            path.display()
        );
    }
    found
}

#[test]
fn run_writes_latency_zones_and_snat_charts() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), "short.toml", SHORT_OUTAGE, "short-outage");
    for chart in ["latency", "goodput", "zones", "snat"] {
        assert_chart_png(&out.join(format!("{chart}.png")));
    }
    let latency = assert_svg_has(
        &out.join("latency.svg"),
        &[
            "short-outage: end-to-end latency and errors",
            "latency (ms, log scale)",
            "failed requests/s",
            "time since start (s)",
            "p50",
            "p99",
            "SLO p99 300 ms",
            "warm-up (not counted)",
            "fault: zone 2 outage (reset)",
        ],
    );
    // A reset outage fails requests: at least one cause is stacked in the error panel.
    assert!(
        latency.iter().any(|t| t.starts_with("errors: ")),
        "no error series in latency.svg: {latency:?}"
    );
    let svg = std::fs::read_to_string(out.join("latency.svg")).unwrap();
    assert!(svg.matches("<polyline").count() >= 2, "no p50/p99 lines");
    assert_svg_has(
        &out.join("zones.svg"),
        &[
            "short-outage: ready pods per service, utilisation per zone",
            "ready pods",
            "web",
            "utilisation (%)",
            "zone 1",
            "zone 2",
            "zone 3",
            "fault: zone 2 outage (reset)",
        ],
    );
    // The goodput chart: the series, the fault, and the markers at its start and end.
    let goodput = assert_svg_has(
        &out.join("goodput.svg"),
        &[
            "short-outage: goodput and errors over time",
            "requests/s (per replication)",
            "offered",
            "succeeded (goodput)",
            "fault: zone 2 outage (reset)",
            "fault",
            "fault ends",
            "fault starts / ends",
        ],
    );
    assert!(
        goodput.iter().any(|t| t.starts_with("failed: ")),
        "no failed series in goodput.svg: {goodput:?}"
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    if !summary["failover"][0]["detection"].is_null() {
        // The reset outage killed pods: the time the balancers stopped sending is marked.
        assert!(goodput.iter().any(|t| t == "detected"), "{goodput:?}");
    }
    let snat = assert_svg_has(
        &out.join("snat.svg"),
        &[
            "short-outage: SNAT ports in use (NAT Gateway)",
            "ports in use (peak per window)",
            "limit: 64,512 ports (1 public IP)",
        ],
    );
    // The y axis is linear or, far below the limit, logarithmic; it says which.
    assert!(snat.iter().any(|t| t.starts_with("SNAT ports")), "{snat:?}");
    // Every file was written atomically: nothing temporary is left.
    let names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.ends_with(".tmp")), "{names:?}");
    assert!(names.contains(&"report.html".to_string()), "{names:?}");
}

/// The goodput chart's data are the merged time series' counts: per window the successful
/// requests plus the failed ones by cause are what the series holds, the rates are those
/// counts per second per replication, the top of the stack is good + failed, and the fault's
/// markers sit at its start (25 s) and end (40 s).
#[test]
fn goodput_data_match_the_time_series_and_markers_sit_at_the_fault() {
    let scenario = parse(SHORT_OUTAGE, "short.toml").unwrap();
    let runs: Vec<_> = (0..2).map(|r| simulate(&scenario, r)).collect();
    let summary = Summary::from_runs(&scenario, &runs);
    let counts = window_counts(&summary.series);
    let windows = summary.series.windows();
    assert_eq!(counts.len(), windows.len());
    let (mut good, mut failed, mut offered) = (0u64, 0u64, 0u64);
    for (c, w) in counts.iter().zip(windows) {
        assert_eq!(c.good, w.completed);
        assert_eq!(c.failed.iter().sum::<u64>(), w.errors_total());
        assert_eq!(c.offered, w.offered);
        good += c.good;
        failed += c.failed.iter().sum::<u64>();
        offered += c.offered;
    }
    let per_run: u64 = runs
        .iter()
        .map(|r| r.series.windows().iter().map(|w| w.completed).sum::<u64>())
        .sum();
    assert_eq!(good, per_run);
    assert!(failed > 0, "the reset outage fails requests");
    assert!(
        good + failed <= offered + 1_000,
        "{good} + {failed} vs {offered}"
    );
    let d = ChartData::new(&scenario, &summary);
    let stacks = goodput_stacks(&d);
    for (i, w) in windows.iter().enumerate() {
        let secs = w.width().as_secs_f64() * 2.0;
        assert!((d.good[i] * secs - counts[i].good as f64).abs() < 1e-6);
        assert!((d.offered[i] * secs - counts[i].offered as f64).abs() < 1e-6);
        let all = (counts[i].good + counts[i].failed.iter().sum::<u64>()) as f64;
        assert!((stacks.last().unwrap()[i] * secs - all).abs() < 1e-6);
    }
    let at = |kind| {
        d.markers
            .iter()
            .filter(move |m| m.kind == kind)
            .map(|m| m.at)
    };
    assert_eq!(at(MarkerKind::FaultStart).collect::<Vec<_>>(), vec![25.0]);
    assert_eq!(at(MarkerKind::FaultEnd).collect::<Vec<_>>(), vec![40.0]);
    // Detection, when recorded, is the failover summary's mean last dead send.
    if let Some(det) = &summary.failover[0].detection {
        let detected: Vec<f64> = at(MarkerKind::Detection).collect();
        assert_eq!(detected, vec![det.last_dead_send_secs.mean]);
        assert!(detected[0] >= 25.0 && detected[0] <= 60.0, "{detected:?}");
    }
    // One series of ready pods per service.
    assert_eq!(d.services.len(), 1);
    assert_eq!(d.services[0].name, "web");
    // 6 pods before the outage, 4 while zone 2 is down.
    let level = |secs: f64| d.services[0].ready[(secs / 2.0) as usize];
    assert_eq!(level(20.0), Some(6.0));
    assert_eq!(level(34.0), Some(4.0));
}

#[test]
fn no_snat_chart_without_a_nat_gateway() {
    let dir = tempfile::tempdir().unwrap();
    let (start, end) = (
        SHORT_OUTAGE.find("calls = ").unwrap(),
        SHORT_OUTAGE.find("[[faults]]").unwrap(),
    );
    let text = format!("{}\n{}", &SHORT_OUTAGE[..start], &SHORT_OUTAGE[end..])
        .replace("short-outage", "no-egress");
    // An SNAT chart from an earlier run of the same name does not linger.
    let earlier = dir.path().join("out/no-egress");
    std::fs::create_dir_all(&earlier).unwrap();
    std::fs::write(earlier.join("snat.svg"), "<svg/>").unwrap();
    std::fs::write(earlier.join("snat.png"), "old").unwrap();
    let out = run(dir.path(), "no-egress.toml", &text, "no-egress");
    assert_chart_png(&out.join("latency.png"));
    assert_chart_png(&out.join("goodput.png"));
    assert_chart_png(&out.join("zones.png"));
    assert!(!out.join("snat.svg").exists());
    assert!(!out.join("snat.png").exists());
}

/// A zone lost at 60 s for the rest of an 8-minute run, with an HPA on web: the model records
/// its control loops' actions in the replication's timeline — web's HPA scaling up (3 pods
/// at 50% busy against a 30% target) and the lost zone's nodes evicted only after the node
/// monitor's 50 s grace period and the pods' 300 s toleration (not before 410 s) — and the
/// chart data turn them into markers. Before this change nothing recorded these times, so
/// no chart could mark them.
#[test]
fn evictions_and_hpa_scaling_are_recorded_and_marked() {
    const ZONE_LOSS: &str = r#"
[simulation]
name = "zone-loss-hpa"
duration = "480s"
warmup = "10s"
replications = 1
seed = 5
window = "10s"

[clients]
rate = 600
timeout = "2s"

[network]
zones = ["1", "2", "3"]

[[services]]
name = "web"
pods = { "1" = 1, "2" = 1, "3" = 1 }
concurrency = 4
service_time = { exponential = { mean = "10ms" } }
hpa = { min = 3, max = 12, target_utilisation = 0.3 }

[[faults]]
kind = "zone-outage"
zone = "2"
at = "60s"
mode = "black-hole"
"#;
    use trafsim::model::timeline::EventKind;
    let scenario = parse(ZONE_LOSS, "zone-loss.toml").unwrap();
    let run = simulate(&scenario, 0);
    let evictions: Vec<f64> = run
        .timeline
        .iter()
        .filter(|e| e.kind == EventKind::NodeEviction { zone: 1 })
        .map(|e| e.secs)
        .collect();
    assert!(!evictions.is_empty(), "{:?}", run.timeline);
    assert!(evictions.iter().all(|&t| t >= 410.0), "{evictions:?}");
    let ups = run
        .timeline
        .iter()
        .filter(|e| matches!(e.kind, EventKind::HpaScale { service: 0, from, to } if to > from))
        .count();
    assert!(ups > 0, "{:?}", run.timeline);
    let summary = Summary::from_runs(&scenario, &[run]);
    let d = ChartData::new(&scenario, &summary);
    let kinds: Vec<MarkerKind> = d.markers.iter().map(|m| m.kind).collect();
    for k in [
        MarkerKind::FaultStart,
        MarkerKind::HpaScale,
        MarkerKind::Eviction,
    ] {
        assert!(kinds.contains(&k), "{k:?} not in {kinds:?}");
    }
    assert!(
        d.markers
            .iter()
            .any(|m| m.kind == MarkerKind::Eviction && m.label.starts_with("evicted (zone 2")),
        "{:?}",
        d.markers
    );
}
