//! Sharded runs (issue #17): a run split into shards (`trafsim run --shard K/N`) and merged
//! (`trafsim merge`) gives byte for byte the files of the same run on one machine, and parts
//! that are not one whole run — a shard missing or twice, a part of another seed or scenario —
//! are refused with a message that names the file and what is wrong. Bad `--shard` values are
//! refused by the command line.
//!
//! The scenario is the shipped zone outage (App Gateway, NAT Gateway, an SLO, costs, a fault:
//! every part of the summary, the failover story included), shortened to 120 s at 500 req/s.

mod common;

use common::{shipped_text, trafsim};

use std::fs;
use std::path::{Path, PathBuf};

use trafsim::report;
use trafsim::runner::part::{self, PartError};
use trafsim::runner::{Shard, summarise_replications_within_budget};
use trafsim::scenario::{self, Scenario};
use trafsim::study::shard_source::merge_run;

/// The zone outage, 120 s long at 500 req/s with the outage from 50 s to 110 s, as TOML.
fn short_outage_text() -> String {
    shipped_text(
        "zone-outage.toml",
        &[
            ("duration = \"20m\"", "duration = \"120s\""),
            ("warmup = \"2m\"", "warmup = \"20s\""),
            ("at = \"6m\"", "at = \"50s\""),
            ("duration = \"8m\"", "duration = \"60s\""),
            ("rate = 2400 ", "rate = 500 "),
        ],
    )
}

/// The short outage with `replications` and `seed`.
fn scenario(replications: u32, seed: u64) -> Scenario {
    let mut s = scenario::parse(&short_outage_text(), "zone-outage.toml").unwrap();
    s.simulation.replications = replications;
    s.simulation.seed = seed;
    s
}

/// summary.json and timeseries.csv of a summary.
fn files_of(summary: &trafsim::runner::Summary) -> (String, String) {
    (
        report::json::to_json(summary).unwrap(),
        report::csv::timeseries(summary),
    )
}

/// Runs every shard of `count` of `s` into `dir`; the parts' paths.
fn run_all_shards(s: &Scenario, count: u64, dir: &Path) -> Vec<PathBuf> {
    (0..count)
        .map(|index| {
            let shard = Shard::new(index, count).unwrap();
            part::run_shard(s, "zone-outage.toml", shard, dir, &|_| {}).unwrap()
        })
        .collect()
}

#[test]
fn one_three_and_seven_shards_merge_into_the_single_machine_files() {
    let s = scenario(8, 42);
    let whole = summarise_replications_within_budget(&s, 0..8, &|_| {}).unwrap();
    let expected = files_of(&whole);
    for count in [1, 3, 7] {
        let dir = tempfile::tempdir().unwrap();
        let parts = run_all_shards(&s, count, dir.path());
        assert_eq!(parts.len() as u64, count);
        // The folder, or the files in any order.
        let (_, merged) = merge_run(&[dir.path().to_path_buf()]).unwrap();
        assert!(files_of(&merged) == expected, "{count} shards differ");
        let mut reversed = parts.clone();
        reversed.reverse();
        let (scenario_back, merged) = merge_run(&reversed).unwrap();
        assert!(
            files_of(&merged) == expected,
            "{count} shards (reversed) differ"
        );
        assert_eq!(part::scenario_hash(&scenario_back), part::scenario_hash(&s));
    }
}

#[test]
fn more_shards_than_replications_leave_empty_parts_that_still_merge() {
    let s = scenario(2, 7);
    let whole = summarise_replications_within_budget(&s, 0..2, &|_| {}).unwrap();
    let dir = tempfile::tempdir().unwrap();
    run_all_shards(&s, 3, dir.path());
    let (_, merged) = merge_run(&[dir.path().to_path_buf()]).unwrap();
    assert!(files_of(&merged) == files_of(&whole));
}

