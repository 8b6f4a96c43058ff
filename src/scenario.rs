//! The scenario file: a TOML description of the traffic, the platform design and the faults,
//! read strictly and turned into the checked [`Scenario`] the model is built from.
//!
//! This module owns the file format — its serde types, human units (`"250ms"`, rates per
//! second), distributions, sourced defaults ([`defaults`]), validation, error messages with
//! file, line and column, and the JSON Schema editors use for completion.
//!
//! Loading runs in two stages, as ripgrep does with its low- and high-level arguments:
//!
//! ```text
//!  text ──parse──► toml tree (with spans) ──read──► raw types ──resolve──► Scenario (checked)
//!                   syntax errors           type / unknown-key       ranges, references,
//!                                           errors, per section      cycles: all at once
//! ```
//!
//! The raw types (`raw`) are shaped like the file and only read; `resolve` fills in defaults,
//! checks every range and cross-reference, and reports every problem it finds in one
//! [`ScenarioError`], each placed at its line and column by looking its field path up in the
//! span-keeping tree (`locate`). Syntax errors stop at the first (the rest of the file cannot be
//! trusted); type and unknown-key errors are reported per section; semantic checks run once the
//! file reads cleanly, so they never report a knock-on effect of a typo.

pub mod checked;
mod context;
pub mod defaults;
mod dist_spec;
mod error;
pub mod limits;
mod locate;
mod nesting;
mod network_policy;
mod raw;
mod read;
mod resolve;
pub(crate) use resolve::folder_name;
mod schema;
mod schema_defaults;
pub mod spread;
pub mod starter;
mod units;

pub use checked::*;
pub use error::{Diagnostic, ScenarioError};
pub(crate) use error::{list as error_list, suggestion as error_suggestion};
pub use locate::{FieldPath, Seg};
pub use network_policy::NetworkPolicy;
pub(crate) use raw::{SweepTable, VariantTable};

use std::path::Path;

use context::Cx;

/// Reads and checks the scenario at `path`. Messages name the file as `path` is written.
///
/// A missing or unreadable file is an error naming the path and the operating system's reason.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let text = read_text(path)?;
    parse(&text, &path.display().to_string())
}

/// The text of the scenario file at `path`, read up to [`limits::MAX_FILE_BYTES`]: a missing,
/// unreadable, non-UTF-8 or larger file (or an endless one such as `/dev/zero`) is an error
/// naming the path and the reason.
pub fn read_text(path: &Path) -> Result<String, ScenarioError> {
    use std::io::Read;
    let file = path.display().to_string();
    let fail = |message: String| ScenarioError {
        diagnostics: vec![Diagnostic {
            file: file.clone(),
            line: None,
            column: None,
            field: String::new(),
            message,
        }],
    };
    let reader = std::fs::File::open(path)
        .map_err(|e| fail(format!("could not read the scenario file: {e}")))?;
    let mut bytes = Vec::new();
    reader
        .take(limits::MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| fail(format!("could not read the scenario file: {e}")))?;
    if bytes.len() as u64 > limits::MAX_FILE_BYTES {
        return Err(fail(format!(
            "the scenario file is larger than {} MiB, the most a scenario may be; is it the \
             right file?",
            limits::MAX_FILE_BYTES / (1024 * 1024)
        )));
    }
    String::from_utf8(bytes).map_err(|e| {
        fail(format!(
            "could not read the scenario file: it is not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })
}

/// Checks the scenario in `text`; `origin` is the file name used in messages, and its stem
/// (`zone-outage` for `scenarios/zone-outage.toml`) names the scenario when
/// `[simulation].name` is absent.
pub fn parse(text: &str, origin: &str) -> Result<Scenario, ScenarioError> {
    let doc = match toml::de::DeTable::parse(text) {
        Ok(doc) => doc,
        Err(e) => {
            let mut cx = Cx::new(origin, text, None);
            cx.toml_error(&e, None);
            return Err(cx.into_error());
        }
    };
    let mut cx = Cx::new(origin, text, Some(doc.get_ref()));
    let file = read::scenario_file(&mut cx);
    if cx.has_errors() {
        return Err(cx.into_error());
    }
    let stem = Path::new(origin)
        .file_stem()
        .map_or_else(|| origin.to_string(), |s| s.to_string_lossy().into_owned());
    let scenario = resolve::scenario(&mut cx, file, &stem, text);
    cx.finish(scenario)
}

/// The JSON Schema (draft 7, which Taplo / Even Better TOML understand) of the scenario file,
/// with each field's description, unit and default, for completion and inline errors in
/// editors.
pub fn json_schema() -> serde_json::Value {
    schema::scenario_schema()
}
