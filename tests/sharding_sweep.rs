//! Sharded sweeps (issue #17): `trafsim run FILE --sweep … --shard K/N` runs the shard's
//! share of the sweep's (point, replication) runs, and `trafsim merge` of 1, 3 or 7 shards
//! writes byte for byte the `sweep.json`, `sweep.csv`, capacity curve and `sweep.html` of the
//! same sweep on one machine — with `[[variants]]` (one curve each) and the command line's
//! overrides; a shard missing or of another sweep is refused. Before this change `--shard`
//! with a sweep was refused (clap: `--shard` conflicted with `--sweep`; `[sweep]` files:
//! "runs only plain scenarios so far"), so every test here failed.
//!
//! The scenario is mm1 (an M/M/1 queue) with two variants (1 and 2 worker slots), 60 s long,
//! swept over three rates at 4 replications: 24 runs.

mod common;

use common::{merge_refused, trafsim};

use std::fs;
use std::path::Path;

/// mm1.toml, with two variants.
fn mm1_with_variants() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/mm1.toml");
    let mut text = fs::read_to_string(path).unwrap();
    text.push_str(
        "\n[[variants]]\nname = \"one-slot\"\n[variants.set]\n\"services.server.concurrency\" = 1\n\
         \n[[variants]]\nname = \"two-slots\"\n[variants.set]\n\"services.server.concurrency\" = 2\n",
    );
    text
}

/// The sweep and the settings every invocation shares.
const FLAGS: [&str; 14] = [
    "--sweep",
    "clients.rate=40,60,80",
    "--duration",
    "60s",
    "--set",
    "simulation.warmup=10s",
    "--replications",
    "4",
    "--seed",
    "5",
    "--quiet",
    "--threads",
    "2",
    "--format=table",
];

/// The files a sweep writes.
const FILES: [&str; 4] = ["sweep.json", "sweep.csv", "sweep.html", "capacity.svg"];

/// Runs shards `ks` of `count` into `out`.
fn run_shards(file: &Path, ks: &[u64], count: u64, out: &Path) {
    for &k in ks {
        trafsim()
            .arg("run")
            .arg(file)
            .args(FLAGS)
            .args(["--shard", &format!("{k}/{count}"), "--out"])
            .arg(out)
            .assert()
            .success();
    }
}

#[test]
fn one_three_and_seven_shards_merge_into_the_single_machine_sweep() {
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("mm1.toml");
    fs::write(&file, mm1_with_variants()).unwrap();
    let whole = work.path().join("whole");
    trafsim()
        .arg("run")
        .arg(&file)
        .args(FLAGS)
        .arg("--out")
        .arg(&whole)
        .assert()
        .success();
    let expected: Vec<Vec<u8>> = FILES
        .iter()
        .map(|f| fs::read(whole.join("mm1").join(f)).unwrap())
        .collect();
    let csv = String::from_utf8(expected[1].clone()).unwrap();
    assert_eq!(csv.lines().count(), 1 + 2 * 3, "{csv}");
    assert!(csv.contains("two-slots,80,"), "{csv}");
    for count in [1, 3, 7] {
        let shards = work.path().join(format!("shards-{count}"));
        let all: Vec<u64> = (0..count).collect();
        run_shards(&file, &all, count, &shards);
        let merged = work.path().join(format!("merged-{count}"));
        // The parts folder, or (7 shards) the shards' --out folder.
        let given = if count == 7 {
            shards.clone()
        } else {
            shards.join("mm1.sweep-parts")
        };
        trafsim()
            .arg("merge")
            .arg(given)
            .args(["--quiet", "--out"])
            .arg(&merged)
            .assert()
            .success();
        for (name, want) in FILES.iter().zip(&expected) {
            let got = fs::read(merged.join("mm1").join(name)).unwrap();
            assert!(&got == want, "{count} shards: {name} differs");
        }
    }
}

#[test]
fn a_missing_shard_and_another_sweep_are_refused() {
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("mm1.toml");
    fs::write(&file, mm1_with_variants()).unwrap();
    let shards = work.path().join("shards");
    run_shards(&file, &[0, 2], 3, &shards);
    let out = work.path().join("merged");
    let parts = shards.join("mm1.sweep-parts");
    let msg = merge_refused(std::slice::from_ref(&parts), &out);
    assert!(msg.contains("1 of the 3 shards"), "{msg}");
    assert!(msg.contains("part-1-of-3.trafsim-sweep-part"), "{msg}");
    assert!(!out.join("mm1").exists());

    // Shard 1 of a sweep over other rates.
    let other = work.path().join("other");
    let mut flags = FLAGS;
    flags[1] = "clients.rate=40,60,90";
    trafsim()
        .arg("run")
        .arg(&file)
        .args(flags)
        .args(["--shard", "1/3", "--out"])
        .arg(&other)
        .assert()
        .success();
    let msg = merge_refused(&[parts, other.join("mm1.sweep-parts")], &out);
    assert!(msg.contains("another sweep"), "{msg}");
    assert!(msg.contains("its sweep differs"), "{msg}");
}

/// One `--out` folder for the shards of a comparison and of a sweep (the same scenario file):
/// `trafsim merge` of that folder writes both. Before, the comparison's split kept the folder
/// for later only if it held a run's parts, so the sweep's parts were never seen (the merge
/// succeeded and wrote no sweep).
#[test]
fn a_folder_with_a_comparisons_and_a_sweeps_shards_merges_both() {
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("mm1.toml");
    fs::write(&file, mm1_with_variants()).unwrap();
    let shards = work.path().join("shards");
    run_shards(&file, &[0, 1], 2, &shards);
    for k in 0..2 {
        trafsim()
            .arg("compare")
            .arg(&file)
            .args(&FLAGS[2..])
            .args(["--shard", &format!("{k}/2"), "--out"])
            .arg(&shards)
            .assert()
            .success();
    }
    assert!(shards.join("compare").is_dir() && shards.join("mm1.sweep-parts").is_dir());
    let merged = work.path().join("merged");
    trafsim()
        .arg("merge")
        .arg(&shards)
        .args(["--quiet", "--out"])
        .arg(&merged)
        .assert()
        .success();
    assert!(merged.join("mm1").join("sweep.json").is_file());
    let compared: Vec<_> = fs::read_dir(merged.join("compare"))
        .unwrap()
        .map(|e| e.unwrap().path().join("comparison.json"))
        .collect();
    assert!(compared.len() == 1 && compared[0].is_file(), "{compared:?}");
}
