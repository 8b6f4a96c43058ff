//! `trafsim init`: every combination of its flags writes a commented scenario that `trafsim
//! validate` accepts as written (and that runs), and an existing file is never overwritten.
//! Before issue #14 there was no `init` command.

mod common;

use common::trafsim;

use predicates::prelude::*;

const INGRESS: [&str; 5] = ["app-gateway", "nginx", "istio", "load-balancer", "none"];
const EGRESS: [&str; 5] = [
    "load-balancer",
    "nat-gateway",
    "firewall",
    "private-endpoint",
    "direct",
];

#[test]
fn every_combination_validates_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for ingress in INGRESS {
        for egress in EGRESS {
            for zones in 1..=3 {
                let file = dir.path().join(format!("{ingress}-{egress}-{zones}.toml"));
                trafsim()
                    .arg("init")
                    .arg(&file)
                    .args(["--ingress", ingress, "--egress", egress])
                    .args(["--zones", &zones.to_string()])
                    .assert()
                    .success()
                    .stdout(predicate::str::contains("written: "));
                let text = std::fs::read_to_string(&file).unwrap();
                assert!(text.contains(&format!("kind = \"{ingress}\"")), "{text}");
                assert!(text.contains(&format!("kind = \"{egress}\"")), "{text}");
                assert!(text.lines().filter(|l| l.starts_with('#')).count() > 5);
                files.push(file);
            }
        }
    }
    let mut assert = trafsim()
        .arg("validate")
        .args(&files)
        .assert()
        .success()
        .stderr("");
    for f in &files {
        assert = assert.stdout(predicate::str::contains(format!("ok: {}", f.display())));
    }
}

#[test]
fn the_default_scenario_runs_and_names_itself_after_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("my-cluster.toml");
    trafsim().arg("init").arg(&file).assert().success();
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("name = \"my-cluster\""), "{text}");
    assert!(text.contains("kind = \"app-gateway\"") && text.contains("kind = \"nat-gateway\""));
    trafsim()
        .arg("run")
        .arg(&file)
        .args([
            "--quiet",
            "--replications",
            "1",
            "--duration",
            "40s",
            "--out",
        ])
        .arg(dir.path().join("out"))
        .assert()
        .success()
        .stdout(predicate::str::contains("my-cluster: 1 replication"));
}

#[test]
fn an_existing_file_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mine.toml");
    std::fs::write(&file, "# my own work\n").unwrap();
    trafsim()
        .arg("init")
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already exists"))
        .stderr(predicate::str::contains("never overwrites"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "# my own work\n");
    trafsim()
        .arg("init")
        .arg(dir.path().join("x.toml"))
        .args(["--zones", "4"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--zones"));
}
