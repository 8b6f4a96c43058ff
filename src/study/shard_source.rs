//! The scenario of a sharded run's part, rebuilt as the shard built it: the file as written
//! with the command line's overrides (`--set`, `--duration`) on top, applied by
//! [`Source::parse_with`] exactly as `trafsim run` applies them. The overrides travel in the
//! part as written (`--set clients.rate=300`, `--duration 5m`) and are parsed again here, so
//! `trafsim merge` rebuilds the same checked scenario (its hash is checked) and writes the
//! same files, the page's "run with these overrides" note included.

use std::path::PathBuf;

use crate::runner::Summary;
use crate::runner::part::{self, PartError};
use crate::scenario::{Diagnostic, Scenario, ScenarioError};
use crate::study::Source;
use crate::study::overrides::FlagOverride;

/// The command line's overrides as a part holds them: each flag as written, in order.
pub fn written(flags: &[FlagOverride]) -> Vec<String> {
    flags.iter().map(|f| f.flag.clone()).collect()
}

/// The overrides a part holds (see [`written`]) parsed again; `origin` names the scenario in
/// the error for one that does not parse.
pub fn parse_flags(overrides: &[String], origin: &str) -> Result<Vec<FlagOverride>, ScenarioError> {
    overrides
        .iter()
        .map(|text| {
            let parsed = if let Some(set) = text.strip_prefix("--set ") {
                FlagOverride::parse_set(set)
            } else if let Some(d) = text.strip_prefix("--duration ") {
                Ok(FlagOverride::duration(d))
            } else {
                Err("expected `--set PATH=VALUE` or `--duration D`".to_string())
            };
            parsed.map_err(|message| ScenarioError {
                diagnostics: vec![Diagnostic {
                    file: origin.to_string(),
                    line: None,
                    column: None,
                    field: String::new(),
                    message: format!("the part's override `{text}` does not read: {message}"),
                }],
            })
        })
        .collect()
}

/// A [`part::Resolve`]: the scenario of `text` (read as `origin`) with `overrides` on top,
/// as `trafsim run` builds it.
pub fn resolve(text: &str, origin: &str, overrides: &[String]) -> Result<Scenario, ScenarioError> {
    let flags = parse_flags(overrides, origin)?;
    Source::parse_with(text, origin, &flags).map(|s| s.base)
}

/// Merges the parts of one sharded run (see [`part::merge_parts`]), overrides applied.
pub fn merge_run(paths: &[PathBuf]) -> Result<(Scenario, Summary), PartError> {
    part::merge_parts(paths, &resolve)
}
