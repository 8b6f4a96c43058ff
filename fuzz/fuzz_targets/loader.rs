//! Fuzz target for the scenario loader: any bytes, read as a scenario file, must give a
//! scenario or an error whose every line names the file — never a panic, never a hang, never
//! memory beyond the input's bounds (`src/scenario/limits.rs`).
//!
//! Run with `cargo +nightly fuzz run loader fuzz/corpus/loader scenarios` from the repository
//! (see the README, "Fuzzing the loader").

#![no_main]

use libfuzzer_sys::fuzz_target;
use trafsim::scenario;
use trafsim::study::Source;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The scenario alone, as `run` reads it.
    match scenario::parse(text, "fuzz.toml") {
        Ok(s) => assert!(!s.name.is_empty()),
        Err(e) => {
            assert!(!e.diagnostics.is_empty());
            for line in e.to_string().lines() {
                assert!(line.starts_with("fuzz.toml"), "a message without its file: {line}");
            }
        }
    }
    // With its variants and sweep, as `validate`, `compare` and `capacity` read it.
    let _ = Source::parse(text, "fuzz.toml");
});