/// The message of a merge that must fail.
fn refused(paths: &[PathBuf]) -> String {
    match merge_run(paths) {
        Ok(_) => panic!("merged {paths:?}"),
        Err(e) => {
            assert_eq!(e.exit_code(), 2, "{e}");
            e.to_string()
        }
    }
}

#[test]
fn missing_duplicated_and_foreign_parts_are_refused() {
    let s = scenario(3, 42);
    let dir = tempfile::tempdir().unwrap();
    let parts = run_all_shards(&s, 3, dir.path());

    let msg = refused(&[parts[0].clone(), parts[2].clone()]);
    assert!(msg.contains("1 of the 3 shards"), "{msg}");
    assert!(msg.contains("part-1-of-3"), "{msg}");

    let copy = tempfile::tempdir().unwrap();
    let twin = copy.path().join("part-1-of-3.trafsim-part");
    fs::copy(&parts[1], &twin).unwrap();
    let mut with_twin = parts.clone();
    with_twin.push(twin);
    let msg = refused(&with_twin);
    assert!(msg.contains("shard 1/3 is there twice"), "{msg}");

    // Shard 1 of the same scenario with another seed.
    let other_seed = tempfile::tempdir().unwrap();
    let foreign = part::run_shard(
        &scenario(3, 43),
        "zone-outage.toml",
        Shard::new(1, 3).unwrap(),
        other_seed.path(),
        &|_| {},
    )
    .unwrap();
    let msg = refused(&[parts[0].clone(), foreign.clone(), parts[2].clone()]);
    assert!(msg.contains("seed is 43"), "{msg}");
    assert!(msg.contains(&foreign.display().to_string()), "{msg}");

    // Shard 1 of the same name with another content.
    let mut changed = scenario(3, 42);
    changed.clients.timeout = trafsim::engine::SimDuration::from_secs(9);
    let other = tempfile::tempdir().unwrap();
    let foreign = part::run_shard(
        &changed,
        "zone-outage.toml",
        Shard::new(1, 3).unwrap(),
        other.path(),
        &|_| {},
    )
    .unwrap();
    let msg = refused(&[parts[0].clone(), foreign, parts[2].clone()]);
    assert!(msg.contains("another content"), "{msg}");

    // A file that is not a part at all.
    let junk = dir.path().join("notes.trafsim-part");
    fs::write(&junk, "hello").unwrap();
    let msg = refused(std::slice::from_ref(&junk));
    assert!(msg.contains("is not a trafsim part"), "{msg}");
    fs::remove_file(&junk).unwrap();

    // A part cut short (a copy that stopped half-way).
    let cut = tempfile::tempdir().unwrap();
    let bytes = fs::read(&parts[2]).unwrap();
    let short = cut.path().join("part-2-of-3.trafsim-part");
    fs::write(&short, &bytes[..bytes.len() / 2]).unwrap();
    let msg = refused(&[parts[0].clone(), parts[1].clone(), short]);
    assert!(msg.contains("part-2-of-3"), "{msg}");

    let empty = tempfile::tempdir().unwrap();
    assert!(matches!(
        merge_run(&[empty.path().to_path_buf()]),
        Err(PartError::NoParts(_))
    ));
}

