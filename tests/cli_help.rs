//! The command line's help and shell completions: `--help` of each running command shows
//! examples, `--format` is described for what each command prints, and `trafsim completions
//! SHELL` prints a script that knows the commands and flags. Before issue #14 the help had no
//! examples, `compare` and `capacity` showed `run`'s `--format` text (summary.json), and there
//! was no `completions` command.

use assert_cmd::Command;
use predicates::prelude::*;

fn help(args: &[&str]) -> String {
    let out = Command::cargo_bin("trafsim")
        .unwrap()
        .args(args)
        .arg("--help")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap()
}

#[test]
fn help_shows_examples() {
    for (args, example) in [
        (&[][..], "trafsim init my-cluster.toml"),
        (&["run"][..], "trafsim run scenarios/mm1.toml --sweep"),
        (
            &["compare"][..],
            "trafsim compare scenarios/zone-outage-nat.toml",
        ),
        (&["capacity"][..], "--lose-zone 2"),
        (&["init"][..], "--ingress nginx --egress firewall"),
    ] {
        let text = help(args);
        assert!(
            text.contains("Examples:") && text.contains(example),
            "{args:?}: {text}"
        );
    }
}

#[test]
fn format_help_is_each_commands_own() {
    let run = help(&["run"]);
    let compare = help(&["compare"]);
    let capacity = help(&["capacity"]);
    assert!(run.contains("summary.json"), "{run}");
    let format_of = |text: &str| {
        let at = text.find("--format <FORMAT>").unwrap();
        text[at..].lines().nth(1).unwrap_or_default().to_string()
    };
    assert!(format_of(&compare).contains("comparison.json"), "{compare}");
    assert!(!format_of(&compare).contains("summary.json"), "{compare}");
    assert!(format_of(&capacity).contains("capacity.json"), "{capacity}");
    assert!(!format_of(&capacity).contains("summary.json"), "{capacity}");
    for text in [&run, &compare, &capacity] {
        assert!(text.contains("--set <PATH=VALUE>") && text.contains("--duration <DURATION>"));
    }
}

#[test]
fn completions_for_each_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        Command::cargo_bin("trafsim")
            .unwrap()
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(predicate::str::contains("compare"))
            .stdout(predicate::str::contains("--lose-zone"));
    }
    Command::cargo_bin("trafsim")
        .unwrap()
        .args(["completions", "tcsh"])
        .assert()
        .code(2);
}
