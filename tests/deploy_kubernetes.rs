//! The Kubernetes manifests in `deploy/kubernetes/` (issue #17) fit together and fit trafsim:
//! the Indexed Job's counts agree, the paths in the command lines are where the ConfigMap and
//! the results volume are mounted, the merge Job reads the folder the shards write — and the
//! command lines work: each pod's command is run here with the real `trafsim` binary (its
//! index in `JOB_COMPLETION_INDEX`, the mounts mapped to temporary folders), then the merge
//! Job's, and every file the merge writes is byte-identical to that of the same command line
//! on one machine: the run (`summary.json`, `report.html`, …), the comparison and the sweep.
//! Each Job's options are checked against `trafsim <command> --help`.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde::Deserialize;
use serde_json::Value;

fn deploy_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/kubernetes")
}

/// Every YAML document of every manifest.
fn documents() -> Vec<Value> {
    let mut docs = Vec::new();
    let mut files: Vec<PathBuf> = fs::read_dir(deploy_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 4, "{files:?}");
    for f in files {
        let text = fs::read_to_string(&f).unwrap();
        for doc in serde_yaml_ng::Deserializer::from_str(&text) {
            let v = Value::deserialize(doc).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            assert!(
                v["apiVersion"].is_string(),
                "{}: no apiVersion",
                f.display()
            );
            docs.push(v);
        }
    }
    docs
}

fn find<'a>(docs: &'a [Value], kind: &str, name: &str) -> &'a Value {
    docs.iter()
        .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name}"))
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|s| {
            s.as_str()
                .unwrap_or_else(|| panic!("not a string: {s}"))
                .to_string()
        })
        .collect()
}

/// A Job's one container.
fn container(job: &Value) -> &Value {
    let c = &job["spec"]["template"]["spec"]["containers"];
    assert_eq!(c.as_array().unwrap().len(), 1);
    &c[0]
}

/// (mount path, volume) of each of a Job's mounts.
fn mounts(job: &Value) -> Vec<(String, Value)> {
    let volumes = job["spec"]["template"]["spec"]["volumes"]
        .as_array()
        .unwrap();
    container(job)["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let name = &m["name"];
            let volume = volumes.iter().find(|v| &v["name"] == name).unwrap().clone();
            (m["mountPath"].as_str().unwrap().to_string(), volume)
        })
        .collect()
}

/// The value after `flag` in `args`.
fn flag<'a>(args: &'a [String], flag: &str) -> &'a str {
    let i = args
        .iter()
        .position(|a| a == flag)
        .unwrap_or_else(|| panic!("no {flag}"));
    &args[i + 1]
}

/// `args` with each mount path replaced by its folder under `root`.
fn mapped(args: &[String], mounts: &[(String, Value)], root: &Path) -> Vec<String> {
    args.iter()
        .map(|a| {
            for (path, _) in mounts {
                if let Some(rest) = a.strip_prefix(path.as_str()) {
                    return format!(
                        "{}{rest}",
                        root.join(path.trim_start_matches('/')).display()
                    );
                }
            }
            a.clone()
        })
        .collect()
}

/// Every file under `dir`, as paths relative to it, sorted.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}