#[test]
fn separate_invocations_and_merge_write_the_files_of_one_run() {
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("zone-outage.toml");
    fs::write(&file, short_outage_text()).unwrap();
    let common = [
        "--replications",
        "5",
        "--seed",
        "3",
        "--quiet",
        "--threads",
        "2",
    ];
    let whole = work.path().join("whole");
    trafsim()
        .arg("run")
        .arg(&file)
        .args(common)
        .arg("--out")
        .arg(&whole)
        .assert()
        .success();
    let shards = work.path().join("shards");
    for k in 0..3 {
        trafsim()
            .arg("run")
            .arg(&file)
            .args(common)
            .args(["--shard", &format!("{k}/3"), "--out"])
            .arg(&shards)
            .assert()
            .success();
    }
    // The last shard through the environment, as a Kubernetes Indexed Job's pod runs it.
    trafsim()
        .arg("run")
        .arg(&file)
        .args(common)
        .args(["--shard-from-env", "--out"])
        .arg(&shards)
        .env("JOB_COMPLETION_INDEX", "2")
        .env("TRAFSIM_SHARD_COUNT", "3")
        .assert()
        .success();
    let merged = work.path().join("merged");
    trafsim()
        .arg("merge")
        .arg(shards.join("zone-outage.parts"))
        .arg("--out")
        .arg(&merged)
        .assert()
        .success();
    for name in ["summary.json", "timeseries.csv", "report.html"] {
        let a = fs::read(whole.join("zone-outage").join(name)).unwrap();
        let b = fs::read(merged.join("zone-outage").join(name)).unwrap();
        assert!(a == b, "{name} differs");
    }
    // A merge with a shard missing fails with exit 2 and says which.
    fs::remove_file(shards.join("zone-outage.parts/part-1-of-3.trafsim-part")).unwrap();
    let out = trafsim()
        .arg("merge")
        .arg(shards.join("zone-outage.parts"))
        .arg("--out")
        .arg(&merged)
        .assert()
        .code(2)
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("missing: shard 1"), "{err}");
}

#[test]
fn bad_shard_flags_are_refused() {
    let mm1 = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/mm1.toml");
    let out = tempfile::tempdir().unwrap();
    for (flag, says) in [
        ("3/3", "from 0 to 2"),
        ("0/0", "from 1 to"),
        ("a/b", "such as `0/3`"),
        ("2", "such as `0/3`"),
    ] {
        let assert = trafsim()
            .arg("run")
            .arg(&mm1)
            .args(["--shard", flag, "--out"])
            .arg(out.path())
            .assert()
            .code(2);
        let err = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
        assert!(err.contains(says), "--shard {flag}: {err}");
        assert!(err.contains("--shard"), "--shard {flag}: {err}");
    }
    // --shard-from-env with no index in the environment.
    let assert = trafsim()
        .arg("run")
        .arg(&mm1)
        .args(["--shard-from-env", "--out"])
        .arg(out.path())
        .env_remove("JOB_COMPLETION_INDEX")
        .env_remove("SLURM_ARRAY_TASK_ID")
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(err.contains("JOB_COMPLETION_INDEX"), "{err}");
    // A shard cannot also stop at a precision.
    trafsim()
        .arg("run")
        .arg(&mm1)
        .args(["--shard", "0/2", "--precision", "5%", "--out"])
        .arg(out.path())
        .assert()
        .code(2);
}

