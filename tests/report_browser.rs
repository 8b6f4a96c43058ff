//! `report.html` in a real browser: `trafsim run` on a short zone outage writes the report (and
//! `trafsim compare` on two variants of it writes `comparison.html`, `trafsim capacity` on it
//! without the outage writes `capacity.html`), headless Chromium (Debian's `chromium` package,
//! which `.ci/run` installs when missing) opens it from disk with networking disabled, and the
//! test checks that
//!
//! - the page logs nothing to the console (it has no script, so any message is a fault);
//! - the DOM Chromium built holds the title, the tables, the failover section and one inline
//!   SVG per chart;
//! - in a 1280 × 800 window the executive summary is above the fold (its box ends within the
//!   first 800 pixels of the page), nothing is wider than the window, and no table spills out
//!   of the page's column unless it scrolls inside its own box. These are measured by the
//!   browser's layout itself: a copy of the page with a short script appended (the page has
//!   none) writes `getBoundingClientRect` figures into the DOM, which `--dump-dom` prints;
//! - the screenshot of the top of the page (1280 × 1000) is a PNG that is not blank. It is
//!   kept as `report-screenshot.png` (`comparison-screenshot.png`, `capacity-screenshot.png`)
//!   beside the page, in the test's temporary folder (set `TRAFSIM_KEEP_SCREENSHOT=DIR` to
//!   copy it to `DIR`).
//!
//! `TRAFSIM_WRITE_SCREENSHOTS=1` writes the three screenshots to `docs/images/`
//! (`report-page.png`, `comparison-page.png`, `capacity-page.png`), the pictures the README
//! shows: `TRAFSIM_WRITE_SCREENSHOTS=1 cargo test --release --test report_browser -- --ignored`.
//!
//! Without `/usr/bin/chromium` the test fails and says how to install it: a browser test that
//! passes without a browser would prove nothing.

use std::collections::HashSet;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Where Debian's package puts the browser.
const CHROMIUM: &str = "/usr/bin/chromium";

/// Longest time one browser run may take.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(120);

/// Half a minute, three zones, a black-hole zone outage, a NAT Gateway.
const SCENARIO: &str = r#"
[simulation]
name = "browser-report"
duration = "40s"
warmup = "5s"
replications = 2
seed = 11
window = "2s"

[clients]
rate = 200
timeout = "1s"

[network]
zones = ["1", "2", "3"]

[ingress]
kind = "nginx"
instances = { "1" = 1, "2" = 1, "3" = 1 }

[[services]]
name = "web"
pods = { "1" = 2, "2" = 2, "3" = 2 }
concurrency = 4
service_time = { exponential = { mean = "10ms" } }
calls = [{ destination = "payments-api", probability = 0.2, timeout = "500ms" }]

[egress]
kind = "nat-gateway"
public_ips = 1

[[egress.destinations]]
name = "payments-api"
latency = { lognormal = { mean = "30ms", p99 = "150ms" } }

[[faults]]
kind = "zone-outage"
zone = "2"
at = "15s"
duration = "10s"
mode = "black-hole"

[slo]
p99 = "250ms"
error_rate = 0.01
"#;

/// The browser flags: headless, no sandbox (CI runs as root), nothing that reaches the network.
fn browser(profile: &Path) -> Command {
    let mut cmd = Command::new(CHROMIUM);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    cmd
}

/// What a browser run printed.
struct Printed {
    /// Standard output.
    stdout: String,
    /// Standard error.
    stderr: String,
}

/// Runs `cmd` to completion with its output in files under `dir` named after `name` (a pipe
/// could fill up and stall the browser while this waits), killing it after
/// [`BROWSER_TIMEOUT`]. Panics with its standard error if it fails or hangs.
fn run_bounded(mut cmd: Command, dir: &Path, name: &str) -> Printed {
    let out_path = dir.join(format!("{name}.stdout"));
    let err_path = dir.join(format!("{name}.stderr"));
    cmd.stdin(Stdio::null())
        .stdout(File::create(&out_path).unwrap())
        .stderr(File::create(&err_path).unwrap());
    let mut child = cmd.spawn().expect("could not start chromium");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > BROWSER_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let printed = Printed {
        stdout: std::fs::read_to_string(&out_path).unwrap_or_default(),
        stderr: std::fs::read_to_string(&err_path).unwrap_or_default(),
    };
    match status {
        None => panic!(
            "chromium ({name}) did not finish within {BROWSER_TIMEOUT:?}; stderr:\n{}",
            printed.stderr
        ),
        Some(s) if !s.success() => {
            panic!(
                "chromium ({name}) failed with {s}; stderr:\n{}",
                printed.stderr
            )
        }
        Some(_) => printed,
    }
}