/// The long options `trafsim <command> --help` lists.
fn help_flags(command: &str) -> String {
    let out = Command::cargo_bin("trafsim")
        .unwrap()
        .args([command, "--help"])
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

/// Checks the Indexed Job `name` (its counts, its mounts, its options against `trafsim
/// --help`), runs its pods' command lines with the real binary, then the merge Job's, and
/// checks that every file a single-machine run of the same command line (without
/// `--shard-from-env`) writes is written byte for byte by the merge. Returns the command's
/// arguments.
fn check_and_run(docs: &[Value], name: &str) -> Vec<String> {
    let config = find(docs, "ConfigMap", "trafsim-scenario");
    let shards = find(docs, "Job", name);
    let merge = find(docs, "Job", "trafsim-merge");
    let pvc = find(docs, "PersistentVolumeClaim", "trafsim-results");
    assert!(strings(&pvc["spec"]["accessModes"]).contains(&"ReadWriteMany".to_string()));

    // The Indexed Job: N pods, N completions, and the same N told to trafsim.
    let spec = &shards["spec"];
    assert_eq!(spec["completionMode"], "Indexed", "{name}");
    let n = spec["completions"].as_u64().unwrap();
    assert_eq!(spec["parallelism"].as_u64(), Some(n), "{name}");
    let c = container(shards);
    let env: Vec<(String, String)> = c["env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap().into(),
                e["value"].as_str().unwrap().into(),
            )
        })
        .collect();
    let count = env
        .iter()
        .find(|(k, _)| k == "TRAFSIM_SHARD_COUNT")
        .unwrap();
    assert_eq!(
        count.1,
        n.to_string(),
        "{name}: TRAFSIM_SHARD_COUNT is not the completions"
    );
    assert_eq!(strings(&c["command"]), ["trafsim"]);
    let args = strings(&c["args"]);
    assert!(args.contains(&"--shard-from-env".to_string()), "{name}");
    let help = help_flags(&args[0]);
    for a in args.iter().filter(|a| a.starts_with("--")) {
        assert!(
            help.contains(a.as_str()),
            "{name}: `trafsim {} --help` has no {a}",
            args[0]
        );
    }

    // The scenario file is a key of the ConfigMap where it is mounted; --out is the claim.
    let shard_mounts = mounts(shards);
    let (cm_path, _) = shard_mounts
        .iter()
        .find(|(_, v)| v["configMap"]["name"] == "trafsim-scenario")
        .unwrap();
    let key = args[1]
        .strip_prefix(&format!("{cm_path}/"))
        .unwrap_or_else(|| panic!("{name}: {} is not in the ConfigMap", args[1]));
    let text = config["data"][key].as_str().unwrap();
    trafsim::study::Source::parse(text, key).unwrap();
    let claim = |mounts: &[(String, Value)]| {
        mounts
            .iter()
            .find(|(_, v)| v["persistentVolumeClaim"]["claimName"] == "trafsim-results")
            .unwrap()
            .0
            .clone()
    };
    let out = flag(&args, "--out");
    assert!(out.starts_with(&claim(&shard_mounts)), "{out}");

    // The merge reads the folder the shards write their parts folders into, on the claim.
    let m = container(merge);
    assert_eq!(strings(&m["command"]), ["trafsim"]);
    let merge_args = strings(&m["args"]);
    assert_eq!(merge_args[0], "merge");
    assert_eq!(merge_args[1], out);
    let merge_mounts = mounts(merge);
    assert_eq!(claim(&merge_mounts), claim(&shard_mounts));

    // Run the pods' command lines with the real binary, then the merge's.
    let root = tempfile::tempdir().unwrap();
    let file = root.path().join(cm_path.trim_start_matches('/')).join(key);
    fs::create_dir_all(file.parent().unwrap()).unwrap();
    fs::write(&file, text).unwrap();
    for index in 0..n {
        Command::cargo_bin(c["command"][0].as_str().unwrap())
            .unwrap()
            .args(mapped(&args, &shard_mounts, root.path()))
            .envs(env.iter().cloned())
            .env("JOB_COMPLETION_INDEX", index.to_string())
            .assert()
            .success();
    }
    Command::cargo_bin("trafsim")
        .unwrap()
        .args(mapped(&merge_args, &merge_mounts, root.path()))
        .args(["--quiet"])
        .assert()
        .success();
    // The same command line on one machine.
    let plain = tempfile::tempdir().unwrap();
    let mut single: Vec<String> = mapped(&args, &shard_mounts, root.path())
        .into_iter()
        .filter(|a| a != "--shard-from-env")
        .collect();
    let at = single.iter().position(|a| a == "--out").unwrap();
    single[at + 1] = plain.path().display().to_string();
    Command::cargo_bin("trafsim")
        .unwrap()
        .args(&single)
        .assert()
        .success();
    let merged_dir = mapped(
        &[flag(&merge_args, "--out").to_string()],
        &merge_mounts,
        root.path(),
    );
    let expected = files_under(plain.path());
    assert!(!expected.is_empty(), "{name}: the plain run wrote nothing");
    for f in &expected {
        let a = fs::read(plain.path().join(f)).unwrap();
        let b = fs::read(Path::new(&merged_dir[0]).join(f))
            .unwrap_or_else(|e| panic!("{name}: the merge wrote no {}: {e}", f.display()));
        assert!(a == b, "{name}: merged {} differs", f.display());
    }
    args
}

#[test]
fn the_jobs_run_the_configmap_scenario_in_shards_and_merge_it_exactly() {
    let docs = documents();
    let args = check_and_run(&docs, "trafsim-shards");
    assert_eq!(args[0], "run");
}

