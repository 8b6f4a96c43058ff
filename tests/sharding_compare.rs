//! Sharded comparisons (issue #17): `trafsim compare --shard K/N` run as separate invocations
//! and joined by `trafsim merge` write byte for byte the `comparison.json` (and page and chart)
//! of the same comparison on one machine; a missing shard, a shard twice and a part of another
//! comparison are refused with a message that names what is wrong.
//!
//! The scenario is the shipped zone-outage-nat (two [[variants]], App Gateway, NAT Gateway, an
//! SLO, costs, a fault: the failover stories of the page included), shortened to 120 s at
//! 500 req/s, 6 replications. Before this change `compare` had no `--shard` (clap refused it),
//! so every test here failed.

mod common;

use common::{merge_refused, shipped_text, trafsim};

use std::fs;
use std::path::{Path, PathBuf};

/// zone-outage-nat.toml, 120 s long at 500 req/s with the outage from 50 s to 110 s.
fn short_nat_text() -> String {
    shipped_text(
        "zone-outage-nat.toml",
        &[
            ("duration = \"20m\"", "duration = \"120s\""),
            ("warmup = \"2m\"", "warmup = \"20s\""),
            ("at = \"6m\"", "at = \"50s\""),
            ("duration = \"8m\"", "duration = \"60s\""),
            ("rate = 2400 ", "rate = 500 "),
            ("replications = 8 ", "replications = 6 "),
        ],
    )
}

const COMMON: [&str; 5] = ["--seed", "3", "--quiet", "--threads", "2"];

/// Runs shards `ks` of `count` of `file` into `out`; shard 1 as a Kubernetes Indexed Job's
/// pod would (`--shard-from-env`, `JOB_COMPLETION_INDEX`).
fn run_shards(file: &Path, ks: &[u64], count: u64, out: &Path) {
    for &k in ks {
        let mut cmd = trafsim();
        cmd.arg("compare").arg(file).args(COMMON);
        if k == 1 {
            cmd.env("JOB_COMPLETION_INDEX", "1")
                .env("TRAFSIM_SHARD_COUNT", count.to_string())
                .arg("--shard-from-env");
        } else {
            cmd.args(["--shard", &format!("{k}/{count}")]);
        }
        cmd.arg("--out").arg(out).assert().success();
    }
}

/// The folder of the parts of comparison `zone-outage-nat` under `out`.
fn parts(out: &Path) -> PathBuf {
    out.join("compare/zone-outage-nat.parts")
}

#[test]
fn one_part_and_three_shards_merge_into_the_single_machine_comparison() {
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("zone-outage-nat.toml");
    fs::write(&file, short_nat_text()).unwrap();

    let whole = work.path().join("whole");
    trafsim()
        .arg("compare")
        .arg(&file)
        .args(COMMON)
        .arg("--out")
        .arg(&whole)
        .assert()
        .success();
    let expected = whole.join("compare/zone-outage-nat");
    let json = fs::read(expected.join("comparison.json")).unwrap();
    let page = fs::read(expected.join("comparison.html")).unwrap();
    let chart = fs::read(expected.join("comparison.svg")).unwrap();
    let text = String::from_utf8(json.clone()).unwrap();
    assert!(text.contains("\"replications\": 6"), "{text}");
    assert!(text.contains("\"variant\": \"nat-per-zone\""), "{text}");

    for count in [1, 3] {
        let shards = work.path().join(format!("shards-{count}"));
        let all: Vec<u64> = (0..count).collect();
        run_shards(&file, &all, count, &shards);
        let merged = work.path().join(format!("merged-{count}"));
        // The parts folder, or (3 shards) the shards' --out folder.
        let given = if count == 3 {
            shards.clone()
        } else {
            parts(&shards)
        };
        trafsim()
            .arg("merge")
            .arg(given)
            .args(["--quiet", "--out"])
            .arg(&merged)
            .assert()
            .success();
        let got = merged.join("compare/zone-outage-nat");
        assert!(
            fs::read(got.join("comparison.json")).unwrap() == json,
            "{count} shards: comparison.json differs"
        );
        assert!(
            fs::read(got.join("comparison.html")).unwrap() == page,
            "{count} shards: comparison.html differs"
        );
        assert!(
            fs::read(got.join("comparison.svg")).unwrap() == chart,
            "{count} shards: comparison.svg differs"
        );
    }
}

