//! The pages of the studies: `comparison.html` beside a comparison's results,
//! `capacity.html` beside a capacity search's, `sweep.html` beside a sweep's. Each must be
//! self-contained (inline SVG, no script, nothing fetched), hold the facts, the results table
//! with the same figures as the JSON, each variant's failover story where it has faults and
//! the scenario files as written, and be the same bytes when run again.

mod common;

use common::{trafsim, write};

/// Two zones behind NGINX, a short run. `{name}`, `{mean}` and `{fault}` are filled in.
const BASE: &str = r#"
[simulation]
name = "{name}"
duration = "30s"
warmup = "5s"
replications = 3
seed = 5
window = "2s"

[clients]
rate = 150
timeout = "1s"

[network]
zones = ["1", "2"]

[ingress]
kind = "nginx"
instances = { "1" = 1, "2" = 1 }

[[services]]
name = "web"
pods = { "1" = 2, "2" = 2 }
concurrency = 4
service_time = { exponential = { mean = "{mean}" } }
{fault}
[slo]
p99 = "200ms"
error_rate = 0.01
"#;

/// A zone outage half-way through.
const OUTAGE: &str = r#"
[[faults]]
kind = "zone-outage"
zone = "2"
at = "15s"
duration = "8s"
mode = "black-hole"
"#;

fn scenario(name: &str, mean: &str, fault: &str) -> String {
    BASE.replace("{name}", name)
        .replace("{mean}", mean)
        .replace("{fault}", fault)
}

/// Nothing on the page runs or is fetched: no script, no `src`/`href` to a network address,
/// no style sheet import.
fn assert_self_contained(html: &str) {
    assert!(html.starts_with("<!DOCTYPE html>") && html.ends_with("</html>\n"));
    for banned in [
        "<script",
        "src=\"http",
        "src='http",
        "href=\"http",
        "href='http",
        "@import",
        "url(",
    ] {
        assert!(!html.contains(banned), "the page contains {banned:?}");
    }
    // Every `src=` or `href=` the page has points at inline data or a fragment.
    for attr in ["src=\"", "href=\""] {
        for (i, _) in html.match_indices(attr) {
            let target = &html[i + attr.len()..];
            assert!(
                target.starts_with("data:") || target.starts_with('#'),
                "{attr}{}",
                &target[..target.len().min(40)]
            );
        }
    }
}

/// The cells of the table row whose first cell is `label`.
fn row<'a>(html: &'a str, label: &str) -> Vec<&'a str> {
    let start = html
        .find(&format!("<tr><td>{label}</td>"))
        .unwrap_or_else(|| panic!("no row {label:?}"));
    let end = start + html[start..].find("</tr>").unwrap();
    html[start..end]
        .split("<td")
        .skip(1)
        .map(|c| {
            let c = &c[c.find('>').unwrap() + 1..];
            &c[..c.find("</td>").unwrap()]
        })
        .collect()
}