/// The comparison's and the sweep's Indexed Jobs (issue #17) work like the run's: their
/// command lines are trafsim's, and the merge Job turns their parts into the single-machine
/// comparison and sweep, byte for byte.
#[test]
fn the_compare_and_sweep_jobs_merge_into_the_single_machine_study() {
    let docs = documents();
    let args = check_and_run(&docs, "trafsim-compare-shards");
    assert_eq!(args[0], "compare");
    let args = check_and_run(&docs, "trafsim-sweep-shards");
    assert!(args.contains(&"--sweep".to_string()));
}

/// The sharded capacity search's Jobs (issue #17): the probe Job's pods run the shards of the
/// probe it names (the scenario's own rate, the search's first probe), the merge Job merges it
/// into the folder the search Job reads, and the search Job then reads it and asks for the next
/// probe. Each Job's options are checked against `trafsim capacity --help`.
#[test]
fn the_capacity_probe_and_search_jobs_take_turns() {
    let docs = documents();
    let config = find(&docs, "ConfigMap", "trafsim-scenario");
    let probe = find(&docs, "Job", "trafsim-capacity-probe");
    let search = find(&docs, "Job", "trafsim-capacity-search");
    let merge = find(&docs, "Job", "trafsim-merge");
    let spec = &probe["spec"];
    assert_eq!(spec["completionMode"], "Indexed");
    let n = spec["completions"].as_u64().unwrap();
    assert_eq!(spec["parallelism"].as_u64(), Some(n));
    let c = container(probe);
    let env: Vec<(String, String)> = c["env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap().into(),
                e["value"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(env.contains(&("TRAFSIM_SHARD_COUNT".to_string(), n.to_string())));
    let args = strings(&c["args"]);
    let search_args = strings(&container(search)["args"]);
    let help = help_flags("capacity");
    for a in args
        .iter()
        .chain(&search_args)
        .filter(|a| a.starts_with("--"))
    {
        assert!(
            help.contains(a.as_str()),
            "`trafsim capacity --help` has no {a}"
        );
    }
    assert_eq!(args[0], "capacity");
    assert_eq!(search_args[0], "capacity");
    assert_eq!(
        args[1], search_args[1],
        "the probe and the search read one file"
    );
    // The search reads the merged probes where the merge Job writes them.
    let merge_args = strings(&container(merge)["args"]);
    assert_eq!(
        flag(&search_args, "--probe-results"),
        flag(&merge_args, "--out")
    );
    assert_eq!(flag(&args, "--out"), merge_args[1]);

    let probe_mounts = mounts(probe);
    let (cm_path, _) = probe_mounts
        .iter()
        .find(|(_, v)| v["configMap"]["name"] == "trafsim-scenario")
        .unwrap();
    let key = args[1].strip_prefix(&format!("{cm_path}/")).unwrap();
    let root = tempfile::tempdir().unwrap();
    let file = root.path().join(cm_path.trim_start_matches('/')).join(key);
    fs::create_dir_all(file.parent().unwrap()).unwrap();
    fs::write(&file, config["data"][key].as_str().unwrap()).unwrap();
    for index in 0..n {
        Command::cargo_bin("trafsim")
            .unwrap()
            .args(mapped(&args, &probe_mounts, root.path()))
            .envs(env.iter().cloned())
            .env("JOB_COMPLETION_INDEX", index.to_string())
            .assert()
            .success();
    }
    Command::cargo_bin("trafsim")
        .unwrap()
        .args(mapped(&merge_args, &mounts(merge), root.path()))
        .arg("--quiet")
        .assert()
        .success();
    let out = Command::cargo_bin("trafsim")
        .unwrap()
        .args(mapped(&search_args, &mounts(search), root.path()))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("(1 merged probes read)"), "{text}");
    let rate = flag(&args, "--probe");
    assert!(!text.contains(&format!("--probe {rate} ")), "{text}");
}

#[test]
fn the_dockerfile_builds_the_binary_the_jobs_call() {
    let text = fs::read_to_string(deploy_dir().join("Dockerfile")).unwrap();
    assert!(text.contains("--bin trafsim"));
    assert!(text.contains("/usr/local/bin/trafsim"));
    let docs = documents();
    for job in [
        "trafsim-shards",
        "trafsim-compare-shards",
        "trafsim-sweep-shards",
        "trafsim-capacity-probe",
        "trafsim-capacity-search",
        "trafsim-merge",
    ] {
        let image = container(find(&docs, "Job", job))["image"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            image.ends_with(&format!(":{}", env!("CARGO_PKG_VERSION"))),
            "{job} runs {image}, not this version's tag"
        );
    }
}
