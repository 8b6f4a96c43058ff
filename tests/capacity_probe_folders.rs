//! What a sharded capacity search leaves in its folders: `capacity --probe-results DIR` that
//! still waits for a probe writes nothing under `--out` (it created an empty
//! `<out>/capacity/<scenario>/`), and a variant or zone whose name would take a probe's folder
//! elsewhere (`/`, `..`) is refused with a clear error before anything is written (it made
//! `<out>/capacity/probe-parts/web~-~a/b~50/`, a nested folder, or escaped `--out` with `..`).

mod common;

use common::trafsim;

use std::path::Path;

/// Two zones, one named with a `/`.
const SCENARIO: &str = r#"[simulation]
name = "web"
duration = "20s"
warmup = "5s"
replications = 3

[clients]
rate = 50

[network]
zones = ["a/b", "c"]

[[services]]
name = "web"
pods = { "a/b" = 1, "c" = 1 }
service_time = "10ms"
"#;

/// Variants for [`SCENARIO`]: one named `..`.
const VARIANTS: &str = r#"
[[variants]]
name = "ok"

[[variants]]
name = ".."
[variants.set.clients]
rate = 60
"#;

/// Runs `trafsim capacity FILE` with `args`, returning its exit code and standard error.
fn capacity(file: &Path, args: &[&str], out: &Path) -> (Option<i32>, String) {
    let o = trafsim()
        .arg("capacity")
        .arg(file)
        .args(["--slo-p99", "100ms", "--quiet", "--out"])
        .arg(out)
        .args(args)
        .output()
        .unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn a_search_waiting_for_a_probe_leaves_no_folder() {
    let mm1 = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/mm1.toml");
    let work = tempfile::tempdir().unwrap();
    let (probes, out) = (work.path().join("probes"), work.path().join("out"));
    std::fs::create_dir(&probes).unwrap();
    let o = trafsim()
        .arg("capacity")
        .arg(&mm1)
        .args(["--slo-p99", "100ms", "--replications", "3", "--quiet"])
        .arg("--probe-results")
        .arg(&probes)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
    assert!(String::from_utf8_lossy(&o.stdout).contains("next probe"));
    assert!(
        !out.join("capacity/mm1").exists(),
        "a search still waiting for a probe created its result folder"
    );
}

#[test]
fn a_zone_or_variant_that_is_not_a_folder_name_is_refused() {
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("web.toml");
    std::fs::write(&file, format!("{SCENARIO}{VARIANTS}")).unwrap();
    let out = work.path().join("out");
    let probe = |variant: &str, zone: &str| {
        let args = [
            "--probe",
            "50",
            "--shard",
            "0/1",
            "--variant",
            variant,
            "--lose-zone",
            zone,
        ];
        capacity(&file, &args, &out)
    };
    let (code, err) = probe("..", "c");
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("variant `..` cannot be part of a probe's folder name")
            && err.contains("rename it in the scenario"),
        "{err}"
    );
    let (code, err) = probe("ok", "a/b");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("zone `a/b` cannot be part"), "{err}");
    let (code, err) = probe("ok", "c");
    assert_eq!(code, Some(0), "{err}");
    let file = work.path().join("plain.toml");
    std::fs::write(&file, SCENARIO).unwrap();
    let out = work.path().join("out2");
    // The search from merged probes refuses the zone before it looks for a probe.
    let probes = work.path().join("probes");
    std::fs::create_dir(&probes).unwrap();
    let search = [
        "--lose-zone",
        "a/b",
        "--probe-results",
        probes.to_str().unwrap(),
    ];
    let (code, err) = capacity(&file, &search, &out);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("zone `a/b` cannot be part of a probe's folder name")
            && err.contains("must not contain `/`"),
        "{err}"
    );
    assert!(
        !out.join("capacity").exists(),
        "something was written under --out"
    );
}