#[test]
fn compare_writes_a_self_contained_page_with_differences_and_failover() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.toml", &scenario("study-fast", "10ms", ""));
    // The slow one has three times the service time and loses zone 2 for a while.
    let b = write(
        dir.path(),
        "b.toml",
        &scenario("study-slow", "30ms", OUTAGE),
    );
    let out = dir.path().join("out");
    let run = || {
        trafsim()
            .args(["compare", "--quiet", "--out"])
            .arg(&out)
            .args([&a, &b])
            .assert()
            .success();
        std::fs::read_to_string(out.join("compare/study-comparison/comparison.html")).unwrap()
    };
    let html = run();
    assert_self_contained(&html);
    assert!(html.contains("<title>trafsim comparison — study-comparison</title>"));
    for part in [
        "study-fast",
        "study-slow",
        env!("CARGO_PKG_VERSION"),
        "<th>seed</th><td>5</td>",
        "<th>replications</th><td>3 per variant",
        "id=\"comparison-table\"",
        "study-slow significant?",
        "id=\"chart-comparison\"",
        "id=\"failover\"",
        // The outage's story, under the variant that has it.
        "<h3>study-slow: ",
        "zone 2",
        "<details>",
        // Both files as written, escaped.
        "name = &quot;study-fast&quot;",
        "mean = &quot;30ms&quot;",
    ] {
        assert!(html.contains(part), "the page lacks {part:?}");
    }
    assert_eq!(html.matches("<svg").count(), 1, "one inline chart");
    assert_eq!(
        html.matches("<h3>study-fast: ").count(),
        0,
        "no faults, no story"
    );
    // Three times the service time: p50 rises by a clearly significant amount, and the page
    // says so in the column the JSON's paired difference gives.
    let json: serde_json::Value = serde_json::from_slice(
        &std::fs::read(out.join("compare/study-comparison/comparison.json")).unwrap(),
    )
    .unwrap();
    let p50 = json["columns"][1]["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["key"] == "latency_p50")
        .unwrap();
    assert_eq!(p50["difference"]["significant"], true);
    let cells = row(&html, "p50 latency (ms)");
    assert_eq!(cells.len(), 5, "{cells:?}");
    assert!(cells[3].starts_with('+'), "{cells:?}");
    // Higher latency is worse: the difference is coloured and marked so.
    assert_eq!(cells[4], "yes, worse");
    assert!(html.contains("<td class=\"worse\">yes, worse</td>"));
    // The offered load is the same in both (common random numbers): no difference at all.
    let offered = row(&html, "offered (req/s)");
    assert_eq!((offered[3], offered[4]), ("0", "no"), "{offered:?}");
    let pods = row(&html, "pods configured");
    assert_eq!(&pods[1..], ["4", "4", "-", "-"]);
    // The executive summary comes first: each column's SLO verdict as a badge, the same as
    // the JSON's and the table's SLO row, and what the second column does worse.
    let summary = html.find("id=\"summary\"").unwrap();
    assert!(summary < html.find("id=\"comparison-table\"").unwrap());
    assert!(summary < html.find("id=\"chart-comparison\"").unwrap());
    let slo = row(&html, "SLO (p99 ≤ 200 ms, error rate ≤ 1%)");
    for (i, col) in ["study-fast", "study-slow"].iter().enumerate() {
        let verdict = json["columns"][i]["slo"]["verdict"].as_str().unwrap();
        assert!(
            html.contains(&format!(
                "<span class=\"verdict {verdict}\">{col}: SLO {verdict}</span>"
            )),
            "{col} {verdict}"
        );
        assert_eq!(slo[1 + i], verdict, "{slo:?}");
    }
    assert!(html.contains("<strong>study-slow</strong> against <strong>study-fast</strong>: "));
    assert!(html.contains("<span class=\"worse\">worse</span> in p50 latency (+"));
    // The outage's story in a sentence, under the column that has it, in the summary.
    let story = html
        .find("<li>study-slow: <strong>zone 2 outage")
        .expect("the summary tells the outage");
    assert!(story < html.find("id=\"comparison-table\"").unwrap());
    // Same inputs, same bytes.
    assert_eq!(run(), html);
}

#[test]
fn compare_of_variants_lists_each_variants_overrides() {
    let dir = tempfile::tempdir().unwrap();
    let text = scenario("study-variants", "10ms", "")
        + "\n[[variants]]\nname = \"as-written\"\n\n[[variants]]\nname = \"more-pods\"\n\
           set = { \"services[0].pods\" = { \"1\" = 3, \"2\" = 3 } }\n";
    let file = write(dir.path(), "v.toml", &text);
    let out = dir.path().join("out");
    trafsim()
        .args(["compare", "--quiet", "--replications", "2", "--out"])
        .arg(&out)
        .arg(&file)
        .assert()
        .success();
    let html = std::fs::read_to_string(out.join("compare/study-variants/comparison.html")).unwrap();
    assert_self_contained(&html);
    assert!(html.contains("<th>as-written</th><td>none (the file as written)</td>"));
    assert!(html.contains("<th>more-pods</th><td><code>services[0].pods = "));
    assert_eq!(&row(&html, "pods configured")[1..], ["4", "6", "-", "-"]);
    assert!(!html.contains("id=\"failover\""), "no faults, no section");
}