/// Width and height of the window the summary must be visible in without scrolling.
const FOLD: (u32, u32) = (1280, 800);

/// Height of the screenshot: the top of the page, summary and key chart.
const SHOT_HEIGHT: u32 = 1000;

/// Appended to a copy of the page (the page itself has no script): measures the layout and
/// writes it into the DOM as `<pre id="measured">key=value …</pre>`. `clipped` lists the
/// tables (by id, else heading before them) that reach past the page's column without a
/// scrolling box (`.wide`) around them.
const MEASURE: &str = r#"<script>
(function () {
  var s = document.getElementById('summary');
  var r = s ? s.getBoundingClientRect() : null;
  var body = document.body.getBoundingClientRect();
  var style = getComputedStyle(document.body);
  var right = body.right - parseFloat(style.paddingRight) + 1;
  var clipped = [];
  document.querySelectorAll('table').forEach(function (t, i) {
    if (t.closest('.wide')) { return; }
    if (t.getBoundingClientRect().right > right) { clipped.push(t.id || ('table' + i)); }
  });
  var out = document.createElement('pre');
  out.id = 'measured';
  out.textContent = 'summary_top=' + (r ? r.top + window.scrollY : -1) +
    ' summary_bottom=' + (r ? r.bottom + window.scrollY : -1) +
    ' scroll_width=' + document.documentElement.scrollWidth +
    ' inner_width=' + window.innerWidth +
    ' clipped=' + clipped.join(',') + ' end';
  document.body.appendChild(out);
})();
</script>"#;

/// Writes the scenario into `dir` and runs `trafsim run` on it; returns the report's path.
fn write_report(dir: &Path) -> PathBuf {
    let file = dir.join("browser-report.toml");
    std::fs::write(&file, SCENARIO).unwrap();
    assert_cmd::Command::cargo_bin("trafsim")
        .unwrap()
        .arg("run")
        .arg(&file)
        .arg("--out")
        .arg(dir.join("out"))
        .arg("--quiet")
        .assert()
        .success();
    dir.join("out/browser-report/report.html")
}

/// The `file://` address of `path`.
fn file_url(path: &Path) -> String {
    format!("file://{}", path.canonicalize().unwrap().display())
}

/// Needs a system package (Chromium), so it is not part of the README's self-contained test
/// command; `.ci/run` installs Chromium and runs it with `--ignored`.
#[test]
#[ignore = "needs /usr/bin/chromium; run by .ci/run with --ignored"]
fn report_renders_in_chromium_without_console_errors() {
    let dir = tempfile::tempdir().unwrap();
    let report = write_report(dir.path());
    assert_renders(
        &report,
        &[
            "<title>trafsim run report — browser-report</title>",
            "id=\"summary\"",
            "id=\"slo\"",
            "id=\"end-to-end\"",
            "id=\"tiers\"",
            "id=\"failover\"",
            "id=\"chart-goodput\"",
            "id=\"chart-latency\"",
            "id=\"chart-zones\"",
            "id=\"chart-snat\"",
            "id=\"findings\"",
            "id=\"scenario\"",
            "name = \"browser-report\"",
        ],
        4,
        "report-page.png",
    );
}

/// The same scenario with two `[[variants]]` (the second with twice the NGINX replicas),
/// through `trafsim compare`: its `comparison.html` renders the same way.
#[test]
#[ignore = "needs /usr/bin/chromium; run by .ci/run with --ignored"]
fn comparison_page_renders_in_chromium_without_console_errors() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("browser-report.toml");
    let variants = "\n[[variants]]\nname = \"one-per-zone\"\n\n[[variants]]\n\
                    name = \"two-per-zone\"\n\
                    set = { \"ingress.instances\" = { \"1\" = 2, \"2\" = 2, \"3\" = 2 } }\n";
    std::fs::write(&file, format!("{SCENARIO}{variants}")).unwrap();
    assert_cmd::Command::cargo_bin("trafsim")
        .unwrap()
        .arg("compare")
        .arg(&file)
        .arg("--out")
        .arg(dir.path().join("out"))
        .arg("--quiet")
        .assert()
        .success();
    let page = dir
        .path()
        .join("out/compare/browser-report/comparison.html");
    assert_renders(
        &page,
        &[
            "<title>trafsim comparison — browser-report</title>",
            "id=\"summary\"",
            "id=\"comparison-table\"",
            "two-per-zone significant?",
            "id=\"chart-comparison\"",
            "id=\"failover\"",
            "<h3>two-per-zone: ",
            "id=\"scenarios\"",
            "<summary>",
            "name = \"browser-report\"",
        ],
        1,
        "comparison-page.png",
    );
}

