//! Scenario errors: every problem found in a file, each with its place and the field it concerns.
//!
//! A [`ScenarioError`] holds one or more [`Diagnostic`]s and prints them one per line, in the
//! `file:line:column: field: message` shape that editors and terminals turn into links:
//!
//! ```text
//! zone-outage.toml:7:1: simulation.replics: unknown field `replics`, expected one of `name`, …; did you mean `replications`?
//! zone-outage.toml:12:16: clients.rate: must be a finite number of requests per second, at least 0, got -5
//! ```

use std::fmt;

/// One problem in a scenario file, with where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file, as named by the caller (a path or a file name).
    pub file: String,
    /// 1-based line, when the problem has a place in the text.
    pub line: Option<usize>,
    /// 1-based column (in characters), when the problem has a place in the text.
    pub column: Option<usize>,
    /// The field concerned, as a path such as `simulation.replications` or `services[1].pods`
    /// (array indices count from 0); empty for problems of the whole file, such as a syntax error.
    pub field: String,
    /// What is wrong: the value given and what is allowed.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        f.write_str(": ")?;
        if !self.field.is_empty() {
            write!(f, "{}: ", self.field)?;
        }
        f.write_str(&self.message)
    }
}

/// A scenario that could not be loaded: one or more [`Diagnostic`]s, in file order.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", render(.diagnostics))]
pub struct ScenarioError {
    /// Every problem found (never empty).
    pub diagnostics: Vec<Diagnostic>,
}

fn render(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(Diagnostic::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The candidate closest to `given`, if one is close enough to be a likely typo.
///
/// Uses Jaro–Winkler similarity, as clap and cargo do for their suggestions; 0.8 keeps
/// `replics` → `replications` and drops unrelated names such as `1` → `2`.
pub(crate) fn did_you_mean<'a>(
    given: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let lower = given.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&lower, &c.to_lowercase()), c))
        .filter(|&(score, _)| score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// `; did you mean `x`?` when a candidate is close, else nothing; for appending to a message.
pub(crate) fn suggestion<'a>(given: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    did_you_mean(given, candidates)
        .map(|c| format!("; did you mean `{c}`?"))
        .unwrap_or_default()
}

/// Adds a did-you-mean to serde's "unknown field `x`, expected one of `a`, `b`" and
/// "unknown variant `x`, expected …" messages, using the names the message itself lists.
pub(crate) fn with_suggestion(message: &str) -> String {
    let known = ["unknown field `", "unknown variant `"];
    let Some(rest) = known.iter().find_map(|p| message.strip_prefix(p)) else {
        return message.to_string();
    };
    let Some((given, tail)) = rest.split_once('`') else {
        return message.to_string();
    };
    let Some((_, expected)) = tail.split_once("expected") else {
        return message.to_string();
    };
    // The expected names are the backticked words: odd-numbered pieces between backticks.
    let names = expected.split('`').skip(1).step_by(2);
    format!("{message}{}", suggestion(given, names))
}

/// serde's Rust type names in "expected …" put in the file's terms: `f64` is "a number",
/// `u32` "a whole number, 0 or more", `i64` "a whole number", `bool` "true or false". The
/// rest of the message (what was given) is kept.
pub(crate) fn plain_types(message: &str) -> String {
    let Some((head, tail)) = message.rsplit_once("expected ") else {
        return message.to_string();
    };
    let plain = match tail {
        "f64" | "f32" => "a number",
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => "a whole number, 0 or more",
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => "a whole number",
        "bool" | "a boolean" => "true or false",
        "char" => "a single character",
        "a string" => "a string (in quotes)",
        _ => return message.to_string(),
    };
    format!("{head}expected {plain}")
}

/// A list of names for messages: "`a`, `b`, `c`".
pub(crate) fn list<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    names
        .into_iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let names = [
            "name",
            "duration",
            "warmup",
            "replications",
            "seed",
            "window",
        ];
        assert_eq!(did_you_mean("replics", names), Some("replications"));
        assert_eq!(did_you_mean("Warmup", names), Some("warmup"));
        assert_eq!(did_you_mean("zzz", names), None);
        assert_eq!(did_you_mean("4", ["1", "2", "3"]), None);
    }

    #[test]
    fn serde_messages_get_a_suggestion() {
        let m = with_suggestion("unknown field `replics`, expected one of `name`, `replications`");
        assert!(m.ends_with("; did you mean `replications`?"), "{m}");
        let m =
            with_suggestion("unknown variant `expo`, expected one of `exponential`, `constant`");
        assert!(m.ends_with("did you mean `exponential`?"), "{m}");
        let m = with_suggestion("unknown field `sd`, expected `mean`");
        assert_eq!(m, "unknown field `sd`, expected `mean`");
        assert_eq!(
            with_suggestion("missing field `name`"),
            "missing field `name`"
        );
    }

    #[test]
    fn displays_one_line_per_diagnostic() {
        let d = |line, field: &str| Diagnostic {
            file: "a.toml".into(),
            line,
            column: line.map(|_| 1),
            field: field.into(),
            message: "bad".into(),
        };
        let e = ScenarioError {
            diagnostics: vec![d(Some(7), "simulation.seed"), d(None, "")],
        };
        assert_eq!(
            e.to_string(),
            "a.toml:7:1: simulation.seed: bad\na.toml: bad"
        );
    }

    #[test]
    fn type_names_in_the_files_terms() {
        assert_eq!(
            plain_types("invalid type: string \"fast\", expected f64"),
            "invalid type: string \"fast\", expected a number"
        );
        assert_eq!(
            plain_types("invalid type: floating point `2.5`, expected u32"),
            "invalid type: floating point `2.5`, expected a whole number, 0 or more"
        );
        assert_eq!(
            plain_types("invalid type: integer `1`, expected a string"),
            "invalid type: integer `1`, expected a string (in quotes)"
        );
        assert_eq!(plain_types("missing field `name`"), "missing field `name`");
    }
}
