//! The Kubernetes manifests in `deploy/kubernetes/` (issue #17) fit together and fit trafsim:
//! the Indexed Job's counts agree, the paths in the command lines are where the ConfigMap and
//! the results volume are mounted, the merge Job reads the folder the shards write — and the
//! command lines work: each pod's command is run here with the real `trafsim` binary (its
//! index in `JOB_COMPLETION_INDEX`, the mounts mapped to temporary folders), then the merge
//! Job's, and the merged `summary.json` is byte-identical to a plain `trafsim run` of the
//! ConfigMap's scenario.

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

#[test]
fn the_jobs_run_the_configmap_scenario_in_shards_and_merge_it_exactly() {
    let docs = documents();
    let config = find(&docs, "ConfigMap", "trafsim-scenario");
    let shards = find(&docs, "Job", "trafsim-shards");
    let merge = find(&docs, "Job", "trafsim-merge");
    let pvc = find(&docs, "PersistentVolumeClaim", "trafsim-results");
    assert!(strings(&pvc["spec"]["accessModes"]).contains(&"ReadWriteMany".to_string()));

    // The Indexed Job: N pods, N completions, and the same N told to trafsim.
    let spec = &shards["spec"];
    assert_eq!(spec["completionMode"], "Indexed");
    let n = spec["completions"].as_u64().unwrap();
    assert_eq!(spec["parallelism"].as_u64(), Some(n));
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
        "TRAFSIM_SHARD_COUNT is not the completions"
    );
    assert_eq!(strings(&c["command"]), ["trafsim"]);
    let args = strings(&c["args"]);
    assert_eq!(args[0], "run");
    assert!(args.contains(&"--shard-from-env".to_string()));

    // The scenario file is the ConfigMap's key where it is mounted; --out is the claim.
    let shard_mounts = mounts(shards);
    let text = config["data"]["scenario.toml"].as_str().unwrap();
    let scenario = trafsim::scenario::parse(text, "scenario.toml").unwrap();
    let (cm_path, _) = shard_mounts
        .iter()
        .find(|(_, v)| v["configMap"]["name"] == "trafsim-scenario")
        .unwrap();
    assert_eq!(args[1], format!("{cm_path}/scenario.toml"));
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
    let file = root
        .path()
        .join(cm_path.trim_start_matches('/'))
        .join("scenario.toml");
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
        .assert()
        .success();
    let plain = tempfile::tempdir().unwrap();
    Command::cargo_bin("trafsim")
        .unwrap()
        .arg("run")
        .arg(&file)
        .args(["--quiet", "--out"])
        .arg(plain.path())
        .assert()
        .success();
    let merged_dir = mapped(
        &[flag(&merge_args, "--out").to_string()],
        &merge_mounts,
        root.path(),
    );
    let merged = fs::read(
        Path::new(&merged_dir[0])
            .join(&scenario.name)
            .join("summary.json"),
    );
    let single = fs::read(plain.path().join(&scenario.name).join("summary.json"));
    assert!(
        merged.unwrap() == single.unwrap(),
        "merged summary.json differs"
    );
}

#[test]
fn the_dockerfile_builds_the_binary_the_jobs_call() {
    let text = fs::read_to_string(deploy_dir().join("Dockerfile")).unwrap();
    assert!(text.contains("--bin trafsim"));
    assert!(text.contains("/usr/local/bin/trafsim"));
    let docs = documents();
    for job in ["trafsim-shards", "trafsim-merge"] {
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