/// The scenario without its outage, as two variants (one and two NGINX replicas per zone),
/// through `trafsim capacity` with zone 2 lost as well: its `capacity.html` renders the same
/// way, with a badge per variant and case.
#[test]
#[ignore = "needs /usr/bin/chromium; run by .ci/run with --ignored"]
fn capacity_page_renders_in_chromium_without_console_errors() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("browser-report.toml");
    let fault = SCENARIO
        .find("[[faults]]")
        .and_then(|at| Some(at..at + SCENARIO[at..].find("[slo]")?))
        .unwrap();
    let steady = format!("{}{}", &SCENARIO[..fault.start], &SCENARIO[fault.end..])
        .replace("duration = \"40s\"", "duration = \"20s\"");
    let variants = "\n[[variants]]\nname = \"one-per-zone\"\n\n[[variants]]\n\
                    name = \"two-per-zone\"\n\
                    set = { \"ingress.instances\" = { \"1\" = 2, \"2\" = 2, \"3\" = 2 } }\n";
    std::fs::write(&file, format!("{steady}{variants}")).unwrap();
    assert_cmd::Command::cargo_bin("trafsim")
        .unwrap()
        .args(["capacity", "--replications", "3", "--tolerance", "10%"])
        .args(["--lose-zone", "2", "--quiet", "--out"])
        .arg(dir.path().join("out"))
        .arg(&file)
        .assert()
        .success();
    let page = dir.path().join("out/capacity/browser-report/capacity.html");
    assert_renders(
        &page,
        &[
            "<title>trafsim capacity — browser-report</title>",
            "id=\"summary\"",
            "one-per-zone, all zones: ",
            "two-per-zone, zone 2 lost: ",
            "id=\"capacity-table\"",
            "id=\"chart-capacity-probes\"",
            "id=\"probes\"",
            "name = \"browser-report\"",
        ],
        1,
        "capacity-page.png",
    );
}

/// Opens the page at `path` in Chromium and asserts that it is self-contained, that the DOM
/// Chromium built holds every one of `parts` and `svgs` inline SVGs, that the console stayed
/// silent, that the summary is above the fold and no table is clipped ([`assert_layout`]) and
/// that the screenshot (`<page>-screenshot.png` beside it) is not blank. With
/// `TRAFSIM_WRITE_SCREENSHOTS=1` the screenshot is also written to `docs/images/<doc_image>`.
fn assert_renders(path: &Path, parts: &[&str], svgs: usize, doc_image: &str) {
    assert!(
        Path::new(CHROMIUM).is_file(),
        "{CHROMIUM} is missing: this test needs Debian's chromium package \
         (`apt-get install -y chromium`; .ci/run installs it when missing)"
    );
    let dir = path.parent().unwrap();
    let html = std::fs::read_to_string(path).unwrap();
    // Self-contained: nothing to fetch, nothing to run.
    for banned in [
        "<script",
        "src=",
        "<link rel=\"stylesheet\"",
        "@import",
        "url(",
    ] {
        assert!(
            !html.contains(banned),
            "{} contains {banned:?}",
            path.display()
        );
    }
    let url = file_url(path);
    let stem = path.file_stem().unwrap().to_string_lossy().into_owned();

    // The DOM as Chromium built it, laid out in a window of FOLD.
    let dom = assert_layout(path, &html, &stem);
    for part in parts {
        assert!(dom.contains(part), "the rendered DOM lacks {part:?}");
    }
    assert_eq!(
        dom.matches("<svg").count(),
        svgs,
        "one inline SVG per chart"
    );

    // The screenshot, with the console on standard error.
    let name = format!("{stem}-screenshot.png");
    let shot = path.with_file_name(&name);
    let mut cmd = browser(&dir.join(format!("profile-shot-{stem}")));
    cmd.arg(format!("--screenshot={}", shot.display()))
        .arg(format!("--window-size={},{SHOT_HEIGHT}", FOLD.0))
        .args(["--hide-scrollbars", "--enable-logging=stderr", "--v=0"])
        .arg(&url);
    let stderr = run_bounded(cmd, dir, &format!("screenshot-{stem}")).stderr;
    let console: Vec<&str> = stderr.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(
        console.is_empty(),
        "console messages:\n{}",
        console.join("\n")
    );
    assert_screenshot(&shot);
    if let Some(keep) = std::env::var_os("TRAFSIM_KEEP_SCREENSHOT") {
        std::fs::copy(&shot, Path::new(&keep).join(&name)).unwrap();
    }
    if std::env::var_os("TRAFSIM_WRITE_SCREENSHOTS").is_some_and(|v| v == "1") {
        let images = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/images");
        std::fs::copy(&shot, images.join(doc_image)).unwrap();
    }
}