/// `--set` and `--duration` with `--shard` (issue #17): the part holds the file as written
/// and the overrides apart, the merge applies them as `run` does, so 1 part and 3 shards
/// merge into the files of the single-machine run with the same flags (its page's note of
/// the overrides included); shards run with other overrides are refused. Before, `--shard`
/// refused both flags.
#[test]
fn set_and_duration_with_shards_merge_into_the_single_machine_files() {
    let mm1 = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/mm1.toml");
    let work = tempfile::tempdir().unwrap();
    let flags = [
        "--duration",
        "90s",
        "--set",
        "simulation.warmup=10s",
        "--set",
        "clients.rate=70",
        "--replications",
        "5",
        "--seed",
        "11",
        "--quiet",
    ];
    let whole = work.path().join("whole");
    trafsim()
        .arg("run")
        .arg(&mm1)
        .args(flags)
        .arg("--out")
        .arg(&whole)
        .assert()
        .success();
    let summary = fs::read_to_string(whole.join("mm1/summary.json")).unwrap();
    assert!(summary.contains("\"seed\": 11"), "{summary}");
    for count in [1, 3] {
        let shards = work.path().join(format!("shards-{count}"));
        for k in 0..count {
            trafsim()
                .arg("run")
                .arg(&mm1)
                .args(flags)
                .args(["--shard", &format!("{k}/{count}"), "--out"])
                .arg(&shards)
                .assert()
                .success();
        }
        let merged = work.path().join(format!("merged-{count}"));
        trafsim()
            .arg("merge")
            .arg(shards.join("mm1.parts"))
            .args(["--quiet", "--out"])
            .arg(&merged)
            .assert()
            .success();
        for name in ["summary.json", "timeseries.csv", "report.html"] {
            let a = fs::read(whole.join("mm1").join(name)).unwrap();
            let b = fs::read(merged.join("mm1").join(name)).unwrap();
            assert!(a == b, "{name} differs with {count} shards");
        }
    }
    // The page says which overrides the run had, as the single-machine one does.
    let page = fs::read_to_string(whole.join("mm1/report.html")).unwrap();
    assert!(page.contains("--set clients.rate=70"), "no override note");
    // Shard 1 of 3 run with another rate: refused, naming both.
    let shards = work.path().join("shards-3");
    let mut other = flags.to_vec();
    other[5] = "clients.rate=71";
    trafsim()
        .arg("run")
        .arg(&mm1)
        .args(&other)
        .args(["--shard", "1/3", "--out"])
        .arg(work.path().join("other"))
        .assert()
        .success();
    let foreign = work.path().join("other/mm1.parts/part-1-of-3.trafsim-part");
    let msg = refused(&[
        shards.join("mm1.parts/part-0-of-3.trafsim-part"),
        foreign,
        shards.join("mm1.parts/part-2-of-3.trafsim-part"),
    ]);
    assert!(msg.contains("command-line overrides"), "{msg}");
    assert!(msg.contains("clients.rate=71"), "{msg}");
}

/// A CBOR map's entries (a part's header).
type CborMap = Vec<(ciborium::Value, ciborium::Value)>;

/// The part carries its format version and the build identity (issue #17): a part of
/// another build of the same version, or of an older part format, is refused with a message
/// that names both builds (or formats) rather than merged into results that may differ.
#[test]
fn parts_of_another_build_or_format_are_refused() {
    let s = scenario(3, 42);
    let dir = tempfile::tempdir().unwrap();
    let parts = run_all_shards(&s, 3, dir.path());
    let own = trafsim::runner::build_id::build_identity();
    // Rewrite part 1's header as another build would have written it.
    let rewrite = |edit: &dyn Fn(&mut CborMap)| -> PathBuf {
        let bytes = fs::read(&parts[1]).unwrap();
        let mut reader = &bytes[..];
        let header: ciborium::Value = ciborium::from_reader(&mut reader).unwrap();
        let ciborium::Value::Map(mut map) = header else {
            panic!("the header is not a map")
        };
        edit(&mut map);
        let mut out = Vec::new();
        ciborium::into_writer(&ciborium::Value::Map(map), &mut out).unwrap();
        out.extend_from_slice(reader);
        let other = tempfile::tempdir().unwrap().keep();
        let path = other.join("part-1-of-3.trafsim-part");
        fs::write(&path, out).unwrap();
        path
    };
    let set = |key: &'static str, value: ciborium::Value| {
        move |map: &mut CborMap| {
            for (k, v) in map.iter_mut() {
                if k.as_text() == Some(key) {
                    *v = value.clone();
                }
            }
        }
    };
    let other_build = rewrite(&set(
        "build",
        ciborium::Value::Text("0.1.0 commit 0123456789abcdef schema 0000000000000000".into()),
    ));
    let msg = refused(&[parts[0].clone(), other_build, parts[2].clone()]);
    assert!(msg.contains("another trafsim build"), "{msg}");
    assert!(
        msg.contains("0123456789abcdef") && msg.contains(own),
        "{msg}"
    );
    let old_format = rewrite(&set("format_version", ciborium::Value::Integer(1.into())));
    let msg = refused(&[parts[0].clone(), old_format, parts[2].clone()]);
    assert!(msg.contains("part format 1"), "{msg}");
    assert!(msg.contains("reads part format 2 only"), "{msg}");
}
