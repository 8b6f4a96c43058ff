//! Build script: records the git commit the binary is built from, for the build identity that
//! a sharded run's parts carry (`trafsim::runner::build_id`), so `trafsim merge` can refuse
//! parts of different builds of the same version.
//!
//! Offline and deterministic: it asks the local `git` (no network) for `HEAD` and whether
//! tracked files differ from it, and sets `TRAFSIM_GIT_COMMIT` to `<sha>` or
//! `<sha>+modified`. Where there is no git or no repository (a source archive, a Docker
//! build without `.git`), it sets nothing and the identity falls back to the crate version and
//! a hash of the scenario schema. `TRAFSIM_GIT_COMMIT` set (not empty) in the build's
//! environment wins (for builds from an archive whose commit is known, such as the Docker
//! image's, `--build-arg TRAFSIM_GIT_COMMIT=…`).

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn main() {
    println!("cargo:rerun-if-env-changed=TRAFSIM_GIT_COMMIT");
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=Cargo.toml");
    if let Ok(given) = std::env::var("TRAFSIM_GIT_COMMIT") {
        let given = given.trim();
        if !given.is_empty() {
            println!("cargo:rustc-env=TRAFSIM_GIT_COMMIT={given}");
            return;
        }
    }
    let Some(sha) = git(&["rev-parse", "--verify", "HEAD"]).filter(|s| s.len() >= 7) else {
        return;
    };
    // Rebuild when HEAD moves: the HEAD file, and the branch it points to (or the packed
    // refs that hold it). Only files that exist: cargo reruns every time for a missing one.
    let branch = git(&["symbolic-ref", "-q", "HEAD"]);
    let paths = [
        git(&["rev-parse", "--git-path", "HEAD"]),
        branch.and_then(|r| git(&["rev-parse", "--git-path", r.as_str()])),
        git(&["rev-parse", "--git-path", "packed-refs"]),
    ];
    for path in paths.into_iter().flatten() {
        if std::path::Path::new(&path).exists() {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    let modified =
        git(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
    let suffix = if modified { "+modified" } else { "" };
    println!("cargo:rustc-env=TRAFSIM_GIT_COMMIT={sha}{suffix}");
}
