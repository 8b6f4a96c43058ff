//! The identity of this build of trafsim, which every part file of a sharded study carries:
//! `trafsim merge` refuses parts written by another build, even of the same version, since a
//! model change between two commits changes the results while the version stays.
//!
//! It is `<crate version>` followed by the git commit the binary was built from (recorded by
//! `build.rs` from the local repository, no network; `+modified` when tracked files differed
//! from that commit when it was built) and, always, a hash of the scenario format (the JSON
//! Schema of `trafsim schema`). Without git (a source archive, a Docker build without
//! `.git`) it is the version and the schema hash only. The same sources give the same
//! identity on every machine.

use std::sync::OnceLock;

/// This build's identity, e.g. `0.1.0 commit 1f3c…e2 schema 8d2f4c0a91b7e6d3` (see the
/// module doc).
pub fn build_identity() -> &'static str {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| {
        let schema = crate::scenario::json_schema().to_string();
        let commit = option_env!("TRAFSIM_GIT_COMMIT")
            .map(|c| format!(" commit {c}"))
            .unwrap_or_default();
        format!(
            "{}{commit} schema {}",
            env!("CARGO_PKG_VERSION"),
            fnv1a(schema.as_bytes())
        )
    })
}

/// FNV-1a, 64 bits, as 16 hexadecimal digits: stable across platforms and releases of Rust.
pub fn fnv1a(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_names_the_version_and_the_schema_and_is_stable() {
        let id = build_identity();
        assert!(id.starts_with(env!("CARGO_PKG_VERSION")), "{id}");
        assert!(id.contains(" schema "), "{id}");
        assert_eq!(id, build_identity());
        assert_eq!(fnv1a(b""), "cbf29ce484222325");
        assert_eq!(fnv1a(b"a"), "af63dc4c8601ec8c");
    }
}