#[test]
fn capacity_writes_the_answer_per_variant_with_its_bracket() {
    let dir = tempfile::tempdir().unwrap();
    let text = scenario("study-capacity", "10ms", "")
        .replace("duration = \"30s\"", "duration = \"15s\"")
        + "\n[[variants]]\nname = \"two-pods\"\n\n[[variants]]\nname = \"four-pods\"\n\
           set = { \"services[0].pods\" = { \"1\" = 4, \"2\" = 4 } }\n";
    let file = write(dir.path(), "c.toml", &text);
    let out = dir.path().join("out");
    trafsim()
        .args([
            "capacity",
            "--quiet",
            "--replications",
            "3",
            "--slo-p99",
            "100ms",
            "--tolerance",
            "10%",
            "--out",
        ])
        .arg(&out)
        .arg(&file)
        .assert()
        .success();
    let folder = out.join("capacity/study-capacity");
    let html = std::fs::read_to_string(folder.join("capacity.html")).unwrap();
    assert_self_contained(&html);
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(folder.join("capacity.json")).unwrap()).unwrap();
    for part in [
        "p99 latency ≤ 100 ms",
        "id=\"capacity-table\"",
        "id=\"chart-capacity-probes\"",
        "<summary>two-pods, all</summary>",
        "<summary>four-pods, all</summary>",
        "services[0].pods = ",
    ] {
        assert!(html.contains(part), "the page lacks {part:?}");
    }
    assert_eq!(html.matches("<svg").count(), 1);
    assert!(folder.join("capacity-probes.svg").is_file());
    // The chart marks each variant's answer.
    let svg = std::fs::read_to_string(folder.join("capacity-probes.svg")).unwrap();
    for variant in ["two-pods", "four-pods"] {
        assert!(svg.contains(&format!("capacity {variant}: ")), "{variant}");
    }
    // Its own title, and the answers first, as badges, before the tables.
    assert!(html.contains("<title>trafsim capacity — study-capacity</title>"));
    let summary = html.find("id=\"summary\"").unwrap();
    assert!(summary < html.find("id=\"capacity-table\"").unwrap());
    assert!(html.contains("two-pods, all zones: "));
    assert!(html.contains("each judged by the upper end of its 95% interval"));
    // The answer and the bracket on the page are the JSON's, for each variant.
    for (i, variant) in ["two-pods", "four-pods"].iter().enumerate() {
        let r = &json["results"][i];
        let cells = row(&html, variant);
        let lo = r["capacity_rps"].as_f64().unwrap();
        let hi = r["failing_rps"].as_f64().unwrap();
        assert!(lo < hi, "{r}");
        assert_eq!(cells[1], "all");
        assert_eq!(cells[2], fmt(lo), "{cells:?}");
        assert_eq!(cells[3], format!("{} – {}", fmt(lo), fmt(hi)), "{cells:?}");
        assert_eq!(cells[6], r["probes"].as_array().unwrap().len().to_string());
    }
}

#[test]
fn a_sweep_writes_its_page_beside_its_results() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "s.toml",
        &scenario("study-sweep", "10ms", "").replace("duration = \"30s\"", "duration = \"15s\""),
    );
    let out = dir.path().join("out");
    trafsim()
        .args([
            "run",
            "--quiet",
            "--replications",
            "2",
            "--sweep",
            "clients.rate=100,200,300",
            "--out",
        ])
        .arg(&out)
        .arg(&file)
        .assert()
        .success();
    let html = std::fs::read_to_string(out.join("study-sweep/sweep.html")).unwrap();
    assert_self_contained(&html);
    for part in [
        "<code>clients.rate</code>",
        "id=\"sweep-table\"",
        "id=\"chart-capacity\"",
        "<tr><td>100</td>",
        "<tr><td>300</td>",
        "web utilisation (%)",
        "SLO p99 target",
    ] {
        assert!(html.contains(part), "the page lacks {part:?}");
    }
}

/// A number as the page writes it (about three significant digits).
fn fmt(v: f64) -> String {
    let d = match v.abs() {
        a if a == 0.0 || a >= 100.0 => 0,
        a if a >= 10.0 => 1,
        a if a >= 1.0 => 2,
        _ => 3,
    };
    let d = if v.fract() == 0.0 { 0 } else { d };
    format!("{v:.d$}")
}
