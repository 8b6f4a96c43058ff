//! `trafsim run --format markdown`: a summary to paste into a design document. Its tables are
//! valid GitHub markdown (a header row, a separator row, the same number of cells in every
//! row), and it carries the headline table, the per-phase verdicts, the SLO verdict and the
//! failover story.
//!
//! Before this change `--format markdown` was refused (only `table` and `json` existed).

use std::path::Path;

use assert_cmd::Command;

/// A two-zone service losing zone 2 for a minute, with an SLO.
const SCENARIO: &str = r#"
[simulation]
name = "md"
duration = "3m"
warmup = "20s"
replications = 2
seed = 3
window = "5s"

[clients]
rate = 400
timeout = "2s"

[network]
zones = ["1", "2"]

[slo]
p99 = "500ms"
error_rate = 0.01

[[services]]
name = "web"
pods = { "1" = 2, "2" = 2 }
concurrency = 8
service_time = { exponential = { mean = "10ms" } }

[[faults]]
kind = "zone-outage"
zone = "2"
at = "60s"
duration = "1m"
mode = "reset"
"#;

/// The cells of a table row, or `None` if `line` is not one.
fn cells(line: &str) -> Option<Vec<String>> {
    let inner = line.strip_prefix("| ")?.strip_suffix(" |")?;
    // Split on pipes that are not escaped.
    let mut out = vec![String::new()];
    let mut prev = ' ';
    for c in inner.chars() {
        if c == '|' && prev != '\\' {
            out.push(String::new());
        } else {
            out.last_mut().unwrap().push(c);
        }
        prev = c;
    }
    Some(out.into_iter().map(|c| c.trim().to_string()).collect())
}

#[test]
fn markdown_summary_has_valid_tables_and_the_verdicts() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("md.toml");
    std::fs::write(&file, SCENARIO).unwrap();
    let output = Command::cargo_bin("trafsim")
        .unwrap()
        .arg("run")
        .arg(&file)
        .args(["--format", "markdown", "--quiet", "--out"])
        .arg(dir.path().join("out"))
        .assert()
        .success()
        .get_output()
        .clone();
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.starts_with("### md: 2 replications, seed 3"), "{text}");
    assert!(Path::new(&dir.path().join("out/md/summary.json")).is_file());
    // Every table: header, separator, rows with the header's number of cells.
    let lines: Vec<&str> = text.lines().collect();
    let mut tables = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if let Some(header) = cells(lines[i]) {
            let sep = cells(lines[i + 1]).expect("a separator row follows the header");
            assert_eq!(sep.len(), header.len(), "{}", lines[i + 1]);
            assert!(
                sep.iter()
                    .all(|c| c.trim_matches(':').chars().all(|ch| ch == '-') && c.contains("---")),
                "{}",
                lines[i + 1]
            );
            let mut rows = Vec::new();
            i += 2;
            while i < lines.len() && lines[i].starts_with('|') {
                let row = cells(lines[i]).expect("a table row");
                assert_eq!(row.len(), header.len(), "{}", lines[i]);
                rows.push(row);
                i += 1;
            }
            // A table ends with a blank line (or the end), so the next paragraph is not a row.
            assert!(i == lines.len() || lines[i].is_empty(), "{}", lines[i]);
            tables.push((header, rows));
        } else {
            i += 1;
        }
    }
    assert_eq!(tables.len(), 2, "{text}");
    let (header, rows) = &tables[0];
    assert_eq!(header[0], "tier");
    assert_eq!(header.len(), 8);
    assert_eq!(rows[0][0], "end-to-end");
    assert!(rows.iter().any(|r| r[0] == "web"));
    let (header, rows) = &tables[1];
    assert_eq!(header[0], "phase");
    assert_eq!(rows[0][0], "before the fault");
    assert_eq!(rows[0][1], "20–60");
    assert_eq!(rows[1][0], "zone-outage of zone 2");
    assert_eq!(rows[1][1], "60–120");
    assert!(text.contains("\n**SLO "), "{text}");
    assert!(
        text.contains("\n- failover 1: zone-outage of zone 2 (reset), 60s to 120s\n  - detection:"),
        "{text}"
    );
}