/// Lays out a copy of the page (`html`, from `path`) with [`MEASURE`] appended in a window of
/// [`FOLD`] and asserts that the summary box ends within the fold, that nothing is wider than
/// the window and that no table reaches past the page's column outside a scrolling box.
/// Returns the DOM Chromium built.
fn assert_layout(path: &Path, html: &str, stem: &str) -> String {
    let dir = path.parent().unwrap();
    let copy = dir.join(format!("{stem}-measure.html"));
    std::fs::write(
        &copy,
        html.replace("</body>", &format!("{MEASURE}\n</body>")),
    )
    .unwrap();
    let mut cmd = browser(&dir.join(format!("profile-measure-{stem}")));
    cmd.arg(format!("--window-size={},{}", FOLD.0, FOLD.1))
        .arg("--hide-scrollbars")
        .arg("--dump-dom")
        .arg(file_url(&copy));
    let dom = run_bounded(cmd, dir, &format!("measure-{stem}")).stdout;
    let at = dom
        .find("<pre id=\"measured\">")
        .unwrap_or_else(|| panic!("the measuring script wrote nothing for {stem}"));
    let text = &dom[at..dom[at..].find("</pre>").map_or(dom.len(), |e| at + e)];
    let field = |key: &str| -> String {
        let start = text
            .find(&format!("{key}="))
            .unwrap_or_else(|| panic!("no {key} in {text}"))
            + key.len()
            + 1;
        text[start..]
            .split(' ')
            .next()
            .unwrap_or_default()
            .to_string()
    };
    let number = |key: &str| -> f64 { field(key).parse().unwrap_or(f64::NAN) };
    let (top, bottom) = (number("summary_top"), number("summary_bottom"));
    eprintln!("{stem}: {text}");
    assert!(
        top >= 0.0 && bottom > top && bottom <= f64::from(FOLD.1),
        "{stem}: the summary box spans {top}..{bottom} px, not within the first {} px: {text}",
        FOLD.1
    );
    assert!(
        number("inner_width") == f64::from(FOLD.0) && number("scroll_width") <= f64::from(FOLD.0),
        "{stem}: the page is wider than the {} px window: {text}",
        FOLD.0
    );
    assert_eq!(field("clipped"), "", "{stem}: tables spill out: {text}");
    dom
}

/// Asserts that `path` is a 1280-pixel-wide PNG with text, tables and charts on it.
fn assert_screenshot(path: &Path) {
    assert!(path.is_file(), "no screenshot at {}", path.display());
    let bytes = std::fs::read(path).unwrap();
    let decoder = png::Decoder::new(bytes.as_slice());
    let mut reader = decoder.read_info().expect("the screenshot is not a PNG");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.width, 1280);
    assert_eq!(info.height, SHOT_HEIGHT);
    let channels = info.color_type.samples();
    let pixels: Vec<&[u8]> = buf[..info.buffer_size()]
        .chunks(channels)
        .map(|p| &p[..3])
        .collect();
    let background = pixels[0];
    let inked = pixels.iter().filter(|p| **p != background).count();
    let colours: HashSet<&[u8]> = pixels.iter().copied().collect();
    assert!(
        inked * 50 > pixels.len(),
        "the screenshot is nearly blank: {inked} of {} pixels differ from the background",
        pixels.len()
    );
    assert!(colours.len() > 50, "only {} colours", colours.len());
}