#[test]
fn a_missing_shard_a_shard_twice_and_another_comparison_are_refused() {
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("zone-outage-nat.toml");
    fs::write(
        &file,
        short_nat_text().replace("replications = 6 ", "replications = 3 "),
    )
    .unwrap();
    let shards = work.path().join("shards");
    run_shards(&file, &[0, 2], 3, &shards);
    let out = work.path().join("merged");

    let msg = merge_refused(&[parts(&shards)], &out);
    assert!(msg.contains("1 of the 3 shards"), "{msg}");
    assert!(msg.contains("part-1-of-3.trafsim-compare-part"), "{msg}");
    assert!(!out.join("compare/zone-outage-nat").exists());

    let p0 = parts(&shards).join("part-0-of-3.trafsim-compare-part");
    let twin = work.path().join("twin.trafsim-compare-part");
    fs::copy(&p0, &twin).unwrap();
    let msg = merge_refused(&[parts(&shards), twin], &out);
    assert!(msg.contains("there twice"), "{msg}");

    // Shard 1 of the same files with another seed.
    let other = work.path().join("other");
    trafsim()
        .arg("compare")
        .arg(&file)
        .args(["--seed", "4", "--quiet", "--threads", "2"])
        .args(["--shard", "1/3", "--out"])
        .arg(&other)
        .assert()
        .success();
    let msg = merge_refused(&[parts(&shards), parts(&other)], &out);
    assert!(msg.contains("another comparison"), "{msg}");
    assert!(msg.contains("seed"), "{msg}");
}

/// `--set` with `compare --shard` (issue #17): the parts hold the files as written and the
/// overrides apart, the merge applies them on top of every file and variant as `compare`
/// does, so 3 shards give the single-machine comparison with the same flag byte for byte.
/// Before, `--shard` refused `--set` and `--duration`.
#[test]
fn set_with_compare_shards_merges_into_the_single_machine_comparison() {
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("zone-outage-nat.toml");
    fs::write(&file, short_nat_text()).unwrap();
    let flags = ["--set", "clients.rate=400", "--replications", "3"];
    let whole = work.path().join("whole");
    trafsim()
        .arg("compare")
        .arg(&file)
        .args(COMMON)
        .args(flags)
        .arg("--out")
        .arg(&whole)
        .assert()
        .success();
    let shards = work.path().join("shards");
    for k in 0..3 {
        trafsim()
            .arg("compare")
            .arg(&file)
            .args(COMMON)
            .args(flags)
            .args(["--shard", &format!("{k}/3"), "--out"])
            .arg(&shards)
            .assert()
            .success();
    }
    let merged = work.path().join("merged");
    trafsim()
        .arg("merge")
        .arg(parts(&shards))
        .args(["--quiet", "--out"])
        .arg(&merged)
        .assert()
        .success();
    for name in ["comparison.json", "comparison.html", "comparison.svg"] {
        let a = fs::read(whole.join("compare/zone-outage-nat").join(name)).unwrap();
        let b = fs::read(merged.join("compare/zone-outage-nat").join(name)).unwrap();
        assert!(a == b, "{name} differs");
    }
    let page = fs::read_to_string(merged.join("compare/zone-outage-nat/comparison.html")).unwrap();
    assert!(page.contains("--set clients.rate=400"), "no override note");
}

/// `capacity --shard` runs a shard of one probe: without `--probe` it is refused and says how
/// a sharded search goes.
#[test]
fn capacity_shards_need_a_probe_and_say_why() {
    for flag in [&["--shard", "0/2"][..], &["--shard-from-env"][..]] {
        let output = trafsim()
            .arg("capacity")
            .arg("scenarios/mm1.toml")
            .args(flag)
            .env("JOB_COMPLETION_INDEX", "0")
            .env("TRAFSIM_SHARD_COUNT", "2")
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{output:?}");
        let msg = String::from_utf8_lossy(&output.stderr);
        assert!(
            msg.contains("--probe RATE") && msg.contains("--probe-results"),
            "{msg}"
        );
    }
}
